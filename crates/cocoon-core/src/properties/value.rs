//! The value of a custom contact property.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::PropertyDate;
use crate::error::InvalidInput;

/// The value of a custom contact property.
///
/// Built with `From` for strings, booleans, integers, [`serde_json::Number`] and
/// [`PropertyDate`]; `Option<T>` gives [`PropertyValue::Null`] for `None`. Floats go through
/// [`PropertyValue::float`] (or `TryFrom<f64>`), which refuses NaN and infinities. A string is
/// always sent as a string, never guessed to be a date: use [`PropertyDate`] for dates.
///
/// ```
/// use cocoon_core::properties::{PropertyDate, PropertyValue};
/// assert_eq!(PropertyValue::from("pro"), PropertyValue::String("pro".into()));
/// assert_eq!(PropertyValue::from(None::<bool>), PropertyValue::Null);
/// assert_eq!(serde_json::to_string(&PropertyValue::float(9.5)?)?, "9.5");
/// assert!(PropertyValue::float(f64::NAN).is_err());
/// let date = PropertyValue::from(PropertyDate::unix_millis(1_700_000_000_000));
/// assert_eq!(serde_json::to_string(&date)?, "1700000000000");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PropertyValue {
    /// A string.
    String(String),
    /// A number (always finite: `serde_json::Number` cannot hold NaN or infinities).
    Number(serde_json::Number),
    /// A boolean.
    Bool(bool),
    /// A date, sent as Unix milliseconds or as checked text.
    Date(PropertyDate),
    /// `null`: clears the property on update.
    Null,
}

impl PropertyValue {
    /// A number from a float; refuses NaN and infinities (field `value`).
    pub fn float(value: f64) -> Result<Self, InvalidInput> {
        serde_json::Number::from_f64(value)
            .map(PropertyValue::Number)
            .ok_or_else(|| {
                InvalidInput::new(
                    "value",
                    format!("{value} is not a finite number (JSON has no NaN or infinity)"),
                )
            })
    }

    /// Whether this is [`PropertyValue::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, PropertyValue::Null)
    }
}

impl Serialize for PropertyValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            PropertyValue::String(s) => serializer.serialize_str(s),
            PropertyValue::Number(n) => n.serialize(serializer),
            PropertyValue::Bool(b) => serializer.serialize_bool(*b),
            PropertyValue::Date(d) => d.serialize(serializer),
            PropertyValue::Null => serializer.serialize_unit(),
        }
    }
}

impl<'de> Deserialize<'de> for PropertyValue {
    /// A string, a number, a boolean or `null`; a date reads as the string or number it is
    /// sent as. Arrays and objects are refused: the API's properties hold none.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(s) => Ok(PropertyValue::String(s)),
            serde_json::Value::Number(n) => Ok(PropertyValue::Number(n)),
            serde_json::Value::Bool(b) => Ok(PropertyValue::Bool(b)),
            serde_json::Value::Null => Ok(PropertyValue::Null),
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
                Err(serde::de::Error::custom(
                    "a custom property must be a string, a number, a boolean or null",
                ))
            }
        }
    }
}

impl From<String> for PropertyValue {
    fn from(value: String) -> Self {
        PropertyValue::String(value)
    }
}

impl From<&str> for PropertyValue {
    fn from(value: &str) -> Self {
        PropertyValue::String(value.to_owned())
    }
}

impl From<&String> for PropertyValue {
    fn from(value: &String) -> Self {
        PropertyValue::String(value.clone())
    }
}

impl From<bool> for PropertyValue {
    fn from(value: bool) -> Self {
        PropertyValue::Bool(value)
    }
}

impl From<serde_json::Number> for PropertyValue {
    fn from(value: serde_json::Number) -> Self {
        PropertyValue::Number(value)
    }
}

impl From<PropertyDate> for PropertyValue {
    fn from(value: PropertyDate) -> Self {
        PropertyValue::Date(value)
    }
}

impl<T: Into<PropertyValue>> From<Option<T>> for PropertyValue {
    /// `None` becomes [`PropertyValue::Null`], which clears the property on update.
    fn from(value: Option<T>) -> Self {
        value.map_or(PropertyValue::Null, Into::into)
    }
}

macro_rules! integer_values {
    ($($t:ty),*) => {$(
        impl From<$t> for PropertyValue {
            fn from(value: $t) -> Self {
                PropertyValue::Number(serde_json::Number::from(value))
            }
        }
    )*};
}

integer_values!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl TryFrom<f64> for PropertyValue {
    type Error = InvalidInput;
    /// Same as [`PropertyValue::float`].
    fn try_from(value: f64) -> Result<Self, Self::Error> {
        PropertyValue::float(value)
    }
}

impl TryFrom<f32> for PropertyValue {
    type Error = InvalidInput;
    /// Same as [`PropertyValue::float`].
    fn try_from(value: f32) -> Result<Self, Self::Error> {
        PropertyValue::float(f64::from(value))
    }
}
