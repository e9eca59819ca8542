//! Custom properties typed by the account's custom fields: text from a CSV cell or a flag
//! (`seats=3`), or a JSON value, becomes the SDK's [`PropertyValue`] of the field's type.
//!
//! Messages about a value that does not convert name the field and the expected form, never
//! the value itself (it may be personal data, and imports print these messages).

use std::collections::BTreeMap;

use cocoonmail::custom_fields::CustomFieldType;
use cocoonmail::properties::{PropertyDate, PropertyName, PropertyValue};
use serde_json::Value;

use crate::client::CliClient;
use crate::exit::Failure;

/// A value to convert: text (a CSV cell, a flag) or JSON (a JSON-lines field).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    /// Text, converted by the field's type.
    Text(&'a str),
    /// A JSON value: taken as it is when it has the field's type, converted when it is text.
    Json(&'a Value),
}

impl<'a> Cell<'a> {
    /// The cell, or `None` when it is empty (blank text or `null`): empty cells are skipped.
    pub(crate) fn non_empty(self) -> Option<Cell<'a>> {
        match self {
            Cell::Text(text) if text.trim().is_empty() => None,
            Cell::Json(Value::Null) => None,
            Cell::Json(Value::String(text)) if text.trim().is_empty() => None,
            cell => Some(cell),
        }
    }

    /// The cell as text: text as it is, JSON strings unquoted, other scalars written out;
    /// `None` for arrays and objects.
    pub(crate) fn text(self) -> Option<std::borrow::Cow<'a, str>> {
        match self {
            Cell::Text(text) => Some(text.into()),
            Cell::Json(Value::String(text)) => Some(text.as_str().into()),
            Cell::Json(v @ (Value::Number(_) | Value::Bool(_))) => Some(v.to_string().into()),
            Cell::Json(_) => None,
        }
    }

    /// The cell as a JSON value: text becomes a JSON string.
    pub(crate) fn to_json(self) -> Value {
        match self {
            Cell::Text(text) => Value::String(text.to_owned()),
            Cell::Json(value) => value.clone(),
        }
    }
}

/// Reads a yes-or-no value: `true`/`false`, `yes`/`no`, `y`/`n`, `1`/`0`, any case.
pub(crate) fn parse_bool(cell: Cell<'_>) -> Option<bool> {
    if let Cell::Json(Value::Bool(b)) = cell {
        return Some(*b);
    }
    let text = cell.text()?;
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// The account's custom fields by key, read once.
#[derive(Debug, Clone, Default)]
pub(crate) struct FieldTypes(BTreeMap<String, CustomFieldType>);

impl FieldTypes {
    /// Reads the account's custom fields.
    pub(crate) fn fetch(client: &CliClient) -> Result<Self, Failure> {
        let fields = client
            .custom_fields()
            .list()
            .map_err(|e| Failure::from(e).context("reading the account's custom fields"))?;
        Ok(FieldTypes(
            fields
                .into_iter()
                .filter(|f| !f.key.is_empty())
                .map(|f| {
                    let kind = f
                        .field_type
                        .unwrap_or(CustomFieldType::Other(String::new()));
                    (f.key, kind)
                })
                .collect(),
        ))
    }

    /// Fields from a list of `(key, type)`, for tests.
    #[cfg(test)]
    pub(crate) fn of(fields: &[(&str, CustomFieldType)]) -> Self {
        FieldTypes(
            fields
                .iter()
                .map(|(k, t)| ((*k).to_owned(), t.clone()))
                .collect(),
        )
    }

    /// Whether the account has a custom field `name`.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// The keys, for messages.
    pub(crate) fn keys(&self) -> String {
        if self.0.is_empty() {
            return "the account has none".to_owned();
        }
        self.0.keys().cloned().collect::<Vec<_>>().join(", ")
    }

    /// Checks that `name` can be a custom property of this account.
    pub(crate) fn name(&self, name: &str) -> Result<PropertyName, String> {
        let property = PropertyName::new(name).map_err(|e| format!("`{name}`: {}", e.problem))?;
        if !self.contains(name) {
            return Err(format!(
                "`{name}` is neither a contact field nor a custom field of the account ({})",
                self.keys()
            ));
        }
        Ok(property)
    }

    /// Converts a non-empty `cell` to the type of the custom field `name`.
    pub(crate) fn convert(&self, name: &str, cell: Cell<'_>) -> Result<PropertyValue, String> {
        let kind = self.0.get(name).ok_or_else(|| {
            format!(
                "`{name}` is not a custom field of the account ({})",
                self.keys()
            )
        })?;
        let expected = |what: &str| format!("`{name}`: expected {what}");
        match kind {
            CustomFieldType::Number => number(cell).ok_or_else(|| expected("a number")),
            CustomFieldType::Boolean => parse_bool(cell)
                .map(PropertyValue::Bool)
                .ok_or_else(|| expected("true or false (also yes/no, 1/0)")),
            CustomFieldType::Date => date(cell).ok_or_else(|| {
                expected(
                    "a date: YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS[.sss]] (or with T) with an \
                     optional +HH:MM offset, or Unix milliseconds",
                )
            }),
            _ => cell
                .text()
                .map(|t| PropertyValue::String(t.into_owned()))
                .ok_or_else(|| expected("text, a number or a boolean")),
        }
    }
}

fn number(cell: Cell<'_>) -> Option<PropertyValue> {
    if let Cell::Json(Value::Number(n)) = cell {
        return Some(PropertyValue::Number(n.clone()));
    }
    let text = match cell {
        Cell::Text(text) => text,
        Cell::Json(Value::String(text)) => text.as_str(),
        Cell::Json(_) => return None,
    };
    let text = text.trim();
    if let Ok(n) = text.parse::<i64>() {
        return Some(PropertyValue::from(n));
    }
    if let Ok(n) = text.parse::<u64>() {
        return Some(PropertyValue::from(n));
    }
    // `f64` also reads "inf" and "NaN", which JSON cannot carry: `float` refuses them.
    let looks_numeric = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    if !looks_numeric {
        return None;
    }
    PropertyValue::float(text.parse::<f64>().ok()?).ok()
}

fn date(cell: Cell<'_>) -> Option<PropertyValue> {
    if let Cell::Json(Value::Number(n)) = cell {
        return n
            .as_i64()
            .map(|ms| PropertyValue::Date(PropertyDate::unix_millis(ms)));
    }
    let text = match cell {
        Cell::Text(text) => text,
        Cell::Json(Value::String(text)) => text.as_str(),
        Cell::Json(_) => return None,
    };
    let text = text.trim();
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<i64>()
            .ok()
            .map(|ms| PropertyValue::Date(PropertyDate::unix_millis(ms)));
    }
    PropertyDate::parse(text).ok().map(PropertyValue::Date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn account() -> FieldTypes {
        FieldTypes::of(&[
            ("plan", CustomFieldType::String),
            ("seats", CustomFieldType::Number),
            ("trial", CustomFieldType::Boolean),
            ("renewal_date", CustomFieldType::Date),
        ])
    }

    fn wire(value: PropertyValue) -> String {
        serde_json::to_string(&value).unwrap()
    }

    #[test]
    fn text_converts_by_the_field_type() {
        let f = account();
        let text = |name, text| f.convert(name, Cell::Text(text)).map(wire);
        assert_eq!(text("plan", "0042").unwrap(), r#""0042""#);
        assert_eq!(text("seats", " 12 ").unwrap(), "12");
        assert_eq!(text("seats", "2.5").unwrap(), "2.5");
        assert_eq!(text("trial", "Yes").unwrap(), "true");
        assert_eq!(text("trial", "0").unwrap(), "false");
        assert_eq!(
            text("renewal_date", "2025-02-28").unwrap(),
            r#""2025-02-28""#
        );
        assert_eq!(
            text("renewal_date", "1700000000000").unwrap(),
            "1700000000000"
        );
        for (name, bad) in [
            ("seats", "twelve"),
            ("seats", "inf"),
            ("seats", "NaN"),
            ("seats", "1,000"),
            ("trial", "maybe"),
            ("renewal_date", "2023-02-29"),
            ("renewal_date", "tomorrow"),
        ] {
            let message = text(name, bad).unwrap_err();
            assert!(
                message.starts_with(&format!("`{name}`: expected")),
                "{message}"
            );
            assert!(!message.contains(bad), "the value is echoed: {message}");
        }
        assert!(text("plann", "pro")
            .unwrap_err()
            .contains("plan, renewal_date, seats, trial"));
    }

    #[test]
    fn json_values_of_the_right_type_pass_and_text_converts() {
        let f = account();
        let json = |name, v: Value| f.convert(name, Cell::Json(&v)).map(wire);
        assert_eq!(json("seats", json!(3)).unwrap(), "3");
        assert_eq!(json("seats", json!("3")).unwrap(), "3");
        assert_eq!(json("trial", json!(true)).unwrap(), "true");
        assert_eq!(json("plan", json!(7)).unwrap(), r#""7""#);
        assert_eq!(json("renewal_date", json!(86_400_000)).unwrap(), "86400000");
        assert!(json("plan", json!({"a": 1})).is_err());
        assert!(json("seats", json!(true)).is_err());
    }

    #[test]
    fn empty_cells_are_skipped() {
        assert!(Cell::Text("  ").non_empty().is_none());
        assert!(Cell::Json(&Value::Null).non_empty().is_none());
        assert!(Cell::Json(&json!("")).non_empty().is_none());
        assert!(Cell::Json(&json!(0)).non_empty().is_some());
    }

    #[test]
    fn property_names_are_checked_against_the_account() {
        let f = account();
        assert!(f.name("plan").is_ok());
        assert!(f.name("teamId").unwrap_err().contains("reserved"));
        assert!(f
            .name("nickname")
            .unwrap_err()
            .contains("neither a contact field"));
    }
}
