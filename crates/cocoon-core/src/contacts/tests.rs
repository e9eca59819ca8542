//! The unit tests of the contact operations: the bytes on the wire, refused inputs, answers.

use std::collections::BTreeMap;

use serde_json::json;

use super::*;
use crate::error::Error;
use crate::properties::{PropertyDate, PropertyName, PropertyValue};
use crate::test_support::{answer, wire};

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
    let err = crate::build_request(&config, &FindContact::new(ContactRef::email(""))).unwrap_err();
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
