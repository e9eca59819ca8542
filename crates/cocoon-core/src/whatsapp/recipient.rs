//! A recipient of a WhatsApp message and their contact details.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::setters::{map_setters, text_setters};

/// A recipient of a [`SendWhatsApp`](super::SendWhatsApp) (`recipient[]`): a WhatsApp number and
/// optional contact details.
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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

    text_setters! {
        /// Sets `first_name`.
        first_name,
        /// Sets the full name (`name`).
        name,
        /// Sets `email`.
        email,
    }

    map_setters! {
        /// Sets one entry of `attributes` (replacing an earlier value for `key`).
        attribute,
        /// Sets every entry of `attributes` in `attributes` (keeping earlier entries of other keys).
        attributes(attributes) => attributes,
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
