//! Writing contacts: creating one, and updating one (creating it when none matches).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ContactRef;
use crate::checked::checked_request;
use crate::endpoint::{json_body, Endpoint, Target};
use crate::error::{Error, InvalidInput};
use crate::properties::{CustomProperties, PropertyName, PropertyValue};
use crate::route::Operation;
use crate::setters::{flag_setters, text_setters};
use crate::wire::{check_email, check_not_blank};

/// The mailing-list and custom-property setters that creating and updating a contact share.
macro_rules! lists_and_properties {
    () => {
        /// Subscribes the contact to the mailing list `list_id` (`mailingLists.<id>: true`).
        pub fn subscribe_to(mut self, list_id: impl Into<String>) -> Self {
            self.mailing_lists.insert(list_id.into(), true);
            self
        }

        /// Marks the contact unsubscribed from the mailing list `list_id`
        /// (`mailingLists.<id>: false`).
        pub fn unsubscribe_from(mut self, list_id: impl Into<String>) -> Self {
            self.mailing_lists.insert(list_id.into(), false);
            self
        }

        /// Sets the custom property `name` ([`PropertyValue::Null`] clears it on an update).
        pub fn property(mut self, name: PropertyName, value: impl Into<PropertyValue>) -> Self {
            self.properties.insert(name, value);
            self
        }

        /// Checks `name` (see [`PropertyName`]) and sets the custom property.
        pub fn try_property(
            mut self,
            name: &str,
            value: impl Into<PropertyValue>,
        ) -> Result<Self, InvalidInput> {
            self.properties.try_insert(name, value)?;
            Ok(self)
        }

        /// Adds every custom property of `properties`.
        pub fn properties(mut self, properties: CustomProperties) -> Self {
            self.properties.extend(properties);
            self
        }
    };
}

checked_request! {
/// `POST /webhook/contact/create` (provisional route): creates a contact.
///
/// Answered by [`CreateContactResponse`]; an email that already exists ends in
/// [`crate::Error::Conflict`] (409).
///
/// ```
/// use cocoon_core::contacts::CreateContact;
/// use cocoon_core::{build_request, ApiKey, Config};
/// let config = Config::new(ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?);
/// let create = CreateContact::new("ada@example.com")
///     .first_name("Ada")
///     .user_id("u-42")
///     .subscribe_to("list-news")
///     .try_property("plan", "pro")?;
/// let request = build_request(&config, &create)?;
/// assert_eq!(request.uri().path(), "/webhook/contact/create");
/// assert_eq!(
///     request.body().as_slice(),
///     br#"{"email":"ada@example.com","firstName":"Ada","userId":"u-42","mailingLists":{"list-news":true},"plan":"pro"}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CreateContactJson")]
#[must_use]
pub struct CreateContact via CreateContactJson
#[serde(rename_all = "camelCase")]
twin {}
{
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subscribed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    mailing_lists: BTreeMap<String, bool>,
    #[serde(flatten)]
    properties: CustomProperties,
}
}

impl CreateContact {
    /// A contact with this email address (required).
    pub fn new(email: impl Into<String>) -> Self {
        CreateContact {
            email: email.into(),
            first_name: None,
            last_name: None,
            source: None,
            subscribed: None,
            user_group: None,
            user_id: None,
            mailing_lists: BTreeMap::new(),
            properties: CustomProperties::new(),
        }
    }

    text_setters! {
        /// Sets `firstName`.
        first_name,
        /// Sets `lastName`.
        last_name,
        /// Sets `source` (where the contact came from).
        source,
    }

    flag_setters! {
        /// Sets `subscribed`.
        subscribed,
    }

    text_setters! {
        /// Sets `userGroup`.
        user_group,
        /// Sets `userId` (your system's id for the contact).
        user_id,
    }

    lists_and_properties!();
}

impl Endpoint for CreateContact {
    type Output = CreateContactResponse;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::CreateContact)
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        check_email("email", &self.email)?;
        if let Some(user_id) = &self.user_id {
            check_not_blank("userId", user_id)?;
        }
        check_list_ids(&self.mailing_lists)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        json_body(self)
    }
}

/// A standard contact field that [`UpdateContact::clear`] can set to `null`.
///
/// `email` and `userId` identify the contact and `subscribed` is a yes-or-no state, so they
/// cannot be cleared; custom properties are cleared with [`UpdateContact::clear_property`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ContactField {
    /// `firstName`.
    FirstName,
    /// `lastName`.
    LastName,
    /// `source`.
    Source,
    /// `userGroup`.
    UserGroup,
}

impl ContactField {
    /// The field's wire name.
    pub fn wire_name(self) -> &'static str {
        match self {
            ContactField::FirstName => "firstName",
            ContactField::LastName => "lastName",
            ContactField::Source => "source",
            ContactField::UserGroup => "userGroup",
        }
    }
}

checked_request! {
/// `PUT /webhook/contact/update` (provisional route): updates a contact, creating it when
/// none matches.
///
/// The contact is identified by its email ([`UpdateContact::by_email`]) or its user id
/// ([`UpdateContact::by_user_id`]); both may be sent. To change a contact's email, identify
/// it by user id and set the new address with [`UpdateContact::email`]. Every field left
/// untouched is not sent (the server keeps it); [`UpdateContact::clear`] and
/// [`UpdateContact::clear_property`] send `null`, which clears it. Answered by
/// [`UpdateContactResponse`].
///
/// ```
/// use cocoon_core::contacts::{ContactField, UpdateContact};
/// use cocoon_core::{build_request, ApiKey, Config};
/// let config = Config::new(ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?);
/// // Change the email of the contact whose userId is u-42, and forget its last name.
/// let update = UpdateContact::by_user_id("u-42")
///     .email("ada.lovelace@example.com")
///     .clear(ContactField::LastName)
///     .try_property("plan", "enterprise")?;
/// let request = build_request(&config, &update)?;
/// assert_eq!(request.method(), http::Method::PUT);
/// assert_eq!(
///     request.body().as_slice(),
///     br#"{"email":"ada.lovelace@example.com","userId":"u-42","lastName":null,"plan":"enterprise"}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "UpdateContactJson")]
#[must_use]
pub struct UpdateContact via UpdateContactJson
#[serde(rename_all = "camelCase")]
twin {}
{
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::checked::nullable"
    )]
    first_name: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::checked::nullable"
    )]
    last_name: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::checked::nullable"
    )]
    source: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subscribed: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::checked::nullable"
    )]
    user_group: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    mailing_lists: BTreeMap<String, bool>,
    #[serde(flatten)]
    properties: CustomProperties,
}
}

impl UpdateContact {
    /// Updates the contact identified by `contact`.
    pub fn new(contact: ContactRef) -> Self {
        let (email, user_id) = match contact {
            ContactRef::Email(email) => (Some(email), None),
            ContactRef::UserId(id) => (None, Some(id)),
        };
        UpdateContact {
            email,
            user_id,
            first_name: None,
            last_name: None,
            source: None,
            subscribed: None,
            user_group: None,
            mailing_lists: BTreeMap::new(),
            properties: CustomProperties::new(),
        }
    }

    /// Updates the contact with this email (created with it when none matches).
    pub fn by_email(email: impl Into<String>) -> Self {
        UpdateContact::new(ContactRef::Email(email.into()))
    }

    /// Updates the contact with this user id (created with it when none matches).
    pub fn by_user_id(user_id: impl Into<String>) -> Self {
        UpdateContact::new(ContactRef::UserId(user_id.into()))
    }

    text_setters! {
        /// Sends `email`. On an update [by user id](UpdateContact::by_user_id) this changes the
        /// contact's email address; on one [by email](UpdateContact::by_email) it replaces the
        /// address the contact is looked up by.
        email,
        /// Sends `userId`. On an update [by email](UpdateContact::by_email) this gives the
        /// contact a user id; on one [by user id](UpdateContact::by_user_id) it replaces the id the
        /// contact is looked up by.
        user_id,
    }

    /// Sets `firstName`.
    pub fn first_name(mut self, first_name: impl Into<String>) -> Self {
        self.first_name = Some(Some(first_name.into()));
        self
    }

    /// Sets `lastName`.
    pub fn last_name(mut self, last_name: impl Into<String>) -> Self {
        self.last_name = Some(Some(last_name.into()));
        self
    }

    /// Sets `source`.
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(Some(source.into()));
        self
    }

    flag_setters! {
        /// Sets `subscribed`.
        subscribed,
    }

    /// Sets `userGroup`.
    pub fn user_group(mut self, user_group: impl Into<String>) -> Self {
        self.user_group = Some(Some(user_group.into()));
        self
    }

    /// Clears a standard field: sends it as `null`.
    pub fn clear(mut self, field: ContactField) -> Self {
        let slot = match field {
            ContactField::FirstName => &mut self.first_name,
            ContactField::LastName => &mut self.last_name,
            ContactField::Source => &mut self.source,
            ContactField::UserGroup => &mut self.user_group,
        };
        *slot = Some(None);
        self
    }

    lists_and_properties!();

    /// Clears the custom property `name`: sends it as `null`.
    pub fn clear_property(self, name: PropertyName) -> Self {
        self.property(name, PropertyValue::Null)
    }
}

impl Endpoint for UpdateContact {
    type Output = UpdateContactResponse;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::UpdateContact)
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        if self.email.is_none() && self.user_id.is_none() {
            return Err(InvalidInput::new(
                "email",
                "the contact is identified by `email` or `userId`: give at least one",
            ));
        }
        if let Some(email) = &self.email {
            check_email("email", email)?;
        }
        if let Some(user_id) = &self.user_id {
            check_not_blank("userId", user_id)?;
        }
        check_list_ids(&self.mailing_lists)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        json_body(self)
    }
}

/// The answer to [`CreateContact`]: `success` and the created contact's `id`.
pub type CreateContactResponse = crate::answers::IdAcknowledgement;

/// The answer to [`UpdateContact`]: `success` and the updated (or created) contact's `id`.
pub type UpdateContactResponse = crate::answers::IdAcknowledgement;

fn check_list_ids(lists: &BTreeMap<String, bool>) -> Result<(), InvalidInput> {
    if lists.keys().any(|id| id.trim().is_empty()) {
        return Err(InvalidInput::new(
            "mailingLists",
            "a mailing list id must not be empty",
        ));
    }
    Ok(())
}
