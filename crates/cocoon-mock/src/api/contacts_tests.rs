use super::*;
use crate::seed::Seed;

#[test]
fn contact_patch_rejects_snake_case_and_reserved_names() {
    let seed = Seed::default();
    let body = |v: Value| v.as_object().cloned().unwrap();
    let e = contact_patch(&seed, &body(json!({"first_name": "A"}))).unwrap_err();
    assert!(e.body["message"].as_str().unwrap().contains("firstName"));
    let e = contact_patch(&seed, &body(json!({"teamId": "t"}))).unwrap_err();
    assert!(e.body["message"].as_str().unwrap().contains("reserved"));
    let p = contact_patch(
        &seed,
        &body(json!({"plan": "pro", "seats": 3, "trial": null})),
    )
    .unwrap();
    assert_eq!(p.custom.len(), 3);
    assert!(contact_patch(&seed, &body(json!({"seats": "3"}))).is_err());
    assert!(contact_patch(&seed, &body(json!({"renewal_date": 1714550400000_i64}))).is_ok());
    assert!(contact_patch(&seed, &body(json!({"renewal_date": "2024-05-01 10:00"}))).is_ok());
    assert!(contact_patch(&seed, &body(json!({"renewal_date": "next week"}))).is_err());
}

#[test]
fn mailing_list_ids_and_field_types_come_from_the_seed() {
    use crate::seed::{CustomField, FieldType, MailingList};
    let seed = Seed {
        mailing_lists: vec![MailingList::new("list_a", "A")],
        custom_fields: vec![CustomField::new("seats", "Seats", FieldType::String)],
    };
    let body = |v: Value| v.as_object().cloned().unwrap();
    assert!(contact_patch(&seed, &body(json!({"mailingLists": {"list_a": true}}))).is_ok());
    assert!(contact_patch(
        &seed,
        &body(json!({"mailingLists": {"cl_beta_0002": true}}))
    )
    .is_err());
    // `seats` is a string field in this seed.
    assert!(contact_patch(&seed, &body(json!({"seats": "3"}))).is_ok());
    assert!(contact_patch(&seed, &body(json!({"seats": 3}))).is_err());
}
