//! Requests as JSON: every request type reads back what it writes, the JSON is the body sent,
//! and reading runs the checks of sending (refusals name the field and repeat no address).
//!
//! The randomized tests run on a seed printed when they fail; replay one with
//! `PROPTEST_RNG_SEED=<seed> cargo test -p cocoonmail-core --test json <test name>`.

use std::fmt::Debug;
use std::time::{SystemTime, UNIX_EPOCH};

use cocoon_core::api_key::ValidateApiKey;
use cocoon_core::contacts::{
    ContactField, ContactRef, CreateContact, DeleteContact, FindContact, UpdateContact,
};
use cocoon_core::custom_fields::ListCustomFields;
use cocoon_core::events::{
    CartItem, CheckoutCustomer, CheckoutEvent, Event, EventContact, SendEvent, SimpleEvent,
};
use cocoon_core::lists::ListMailingLists;
use cocoon_core::mail::{
    Attachment, DirectRecipient, MailContent, MailStatus, MailUsage, Recipient, RemoteAttachment,
    SendDirectMail, SendMail,
};
use cocoon_core::otp::{OtpCode, OtpRecipients, OtpSender, SendOtp};
use cocoon_core::properties::{PropertyDate, PropertyName, PropertyValue};
use cocoon_core::verify::VerifyEmail;
use cocoon_core::whatsapp::{
    SendWhatsApp, WhatsAppEvent, WhatsAppMessage, WhatsAppRecipient, WhatsAppStatus,
};
use cocoon_core::{build_request, ApiKey, Config, Endpoint};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunConfig, RngSeed, TestCaseError, TestRunner};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

const FAKE_KEY: &str =
    "pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=";

/// Runs `test` on values of `strategy` from a seed (`PROPTEST_RNG_SEED`, or the clock),
/// printing how to replay it when a case fails.
fn run<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: Debug,
{
    let seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        });
    let config = RunConfig {
        cases: 192,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..RunConfig::default()
    };
    if let Err(failure) = TestRunner::new(config).run(&strategy, test) {
        panic!(
            "{name}: {failure}\nreplay: PROPTEST_RNG_SEED={seed} cargo test -p cocoonmail-core --test json {name}"
        );
    }
}

/// The request written as JSON, read back, and compared every way that matters.
fn round_trip<T>(request: &T) -> Result<(), TestCaseError>
where
    T: Endpoint + Serialize + DeserializeOwned + PartialEq + Debug,
{
    let config = Config::new(ApiKey::new(FAKE_KEY).unwrap());
    prop_assert!(
        build_request(&config, request).is_ok(),
        "{request:?} is not sendable"
    );
    let json = serde_json::to_value(request).unwrap();
    let text = serde_json::to_string(request).unwrap();
    let back: T = serde_json::from_str(&text)
        .map_err(|e| TestCaseError::fail(format!("{text} was refused: {e}")))?;
    prop_assert_eq!(&back, request);
    prop_assert_eq!(serde_json::to_value(&back).unwrap(), json.clone());
    if let Some(body) = request.body().unwrap() {
        // The JSON is the wire's body, byte for byte.
        prop_assert_eq!(String::from_utf8(body).unwrap(), text);
    }
    Ok(())
}

/// Text that is not blank, with characters JSON must escape.
fn text() -> impl Strategy<Value = String> {
    ("[a-zA-Z0-9é😀\"\\\\]", "[ -~é😀\t\n\"\\\\\u{0}]{0,10}").prop_map(|(a, b)| a + &b)
}

fn email() -> impl Strategy<Value = String> {
    ("[a-z0-9.+_]{1,8}", "[a-z]{1,8}\\.[a-z]{2,3}").prop_map(|(l, d)| format!("{l}@{d}"))
}

/// A JSON value of some depth, as free-form maps (attributes, event data) hold.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn map() -> impl Strategy<Value = serde_json::Map<String, Value>> {
    prop::collection::btree_map("[a-zA-Z_]{1,8}", value(), 0..4)
        .prop_map(|m| m.into_iter().collect())
}

fn property_name() -> impl Strategy<Value = PropertyName> {
    "[a-zA-Z][a-zA-Z0-9_]{0,8}"
        .prop_filter_map("reserved or standard", |n| PropertyName::new(n).ok())
}

fn property_value() -> impl Strategy<Value = PropertyValue> {
    prop_oneof![
        text().prop_map(PropertyValue::from),
        any::<i64>().prop_map(PropertyValue::from),
        (-1e12f64..1e12).prop_map(|f| PropertyValue::float(f).unwrap()),
        any::<bool>().prop_map(PropertyValue::from),
        Just(PropertyValue::Null),
    ]
}

fn properties() -> impl Strategy<Value = Vec<(PropertyName, PropertyValue)>> {
    prop::collection::vec((property_name(), property_value()), 0..4)
}

fn lists() -> impl Strategy<Value = Vec<(String, bool)>> {
    prop::collection::vec(("[a-z0-9_-]{1,8}", any::<bool>()), 0..3)
}

fn create_contact() -> impl Strategy<Value = CreateContact> {
    (
        email(),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(any::<bool>()),
        prop::option::of(text()),
        lists(),
        properties(),
    )
        .prop_map(|(email, first, user_id, subscribed, group, lists, props)| {
            let mut c = CreateContact::new(email);
            if let Some(v) = first {
                c = c.first_name(v).last_name("Lovelace").source("test");
            }
            if let Some(v) = user_id {
                c = c.user_id(v);
            }
            if let Some(v) = subscribed {
                c = c.subscribed(v);
            }
            if let Some(v) = group {
                c = c.user_group(v);
            }
            for (id, on) in lists {
                c = if on {
                    c.subscribe_to(id)
                } else {
                    c.unsubscribe_from(id)
                };
            }
            for (name, value) in props {
                c = c.property(name, value);
            }
            c
        })
}

fn contact_ref() -> impl Strategy<Value = ContactRef> {
    prop_oneof![
        email().prop_map(ContactRef::email),
        text().prop_map(ContactRef::user_id)
    ]
}

fn update_contact() -> impl Strategy<Value = UpdateContact> {
    (
        contact_ref(),
        prop::option::of(email()),
        prop::option::of(text()),
        prop::collection::vec(0..4usize, 0..3),
        prop::option::of(any::<bool>()),
        lists(),
        properties(),
    )
        .prop_map(
            |(who, new_email, first, clears, subscribed, lists, props)| {
                let mut u = UpdateContact::new(who);
                if let Some(v) = new_email {
                    u = u.email(v);
                }
                if let Some(v) = first {
                    u = u.first_name(v).source("import");
                }
                for i in clears {
                    let field = [
                        ContactField::FirstName,
                        ContactField::LastName,
                        ContactField::Source,
                        ContactField::UserGroup,
                    ][i];
                    u = u.clear(field);
                }
                if let Some(v) = subscribed {
                    u = u.subscribed(v);
                }
                for (id, on) in lists {
                    u = if on {
                        u.subscribe_to(id)
                    } else {
                        u.unsubscribe_from(id)
                    };
                }
                for (name, value) in props {
                    u = u.property(name, value);
                }
                u
            },
        )
}

fn send_event() -> impl Strategy<Value = SendEvent> {
    let simple = (
        text(),
        email(),
        prop::option::of(text()),
        prop::collection::btree_map("x[a-z_]{0,8}", value(), 0..4),
    )
        .prop_map(|(name, email, attribute, props)| {
            let mut e = SimpleEvent::new(name, email);
            if let Some(a) = attribute {
                e = e.event_attribute(a);
            }
            for (k, v) in props {
                e = e.property(k, v);
            }
            SendEvent::from(e)
        });
    let structured = (
        email(),
        prop::option::of(text()),
        text(),
        prop::option::of(text()),
        map(),
    )
        .prop_map(|(email, number, code, name, data)| {
            let mut contact = EventContact::new(email);
            if let Some(n) = number {
                contact = contact.whatsapp_number(n).name("Ada");
            }
            let mut event = Event::new(code).data(data);
            if let Some(n) = name {
                event = event.name(n);
            }
            SendEvent::structured(contact, event)
        });
    prop_oneof![simple, structured]
}

fn checkout() -> impl Strategy<Value = CheckoutEvent> {
    (
        text(),
        email(),
        prop::option::of(text()),
        prop::collection::vec((text(), text(), any::<u32>(), -1e6f64..1e6), 1..4),
    )
        .prop_map(|(cart, email, phone, items)| {
            let mut customer = CheckoutCustomer::new(email).first_name("Ada");
            if let Some(p) = phone {
                customer = customer.phone(p).last_name("L");
            }
            CheckoutEvent::new(
                cart,
                customer,
                "https://shop.example/c",
                "2024-05-01T10:00:00Z",
            )
            .items(
                items
                    .into_iter()
                    .map(|(s, n, q, p)| CartItem::new(s, n, q, p)),
            )
        })
}

fn recipient() -> impl Strategy<Value = Recipient> {
    (
        email(),
        prop::option::of(text()),
        prop::option::of(any::<u32>()),
        map(),
        0..3usize,
    )
        .prop_map(|(email, name, age, attributes, lists)| {
            let mut r = Recipient::new(email);
            if let Some(n) = name {
                r = r
                    .name(n.clone())
                    .first_name(n.clone())
                    .middle_name("M")
                    .last_name(n)
                    .address1("1 Road")
                    .address2("Flat 2")
                    .city("C")
                    .postal_code("00100")
                    .anniversary_date("2020-01-01");
            }
            if let Some(a) = age {
                r = r.age(a).gender("f").company("Co").industry("I");
            }
            if !attributes.is_empty() {
                r = r.attributes(attributes);
            }
            for i in 0..lists {
                r = r.list(format!("l{i}")).tag(format!("t{i}"));
            }
            r
        })
}

fn attachment() -> impl Strategy<Value = Attachment> {
    (text(), prop::collection::vec(any::<u8>(), 0..40))
        .prop_map(|(name, bytes)| Attachment::new(name, "application/octet-stream", bytes))
}

fn send_mail() -> impl Strategy<Value = SendMail> {
    let content = prop_oneof![
        (text(), email(), text()).prop_map(|(c, s, t)| MailContent::raw(c, s, t)),
        (text(), email(), text()).prop_map(|(c, s, t)| MailContent::template(c, s, t)),
        text().prop_map(MailContent::transactional),
    ];
    (
        content,
        prop::collection::vec(recipient(), 1..3),
        prop::collection::vec(email(), 0..2),
        prop::collection::vec(attachment(), 0..2),
        prop::option::of(any::<bool>()),
        map(),
        prop::collection::vec(text(), 0..2),
    )
        .prop_map(|(content, to, cc, attachments, flag, params, tags)| {
            let mut m = SendMail::new(content)
                .to_all(to)
                .cc_all(cc)
                .attachments(attachments)
                .tags(tags);
            if !params.is_empty() {
                m = m.custom_parameters(params);
            }
            if let Some(f) = flag {
                m = m
                    .reply_to("reply@example.com")
                    .scheduled_at("2030-01-01T00:00:00Z")
                    .remote_attachment(RemoteAttachment::new("https://files.example/a.pdf"))
                    .add_email_address_to_contact(f)
                    .allow_click_tracking(f)
                    .allow_open_tracking(!f)
                    .ignore_contact_bounce(f)
                    .ignore_contact_unsubscribe(!f)
                    .enable_view_in_browser(f)
                    .include_unsubscribe(!f);
            }
            m
        })
}

fn send_direct_mail() -> impl Strategy<Value = SendDirectMail> {
    (
        text(),
        email(),
        text(),
        prop::collection::vec((email(), prop::option::of(text())), 1..3),
        prop::collection::vec(attachment(), 0..2),
        prop::option::of(email()),
    )
        .prop_map(|(content, sender, subject, to, attachments, reply_to)| {
            let mut m = SendDirectMail::new(content, sender, subject)
                .to_all(to.into_iter().map(|(e, n)| match n {
                    Some(n) => DirectRecipient::new(e).name(n),
                    None => DirectRecipient::new(e),
                }))
                .attachments(attachments);
            if let Some(r) = reply_to {
                m = m.reply_to(r).cc("cc@example.com");
            }
            m
        })
}

fn send_whatsapp() -> impl Strategy<Value = SendWhatsApp> {
    let message = prop_oneof![
        (text(), "[a-z]{2}").prop_map(|(n, l)| WhatsAppMessage::template(n, l)),
        text().prop_map(WhatsAppMessage::text),
        ("image|video|document|x[a-z]{0,5}", value())
            .prop_map(|(k, c)| WhatsAppMessage::media(k, c)),
    ];
    (
        text(),
        message,
        prop::collection::vec((text(), prop::option::of(email()), map()), 1..3),
        prop::option::of((text(), map())),
        map(),
    )
        .prop_map(|(from, message, recipients, event, variables)| {
            let mut w = SendWhatsApp::new(from, message).recipients_all(
                recipients.into_iter().map(|(number, email, attributes)| {
                    let mut r = WhatsAppRecipient::new(number);
                    if let Some(e) = email {
                        r = r.email(e).name("Ada").first_name("A");
                    }
                    if !attributes.is_empty() {
                        r = r.attributes(attributes);
                    }
                    r
                }),
            );
            if let Some((code, data)) = event {
                let mut e = WhatsAppEvent::new(code).name("n");
                if !data.is_empty() {
                    e = e.data(data);
                }
                w = w.event(e).add_recipient_to_contacts(true).tag("t");
            }
            if !variables.is_empty() {
                w = w.parameterized_variables(variables);
            }
            w
        })
}

fn send_otp() -> impl Strategy<Value = SendOtp> {
    let to = prop_oneof![
        prop::collection::vec(email(), 1..3).prop_map(OtpRecipients::email),
        prop::collection::vec("\\+[0-9]{6,12}", 1..3).prop_map(OtpRecipients::whatsapp),
    ];
    (
        text(),
        to,
        "[0-9]{1,20}",
        prop::option::of(text()),
        prop::option::of((email(), "\\+[0-9]{6}")),
    )
        .prop_map(|(uuid, to, code, subject, sender)| {
            let mut o = SendOtp::new(uuid, to, OtpCode::new(code).unwrap());
            if let Some(s) = subject {
                o = o.subject(s);
            }
            if let Some((e, n)) = sender {
                o = o.sender(OtpSender::new().email_sender(e).whatsapp_sender(n));
            }
            o
        })
}

#[test]
fn contacts_round_trip() {
    run(
        "contacts_round_trip",
        (create_contact(), update_contact(), contact_ref()),
        |(c, u, r)| {
            round_trip(&c)?;
            round_trip(&u)?;
            round_trip(&FindContact::new(r.clone()))?;
            round_trip(&DeleteContact::new(r))
        },
    );
}

#[test]
fn events_round_trip() {
    run("events_round_trip", (send_event(), checkout()), |(e, c)| {
        round_trip(&e)?;
        round_trip(&c)
    });
}

#[test]
fn mail_round_trips() {
    run(
        "mail_round_trips",
        (send_mail(), send_direct_mail(), text()),
        |(m, d, id)| {
            round_trip(&m)?;
            round_trip(&d)?;
            round_trip(&MailStatus::new(id))
        },
    );
}

#[test]
fn whatsapp_and_otp_round_trip() {
    run(
        "whatsapp_and_otp_round_trip",
        (send_whatsapp(), send_otp(), text(), email()),
        |(w, o, id, e)| {
            round_trip(&w)?;
            round_trip(&o)?;
            round_trip(&WhatsAppStatus::new(id))?;
            round_trip(&VerifyEmail::new(e))
        },
    );
}

#[test]
fn requests_without_fields_round_trip() {
    // `{}`, so that parameters added later (with defaults) keep today's JSON readable.
    assert_eq!(serde_json::to_string(&MailUsage::new()).unwrap(), "{}");
    round_trip(&MailUsage::new()).unwrap();
    round_trip(&ListMailingLists::new()).unwrap();
    round_trip(&ListCustomFields::new()).unwrap();
    round_trip(&ValidateApiKey::new()).unwrap();
}

/// Every request type, read from `json`: the refusal's text, or `None` when it was accepted.
fn refusals(json: &Value) -> Vec<(&'static str, Option<String>)> {
    fn read<T: DeserializeOwned>(json: &Value) -> Option<String> {
        serde_json::from_value::<T>(json.clone())
            .err()
            .map(|e| e.to_string())
    }
    vec![
        ("CreateContact", read::<CreateContact>(json)),
        ("UpdateContact", read::<UpdateContact>(json)),
        ("FindContact", read::<FindContact>(json)),
        ("DeleteContact", read::<DeleteContact>(json)),
        ("SendEvent", read::<SendEvent>(json)),
        ("CheckoutEvent", read::<CheckoutEvent>(json)),
        ("SendMail", read::<SendMail>(json)),
        ("SendDirectMail", read::<SendDirectMail>(json)),
        ("MailStatus", read::<MailStatus>(json)),
        ("SendWhatsApp", read::<SendWhatsApp>(json)),
        ("WhatsAppStatus", read::<WhatsAppStatus>(json)),
        ("SendOtp", read::<SendOtp>(json)),
        ("VerifyEmail", read::<VerifyEmail>(json)),
    ]
}

#[test]
fn any_json_is_read_or_refused_without_a_panic() {
    run(
        "any_json_is_read_or_refused_without_a_panic",
        value(),
        |json| {
            let _ = refusals(&json);
            Ok(())
        },
    );
}

#[test]
fn a_sendable_request_with_one_field_broken_is_refused_naming_it() {
    // Each valid request with one field made invalid: the refusal names the field.
    run(
        "a_sendable_request_with_one_field_broken_is_refused_naming_it",
        (send_mail(), send_whatsapp(), send_otp(), checkout()),
        |(m, w, o, c)| {
            let cases: [(Value, &str, Reader); 6] = [
                (
                    set(&m, "/to", json!([])),
                    "to: at least one recipient",
                    |j| err::<SendMail>(j),
                ),
                (
                    set(&m, "/to/0/email", json!(" ")),
                    "to[0].email: must not be empty",
                    |j| err::<SendMail>(j),
                ),
                (
                    set(&w, "/recipient", json!([])),
                    "recipient: at least one",
                    |j| err::<SendWhatsApp>(j),
                ),
                (
                    set(&o, "/otp", json!("12a4")),
                    "otp: must hold only the digits",
                    |j| err::<SendOtp>(j),
                ),
                (
                    set(&o, "/otp_channel", json!("sms")),
                    "otp_channel: must be",
                    |j| err::<SendOtp>(j),
                ),
                (
                    set(&c, "/data/cart_items", json!([])),
                    "data.cart_items: an abandoned cart",
                    |j| err::<CheckoutEvent>(j),
                ),
            ];
            for (json, expected, read) in cases {
                let refusal = read(&json);
                prop_assert!(
                    refusal.as_deref().is_some_and(|r| r.contains(expected)),
                    "{json} gave {refusal:?}, not {expected:?}"
                );
            }
            Ok(())
        },
    );
}

/// Reads JSON as one request type: the refusal, or `None`.
type Reader = fn(&Value) -> Option<String>;

/// The refusal of `json` as `T`, led by its place as the command line shows it.
fn err<T: DeserializeOwned>(json: &Value) -> Option<String> {
    serde_path_to_error::deserialize::<_, T>(json.clone())
        .err()
        .map(|e| format!("{}: {}", e.path(), e.inner()))
}

/// `request`'s JSON with the value at `pointer` replaced.
fn set<T: Serialize>(request: &T, pointer: &str, value: Value) -> Value {
    let mut json = serde_json::to_value(request).unwrap();
    *json.pointer_mut(pointer).unwrap() = value;
    json
}

#[test]
fn refusals_name_the_field() {
    let cases: [(&str, Value, Reader); 14] = [
        (
            "listId: is reserved",
            json!({"email": "a@x.io", "listId": "l"}),
            err::<CreateContact>,
        ),
        (
            "firstName: invalid type",
            json!({"userId": "u", "firstName": 3}),
            err::<UpdateContact>,
        ),
        (
            "user_group: is a standard",
            json!({"email": "a@x.io", "user_group": "g"}),
            err::<CreateContact>,
        ),
        (
            "must be a string, a number",
            json!({"email": "a@x.io", "plan": [1]}),
            err::<CreateContact>,
        ),
        (
            "`email` or `userId`",
            json!({"firstName": "Ada"}),
            err::<UpdateContact>,
        ),
        (
            "mailingLists: a mailing list id",
            json!({"email": "a@x.io", "mailingLists": {" ": true}}),
            err::<CreateContact>,
        ),
        (
            "exactly one of",
            json!({"email_content": "<p/>", "template_uuid": "t", "sender": "s@x.io", "subject": "s", "to": [{"email": "a@x.io"}]}),
            err::<SendMail>,
        ),
        (
            "sender: is required with `template_uuid`",
            json!({"template_uuid": "t", "subject": "s", "to": [{"email": "a@x.io"}]}),
            err::<SendMail>,
        ),
        (
            "unknown field `bcc`",
            json!({"transactional_id": "t", "to": [{"email": "a@x.io"}], "bcc": []}),
            err::<SendMail>,
        ),
        (
            "attachments[0].filename",
            json!({"transactional_id": "t", "to": [{"email": "a@x.io"}], "attachments": [{"filename": " ", "contentType": "a/b", "data": "AA=="}]}),
            err::<SendMail>,
        ),
        (
            "data: must be standard base64",
            json!({"transactional_id": "t", "to": [{"email": "a@x.io"}], "attachments": [{"filename": "f", "contentType": "a/b", "data": "*"}]}),
            err::<SendMail>,
        ),
        (
            "can only be \"abandoned_cart\"",
            json!({"event": "bought"}),
            err::<CheckoutEvent>,
        ),
        (
            "to: needs exactly one of",
            json!({"template_uuid": "t", "to": {"email": ["a@x.io"], "whatsapp_number": ["+1"]}, "otp": 1}),
            err::<SendOtp>,
        ),
        (
            "content: unknown field `bdy`",
            json!({"from_number": "+1", "type": "text", "content": {"bdy": "hi"}, "recipient": [{"whatsapp_number": "+2"}]}),
            err::<SendWhatsApp>,
        ),
    ];
    let cases = cases.into_iter().chain([
        (
            "event property: an extra event property name must not be empty",
            json!({"event_name": "e", "email": "a@x.io", " ": 1}),
            err::<SendEvent> as Reader,
        ),
        (
            "contact.email: is not an email address",
            json!({"contact": {"email": "nope"}, "event": {"code": "c"}}),
            err::<SendEvent>,
        ),
        (
            "event.code: must not be empty",
            json!({"contact": {"email": "a@x.io"}, "event": {"code": ""}}),
            err::<SendEvent>,
        ),
        (
            "missing field `code`",
            json!({"contact": {"email": "a@x.io"}, "event": {}}),
            err::<SendEvent>,
        ),
        (
            "message_id: must not be empty",
            json!({"message_id": " "}),
            err::<MailStatus>,
        ),
        (
            "userId: must not be empty",
            json!({"userId": ""}),
            err::<DeleteContact>,
        ),
    ]);
    for (expected, json, read) in cases {
        let refusal = read(&json);
        assert!(
            refusal.as_deref().is_some_and(|r| r.contains(expected)),
            "{json} gave {refusal:?}, not {expected:?}"
        );
    }
}

#[test]
fn refusals_do_not_repeat_addresses() {
    let address = "ada.private@example.com";
    let bad = "ada.private-at-example.com";
    for json in [
        json!({"email": bad}),
        json!({"event_name": "e", "email": bad}),
        json!({"contact": {"email": bad}, "event": {"code": "c"}}),
        json!({"event": "abandoned_cart", "data": {"cart_id": "c", "customer": {"email": bad},
            "cart_items": [{"sku": "s", "name": "n", "quantity": 1, "price": 1.0}],
            "checkout_url": "u", "created_at": "t"}}),
        json!({"email": address, "userId": " "}),
    ] {
        for (name, refusal) in refusals(&json) {
            if let Some(refusal) = refusal {
                assert!(
                    !refusal.contains("ada.private"),
                    "{name} repeated the address: {refusal}"
                );
            }
        }
    }
}

#[test]
fn an_update_keeps_null_apart_from_absence() {
    let update: UpdateContact =
        serde_json::from_value(json!({"userId": "u-1", "lastName": null, "plan": null})).unwrap();
    assert_eq!(
        update,
        UpdateContact::by_user_id("u-1")
            .clear(ContactField::LastName)
            .clear_property(PropertyName::new("plan").unwrap())
    );
    assert_eq!(
        serde_json::to_value(&update).unwrap(),
        json!({"userId": "u-1", "lastName": null, "plan": null})
    );
}

#[test]
fn dates_are_read_with_their_calendar_checks() {
    let date: PropertyDate = serde_json::from_value(json!("2024-02-29")).unwrap();
    assert_eq!(date.as_text(), Some("2024-02-29"));
    let millis: PropertyDate = serde_json::from_value(json!(1_700_000_000_000_i64)).unwrap();
    assert_eq!(millis.as_unix_millis(), Some(1_700_000_000_000));
    for impossible in [
        json!("2023-02-29"),
        json!("2024-04-31"),
        json!("2024-01-01T24:00"),
        json!(1.5),
        json!(true),
    ] {
        let refusal = serde_json::from_value::<PropertyDate>(impossible.clone()).unwrap_err();
        assert!(
            refusal.to_string().starts_with("date"),
            "{impossible}: {refusal}"
        );
    }
    // A date property is sent as text or a number, and so reads back as one: the same wire.
    let contact = CreateContact::new("a@x.io").property(
        PropertyName::new("renewsOn").unwrap(),
        PropertyDate::parse("2025-03-01").unwrap(),
    );
    let json = serde_json::to_value(&contact).unwrap();
    let back: CreateContact = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(serde_json::to_value(back).unwrap(), json);
}

#[test]
fn otp_codes_read_as_digits_keeping_leading_zeros() {
    let otp = |code: Value| {
        serde_json::from_value::<SendOtp>(
            json!({"template_uuid": "t", "to": {"whatsapp_number": ["+1"]}, "otp": code}),
        )
    };
    assert_eq!(
        serde_json::to_value(otp(json!("0042")).unwrap()).unwrap()["otp"],
        "0042"
    );
    assert_eq!(
        serde_json::to_value(otp(json!(42)).unwrap()).unwrap()["otp"],
        42
    );
    for bad in [
        json!(-1),
        json!(4.2),
        json!(""),
        json!("1".repeat(21)),
        json!(null),
    ] {
        assert!(otp(bad.clone()).is_err(), "{bad}");
    }
}
