//! `POST /webhook/whatsapp_message/send`: a WhatsApp message to one or more recipients.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{WhatsAppMessage, WhatsAppRecipient};
use crate::checked::checked_request;
use crate::endpoint::{json_body, Endpoint, Target};
use crate::error::{Error, InvalidInput};
use crate::route::Operation;
use crate::setters::{flag_setters, list_setters, map_setters, text_setters};
use crate::wire::check_not_blank;

/// The event a [`SendWhatsApp`] is sent for: `{code, name, data}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[must_use]
pub struct WhatsAppEvent {
    code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Map<String, Value>>,
}

impl WhatsAppEvent {
    /// An event with its code, e.g. `"ABANDONED_CART"`.
    pub fn new(code: impl Into<String>) -> Self {
        WhatsAppEvent {
            code: code.into(),
            name: None,
            data: None,
        }
    }

    text_setters! {
        /// Sets the event's display `name`.
        name,
    }

    map_setters! {
        /// Sets one entry of `data` (replacing an earlier value for `key`).
        data_entry,
        /// Sets every entry of `data` in `data` (keeping earlier entries of other keys).
        data(data) => data,
    }
}

checked_request! {
/// `POST /webhook/whatsapp_message/send`: sends a WhatsApp message to one or more recipients.
///
/// The sender number, the message and at least one recipient are required. Sending is not
/// idempotent, so it is retried only when the server certainly did not act on it.
///
/// ```
/// use cocoon_core::{build_request, ApiKey, Config};
/// use cocoon_core::whatsapp::{SendWhatsApp, WhatsAppMessage, WhatsAppRecipient};
/// let key = ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?;
/// let config = Config::new(key);
/// let message = SendWhatsApp::new("+15550001111", WhatsAppMessage::template("order_update", "en"))
///     .recipient(WhatsAppRecipient::new("+447700900123").first_name("Ada"))
///     .parameterized_variable("order", "A-1001")
///     .tag("orders");
/// let request = build_request(&config, &message)?;
/// assert_eq!(request.uri(), "https://webhook.cocoonmail.com/webhook/whatsapp_message/send");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SendWhatsAppJson")]
#[must_use]
pub struct SendWhatsApp via SendWhatsAppJson
twin {
    #[serde(deny_unknown_fields)]
}
{
    from_number: String,
    #[serde(flatten)]
    message: WhatsAppMessage,
    recipient: Vec<WhatsAppRecipient>,
    #[serde(skip_serializing_if = "Option::is_none")]
    add_recipient_to_contacts: Option<bool>,
    /// Also read as `overwrite_variables`, an older name of the field.
    #[serde(alias = "overwrite_variables", skip_serializing_if = "Option::is_none")]
    parameterized_variables: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<WhatsAppEvent>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
}
}

impl SendWhatsApp {
    /// `message` from the business number `from_number`, with no recipients yet: add them with
    /// [`SendWhatsApp::recipient`].
    pub fn new(from_number: impl Into<String>, message: WhatsAppMessage) -> Self {
        SendWhatsApp {
            from_number: from_number.into(),
            message,
            recipient: Vec::new(),
            add_recipient_to_contacts: None,
            parameterized_variables: None,
            event: None,
            tags: Vec::new(),
        }
    }

    /// The message.
    pub fn message(&self) -> &WhatsAppMessage {
        &self.message
    }

    /// The recipients so far.
    pub fn recipients(&self) -> &[WhatsAppRecipient] {
        &self.recipient
    }

    /// Adds a recipient (a WhatsApp number converts into one).
    pub fn recipient(mut self, recipient: impl Into<WhatsAppRecipient>) -> Self {
        self.recipient.push(recipient.into());
        self
    }

    /// Adds every one of `recipients`.
    pub fn recipients_all<I: IntoIterator<Item = R>, R: Into<WhatsAppRecipient>>(
        mut self,
        recipients: I,
    ) -> Self {
        self.recipient
            .extend(recipients.into_iter().map(Into::into));
        self
    }

    flag_setters! {
        /// Sets `add_recipient_to_contacts`: whether recipients are added to the audience.
        add_recipient_to_contacts,
    }

    map_setters! {
        /// Sets one template variable of `parameterized_variables` (replacing an earlier value for
        /// `key`).
        parameterized_variable,
        /// Sets every template variable in `variables` (keeping earlier values of other keys).
        parameterized_variables(variables) => parameterized_variables,
    }

    /// Sets the `event` the message is sent for.
    pub fn event(mut self, event: WhatsAppEvent) -> Self {
        self.event = Some(event);
        self
    }

    list_setters! {
        /// Adds a tag.
        tag(tag),
        /// Adds every one of `tags`.
        tags(tags) => tags,
    }
}

impl Endpoint for SendWhatsApp {
    type Output = SendWhatsAppResponse;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::SendWhatsApp)
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        check_not_blank("from_number", &self.from_number)?;
        self.message.validate()?;
        if self.recipient.is_empty() {
            return Err(InvalidInput::new(
                "recipient",
                "at least one recipient is required",
            ));
        }
        for (i, recipient) in self.recipient.iter().enumerate() {
            check_not_blank(
                format!("recipient[{i}].whatsapp_number"),
                recipient.whatsapp_number(),
            )?;
        }
        if let Some(event) = &self.event {
            check_not_blank("event.code", &event.code)?;
        }
        Ok(())
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        json_body(self)
    }
}

/// One sent message of a [`SendWhatsAppResponse`]: `to` (a JSON number is read as its digits), and
/// the `message_id` (a `wamid`) to pass to [`WhatsAppStatus::new`](super::WhatsAppStatus::new).
pub type WhatsAppReport = crate::quota::SendReport;

/// The answer to [`SendWhatsApp`] (201): the report, failures and quotas (see
/// [`Quotas::whatsapp_per_month`](crate::quota::Quotas::whatsapp_per_month)); `sender` stays
/// `None`.
pub type SendWhatsAppResponse = crate::quota::SendResponse;
