//! `POST /webhook/mail/usage`: the account's email usage and quotas.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::endpoint::{Endpoint, Target};
use crate::quota::Quotas;
use crate::route::Operation;

/// `POST /webhook/mail/usage`: reads the account's email usage and quotas (a POST with no body
/// that only reads, so retrying it is safe).
///
/// ```
/// use cocoon_core::{build_request, ApiKey, Config};
/// use cocoon_core::mail::MailUsage;
/// let key = ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?;
/// let request = build_request(&Config::new(key), &MailUsage::new())?;
/// assert_eq!(request.method(), http::Method::POST);
/// assert!(request.body().is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MailUsage {}

impl MailUsage {
    /// The request (it has no parameters).
    pub fn new() -> Self {
        MailUsage {}
    }
}

impl Endpoint for MailUsage {
    type Output = MailUsageResponse;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::MailUsage)
    }
}

/// The answer to [`MailUsage`]: its fields are undocumented beyond `success`, so the whole JSON
/// object is kept in [`MailUsageResponse::raw`], and a `quotas` object shaped like
/// [`SendMailResponse::quotas`](super::SendMailResponse::quotas) is read into
/// [`MailUsageResponse::quotas`].
///
/// It serialises back as the raw object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "Value")]
#[non_exhaustive]
pub struct MailUsageResponse {
    /// What the server said in `success`; `None` when it did not say.
    #[serde(skip)]
    pub success: Option<bool>,
    /// The quotas, read from the answer's `quotas` object (empty when there is none).
    #[serde(skip)]
    pub quotas: Quotas,
    /// The whole answer as received (an empty object when the answer was not an object).
    #[serde(flatten)]
    pub raw: Map<String, Value>,
}

impl From<Value> for MailUsageResponse {
    fn from(value: Value) -> Self {
        let raw = match value {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        MailUsageResponse {
            success: raw.get("success").and_then(Value::as_bool),
            quotas: raw
                .get("quotas")
                .and_then(|q| Quotas::deserialize(q).ok())
                .unwrap_or_default(),
            raw,
        }
    }
}
