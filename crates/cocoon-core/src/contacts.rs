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

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::endpoint::{json_body, Endpoint, Query, Target};
use crate::error::{Error, InvalidInput};
use crate::properties::{CustomProperties, PropertyName, PropertyValue};
use crate::route::Operation;
use crate::wire::{check_email, check_not_blank};

/// Which contact a request is about: exactly one of its email or its user id.
///
/// Serialises as `{"email": ...}` or `{"userId": ...}`.
///
/// ```
/// use cocoon_core::contacts::ContactRef;
/// let by_email = ContactRef::email("ada@example.com");
/// assert_eq!(serde_json::to_string(&by_email)?, r#"{"email":"ada@example.com"}"#);
/// let by_id = ContactRef::user_id("u-42");
/// assert_eq!(serde_json::to_string(&by_id)?, r#"{"userId":"u-42"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[must_use]
pub struct CreateContact {
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
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    mailing_lists: BTreeMap<String, bool>,
    #[serde(flatten)]
    properties: CustomProperties,
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

    /// Sets `firstName`.
    pub fn first_name(mut self, first_name: impl Into<String>) -> Self {
        self.first_name = Some(first_name.into());
        self
    }

    /// Sets `lastName`.
    pub fn last_name(mut self, last_name: impl Into<String>) -> Self {
        self.last_name = Some(last_name.into());
        self
    }

    /// Sets `source` (where the contact came from).
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Sets `subscribed`.
    pub fn subscribed(mut self, subscribed: bool) -> Self {
        self.subscribed = Some(subscribed);
        self
    }

    /// Sets `userGroup`.
    pub fn user_group(mut self, user_group: impl Into<String>) -> Self {
        self.user_group = Some(user_group.into());
        self
    }

    /// Sets `userId` (your system's id for the contact).
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
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
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[must_use]
pub struct UpdateContact {
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subscribed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_group: Option<Option<String>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    mailing_lists: BTreeMap<String, bool>,
    #[serde(flatten)]
    properties: CustomProperties,
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

    /// Sends `email`. On an update [by user id](UpdateContact::by_user_id) this changes the
    /// contact's email address; on one [by email](UpdateContact::by_email) it replaces the
    /// address the contact is looked up by.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Sends `userId`. On an update [by email](UpdateContact::by_email) this gives the
    /// contact a user id; on one [by user id](UpdateContact::by_user_id) it replaces the id the
    /// contact is looked up by.
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
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

    /// Sets `subscribed`.
    pub fn subscribed(mut self, subscribed: bool) -> Self {
        self.subscribed = Some(subscribed);
        self
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

/// `POST /webhook/contact/delete` (provisional route): deletes a contact.
///
/// The body is `{"email": ...}` or `{"userId": ...}`. Answered by [`DeleteContactResponse`]; an
/// unknown contact ends in [`crate::Error::NotFound`] (404).
///
/// ```
/// use cocoon_core::contacts::{ContactRef, DeleteContact};
/// use cocoon_core::{build_request, ApiKey, Config};
/// let config = Config::new(ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?);
/// let delete = DeleteContact::new(ContactRef::user_id("u-42"));
/// let request = build_request(&config, &delete)?;
/// assert_eq!(request.body().as_slice(), br#"{"userId":"u-42"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DeleteContact {
    contact: ContactRef,
}

impl DeleteContact {
    /// Deletes the contact identified by `contact`.
    pub fn new(contact: ContactRef) -> Self {
        DeleteContact { contact }
    }
}

impl Endpoint for DeleteContact {
    type Output = DeleteContactResponse;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::DeleteContact)
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        self.contact.validate()
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        json_body(self)
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

/// The answer to [`CreateContact`]: `success` and the created contact's `id`.
pub type CreateContactResponse = crate::answers::IdAcknowledgement;

/// The answer to [`UpdateContact`]: `success` and the updated (or created) contact's `id`.
pub type UpdateContactResponse = crate::answers::IdAcknowledgement;

/// The answer to [`DeleteContact`]: `success` and `message`, e.g. `"Contact deleted."`.
pub type DeleteContactResponse = crate::answers::Acknowledgement;

fn check_list_ids(lists: &BTreeMap<String, bool>) -> Result<(), InvalidInput> {
    if lists.keys().any(|id| id.trim().is_empty()) {
        return Err(InvalidInput::new(
            "mailingLists",
            "a mailing list id must not be empty",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::properties::PropertyDate;
    use crate::test_support::{answer, wire};
    use serde_json::json;

    fn body_json(body: &str) -> serde_json::Value {
        serde_json::from_str(body).unwrap()
    }

    #[test]
    fn create_sends_camel_case_fields_lists_and_custom_properties_at_top_level() {
        let create = CreateContact::new("ada@example.com")
            .first_name("Ada")
            .last_name("Lovelace")
            .source("signup form")
            .subscribed(true)
            .user_group("founders")
            .user_id("u-42")
            .subscribe_to("news")
            .unsubscribe_from("offers")
            .property(PropertyName::new("plan").unwrap(), "pro")
            .try_property("seats", 3)
            .unwrap()
            .try_property("renewsOn", PropertyDate::parse("2025-01-31").unwrap())
            .unwrap()
            .try_property("signedUpAt", PropertyDate::unix_millis(1_700_000_000_000))
            .unwrap();
        let sent = wire(&create);
        assert_eq!(sent.method, "POST");
        assert_eq!(sent.path, "/webhook/contact/create");
        assert_eq!(
            sent.body,
            concat!(
                r#"{"email":"ada@example.com","firstName":"Ada","lastName":"Lovelace","#,
                r#""source":"signup form","subscribed":true,"userGroup":"founders","userId":"u-42","#,
                r#""mailingLists":{"news":true,"offers":false},"#,
                r#""plan":"pro","renewsOn":"2025-01-31","seats":3,"signedUpAt":1700000000000}"#
            )
        );
    }

    #[test]
    fn create_with_only_an_email_sends_only_the_email() {
        let sent = wire(&CreateContact::new("a+b@example.com"));
        assert_eq!(sent.body, r#"{"email":"a+b@example.com"}"#);
    }

    #[test]
    fn create_answer_decodes_with_string_or_numeric_id() {
        let create = CreateContact::new("ada@example.com");
        let saved = answer(&create, 200, r#"{"success": true, "id": "cl1x9"}"#).unwrap();
        assert_eq!(saved.success, Some(true));
        assert_eq!(saved.id.as_deref(), Some("cl1x9"));
        let saved = answer(
            &create,
            200,
            r#"{"success": true, "id": 1234, "extra": [1]}"#,
        )
        .unwrap();
        assert_eq!(saved.id.as_deref(), Some("1234"));
        let saved = answer(&create, 200, r#"{"success": true}"#).unwrap();
        assert_eq!(saved.id, None);
    }

    #[test]
    fn create_of_an_existing_email_is_a_conflict() {
        let create = CreateContact::new("ada@example.com");
        let err = answer(
            &create,
            409,
            r#"{"success": false, "message": "Contact already exists"}"#,
        )
        .unwrap_err();
        match err {
            Error::Conflict(api) => {
                assert_eq!(api.message.as_deref(), Some("Contact already exists"))
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
    }

    #[test]
    fn create_refuses_bad_emails_and_ids_before_sending() {
        let config = crate::test_support::config();
        for (create, field) in [
            (CreateContact::new(""), "email"),
            (CreateContact::new("  "), "email"),
            (CreateContact::new("ada.example.com"), "email"),
            (CreateContact::new("ada@"), "email"),
            (CreateContact::new("a@x.io").user_id(""), "userId"),
            (
                CreateContact::new("a@x.io").subscribe_to(" "),
                "mailingLists",
            ),
        ] {
            match crate::build_request(&config, &create) {
                Err(Error::InvalidInput(e)) => assert_eq!(e.field, field, "{create:?}"),
                other => panic!("{create:?} was not refused: {other:?}"),
            }
        }
        let err = CreateContact::new("a@x.io")
            .try_property("listId", "l1")
            .unwrap_err();
        assert_eq!(err.field, "listId");
        let err = CreateContact::new("a@x.io")
            .try_property("firstName", "Ada")
            .unwrap_err();
        assert_eq!(err.field, "firstName");
    }

    #[test]
    fn update_by_email_sets_and_clears_fields_with_null() {
        let update = UpdateContact::by_email("ada@example.com")
            .first_name("Ada")
            .clear(ContactField::LastName)
            .clear(ContactField::Source)
            .clear(ContactField::UserGroup)
            .subscribed(false)
            .unsubscribe_from("news")
            .try_property("plan", PropertyValue::Null)
            .unwrap()
            .clear_property(PropertyName::new("coupon").unwrap());
        let sent = wire(&update);
        assert_eq!(sent.method, "PUT");
        assert_eq!(sent.path, "/webhook/contact/update");
        assert_eq!(
            sent.body,
            concat!(
                r#"{"email":"ada@example.com","firstName":"Ada","lastName":null,"source":null,"#,
                r#""subscribed":false,"userGroup":null,"mailingLists":{"news":false},"#,
                r#""coupon":null,"plan":null}"#
            )
        );
    }

    #[test]
    fn update_by_user_id_can_change_the_email() {
        let update = UpdateContact::by_user_id("u-42").email("new@example.com");
        assert_eq!(
            wire(&update).body,
            r#"{"email":"new@example.com","userId":"u-42"}"#
        );
        let update = UpdateContact::new(ContactRef::user_id("u-42"));
        assert_eq!(wire(&update).body, r#"{"userId":"u-42"}"#);
        // Setting a field after clearing it sends the value.
        let update = UpdateContact::by_email("a@x.io")
            .clear(ContactField::FirstName)
            .first_name("Ada");
        assert_eq!(
            wire(&update).body,
            r#"{"email":"a@x.io","firstName":"Ada"}"#
        );
    }

    #[test]
    fn update_refuses_bad_identifiers() {
        let config = crate::test_support::config();
        for (update, field) in [
            (UpdateContact::by_email("nope"), "email"),
            (UpdateContact::by_user_id(""), "userId"),
            (UpdateContact::by_user_id("u1").email("bad"), "email"),
        ] {
            match crate::build_request(&config, &update) {
                Err(Error::InvalidInput(e)) => assert_eq!(e.field, field),
                other => panic!("{update:?} was not refused: {other:?}"),
            }
        }
        let update = UpdateContact::by_email("a@x.io");
        let saved = answer(&update, 200, r#"{"success": true, "id": 7}"#).unwrap();
        assert_eq!(saved.id.as_deref(), Some("7"));
    }

    #[test]
    fn find_puts_exactly_one_identifier_in_the_query_percent_encoded() {
        let find = FindContact::new(ContactRef::email("ada+tag@example.com"));
        let sent = wire(&find);
        assert_eq!(sent.method, "GET");
        assert_eq!(
            sent.path,
            "/webhook/contact/find?email=ada%2Btag%40example.com"
        );
        assert_eq!(sent.body, "");
        let find = FindContact::new(ContactRef::user_id("u 42/x"));
        assert_eq!(wire(&find).path, "/webhook/contact/find?userId=u%2042%2Fx");
    }

    #[test]
    fn find_decodes_camel_case_contacts_with_custom_properties() {
        let find = FindContact::new(ContactRef::email("ada@example.com"));
        let contacts = answer(
            &find,
            200,
            r#"[{"id": "cll6b3i8901a9jx0oyktl2m4u", "email": "ada@example.com",
                 "firstName": "Ada", "lastName": null, "source": "API", "subscribed": true,
                 "userGroup": "founders", "userId": "u-42",
                 "mailingLists": {"cm06f5v0e45nf0ml5754o9cix": true},
                 "plan": "pro", "seats": 3, "renewsOn": 1735603200000}]"#,
        )
        .unwrap();
        assert_eq!(contacts.len(), 1);
        let ada = &contacts[0];
        assert_eq!(ada.id, "cll6b3i8901a9jx0oyktl2m4u");
        assert_eq!(ada.email, "ada@example.com");
        assert_eq!(ada.first_name.as_deref(), Some("Ada"));
        assert_eq!(ada.last_name, None);
        assert_eq!(ada.source.as_deref(), Some("API"));
        assert_eq!(ada.subscribed, Some(true));
        assert_eq!(ada.user_group.as_deref(), Some("founders"));
        assert_eq!(ada.user_id.as_deref(), Some("u-42"));
        assert_eq!(
            ada.mailing_lists,
            BTreeMap::from([("cm06f5v0e45nf0ml5754o9cix".to_owned(), true)])
        );
        assert_eq!(
            ada.custom_properties,
            BTreeMap::from([
                ("plan".to_owned(), json!("pro")),
                ("renewsOn".to_owned(), json!(1735603200000_i64)),
                ("seats".to_owned(), json!(3)),
            ])
        );
    }

    #[test]
    fn find_decodes_snake_case_numeric_ids_and_missing_fields() {
        let find = FindContact::new(ContactRef::user_id("9"));
        let contacts = answer(
            &find,
            200,
            r#"[{"id": 17, "email": "b@example.com", "first_name": "Bo", "last_name": "Li",
                 "user_group": "g", "user_id": 9, "mailing_lists": null, "teamId": "t1"},
                {"email": "c@example.com"}]"#,
        )
        .unwrap();
        assert_eq!(contacts[0].id, "17");
        assert_eq!(contacts[0].first_name.as_deref(), Some("Bo"));
        assert_eq!(contacts[0].last_name.as_deref(), Some("Li"));
        assert_eq!(contacts[0].user_group.as_deref(), Some("g"));
        assert_eq!(contacts[0].user_id.as_deref(), Some("9"));
        assert!(contacts[0].mailing_lists.is_empty());
        assert_eq!(
            contacts[0].custom_properties,
            BTreeMap::from([("teamId".to_owned(), json!("t1"))])
        );
        assert_eq!(contacts[1].id, "");
        assert_eq!(contacts[1].email, "c@example.com");
        assert_eq!(contacts[1].subscribed, None);
        assert!(contacts[1].custom_properties.is_empty());

        assert_eq!(answer(&find, 200, "[]").unwrap(), Vec::<Contact>::new());
    }

    #[test]
    fn a_contact_read_back_serialises_in_camel_case() {
        let find = FindContact::new(ContactRef::user_id("9"));
        let contacts = answer(
            &find,
            200,
            r#"[{"id": 1, "email": "b@x.io", "user_id": "9", "tier": 2}]"#,
        )
        .unwrap();
        assert_eq!(
            body_json(&serde_json::to_string(&contacts[0]).unwrap()),
            json!({"id": "1", "email": "b@x.io", "firstName": null, "lastName": null, "source": null,
                   "subscribed": null, "userGroup": null, "userId": "9", "mailingLists": {}, "tier": 2})
        );
    }

    #[test]
    fn find_refuses_an_empty_identifier() {
        let config = crate::test_support::config();
        let err =
            crate::build_request(&config, &FindContact::new(ContactRef::email(""))).unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput(ref e) if e.field == "email"),
            "{err:?}"
        );
        let err =
            crate::build_request(&config, &FindContact::new(ContactRef::user_id(" "))).unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput(ref e) if e.field == "userId"),
            "{err:?}"
        );
    }

    #[test]
    fn delete_sends_one_identifier_and_decodes_the_message() {
        let delete = DeleteContact::new(ContactRef::email("ada@example.com"));
        let sent = wire(&delete);
        assert_eq!(sent.method, "POST");
        assert_eq!(sent.path, "/webhook/contact/delete");
        assert_eq!(sent.body, r#"{"email":"ada@example.com"}"#);
        let deleted = answer(
            &delete,
            200,
            r#"{"success": true, "message": "Contact deleted."}"#,
        )
        .unwrap();
        assert_eq!(deleted.success, Some(true));
        assert_eq!(deleted.message.as_deref(), Some("Contact deleted."));

        let delete = DeleteContact::new(ContactRef::user_id("u-42"));
        assert_eq!(wire(&delete).body, r#"{"userId":"u-42"}"#);
    }

    #[test]
    fn delete_of_an_unknown_contact_is_not_found() {
        let delete = DeleteContact::new(ContactRef::email("ghost@example.com"));
        let err = answer(
            &delete,
            404,
            r#"{"success": false, "message": "Contact not found."}"#,
        )
        .unwrap_err();
        assert!(matches!(err, Error::NotFound(_)), "{err:?}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    }
}
