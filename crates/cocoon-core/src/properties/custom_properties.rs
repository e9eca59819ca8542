//! The custom properties of a contact, as one map.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{PropertyName, PropertyValue};
use crate::error::InvalidInput;

/// Custom properties of a contact, ordered by name.
///
/// Read from JSON, every name is checked as [`PropertyName::new`] does, and every value is a
/// string, a number, a boolean or `null` (a date arrives as one of these).
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
