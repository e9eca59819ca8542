//! What a WhatsApp message carries: a template, a text or an undocumented media kind.

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use crate::error::InvalidInput;
use crate::wire::check_not_blank;

/// What a [`SendWhatsApp`](super::SendWhatsApp) sends: serialised as `"type"` and `"content"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "MessageJson")]
#[non_exhaustive]
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

    pub(super) fn validate(&self) -> Result<(), InvalidInput> {
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

/// A message's `type` and `content` as JSON gives them (flattened into the request).
#[derive(Deserialize)]
struct MessageJson {
    #[serde(rename = "type")]
    kind: String,
    content: Value,
}

/// The `content` of a `template` message.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateJson {
    template_name: String,
    template_language: String,
}

/// The `content` of a `text` message.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextJson {
    body: String,
}

impl TryFrom<MessageJson> for WhatsAppMessage {
    type Error = InvalidInput;

    fn try_from(json: MessageJson) -> Result<Self, Self::Error> {
        let content = |e: serde_json::Error| InvalidInput::new("content", e.to_string());
        match json.kind.as_str() {
            "template" => {
                let c = TemplateJson::deserialize(json.content).map_err(content)?;
                Ok(WhatsAppMessage::template(
                    c.template_name,
                    c.template_language,
                ))
            }
            "text" => {
                let c = TextJson::deserialize(json.content).map_err(content)?;
                Ok(WhatsAppMessage::text(c.body))
            }
            _ => Ok(WhatsAppMessage::media(json.kind, json.content)),
        }
    }
}
