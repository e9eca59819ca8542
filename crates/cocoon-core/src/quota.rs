//! Sending quotas and send reports, as the mail and WhatsApp answers give them (API.md §4.2,
//! §4.4, §4.9).
//!
//! This module has no endpoint of its own. Its [`SendReport`] is one entry of a send's
//! `report`. Its [`Quotas`] appear in
//! [`crate::mail::SendMailResponse`], [`crate::mail::MailUsageResponse`] and
//! [`crate::whatsapp::SendWhatsAppResponse`]: a map from a quota's name (such as
//! [`MAX_SEND_MAIL_PER_DAY`]) to its [`Quota`].
//!
//! The server sends `limit` and `usage` as numbers or as strings; both are read, and a value
//! that is neither a non-negative integer nor a string holding one is read as unknown (`None`)
//! rather than failing the whole answer.
//!
//! ```
//! use cocoon_core::quota::Quotas;
//! let quotas: Quotas = serde_json::from_str(
//!     r#"{"MAX_SEND_MAIL_PER_DAY": {"limit": "1000", "usage": 12}}"#,
//! )?;
//! let per_day = quotas.per_day().expect("reported");
//! assert_eq!(per_day.limit, Some(1000));
//! assert_eq!(per_day.remaining(), Some(988));
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The name of the daily email quota.
pub const MAX_SEND_MAIL_PER_DAY: &str = "MAX_SEND_MAIL_PER_DAY";
/// The name of the monthly transactional email quota.
pub const MAX_SEND_MAIL_PER_MONTH_TRANSACTIONAL: &str = "MAX_SEND_MAIL_PER_MONTH_TRANSACTIONAL";
/// The name of the monthly WhatsApp quota.
pub const MAX_WHATSAPP_SEND_PER_MONTH: &str = "MAX_WHATSAPP_SEND_PER_MONTH";

/// One quota: how much may be sent in its period, and how much has been.
///
/// Either number is `None` when the server did not send it or sent something that is not a
/// non-negative integer (as a number or as a string).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Quota {
    /// How much may be sent in the period.
    #[serde(
        deserialize_with = "crate::wire::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub limit: Option<u64>,
    /// How much has been sent in the period.
    #[serde(
        deserialize_with = "crate::wire::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub usage: Option<u64>,
}

impl Quota {
    /// A quota with these numbers.
    pub fn new(limit: Option<u64>, usage: Option<u64>) -> Self {
        Quota { limit, usage }
    }

    /// What is left in the period (never below zero); `None` unless both numbers are known.
    pub fn remaining(&self) -> Option<u64> {
        Some(self.limit?.saturating_sub(self.usage?))
    }

    /// Whether nothing is left in the period; false when that is not known.
    pub fn is_exhausted(&self) -> bool {
        self.remaining() == Some(0)
    }
}

/// Quotas by name, as an answer's `quotas` object holds them.
///
/// Entries whose value is not an object are skipped; a `quotas` value that is not an object
/// (for example `null`) reads as no quotas.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Quotas {
    by_name: BTreeMap<String, Quota>,
}

impl Quotas {
    /// No quotas.
    pub fn new() -> Self {
        Quotas::default()
    }

    /// The quota named `name`, if the answer reported it.
    pub fn get(&self, name: &str) -> Option<&Quota> {
        self.by_name.get(name)
    }

    /// The daily email quota ([`MAX_SEND_MAIL_PER_DAY`]).
    pub fn per_day(&self) -> Option<&Quota> {
        self.get(MAX_SEND_MAIL_PER_DAY)
    }

    /// The monthly transactional email quota ([`MAX_SEND_MAIL_PER_MONTH_TRANSACTIONAL`]).
    pub fn per_month_transactional(&self) -> Option<&Quota> {
        self.get(MAX_SEND_MAIL_PER_MONTH_TRANSACTIONAL)
    }

    /// The monthly WhatsApp quota ([`MAX_WHATSAPP_SEND_PER_MONTH`]).
    pub fn whatsapp_per_month(&self) -> Option<&Quota> {
        self.get(MAX_WHATSAPP_SEND_PER_MONTH)
    }

    /// Sets the quota named `name`, returning the one it replaces.
    pub fn insert(&mut self, name: impl Into<String>, quota: Quota) -> Option<Quota> {
        self.by_name.insert(name.into(), quota)
    }

    /// Every quota with its name, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Quota)> + '_ {
        self.by_name
            .iter()
            .map(|(name, quota)| (name.as_str(), quota))
    }

    /// How many quotas there are.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

impl<N: Into<String>> FromIterator<(N, Quota)> for Quotas {
    fn from_iter<I: IntoIterator<Item = (N, Quota)>>(iter: I) -> Self {
        Quotas {
            by_name: iter.into_iter().map(|(n, q)| (n.into(), q)).collect(),
        }
    }
}

impl<'de> Deserialize<'de> for Quotas {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let by_name = match Value::deserialize(deserializer)? {
            Value::Object(map) => map
                .into_iter()
                .filter_map(|(name, value)| Some((name, Quota::deserialize(value).ok()?)))
                .collect(),
            _ => BTreeMap::new(),
        };
        Ok(Quotas { by_name })
    }
}

/// One sent email or message of a send's `report`: to whom, and its id for the status
/// endpoints ([`crate::mail::MailStatus`], [`crate::whatsapp::WhatsAppStatus`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SendReport {
    /// The recipient (an address, or a number whose JSON number form is read as its digits).
    #[serde(deserialize_with = "crate::wire::opt_string")]
    pub to: Option<String>,
    /// The id the status endpoints take.
    #[serde(deserialize_with = "crate::wire::opt_string")]
    pub message_id: Option<String>,
}

/// The answer to a send of emails or WhatsApp messages (201): who was sent to, who was not, and
/// the quotas after it. [`crate::mail::SendMailResponse`] and
/// [`crate::whatsapp::SendWhatsAppResponse`] name it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SendResponse {
    /// What the server said in `success`; `None` when it did not say. An answer saying
    /// `false` never gets here: it ends in [`Error::Api`](crate::Error::Api).
    pub success: Option<bool>,
    /// Recipients nothing was sent to (`failed_recipients`, also read from `failed_emails`).
    /// The elements' shape is undocumented (usually addresses or numbers), so they are kept as
    /// JSON.
    #[serde(
        alias = "failed_emails",
        deserialize_with = "crate::wire::null_as_default"
    )]
    pub failed_recipients: Vec<serde_json::Value>,
    /// One entry per email or message sent.
    #[serde(deserialize_with = "crate::wire::null_as_default")]
    pub report: Vec<SendReport>,
    /// The account's quotas after this send.
    pub quotas: Quotas,
    /// The sender address used (emails only).
    pub sender: Option<String>,
    /// The server's message, e.g. `"Transactional mails sent successfully"`.
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::u64_from_value;

    fn quotas(json: &str) -> Quotas {
        serde_json::from_str(json).expect("quotas decode")
    }

    #[test]
    fn documented_quotas_read_with_typed_getters() {
        let q = quotas(
            r#"{"MAX_SEND_MAIL_PER_DAY": {"limit": 1000, "usage": 12},
                "MAX_SEND_MAIL_PER_MONTH_TRANSACTIONAL": {"limit": 30000, "usage": 340},
                "MAX_WHATSAPP_SEND_PER_MONTH": {"limit": 500, "usage": 0}}"#,
        );
        assert_eq!(q.len(), 3);
        assert_eq!(q.per_day(), Some(&Quota::new(Some(1000), Some(12))));
        assert_eq!(
            q.per_month_transactional().unwrap().remaining(),
            Some(29660)
        );
        assert_eq!(q.whatsapp_per_month().unwrap().remaining(), Some(500));
        let names: Vec<_> = q.iter().map(|(name, _)| name).collect();
        assert_eq!(
            names,
            [
                MAX_SEND_MAIL_PER_DAY,
                MAX_SEND_MAIL_PER_MONTH_TRANSACTIONAL,
                MAX_WHATSAPP_SEND_PER_MONTH
            ]
        );
    }

    #[test]
    fn numbers_may_arrive_as_strings() {
        let q = quotas(r#"{"MAX_SEND_MAIL_PER_DAY": {"limit": "1000", "usage": " 12 "}}"#);
        assert_eq!(q.per_day(), Some(&Quota::new(Some(1000), Some(12))));
        let q = quotas(r#"{"X": {"limit": 1000.0, "usage": "5e1"}}"#);
        assert_eq!(q.get("X"), Some(&Quota::new(Some(1000), Some(50))));
    }

    #[test]
    fn garbage_numbers_read_as_unknown_without_failing_the_answer() {
        let q = quotas(
            r#"{"A": {"limit": "unlimited", "usage": -1},
                "B": {"limit": 1.5, "usage": null},
                "C": {"limit": [1], "usage": {"n": 1}, "period": "day"},
                "D": {},
                "E": 7,
                "F": null}"#,
        );
        assert_eq!(q.get("A"), Some(&Quota::new(None, None)));
        assert_eq!(q.get("B"), Some(&Quota::new(None, None)));
        assert_eq!(q.get("C"), Some(&Quota::new(None, None)));
        assert_eq!(q.get("D"), Some(&Quota::default()));
        assert_eq!(q.get("E"), None, "a non-object entry is skipped");
        assert_eq!(q.get("F"), None);
        assert_eq!(q.get("A").unwrap().remaining(), None);
    }

    #[test]
    fn quotas_that_are_not_an_object_read_as_none() {
        assert!(quotas("null").is_empty());
        assert!(quotas("[]").is_empty());
        assert!(quotas(r#""n/a""#).is_empty());
    }

    #[test]
    fn remaining_never_goes_below_zero() {
        let over = Quota::new(Some(10), Some(12));
        assert_eq!(over.remaining(), Some(0));
        assert!(over.is_exhausted());
        assert!(!Quota::new(Some(10), None).is_exhausted());
        assert_eq!(Quota::new(None, Some(1)).remaining(), None);
    }

    #[test]
    fn quotas_serialize_as_the_wire_object() {
        let q: Quotas = [(MAX_SEND_MAIL_PER_DAY, Quota::new(Some(1000), Some(12)))]
            .into_iter()
            .collect();
        assert_eq!(
            serde_json::to_string(&q).unwrap(),
            r#"{"MAX_SEND_MAIL_PER_DAY":{"limit":1000,"usage":12}}"#
        );
        let mut q = q;
        q.insert("OTHER", Quota::new(None, Some(1)));
        assert_eq!(quotas(&serde_json::to_string(&q).unwrap()), q);
    }

    #[test]
    fn u64_extremes() {
        assert_eq!(u64_from_value(&serde_json::json!(u64::MAX)), Some(u64::MAX));
        assert_eq!(
            u64_from_value(&serde_json::json!("18446744073709551615")),
            Some(u64::MAX)
        );
        assert_eq!(
            u64_from_value(&serde_json::json!("18446744073709551616")),
            None
        );
        assert_eq!(u64_from_value(&serde_json::json!(1e20)), None);
        assert_eq!(u64_from_value(&serde_json::json!("NaN")), None);
        assert_eq!(u64_from_value(&serde_json::json!(true)), None);
    }
}
