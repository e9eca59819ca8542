//! What a row becomes: a contact upsert (or create), or an event. Each conversion checks the
//! row completely, so a row that converts is a request the SDK will send.

use std::collections::BTreeSet;

use cocoonmail::contacts::{CreateContact, UpdateContact};
use cocoonmail::core::{Query, Target};
use cocoonmail::events::SendEvent;
use cocoonmail::{Endpoint, Error, Idempotency, InvalidInput};

use super::failures::REASON;
use super::input::Row;
use super::outcome::Policy;
use crate::fields::{parse_bool, Cell, FieldTypes};
use crate::requests::{simple_event, ContactFields};

/// A kind of import: how a row becomes a request, and what resending is safe.
pub(crate) trait RowKind: Send + Sync + 'static {
    /// The request each row becomes.
    type Request: Endpoint<Output: Send + 'static> + Send + 'static;

    /// `contacts` or `events`: the journal's `kind`.
    fn name(&self) -> &'static str;

    /// Checks a CSV header once, before any row.
    fn check_header(&self, header: &[String]) -> Result<(), String>;

    /// The request for `row`, or why there is none.
    fn convert(&self, row: &Row, header: Option<&[String]>) -> Result<Self::Request, String>;

    /// Whether a row that may already have been processed is sent again.
    fn resend_uncertain(&self) -> bool;

    /// What this kind changes in the table of answers.
    fn policy(&self) -> Policy;
}

/// The core's own check, phrased as a row's reason.
fn validated<E: Endpoint>(request: E) -> Result<E, String> {
    match request.validate() {
        Ok(()) => Ok(request),
        Err(InvalidInput { field, problem, .. }) => Err(format!("`{field}`: {problem}")),
    }
}

/// A check of an address that does not repeat it (reasons are printed).
fn check_email(column: &str, email: &str) -> Result<(), String> {
    match email.trim().rsplit_once('@') {
        Some((local, domain))
            if !local.trim().is_empty() && !domain.trim().is_empty() && !email.contains(' ') =>
        {
            Ok(())
        }
        _ => Err(format!(
            "`{column}`: not an email address (expected name@domain)"
        )),
    }
}

/// A cell as text, or a reason naming the column.
fn text(column: &str, cell: Cell<'_>) -> Result<String, String> {
    cell.text()
        .map(|t| t.trim().to_owned())
        .ok_or_else(|| format!("`{column}`: expected text"))
}

/// The standard contact columns, by every spelling accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ContactColumn {
    Email,
    FirstName,
    LastName,
    UserGroup,
    UserId,
    Source,
    Subscribed,
    MailingLists,
}

impl ContactColumn {
    fn of(name: &str) -> Option<ContactColumn> {
        Some(match name {
            "email" => ContactColumn::Email,
            "firstName" | "first_name" => ContactColumn::FirstName,
            "lastName" | "last_name" => ContactColumn::LastName,
            "userGroup" | "user_group" => ContactColumn::UserGroup,
            "userId" | "user_id" => ContactColumn::UserId,
            "source" => ContactColumn::Source,
            "subscribed" => ContactColumn::Subscribed,
            "mailingLists" | "mailing_lists" => ContactColumn::MailingLists,
            _ => return None,
        })
    }
}

/// Contacts: upserts, or creates with `--create-only`.
#[derive(Debug)]
pub(crate) struct Contacts {
    pub(crate) fields: FieldTypes,
    /// The account's mailing list ids, to refuse unknown ones before sending.
    pub(crate) lists: BTreeSet<String>,
    pub(crate) create_only: bool,
}

/// A contact row's request: the upsert, or the create of `--create-only`. Both are answered
/// with the same acknowledgement.
#[derive(Debug)]
pub(crate) enum ContactWrite {
    Update(Box<UpdateContact>),
    Create(Box<CreateContact>),
}

impl Endpoint for ContactWrite {
    type Output = <UpdateContact as Endpoint>::Output;

    fn target(&self) -> Target<'_> {
        match self {
            ContactWrite::Update(r) => r.target(),
            ContactWrite::Create(r) => r.target(),
        }
    }

    fn idempotency(&self) -> Idempotency {
        match self {
            ContactWrite::Update(r) => r.idempotency(),
            ContactWrite::Create(r) => r.idempotency(),
        }
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        match self {
            ContactWrite::Update(r) => r.validate(),
            ContactWrite::Create(r) => r.validate(),
        }
    }

    fn query(&self, query: &mut Query<'_>) {
        match self {
            ContactWrite::Update(r) => r.query(query),
            ContactWrite::Create(r) => r.query(query),
        }
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        match self {
            ContactWrite::Update(r) => r.body(),
            ContactWrite::Create(r) => r.body(),
        }
    }
}

/// A contact row, read.
#[derive(Default)]
struct ContactRow {
    email: Option<String>,
    user_id: Option<String>,
    fields: ContactFields,
}

impl Contacts {
    /// The `reason` column of a failures file is skipped, unless the account has a custom
    /// field of that name.
    fn skips(&self, column: &str) -> bool {
        column == REASON && !self.fields.contains(REASON)
    }

    fn list_ids(&self, cell: Cell<'_>) -> Result<Vec<String>, String> {
        let ids: Vec<String> = match cell {
            Cell::Json(serde_json::Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    serde_json::Value::String(s) => Ok(s.trim().to_owned()),
                    _ => Err("`mailingLists`: expected list ids as text".to_owned()),
                })
                .collect::<Result<_, _>>()?,
            cell => text("mailingLists", cell)?
                .split(';')
                .map(|id| id.trim().to_owned())
                .collect(),
        };
        let ids: Vec<String> = ids.into_iter().filter(|id| !id.is_empty()).collect();
        for id in &ids {
            if !self.lists.contains(id) {
                return Err(format!(
                    "`mailingLists`: the account has no mailing list `{id}`"
                ));
            }
        }
        Ok(ids)
    }

    fn read(&self, row: &Row, header: Option<&[String]>) -> Result<ContactRow, String> {
        let mut contact = ContactRow::default();
        for (name, cell) in row.cells(header) {
            let Some(cell) = cell.non_empty() else {
                continue;
            };
            if self.skips(name) {
                continue;
            }
            match ContactColumn::of(name) {
                Some(ContactColumn::Email) => {
                    let email = text(name, cell)?;
                    check_email(name, &email)?;
                    contact.email = Some(email);
                }
                Some(ContactColumn::UserId) => contact.user_id = Some(text(name, cell)?),
                Some(ContactColumn::FirstName) => {
                    contact.fields.first_name = Some(text(name, cell)?)
                }
                Some(ContactColumn::LastName) => contact.fields.last_name = Some(text(name, cell)?),
                Some(ContactColumn::UserGroup) => {
                    contact.fields.user_group = Some(text(name, cell)?)
                }
                Some(ContactColumn::Source) => contact.fields.source = Some(text(name, cell)?),
                Some(ContactColumn::Subscribed) => {
                    contact.fields.subscribed = Some(parse_bool(cell).ok_or_else(|| {
                        format!("`{name}`: expected true or false (also yes/no, 1/0)")
                    })?)
                }
                Some(ContactColumn::MailingLists) => {
                    contact.fields.lists = self
                        .list_ids(cell)?
                        .into_iter()
                        .map(|id| (id, true))
                        .collect()
                }
                None => {
                    let property = self.fields.name(name)?;
                    let value = self.fields.convert(name, cell)?;
                    contact.fields.properties.push((property, value));
                }
            }
        }
        Ok(contact)
    }
}

impl RowKind for Contacts {
    type Request = ContactWrite;

    fn name(&self) -> &'static str {
        "contacts"
    }

    fn check_header(&self, header: &[String]) -> Result<(), String> {
        if !header.iter().any(|c| {
            matches!(
                ContactColumn::of(c),
                Some(ContactColumn::Email | ContactColumn::UserId)
            )
        }) {
            return Err("the header has neither an `email` nor a `userId` column".to_owned());
        }
        for column in header {
            if ContactColumn::of(column).is_none() && !self.skips(column) {
                self.fields
                    .name(column)
                    .map_err(|e| format!("column {e}"))?;
            }
        }
        Ok(())
    }

    fn convert(&self, row: &Row, header: Option<&[String]>) -> Result<ContactWrite, String> {
        let mut contact = self.read(row, header)?;
        if self.create_only {
            let Some(email) = contact.email.take() else {
                return Err("`email` is required to create a contact".to_owned());
            };
            let mut create = CreateContact::new(email);
            if let Some(id) = contact.user_id.take() {
                create = create.user_id(id);
            }
            let create = validated(contact.fields.apply(create))?;
            return Ok(ContactWrite::Create(Box::new(create)));
        }
        let update = match (contact.email.take(), contact.user_id.take()) {
            (Some(email), Some(id)) => UpdateContact::by_email(email).user_id(id),
            (Some(email), None) => UpdateContact::by_email(email),
            (None, Some(id)) => UpdateContact::by_user_id(id),
            (None, None) => return Err("needs an `email` or a `userId`".to_owned()),
        };
        let update = validated(contact.fields.apply(update))?;
        Ok(ContactWrite::Update(Box::new(update)))
    }

    fn resend_uncertain(&self) -> bool {
        // An upsert sent twice leaves the contact as once. A create sent twice is answered
        // 409 the second time, which --create-only counts as skipped.
        true
    }

    fn policy(&self) -> Policy {
        Policy {
            // A create sent twice is answered 409 the second time: skipped.
            conflict_is_skip: self.create_only,
            // An upsert sent twice leaves the contact as once.
            resend_is_harmless: true,
        }
    }
}

/// Events: one `event/send` (simple shape) per row.
#[derive(Debug)]
pub(crate) struct Events {
    pub(crate) resend_uncertain: bool,
}

const EVENT_NAME: [&str; 2] = ["event_name", "eventName"];
const EVENT_ATTRIBUTE: [&str; 2] = ["event_attribute", "eventAttribute"];

impl RowKind for Events {
    type Request = SendEvent;

    fn name(&self) -> &'static str {
        "events"
    }

    fn check_header(&self, header: &[String]) -> Result<(), String> {
        let has = |names: &[&str]| {
            header
                .iter()
                .filter(|c| names.contains(&c.as_str()))
                .count()
        };
        match has(&EVENT_NAME) {
            0 => return Err("the header has no `event_name` (or `eventName`) column".to_owned()),
            1 => {}
            _ => return Err("the header has both `event_name` and `eventName`".to_owned()),
        }
        if has(&["email"]) == 0 {
            return Err(
                "the header has no `email` column: the event API identifies the \
                        contact by email"
                    .to_owned(),
            );
        }
        if has(&EVENT_ATTRIBUTE) > 1 {
            return Err("the header has both `event_attribute` and `eventAttribute`".to_owned());
        }
        Ok(())
    }

    fn convert(&self, row: &Row, header: Option<&[String]>) -> Result<SendEvent, String> {
        let (mut name, mut email, mut attribute) = (None, None, None);
        let mut properties = Vec::new();
        for (column, cell) in row.cells(header) {
            let Some(cell) = cell.non_empty() else {
                continue;
            };
            if column == REASON {
                // The column failures files add.
                continue;
            }
            if EVENT_NAME.contains(&column) {
                if name.is_some() {
                    return Err("both `event_name` and `eventName` are set".to_owned());
                }
                name = Some(text(column, cell)?);
            } else if column == "email" {
                let address = text(column, cell)?;
                check_email(column, &address)?;
                email = Some(address);
            } else if EVENT_ATTRIBUTE.contains(&column) {
                attribute = Some(text(column, cell)?);
            } else {
                properties.push((column.to_owned(), cell.to_json()));
            }
        }
        let name = name.ok_or("`event_name` is required")?;
        let email = email.ok_or(
            "`email` is required: the event API identifies the contact by email (a userId \
             alone cannot be sent)",
        )?;
        validated(simple_event(name, email, attribute, properties))
    }

    fn resend_uncertain(&self) -> bool {
        self.resend_uncertain
    }

    fn policy(&self) -> Policy {
        Policy {
            conflict_is_skip: false,
            // An event sent twice is two events.
            resend_is_harmless: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::input::Cells;
    use cocoonmail::custom_fields::CustomFieldType;
    use serde_json::{json, Value};

    fn contacts(create_only: bool) -> Contacts {
        Contacts {
            fields: FieldTypes::of(&[
                ("plan", CustomFieldType::String),
                ("seats", CustomFieldType::Number),
                ("trial", CustomFieldType::Boolean),
                ("renewal_date", CustomFieldType::Date),
            ]),
            lists: ["cl_news".to_owned(), "cl_beta".to_owned()].into(),
            create_only,
        }
    }

    fn csv_row(values: &[&str]) -> Row {
        Row {
            key: crate::import::input::Key {
                record: 1,
                offset: 0,
            },
            line: 7,
            cells: Cells::Csv(csv::StringRecord::from(values.to_vec())),
        }
    }

    fn body<E: Endpoint>(e: &E) -> Value {
        serde_json::from_slice(&e.body().unwrap().unwrap()).unwrap()
    }

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_contact_row_becomes_an_upsert_with_typed_properties() {
        let h = header(&[
            "email",
            "firstName",
            "subscribed",
            "mailingLists",
            "seats",
            "trial",
            "renewal_date",
            "plan",
        ]);
        let k = contacts(false);
        k.check_header(&h).unwrap();
        let row = csv_row(&[
            "ada@example.com",
            "Ada",
            "yes",
            "cl_news; cl_beta",
            "3",
            "false",
            "2025-01-31",
            "",
        ]);
        let request = k.convert(&row, Some(&h)).unwrap();
        assert!(matches!(request, ContactWrite::Update(_)));
        assert_eq!(
            body(&request),
            json!({"email": "ada@example.com", "firstName": "Ada", "subscribed": true,
                   "mailingLists": {"cl_beta": true, "cl_news": true},
                   "renewal_date": "2025-01-31", "seats": 3, "trial": false})
        );
        let create = contacts(true).convert(&row, Some(&h)).unwrap();
        assert!(matches!(create, ContactWrite::Create(_)));
    }

    #[test]
    fn bad_contact_rows_say_why_without_echoing_values() {
        let h = header(&["email", "seats", "mailingLists", "userId"]);
        let k = contacts(false);
        let reason = |values: &[&str]| k.convert(&csv_row(values), Some(&h)).unwrap_err();
        assert_eq!(
            reason(&["ada.example.com", "1", "", ""]),
            "`email`: not an email address (expected name@domain)"
        );
        assert_eq!(
            reason(&["a@x.io", "many", "", ""]),
            "`seats`: expected a number"
        );
        assert_eq!(
            reason(&["a@x.io", "1", "cl_nope", ""]),
            "`mailingLists`: the account has no mailing list `cl_nope`"
        );
        assert_eq!(reason(&["", "1", "", ""]), "needs an `email` or a `userId`");
        assert!(k.convert(&csv_row(&["", "1", "", "u-1"]), Some(&h)).is_ok());
        let create = contacts(true);
        assert_eq!(
            create
                .convert(&csv_row(&["", "1", "", "u-1"]), Some(&h))
                .unwrap_err(),
            "`email` is required to create a contact"
        );
    }

    #[test]
    fn contact_headers_are_checked_against_the_account() {
        let k = contacts(false);
        assert!(k.check_header(&header(&["firstName"])).is_err());
        let err = k.check_header(&header(&["email", "plann"])).unwrap_err();
        assert!(
            err.contains("`plann`") && err.contains("plan, renewal_date"),
            "{err}"
        );
        assert!(k
            .check_header(&header(&["email", "teamId"]))
            .unwrap_err()
            .contains("reserved"));
        k.check_header(&header(&["user_id", "first_name"])).unwrap();
    }

    #[test]
    fn an_event_row_carries_its_other_columns_as_properties() {
        let k = Events {
            resend_uncertain: false,
        };
        let h = header(&["eventName", "email", "userId", "plan", "note"]);
        k.check_header(&h).unwrap();
        let event = k
            .convert(
                &csv_row(&["signup", "ada@example.com", "u-1", "pro", ""]),
                Some(&h),
            )
            .unwrap();
        assert_eq!(
            body(&event),
            json!({"event_name": "signup", "email": "ada@example.com", "plan": "pro", "userId": "u-1"})
        );
        let json_row = Row {
            key: crate::import::input::Key {
                record: 1,
                offset: 0,
            },
            line: 3,
            cells: Cells::Json(
                json!({"event_name": "upgrade", "email": "b@x.io", "seats": 3, "gone": null})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        };
        assert_eq!(
            body(&k.convert(&json_row, None).unwrap()),
            json!({"event_name": "upgrade", "email": "b@x.io", "seats": 3})
        );
        let err = k
            .convert(&csv_row(&["signup", "", "u-1", "", ""]), Some(&h))
            .unwrap_err();
        assert!(err.starts_with("`email` is required"), "{err}");
        assert!(k.check_header(&header(&["event_name", "userId"])).is_err());
    }
}
