//! Checking a delivery's `Authorization` and turning its headers and body into an event.

use std::fmt;

use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, Request};
use serde_json::Value;
use subtle::ConstantTimeEq;

use super::error::WebhookError;
use super::event::{
    ContactEvent, EmailEvent, EventData, OtherEvent, WebhookEvent, WhatsAppEvent, WhatsAppPayload,
};
use super::event_type::{EventFamily, EventType};
use super::headers;

/// The body size limit of [`WebhookVerifier::new`]: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// The longest text an error repeats from a delivery (a content type, a parser message).
const MAX_ECHO_CHARS: usize = 100;

/// Values of `Authorization` up to this many bytes are compared in time that shows neither
/// their content nor their length.
const HIDDEN_LENGTH: usize = 4096;

/// The `Authorization` value set in the Cocoonmail dashboard, which every delivery must carry.
///
/// Its `Debug` output never shows the value, and it has no `Display`. Leading and trailing
/// whitespace is removed when it is built (a value read from a file or an environment
/// variable often ends with a newline). An empty value never matches any delivery: a verifier
/// built from an unset variable fails closed rather than accepting everyone.
///
/// A received value is compared with `subtle`'s constant-time equality over a fixed width of
/// 4 KiB (both sides zero-padded, their lengths compared the same way), so the time taken
/// shows neither the expected value nor its length, nor how much of a guess was right. An
/// expected value longer than 4 KiB is compared over its own length instead, which that time
/// then shows.
///
/// ```
/// use cocoon_core::webhooks::ExpectedAuthorization;
///
/// let expected = ExpectedAuthorization::new("Bearer s3cret\n");
/// assert_eq!(format!("{expected:?}"), "ExpectedAuthorization(<redacted>)");
/// ```
#[derive(Clone)]
pub struct ExpectedAuthorization {
    /// The value, zero-padded to at least [`HIDDEN_LENGTH`] bytes.
    padded: Box<[u8]>,
    /// The value's length.
    len: usize,
}

impl ExpectedAuthorization {
    /// Holds `value`, the whole header value as configured, e.g. `Bearer <secret>` or
    /// `Basic <base64>`.
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        let value = value.trim().as_bytes();
        let mut padded = vec![0; value.len().max(HIDDEN_LENGTH)];
        padded[..value.len()].copy_from_slice(value);
        Self {
            padded: padded.into(),
            len: value.len(),
        }
    }

    /// Whether `received` is the expected value, in time that depends on neither's content
    /// nor length (up to the padded width).
    fn matches(&self, received: &[u8]) -> bool {
        if self.len == 0 || received.len() > self.padded.len() {
            return false;
        }
        let mut candidate = vec![0; self.padded.len()];
        candidate[..received.len()].copy_from_slice(received);
        let same_bytes = candidate.as_slice().ct_eq(&self.padded);
        let same_len = (received.len() as u64).ct_eq(&(self.len as u64));
        (same_bytes & same_len).into()
    }
}

impl fmt::Debug for ExpectedAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExpectedAuthorization(<redacted>)")
    }
}

impl From<String> for ExpectedAuthorization {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for ExpectedAuthorization {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

/// Verifies incoming webhook deliveries and parses them into [`WebhookEvent`]s.
///
/// It does no I/O: hand it the request your web framework received (headers and the whole
/// body). Checks run in this order, and the first failure is returned:
///
/// 1. `Authorization` (constant-time; see [`check_authorization`](Self::check_authorization)),
///    so an unauthenticated sender learns nothing but "401";
/// 2. the body size limit ([`DEFAULT_MAX_BODY_BYTES`] unless changed);
/// 3. the `x-cocoon-event-type` header (required, non-empty);
/// 4. every documented `x-cocoon-*` header of the event's family must be visible ASCII when
///    present (they are all optional);
/// 5. `Content-Type` must be `application/json` (any parameters, any case) **or absent**: the
///    vendor does not document the header, so a delivery without one is read as JSON;
/// 6. the body must be JSON (an empty or all-whitespace body reads as `null`, a leading UTF-8
///    byte order mark is skipped); a WhatsApp body must carry the documented required fields.
///
/// The request method and path are not checked: route only `POST` to the handler.
///
/// ```
/// use cocoon_core::webhooks::WebhookVerifier;
///
/// let verifier = WebhookVerifier::new("Bearer s3cret").with_max_body_bytes(64 * 1024);
/// assert!(!format!("{verifier:?}").contains("s3cret"));
/// ```
#[derive(Debug, Clone)]
pub struct WebhookVerifier {
    expected: Option<ExpectedAuthorization>,
    max_body_bytes: usize,
}

impl WebhookVerifier {
    /// A verifier that accepts only deliveries whose `Authorization` header equals `expected`
    /// (the value configured in the dashboard), with a body limit of
    /// [`DEFAULT_MAX_BODY_BYTES`].
    pub fn new(expected: impl Into<ExpectedAuthorization>) -> Self {
        Self {
            expected: Some(expected.into()),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// A verifier that checks no `Authorization` header, for endpoints configured without
    /// one. Anyone who knows the URL can then post events: prefer [`new`](Self::new).
    #[must_use]
    pub fn without_authorization() -> Self {
        Self {
            expected: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// Sets the largest body accepted, in bytes.
    #[must_use]
    pub fn with_max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// The largest body accepted, in bytes: also the limit to read a body with, so an
    /// oversized delivery is never buffered whole.
    #[must_use]
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// Whether deliveries must carry an `Authorization` header.
    #[must_use]
    pub fn requires_authorization(&self) -> bool {
        self.expected.is_some()
    }

    /// Verifies a whole delivery and parses it. See the [type docs](Self) for the checks.
    ///
    /// # Errors
    ///
    /// The first check that fails, as a [`WebhookError`].
    pub fn verify<B: AsRef<[u8]>>(
        &self,
        request: &Request<B>,
    ) -> Result<WebhookEvent, WebhookError> {
        self.verify_parts(request.headers(), request.body().as_ref())
    }

    /// Like [`verify`](Self::verify), for frameworks that hand over headers and body
    /// separately.
    ///
    /// # Errors
    ///
    /// The first check that fails, as a [`WebhookError`].
    pub fn verify_parts(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<WebhookEvent, WebhookError> {
        self.check_authorization(headers)?;
        if body.len() > self.max_body_bytes {
            return Err(WebhookError::BodyTooLarge {
                size: body.len(),
                limit: self.max_body_bytes,
            });
        }
        let event_type = header_text(headers, headers::EVENT_TYPE)?
            .map(EventType::from)
            .ok_or(WebhookError::MissingEventType)?;
        let event_datetime = header_text(headers, headers::EVENT_DATETIME)?;
        let family = event_type.family();
        // Headers before the body, so a bad header is reported as such.
        let documented = FamilyHeaders::read(headers, family)?;
        let cocoon_headers = if family == EventFamily::Other {
            cocoon_headers(headers)?
        } else {
            Vec::new()
        };
        check_content_type(headers)?;
        let body = parse_json(body)?;
        let data = match family {
            EventFamily::Contact => EventData::Contact(ContactEvent {
                contact_uuid: documented.contact_uuid,
                contact_email: documented.contact_email,
                contact_whatsapp: documented.contact_whatsapp,
                body,
            }),
            EventFamily::Email => EventData::Email(EmailEvent {
                message_id: documented.email_message_id,
                sender: documented.email_sender,
                contact_uuid: documented.contact_uuid,
                contact_email: documented.contact_email,
                body,
            }),
            EventFamily::WhatsApp => EventData::WhatsApp(WhatsAppEvent {
                message_id: documented.message_id,
                sender_phone_number: documented.sender_phone_number,
                contact_uuid: documented.contact_uuid,
                contact_whatsapp: documented.contact_whatsapp,
                payload: WhatsAppPayload::from_json(body)?,
            }),
            EventFamily::Other => EventData::Other(OtherEvent {
                cocoon_headers,
                body,
            }),
        };
        Ok(WebhookEvent {
            event_type,
            event_datetime,
            data,
        })
    }

    /// Checks only the `Authorization` header, so a receiver can turn away an unknown sender
    /// before reading its body.
    ///
    /// The comparison takes time that shows neither value's content nor length (see
    /// [`ExpectedAuthorization`]). An absent or empty header is [`MissingAuthorization`](WebhookError::MissingAuthorization);
    /// a different value, or the header sent more than once, is
    /// [`WrongAuthorization`](WebhookError::WrongAuthorization). A verifier built with
    /// [`without_authorization`](Self::without_authorization) accepts everything.
    ///
    /// # Errors
    ///
    /// [`WebhookError::MissingAuthorization`] or [`WebhookError::WrongAuthorization`].
    pub fn check_authorization(&self, headers: &HeaderMap) -> Result<(), WebhookError> {
        let Some(expected) = &self.expected else {
            return Ok(());
        };
        let mut values = headers.get_all(AUTHORIZATION).iter();
        let received = match values.next() {
            Some(value) => value.as_bytes().trim_ascii(),
            None => return Err(WebhookError::MissingAuthorization),
        };
        if received.is_empty() {
            return Err(WebhookError::MissingAuthorization);
        }
        let matches = expected.matches(received);
        if matches && values.next().is_none() {
            Ok(())
        } else {
            Err(WebhookError::WrongAuthorization)
        }
    }
}

/// The documented per-family headers (API.md §6); those of other families stay `None`.
#[derive(Default)]
struct FamilyHeaders {
    contact_uuid: Option<String>,
    contact_email: Option<String>,
    contact_whatsapp: Option<String>,
    email_message_id: Option<String>,
    email_sender: Option<String>,
    message_id: Option<String>,
    sender_phone_number: Option<String>,
}

impl FamilyHeaders {
    fn read(map: &HeaderMap, family: EventFamily) -> Result<Self, WebhookError> {
        let read = |name| header_text(map, name);
        Ok(match family {
            EventFamily::Contact => Self {
                contact_uuid: read(headers::CONTACT_UUID)?,
                contact_email: read(headers::CONTACT_EMAIL)?,
                contact_whatsapp: read(headers::CONTACT_WHATSAPP)?,
                ..Self::default()
            },
            EventFamily::Email => Self {
                email_message_id: read(headers::EMAIL_MESSAGE_ID)?,
                email_sender: read(headers::EMAIL_SENDER)?,
                contact_uuid: read(headers::CONTACT_UUID)?,
                contact_email: read(headers::CONTACT_EMAIL)?,
                ..Self::default()
            },
            EventFamily::WhatsApp => Self {
                message_id: read(headers::MESSAGE_ID)?,
                sender_phone_number: read(headers::SENDER_PHONE_NUMBER)?,
                contact_uuid: read(headers::CONTACT_UUID)?,
                contact_whatsapp: read(headers::CONTACT_WHATSAPP)?,
                ..Self::default()
            },
            EventFamily::Other => Self::default(),
        })
    }
}

/// The first value of a header as trimmed text; `None` when absent or empty.
fn header_text(headers: &HeaderMap, name: &str) -> Result<Option<String>, WebhookError> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| WebhookError::InvalidHeader {
        name: name.to_owned(),
    })?;
    let text = text.trim();
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// Every `x-cocoon-*` header, for event types this module does not know.
fn cocoon_headers(headers: &HeaderMap) -> Result<Vec<(String, String)>, WebhookError> {
    headers
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("x-cocoon-"))
        .map(|(name, value)| {
            let text = value.to_str().map_err(|_| WebhookError::InvalidHeader {
                name: name.as_str().to_owned(),
            })?;
            Ok((name.as_str().to_owned(), text.trim().to_owned()))
        })
        .collect()
}

/// Accepts `application/json` with any parameters, or no `Content-Type` at all.
fn check_content_type(headers: &HeaderMap) -> Result<(), WebhookError> {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Ok(());
    };
    let text = value.to_str().map_err(|_| WebhookError::InvalidHeader {
        name: CONTENT_TYPE.as_str().to_owned(),
    })?;
    let essence = text.split(';').next().unwrap_or_default().trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(WebhookError::UnsupportedContentType {
            content_type: text.chars().take(MAX_ECHO_CHARS).collect(),
        })
    }
}

/// Parses the body as JSON; empty means `null`.
fn parse_json(body: &[u8]) -> Result<Value, WebhookError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if body.trim_ascii().is_empty() {
        return Ok(Value::Null);
    }
    // The body is parsed into a `Value`, which accepts any JSON: serde_json can then only
    // report syntax errors, whose messages never quote the input.
    serde_json::from_slice(body).map_err(|error| WebhookError::MalformedJson {
        message: error.to_string().chars().take(MAX_ECHO_CHARS).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::ExpectedAuthorization;

    #[test]
    fn constant_time_comparison_matches_only_the_exact_value() {
        let expected = ExpectedAuthorization::new("Bearer abc");
        assert!(expected.matches(b"Bearer abc"));
        assert!(!expected.matches(b"Bearer abd"));
        assert!(!expected.matches(b"Bearer ab"));
        assert!(!expected.matches(b"Bearer abcBearer abc"));
        assert!(!expected.matches(b""));
        assert!(!ExpectedAuthorization::new("  ").matches(b""));
        // The zero padding never stands in for missing bytes.
        assert!(!expected.matches(b"Bearer abc\0"));
        assert!(!ExpectedAuthorization::new("Bearer abc\0").matches(b"Bearer abc"));
    }

    #[test]
    fn long_values_compare_exactly() {
        let long = "Bearer ".to_owned() + &"x".repeat(5000);
        let expected = ExpectedAuthorization::new(long.clone());
        assert!(expected.matches(long.as_bytes()));
        assert!(!expected.matches(&long.as_bytes()[..4999]));
        assert!(!expected.matches((long.clone() + "x").as_bytes()));
        let mut wrong = long.into_bytes();
        wrong[4500] = b'y';
        assert!(!expected.matches(&wrong));
        // A received value longer than the padded width is refused.
        assert!(!ExpectedAuthorization::new("Bearer abc").matches(&[b'x'; 5000]));
    }
}
