//! A recipient of a transactional email and its contact details.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::setters::{list_setters, map_setters, text_setters};

/// A recipient of a [`SendMail`](super::SendMail) (`to[]`): an email address and optional contact
/// details, which also fill the contact when it is added to the audience.
///
/// ```
/// use cocoon_core::mail::Recipient;
/// let ada = Recipient::new("ada@example.com")
///     .first_name("Ada")
///     .last_name("Lovelace")
///     .attribute("plan", "pro")
///     .tag("vip");
/// let wire = serde_json::to_value(&ada)?;
/// assert_eq!(wire["attributes"]["plan"], "pro");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[must_use]
pub struct Recipient {
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    middle_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attributes: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    lists: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gender: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    age: Option<u32>,
    #[serde(rename = "Address1", skip_serializing_if = "Option::is_none")]
    address1: Option<String>,
    #[serde(rename = "Address2", skip_serializing_if = "Option::is_none")]
    address2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    designation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    company: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    industry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    anniversary_date: Option<String>,
}

impl Recipient {
    /// A recipient with only an email address.
    pub fn new(email: impl Into<String>) -> Self {
        Recipient {
            email: email.into(),
            name: None,
            first_name: None,
            middle_name: None,
            last_name: None,
            attributes: None,
            lists: Vec::new(),
            tags: Vec::new(),
            gender: None,
            age: None,
            address1: None,
            address2: None,
            city: None,
            state: None,
            country: None,
            postal_code: None,
            designation: None,
            company: None,
            industry: None,
            description: None,
            anniversary_date: None,
        }
    }

    /// The email address.
    pub fn email(&self) -> &str {
        &self.email
    }

    text_setters! {
        /// Sets the full name (`name`).
        name,
        /// Sets `first_name`.
        first_name,
        /// Sets `middle_name`.
        middle_name,
        /// Sets `last_name`.
        last_name,
    }

    map_setters! {
        /// Sets one entry of `attributes` (replacing an earlier value for `key`).
        attribute,
        /// Sets every entry of `attributes` in `attributes` (keeping earlier entries of other keys).
        attributes(attributes) => attributes,
    }

    list_setters! {
        /// Adds a mailing list to `lists`.
        list(list),
        /// Adds every one of `lists` to `lists`.
        lists(lists) => lists,
    }

    list_setters! {
        /// Adds a tag to `tags`.
        tag(tag),
        /// Adds every one of `tags` to `tags`.
        tags(tags) => tags,
    }

    text_setters! {
        /// Sets `gender`.
        gender,
    }

    /// Sets `age`.
    pub fn age(mut self, age: u32) -> Self {
        self.age = Some(age);
        self
    }

    text_setters! {
        /// Sets the first address line (`Address1` on the wire).
        address1,
        /// Sets the second address line (`Address2` on the wire).
        address2,
        /// Sets `city`.
        city,
        /// Sets `state`.
        state,
        /// Sets `country`.
        country,
        /// Sets `postal_code`.
        postal_code,
        /// Sets `designation` (job title).
        designation,
        /// Sets `company`.
        company,
        /// Sets `industry`.
        industry,
        /// Sets `description`.
        description,
        /// Sets `anniversary_date` (sent as given, e.g. `"2020-05-17"`).
        anniversary_date,
    }
}

impl From<&str> for Recipient {
    fn from(email: &str) -> Self {
        Recipient::new(email)
    }
}

impl From<String> for Recipient {
    fn from(email: String) -> Self {
        Recipient::new(email)
    }
}
