//! The unit tests of custom properties: names, values, dates and the map of them.

use proptest::prelude::*;
use serde::Serialize;

use super::*;

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
            httpdate::parse_http_date(&format!("{weekday}, 01 {month} {year} 00:00:00 GMT")).ok()
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
