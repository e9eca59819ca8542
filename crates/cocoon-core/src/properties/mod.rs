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

mod custom_properties;
mod date;
mod name;
mod value;

#[cfg(test)]
mod tests;

pub use custom_properties::CustomProperties;
#[cfg(test)]
pub(crate) use date::days_in_month;
pub use date::PropertyDate;
pub use name::{PropertyName, RESERVED_PROPERTY_NAMES, STANDARD_CONTACT_FIELDS};
pub use value::PropertyValue;
