//! Email verification (API.md §4.8): [`VerifyEmail`], `POST /webhook/email/verify`.
//!
//! The route is documented. An address that is empty or has no `@` is refused before sending.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::endpoint::{json_body, Endpoint, Target};
use crate::error::{Error, InvalidInput};
use crate::route::Operation;
use crate::wire::check_email;

crate::checked::checked_request! {
/// `POST /webhook/email/verify`: checks whether an email address is safe to send to.
///
/// Answered by [`VerifyEmailResponse`]; a malformed address the server rejects ends in
/// [`crate::Error::Api`] with status 400.
///
/// ```
/// use cocoon_core::verify::VerifyEmail;
/// use cocoon_core::{build_request, ApiKey, Config};
/// let config = Config::new(ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?);
/// let request = build_request(&config, &VerifyEmail::new("ada@example.com"))?;
/// assert_eq!(request.uri().path(), "/webhook/email/verify");
/// assert_eq!(request.body().as_slice(), br#"{"email":"ada@example.com"}"#);
/// assert!(build_request(&config, &VerifyEmail::new("not-an-address")).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "VerifyEmailJson")]
pub struct VerifyEmail via VerifyEmailJson
twin {
    #[serde(deny_unknown_fields)]
}
{
    email: String,
}
}

impl VerifyEmail {
    /// Verifies `email`.
    pub fn new(email: impl Into<String>) -> Self {
        VerifyEmail {
            email: email.into(),
        }
    }
}

impl Endpoint for VerifyEmail {
    type Output = VerifyEmailResponse;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::VerifyEmail)
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        check_email("email", &self.email)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        json_body(self)
    }
}

/// The answer to [`VerifyEmail`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct VerifyEmailResponse {
    /// The server's message, such as `"Email successfully verified"`.
    pub message: Option<String>,
    /// The verdict, when given.
    pub data: Option<VerificationData>,
}

impl VerifyEmailResponse {
    /// The verdict's status, when given.
    pub fn status(&self) -> Option<&VerificationStatus> {
        self.data.as_ref()?.status.as_ref()
    }

    /// Whether the address was found safe to send to.
    pub fn is_safe(&self) -> bool {
        self.status() == Some(&VerificationStatus::Safe)
    }
}

/// The verdict on one address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct VerificationData {
    /// The address checked (empty when absent).
    #[serde(deserialize_with = "crate::wire::null_as_default")]
    pub email: String,
    /// The verdict, when given.
    pub status: Option<VerificationStatus>,
    /// When it was checked (an ISO-8601 timestamp, as sent).
    pub checked_at: Option<String>,
}

/// The verdict of a verification.
///
/// Only `safe` is documented; the set is open, so any other value (for example `invalid` or
/// `risky`) is kept as [`VerificationStatus::Other`] rather than failing the answer. Matching
/// is exact. New known verdicts may become variants in a later release, hence
/// `#[non_exhaustive]`.
///
/// ```
/// use cocoon_core::verify::VerificationStatus;
/// let safe: VerificationStatus = serde_json::from_str(r#""safe""#)?;
/// assert_eq!(safe, VerificationStatus::Safe);
/// let other: VerificationStatus = serde_json::from_str(r#""catch_all""#)?;
/// assert_eq!(other.as_str(), "catch_all");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VerificationStatus {
    /// `safe`: the address can be sent to.
    Safe,
    /// Any other verdict, as sent.
    Other(String),
}

impl VerificationStatus {
    /// The verdict as sent on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            VerificationStatus::Safe => "safe",
            VerificationStatus::Other(other) => other,
        }
    }
}

impl From<String> for VerificationStatus {
    fn from(value: String) -> Self {
        if value == "safe" {
            VerificationStatus::Safe
        } else {
            VerificationStatus::Other(value)
        }
    }
}

impl From<&str> for VerificationStatus {
    fn from(value: &str) -> Self {
        VerificationStatus::from(value.to_owned())
    }
}

impl fmt::Display for VerificationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for VerificationStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for VerificationStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(VerificationStatus::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{answer, config, wire};

    #[test]
    fn sends_the_email_in_a_json_body() {
        let sent = wire(&VerifyEmail::new("a+b@example.com"));
        assert_eq!(sent.method, "POST");
        assert_eq!(sent.path, "/webhook/email/verify");
        assert_eq!(sent.body, r#"{"email":"a+b@example.com"}"#);
    }

    #[test]
    fn decodes_the_documented_answer() {
        let verified = answer(
            &VerifyEmail::new("a@example.com"),
            200,
            r#"{"message": "Email successfully verified",
                "data": {"email": "a@example.com", "status": "safe",
                         "checked_at": "2024-05-01T10:00:00.123Z"}}"#,
        )
        .unwrap();
        assert_eq!(
            verified.message.as_deref(),
            Some("Email successfully verified")
        );
        assert!(verified.is_safe());
        let data = verified.data.unwrap();
        assert_eq!(data.email, "a@example.com");
        assert_eq!(data.status, Some(VerificationStatus::Safe));
        assert_eq!(data.checked_at.as_deref(), Some("2024-05-01T10:00:00.123Z"));
    }

    #[test]
    fn keeps_unknown_verdicts_and_tolerates_missing_fields() {
        let req = VerifyEmail::new("a@example.com");
        let verified = answer(&req, 200, r#"{"data": {"status": "risky", "score": 0.4}}"#).unwrap();
        assert!(!verified.is_safe());
        assert_eq!(
            verified.status(),
            Some(&VerificationStatus::Other("risky".into()))
        );
        let verified = answer(&req, 200, r#"{"message": "ok"}"#).unwrap();
        assert_eq!(verified.status(), None);
        assert!(!verified.is_safe());
    }

    #[test]
    fn refuses_empty_or_at_less_addresses_before_sending() {
        for email in ["", "   ", "ada.example.com", "@example.com", "ada@"] {
            match crate::build_request(&config(), &VerifyEmail::new(email)) {
                Err(Error::InvalidInput(e)) => assert_eq!(e.field, "email", "{email:?}"),
                other => panic!("{email:?} was not refused: {other:?}"),
            }
        }
    }

    #[test]
    fn a_rejected_address_is_an_api_error_with_its_status() {
        let err = answer(
            &VerifyEmail::new("a@b"),
            400,
            r#"{"message": "Invalid email address"}"#,
        )
        .unwrap_err();
        assert!(matches!(err, Error::Api(_)), "{err:?}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
        assert_eq!(
            err.api().unwrap().message.as_deref(),
            Some("Invalid email address")
        );
    }
}
