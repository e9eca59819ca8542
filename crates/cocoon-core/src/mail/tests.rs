//! The unit tests of the mail operations: the bytes on the wire, refused inputs, answers.

use serde_json::{json, Map, Value};

use super::attachment::is_base64;
use super::*;
use crate::error::{Error, InvalidInput};
use crate::quota::Quota;
use crate::test_support::{answer, wire};
use crate::Endpoint;

fn body_json(body: &str) -> Value {
    serde_json::from_str(body).expect("body is JSON")
}

fn refused<E: Endpoint>(endpoint: &E) -> InvalidInput {
    match crate::build_request(&crate::test_support::config(), endpoint) {
        Err(Error::InvalidInput(e)) => e,
        other => panic!("expected invalid input, got {other:?}"),
    }
}

// ---- SendMail: the wire ----

#[test]
fn raw_mail_with_one_recipient_is_minimal() {
    let mail =
        SendMail::new(MailContent::raw("<p>Hi</p>", "s@example.com", "Hello")).to("a@example.com");
    let w = wire(&mail);
    assert_eq!(w.method, "POST");
    assert_eq!(w.path, "/webhook/mail/send");
    assert_eq!(
        w.body,
        r#"{"email_content":"<p>Hi</p>","sender":"s@example.com","subject":"Hello","to":[{"email":"a@example.com"}]}"#
    );
}

#[test]
fn template_and_transactional_modes_send_only_their_fields() {
    let mail = SendMail::new(MailContent::template(
        "4f1c1a2e-0000-4000-8000-000000000001",
        "s@example.com",
        "Your order",
    ))
    .to("a@example.com");
    assert_eq!(
        wire(&mail).body,
        r#"{"template_uuid":"4f1c1a2e-0000-4000-8000-000000000001","sender":"s@example.com","subject":"Your order","to":[{"email":"a@example.com"}]}"#
    );

    let mail = SendMail::new(MailContent::transactional("tx_welcome")).to("a@example.com");
    assert_eq!(
        wire(&mail).body,
        r#"{"transactional_id":"tx_welcome","to":[{"email":"a@example.com"}]}"#
    );
}

#[test]
fn every_optional_field_goes_on_the_wire_with_its_exact_name() {
    let mail = SendMail::new(MailContent::raw(
        "<p>Hi {{first}}</p>",
        "s@example.com",
        "Hi",
    ))
    .to(Recipient::new("a@example.com")
        .name("Ada Lovelace")
        .first_name("Ada")
        .middle_name("King")
        .last_name("Lovelace")
        .attribute("plan", "pro")
        .attribute("seats", 3)
        .list("newsletter")
        .lists(["beta"])
        .tag("vip")
        .tags(["early"])
        .gender("female")
        .age(36)
        .address1("12 St James's Square")
        .address2("Flat 1")
        .city("London")
        .state("Greater London")
        .country("GB")
        .postal_code("SW1Y 4JH")
        .designation("Analyst")
        .company("Analytical Engines Ltd")
        .industry("Computing")
        .description("First programmer")
        .anniversary_date("1835-07-08"))
    .to_all(["b@example.com"])
    .reply_to("support@example.com")
    .cc("c@example.com")
    .cc_all(["d@example.com"])
    .custom_parameter("first", "Ada")
    .custom_parameters(Map::from_iter([("n".to_owned(), json!(2))]))
    .attachment(Attachment::new("a.txt", "text/plain", b"foo"))
    .attachments([Attachment::from_base64("b.bin", "application/octet-stream", "AAE=").unwrap()])
    .remote_attachment(RemoteAttachment::new("https://example.com/c.pdf"))
    .remote_attachments([RemoteAttachment::new("https://example.com/d.pdf")])
    .add_email_address_to_contact(true)
    .scheduled_at("2025-01-31T09:00:00Z")
    .allow_click_tracking(true)
    .allow_open_tracking(false)
    .ignore_contact_bounce(true)
    .ignore_contact_unsubscribe(false)
    .enable_view_in_browser(true)
    .include_unsubscribe(true)
    .tag("welcome")
    .tags(["q1"]);
    let w = wire(&mail);
    assert_eq!(
        w.body,
        concat!(
            r#"{"email_content":"<p>Hi {{first}}</p>","sender":"s@example.com","subject":"Hi","#,
            r#""to":[{"email":"a@example.com","name":"Ada Lovelace","first_name":"Ada","middle_name":"King","#,
            r#""last_name":"Lovelace","attributes":{"plan":"pro","seats":3},"lists":["newsletter","beta"],"#,
            r#""tags":["vip","early"],"gender":"female","age":36,"Address1":"12 St James's Square","#,
            r#""Address2":"Flat 1","city":"London","state":"Greater London","country":"GB","#,
            r#""postal_code":"SW1Y 4JH","designation":"Analyst","company":"Analytical Engines Ltd","#,
            r#""industry":"Computing","description":"First programmer","anniversary_date":"1835-07-08"},"#,
            r#"{"email":"b@example.com"}],"#,
            r#""reply_to":"support@example.com","cc":["c@example.com","d@example.com"],"#,
            r#""custom_parameter":{"first":"Ada","n":2},"#,
            r#""attachments":[{"filename":"a.txt","contentType":"text/plain","data":"Zm9v"},"#,
            r#"{"filename":"b.bin","contentType":"application/octet-stream","data":"AAE="}],"#,
            r#""attachments_remote":[{"remote_link":"https://example.com/c.pdf"},"#,
            r#"{"remote_link":"https://example.com/d.pdf"}],"#,
            r#""add_email_address_to_contact":true,"scheduled_at":"2025-01-31T09:00:00Z","#,
            r#""allow_click_tracking":true,"allow_open_tracking":false,"ignore_contact_bounce":true,"#,
            r#""ignore_contact_unsubscribe":false,"enable_view_in_browser":true,"include_unsubscribe":true,"#,
            r#""tags":["welcome","q1"]}"#
        )
    );
    // The same, field by field, for the names that are easy to get wrong.
    let v = body_json(&w.body);
    assert_eq!(v["to"][0]["Address1"], "12 St James's Square");
    assert_eq!(v["to"][0]["Address2"], "Flat 1");
    assert_eq!(v["attachments"][0]["contentType"], "text/plain");
    assert_eq!(v["custom_parameter"], json!({"first": "Ada", "n": 2}));
    assert_eq!(v["cc"], json!(["c@example.com", "d@example.com"]));
    assert!(v.get("address1").is_none() && v.get("custom_parameters").is_none());
}

#[test]
fn attributes_and_custom_parameters_merge_by_key() {
    let mail = SendMail::new(MailContent::transactional("t"))
        .to(Recipient::new("a@example.com")
            .attribute("a", 1)
            .attributes(Map::from_iter([
                ("a".to_owned(), json!(2)),
                ("b".to_owned(), json!(true)),
            ])))
        .custom_parameter("x", "old")
        .custom_parameter("x", "new");
    let v = body_json(&wire(&mail).body);
    assert_eq!(v["to"][0]["attributes"], json!({"a": 2, "b": true}));
    assert_eq!(v["custom_parameter"], json!({"x": "new"}));
}

#[test]
fn mail_send_is_not_idempotent() {
    let mail = SendMail::new(MailContent::transactional("t")).to("a@example.com");
    assert_eq!(mail.idempotency(), crate::Idempotency::NotIdempotent);
}

// ---- SendMail: refused inputs ----

#[test]
fn mail_without_recipients_is_refused() {
    let e = refused(&SendMail::new(MailContent::transactional("t")));
    assert_eq!(e.field, "to");
}

#[test]
fn empty_required_strings_are_refused_with_their_wire_name() {
    let ok = |content| SendMail::new(content).to("a@example.com");
    assert_eq!(
        refused(&ok(MailContent::raw("", "s@e.com", "S"))).field,
        "email_content"
    );
    assert_eq!(
        refused(&ok(MailContent::raw("c", " ", "S"))).field,
        "sender"
    );
    assert_eq!(
        refused(&ok(MailContent::raw("c", "s@e.com", ""))).field,
        "subject"
    );
    assert_eq!(
        refused(&ok(MailContent::template("", "s@e.com", "S"))).field,
        "template_uuid"
    );
    assert_eq!(
        refused(&ok(MailContent::template("u", "", "S"))).field,
        "sender"
    );
    assert_eq!(
        refused(&ok(MailContent::transactional(""))).field,
        "transactional_id"
    );

    let base = || SendMail::new(MailContent::transactional("t")).to("a@example.com");
    assert_eq!(refused(&base().to("")).field, "to[1].email");
    assert_eq!(refused(&base().reply_to("")).field, "reply_to");
    assert_eq!(refused(&base().cc("x@e.com").cc("")).field, "cc[1]");
    assert_eq!(
        refused(&base().attachment(Attachment::new("", "text/plain", b"x"))).field,
        "attachments[0].filename"
    );
    assert_eq!(
        refused(&base().attachment(Attachment::new("a", "", b"x"))).field,
        "attachments[0].contentType"
    );
    assert_eq!(
        refused(&base().remote_attachment(RemoteAttachment::new(""))).field,
        "attachments_remote[0].remote_link"
    );
    assert_eq!(refused(&base().scheduled_at("")).field, "scheduled_at");
}

// ---- SendMail: the answer ----

#[test]
fn send_answer_of_the_docs_decodes() {
    let mail = SendMail::new(MailContent::transactional("t")).to("a@example.com");
    let out = answer(
        &mail,
        201,
        r#"{"success": true, "failed_recipients": [], "report": [{"to": "a@example.com", "message_id": "msg-1"}],
            "quotas": {"MAX_SEND_MAIL_PER_DAY": {"limit": 1000, "usage": 12},
                       "MAX_SEND_MAIL_PER_MONTH_TRANSACTIONAL": {"limit": 30000, "usage": 340}},
            "sender": "s@example.com", "message": "Transactional mails sent successfully"}"#,
    )
    .unwrap();
    assert_eq!(out.success, Some(true));
    assert!(out.failed_recipients.is_empty());
    assert_eq!(out.report.len(), 1);
    assert_eq!(out.report[0].to.as_deref(), Some("a@example.com"));
    assert_eq!(out.report[0].message_id.as_deref(), Some("msg-1"));
    assert_eq!(
        out.quotas.per_day(),
        Some(&Quota::new(Some(1000), Some(12)))
    );
    assert_eq!(
        out.quotas.per_month_transactional().unwrap().remaining(),
        Some(29660)
    );
    assert_eq!(out.sender.as_deref(), Some("s@example.com"));
    assert_eq!(
        out.message.as_deref(),
        Some("Transactional mails sent successfully")
    );
}

#[test]
fn send_answer_is_lenient() {
    let mail = SendMail::new(MailContent::transactional("t")).to("a@example.com");
    let out = answer(
        &mail,
        201,
        r#"{"failed_emails": ["x@example.com"], "report": null, "sender": null, "new_field": {"a": 1},
            "quotas": {"MAX_SEND_MAIL_PER_DAY": {"limit": "1000", "usage": "12"}}}"#,
    )
    .unwrap();
    assert_eq!(out.success, None);
    assert_eq!(out.failed_recipients, [json!("x@example.com")]);
    assert!(out.report.is_empty());
    assert_eq!(out.sender, None);
    assert_eq!(out.quotas.per_day().unwrap().remaining(), Some(988));

    let out = answer(&mail, 201, "{}").unwrap();
    assert_eq!(out, SendMailResponse::default());
    let out = answer(
        &mail,
        201,
        r#"{"quotas": null, "failed_recipients": null, "report": [{"to": "a@example.com"}]}"#,
    )
    .unwrap();
    assert!(out.quotas.is_empty() && out.failed_recipients.is_empty());
    assert_eq!(out.report[0].message_id, None);
}

#[test]
fn send_answer_saying_failure_is_an_error() {
    let mail = SendMail::new(MailContent::transactional("t")).to("a@example.com");
    let err = answer(
        &mail,
        201,
        r#"{"success": false, "message": "sender not verified"}"#,
    )
    .unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.message.as_deref() == Some("sender not verified")));
    let err = answer(&mail, 400, r#"{"message": "to is required"}"#).unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
}

// ---- SendDirectMail ----

#[test]
fn direct_mail_wire() {
    let mail = SendDirectMail::new("<p>Hi</p>", "s@example.com", "Hello")
        .to(DirectRecipient::new("a@example.com").name("Ada"))
        .to("b@example.com");
    let w = wire(&mail);
    assert_eq!(w.method, "POST");
    assert_eq!(w.path, "/webhook/mail/send-direct");
    assert_eq!(
        w.body,
        r#"{"email_content":"<p>Hi</p>","sender":"s@example.com","subject":"Hello","to":[{"email":"a@example.com","name":"Ada"},{"email":"b@example.com"}]}"#
    );

    let mail = SendDirectMail::new("c", "s@example.com", "S")
        .to_all(["a@example.com"])
        .reply_to("r@example.com")
        .cc("c@example.com")
        .cc_all(["d@example.com"])
        .attachment(Attachment::new("f.txt", "text/plain", b"f"))
        .attachments([Attachment::new("g.txt", "text/plain", b"")]);
    assert_eq!(
        wire(&mail).body,
        concat!(
            r#"{"email_content":"c","sender":"s@example.com","subject":"S","to":[{"email":"a@example.com"}],"#,
            r#""reply_to":"r@example.com","cc":["c@example.com","d@example.com"],"#,
            r#""attachments":[{"filename":"f.txt","contentType":"text/plain","data":"Zg=="},"#,
            r#"{"filename":"g.txt","contentType":"text/plain","data":""}]}"#
        )
    );
}

#[test]
fn direct_mail_refuses_missing_parts() {
    assert_eq!(
        refused(&SendDirectMail::new("c", "s@e.com", "S")).field,
        "to"
    );
    let to = |m: SendDirectMail| m.to("a@example.com");
    assert_eq!(
        refused(&to(SendDirectMail::new("", "s@e.com", "S"))).field,
        "email_content"
    );
    assert_eq!(
        refused(&to(SendDirectMail::new("c", "", "S"))).field,
        "sender"
    );
    assert_eq!(
        refused(&to(SendDirectMail::new("c", "s@e.com", " "))).field,
        "subject"
    );
    assert_eq!(
        refused(&to(SendDirectMail::new("c", "s@e.com", "S")).to("")).field,
        "to[1].email"
    );
    assert_eq!(
        refused(&to(SendDirectMail::new("c", "s@e.com", "S")).cc("")).field,
        "cc[0]"
    );
}

#[test]
fn direct_mail_answer_decodes() {
    let mail = SendDirectMail::new("c", "s@example.com", "S").to("a@example.com");
    let out = answer(
        &mail,
        201,
        r#"{"success": true, "message": "Mail sent", "sent_recipients": ["a@example.com"],
            "failed_recipients": [], "invalid_recipients": ["not-an-email"]}"#,
    )
    .unwrap();
    assert_eq!(out.success, Some(true));
    assert_eq!(out.message.as_deref(), Some("Mail sent"));
    assert_eq!(out.sent_recipients, ["a@example.com"]);
    assert!(out.failed_recipients.is_empty());
    assert_eq!(out.invalid_recipients, [json!("not-an-email")]);

    let out = answer(
        &mail,
        201,
        r#"{"failed_emails": [{"email": "b@example.com"}], "sent_recipients": null}"#,
    )
    .unwrap();
    assert_eq!(out.failed_recipients, [json!({"email": "b@example.com"})]);
    assert!(out.sent_recipients.is_empty());
}

// ---- MailUsage ----

#[test]
fn usage_is_a_bodiless_post() {
    let w = wire(&MailUsage::new());
    assert_eq!(w.method, "POST");
    assert_eq!(w.path, "/webhook/mail/usage");
    assert_eq!(w.body, "");
    assert_eq!(
        MailUsage::new().idempotency(),
        crate::Idempotency::Idempotent
    );
}

#[test]
fn usage_answer_keeps_the_whole_object_and_types_quotas() {
    let body = r#"{"success": true, "plan": "growth",
        "quotas": {"MAX_SEND_MAIL_PER_DAY": {"limit": 1000, "usage": "12"},
                   "MAX_SEND_MAIL_PER_MONTH_TRANSACTIONAL": {"limit": "30000", "usage": 340}}}"#;
    let out = answer(&MailUsage::new(), 200, body).unwrap();
    assert_eq!(out.success, Some(true));
    assert_eq!(
        out.quotas.per_day(),
        Some(&Quota::new(Some(1000), Some(12)))
    );
    assert_eq!(
        out.quotas.per_month_transactional().unwrap().limit,
        Some(30000)
    );
    assert_eq!(out.raw.get("plan"), Some(&json!("growth")));
    assert_eq!(Value::Object(out.raw.clone()), body_json(body));
    // It serialises back as what was received.
    assert_eq!(serde_json::to_value(&out).unwrap(), body_json(body));
}

#[test]
fn usage_answer_without_quotas_or_object_is_lenient() {
    let out = answer(
        &MailUsage::new(),
        200,
        r#"{"success": true, "quotas": "n/a"}"#,
    )
    .unwrap();
    assert!(out.quotas.is_empty());
    assert_eq!(out.raw.len(), 2);
    let out = answer(&MailUsage::new(), 200, "[]").unwrap();
    assert_eq!(out, MailUsageResponse::default());
}

// ---- MailStatus ----

#[test]
fn status_is_a_get_with_an_encoded_message_id() {
    let w = wire(&MailStatus::new("<0100018f+abc@eu-west-1.example.com>"));
    assert_eq!(w.method, "GET");
    assert_eq!(
        w.path,
        "/webhook/mail/status?message_id=%3C0100018f%2Babc%40eu-west-1.example.com%3E"
    );
    assert_eq!(w.body, "");
    assert_eq!(refused(&MailStatus::new("")).field, "message_id");
}

#[test]
fn status_answer_decodes_every_field() {
    let body = r#"{"message": "Mail status fetched", "data": {
        "x_message_id": "<m1@example.com>", "mail_content": "<p>Hi</p>", "subject": "Hello",
        "name": "Ada", "email": "a@example.com",
        "sent": true, "delivered": true, "bounced": false, "unsubscribed": false,
        "open": true, "clicked": true, "sendable": true, "failed": false,
        "opened_count": 2, "clicked_count": "1",
        "sent_at": "2025-01-31T09:00:00.123Z", "delivered_at": "2025-01-31T09:00:01.123456Z",
        "bounced_at": null, "unsubscribed_at": null, "scheduled_at": null,
        "created": "2025-01-31T08:59:59.000Z",
        "bounced_error": null, "bounce_type": null,
        "SMTP_code": "250", "SMTP_error": null,
        "transactional_mail_id": "tx_1", "transactional_name": "Welcome",
        "tracking_logs": [
            {"user_agent": "Mozilla/5.0", "client_family": "Gmail", "client_version": "1",
             "os_name": "Android", "os_version": "14", "device_type": "mobile",
             "ip_address": "203.0.113.9", "created": "2025-01-31T09:05:00Z", "type": "OPEN"},
            {"type": "CLICK"}, {"type": "SPAM_REPORT"}, {}
        ]}}"#;
    let out = answer(&MailStatus::new("m1"), 200, body).unwrap();
    assert_eq!(out.message.as_deref(), Some("Mail status fetched"));
    let d = &out.data;
    assert_eq!(d.x_message_id.as_deref(), Some("<m1@example.com>"));
    assert_eq!(d.mail_content.as_deref(), Some("<p>Hi</p>"));
    assert_eq!(d.subject.as_deref(), Some("Hello"));
    assert_eq!(d.name.as_deref(), Some("Ada"));
    assert_eq!(d.email.as_deref(), Some("a@example.com"));
    assert_eq!(
        [
            d.sent,
            d.delivered,
            d.bounced,
            d.unsubscribed,
            d.open,
            d.clicked,
            d.sendable,
            d.failed
        ],
        [
            Some(true),
            Some(true),
            Some(false),
            Some(false),
            Some(true),
            Some(true),
            Some(true),
            Some(false)
        ]
    );
    assert_eq!((d.opened_count, d.clicked_count), (Some(2), Some(1)));
    assert_eq!(d.sent_at.as_deref(), Some("2025-01-31T09:00:00.123Z"));
    assert_eq!(
        d.delivered_at.as_deref(),
        Some("2025-01-31T09:00:01.123456Z")
    );
    assert_eq!(
        (&d.bounced_at, &d.unsubscribed_at, &d.scheduled_at),
        (&None, &None, &None)
    );
    assert_eq!(d.created.as_deref(), Some("2025-01-31T08:59:59.000Z"));
    assert_eq!((&d.bounced_error, &d.bounce_type), (&None, &None));
    assert_eq!(d.smtp_code.as_deref(), Some("250"));
    assert_eq!(d.smtp_error, None);
    assert_eq!(d.transactional_mail_id.as_deref(), Some("tx_1"));
    assert_eq!(d.transactional_name.as_deref(), Some("Welcome"));
    let logs = &d.tracking_logs;
    assert_eq!(logs.len(), 4);
    assert_eq!(logs[0].kind, Some(TrackingEvent::Open));
    assert_eq!(logs[0].user_agent.as_deref(), Some("Mozilla/5.0"));
    assert_eq!(logs[0].client_family.as_deref(), Some("Gmail"));
    assert_eq!(logs[0].client_version.as_deref(), Some("1"));
    assert_eq!(logs[0].os_name.as_deref(), Some("Android"));
    assert_eq!(logs[0].os_version.as_deref(), Some("14"));
    assert_eq!(logs[0].device_type.as_deref(), Some("mobile"));
    assert_eq!(logs[0].ip_address.as_deref(), Some("203.0.113.9"));
    assert_eq!(logs[0].created.as_deref(), Some("2025-01-31T09:05:00Z"));
    assert_eq!(logs[1].kind, Some(TrackingEvent::Click));
    assert_eq!(
        logs[2].kind,
        Some(TrackingEvent::Other("SPAM_REPORT".into()))
    );
    assert_eq!(logs[3], TrackingLog::default());
}

#[test]
fn status_answer_is_lenient() {
    let status = MailStatus::new("m1");
    let out = answer(&status, 200, r#"{"message": "ok"}"#).unwrap();
    assert_eq!(out.data, MailStatusData::default());
    let out = answer(&status, 200, r#"{"data": null}"#).unwrap();
    assert_eq!(out.data, MailStatusData::default());
    let out = answer(
        &status,
        200,
        r#"{"data": {"SMTP_code": 550, "transactional_mail_id": 42, "opened_count": "many",
                     "tracking_logs": null, "extra": [1, 2]}}"#,
    )
    .unwrap();
    assert_eq!(out.data.smtp_code.as_deref(), Some("550"));
    assert_eq!(out.data.transactional_mail_id.as_deref(), Some("42"));
    assert_eq!(out.data.opened_count, None);
    assert!(out.data.tracking_logs.is_empty());
}

#[test]
fn status_of_an_unknown_message_is_not_found() {
    let err = answer(&MailStatus::new("nope"), 404, r#"{"message": "Not found"}"#).unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));
}

#[test]
fn tracking_events_serialise_as_sent() {
    assert_eq!(
        serde_json::to_string(&TrackingEvent::Open).unwrap(),
        r#""OPEN""#
    );
    assert_eq!(
        serde_json::to_string(&TrackingEvent::Other("BOUNCE".into())).unwrap(),
        r#""BOUNCE""#
    );
    assert_eq!(
        serde_json::from_str::<TrackingEvent>(r#""click""#).unwrap(),
        TrackingEvent::Click
    );
    assert_eq!(TrackingEvent::Click.as_str(), "CLICK");
}

// ---- base64 ----

#[test]
fn base64_rfc4648_vectors() {
    for (input, expected) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64_encode(input.as_bytes()), expected, "input {input:?}");
        assert!(is_base64(expected));
    }
}

#[test]
fn base64_of_every_byte_value() {
    let bytes: Vec<u8> = (0..=255).collect();
    assert_eq!(
        base64_encode(&bytes),
        concat!(
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZH",
            "SElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6P",
            "kJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX",
            "2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w=="
        )
    );
    assert_eq!(base64_encode(&[0xFB, 0xFF]), "+/8=");
}

#[test]
fn base64_text_is_checked() {
    for bad in [
        "Zg=",
        "Zg===",
        "Z===",
        "Zm9v\nYmFy",
        "Zm 9v",
        "Zm9v-_==",
        "=Zm9",
        "héé=",
    ] {
        assert!(!is_base64(bad), "{bad:?} should be refused");
        let e = Attachment::from_base64("f", "text/plain", bad).unwrap_err();
        assert_eq!(e.field, "data");
    }
}

/// What an attachment's `data` holds for `bytes`.
fn base64_encode(bytes: &[u8]) -> String {
    Attachment::new("f", "application/octet-stream", bytes)
        .data()
        .to_owned()
}

/// The base64 of attachments against the hand-written code it replaced (kept here as the
/// reference) and against the `base64` crate's strict standard engine: the same text for
/// any bytes, and the verdicts of before on any text, which differ from the strict
/// engine's only on a last symbol whose unused low bits are not zero (`"Z9a="`,
/// `"Zh=="`): accepted, as before.
mod base64_keeps_its_behaviour {
    use super::*;
    use base64::prelude::{Engine as _, BASE64_STANDARD};
    use proptest::prelude::*;

    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// The hand-written encoder the crate replaced.
    fn reference_encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
            let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
            let sextet = |shift: u32| char::from(ALPHABET[((n >> shift) & 0x3F) as usize]);
            out.push(sextet(18));
            out.push(sextet(12));
            out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
            out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
        }
        out
    }

    /// The hand-written check the crate replaced.
    fn reference_accepts(text: &str) -> bool {
        let bytes = text.as_bytes();
        if bytes.len() % 4 != 0 {
            return false;
        }
        let padding = bytes.iter().rev().take_while(|&&b| b == b'=').count();
        padding <= 2
            && bytes[..bytes.len() - padding]
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    }

    fn accepted(text: &str) -> bool {
        Attachment::from_base64("f", "text/plain", text).is_ok()
    }

    fn base64_like() -> impl Strategy<Value = String> {
        prop_oneof![
            // Text over the alphabet, padding and a few strangers.
            "[A-Za-z0-9+/=_ .\n-]{0,16}",
            // Real encodings, one symbol replaced.
            (
                prop::collection::vec(any::<u8>(), 0..12),
                any::<prop::sample::Index>(),
                "[A-Za-z0-9+/=]"
            )
                .prop_map(|(bytes, at, symbol)| {
                    let mut text = BASE64_STANDARD.encode(bytes);
                    if !text.is_empty() {
                        let at = at.index(text.len());
                        text.replace_range(at..=at, &symbol);
                    }
                    text
                }),
        ]
    }

    proptest! {
        #[test]
        fn encoding_is_what_it_was_and_standard(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let encoded = base64_encode(&bytes);
            prop_assert_eq!(&encoded, &reference_encode(&bytes));
            prop_assert_eq!(&encoded, &BASE64_STANDARD.encode(&bytes));
        }

        #[test]
        fn verdicts_are_what_they_were(text in base64_like()) {
            prop_assert_eq!(accepted(&text), reference_accepts(&text), "{:?}", text);
        }
    }

    #[test]
    fn trailing_bits_are_still_accepted() {
        for text in ["Z9a=", "Zh==", "AB=="] {
            assert!(accepted(text), "{text}");
            assert!(BASE64_STANDARD.decode(text).is_err(), "{text}");
        }
    }
}

proptest::proptest! {
    #[test]
    fn base64_output_has_the_right_length_and_alphabet(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
        let encoded = base64_encode(&bytes);
        proptest::prop_assert_eq!(encoded.len(), bytes.len().div_ceil(3) * 4);
        proptest::prop_assert!(is_base64(&encoded));
        proptest::prop_assert!(Attachment::from_base64("f", "t", encoded.clone()).is_ok());
    }
}
