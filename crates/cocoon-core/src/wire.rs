//! Helpers shared by the endpoint modules: lenient readers for answers whose field types the
//! vendor does not pin down, and the checks requests run before sending.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::InvalidInput;

/// Reads text sent as a string, a number or a boolean (ids and codes arrive as either);
/// `null` or anything else reads as `None`.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

/// Like [`opt_string`], reading what is missing as empty text.
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    opt_string(d).map(Option::unwrap_or_default)
}

/// Reads a count sent as a number or as a string; anything else (null, garbage, negative,
/// fractional) reads as `None`.
pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(u64_from_value(&Value::deserialize(d)?))
}

pub(crate) fn u64_from_value(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().and_then(whole_u64)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<u64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(whole_u64))
        }
        _ => None,
    }
}

/// `f` as a `u64` when it is a whole number in range.
fn whole_u64(f: f64) -> Option<u64> {
    // 2^64, exactly representable as an f64.
    const U64_END: f64 = 18_446_744_073_709_551_616.0;
    (f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < U64_END).then_some(f as u64)
}

/// Reads `null` as the type's default (an empty list, say) instead of failing.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Refuses an email that is blank or lacks text on either side of an `@`.
pub(crate) fn check_email(field: &'static str, email: &str) -> Result<(), InvalidInput> {
    if email.trim().is_empty() {
        return Err(InvalidInput::new(field, "an email address is required"));
    }
    match email.rsplit_once('@') {
        Some((local, domain)) if !local.trim().is_empty() && !domain.trim().is_empty() => Ok(()),
        _ => Err(InvalidInput::new(
            field,
            "is not an email address (expected name@domain)",
        )),
    }
}

/// Refuses an empty or blank value, naming `field` (as on the wire, e.g. `to[1].email`).
pub(crate) fn check_not_blank(
    field: impl Into<Cow<'static, str>>,
    value: &str,
) -> Result<(), InvalidInput> {
    if value.trim().is_empty() {
        return Err(InvalidInput::new(field, "must not be empty"));
    }
    Ok(())
}

/// A request that reads a sent message's status by its `message_id` (the email and the WhatsApp
/// status operations): the struct, its constructor and accessor, and its [`Endpoint`] impl.
///
/// [`Endpoint`]: crate::Endpoint
macro_rules! message_id_request {
    ($(#[$doc:meta])* $name:ident => $operation:ident, $output:ty, $what:literal, $source:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
        pub struct $name {
            message_id: String,
        }

        impl<'de> serde::Deserialize<'de> for $name {
            /// `{"message_id": ...}`, checked as before sending.
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                /// The request as JSON gives it.
                #[derive(serde::Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Json {
                    message_id: String,
                }
                let request = $name::new(Json::deserialize(deserializer)?.message_id);
                $crate::endpoint::Endpoint::validate(&request).map_err(serde::de::Error::custom)?;
                Ok(request)
            }
        }

        impl $name {
            #[doc = concat!("The status of the ", $what, " with this `message_id` (from ", $source, ").")]
            pub fn new(message_id: impl Into<String>) -> Self {
                $name {
                    message_id: message_id.into(),
                }
            }

            /// The message id asked about.
            pub fn message_id(&self) -> &str {
                &self.message_id
            }
        }

        impl $crate::endpoint::Endpoint for $name {
            type Output = $output;

            fn target(&self) -> $crate::endpoint::Target<'_> {
                $crate::endpoint::Target::Operation($crate::route::Operation::$operation)
            }

            fn validate(&self) -> Result<(), $crate::error::InvalidInput> {
                $crate::wire::check_not_blank("message_id", &self.message_id)
            }

            fn query(&self, query: &mut $crate::endpoint::Query<'_>) {
                query.push("message_id", &self.message_id);
            }
        }
    };
}
pub(crate) use message_id_request;
