//! Unit tests of the webhooks module: one delivery per family, every rejection, and a
//! property test that no input panics.

use http::{HeaderValue, Request, StatusCode};
use proptest::prelude::*;
use serde_json::json;

use super::*;

const SECRET: &str = "Bearer s3cret-value";

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new(SECRET)
}

/// A well-formed, authorized delivery of `event_type` with extra headers and a body.
fn delivery(event_type: &str, headers: &[(&str, &str)], body: &str) -> Request<Vec<u8>> {
    let mut builder = Request::post("/hooks")
        .header("authorization", SECRET)
        .header("content-type", "application/json")
        .header(headers::EVENT_TYPE, event_type)
        .header(headers::EVENT_DATETIME, "2025-03-01T09:30:00.123Z");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body.as_bytes().to_vec()).unwrap()
}

fn whatsapp_body(event_type: &str, status: &str) -> String {
    json!({
        "event_type": event_type,
        "timestamp": "2025-03-01T09:30:00.123Z",
        "status": status,
        "sender": "+15550100000",
        "receiver": "+15550100001",
        "unknown_field": {"ignored": true},
    })
    .to_string()
}

fn rejection(request: &Request<Vec<u8>>) -> WebhookError {
    verifier().verify(request).unwrap_err()
}

#[test]
fn contact_event_reads_headers_and_keeps_the_body() {
    let request = delivery(
        "contact.created",
        &[
            (
                headers::CONTACT_UUID,
                "0b6f3c1e-4f1a-4c55-9f0e-2b8f6f7c1a11",
            ),
            (headers::CONTACT_EMAIL, "header@example.com"),
            (headers::CONTACT_WHATSAPP, "+15550100001"),
        ],
        r#"{"email": "body@example.com", "first_name": "Ada"}"#,
    );
    let event = verifier().verify(&request).unwrap();
    assert_eq!(event.event_type, EventType::ContactCreated);
    assert_eq!(event.family(), EventFamily::Contact);
    assert_eq!(
        event.event_datetime.as_deref(),
        Some("2025-03-01T09:30:00.123Z")
    );
    assert_eq!(
        event.contact_uuid(),
        Some("0b6f3c1e-4f1a-4c55-9f0e-2b8f6f7c1a11")
    );
    let EventData::Contact(contact) = &event.data else {
        panic!("expected a contact event, got {:?}", event.data);
    };
    assert_eq!(contact.contact_email.as_deref(), Some("header@example.com"));
    assert_eq!(
        contact.email(),
        Some("body@example.com"),
        "the body comes first"
    );
    assert_eq!(contact.whatsapp_number(), Some("+15550100001"));
    assert_eq!(contact.get("first_name"), Some(&json!("Ada")));
}

#[test]
fn contact_accessors_fall_back_to_headers_and_an_empty_body_is_null() {
    for body in ["", "  \n"] {
        let request = delivery(
            "contact.deleted",
            &[
                (headers::CONTACT_EMAIL, "gone@example.com"),
                (headers::CONTACT_UUID, "uuid-1"),
            ],
            body,
        );
        let event = verifier().verify(&request).unwrap();
        let EventData::Contact(contact) = event.data else {
            panic!("expected a contact event");
        };
        assert_eq!(contact.body, serde_json::Value::Null);
        assert_eq!(contact.email(), Some("gone@example.com"));
        assert_eq!(contact.uuid(), Some("uuid-1"));
        assert_eq!(contact.whatsapp_number(), None);
    }
}

#[test]
fn every_contact_and_email_type_parses_into_its_family() {
    for kind in EventType::documented() {
        let family = kind.family();
        if family == EventFamily::WhatsApp {
            continue;
        }
        let event = verifier()
            .verify(&delivery(kind.as_str(), &[], "{}"))
            .unwrap();
        assert_eq!(event.event_type, kind);
        match (family, &event.data) {
            (EventFamily::Contact, EventData::Contact(_))
            | (EventFamily::Email, EventData::Email(_)) => {}
            other => panic!("{kind}: unexpected {other:?}"),
        }
    }
}

#[test]
fn email_event_reads_message_id_sender_and_recipient() {
    let request = delivery(
        "email.bounced",
        &[
            (headers::EMAIL_MESSAGE_ID, "<20250301.abc@mail.example>"),
            (headers::EMAIL_SENDER, "news@example.com"),
            (headers::CONTACT_UUID, "uuid-2"),
            (headers::CONTACT_EMAIL, "reader@example.com"),
        ],
        r#"{"bounce_type": "hard"}"#,
    );
    let event = verifier().verify(&request).unwrap();
    assert_eq!(event.event_type, EventType::EmailBounced);
    assert_eq!(event.contact_uuid(), Some("uuid-2"));
    let EventData::Email(email) = &event.data else {
        panic!("expected an email event, got {:?}", event.data);
    };
    assert_eq!(email.message_id(), Some("<20250301.abc@mail.example>"));
    assert_eq!(email.sender(), Some("news@example.com"));
    assert_eq!(email.email(), Some("reader@example.com"));
    assert_eq!(email.get("bounce_type"), Some(&json!("hard")));
}

#[test]
fn every_whatsapp_type_parses_its_payload() {
    let types = [
        ("whatsapp.sent", EventType::WhatsAppSent, "sent"),
        ("whatsapp.failed", EventType::WhatsAppFailed, "failed"),
        ("whatsapp.read", EventType::WhatsAppRead, "read"),
        ("whatsapp.engaged", EventType::WhatsAppEngaged, "engaged"),
        (
            "whatsapp.subscribed",
            EventType::WhatsAppSubscribed,
            "subscribed",
        ),
        (
            "whatsapp.unsubscribed",
            EventType::WhatsAppUnsubscribed,
            "unsubscribed",
        ),
        (
            "whatsapp.message_received",
            EventType::WhatsAppMessageReceived,
            "received",
        ),
    ];
    for (spelling, kind, status) in types {
        let request = delivery(
            spelling,
            &[
                (headers::MESSAGE_ID, "wamid.HBgLMTU1NTAxMDAwMDE"),
                (headers::SENDER_PHONE_NUMBER, "+15550100000"),
                (headers::CONTACT_UUID, "uuid-3"),
                (headers::CONTACT_WHATSAPP, "+15550100001"),
            ],
            &whatsapp_body(spelling, status),
        );
        let event = verifier().verify(&request).unwrap();
        assert_eq!(event.event_type, kind);
        assert_eq!(event.family(), EventFamily::WhatsApp);
        let EventData::WhatsApp(whatsapp) = &event.data else {
            panic!(
                "{spelling}: expected a WhatsApp event, got {:?}",
                event.data
            );
        };
        assert_eq!(
            whatsapp.message_id.as_deref(),
            Some("wamid.HBgLMTU1NTAxMDAwMDE")
        );
        assert_eq!(
            whatsapp.sender_phone_number.as_deref(),
            Some("+15550100000")
        );
        assert_eq!(whatsapp.contact_uuid.as_deref(), Some("uuid-3"));
        assert_eq!(whatsapp.contact_whatsapp.as_deref(), Some("+15550100001"));
        let payload = &whatsapp.payload;
        assert_eq!(payload.event_type, spelling);
        assert_eq!(payload.timestamp, "2025-03-01T09:30:00.123Z");
        assert_eq!(payload.status, status);
        assert_eq!(payload.sender, "+15550100000");
        assert_eq!(payload.receiver, "+15550100001");
        assert_eq!(payload.content, None);
        assert_eq!(payload.failure_reason, None);
    }
}

#[test]
fn whatsapp_payload_keeps_content_and_failure_reason_and_accepts_numbers() {
    let body = json!({
        "event_type": "failed",
        "timestamp": 1_740_821_400,
        "status": "failed",
        "sender": 15_550_100_000_u64,
        "receiver": "+15550100001",
        "content": {"type": "text", "text": {"body": "Hello"}},
        "failure_reason": "Message undeliverable",
    });
    let event = verifier()
        .verify(&delivery("whatsapp.failed", &[], &body.to_string()))
        .unwrap();
    let EventData::WhatsApp(whatsapp) = event.data else {
        panic!("expected a WhatsApp event");
    };
    let payload = whatsapp.payload;
    assert_eq!(payload.timestamp, "1740821400");
    assert_eq!(payload.sender, "15550100000");
    assert_eq!(
        payload.content,
        Some(json!({"type": "text", "text": {"body": "Hello"}}))
    );
    assert_eq!(
        payload.failure_reason.as_deref(),
        Some("Message undeliverable")
    );
    assert_eq!(whatsapp.message_id, None, "per-family headers are optional");

    let structured = json!({
        "event_type": "failed", "timestamp": "t", "status": "failed", "sender": "a",
        "receiver": "b", "content": null, "failure_reason": {"code": 131026},
    });
    let event = verifier()
        .verify(&delivery("whatsapp.failed", &[], &structured.to_string()))
        .unwrap();
    let EventData::WhatsApp(whatsapp) = event.data else {
        panic!("expected a WhatsApp event");
    };
    assert_eq!(whatsapp.payload.content, None);
    assert_eq!(
        whatsapp.payload.failure_reason.as_deref(),
        Some(r#"{"code":131026}"#)
    );
}

#[test]
fn whatsapp_payload_without_required_fields_is_rejected() {
    let body = json!({"event_type": "sent", "status": null, "sender": true, "receiver": "b"});
    let error = rejection(&delivery("whatsapp.sent", &[], &body.to_string()));
    assert_eq!(
        error,
        WebhookError::MissingWhatsAppFields {
            missing: vec!["timestamp", "status", "sender"]
        }
    );
    assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    assert!(error.to_string().contains("timestamp, status, sender"));

    for body in ["[1, 2, 3]", "\"text\"", ""] {
        let error = rejection(&delivery("whatsapp.read", &[], body));
        assert_eq!(
            error,
            WebhookError::MissingWhatsAppFields {
                missing: WhatsAppPayload::REQUIRED_FIELDS.to_vec()
            },
            "body {body:?}"
        );
    }
}

#[test]
fn undocumented_event_types_are_delivered_as_other() {
    let request = delivery(
        "sms.sent",
        &[("x-cocoon-sms-id", "sms-1"), ("x-other", "not kept")],
        r#"{"to": "+15550100001"}"#,
    );
    let event = verifier().verify(&request).unwrap();
    assert_eq!(event.event_type, EventType::Other("sms.sent".to_owned()));
    assert_eq!(event.family(), EventFamily::Other);
    let EventData::Other(other) = &event.data else {
        panic!("expected an Other event, got {:?}", event.data);
    };
    assert_eq!(other.header("x-cocoon-sms-id"), Some("sms-1"));
    assert_eq!(other.header(headers::EVENT_TYPE), Some("sms.sent"));
    assert_eq!(other.header("x-other"), None);
    assert_eq!(other.body, json!({"to": "+15550100001"}));

    // A new type in a documented family is still `Other`: its body shape is unknown.
    let event = verifier()
        .verify(&delivery("whatsapp.deleted", &[], "{}"))
        .unwrap();
    assert_eq!(event.family(), EventFamily::Other);
    assert!(matches!(event.data, EventData::Other(_)));
}

#[test]
fn event_type_spellings_round_trip_and_ignore_case() {
    let mut count = 0;
    for kind in EventType::documented() {
        assert_eq!(EventType::from(kind.as_str()), kind);
        assert_eq!(kind.as_str().parse::<EventType>(), Ok(kind.clone()));
        assert_eq!(EventType::from(kind.as_str().to_uppercase()), kind);
        assert_eq!(kind.to_string(), kind.as_str());
        count += 1;
    }
    assert_eq!(count, 16);
    let other = EventType::from(String::from("Contact.Merged"));
    assert_eq!(other.as_str(), "Contact.Merged");
    assert_eq!(other.family(), EventFamily::Other);
    assert_eq!(EventFamily::WhatsApp.to_string(), "whatsapp");
}

#[test]
fn missing_authorization_is_distinct_from_wrong_and_neither_leaks() {
    let mut request = delivery("contact.created", &[], "{}");
    request.headers_mut().remove("authorization");
    let missing = rejection(&request);
    assert_eq!(missing, WebhookError::MissingAuthorization);

    request
        .headers_mut()
        .insert("authorization", HeaderValue::from_static(""));
    assert_eq!(rejection(&request), WebhookError::MissingAuthorization);

    let received = "Bearer guessed-value";
    request
        .headers_mut()
        .insert("authorization", HeaderValue::from_static(received));
    let wrong = rejection(&request);
    assert_eq!(wrong, WebhookError::WrongAuthorization);

    for error in [&missing, &wrong] {
        assert_eq!(error.status(), StatusCode::UNAUTHORIZED);
        assert!(error.is_authorization_error());
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(!shown.contains("guessed"), "{shown}");
    }
    assert_ne!(missing.to_string(), wrong.to_string());
    assert!(!format!("{:?}", verifier()).contains("s3cret"));
}

#[test]
fn authorization_must_match_exactly_and_once() {
    let prefix = &SECRET[..SECRET.len() - 1];
    let longer = format!("{SECRET}x");
    let lowercase = SECRET.to_lowercase();
    for value in [prefix, longer.as_str(), lowercase.as_str(), "s3cret-value"] {
        let mut request = delivery("contact.created", &[], "{}");
        request
            .headers_mut()
            .insert("authorization", HeaderValue::from_str(value).unwrap());
        assert_eq!(
            rejection(&request),
            WebhookError::WrongAuthorization,
            "{value}"
        );
    }
    let mut twice = delivery("contact.created", &[], "{}");
    twice
        .headers_mut()
        .append("authorization", HeaderValue::from_static(SECRET));
    assert_eq!(rejection(&twice), WebhookError::WrongAuthorization);

    // Whitespace around the configured value is ignored.
    let padded = WebhookVerifier::new(format!("  {SECRET}\n"));
    assert!(padded
        .verify(&delivery("contact.created", &[], "{}"))
        .is_ok());
}

#[test]
fn authorization_is_checked_before_anything_else() {
    let mut request = Request::post("/hooks")
        .header("content-type", "text/plain")
        .body(vec![b'x'; 10])
        .unwrap();
    let small = verifier().with_max_body_bytes(1);
    assert_eq!(
        small.verify(&request).unwrap_err(),
        WebhookError::MissingAuthorization
    );
    request
        .headers_mut()
        .insert("authorization", HeaderValue::from_static("Bearer nope"));
    assert_eq!(
        small.verify(&request).unwrap_err(),
        WebhookError::WrongAuthorization
    );
}

#[test]
fn an_empty_expected_value_fails_closed() {
    let verifier = WebhookVerifier::new(String::new());
    assert!(verifier.requires_authorization());
    let mut request = delivery("contact.created", &[], "{}");
    assert_eq!(
        verifier.verify(&request).unwrap_err(),
        WebhookError::WrongAuthorization
    );
    request.headers_mut().remove("authorization");
    assert_eq!(
        verifier.verify(&request).unwrap_err(),
        WebhookError::MissingAuthorization
    );
}

#[test]
fn without_authorization_accepts_any_or_no_header() {
    let verifier = WebhookVerifier::without_authorization();
    assert!(!verifier.requires_authorization());
    let mut request = delivery("contact.updated", &[], "{}");
    assert!(verifier.verify(&request).is_ok());
    request.headers_mut().remove("authorization");
    assert!(verifier.verify(&request).is_ok());
}

#[test]
fn a_missing_or_empty_event_type_is_rejected() {
    let mut request = delivery("contact.created", &[], "{}");
    request.headers_mut().remove(headers::EVENT_TYPE);
    let error = rejection(&request);
    assert_eq!(error, WebhookError::MissingEventType);
    assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    assert!(!error.is_authorization_error());

    request
        .headers_mut()
        .insert(headers::EVENT_TYPE, HeaderValue::from_static(" "));
    assert_eq!(rejection(&request), WebhookError::MissingEventType);
}

#[test]
fn headers_that_are_not_visible_ascii_are_rejected_by_name() {
    let cases = [
        (headers::EVENT_TYPE, "contact.created"),
        (headers::EVENT_DATETIME, "contact.created"),
        (headers::CONTACT_EMAIL, "contact.created"),
        (headers::EMAIL_SENDER, "email.sent"),
        (headers::SENDER_PHONE_NUMBER, "whatsapp.read"),
        ("x-cocoon-new-header", "sms.sent"),
        ("content-type", "contact.created"),
    ];
    for (name, event_type) in cases {
        let mut request = delivery(event_type, &[], "{}");
        request.headers_mut().insert(
            name,
            HeaderValue::from_bytes(b"caf\xC3\xA9@example.com").unwrap(),
        );
        assert_eq!(
            rejection(&request),
            WebhookError::InvalidHeader {
                name: name.to_owned()
            },
            "{name}"
        );
    }
    // A header of another family is not read, so it cannot fail the delivery.
    let mut request = delivery("contact.created", &[], "{}");
    request.headers_mut().insert(
        headers::EMAIL_SENDER,
        HeaderValue::from_bytes(b"\xFF").unwrap(),
    );
    assert!(verifier().verify(&request).is_ok());
}

#[test]
fn only_json_content_types_are_accepted_and_a_missing_one_means_json() {
    for accepted in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
    ] {
        let mut request = delivery("contact.created", &[], "{}");
        request
            .headers_mut()
            .insert("content-type", HeaderValue::from_static(accepted));
        assert!(verifier().verify(&request).is_ok(), "{accepted}");
    }
    let mut request = delivery("contact.created", &[], "{}");
    request.headers_mut().remove("content-type");
    assert!(verifier().verify(&request).is_ok());

    for rejected in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/jsonp",
        "",
    ] {
        let mut request = delivery("contact.created", &[], "{}");
        request
            .headers_mut()
            .insert("content-type", HeaderValue::from_static(rejected));
        let error = rejection(&request);
        assert_eq!(
            error,
            WebhookError::UnsupportedContentType {
                content_type: rejected.to_owned()
            }
        );
        assert_eq!(error.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    let long = format!("text/{}", "x".repeat(500));
    let mut request = delivery("contact.created", &[], "{}");
    request
        .headers_mut()
        .insert("content-type", HeaderValue::from_str(&long).unwrap());
    let WebhookError::UnsupportedContentType { content_type } = rejection(&request) else {
        panic!("expected an unsupported content type");
    };
    assert_eq!(content_type.len(), 100);
}

#[test]
fn malformed_json_reports_the_parser_message_but_not_the_body() {
    for body in [
        r#"{"token": "abc123secret", "#,
        "{not json}",
        "\u{1}",
        r#"{"a": 1} trailing-secret"#,
    ] {
        let error = rejection(&delivery("email.opened", &[], body));
        let WebhookError::MalformedJson { message } = &error else {
            panic!("{body:?}: expected malformed JSON, got {error:?}");
        };
        assert!(message.contains("line 1"), "{message}");
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(!shown.contains("not json"), "{shown}");
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    }
    let invalid_utf8 = delivery("email.opened", &[], "");
    let (parts, _) = invalid_utf8.into_parts();
    let request = Request::from_parts(parts, b"\"\xFF\"".to_vec());
    assert!(matches!(
        rejection(&request),
        WebhookError::MalformedJson { .. }
    ));
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let request = delivery(
        "contact.created",
        &[],
        "\u{FEFF}{\"email\": \"a@example.com\"}",
    );
    let event = verifier().verify(&request).unwrap();
    let EventData::Contact(contact) = event.data else {
        panic!("expected a contact event");
    };
    assert_eq!(contact.email(), Some("a@example.com"));
}

#[test]
fn a_body_over_the_limit_is_rejected_with_the_limit() {
    let verifier = verifier().with_max_body_bytes(16);
    assert_eq!(verifier.max_body_bytes(), 16);
    assert_eq!(
        WebhookVerifier::new("x").max_body_bytes(),
        DEFAULT_MAX_BODY_BYTES
    );
    let at_limit = delivery("contact.created", &[], r#"{"a":"12345678"}"#);
    assert_eq!(at_limit.body().len(), 16);
    assert!(verifier.verify(&at_limit).is_ok());

    let over = delivery("contact.created", &[], r#"{"a":"123456789"}"#);
    let error = verifier.verify(&over).unwrap_err();
    assert_eq!(
        error,
        WebhookError::BodyTooLarge {
            size: 17,
            limit: 16
        }
    );
    assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(error.to_string().contains("16 bytes"));
}

#[test]
fn verify_parts_and_check_authorization_agree_with_verify() {
    let request = delivery("email.clicked", &[], "{}");
    let whole = verifier().verify(&request).unwrap();
    let parts = verifier()
        .verify_parts(request.headers(), request.body())
        .unwrap();
    assert_eq!(whole, parts);
    assert_eq!(verifier().check_authorization(request.headers()), Ok(()));
    let str_body = Request::post("/")
        .header("authorization", SECRET)
        .header(headers::EVENT_TYPE, "email.sent")
        .body("{}")
        .unwrap();
    assert!(verifier().verify(&str_body).is_ok());
}

#[test]
fn an_echoed_content_type_is_the_only_header_an_error_repeats() {
    // Found by the property test: with the secret also sent as the content type, the
    // content-type error repeats that header, which is expected; Authorization never is.
    let mut request = delivery("sms.sent", &[], "");
    request
        .headers_mut()
        .insert("content-type", HeaderValue::from_static(SECRET));
    assert_eq!(
        rejection(&request),
        WebhookError::UnsupportedContentType {
            content_type: SECRET.to_owned()
        }
    );
}

/// Header names the property test draws from: documented, related and made up.
const NAMES: [&str; 14] = [
    "authorization",
    "content-type",
    headers::EVENT_TYPE,
    headers::EVENT_DATETIME,
    headers::CONTACT_UUID,
    headers::CONTACT_EMAIL,
    headers::CONTACT_WHATSAPP,
    headers::EMAIL_MESSAGE_ID,
    headers::EMAIL_SENDER,
    headers::MESSAGE_ID,
    headers::SENDER_PHONE_NUMBER,
    "x-cocoon-extra",
    "x-unrelated",
    "content-length",
];

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(SECRET.as_bytes().to_vec()),
        Just(b"application/json".to_vec()),
        Just(b"text/plain".to_vec()),
        (0..EventType::documented().count()).prop_map(|index| {
            EventType::documented()
                .nth(index)
                .map(|kind| kind.as_str().as_bytes().to_vec())
                .unwrap_or_default()
        }),
        proptest::collection::vec(any::<u8>(), 0..40),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        "[ -~]{0,80}".prop_map(String::into_bytes),
        (
            prop::option::of("[a-z+0-9]{0,8}"),
            prop::option::of(any::<i64>()),
            prop::option::of("[a-z]{0,8}"),
            any::<bool>(),
        )
            .prop_map(|(sender, timestamp, status, with_content)| {
                let mut body = serde_json::Map::new();
                body.insert("event_type".into(), json!("whatsapp.read"));
                body.insert("receiver".into(), json!("+1555"));
                if let Some(sender) = sender {
                    body.insert("sender".into(), json!(sender));
                }
                if let Some(timestamp) = timestamp {
                    body.insert("timestamp".into(), json!(timestamp));
                }
                if let Some(status) = status {
                    body.insert("status".into(), json!(status));
                }
                if with_content {
                    body.insert("content".into(), json!([1, {"a": null}]));
                }
                serde_json::Value::Object(body).to_string().into_bytes()
            }),
    ]
}

proptest! {
    // Failures are not saved to a file: a shrunk failure is turned into a unit test instead.
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        cases: 512,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_delivery_makes_the_verifier_panic(
        headers in proptest::collection::vec((0..NAMES.len(), header_value()), 0..12),
        body in body(),
    ) {
        let mut request = Request::new(body);
        for (index, value) in headers {
            if let Ok(value) = HeaderValue::from_bytes(&value) {
                request.headers_mut().append(NAMES[index], value);
            }
        }
        let authorized = {
            let values: Vec<_> = request.headers().get_all("authorization").iter().collect();
            values.len() == 1 && values[0].as_bytes() == SECRET.as_bytes()
        };
        let strict = verifier().with_max_body_bytes(150).verify(&request);
        if !authorized {
            prop_assert!(strict.as_ref().is_err_and(WebhookError::is_authorization_error));
        }
        // An error may repeat a content type, but never the Authorization value: unless the
        // secret was also sent in another header, no error shows it.
        let secret_elsewhere = request
            .headers()
            .iter()
            .any(|(name, value)| name != "authorization" && value.as_bytes() == SECRET.as_bytes());
        if let Err(error) = &strict {
            let shown = format!("{error} {error:?}");
            prop_assert!(secret_elsewhere || !shown.contains("s3cret"), "{}", shown);
            let _ = error.status();
        }
        let open = WebhookVerifier::without_authorization().verify(&request);
        prop_assert!(!open.as_ref().is_err_and(WebhookError::is_authorization_error));
    }
}
