//! The unit tests of the WhatsApp operations: the bytes on the wire, refused inputs, answers.

use serde_json::{json, Map, Value};

use super::*;
use crate::error::{Error, InvalidInput};
use crate::quota::Quota;
use crate::test_support::{answer, wire};
use crate::Endpoint;

fn refused<E: Endpoint>(endpoint: &E) -> InvalidInput {
    match crate::build_request(&crate::test_support::config(), endpoint) {
        Err(Error::InvalidInput(e)) => e,
        other => panic!("expected invalid input, got {other:?}"),
    }
}

fn template() -> SendWhatsApp {
    SendWhatsApp::new(
        "15550001111",
        WhatsAppMessage::template("order_update", "en"),
    )
}

#[test]
fn template_message_wire() {
    let w = wire(&template().recipient("15551234567"));
    assert_eq!(w.method, "POST");
    assert_eq!(w.path, "/webhook/whatsapp_message/send");
    assert_eq!(
        w.body,
        r#"{"from_number":"15550001111","type":"template","content":{"template_name":"order_update","template_language":"en"},"recipient":[{"whatsapp_number":"15551234567"}]}"#
    );
}

#[test]
fn text_and_media_messages_wire() {
    let text = SendWhatsApp::new("15550001111", WhatsAppMessage::text("Your order shipped"))
        .recipient("15551234567");
    assert_eq!(
        wire(&text).body,
        r#"{"from_number":"15550001111","type":"text","content":{"body":"Your order shipped"},"recipient":[{"whatsapp_number":"15551234567"}]}"#
    );

    let image = WhatsAppMessage::media(
        "image",
        json!({"link": "https://example.com/a.png", "caption": "A"}),
    );
    assert_eq!(image.kind(), "image");
    let media = SendWhatsApp::new("15550001111", image).recipient("15551234567");
    let v: Value = serde_json::from_str(&wire(&media).body).unwrap();
    assert_eq!(
        v,
        json!({"from_number": "15550001111", "type": "image",
               "content": {"link": "https://example.com/a.png", "caption": "A"},
               "recipient": [{"whatsapp_number": "15551234567"}]})
    );
}

#[test]
fn every_optional_field_goes_on_the_wire() {
    let message = template()
        .recipient(
            WhatsAppRecipient::new("15551234567")
                .first_name("Ada")
                .name("Ada Lovelace")
                .email("ada@example.com")
                .attribute("plan", "pro")
                .attributes(Map::from_iter([("seats".to_owned(), json!(3))])),
        )
        .recipients_all(["15557654321"])
        .add_recipient_to_contacts(true)
        .parameterized_variable("1", "Ada")
        .parameterized_variables(Map::from_iter([("2".to_owned(), json!("A-1001"))]))
        .event(
            WhatsAppEvent::new("ABANDONED_CART")
                .name("Abandoned cart")
                .data_entry("cart_id", "c1")
                .data(Map::from_iter([("total".to_owned(), json!(42.5))])),
        )
        .tag("orders")
        .tags(["q1"]);
    let w = wire(&message);
    assert_eq!(
        w.body,
        concat!(
            r#"{"from_number":"15550001111","type":"template","#,
            r#""content":{"template_name":"order_update","template_language":"en"},"#,
            r#""recipient":[{"whatsapp_number":"15551234567","first_name":"Ada","name":"Ada Lovelace","#,
            r#""email":"ada@example.com","attributes":{"plan":"pro","seats":3}},"#,
            r#"{"whatsapp_number":"15557654321"}],"#,
            r#""add_recipient_to_contacts":true,"parameterized_variables":{"1":"Ada","2":"A-1001"},"#,
            r#""event":{"code":"ABANDONED_CART","name":"Abandoned cart","data":{"cart_id":"c1","total":42.5}},"#,
            r#""tags":["orders","q1"]}"#
        )
    );
    let v: Value = serde_json::from_str(&w.body).unwrap();
    assert!(v.get("overwrite_variables").is_none());
    assert_eq!(v["event"]["code"], "ABANDONED_CART");
}

#[test]
fn sending_is_not_idempotent() {
    assert_eq!(
        template().recipient("1").idempotency(),
        crate::Idempotency::NotIdempotent
    );
}

#[test]
fn invalid_messages_are_refused_before_sending() {
    assert_eq!(refused(&template()).field, "recipient");
    assert_eq!(
        refused(&template().recipient("1").recipient(" ")).field,
        "recipient[1].whatsapp_number"
    );
    let one = |m: WhatsAppMessage| SendWhatsApp::new("15550001111", m).recipient("1");
    assert_eq!(
        refused(&SendWhatsApp::new("", WhatsAppMessage::text("hi")).recipient("1")).field,
        "from_number"
    );
    assert_eq!(
        refused(&one(WhatsAppMessage::template("", "en"))).field,
        "content.template_name"
    );
    assert_eq!(
        refused(&one(WhatsAppMessage::template("t", ""))).field,
        "content.template_language"
    );
    assert_eq!(
        refused(&one(WhatsAppMessage::text(""))).field,
        "content.body"
    );
    assert_eq!(
        refused(&one(WhatsAppMessage::media("", json!({})))).field,
        "type"
    );
    assert_eq!(
        refused(&template().recipient("1").event(WhatsAppEvent::new(""))).field,
        "event.code"
    );
}

#[test]
fn send_answer_of_the_docs_decodes() {
    let out = answer(
        &template().recipient("15551234567"),
        201,
        r#"{"success": true, "failed_recipients": [],
            "report": [{"to": "15551234567", "message_id": "wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI="}],
            "quotas": {"MAX_WHATSAPP_SEND_PER_MONTH": {"limit": 1000, "usage": 3}},
            "message": "WhatsApp messages sent successfully"}"#,
    )
    .unwrap();
    assert_eq!(out.success, Some(true));
    assert!(out.failed_recipients.is_empty());
    assert_eq!(out.report[0].to.as_deref(), Some("15551234567"));
    assert_eq!(
        out.report[0].message_id.as_deref(),
        Some("wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI=")
    );
    assert_eq!(
        out.quotas.whatsapp_per_month(),
        Some(&Quota::new(Some(1000), Some(3)))
    );
    assert_eq!(
        out.message.as_deref(),
        Some("WhatsApp messages sent successfully")
    );
}

#[test]
fn send_answer_is_lenient() {
    let req = template().recipient("15551234567");
    let out = answer(
        &req,
        201,
        r#"{"failed_emails": ["15550000000"], "report": [{"to": 15551234567}], "quotas":
            {"MAX_WHATSAPP_SEND_PER_MONTH": {"limit": "1000", "usage": "x"}}, "unknown": true}"#,
    )
    .unwrap();
    assert_eq!(out.success, None);
    assert_eq!(out.failed_recipients, [json!("15550000000")]);
    assert_eq!(out.report[0].to.as_deref(), Some("15551234567"));
    assert_eq!(out.report[0].message_id, None);
    assert_eq!(
        out.quotas.whatsapp_per_month(),
        Some(&Quota::new(Some(1000), None))
    );
    let out = answer(
        &req,
        201,
        r#"{"report": null, "failed_recipients": null, "quotas": null, "message": null}"#,
    )
    .unwrap();
    assert_eq!(out, SendWhatsAppResponse::default());
}

#[test]
fn status_is_a_get_with_an_encoded_message_id() {
    let w = wire(&WhatsAppStatus::new("wamid.HBgL+MTU=="));
    assert_eq!(w.method, "GET");
    assert_eq!(
        w.path,
        "/webhook/whatsapp_message/status?message_id=wamid.HBgL%2BMTU%3D%3D"
    );
    assert_eq!(w.body, "");
    assert_eq!(refused(&WhatsAppStatus::new("")).field, "message_id");
    assert_eq!(
        WhatsAppStatus::new("x").idempotency(),
        crate::Idempotency::Idempotent
    );
}

#[test]
fn status_answer_decodes_every_field() {
    let body = r#"{"message": "Message status fetched", "data": {
        "uuid": "0b7c6a52-0000-4000-8000-000000000001", "message_id": "wamid.X",
        "conversation_id": "conv-1", "direction": "outbound", "type": "template",
        "status": "read", "delivered": true, "read": true, "failed": false, "rejected": false,
        "delivered_at": "2025-01-31T09:00:01.000Z", "read_at": "2025-01-31T09:02:00.000000Z",
        "failed_at": null, "rejected_at": null, "created": "2025-01-31T09:00:00.000Z",
        "updated": "2025-01-31T09:02:00.000Z", "sent_at": "2025-01-31T09:00:00.500Z",
        "to": "15551234567",
        "content": {"template_name": "order_update", "template_language": "en"},
        "metadata": {"pricing": {"billable": true}},
        "contact": {"id": 42, "email": "ada@example.com", "name": "Ada Lovelace",
                    "first_name": "Ada", "whatsapp_number": "15551234567",
                    "is_whatsapp_unsubscribed": false}}}"#;
    let out = answer(&WhatsAppStatus::new("wamid.X"), 200, body).unwrap();
    assert_eq!(out.message.as_deref(), Some("Message status fetched"));
    let d = &out.data;
    assert_eq!(
        d.uuid.as_deref(),
        Some("0b7c6a52-0000-4000-8000-000000000001")
    );
    assert_eq!(d.message_id.as_deref(), Some("wamid.X"));
    assert_eq!(d.conversation_id.as_deref(), Some("conv-1"));
    assert_eq!(d.direction.as_deref(), Some("outbound"));
    assert_eq!(d.kind, Some(WhatsAppMessageKind::Template));
    assert_eq!(d.status.as_deref(), Some("read"));
    assert_eq!(
        [d.delivered, d.read, d.failed, d.rejected],
        [Some(true), Some(true), Some(false), Some(false)]
    );
    assert_eq!(d.delivered_at.as_deref(), Some("2025-01-31T09:00:01.000Z"));
    assert_eq!(d.read_at.as_deref(), Some("2025-01-31T09:02:00.000000Z"));
    assert_eq!((&d.failed_at, &d.rejected_at), (&None, &None));
    assert_eq!(d.created.as_deref(), Some("2025-01-31T09:00:00.000Z"));
    assert_eq!(d.updated.as_deref(), Some("2025-01-31T09:02:00.000Z"));
    assert_eq!(d.sent_at.as_deref(), Some("2025-01-31T09:00:00.500Z"));
    assert_eq!(d.to.as_deref(), Some("15551234567"));
    assert_eq!(
        d.content,
        Some(json!({"template_name": "order_update", "template_language": "en"}))
    );
    assert_eq!(d.metadata, Some(json!({"pricing": {"billable": true}})));
    let c = d.contact.as_ref().unwrap();
    assert_eq!(c.id, Some(42));
    assert_eq!(c.email.as_deref(), Some("ada@example.com"));
    assert_eq!(c.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(c.first_name.as_deref(), Some("Ada"));
    assert_eq!(c.whatsapp_number.as_deref(), Some("15551234567"));
    assert_eq!(c.is_whatsapp_unsubscribed, Some(false));
}

#[test]
fn status_answer_is_lenient() {
    let status = WhatsAppStatus::new("wamid.X");
    let out = answer(
        &status,
        200,
        r#"{"data": {"type": "image", "content": "plain text", "metadata": null,
                     "to": 15551234567, "contact": {"id": "42", "whatsapp_number": 15551234567},
                     "new_field": 1}}"#,
    )
    .unwrap();
    assert_eq!(
        out.data.kind,
        Some(WhatsAppMessageKind::Other("image".into()))
    );
    assert_eq!(out.data.content, Some(json!("plain text")));
    assert_eq!(out.data.metadata, None);
    assert_eq!(out.data.to.as_deref(), Some("15551234567"));
    let contact = out.data.contact.unwrap();
    assert_eq!(contact.id, Some(42));
    assert_eq!(contact.whatsapp_number.as_deref(), Some("15551234567"));
    assert_eq!(contact.is_whatsapp_unsubscribed, None);

    let out = answer(&status, 200, r#"{"message": "ok", "data": null}"#).unwrap();
    assert_eq!(out.data, WhatsAppStatusData::default());
    let err = answer(&status, 404, r#"{"message": "Message not found"}"#).unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));
}

#[test]
fn message_kinds_round_trip_as_text() {
    assert_eq!(
        serde_json::from_str::<WhatsAppMessageKind>(r#""TEXT""#).unwrap(),
        WhatsAppMessageKind::Text
    );
    assert_eq!(
        serde_json::to_string(&WhatsAppMessageKind::Other("document".into())).unwrap(),
        r#""document""#
    );
    assert_eq!(WhatsAppMessageKind::Template.as_str(), "template");
}
