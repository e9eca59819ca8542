//! `POST /webhook/mail/send`: a transactional email to one or more recipients.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::envelope::{check_recipients_cc_and_attachments, recipients_cc_and_attachments};
use super::{Attachment, MailContent, Recipient, RemoteAttachment};
use crate::checked::checked_request;
use crate::endpoint::{json_body, Endpoint, Target};
use crate::error::{Error, InvalidInput};
use crate::route::Operation;
use crate::setters::{flag_setters, list_setters, map_setters, text_setters};
use crate::wire::check_not_blank;

checked_request! {
/// `POST /webhook/mail/send`: sends a transactional email to one or more recipients.
///
/// The mode ([`MailContent`]) and at least one recipient are required; everything else is
/// optional. A request without recipients, or with an empty required string, is refused with
/// [`Error::InvalidInput`] before it is sent. Sending is not idempotent, so it is retried only
/// when the server certainly did not act on it.
///
/// ```
/// use cocoon_core::{build_request, ApiKey, Config};
/// use cocoon_core::mail::{Attachment, MailContent, Recipient, SendMail};
/// let key = ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?;
/// let config = Config::new(key);
/// let mail = SendMail::new(MailContent::raw("<p>Hi {{name}}</p>", "team@example.com", "Welcome"))
///     .to(Recipient::new("ada@example.com").first_name("Ada"))
///     .cc("boss@example.com")
///     .custom_parameter("name", "Ada")
///     .attachment(Attachment::new("hello.txt", "text/plain", b"hello"))
///     .tag("welcome");
/// let request = build_request(&config, &mail)?;
/// assert_eq!(request.uri(), "https://webhook.cocoonmail.com/webhook/mail/send");
/// assert_eq!(request.method(), http::Method::POST);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SendMailJson")]
#[must_use]
pub struct SendMail via SendMailJson
twin {
    #[serde(deny_unknown_fields)]
}
{
    #[serde(flatten)]
    content: MailContent,
    to: Vec<Recipient>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    cc: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_parameter: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    attachments_remote: Vec<RemoteAttachment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    add_email_address_to_contact: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheduled_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_click_tracking: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_open_tracking: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ignore_contact_bounce: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ignore_contact_unsubscribe: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enable_view_in_browser: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    include_unsubscribe: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
}
}

impl SendMail {
    /// An email in the mode `content`, with no recipients yet: add them with [`SendMail::to`].
    pub fn new(content: MailContent) -> Self {
        SendMail {
            content,
            to: Vec::new(),
            reply_to: None,
            cc: Vec::new(),
            custom_parameter: None,
            attachments: Vec::new(),
            attachments_remote: Vec::new(),
            add_email_address_to_contact: None,
            scheduled_at: None,
            allow_click_tracking: None,
            allow_open_tracking: None,
            ignore_contact_bounce: None,
            ignore_contact_unsubscribe: None,
            enable_view_in_browser: None,
            include_unsubscribe: None,
            tags: Vec::new(),
        }
    }

    /// The mode.
    pub fn content(&self) -> &MailContent {
        &self.content
    }

    /// The recipients so far.
    pub fn recipients(&self) -> &[Recipient] {
        &self.to
    }

    recipients_cc_and_attachments!(Recipient);

    map_setters! {
        /// Sets one merge-tag value of `custom_parameter` (replacing an earlier value for `key`).
        custom_parameter,
        /// Sets every merge-tag value in `values` (keeping earlier values of other keys).
        custom_parameters(values) => custom_parameter,
    }

    /// Adds an attachment the server fetches from a URL (`attachments_remote`).
    pub fn remote_attachment(mut self, attachment: RemoteAttachment) -> Self {
        self.attachments_remote.push(attachment);
        self
    }

    /// Adds every one of `attachments` to `attachments_remote`.
    pub fn remote_attachments(
        mut self,
        attachments: impl IntoIterator<Item = RemoteAttachment>,
    ) -> Self {
        self.attachments_remote.extend(attachments);
        self
    }

    flag_setters! {
        /// Sets `add_email_address_to_contact`: whether recipients are added to the audience.
        add_email_address_to_contact,
    }

    text_setters! {
        /// Sets `scheduled_at`: when to send, as an ISO-8601 timestamp such as
        /// `"2025-01-31T09:00:00Z"` (sent as given).
        scheduled_at,
    }

    flag_setters! {
        /// Sets `allow_click_tracking`.
        allow_click_tracking,
        /// Sets `allow_open_tracking`.
        allow_open_tracking,
        /// Sets `ignore_contact_bounce`: send even to contacts that bounced before.
        ignore_contact_bounce,
        /// Sets `ignore_contact_unsubscribe`: send even to contacts that unsubscribed.
        ignore_contact_unsubscribe,
        /// Sets `enable_view_in_browser`.
        enable_view_in_browser,
        /// Sets `include_unsubscribe`: whether the email carries an unsubscribe link.
        include_unsubscribe,
    }

    list_setters! {
        /// Adds a tag.
        tag(tag),
        /// Adds every one of `tags`.
        tags(tags) => tags,
    }
}

impl Endpoint for SendMail {
    type Output = SendMailResponse;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::SendMail)
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        self.content.validate()?;
        check_recipients_cc_and_attachments(
            self.to.iter().map(Recipient::email),
            self.reply_to.as_deref(),
            &self.cc,
            &self.attachments,
        )?;
        for (i, remote) in self.attachments_remote.iter().enumerate() {
            check_not_blank(
                format!("attachments_remote[{i}].remote_link"),
                remote.remote_link(),
            )?;
        }
        if let Some(at) = &self.scheduled_at {
            check_not_blank("scheduled_at", at)?;
        }
        Ok(())
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        json_body(self)
    }
}

/// One sent email of a [`SendMailResponse`]: `to`, and the `message_id` to pass to
/// [`MailStatus::new`](super::MailStatus::new).
pub type MailReport = crate::quota::SendReport;

/// The answer to [`SendMail`] (201): the report, failures, quotas and sender.
pub type SendMailResponse = crate::quota::SendResponse;
