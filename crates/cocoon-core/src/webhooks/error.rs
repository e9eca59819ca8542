//! The errors a webhook delivery can be rejected with.

use http::StatusCode;

/// Why a webhook delivery was rejected by [`WebhookVerifier`](super::WebhookVerifier).
///
/// No variant carries the expected or the received `Authorization` value, nor the whole body:
/// an error can be logged or returned to the sender without leaking a secret.
///
/// Use [`status`](Self::status) to pick the HTTP status to answer with, and
/// [`is_authorization_error`](Self::is_authorization_error) to tell an unauthenticated sender
/// apart from a malformed delivery.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The delivery has no `Authorization` header, but the verifier expects one.
    #[error("the webhook delivery has no Authorization header")]
    MissingAuthorization,
    /// The delivery's `Authorization` header does not match the expected value (or the header
    /// was sent more than once).
    #[error("the webhook delivery's Authorization header does not match the expected value")]
    WrongAuthorization,
    /// The `x-cocoon-event-type` header is missing or empty.
    #[error("the webhook delivery has no x-cocoon-event-type header")]
    MissingEventType,
    /// A header this module reads is not visible ASCII (letters, digits, punctuation, spaces
    /// and tabs), so it cannot be read as text.
    #[error("the webhook delivery's {name} header is not visible ASCII")]
    InvalidHeader {
        /// The header's name, lowercase.
        name: String,
    },
    /// The `Content-Type` header names something other than JSON.
    #[error("unsupported webhook content type {content_type:?}: expected application/json")]
    UnsupportedContentType {
        /// The received `Content-Type`, cut to at most 100 characters.
        content_type: String,
    },
    /// The body is not valid JSON.
    #[error("the webhook body is not valid JSON: {message}")]
    MalformedJson {
        /// What the JSON parser reported (with line and column), never the body itself.
        message: String,
    },
    /// The body is larger than the verifier's limit.
    #[error("the webhook body has {size} bytes, more than the limit of {limit} bytes")]
    BodyTooLarge {
        /// The body's size in bytes.
        size: usize,
        /// The verifier's limit in bytes.
        limit: usize,
    },
    /// A WhatsApp event's body lacks fields API.md §6 documents as always present. A field
    /// counts as missing when it is absent, `null`, or neither a string nor a number; a body
    /// that is not a JSON object lacks them all.
    #[error("the WhatsApp webhook body lacks required fields: {}", missing.join(", "))]
    MissingWhatsAppFields {
        /// The names of the missing fields, in the documented order.
        missing: Vec<&'static str>,
    },
}

impl WebhookError {
    /// The HTTP status a receiver should answer this delivery with.
    ///
    /// `401 Unauthorized` for a missing or wrong `Authorization`, `413 Payload Too Large` for
    /// an oversized body, `415 Unsupported Media Type` for a non-JSON content type and
    /// `400 Bad Request` for everything else.
    ///
    /// ```
    /// use cocoon_core::webhooks::WebhookError;
    /// use http::StatusCode;
    ///
    /// assert_eq!(WebhookError::WrongAuthorization.status(), StatusCode::UNAUTHORIZED);
    /// assert_eq!(WebhookError::MissingEventType.status(), StatusCode::BAD_REQUEST);
    /// ```
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingAuthorization | Self::WrongAuthorization => StatusCode::UNAUTHORIZED,
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedContentType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::MissingEventType
            | Self::InvalidHeader { .. }
            | Self::MalformedJson { .. }
            | Self::MissingWhatsAppFields { .. } => StatusCode::BAD_REQUEST,
        }
    }

    /// Whether the delivery was rejected because of its `Authorization` header (missing or
    /// wrong): the sender is not known to be Cocoonmail.
    #[must_use]
    pub fn is_authorization_error(&self) -> bool {
        matches!(self, Self::MissingAuthorization | Self::WrongAuthorization)
    }
}
