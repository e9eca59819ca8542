//! The one-time password itself: digits that keep their leading zeros.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::InvalidInput;

/// A one-time password: 1 to [`OtpCode::MAX_LEN`] ASCII digits.
///
/// Its `Debug` output hides the digits, so logging a request does not leak the code.
///
/// ```
/// use cocoon_core::otp::OtpCode;
/// assert_eq!(OtpCode::new("004217")?.as_str(), "004217");
/// assert_eq!(OtpCode::from(4217u32).as_str(), "4217");
/// assert_eq!(OtpCode::new("12a").unwrap_err().field, "otp");
/// assert!(!format!("{:?}", OtpCode::new("004217")?).contains("4217"));
/// # Ok::<(), cocoon_core::InvalidInput>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OtpCode(String);

impl OtpCode {
    /// The longest code accepted, in digits (every `u64` fits).
    pub const MAX_LEN: usize = 20;

    /// A code from its digits; fails with an [`InvalidInput`] for the field `otp` when `digits`
    /// is empty, longer than [`OtpCode::MAX_LEN`] or holds anything but ASCII digits.
    pub fn new(digits: impl Into<String>) -> Result<Self, InvalidInput> {
        let digits = digits.into();
        if digits.is_empty() {
            return Err(InvalidInput::new("otp", "must not be empty"));
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidInput::new("otp", "must hold only the digits 0-9"));
        }
        if digits.len() > Self::MAX_LEN {
            return Err(InvalidInput::new(
                "otp",
                format!("must be at most {} digits long", Self::MAX_LEN),
            ));
        }
        Ok(OtpCode(digits))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number to send, when sending the code as a JSON number keeps every digit (no leading
    /// zero, within `u64`).
    fn as_number(&self) -> Option<u64> {
        let n = self.0.parse::<u64>().ok()?;
        (n.to_string() == self.0).then_some(n)
    }
}

impl fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OtpCode(<{} digits>)", self.0.len())
    }
}

impl FromStr for OtpCode {
    type Err = InvalidInput;

    fn from_str(digits: &str) -> Result<Self, Self::Err> {
        OtpCode::new(digits)
    }
}

impl TryFrom<&str> for OtpCode {
    type Error = InvalidInput;

    fn try_from(digits: &str) -> Result<Self, Self::Error> {
        OtpCode::new(digits)
    }
}

impl TryFrom<String> for OtpCode {
    type Error = InvalidInput;

    fn try_from(digits: String) -> Result<Self, Self::Error> {
        OtpCode::new(digits)
    }
}

impl From<u32> for OtpCode {
    fn from(code: u32) -> Self {
        OtpCode(code.to_string())
    }
}

impl From<u64> for OtpCode {
    fn from(code: u64) -> Self {
        OtpCode(code.to_string())
    }
}

impl Serialize for OtpCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.as_number() {
            Some(n) => serializer.serialize_u64(n),
            None => serializer.serialize_str(&self.0),
        }
    }
}

impl<'de> Deserialize<'de> for OtpCode {
    /// Digits as a string (leading zeros kept) or as a whole number, checked as
    /// [`OtpCode::new`] does.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let digits = match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) if n.is_u64() => n.to_string(),
            _ => {
                return Err(D::Error::custom(
                    "otp: must be digits, as a string or a number",
                ))
            }
        };
        OtpCode::new(digits).map_err(D::Error::custom)
    }
}
