//! The unit tests of the event operations: the bytes on the wire, refused inputs, answers.

use serde_json::{json, Value};

use super::*;
use crate::error::Error;
use crate::test_support::{answer, config, wire};
use crate::Endpoint;

fn refused_field<E: Endpoint>(endpoint: &E) -> String {
    match crate::build_request(&config(), endpoint) {
        Err(Error::InvalidInput(e)) => e.field.into_owned(),
        other => panic!("not refused: {other:?}"),
    }
}

fn cart() -> CheckoutEvent {
    CheckoutEvent::new(
        "cart-9",
        CheckoutCustomer::new("ada@example.com")
            .first_name("Ada")
            .last_name("Lovelace")
            .phone("+15550100"),
        "https://shop.example.com/checkout/cart-9",
        "2024-05-01T10:00:00.000Z",
    )
}

#[test]
fn simple_event_sends_the_documented_body() {
    let event = SendEvent::from(
        SimpleEvent::new("signup", "a+b@example.com")
            .event_attribute("from-landing-page")
            .property("plan", "pro")
            .property("firstName", "Ada")
            .property("seats", 3)
            .property("meta", json!({"ref": "x"})),
    );
    let sent = wire(&event);
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, "/webhook/event/send");
    assert_eq!(
        sent.body,
        concat!(
            r#"{"event_name":"signup","email":"a+b@example.com","#,
            r#""event_attribute":"from-landing-page","#,
            r#""firstName":"Ada","meta":{"ref":"x"},"plan":"pro","seats":3}"#
        )
    );
    let minimal = SendEvent::simple("signup", "a@example.com");
    assert_eq!(
        wire(&minimal).body,
        r#"{"event_name":"signup","email":"a@example.com"}"#
    );
}

#[test]
fn structured_event_sends_contact_and_event_objects() {
    let event = SendEvent::structured(
        EventContact::new("ada@example.com")
            .name("Ada")
            .whatsapp_number("+15550100"),
        Event::new("ABANDONED_CART")
            .name("Abandoned cart")
            .data_entry("total", 42.5)
            .data_entry("items", json!(["SKU-1"])),
    );
    let sent = wire(&event);
    assert_eq!(sent.path, "/webhook/event/send");
    assert_eq!(
        sent.body,
        concat!(
            r#"{"contact":{"name":"Ada","email":"ada@example.com","whatsapp_number":"+15550100"},"#,
            r#""event":{"code":"ABANDONED_CART","name":"Abandoned cart","#,
            r#""data":{"items":["SKU-1"],"total":42.5}}}"#
        )
    );
    let mut data = serde_json::Map::new();
    data.insert("b".into(), json!(1));
    data.insert("a".into(), json!(null));
    let event = SendEvent::from(StructuredEvent::new(
        EventContact::new("c@example.com"),
        Event::new("X").data(data),
    ));
    assert_eq!(
        serde_json::from_str::<Value>(&wire(&event).body).unwrap(),
        json!({"contact": {"email": "c@example.com"}, "event": {"code": "X", "data": {"a": null, "b": 1}}})
    );
}

#[test]
fn send_event_answer_decodes() {
    let event = SendEvent::simple("signup", "a@example.com");
    let out = answer(
        &event,
        201,
        r#"{"success": true, "id": "0b6c8a0e-2f7e-4c39-9a7e-3c1f0f1d2e3a"}"#,
    )
    .unwrap();
    assert_eq!(out.success, Some(true));
    assert_eq!(
        out.id.as_deref(),
        Some("0b6c8a0e-2f7e-4c39-9a7e-3c1f0f1d2e3a")
    );
    let out = answer(&event, 201, r#"{"id": 5, "unknown": true}"#).unwrap();
    assert_eq!(out.success, None);
    assert_eq!(out.id.as_deref(), Some("5"));
    let err = answer(&event, 200, r#"{"success": false, "message": "bad event"}"#).unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
}

#[test]
fn extra_keys_colliding_with_event_fields_are_refused() {
    for key in ["email", "event_name", "event_attribute"] {
        let event = SendEvent::from(SimpleEvent::new("signup", "a@example.com").property(key, "x"));
        assert_eq!(refused_field(&event), key);
    }
    let event = SendEvent::from(SimpleEvent::new("signup", "a@example.com").property("", 1));
    assert_eq!(refused_field(&event), "event property");
}

#[test]
fn events_with_missing_required_values_are_refused() {
    assert_eq!(
        refused_field(&SendEvent::simple("", "a@example.com")),
        "event_name"
    );
    assert_eq!(refused_field(&SendEvent::simple("signup", "nope")), "email");
    assert_eq!(
        refused_field(&SendEvent::structured(
            EventContact::new(""),
            Event::new("X")
        )),
        "contact.email"
    );
    assert_eq!(
        refused_field(&SendEvent::structured(
            EventContact::new("a@example.com"),
            Event::new(" ")
        )),
        "event.code"
    );
    assert_eq!(
        refused_field(&SendEvent::structured(
            EventContact::new("a@example.com").whatsapp_number(""),
            Event::new("X")
        )),
        "contact.whatsapp_number"
    );
}

#[test]
fn checkout_sends_the_documented_body_with_a_fixed_event() {
    let checkout = cart()
        .item(CartItem::new("SKU-1", "Notebook", 2, 4.5))
        .items([CartItem::new("SKU-2", "Pen", 1, 19.99)]);
    let sent = wire(&checkout);
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, "/webhook/event/checkout");
    assert_eq!(
        sent.body,
        concat!(
            r#"{"event":"abandoned_cart","data":{"cart_id":"cart-9","#,
            r#""customer":{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","phone":"+15550100"},"#,
            r#""cart_items":[{"sku":"SKU-1","name":"Notebook","quantity":2,"price":4.5},"#,
            r#"{"sku":"SKU-2","name":"Pen","quantity":1,"price":19.99}],"#,
            r#""checkout_url":"https://shop.example.com/checkout/cart-9","#,
            r#""created_at":"2024-05-01T10:00:00.000Z"}}"#
        )
    );
    let out = answer(
        &checkout,
        200,
        r#"{"success": true, "message": "Event processed successfully"}"#,
    )
    .unwrap();
    assert_eq!(out.success, Some(true));
    assert_eq!(out.message.as_deref(), Some("Event processed successfully"));
    assert_eq!(
        answer(&checkout, 200, "{}").unwrap(),
        CheckoutEventResponse::default()
    );
}

#[test]
fn checkout_refuses_non_finite_prices_and_empty_carts() {
    for price in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let checkout = cart()
            .item(CartItem::new("SKU-1", "Notebook", 1, 1.0))
            .item(CartItem::new("SKU-2", "Pen", 1, price));
        assert_eq!(refused_field(&checkout), "data.cart_items[1].price");
    }
    assert_eq!(refused_field(&cart()), "data.cart_items");
    assert_eq!(
        refused_field(&cart().item(CartItem::new("", "Pen", 1, 1.0))),
        "data.cart_items[0].sku"
    );
    let no_email = CheckoutEvent::new("c", CheckoutCustomer::new(""), "https://x", "2024-05-01")
        .item(CartItem::new("S", "N", 1, 1.0));
    assert_eq!(refused_field(&no_email), "data.customer.email");
    let no_url = CheckoutEvent::new("c", CheckoutCustomer::new("a@x.io"), "", "2024-05-01")
        .item(CartItem::new("S", "N", 1, 1.0));
    assert_eq!(refused_field(&no_url), "data.checkout_url");
}
