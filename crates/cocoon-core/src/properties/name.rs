//! The name of a custom contact property, and the names it may not take.

use std::borrow::Borrow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

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

impl<'de> Deserialize<'de> for PropertyName {
    /// Checks the name as [`PropertyName::new`] does.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        PropertyName::new(String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
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
