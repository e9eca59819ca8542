//! What a transactional email sends: raw content, a custom template or a predefined email.

use serde::{Deserialize, Serialize};

use crate::error::InvalidInput;
use crate::wire::check_not_blank;

/// What a [`SendMail`](super::SendMail) sends: exactly one of the three modes of API.md §4.2,
/// serialised into the request body's top level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, try_from = "ContentJson")]
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

/// The fields that choose a mail's mode, as JSON gives them (flattened into the mail).
#[derive(Deserialize)]
struct ContentJson {
    email_content: Option<String>,
    template_uuid: Option<String>,
    transactional_id: Option<String>,
    sender: Option<String>,
    subject: Option<String>,
}

impl TryFrom<ContentJson> for MailContent {
    type Error = InvalidInput;

    fn try_from(json: ContentJson) -> Result<Self, Self::Error> {
        let needed = |value: Option<String>, field: &'static str, mode: &str| {
            value.ok_or_else(|| InvalidInput::new(field, format!("is required with `{mode}`")))
        };
        match (json.email_content, json.template_uuid, json.transactional_id) {
            (Some(content), None, None) => Ok(MailContent::raw(
                content,
                needed(json.sender, "sender", "email_content")?,
                needed(json.subject, "subject", "email_content")?,
            )),
            (None, Some(uuid), None) => Ok(MailContent::template(
                uuid,
                needed(json.sender, "sender", "template_uuid")?,
                needed(json.subject, "subject", "template_uuid")?,
            )),
            (None, None, Some(id)) => {
                if json.sender.is_some() || json.subject.is_some() {
                    return Err(InvalidInput::new(
                        "transactional_id",
                        "`sender` and `subject` come from the transactional email's definition: \
                         leave them out",
                    ));
                }
                Ok(MailContent::transactional(id))
            }
            _ => Err(InvalidInput::new(
                "email_content",
                "exactly one of `email_content`, `template_uuid` and `transactional_id` is required",
            )),
        }
    }
}
