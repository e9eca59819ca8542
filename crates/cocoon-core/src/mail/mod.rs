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

mod attachment;
mod content;
mod direct;
mod envelope;
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
