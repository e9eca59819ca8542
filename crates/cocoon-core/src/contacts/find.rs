//! Finding a contact, and the contact the API returns.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ContactRef;
use crate::endpoint::{Endpoint, Query, Target};
use crate::error::InvalidInput;
use crate::route::Operation;

/// `GET /webhook/contact/find?email=` or `?userId=` (provisional route): finds a contact.
///
/// Answered by the matching contacts (an empty list when none matches).
///
/// ```
/// use cocoon_core::contacts::{ContactRef, FindContact};
/// use cocoon_core::{build_request, ApiKey, Config};
/// let config = Config::new(ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?);
/// let find = FindContact::new(ContactRef::email("ada+news@example.com"));
/// let request = build_request(&config, &find)?;
/// assert_eq!(
///     request.uri().path_and_query().unwrap().as_str(),
///     "/webhook/contact/find?email=ada%2Bnews%40example.com"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FindContact {
    contact: ContactRef,
}

impl FindContact {
    /// Finds the contact identified by `contact`.
    pub fn new(contact: ContactRef) -> Self {
        FindContact { contact }
    }
}

impl Endpoint for FindContact {
    type Output = Vec<Contact>;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::FindContact)
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        self.contact.validate()
    }

    fn query(&self, query: &mut Query<'_>) {
        query.push(self.contact.field(), self.contact.value());
    }
}

/// A contact as the API returns it.
///
/// Read leniently: camelCase or snake_case names (`firstName` or `first_name`, ...), an `id`
/// (or `userId`) sent as a string or a number, missing fields, `null` mailing lists. Every
/// key not listed here lands in [`Contact::custom_properties`]: the account's custom
/// properties, and any metadata the server adds (such as `updatedAt`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct Contact {
    /// The contact's id in Cocoonmail (empty when absent).
    #[serde(deserialize_with = "crate::wire::string")]
    pub id: String,
    /// The email address (empty when absent).
    #[serde(deserialize_with = "crate::wire::string")]
    pub email: String,
    /// `firstName`.
    #[serde(alias = "first_name")]
    pub first_name: Option<String>,
    /// `lastName`.
    #[serde(alias = "last_name")]
    pub last_name: Option<String>,
    /// `source`.
    pub source: Option<String>,
    /// `subscribed`.
    pub subscribed: Option<bool>,
    /// `userGroup`.
    #[serde(alias = "user_group")]
    pub user_group: Option<String>,
    /// `userId` (your system's id for the contact).
    #[serde(alias = "user_id", deserialize_with = "crate::wire::opt_string")]
    pub user_id: Option<String>,
    /// Mailing list id → subscribed.
    #[serde(
        alias = "mailing_lists",
        deserialize_with = "crate::wire::null_as_default"
    )]
    pub mailing_lists: BTreeMap<String, bool>,
    /// Every other key, as sent.
    #[serde(flatten)]
    pub custom_properties: BTreeMap<String, serde_json::Value>,
}

impl<'de> serde::Deserialize<'de> for FindContact {
    /// `{"email": ...}` or `{"userId": ...}`, checked as before sending.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let request = FindContact::new(ContactRef::deserialize(deserializer)?);
        request.validate().map_err(serde::de::Error::custom)?;
        Ok(request)
    }
}
