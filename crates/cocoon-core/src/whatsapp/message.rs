//! What a WhatsApp message carries: a template, a text or an undocumented media kind.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::error::InvalidInput;
use crate::wire::check_not_blank;

/// What a [`SendWhatsApp`](super::SendWhatsApp) sends: serialised as `"type"` and `"content"`.
#[derive(Debug, Clone, PartialEq)]
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
