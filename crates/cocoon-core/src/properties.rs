//! Custom contact properties (API.md §4.14): names, values and dates checked before sending.
//!
//! A contact carries, besides its standard fields (`email`, `firstName`, ...), custom
//! properties sent as further top-level keys of the contact body. This module holds the writing
//! side:
//!
//! - [`PropertyName`]: a name the API accepts: not empty, not one of the reserved names (`id`,
//!   `listId`, `softDeleteAt`, `teamId`, `updatedAt`) and not a standard contact field it would
//!   collide with once flattened into the body.
//! - [`PropertyValue`]: a string, a finite number, a boolean, a [`PropertyDate`], or `null`
//!   (which clears the property on update).
//! - [`PropertyDate`]: Unix milliseconds, or one of the documented text forms, with real range
//!   checks.
//! - [`CustomProperties`]: an ordered map of them, serialised as top-level keys when flattened
//!   into a contact body.
//!
//! On the reading side, [`crate::contacts::Contact::custom_properties`] keeps every key it does
//! not know as raw JSON.
//!
//! ```
//! use cocoon_core::properties::{CustomProperties, PropertyDate, PropertyName, PropertyValue};
//! let mut props = CustomProperties::new();
//! props.insert(PropertyName::new("plan")?, "pro");
//! props.insert(PropertyName::new("seats")?, 12);
//! props.insert(PropertyName::new("renewsOn")?, PropertyDate::parse("2025-03-01")?);
//! props.insert(PropertyName::new("coupon")?, PropertyValue::Null);
//! assert_eq!(
//!     serde_json::to_string(&props)?,
//!     r#"{"coupon":null,"plan":"pro","renewsOn":"2025-03-01","seats":12}"#
//! );
//! assert!(PropertyName::new("teamId").is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::error::InvalidInput;

/// Names the API reserves: they can never be custom properties (API.md §4.14).
pub const RESERVED_PROPERTY_NAMES: &[&str] =
    &["id", "listId", "softDeleteAt", "teamId", "updatedAt"];

/// Standard contact fields a custom property would collide with in a flattened contact body,
/// in their camelCase wire spelling and in the snake_case spelling the SDK also reads
/// (API.md §4.12): a custom property named `first_name` would come back as `firstName`.
pub const STANDARD_CONTACT_FIELDS: &[&str] = &[
    "email",
    "firstName",
    "lastName",
    "source",
    "subscribed",
    "userGroup",
    "userId",
    "mailingLists",
    "first_name",
    "last_name",
    "user_group",
    "user_id",
    "mailing_lists",
];

/// The name of a custom contact property, checked when made.
///
/// Refused: an empty or blank name, a name with leading or trailing whitespace, the reserved
/// names of [`RESERVED_PROPERTY_NAMES`] and the standard contact fields of
/// [`STANDARD_CONTACT_FIELDS`]. Names are compared exactly (case-sensitively), as JSON keys are.
///
/// ```
/// use cocoon_core::properties::PropertyName;
/// let name = PropertyName::new("favoriteColor")?;
/// assert_eq!(name.as_str(), "favoriteColor");
/// let refused = PropertyName::new("listId").unwrap_err();
/// assert_eq!(refused.field, "listId");
/// assert!(PropertyName::new("firstName").is_err());
/// # Ok::<(), cocoon_core::InvalidInput>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct PropertyName(String);

impl PropertyName {
    /// Checks `name`; the error's field is the refused name itself.
    pub fn new(name: impl Into<String>) -> Result<Self, InvalidInput> {
        let name = name.into();
        if name.trim().is_empty() {
            return Err(InvalidInput::new(
                "property name",
                "a custom property name must not be empty",
            ));
        }
        if name.trim() != name {
            return Err(InvalidInput::new(
                name,
                "a custom property name must not start or end with whitespace",
            ));
        }
        if RESERVED_PROPERTY_NAMES.contains(&name.as_str()) {
            return Err(InvalidInput::new(
                name,
                "is reserved by the API and cannot be a custom property",
            ));
        }
        if STANDARD_CONTACT_FIELDS.contains(&name.as_str()) {
            return Err(InvalidInput::new(
                name,
                "is a standard contact field: set it with its own builder method, not as a custom property",
            ));
        }
        Ok(PropertyName(name))
    }

    /// The name as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for PropertyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PropertyName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for PropertyName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl FromStr for PropertyName {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PropertyName::new(s)
    }
}

impl TryFrom<&str> for PropertyName {
    type Error = InvalidInput;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        PropertyName::new(value)
    }
}

impl TryFrom<String> for PropertyName {
    type Error = InvalidInput;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        PropertyName::new(value)
    }
}

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

/// A date value of a custom property, in a form the API accepts (API.md §4.14).
///
/// Either Unix milliseconds (sent as a JSON number) or checked text (sent as a string,
/// unchanged) in one of these forms:
///
/// - `YYYY-MM-DD`
/// - `YYYY-MM-DD HH:MM`, `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD HH:MM:SS.sss`
/// - the same with `T` instead of the space
///
/// A form with a time may end with an offset `+HH:MM` or `-HH:MM` (UTC otherwise). The year
/// runs from 0001 to 9999, the month from 01 to 12, the day up to the month's length (leap
/// years included), the hour from 00 to 23, minutes and seconds from 00 to 59 (no leap
/// second), and a fraction has one to three digits (milliseconds at most). A `Z` suffix is
/// refused because the documented forms do not include it: leave the offset out, or write
/// `+00:00`.
///
/// ```
/// use cocoon_core::properties::PropertyDate;
/// let date = PropertyDate::parse("2024-02-29T23:59:30.250+05:30")?;
/// assert_eq!(date.as_text(), Some("2024-02-29T23:59:30.250+05:30"));
/// assert_eq!(PropertyDate::unix_millis(0).as_unix_millis(), Some(0));
/// assert!(PropertyDate::parse("2023-02-29").is_err());
/// assert!(PropertyDate::parse("2024-13-01T10:00").is_err());
/// # Ok::<(), cocoon_core::InvalidInput>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PropertyDate(DateRepr);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum DateRepr {
    UnixMillis(i64),
    Text(String),
}

impl PropertyDate {
    /// Milliseconds since 1970-01-01T00:00:00Z, sent as a JSON number.
    pub fn unix_millis(millis: i64) -> Self {
        PropertyDate(DateRepr::UnixMillis(millis))
    }

    /// Checks `text` against the documented forms; the error's field is `date`.
    pub fn parse(text: impl Into<String>) -> Result<Self, InvalidInput> {
        let text = text.into();
        match check_date_text(text.as_bytes()) {
            Ok(()) => Ok(PropertyDate(DateRepr::Text(text))),
            Err(problem) => Err(InvalidInput::new("date", format!("{text:?}: {problem}"))),
        }
    }

    /// The milliseconds, when made with [`PropertyDate::unix_millis`].
    pub fn as_unix_millis(&self) -> Option<i64> {
        match self.0 {
            DateRepr::UnixMillis(ms) => Some(ms),
            DateRepr::Text(_) => None,
        }
    }

    /// The text, when made with [`PropertyDate::parse`].
    pub fn as_text(&self) -> Option<&str> {
        match &self.0 {
            DateRepr::UnixMillis(_) => None,
            DateRepr::Text(text) => Some(text),
        }
    }
}

impl FromStr for PropertyDate {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PropertyDate::parse(s)
    }
}

impl Serialize for PropertyDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            DateRepr::UnixMillis(ms) => serializer.serialize_i64(*ms),
            DateRepr::Text(text) => serializer.serialize_str(text),
        }
    }
}

const DATE_FORMS: &str = "expected YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS[.sss]] or \
                          YYYY-MM-DDTHH:MM[:SS[.sss]], with an optional +HH:MM or -HH:MM offset \
                          after a time";

/// Reads the two-digit number at `at`, or fails.
fn two_digits(bytes: &[u8], at: usize) -> Option<u32> {
    match bytes.get(at..at + 2)? {
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
            Some(u32::from(a - b'0') * 10 + u32::from(b - b'0'))
        }
        _ => None,
    }
}

fn is_leap_year(year: u32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub(crate) fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Checks one of the documented date forms, returning what is wrong.
fn check_date_text(bytes: &[u8]) -> Result<(), String> {
    let form = || DATE_FORMS.to_owned();
    // Date: YYYY-MM-DD.
    let (Some(century), Some(year_in_century)) = (two_digits(bytes, 0), two_digits(bytes, 2))
    else {
        return Err(form());
    };
    if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return Err(form());
    }
    let (Some(month), Some(day)) = (two_digits(bytes, 5), two_digits(bytes, 8)) else {
        return Err(form());
    };
    let year = century * 100 + year_in_century;
    if year == 0 {
        return Err("year 0000 is out of range (0001 to 9999)".to_owned());
    }
    if !(1..=12).contains(&month) {
        return Err(format!("month {month:02} is out of range (01 to 12)"));
    }
    let last_day = days_in_month(year, month);
    if day == 0 || day > last_day {
        return Err(format!(
            "day {day:02} is out of range ({year:04}-{month:02} has {last_day} days)"
        ));
    }
    if bytes.len() == 10 {
        return Ok(());
    }

    // Time: ` HH:MM` or `THH:MM`, then `:SS`, then `.sss`.
    if !matches!(bytes[10], b' ' | b'T') || bytes.get(13) != Some(&b':') {
        return Err(form());
    }
    let (Some(hour), Some(minute)) = (two_digits(bytes, 11), two_digits(bytes, 14)) else {
        return Err(form());
    };
    if hour > 23 {
        return Err(format!("hour {hour:02} is out of range (00 to 23)"));
    }
    if minute > 59 {
        return Err(format!("minute {minute:02} is out of range (00 to 59)"));
    }
    let mut at = 16;
    if bytes.get(at) == Some(&b':') {
        let Some(second) = two_digits(bytes, at + 1) else {
            return Err(form());
        };
        if second > 59 {
            return Err(format!("second {second:02} is out of range (00 to 59)"));
        }
        at += 3;
        if bytes.get(at) == Some(&b'.') {
            let digits = bytes[at + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if !(1..=3).contains(&digits) {
                return Err(
                    "a fraction of a second must have one to three digits (milliseconds)"
                        .to_owned(),
                );
            }
            at += 1 + digits;
        }
    }

    // Offset: `+HH:MM` or `-HH:MM`.
    match bytes.get(at) {
        None => Ok(()),
        Some(b'+' | b'-') => {
            if bytes.len() != at + 6 || bytes[at + 3] != b':' {
                return Err(form());
            }
            let (Some(hours), Some(minutes)) =
                (two_digits(bytes, at + 1), two_digits(bytes, at + 4))
            else {
                return Err(form());
            };
            if hours > 23 || minutes > 59 {
                return Err(format!(
                    "offset {hours:02}:{minutes:02} is out of range (up to 23:59)"
                ));
            }
            Ok(())
        }
        Some(b'Z' | b'z') => Err("a Z suffix is not a documented form: leave the offset out \
                                  (UTC) or write +00:00"
            .to_owned()),
        Some(b'.') => Err("a fraction of a second needs seconds first (HH:MM:SS.sss)".to_owned()),
        Some(_) => Err(form()),
    }
}

/// Custom properties of a contact, ordered by name.
///
/// Flattened into a contact body, each entry becomes a top-level key. Names are
/// [`PropertyName`]s, so an entry can never overwrite a standard field or use a reserved name.
///
/// ```
/// use cocoon_core::properties::CustomProperties;
/// let props = CustomProperties::new().try_with("plan", "pro")?.try_with("trial", false)?;
/// assert_eq!(props.get("plan"), Some(&"pro".into()));
/// assert_eq!(props.len(), 2);
/// assert_eq!(serde_json::to_string(&props)?, r#"{"plan":"pro","trial":false}"#);
/// assert!(CustomProperties::new().try_with("userId", "u1").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CustomProperties(BTreeMap<PropertyName, PropertyValue>);

impl CustomProperties {
    /// No properties.
    pub fn new() -> Self {
        CustomProperties::default()
    }

    /// Sets `name` to `value`, returning the value it replaces.
    pub fn insert(
        &mut self,
        name: PropertyName,
        value: impl Into<PropertyValue>,
    ) -> Option<PropertyValue> {
        self.0.insert(name, value.into())
    }

    /// Checks `name` and sets it to `value`, returning the value it replaces.
    pub fn try_insert(
        &mut self,
        name: &str,
        value: impl Into<PropertyValue>,
    ) -> Result<Option<PropertyValue>, InvalidInput> {
        Ok(self.insert(PropertyName::new(name)?, value))
    }

    /// Sets `name` to `value`, consuming and returning the map.
    #[must_use]
    pub fn with(mut self, name: PropertyName, value: impl Into<PropertyValue>) -> Self {
        self.insert(name, value);
        self
    }

    /// Checks `name` and sets it to `value`, consuming and returning the map.
    pub fn try_with(
        mut self,
        name: &str,
        value: impl Into<PropertyValue>,
    ) -> Result<Self, InvalidInput> {
        self.try_insert(name, value)?;
        Ok(self)
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&PropertyValue> {
        self.0.get(name)
    }

    /// Removes `name` (so that it is not sent at all; to clear it on the server, set
    /// [`PropertyValue::Null`]).
    pub fn remove(&mut self, name: &str) -> Option<PropertyValue> {
        self.0.remove(name)
    }

    /// The number of properties.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The properties, ordered by name.
    pub fn iter(&self) -> impl Iterator<Item = (&PropertyName, &PropertyValue)> + '_ {
        self.0.iter()
    }

    /// Adds every entry of `other`, its values winning.
    pub fn extend(&mut self, other: CustomProperties) {
        self.0.extend(other.0);
    }
}

impl FromIterator<(PropertyName, PropertyValue)> for CustomProperties {
    fn from_iter<I: IntoIterator<Item = (PropertyName, PropertyValue)>>(iter: I) -> Self {
        CustomProperties(iter.into_iter().collect())
    }
}

impl IntoIterator for CustomProperties {
    type Item = (PropertyName, PropertyValue);
    type IntoIter = std::collections::btree_map::IntoIter<PropertyName, PropertyValue>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn json<T: Serialize>(value: &T) -> String {
        serde_json::to_string(value).unwrap()
    }

    #[test]
    fn reserved_and_standard_names_are_refused_with_their_name_as_field() {
        for name in ["id", "listId", "softDeleteAt", "teamId", "updatedAt"] {
            let err = PropertyName::new(name).unwrap_err();
            assert_eq!(err.field, name);
            assert!(err.problem.contains("reserved"), "{err}");
        }
        for name in [
            "email",
            "firstName",
            "lastName",
            "source",
            "subscribed",
            "userGroup",
            "userId",
            "mailingLists",
            "user_id",
            "first_name",
        ] {
            let err = PropertyName::new(name).unwrap_err();
            assert_eq!(err.field, name);
            assert!(err.problem.contains("standard contact field"), "{err}");
        }
        assert_eq!(PropertyName::new("").unwrap_err().field, "property name");
        assert_eq!(PropertyName::new("   ").unwrap_err().field, "property name");
        assert!(PropertyName::new(" plan").is_err());
        // Names are JSON keys: compared exactly.
        assert_eq!(PropertyName::new("Email").unwrap().as_str(), "Email");
        assert_eq!("plan".parse::<PropertyName>().unwrap().to_string(), "plan");
    }

    #[test]
    fn values_serialise_to_their_json_kind() {
        assert_eq!(json(&PropertyValue::from("x")), r#""x""#);
        assert_eq!(json(&PropertyValue::from(String::from("y"))), r#""y""#);
        assert_eq!(json(&PropertyValue::from(true)), "true");
        assert_eq!(json(&PropertyValue::from(-7_i64)), "-7");
        assert_eq!(json(&PropertyValue::from(u64::MAX)), "18446744073709551615");
        assert_eq!(json(&PropertyValue::from(3_u32)), "3");
        assert_eq!(json(&PropertyValue::float(0.1).unwrap()), "0.1");
        assert_eq!(json(&PropertyValue::try_from(2.5_f32).unwrap()), "2.5");
        assert_eq!(json(&PropertyValue::Null), "null");
        assert_eq!(json(&PropertyValue::from(None::<&str>)), "null");
        assert_eq!(json(&PropertyValue::from(Some(4_i32))), "4");
        // A string that looks like a date stays a string.
        assert_eq!(
            PropertyValue::from("2024-01-01"),
            PropertyValue::String("2024-01-01".into())
        );
    }

    #[test]
    fn non_finite_numbers_are_refused() {
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let err = PropertyValue::float(x).unwrap_err();
            assert_eq!(err.field, "value");
            assert!(PropertyValue::try_from(x).is_err());
        }
        assert!(PropertyValue::try_from(f32::NAN).is_err());
    }

    #[test]
    fn dates_serialise_as_millis_or_unchanged_text() {
        assert_eq!(
            json(&PropertyDate::unix_millis(1_700_000_000_123)),
            "1700000000123"
        );
        assert_eq!(json(&PropertyDate::unix_millis(-1)), "-1");
        for text in [
            "2024-01-31",
            "2024-02-29",
            "2000-02-29",
            "2024-12-31 23:59",
            "2024-12-31 23:59:59",
            "2024-12-31 23:59:59.999",
            "2024-12-31 23:59:59.5",
            "2024-12-31T23:59:59.25+01:00",
            "2024-06-01T00:00",
            "2024-06-01T08:30:00",
            "2024-06-01T08:30:00.000+02:00",
            "2024-06-01T08:30-05:30",
            "2024-06-01 08:30:15+00:00",
            "0001-01-01",
            "9999-12-31T23:59:59.999-23:59",
        ] {
            let date = PropertyDate::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(date.as_text(), Some(text));
            assert_eq!(json(&date), format!("\"{text}\""));
        }
    }

    #[test]
    fn impossible_or_undocumented_dates_are_refused() {
        for (text, hint) in [
            ("2024-02-30", "day 30"),
            ("2023-02-29", "day 29"),
            ("1900-02-29", "day 29"),
            ("2024-04-31", "day 31"),
            ("2024-01-00", "day 00"),
            ("2024-13-01T10:00", "month 13"),
            ("2024-00-10", "month 00"),
            ("0000-01-01", "year 0000"),
            ("2024-01-01T24:00", "hour 24"),
            ("2024-01-01 10:60", "minute 60"),
            ("2024-01-01 10:00:60", "second 60"),
            ("2024-01-01T10:00+24:00", "offset"),
            ("2024-01-01T10:00+05:60", "offset"),
            ("2024-01-01T10:00Z", "Z suffix"),
            ("2024-01-01T10:00:00.", "one to three digits"),
            ("2024-01-01T10:00:00.1234", "one to three digits"),
            ("2024-01-01T10:00.123", "needs seconds"),
            ("2024-01-01+02:00", "expected"),
            ("2024-1-01", "expected"),
            ("24-01-01", "expected"),
            ("2024/01/01", "expected"),
            ("2024-01-01T10", "expected"),
            ("2024-01-01t10:00", "expected"),
            ("2024-01-01T10:00+0200", "expected"),
            ("2024-01-01 ", "expected"),
            ("", "expected"),
            ("１２３４-01-01", "expected"),
        ] {
            let err = PropertyDate::parse(text).unwrap_err();
            assert_eq!(err.field, "date", "{text}");
            assert!(err.problem.contains(hint), "{text}: {err}");
        }
    }

    #[test]
    fn custom_properties_are_ordered_and_checked() {
        let mut props = CustomProperties::new();
        assert!(props.try_insert("zeta", 1).unwrap().is_none());
        props.insert(PropertyName::new("alpha").unwrap(), "a");
        assert_eq!(
            props.try_insert("zeta", 2).unwrap(),
            Some(PropertyValue::from(1))
        );
        assert_eq!(json(&props), r#"{"alpha":"a","zeta":2}"#);
        assert_eq!(props.try_insert("teamId", 1).unwrap_err().field, "teamId");
        assert_eq!(props.remove("alpha"), Some(PropertyValue::from("a")));
        assert_eq!(props.len(), 1);
        assert!(!props.is_empty());
    }

    /// The first instant of a month, as the `httpdate` crate reads it (it insists on the
    /// right weekday, so each is tried).
    fn first_of_month(year: u32, month: &str) -> std::time::SystemTime {
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            .iter()
            .find_map(|weekday| {
                httpdate::parse_http_date(&format!("{weekday}, 01 {month} {year} 00:00:00 GMT"))
                    .ok()
            })
            .expect("one weekday fits")
    }

    proptest! {
        /// The month lengths this module's date check uses agree with the `httpdate` crate's
        /// calendar: the last day it accepts is the last day of the month there, and the day
        /// after is the first of the next month.
        #[test]
        fn month_lengths_agree_with_the_httpdate_calendar(
            year in prop_oneof![1970u32..=9999, (20u32..=99).prop_map(|century| century * 100)],
            month in prop_oneof![1u32..=12, Just(2)],
        ) {
            const MONTHS: [&str; 12] =
                ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
            let name = MONTHS[month as usize - 1];
            let last = (28..=32)
                .take_while(|day| PropertyDate::parse(format!("{year:04}-{month:02}-{day:02}")).is_ok())
                .last()
                .expect("day 28 is always accepted");
            let day = std::time::Duration::from_secs(86_400);
            let last_instant = first_of_month(year, name) + day * (last - 1);
            let shown = httpdate::fmt_http_date(last_instant);
            prop_assert_eq!(&shown[5..16], format!("{last:02} {name} {year:04}"));
            if (year, month) != (9999, 12) {
                let next = httpdate::fmt_http_date(last_instant + day);
                prop_assert_eq!(&next[5..7], "01");
            }
        }

        #[test]
        fn date_parsing_never_panics_and_keeps_accepted_text(text in "\\PC{0,40}") {
            if let Ok(date) = PropertyDate::parse(text.clone()) {
                prop_assert_eq!(date.as_text(), Some(text.as_str()));
            }
        }

        #[test]
        fn date_shaped_text_never_panics(
            text in "[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,4})?)?([+-][0-9]{2}:?[0-9]{2}|Z)?)?"
        ) {
            if let Ok(date) = PropertyDate::parse(text.clone()) {
                prop_assert_eq!(date.as_text(), Some(text.as_str()));
            }
        }
    }
}
