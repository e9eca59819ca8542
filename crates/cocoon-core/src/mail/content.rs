//! What a transactional email sends: raw content, a custom template or a predefined email.

use serde::Serialize;

use crate::error::InvalidInput;
use crate::wire::check_not_blank;

/// What a [`SendMail`](super::SendMail) sends: exactly one of the three modes of API.md §4.2,
/// serialised into the request body's top level.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum MailContent {
    /// Raw content written by the caller.
    Raw {
        /// The HTML or text of the email.
        email_content: String,
        /// The sender's email address.
        sender: String,
        /// The subject.
        subject: String,
    },
    /// A custom template designed in the dashboard.
    Template {
        /// The template's UUID.
        template_uuid: String,
        /// The sender's email address.
        sender: String,
        /// The subject.
        subject: String,
    },
    /// A predefined transactional email (sender and subject come from its definition).
    Transactional {
        /// The transactional email's id.
        transactional_id: String,
    },
}

impl MailContent {
    /// Raw content: the HTML or text `email_content`, from `sender`, titled `subject`.
    pub fn raw(
        email_content: impl Into<String>,
        sender: impl Into<String>,
        subject: impl Into<String>,
    ) -> Self {
        MailContent::Raw {
            email_content: email_content.into(),
            sender: sender.into(),
            subject: subject.into(),
        }
    }

    /// The custom template `template_uuid`, from `sender`, titled `subject`.
    pub fn template(
        template_uuid: impl Into<String>,
        sender: impl Into<String>,
        subject: impl Into<String>,
    ) -> Self {
        MailContent::Template {
            template_uuid: template_uuid.into(),
            sender: sender.into(),
            subject: subject.into(),
        }
    }

    /// The predefined transactional email `transactional_id`.
    pub fn transactional(transactional_id: impl Into<String>) -> Self {
        MailContent::Transactional {
            transactional_id: transactional_id.into(),
        }
    }

    pub(super) fn validate(&self) -> Result<(), InvalidInput> {
        match self {
            MailContent::Raw {
                email_content,
                sender,
                subject,
            } => {
                check_not_blank("email_content", email_content)?;
                check_not_blank("sender", sender)?;
                check_not_blank("subject", subject)
            }
            MailContent::Template {
                template_uuid,
                sender,
                subject,
            } => {
                check_not_blank("template_uuid", template_uuid)?;
                check_not_blank("sender", sender)?;
                check_not_blank("subject", subject)
            }
            MailContent::Transactional { transactional_id } => {
                check_not_blank("transactional_id", transactional_id)
            }
        }
    }
}
