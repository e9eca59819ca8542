//! The provisional contact endpoints (API.md §4.12) and custom property checks (§4.14).

use serde_json::{json, Value};

use super::{first, query_params, required_param};
use crate::request::Request;
use crate::seed::{FieldType, Seed};
use crate::state::{Contact, ContactPatch, Patch, State};
use crate::util::{is_valid_date, DateSyntax};
use crate::validate::{check_email, describe, Checked, Fields, Obj, Reply};

/// Property names that cannot be custom fields (API.md §4.14).
pub(crate) const RESERVED_PROPERTIES: &[&str] =
    &["id", "listId", "softDeleteAt", "teamId", "updatedAt"];

const SNAKE_CASE_PROPERTIES: &[(&str, &str)] = &[
    ("first_name", "firstName"),
    ("last_name", "lastName"),
    ("user_group", "userGroup"),
    ("user_id", "userId"),
    ("mailing_lists", "mailingLists"),
];

/// Validates the properties of a contact body (everything but `email`).
pub(super) fn contact_patch(seed: &Seed, body: &Obj) -> Checked<ContactPatch> {
    let mut patch = ContactPatch::default();
    for (key, value) in body {
        let string_patch = || -> Checked<Patch<String>> {
            match value {
                Value::Null => Ok(Patch::Clear),
                Value::String(s) => Ok(Patch::Set(s.clone())),
                other => Err(Reply::bad(format!(
                    "`{key}` must be a string or null, not {}",
                    describe(other)
                ))),
            }
        };
        match key.as_str() {
            "email" => {}
            "firstName" => patch.first_name = string_patch()?,
            "lastName" => patch.last_name = string_patch()?,
            "source" => patch.source = string_patch()?,
            "userGroup" => patch.user_group = string_patch()?,
            "userId" => {
                patch.user_id = string_patch()?;
                if patch.user_id == Patch::Set(String::new()) {
                    return Err(Reply::bad("`userId` must not be empty"));
                }
            }
            "subscribed" => match value {
                Value::Bool(b) => patch.subscribed = Some(*b),
                other => {
                    return Err(Reply::bad(format!(
                        "`subscribed` must be a boolean, not {}",
                        describe(other)
                    )))
                }
            },
            "mailingLists" => match value {
                Value::Null => patch.mailing_lists = Patch::Clear,
                Value::Object(lists) => {
                    let mut set = Vec::new();
                    for (id, on) in lists {
                        if !seed.is_known_list(id) {
                            return Err(Reply::bad(format!(
                                "`mailingLists` names an unknown mailing list id {id:?}"
                            )));
                        }
                        match on {
                            Value::Bool(b) => set.push((id.clone(), *b)),
                            other => {
                                return Err(Reply::bad(format!(
                                    "`mailingLists.{id}` must be a boolean, not {}",
                                    describe(other)
                                )))
                            }
                        }
                    }
                    patch.mailing_lists = Patch::Set(set);
                }
                other => {
                    return Err(Reply::bad(format!(
                        "`mailingLists` must be an object of list id to boolean, not {}",
                        describe(other)
                    )))
                }
            },
            reserved if RESERVED_PROPERTIES.contains(&reserved) => {
                return Err(Reply::bad(format!(
                    "`{reserved}` is a reserved property name and cannot be set"
                )))
            }
            snake if SNAKE_CASE_PROPERTIES.iter().any(|(s, _)| *s == snake) => {
                let camel = SNAKE_CASE_PROPERTIES
                    .iter()
                    .find(|(s, _)| *s == snake)
                    .map(|(_, c)| *c)
                    .unwrap_or_default();
                return Err(Reply::bad(format!(
                    "`{snake}` is not accepted: contact properties are camelCase (`{camel}`)"
                )));
            }
            custom => {
                check_custom_value(seed, custom, value)?;
                let v = (!value.is_null()).then(|| value.clone());
                patch.custom.push((custom.to_owned(), v));
            }
        }
    }
    Ok(patch)
}

/// A custom property value: string, number, boolean or null, and of the declared type for the
/// seeded custom fields.
fn check_custom_value(seed: &Seed, key: &str, value: &Value) -> Checked<()> {
    if matches!(value, Value::Array(_) | Value::Object(_)) {
        return Err(Reply::bad(format!(
            "Custom property `{key}` must be a string, number, boolean or null, not {}",
            describe(value)
        )));
    }
    if value.is_null() {
        return Ok(());
    }
    let Some(declared) = seed.custom_field_type(key) else {
        return Ok(());
    };
    let ok = match declared {
        FieldType::String => value.is_string(),
        FieldType::Number => value.is_number(),
        FieldType::Boolean => value.is_boolean(),
        FieldType::Date => match value {
            Value::Number(n) => n.is_i64(),
            Value::String(s) => is_valid_date(s, DateSyntax::CustomProperty),
            _ => false,
        },
    };
    if ok {
        return Ok(());
    }
    let expected = match declared {
        FieldType::Date => {
            "a date (Unix milliseconds, or YYYY-MM-DD[( |T)HH:MM[:SS[.sss]]][+HH:MM])".to_owned()
        }
        ty => format!("of type {}", ty.as_str()),
    };
    Err(Reply::bad(format!(
        "Custom property `{key}` must be {expected}, got {value}"
    )))
}

pub(super) fn contact_create(state: &mut State, body: &Obj) -> Checked<Reply> {
    let f = Fields::new(body, "");
    let email = f.req_email("email")?;
    let patch = contact_patch(&state.seed, body)?;
    if state.contacts.seq_by_email(email).is_some() {
        return Err(Reply::error(
            409,
            format!("A contact with email {email:?} already exists"),
        ));
    }
    if let Patch::Set(user_id) = &patch.user_id {
        if state.contacts.seq_by_user_id(user_id).is_some() {
            return Err(Reply::error(
                409,
                format!("A contact with userId {user_id:?} already exists"),
            ));
        }
    }
    let mut contact = Contact::new(state.ids.uuid(), email.to_owned());
    contact.apply(&patch);
    let id = contact.id.clone();
    state.contacts.insert(contact);
    Ok(Reply::new(200, json!({"success": true, "id": id})))
}

pub(super) fn contact_update(state: &mut State, body: &Obj) -> Checked<Reply> {
    let email = match body.get("email") {
        None => None,
        Some(Value::Null) => return Err(Reply::bad("`email` cannot be cleared (null)")),
        Some(Value::String(s)) => {
            check_email(s, "email")?;
            Some(s.as_str())
        }
        Some(other) => {
            return Err(Reply::bad(format!(
                "`email` must be a string, not {}",
                describe(other)
            )))
        }
    };
    let patch = contact_patch(&state.seed, body)?;
    let user_id = match &patch.user_id {
        Patch::Set(u) => Some(u.as_str()),
        _ => None,
    };
    if email.is_none() && user_id.is_none() {
        return Err(Reply::bad(
            "`email` or `userId` is required to identify the contact",
        ));
    }
    let contacts = &mut state.contacts;
    let by_user = user_id.and_then(|u| contacts.seq_by_user_id(u));
    let by_email = email.and_then(|e| contacts.seq_by_email(e));
    let target = match (by_user, by_email) {
        // Identified by userId: may change the email, unless another contact has it.
        (Some(seq), other) => {
            if let (Some(e), Some(other)) = (email, other) {
                if other != seq {
                    return Err(Reply::error(
                        409,
                        format!("Another contact already has email {e:?}"),
                    ));
                }
            }
            Some(seq)
        }
        (None, Some(seq)) => {
            let existing = contacts.get(seq).and_then(|c| c.user_id.clone());
            if let (Some(u), Some(existing)) = (user_id, existing) {
                return Err(Reply::error(
                    409,
                    format!(
                        "The contact with email {:?} has userId {existing:?}, not {u:?}",
                        email.unwrap_or_default()
                    ),
                ));
            }
            Some(seq)
        }
        (None, None) => None,
    };
    let id = match target {
        Some(seq) => {
            let mut contact = contacts
                .get(seq)
                .cloned()
                .ok_or_else(|| Reply::error(500, "Contact index out of step"))?;
            if let Some(e) = email {
                contact.email = e.to_owned();
            }
            contact.apply(&patch);
            let id = contact.id.clone();
            contacts.replace(seq, contact);
            id
        }
        None => {
            let Some(e) = email else {
                return Err(Reply::bad(format!(
                    "No contact has userId {:?}; `email` is required to create one",
                    user_id.unwrap_or_default()
                )));
            };
            let mut contact = Contact::new(state.ids.uuid(), e.to_owned());
            contact.apply(&patch);
            let id = contact.id.clone();
            state.contacts.insert(contact);
            id
        }
    };
    Ok(Reply::new(200, json!({"success": true, "id": id})))
}

pub(super) fn contact_find(state: &State, req: &Request) -> Checked<Reply> {
    let params = query_params(req)?;
    let email = first(&params, "email");
    let user_id = first(&params, "userId");
    let seq = match (email, user_id) {
        (Some(_), None) => {
            let e = required_param(&params, "email")?;
            check_email(e, "email")?;
            state.contacts.seq_by_email(e)
        }
        (None, Some(_)) => {
            let u = required_param(&params, "userId")?;
            state.contacts.seq_by_user_id(u)
        }
        _ => {
            return Err(Reply::bad(
                "Exactly one of the `email` or `userId` query parameters is required",
            ))
        }
    };
    let found: Vec<Value> = seq
        .and_then(|s| state.contacts.get(s))
        .map(Contact::to_json)
        .into_iter()
        .collect();
    Ok(Reply::new(200, Value::Array(found)))
}

pub(super) fn contact_delete(state: &mut State, body: &Obj) -> Checked<Reply> {
    let f = Fields::new(body, "");
    f.only(&["email", "userId"])?;
    let seq = match (f.has("email"), f.has("userId")) {
        (true, false) => {
            let e = f.req_email("email")?;
            state.contacts.seq_by_email(e)
        }
        (false, true) => {
            let u = f.req_str("userId")?;
            state.contacts.seq_by_user_id(u)
        }
        _ => return Err(Reply::bad("Exactly one of `email` or `userId` is required")),
    };
    match seq.and_then(|s| state.contacts.remove(s)) {
        Some(_) => Ok(Reply::new(
            200,
            json!({"success": true, "message": "Contact deleted."}),
        )),
        None => Err(Reply::error(404, "Contact not found")),
    }
}

#[cfg(test)]
#[path = "contacts_tests.rs"]
mod tests;
