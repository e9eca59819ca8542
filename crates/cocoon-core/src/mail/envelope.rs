//! What [`SendMail`](super::SendMail) and [`SendDirectMail`](super::SendDirectMail) share: the
//! recipients, `reply_to`, `cc` and attachments, their setters and their checks.

use super::Attachment;
use crate::error::InvalidInput;
use crate::wire::check_not_blank;

/// The setters both sends share: recipients (of type `$recipient`), `reply_to`, `cc` and
/// attachments. Checked by [`check_recipients_cc_and_attachments`].
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
pub(super) fn check_recipients_cc_and_attachments<'a>(
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

pub(super) use recipients_cc_and_attachments;
