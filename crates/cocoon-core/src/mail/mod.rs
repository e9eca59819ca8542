//! Email: sending, direct sending, usage and delivery status (API.md §4.2–§4.5).
//!
//! | request | endpoint | answer |
//! | --- | --- | --- |
//! | [`SendMail`] | `POST /webhook/mail/send` | [`SendMailResponse`] |
//! | [`SendDirectMail`] | `POST /webhook/mail/send-direct` | [`SendDirectMailResponse`] |
//! | [`MailUsage`] | `POST /webhook/mail/usage` | [`MailUsageResponse`] |
//! | [`MailStatus`] | `GET /webhook/mail/status?message_id=` | [`MailStatusResponse`] |
//!
//! A [`SendMail`] carries exactly one of the three modes of [`MailContent`]: raw content, a
//! custom template, or a predefined transactional email. Its answer's
//! [`MailReport::message_id`] is what [`MailStatus`] takes.

use crate::error::InvalidInput;
use crate::wire::check_not_blank;

/// The setters [`SendMail`] and [`SendDirectMail`] share: recipients (of type `$recipient`),
/// `reply_to`, `cc` and attachments. Checked by [`check_recipients_cc_and_attachments`].
macro_rules! recipients_cc_and_attachments {
    ($recipient:ty) => {
        /// Adds a recipient (an email address converts into one).
        pub fn to(mut self, recipient: impl Into<$recipient>) -> Self {
            self.to.push(recipient.into());
            self
        }

        /// Adds every one of `recipients`.
        pub fn to_all<I: IntoIterator<Item = R>, R: Into<$recipient>>(
            mut self,
            recipients: I,
        ) -> Self {
            self.to.extend(recipients.into_iter().map(Into::into));
            self
        }

        $crate::setters::text_setters! {
            /// Sets the `reply_to` address.
            reply_to,
        }

        $crate::setters::list_setters! {
            /// Adds an address to `cc`.
            cc(email),
            /// Adds every one of `emails` to `cc`.
            cc_all(emails) => cc,
        }

        /// Adds an attachment.
        pub fn attachment(mut self, attachment: Attachment) -> Self {
            self.attachments.push(attachment);
            self
        }

        /// Adds every one of `attachments`.
        pub fn attachments(mut self, attachments: impl IntoIterator<Item = Attachment>) -> Self {
            self.attachments.extend(attachments);
            self
        }
    };
}

/// Refuses what both sends refuse: no recipient, a blank recipient address, `reply_to` or
/// `cc` address, an attachment without a name or type.
fn check_recipients_cc_and_attachments<'a>(
    recipients: impl ExactSizeIterator<Item = &'a str>,
    reply_to: Option<&str>,
    cc: &[String],
    attachments: &[Attachment],
) -> Result<(), InvalidInput> {
    if recipients.len() == 0 {
        return Err(InvalidInput::new(
            "to",
            "at least one recipient is required",
        ));
    }
    for (i, email) in recipients.enumerate() {
        check_not_blank(format!("to[{i}].email"), email)?;
    }
    if let Some(reply_to) = reply_to {
        check_not_blank("reply_to", reply_to)?;
    }
    for (i, cc) in cc.iter().enumerate() {
        check_not_blank(format!("cc[{i}]"), cc)?;
    }
    for (i, attachment) in attachments.iter().enumerate() {
        attachment.validate(i)?;
    }
    Ok(())
}

mod attachment;
mod content;
mod direct;
mod recipient;
mod send;
mod status;
mod tracking;
mod usage;

#[cfg(test)]
mod tests;

pub use attachment::{Attachment, RemoteAttachment};
pub use content::MailContent;
pub use direct::{DirectRecipient, SendDirectMail, SendDirectMailResponse};
pub use recipient::Recipient;
pub use send::{MailReport, SendMail, SendMailResponse};
pub use status::{MailStatus, MailStatusData, MailStatusResponse};
pub use tracking::{TrackingEvent, TrackingLog};
pub use usage::{MailUsage, MailUsageResponse};
