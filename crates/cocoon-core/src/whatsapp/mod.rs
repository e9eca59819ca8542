//! WhatsApp: sending messages and reading their status (API.md §4.9, §4.10).
//!
//! | request | endpoint | answer |
//! | --- | --- | --- |
//! | [`SendWhatsApp`] | `POST /webhook/whatsapp_message/send` | [`SendWhatsAppResponse`] |
//! | [`WhatsAppStatus`] | `GET /webhook/whatsapp_message/status?message_id=` | [`WhatsAppStatusResponse`] |
//!
//! A message is a template, a text, or a media kind whose payload the vendor does not document
//! ([`WhatsAppMessage`]); it goes on the wire as `type` plus `content`.

mod message;
mod recipient;
mod send;
mod status;

#[cfg(test)]
mod tests;

pub use message::WhatsAppMessage;
pub use recipient::WhatsAppRecipient;
pub use send::{SendWhatsApp, SendWhatsAppResponse, WhatsAppEvent, WhatsAppReport};
pub use status::{
    WhatsAppContact, WhatsAppMessageKind, WhatsAppStatus, WhatsAppStatusData,
    WhatsAppStatusResponse,
};
