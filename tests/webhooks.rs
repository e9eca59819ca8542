//! The webhook receiver example, served on a real loopback socket, fed by cocoon-mock's
//! deliveries: one per event type of every family, and the rejections a sender can cause.

#[allow(dead_code)]
#[path = "../examples/webhook_receiver.rs"]
mod receiver;

use cocoon_mock::webhook::{
    DeliveryResponse, WebhookDelivery, CONTACT_EVENT_TYPES, EMAIL_EVENT_TYPES, WHATSAPP_EVENT_TYPES,
};
use cocoonmail::core::webhooks::WebhookVerifier;

const AUTHORIZATION: &str = "Bearer test-only-secret";

/// Serves the example's router with `verifier` on a free loopback port; returns the
/// webhook URL. The listener is bound before this returns, so deliveries need no waiting.
async fn serve(verifier: WebhookVerifier) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}{}",
        listener.local_addr().unwrap(),
        receiver::WEBHOOK_PATH
    );
    tokio::spawn(async move {
        axum::serve(listener, receiver::app(verifier))
            .await
            .unwrap();
    });
    url
}

async fn start() -> String {
    serve(WebhookVerifier::new(AUTHORIZATION)).await
}

/// Delivers on a blocking thread (the mock's client is synchronous).
async fn deliver(delivery: WebhookDelivery, url: &str) -> DeliveryResponse {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || delivery.deliver(&url))
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn contact_events_are_accepted_and_described() {
    let url = start().await;
    for kind in CONTACT_EVENT_TYPES {
        let response = deliver(
            WebhookDelivery::contact(kind).authorization(AUTHORIZATION),
            &url,
        )
        .await;
        assert_eq!(response.status, 200, "{kind}: {}", response.body_text());
        let text = response.body_text();
        assert!(text.contains(&format!("{kind}: contact ")), "{text}");
        assert!(text.contains("<ada.lovelace@example.com>"), "{text}");
    }
}

#[tokio::test]
async fn email_events_are_accepted_and_described() {
    let url = start().await;
    for kind in EMAIL_EVENT_TYPES {
        let delivery = WebhookDelivery::email(kind)
            .authorization(AUTHORIZATION)
            .header("x-custom-dashboard-header", "configured");
        let response = deliver(delivery, &url).await;
        assert_eq!(response.status, 200, "{kind}: {}", response.body_text());
        let text = response.body_text();
        assert!(text.contains(&format!("{kind}: email <")), "{text}");
        assert!(text.contains("to ada.lovelace@example.com"), "{text}");
    }
}

#[tokio::test]
async fn whatsapp_events_are_accepted_with_their_payload() {
    let url = start().await;
    for kind in WHATSAPP_EVENT_TYPES {
        let response = deliver(
            WebhookDelivery::whatsapp(kind).authorization(AUTHORIZATION),
            &url,
        )
        .await;
        assert_eq!(response.status, 200, "{kind}: {}", response.body_text());
        let text = response.body_text();
        assert!(text.contains(&format!("{kind}: whatsapp ")), "{text}");
        if kind == "whatsapp.message_received" {
            assert!(
                text.contains("received from +15550100001 to +15550100000"),
                "{text}"
            );
        }
        if kind == "whatsapp.failed" {
            assert!(text.contains("(Message undeliverable"), "{text}");
        }
    }
}

#[tokio::test]
async fn undocumented_event_types_are_accepted() {
    let url = start().await;
    let delivery = WebhookDelivery::new("sms.delivered")
        .authorization(AUTHORIZATION)
        .header("x-cocoon-sms-id", "sms-1");
    let response = deliver(delivery, &url).await;
    assert_eq!(response.status, 200, "{}", response.body_text());
    assert!(response
        .body_text()
        .contains("sms.delivered: undocumented event type, 3 x-cocoon headers"));
}

#[tokio::test]
async fn a_wrong_or_missing_authorization_is_answered_401_without_echoing_it() {
    let url = start().await;
    let wrong = WebhookDelivery::contact("contact.created").authorization("Bearer guessed-token");
    let response = deliver(wrong, &url).await;
    assert_eq!(response.status, 401);
    let text = response.body_text();
    assert!(
        !text.contains("guessed-token") && !text.contains("test-only-secret"),
        "{text}"
    );

    let missing = WebhookDelivery::whatsapp("whatsapp.read");
    let response = deliver(missing, &url).await;
    assert_eq!(response.status, 401);
    assert_ne!(
        response.body_text(),
        text,
        "missing and wrong are told apart"
    );
}

#[tokio::test]
async fn malformed_deliveries_are_answered_4xx() {
    let url = start().await;
    let malformed = WebhookDelivery::email("email.opened")
        .authorization(AUTHORIZATION)
        .raw_body(r#"{"message_id": "abc", "#, Some("application/json"));
    let response = deliver(malformed, &url).await;
    assert_eq!(response.status, 400);
    assert!(response.body_text().contains("not valid JSON"));

    let incomplete = WebhookDelivery::whatsapp("whatsapp.sent")
        .authorization(AUTHORIZATION)
        .json_body(&serde_json::json!({"event_type": "whatsapp.sent", "status": "sent"}));
    let response = deliver(incomplete, &url).await;
    assert_eq!(response.status, 400);
    assert!(response.body_text().contains("timestamp, sender, receiver"));

    let untyped = WebhookDelivery::contact("contact.created")
        .authorization(AUTHORIZATION)
        .without_header("x-cocoon-event-type");
    assert_eq!(deliver(untyped, &url).await.status, 400);

    let form = WebhookDelivery::contact("contact.created")
        .authorization(AUTHORIZATION)
        .raw_body("a=1", Some("application/x-www-form-urlencoded"));
    assert_eq!(deliver(form, &url).await.status, 415);
}

#[tokio::test]
async fn an_oversized_body_is_answered_413() {
    let url = serve(WebhookVerifier::new(AUTHORIZATION).with_max_body_bytes(64)).await;
    let large = WebhookDelivery::contact("contact.updated")
        .authorization(AUTHORIZATION)
        .json_body(&serde_json::json!({"note": "x".repeat(100)}));
    assert_eq!(deliver(large, &url).await.status, 413);
}
