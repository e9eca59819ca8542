//! Custom contact fields (API.md §4.14): [`ListCustomFields`], `GET /webhook/custom_field/list`.
//!
//! **The route is provisional**: the vendor describes the operation but publishes no HTTP
//! path, so the path is inferred from the documented `/webhook/<resource>/<action>`
//! convention. If the vendor's path turns out different, remap it at run time with
//! [`crate::RouteTable::set`] (or [`crate::ConfigBuilder::route`]).
//!
//! A field's `key` is the name to set it by on a contact (see [`crate::properties`]).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::endpoint::{Endpoint, Target};
use crate::route::Operation;

/// `GET /webhook/custom_field/list` (provisional route): the account's custom contact fields.
///
/// Answered by every [`CustomField`] (an empty list when there are none).
///
/// ```
/// use cocoon_core::custom_fields::ListCustomFields;
/// use cocoon_core::{build_request, ApiKey, Config};
/// let config = Config::new(ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?);
/// let request = build_request(&config, &ListCustomFields::new())?;
/// assert_eq!(request.method(), http::Method::GET);
/// assert_eq!(request.uri().path(), "/webhook/custom_field/list");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListCustomFields {}

impl ListCustomFields {
    /// The request (it has no parameters).
    pub fn new() -> Self {
        ListCustomFields {}
    }
}

impl Endpoint for ListCustomFields {
    type Output = Vec<CustomField>;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::ListCustomFields)
    }
}

/// A custom contact field.
///
/// Read leniently: missing fields read as empty or `None`, unknown fields are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CustomField {
    /// The property name to set it by on a contact (empty when absent).
    #[serde(deserialize_with = "crate::wire::null_as_default")]
    pub key: String,
    /// The name shown in the dashboard (empty when absent).
    #[serde(deserialize_with = "crate::wire::null_as_default")]
    pub label: String,
    /// The kind of value it holds (`type` on the wire), when given.
    #[serde(rename = "type")]
    pub field_type: Option<CustomFieldType>,
}

/// The kind of value a custom field holds.
///
/// The documented kinds are `string`, `number`, `boolean` and `date`; the set is treated as
/// open, so any other value is kept as [`CustomFieldType::Other`] rather than failing the
/// whole answer. Matching is exact (lowercase, as documented). New known kinds may become
/// variants in a later release, hence `#[non_exhaustive]`.
///
/// ```
/// use cocoon_core::custom_fields::CustomFieldType;
/// let kind: CustomFieldType = serde_json::from_str(r#""date""#)?;
/// assert_eq!(kind, CustomFieldType::Date);
/// let other: CustomFieldType = serde_json::from_str(r#""list""#)?;
/// assert_eq!(other, CustomFieldType::Other("list".into()));
/// assert_eq!(other.as_str(), "list");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CustomFieldType {
    /// `string`.
    String,
    /// `number`.
    Number,
    /// `boolean`.
    Boolean,
    /// `date`.
    Date,
    /// A kind this SDK does not know, as sent.
    Other(String),
}

impl CustomFieldType {
    /// The kind as sent on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            CustomFieldType::String => "string",
            CustomFieldType::Number => "number",
            CustomFieldType::Boolean => "boolean",
            CustomFieldType::Date => "date",
            CustomFieldType::Other(other) => other,
        }
    }
}

impl From<String> for CustomFieldType {
    fn from(value: String) -> Self {
        match value.as_str() {
            "string" => CustomFieldType::String,
            "number" => CustomFieldType::Number,
            "boolean" => CustomFieldType::Boolean,
            "date" => CustomFieldType::Date,
            _ => CustomFieldType::Other(value),
        }
    }
}

impl From<&str> for CustomFieldType {
    fn from(value: &str) -> Self {
        CustomFieldType::from(value.to_owned())
    }
}

impl fmt::Display for CustomFieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CustomFieldType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CustomFieldType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(CustomFieldType::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{answer, wire};

    #[test]
    fn request_is_a_bodyless_get() {
        let sent = wire(&ListCustomFields::new());
        assert_eq!(sent.method, "GET");
        assert_eq!(sent.path, "/webhook/custom_field/list");
        assert_eq!(sent.body, "");
    }

    #[test]
    fn decodes_every_documented_type_and_keeps_unknown_ones() {
        let fields = answer(
            &ListCustomFields::new(),
            200,
            r#"[{"key": "plan", "label": "Plan", "type": "string"},
                {"key": "seats", "label": "Seats", "type": "number"},
                {"key": "trial", "label": "On trial", "type": "boolean"},
                {"key": "renewsOn", "label": "Renews on", "type": "date"},
                {"key": "tags", "label": "Tags", "type": "multi_select", "id": 5},
                {"key": "legacy", "type": null},
                {}]"#,
        )
        .unwrap();
        let kinds: Vec<_> = fields.iter().map(|f| f.field_type.clone()).collect();
        assert_eq!(
            kinds,
            [
                Some(CustomFieldType::String),
                Some(CustomFieldType::Number),
                Some(CustomFieldType::Boolean),
                Some(CustomFieldType::Date),
                Some(CustomFieldType::Other("multi_select".into())),
                None,
                None,
            ]
        );
        assert_eq!(fields[0].key, "plan");
        assert_eq!(fields[0].label, "Plan");
        assert_eq!(fields[5].label, "");
        assert_eq!(fields[6], CustomField::default());
        assert!(answer(&ListCustomFields::new(), 200, "[]")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn types_serialise_back_as_sent() {
        for text in ["string", "number", "boolean", "date", "Date", "json"] {
            let kind = CustomFieldType::from(text);
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{text}\""));
        }
        assert_eq!(
            CustomFieldType::from("Date"),
            CustomFieldType::Other("Date".into())
        );
    }
}
