//! Contacts (API.md §4.12): create, update (upsert), find and delete.
//!
//! | request | route |
//! | --- | --- |
//! | [`CreateContact`] | `POST /webhook/contact/create` |
//! | [`UpdateContact`] | `PUT /webhook/contact/update` |
//! | [`FindContact`] | `GET /webhook/contact/find?email=` or `?userId=` |
//! | [`DeleteContact`] | `POST /webhook/contact/delete` |
//!
//! **All four routes are provisional**: the vendor describes these operations but publishes no
//! HTTP path, so the paths above are inferred from the documented `/webhook/<resource>/<action>`
//! convention. If the vendor's paths turn out different, remap them at run time with
//! [`crate::RouteTable::set`] (or [`crate::ConfigBuilder::route`]) without waiting for a release.
//!
//! Contact fields are camelCase on the wire (`firstName`, `userId`, `mailingLists`, ...);
//! answers are also read in snake_case. Custom properties ([`crate::properties`]) travel as
//! further top-level keys.

use serde::{Deserialize, Serialize};

use crate::error::InvalidInput;
use crate::wire::{check_email, check_not_blank};

mod delete;
mod find;
mod write;

#[cfg(test)]
mod tests;

pub use delete::{DeleteContact, DeleteContactResponse};
pub use find::{Contact, FindContact};
pub use write::{
    ContactField, CreateContact, CreateContactResponse, UpdateContact, UpdateContactResponse,
};

/// Which contact a request is about: exactly one of its email or its user id.
///
/// Serialises as `{"email": ...}` or `{"userId": ...}`. The API identifies a contact by these
/// two only, so the enum is exhaustive: a `match` on it needs no wildcard arm.
///
/// ```
/// use cocoon_core::contacts::ContactRef;
/// let by_email = ContactRef::email("ada@example.com");
/// assert_eq!(serde_json::to_string(&by_email)?, r#"{"email":"ada@example.com"}"#);
/// let by_id = ContactRef::user_id("u-42");
/// assert_eq!(serde_json::to_string(&by_id)?, r#"{"userId":"u-42"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ContactRef {
    /// The contact with this email address.
    #[serde(rename = "email")]
    Email(String),
    /// The contact with this user id (your system's id for the contact).
    #[serde(rename = "userId")]
    UserId(String),
}

impl ContactRef {
    /// The contact with this email address.
    pub fn email(email: impl Into<String>) -> Self {
        ContactRef::Email(email.into())
    }

    /// The contact with this user id.
    pub fn user_id(user_id: impl Into<String>) -> Self {
        ContactRef::UserId(user_id.into())
    }

    /// The wire name of the identifier: `email` or `userId`.
    pub fn field(&self) -> &'static str {
        match self {
            ContactRef::Email(_) => "email",
            ContactRef::UserId(_) => "userId",
        }
    }

    /// The identifier's value.
    pub fn value(&self) -> &str {
        match self {
            ContactRef::Email(v) | ContactRef::UserId(v) => v,
        }
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        match self {
            ContactRef::Email(email) => check_email("email", email),
            ContactRef::UserId(id) => check_not_blank("userId", id),
        }
    }
}
