//! WhatsApp: sending messages and reading their status (API.md §4.9, §4.10).
//!
//! | request | endpoint | answer |
//! | --- | --- | --- |
//! | [`SendWhatsApp`] | `POST /webhook/whatsapp_message/send` | [`SendWhatsAppResponse`] |
//! | [`WhatsAppStatus`] | `GET /webhook/whatsapp_message/status?message_id=` | [`WhatsAppStatusResponse`] |
//!
//! A message is a template, a text, or a media kind whose payload the vendor does not document
//! ([`WhatsAppMessage`]); it goes on the wire as `type` plus `content`.

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::endpoint::{json_body, Endpoint, Query, Target};
use crate::error::{Error, InvalidInput};
use crate::quota::Quotas;
use crate::route::Operation;
use crate::wire::check_not_blank;

/// What a [`SendWhatsApp`] sends: serialised as `"type"` and `"content"`.
#[derive(Debug, Clone, PartialEq)]
pub enum WhatsAppMessage {
    /// `type: "template"`, `content: {template_name, template_language}`: an approved template.
    Template {
        /// The template's name.
        template_name: String,
        /// The template's language code, e.g. `"en"` or `"en_US"`.
        template_language: String,
    },
    /// `type: "text"`, `content: {body}`: free text (only within a conversation window).
    Text {
        /// The text.
        body: String,
    },
    /// Any other `type` (image, document, ...), whose `content` the vendor does not document:
    /// sent exactly as given.
    Media {
        /// The `type` value.
        kind: String,
        /// The `content` value.
        content: Value,
    },
}

impl WhatsAppMessage {
    /// The template `template_name` in `template_language`.
    pub fn template(
        template_name: impl Into<String>,
        template_language: impl Into<String>,
    ) -> Self {
        WhatsAppMessage::Template {
            template_name: template_name.into(),
            template_language: template_language.into(),
        }
    }

    /// A text message.
    pub fn text(body: impl Into<String>) -> Self {
        WhatsAppMessage::Text { body: body.into() }
    }

    /// A message of type `kind` whose `content` is sent as given.
    pub fn media(kind: impl Into<String>, content: Value) -> Self {
        WhatsAppMessage::Media {
            kind: kind.into(),
            content,
        }
    }

    /// The `type` sent on the wire.
    pub fn kind(&self) -> &str {
        match self {
            WhatsAppMessage::Template { .. } => "template",
            WhatsAppMessage::Text { .. } => "text",
            WhatsAppMessage::Media { kind, .. } => kind,
        }
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        match self {
            WhatsAppMessage::Template {
                template_name,
                template_language,
            } => {
                check_not_blank("content.template_name", template_name)?;
                check_not_blank("content.template_language", template_language)
            }
            WhatsAppMessage::Text { body } => check_not_blank("content.body", body),
            WhatsAppMessage::Media { kind, .. } => check_not_blank("type", kind),
        }
    }
}

impl Serialize for WhatsAppMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct TemplateContent<'a> {
            template_name: &'a str,
            template_language: &'a str,
        }
        #[derive(Serialize)]
        struct TextContent<'a> {
            body: &'a str,
        }

        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("type", self.kind())?;
        match self {
            WhatsAppMessage::Template {
                template_name,
                template_language,
            } => map.serialize_entry(
                "content",
                &TemplateContent {
                    template_name,
                    template_language,
                },
            )?,
            WhatsAppMessage::Text { body } => {
                map.serialize_entry("content", &TextContent { body })?
            }
            WhatsAppMessage::Media { content, .. } => map.serialize_entry("content", content)?,
        }
        map.end()
    }
}

/// A recipient of a [`SendWhatsApp`] (`recipient[]`): a WhatsApp number and optional contact
/// details.
///
/// ```
/// use cocoon_core::whatsapp::WhatsAppRecipient;
/// let ada = WhatsAppRecipient::new("+447700900123").first_name("Ada").attribute("plan", "pro");
/// assert_eq!(
///     serde_json::to_string(&ada)?,
///     r#"{"whatsapp_number":"+447700900123","first_name":"Ada","attributes":{"plan":"pro"}}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct WhatsAppRecipient {
    whatsapp_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attributes: Option<Map<String, Value>>,
}

impl WhatsAppRecipient {
    /// A recipient with only a WhatsApp number (sent as given, e.g. `"+447700900123"`).
    pub fn new(whatsapp_number: impl Into<String>) -> Self {
        WhatsAppRecipient {
            whatsapp_number: whatsapp_number.into(),
            first_name: None,
            name: None,
            email: None,
            attributes: None,
        }
    }

    /// The WhatsApp number.
    pub fn whatsapp_number(&self) -> &str {
        &self.whatsapp_number
    }

    /// Sets `first_name`.
    pub fn first_name(mut self, first_name: impl Into<String>) -> Self {
        self.first_name = Some(first_name.into());
        self
    }

    /// Sets the full name (`name`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets `email`.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Sets one entry of `attributes` (replacing an earlier value for `key`).
    pub fn attribute(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.attributes
            .get_or_insert_with(Map::new)
            .insert(key.into(), value.into());
        self
    }

    /// Sets every entry of `attributes` in `attributes` (keeping earlier entries of other keys).
    pub fn attributes(mut self, attributes: Map<String, Value>) -> Self {
        self.attributes
            .get_or_insert_with(Map::new)
            .extend(attributes);
        self
    }
}

impl From<&str> for WhatsAppRecipient {
    fn from(whatsapp_number: &str) -> Self {
        WhatsAppRecipient::new(whatsapp_number)
    }
}

impl From<String> for WhatsAppRecipient {
    fn from(whatsapp_number: String) -> Self {
        WhatsAppRecipient::new(whatsapp_number)
    }
}

/// The event a [`SendWhatsApp`] is sent for: `{code, name, data}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

    /// Sets the event's display `name`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets one entry of `data` (replacing an earlier value for `key`).
    pub fn data_entry(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.data
            .get_or_insert_with(Map::new)
            .insert(key.into(), value.into());
        self
    }

    /// Sets every entry of `data` in `data` (keeping earlier entries of other keys).
    pub fn data(mut self, data: Map<String, Value>) -> Self {
        self.data.get_or_insert_with(Map::new).extend(data);
        self
    }
}

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
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct SendWhatsApp {
    from_number: String,
    #[serde(flatten)]
    message: WhatsAppMessage,
    recipient: Vec<WhatsAppRecipient>,
    #[serde(skip_serializing_if = "Option::is_none")]
    add_recipient_to_contacts: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parameterized_variables: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<WhatsAppEvent>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
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

    /// Sets `add_recipient_to_contacts`: whether recipients are added to the audience.
    pub fn add_recipient_to_contacts(mut self, add: bool) -> Self {
        self.add_recipient_to_contacts = Some(add);
        self
    }

    /// Sets one template variable of `parameterized_variables` (replacing an earlier value for
    /// `key`).
    pub fn parameterized_variable(
        mut self,
        key: impl Into<String>,
        value: impl Into<Value>,
    ) -> Self {
        self.parameterized_variables
            .get_or_insert_with(Map::new)
            .insert(key.into(), value.into());
        self
    }

    /// Sets every template variable in `variables` (keeping earlier values of other keys).
    pub fn parameterized_variables(mut self, variables: Map<String, Value>) -> Self {
        self.parameterized_variables
            .get_or_insert_with(Map::new)
            .extend(variables);
        self
    }

    /// Sets the `event` the message is sent for.
    pub fn event(mut self, event: WhatsAppEvent) -> Self {
        self.event = Some(event);
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Adds every one of `tags`.
    pub fn tags<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tags: I) -> Self {
        self.tags.extend(tags.into_iter().map(Into::into));
        self
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
                &recipient.whatsapp_number,
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

/// One sent message of a [`SendWhatsAppResponse`]: `to` (a JSON number is read as its
/// digits), and the `message_id` (a `wamid`) to pass to [`WhatsAppStatus::new`].
pub type WhatsAppReport = crate::quota::SendReport;

/// The answer to [`SendWhatsApp`] (201).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SendWhatsAppResponse {
    /// What the server said in `success`; `None` when it did not say. An answer saying
    /// `false` never gets here: it ends in [`Error::Api`].
    pub success: Option<bool>,
    /// Recipients the message was not sent to (`failed_recipients`, also read from
    /// `failed_emails`). The elements' shape is undocumented, so they are kept as JSON.
    #[serde(
        alias = "failed_emails",
        deserialize_with = "crate::wire::null_as_default"
    )]
    pub failed_recipients: Vec<Value>,
    /// One entry per message sent.
    #[serde(deserialize_with = "crate::wire::null_as_default")]
    pub report: Vec<WhatsAppReport>,
    /// The account's quotas after this send (see [`Quotas::whatsapp_per_month`]).
    pub quotas: Quotas,
    /// The server's message.
    pub message: Option<String>,
}

/// `GET /webhook/whatsapp_message/status?message_id=<wamid>`: reads a sent message's status.
/// An unknown id ends in [`Error::NotFound`].
///
/// ```
/// use cocoon_core::{build_request, ApiKey, Config};
/// use cocoon_core::whatsapp::WhatsAppStatus;
/// let key = ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?;
/// let request = build_request(&Config::new(key), &WhatsAppStatus::new("wamid.HBgL=="))?;
/// assert_eq!(
///     request.uri(),
///     "https://webhook.cocoonmail.com/webhook/whatsapp_message/status?message_id=wamid.HBgL%3D%3D"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatsAppStatus {
    message_id: String,
}

impl WhatsAppStatus {
    /// The status of the message `message_id` (from [`WhatsAppReport::message_id`]).
    pub fn new(message_id: impl Into<String>) -> Self {
        WhatsAppStatus {
            message_id: message_id.into(),
        }
    }

    /// The message id asked about.
    pub fn message_id(&self) -> &str {
        &self.message_id
    }
}

impl Endpoint for WhatsAppStatus {
    type Output = WhatsAppStatusResponse;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::WhatsAppStatus)
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        check_not_blank("message_id", &self.message_id)
    }

    fn query(&self, query: &mut Query<'_>) {
        query.push("message_id", &self.message_id);
    }
}

/// The answer to [`WhatsAppStatus`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct WhatsAppStatusResponse {
    /// The server's message.
    pub message: Option<String>,
    /// The message's status (all fields unknown when the answer had no `data`).
    #[serde(deserialize_with = "crate::wire::null_as_default")]
    pub data: WhatsAppStatusData,
}

/// A sent WhatsApp message's status (API.md §4.10). Flags are `None` when the server did not
/// send them; timestamps are ISO-8601 strings as sent, `None` when null.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct WhatsAppStatusData {
    /// Cocoonmail's id of the message.
    pub uuid: Option<String>,
    /// WhatsApp's id of the message (a `wamid`).
    pub message_id: Option<String>,
    /// WhatsApp's conversation id.
    pub conversation_id: Option<String>,
    /// Which way the message went, as sent (for example `"outbound"`); the values are
    /// undocumented, so this is plain text.
    pub direction: Option<String>,
    /// The message's `type` (`type` on the wire).
    #[serde(rename = "type")]
    pub kind: Option<WhatsAppMessageKind>,
    /// The message's status, as sent; the values are undocumented, so this is plain text (the
    /// flags below say the same in typed form).
    pub status: Option<String>,
    /// Whether it was delivered.
    pub delivered: Option<bool>,
    /// Whether it was read.
    pub read: Option<bool>,
    /// Whether it failed.
    pub failed: Option<bool>,
    /// Whether it was rejected.
    pub rejected: Option<bool>,
    /// When it was delivered.
    pub delivered_at: Option<String>,
    /// When it was read.
    pub read_at: Option<String>,
    /// When it failed.
    pub failed_at: Option<String>,
    /// When it was rejected.
    pub rejected_at: Option<String>,
    /// When it was created.
    pub created: Option<String>,
    /// When it was last updated.
    pub updated: Option<String>,
    /// When it was sent.
    pub sent_at: Option<String>,
    /// The recipient's number (a JSON number is read as its digits).
    #[serde(deserialize_with = "crate::wire::opt_string")]
    pub to: Option<String>,
    /// The message's content, as raw JSON (its shape depends on the type).
    pub content: Option<Value>,
    /// Further data about the message, as raw JSON.
    pub metadata: Option<Value>,
    /// The contact the message went to.
    pub contact: Option<WhatsAppContact>,
}

/// The contact of a [`WhatsAppStatusData`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct WhatsAppContact {
    /// The contact's id (an integer; a numeric string is read too).
    #[serde(deserialize_with = "crate::wire::opt_u64")]
    pub id: Option<u64>,
    /// The contact's email address.
    pub email: Option<String>,
    /// The contact's full name.
    pub name: Option<String>,
    /// The contact's first name.
    pub first_name: Option<String>,
    /// The contact's WhatsApp number (a JSON number is read as its digits).
    #[serde(deserialize_with = "crate::wire::opt_string")]
    pub whatsapp_number: Option<String>,
    /// Whether the contact unsubscribed from WhatsApp messages.
    pub is_whatsapp_unsubscribed: Option<bool>,
}

/// The `type` of a WhatsApp message in a status answer: an open set, so the media kinds and
/// anything new are kept in [`WhatsAppMessageKind::Other`]. Known values are matched without
/// regard to case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum WhatsAppMessageKind {
    /// `"template"`.
    Template,
    /// `"text"`.
    Text,
    /// Any other value (e.g. `"image"`), as sent.
    Other(String),
}

impl WhatsAppMessageKind {
    /// The value as on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            WhatsAppMessageKind::Template => "template",
            WhatsAppMessageKind::Text => "text",
            WhatsAppMessageKind::Other(other) => other,
        }
    }
}

impl From<String> for WhatsAppMessageKind {
    fn from(value: String) -> Self {
        if value.eq_ignore_ascii_case("template") {
            WhatsAppMessageKind::Template
        } else if value.eq_ignore_ascii_case("text") {
            WhatsAppMessageKind::Text
        } else {
            WhatsAppMessageKind::Other(value)
        }
    }
}

impl From<WhatsAppMessageKind> for String {
    fn from(kind: WhatsAppMessageKind) -> Self {
        match kind {
            WhatsAppMessageKind::Other(other) => other,
            known => known.as_str().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::Quota;
    use crate::test_support::{answer, wire};
    use serde_json::json;

    fn refused<E: Endpoint>(endpoint: &E) -> InvalidInput {
        match crate::build_request(&crate::test_support::config(), endpoint) {
            Err(Error::InvalidInput(e)) => e,
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    fn template() -> SendWhatsApp {
        SendWhatsApp::new(
            "15550001111",
            WhatsAppMessage::template("order_update", "en"),
        )
    }

    #[test]
    fn template_message_wire() {
        let w = wire(&template().recipient("15551234567"));
        assert_eq!(w.method, "POST");
        assert_eq!(w.path, "/webhook/whatsapp_message/send");
        assert_eq!(
            w.body,
            r#"{"from_number":"15550001111","type":"template","content":{"template_name":"order_update","template_language":"en"},"recipient":[{"whatsapp_number":"15551234567"}]}"#
        );
    }

    #[test]
    fn text_and_media_messages_wire() {
        let text = SendWhatsApp::new("15550001111", WhatsAppMessage::text("Your order shipped"))
            .recipient("15551234567");
        assert_eq!(
            wire(&text).body,
            r#"{"from_number":"15550001111","type":"text","content":{"body":"Your order shipped"},"recipient":[{"whatsapp_number":"15551234567"}]}"#
        );

        let image = WhatsAppMessage::media(
            "image",
            json!({"link": "https://example.com/a.png", "caption": "A"}),
        );
        assert_eq!(image.kind(), "image");
        let media = SendWhatsApp::new("15550001111", image).recipient("15551234567");
        let v: Value = serde_json::from_str(&wire(&media).body).unwrap();
        assert_eq!(
            v,
            json!({"from_number": "15550001111", "type": "image",
                   "content": {"link": "https://example.com/a.png", "caption": "A"},
                   "recipient": [{"whatsapp_number": "15551234567"}]})
        );
    }

    #[test]
    fn every_optional_field_goes_on_the_wire() {
        let message = template()
            .recipient(
                WhatsAppRecipient::new("15551234567")
                    .first_name("Ada")
                    .name("Ada Lovelace")
                    .email("ada@example.com")
                    .attribute("plan", "pro")
                    .attributes(Map::from_iter([("seats".to_owned(), json!(3))])),
            )
            .recipients_all(["15557654321"])
            .add_recipient_to_contacts(true)
            .parameterized_variable("1", "Ada")
            .parameterized_variables(Map::from_iter([("2".to_owned(), json!("A-1001"))]))
            .event(
                WhatsAppEvent::new("ABANDONED_CART")
                    .name("Abandoned cart")
                    .data_entry("cart_id", "c1")
                    .data(Map::from_iter([("total".to_owned(), json!(42.5))])),
            )
            .tag("orders")
            .tags(["q1"]);
        let w = wire(&message);
        assert_eq!(
            w.body,
            concat!(
                r#"{"from_number":"15550001111","type":"template","#,
                r#""content":{"template_name":"order_update","template_language":"en"},"#,
                r#""recipient":[{"whatsapp_number":"15551234567","first_name":"Ada","name":"Ada Lovelace","#,
                r#""email":"ada@example.com","attributes":{"plan":"pro","seats":3}},"#,
                r#"{"whatsapp_number":"15557654321"}],"#,
                r#""add_recipient_to_contacts":true,"parameterized_variables":{"1":"Ada","2":"A-1001"},"#,
                r#""event":{"code":"ABANDONED_CART","name":"Abandoned cart","data":{"cart_id":"c1","total":42.5}},"#,
                r#""tags":["orders","q1"]}"#
            )
        );
        let v: Value = serde_json::from_str(&w.body).unwrap();
        assert!(v.get("overwrite_variables").is_none());
        assert_eq!(v["event"]["code"], "ABANDONED_CART");
    }

    #[test]
    fn sending_is_not_idempotent() {
        assert_eq!(
            template().recipient("1").idempotency(),
            crate::Idempotency::NotIdempotent
        );
    }

    #[test]
    fn invalid_messages_are_refused_before_sending() {
        assert_eq!(refused(&template()).field, "recipient");
        assert_eq!(
            refused(&template().recipient("1").recipient(" ")).field,
            "recipient[1].whatsapp_number"
        );
        let one = |m: WhatsAppMessage| SendWhatsApp::new("15550001111", m).recipient("1");
        assert_eq!(
            refused(&SendWhatsApp::new("", WhatsAppMessage::text("hi")).recipient("1")).field,
            "from_number"
        );
        assert_eq!(
            refused(&one(WhatsAppMessage::template("", "en"))).field,
            "content.template_name"
        );
        assert_eq!(
            refused(&one(WhatsAppMessage::template("t", ""))).field,
            "content.template_language"
        );
        assert_eq!(
            refused(&one(WhatsAppMessage::text(""))).field,
            "content.body"
        );
        assert_eq!(
            refused(&one(WhatsAppMessage::media("", json!({})))).field,
            "type"
        );
        assert_eq!(
            refused(&template().recipient("1").event(WhatsAppEvent::new(""))).field,
            "event.code"
        );
    }

    #[test]
    fn send_answer_of_the_docs_decodes() {
        let out = answer(
            &template().recipient("15551234567"),
            201,
            r#"{"success": true, "failed_recipients": [],
                "report": [{"to": "15551234567", "message_id": "wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI="}],
                "quotas": {"MAX_WHATSAPP_SEND_PER_MONTH": {"limit": 1000, "usage": 3}},
                "message": "WhatsApp messages sent successfully"}"#,
        )
        .unwrap();
        assert_eq!(out.success, Some(true));
        assert!(out.failed_recipients.is_empty());
        assert_eq!(out.report[0].to.as_deref(), Some("15551234567"));
        assert_eq!(
            out.report[0].message_id.as_deref(),
            Some("wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI=")
        );
        assert_eq!(
            out.quotas.whatsapp_per_month(),
            Some(&Quota::new(Some(1000), Some(3)))
        );
        assert_eq!(
            out.message.as_deref(),
            Some("WhatsApp messages sent successfully")
        );
    }

    #[test]
    fn send_answer_is_lenient() {
        let req = template().recipient("15551234567");
        let out = answer(
            &req,
            201,
            r#"{"failed_emails": ["15550000000"], "report": [{"to": 15551234567}], "quotas":
                {"MAX_WHATSAPP_SEND_PER_MONTH": {"limit": "1000", "usage": "x"}}, "unknown": true}"#,
        )
        .unwrap();
        assert_eq!(out.success, None);
        assert_eq!(out.failed_recipients, [json!("15550000000")]);
        assert_eq!(out.report[0].to.as_deref(), Some("15551234567"));
        assert_eq!(out.report[0].message_id, None);
        assert_eq!(
            out.quotas.whatsapp_per_month(),
            Some(&Quota::new(Some(1000), None))
        );
        let out = answer(
            &req,
            201,
            r#"{"report": null, "failed_recipients": null, "quotas": null, "message": null}"#,
        )
        .unwrap();
        assert_eq!(out, SendWhatsAppResponse::default());
    }

    #[test]
    fn status_is_a_get_with_an_encoded_message_id() {
        let w = wire(&WhatsAppStatus::new("wamid.HBgL+MTU=="));
        assert_eq!(w.method, "GET");
        assert_eq!(
            w.path,
            "/webhook/whatsapp_message/status?message_id=wamid.HBgL%2BMTU%3D%3D"
        );
        assert_eq!(w.body, "");
        assert_eq!(refused(&WhatsAppStatus::new("")).field, "message_id");
        assert_eq!(
            WhatsAppStatus::new("x").idempotency(),
            crate::Idempotency::Idempotent
        );
    }

    #[test]
    fn status_answer_decodes_every_field() {
        let body = r#"{"message": "Message status fetched", "data": {
            "uuid": "0b7c6a52-0000-4000-8000-000000000001", "message_id": "wamid.X",
            "conversation_id": "conv-1", "direction": "outbound", "type": "template",
            "status": "read", "delivered": true, "read": true, "failed": false, "rejected": false,
            "delivered_at": "2025-01-31T09:00:01.000Z", "read_at": "2025-01-31T09:02:00.000000Z",
            "failed_at": null, "rejected_at": null, "created": "2025-01-31T09:00:00.000Z",
            "updated": "2025-01-31T09:02:00.000Z", "sent_at": "2025-01-31T09:00:00.500Z",
            "to": "15551234567",
            "content": {"template_name": "order_update", "template_language": "en"},
            "metadata": {"pricing": {"billable": true}},
            "contact": {"id": 42, "email": "ada@example.com", "name": "Ada Lovelace",
                        "first_name": "Ada", "whatsapp_number": "15551234567",
                        "is_whatsapp_unsubscribed": false}}}"#;
        let out = answer(&WhatsAppStatus::new("wamid.X"), 200, body).unwrap();
        assert_eq!(out.message.as_deref(), Some("Message status fetched"));
        let d = &out.data;
        assert_eq!(
            d.uuid.as_deref(),
            Some("0b7c6a52-0000-4000-8000-000000000001")
        );
        assert_eq!(d.message_id.as_deref(), Some("wamid.X"));
        assert_eq!(d.conversation_id.as_deref(), Some("conv-1"));
        assert_eq!(d.direction.as_deref(), Some("outbound"));
        assert_eq!(d.kind, Some(WhatsAppMessageKind::Template));
        assert_eq!(d.status.as_deref(), Some("read"));
        assert_eq!(
            [d.delivered, d.read, d.failed, d.rejected],
            [Some(true), Some(true), Some(false), Some(false)]
        );
        assert_eq!(d.delivered_at.as_deref(), Some("2025-01-31T09:00:01.000Z"));
        assert_eq!(d.read_at.as_deref(), Some("2025-01-31T09:02:00.000000Z"));
        assert_eq!((&d.failed_at, &d.rejected_at), (&None, &None));
        assert_eq!(d.created.as_deref(), Some("2025-01-31T09:00:00.000Z"));
        assert_eq!(d.updated.as_deref(), Some("2025-01-31T09:02:00.000Z"));
        assert_eq!(d.sent_at.as_deref(), Some("2025-01-31T09:00:00.500Z"));
        assert_eq!(d.to.as_deref(), Some("15551234567"));
        assert_eq!(
            d.content,
            Some(json!({"template_name": "order_update", "template_language": "en"}))
        );
        assert_eq!(d.metadata, Some(json!({"pricing": {"billable": true}})));
        let c = d.contact.as_ref().unwrap();
        assert_eq!(c.id, Some(42));
        assert_eq!(c.email.as_deref(), Some("ada@example.com"));
        assert_eq!(c.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(c.first_name.as_deref(), Some("Ada"));
        assert_eq!(c.whatsapp_number.as_deref(), Some("15551234567"));
        assert_eq!(c.is_whatsapp_unsubscribed, Some(false));
    }

    #[test]
    fn status_answer_is_lenient() {
        let status = WhatsAppStatus::new("wamid.X");
        let out = answer(
            &status,
            200,
            r#"{"data": {"type": "image", "content": "plain text", "metadata": null,
                         "to": 15551234567, "contact": {"id": "42", "whatsapp_number": 15551234567},
                         "new_field": 1}}"#,
        )
        .unwrap();
        assert_eq!(
            out.data.kind,
            Some(WhatsAppMessageKind::Other("image".into()))
        );
        assert_eq!(out.data.content, Some(json!("plain text")));
        assert_eq!(out.data.metadata, None);
        assert_eq!(out.data.to.as_deref(), Some("15551234567"));
        let contact = out.data.contact.unwrap();
        assert_eq!(contact.id, Some(42));
        assert_eq!(contact.whatsapp_number.as_deref(), Some("15551234567"));
        assert_eq!(contact.is_whatsapp_unsubscribed, None);

        let out = answer(&status, 200, r#"{"message": "ok", "data": null}"#).unwrap();
        assert_eq!(out.data, WhatsAppStatusData::default());
        let err = answer(&status, 404, r#"{"message": "Message not found"}"#).unwrap_err();
        assert!(matches!(err, Error::NotFound(_)));
    }

    #[test]
    fn message_kinds_round_trip_as_text() {
        assert_eq!(
            serde_json::from_str::<WhatsAppMessageKind>(r#""TEXT""#).unwrap(),
            WhatsAppMessageKind::Text
        );
        assert_eq!(
            serde_json::to_string(&WhatsAppMessageKind::Other("document".into())).unwrap(),
            r#""document""#
        );
        assert_eq!(WhatsAppMessageKind::Template.as_str(), "template");
    }
}
