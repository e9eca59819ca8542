//! A recipient of a transactional email and its contact details.

use serde::Serialize;
use serde_json::{Map, Value};

/// A recipient of a [`SendMail`](super::SendMail) (`to[]`): an email address and optional contact details, which
/// also fill the contact when it is added to the audience.
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    lists: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
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

    /// Sets the full name (`name`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets `first_name`.
    pub fn first_name(mut self, first_name: impl Into<String>) -> Self {
        self.first_name = Some(first_name.into());
        self
    }

    /// Sets `middle_name`.
    pub fn middle_name(mut self, middle_name: impl Into<String>) -> Self {
        self.middle_name = Some(middle_name.into());
        self
    }

    /// Sets `last_name`.
    pub fn last_name(mut self, last_name: impl Into<String>) -> Self {
        self.last_name = Some(last_name.into());
        self
    }

    /// Sets one entry of `attributes` (replacing an earlier value for `key`).
    pub fn attribute(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.attributes
            .get_or_insert_with(Map::new)
            .insert(key.into(), value.into());
        self
    }

    /// Sets every entry of `attributes` in `attributes` (keeping earlier entries of other keys).
    pub fn attributes(mut self, attributes: Map<String, Value>) -> Self {
        self.attributes
            .get_or_insert_with(Map::new)
            .extend(attributes);
        self
    }

    /// Adds a mailing list to `lists`.
    pub fn list(mut self, list: impl Into<String>) -> Self {
        self.lists.push(list.into());
        self
    }

    /// Adds every one of `lists` to `lists`.
    pub fn lists<I: IntoIterator<Item = S>, S: Into<String>>(mut self, lists: I) -> Self {
        self.lists.extend(lists.into_iter().map(Into::into));
        self
    }

    /// Adds a tag to `tags`.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Adds every one of `tags` to `tags`.
    pub fn tags<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tags: I) -> Self {
        self.tags.extend(tags.into_iter().map(Into::into));
        self
    }

    /// Sets `gender`.
    pub fn gender(mut self, gender: impl Into<String>) -> Self {
        self.gender = Some(gender.into());
        self
    }

    /// Sets `age`.
    pub fn age(mut self, age: u32) -> Self {
        self.age = Some(age);
        self
    }

    /// Sets the first address line (`Address1` on the wire).
    pub fn address1(mut self, address1: impl Into<String>) -> Self {
        self.address1 = Some(address1.into());
        self
    }

    /// Sets the second address line (`Address2` on the wire).
    pub fn address2(mut self, address2: impl Into<String>) -> Self {
        self.address2 = Some(address2.into());
        self
    }

    /// Sets `city`.
    pub fn city(mut self, city: impl Into<String>) -> Self {
        self.city = Some(city.into());
        self
    }

    /// Sets `state`.
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// Sets `country`.
    pub fn country(mut self, country: impl Into<String>) -> Self {
        self.country = Some(country.into());
        self
    }

    /// Sets `postal_code`.
    pub fn postal_code(mut self, postal_code: impl Into<String>) -> Self {
        self.postal_code = Some(postal_code.into());
        self
    }

    /// Sets `designation` (job title).
    pub fn designation(mut self, designation: impl Into<String>) -> Self {
        self.designation = Some(designation.into());
        self
    }

    /// Sets `company`.
    pub fn company(mut self, company: impl Into<String>) -> Self {
        self.company = Some(company.into());
        self
    }

    /// Sets `industry`.
    pub fn industry(mut self, industry: impl Into<String>) -> Self {
        self.industry = Some(industry.into());
        self
    }

    /// Sets `description`.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets `anniversary_date` (sent as given, e.g. `"2020-05-17"`).
    pub fn anniversary_date(mut self, anniversary_date: impl Into<String>) -> Self {
        self.anniversary_date = Some(anniversary_date.into());
        self
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
