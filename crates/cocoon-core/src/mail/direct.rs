//! `POST /webhook/mail/send-direct`: an email delivered without reports or analytics.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::envelope::{check_recipients_cc_and_attachments, recipients_cc_and_attachments};
use super::Attachment;
use crate::checked::checked_request;
use crate::endpoint::{json_body, Endpoint, Target};
use crate::error::{Error, InvalidInput};
use crate::route::Operation;
use crate::setters::text_setters;
use crate::wire::check_not_blank;

/// A recipient of a [`SendDirectMail`]: `{email, name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[must_use]
pub struct DirectRecipient {
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

impl DirectRecipient {
    /// A recipient with an email address.
    pub fn new(email: impl Into<String>) -> Self {
        DirectRecipient {
            email: email.into(),
            name: None,
        }
    }

    text_setters! {
        /// Sets the display name.
        name,
    }

    /// The email address.
    pub fn email(&self) -> &str {
        &self.email
    }
}

impl From<&str> for DirectRecipient {
    fn from(email: &str) -> Self {
        DirectRecipient::new(email)
    }
}

impl From<String> for DirectRecipient {
    fn from(email: String) -> Self {
        DirectRecipient::new(email)
    }
}

checked_request! {
/// `POST /webhook/mail/send-direct`: sends an email that Cocoonmail delivers without storing
/// reports or analytics (usage still counts).
///
/// Content, sender, subject and at least one recipient are required.
///
/// ```
/// use cocoon_core::{build_request, ApiKey, Config};
/// use cocoon_core::mail::{DirectRecipient, SendDirectMail};
/// let key = ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?;
/// let config = Config::new(key);
/// let mail = SendDirectMail::new("<p>Your report</p>", "reports@example.com", "Weekly report")
///     .to(DirectRecipient::new("ada@example.com").name("Ada"))
///     .reply_to("support@example.com");
/// let request = build_request(&config, &mail)?;
/// assert_eq!(request.uri(), "https://webhook.cocoonmail.com/webhook/mail/send-direct");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SendDirectMailJson")]
#[must_use]
pub struct SendDirectMail via SendDirectMailJson
twin {
    #[serde(deny_unknown_fields)]
}
{
    email_content: String,
    sender: String,
    subject: String,
    to: Vec<DirectRecipient>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    cc: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment>,
}
}

impl SendDirectMail {
    /// The HTML or text `email_content`, from `sender`, titled `subject`, with no recipients
    /// yet: add them with [`SendDirectMail::to`].
    pub fn new(
        email_content: impl Into<String>,
        sender: impl Into<String>,
        subject: impl Into<String>,
    ) -> Self {
        SendDirectMail {
            email_content: email_content.into(),
            sender: sender.into(),
            subject: subject.into(),
            to: Vec::new(),
            reply_to: None,
            cc: Vec::new(),
            attachments: Vec::new(),
        }
    }

    recipients_cc_and_attachments!(DirectRecipient);
}

impl Endpoint for SendDirectMail {
    type Output = SendDirectMailResponse;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::SendDirectMail)
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        check_not_blank("email_content", &self.email_content)?;
        check_not_blank("sender", &self.sender)?;
        check_not_blank("subject", &self.subject)?;
        check_recipients_cc_and_attachments(
            self.to.iter().map(DirectRecipient::email),
            self.reply_to.as_deref(),
            &self.cc,
            &self.attachments,
        )
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        json_body(self)
    }
}

/// The answer to [`SendDirectMail`] (201).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SendDirectMailResponse {
    /// What the server said in `success`; `None` when it did not say.
    pub success: Option<bool>,
    /// The server's message.
    pub message: Option<String>,
    /// The addresses the email was sent to.
    #[serde(deserialize_with = "crate::wire::null_as_default")]
    pub sent_recipients: Vec<String>,
    /// Recipients it could not be sent to (`failed_recipients`, also read from
    /// `failed_emails`); the elements' shape is undocumented, so they are kept as JSON.
    #[serde(
        alias = "failed_emails",
        deserialize_with = "crate::wire::null_as_default"
    )]
    pub failed_recipients: Vec<Value>,
    /// Recipients refused as invalid; kept as JSON for the same reason.
    #[serde(deserialize_with = "crate::wire::null_as_default")]
    pub invalid_recipients: Vec<Value>,
}
