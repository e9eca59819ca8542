//! The data a server starts with: mailing lists and custom fields (API.md §4.13, §4.14).

use serde_json::{json, Value};

/// A mailing list the server knows (API.md §4.13), seeded with
/// [`MockBuilder::mailing_lists`](crate::MockBuilder::mailing_lists).
///
/// ```
/// use cocoon_mock::MailingList;
/// let list = MailingList::new("cl_vip_0003", "VIP customers")
///     .description("Early access")
///     .public(true);
/// assert_eq!(list.id, "cl_vip_0003");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MailingList {
    /// The id contacts refer to in `mailingLists`.
    pub id: String,
    /// The display name.
    pub name: String,
    /// The description (`null` on the wire when `None`).
    pub description: Option<String>,
    /// Whether contacts may subscribe themselves (`isPublic`).
    pub is_public: bool,
}

impl MailingList {
    /// A private list without a description.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        MailingList {
            id: id.into(),
            name: name.into(),
            description: None,
            is_public: false,
        }
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets whether the list is public.
    #[must_use]
    pub fn public(mut self, is_public: bool) -> Self {
        self.is_public = is_public;
        self
    }

    /// The lists every server starts with unless others are seeded: `cl_newsletter_0001`
    /// (public, "Newsletter") and `cl_beta_0002` (private, "Beta testers").
    pub fn defaults() -> Vec<MailingList> {
        vec![
            MailingList::new("cl_newsletter_0001", "Newsletter")
                .description("Monthly product news")
                .public(true),
            MailingList::new("cl_beta_0002", "Beta testers"),
        ]
    }

    fn to_json(&self) -> Value {
        json!({"id": self.id, "name": self.name, "description": self.description, "isPublic": self.is_public})
    }
}

/// The type of a custom field (API.md §4.14); contact properties of a seeded field are
/// type-checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldType {
    /// A JSON string.
    String,
    /// A JSON number.
    Number,
    /// A JSON boolean.
    Boolean,
    /// Unix milliseconds (an integer) or `YYYY-MM-DD[( |T)HH:MM[:SS[.sss]]][±HH:MM]`.
    Date,
}

impl FieldType {
    /// The wire name: `string`, `number`, `boolean` or `date`.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
        }
    }
}

/// A custom contact field the server knows (API.md §4.14), seeded with
/// [`MockBuilder::custom_fields`](crate::MockBuilder::custom_fields).
///
/// ```
/// use cocoon_mock::{CustomField, FieldType};
/// let field = CustomField::new("company_size", "Company size", FieldType::Number);
/// assert_eq!(field.kind.as_str(), "number");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CustomField {
    /// The property name on contacts.
    pub key: String,
    /// The display label.
    pub label: String,
    /// The value type.
    pub kind: FieldType,
}

impl CustomField {
    /// A field with this key, label and type.
    pub fn new(key: impl Into<String>, label: impl Into<String>, kind: FieldType) -> Self {
        CustomField {
            key: key.into(),
            label: label.into(),
            kind,
        }
    }

    /// The fields every server starts with unless others are seeded: `plan` (string),
    /// `seats` (number), `trial` (boolean) and `renewal_date` (date).
    pub fn defaults() -> Vec<CustomField> {
        vec![
            CustomField::new("plan", "Plan", FieldType::String),
            CustomField::new("seats", "Seats", FieldType::Number),
            CustomField::new("trial", "Trial", FieldType::Boolean),
            CustomField::new("renewal_date", "Renewal date", FieldType::Date),
        ]
    }
}

/// The seeded lists and fields of one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seed {
    pub(crate) mailing_lists: Vec<MailingList>,
    pub(crate) custom_fields: Vec<CustomField>,
}

impl Default for Seed {
    fn default() -> Self {
        Seed {
            mailing_lists: MailingList::defaults(),
            custom_fields: CustomField::defaults(),
        }
    }
}

impl Seed {
    /// Whether `id` names a seeded mailing list.
    pub(crate) fn is_known_list(&self, id: &str) -> bool {
        self.mailing_lists.iter().any(|l| l.id == id)
    }

    /// The declared type of a seeded custom field.
    pub(crate) fn custom_field_type(&self, key: &str) -> Option<FieldType> {
        self.custom_fields
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.kind)
    }

    pub(crate) fn mailing_lists_json(&self) -> Value {
        Value::Array(
            self.mailing_lists
                .iter()
                .map(MailingList::to_json)
                .collect(),
        )
    }

    pub(crate) fn custom_fields_json(&self) -> Value {
        Value::Array(
            self.custom_fields
                .iter()
                .map(|f| json!({"key": f.key, "label": f.label, "type": f.kind.as_str()}))
                .collect(),
        )
    }

    /// Why this seed cannot be served: a duplicate id or key, an empty one, or a custom
    /// field with a reserved name.
    pub(crate) fn check(&self) -> Result<(), String> {
        for (i, list) in self.mailing_lists.iter().enumerate() {
            if list.id.is_empty() {
                return Err("mailing list ids must not be empty".to_owned());
            }
            if self.mailing_lists[..i].iter().any(|l| l.id == list.id) {
                return Err(format!("mailing list id {:?} is seeded twice", list.id));
            }
        }
        for (i, field) in self.custom_fields.iter().enumerate() {
            if field.key.is_empty() {
                return Err("custom field keys must not be empty".to_owned());
            }
            if self.custom_fields[..i].iter().any(|f| f.key == field.key) {
                return Err(format!("custom field {:?} is seeded twice", field.key));
            }
            if crate::api::RESERVED_PROPERTIES.contains(&field.key.as_str()) {
                return Err(format!(
                    "{:?} is a reserved property name and cannot be a custom field",
                    field.key
                ));
            }
        }
        Ok(())
    }
}
