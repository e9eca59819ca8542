//! Dates of custom contact properties, and the one calendar check of the core.

use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::InvalidInput;

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

impl<'de> Deserialize<'de> for PropertyDate {
    /// Unix milliseconds as a whole number, or text checked as [`PropertyDate::parse`] does.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Number(n) => n
                .as_i64()
                .map(PropertyDate::unix_millis)
                .ok_or_else(|| D::Error::custom("date: Unix milliseconds must be a whole number")),
            serde_json::Value::String(text) => PropertyDate::parse(text).map_err(D::Error::custom),
            _ => Err(D::Error::custom(
                "date: expected Unix milliseconds or text such as 2024-05-01",
            )),
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
