//! Webhook deliveries from async tests: to a receiver served by the test's own runtime,
//! and straight into an axum router without a socket.

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use cocoon_mock::webhook::WebhookDelivery;
use tower::ServiceExt;

const SECRET: &str = "Bearer test-secret-not-real";

/// A receiver that checks the secret and echoes the event type and the body's `event_type`.
fn receiver() -> Router {
    async fn hook(headers: HeaderMap, body: Bytes) -> (StatusCode, String) {
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(SECRET) {
            return (StatusCode::UNAUTHORIZED, "no".to_owned());
        }
        let kind = headers
            .get("x-cocoon-event-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        (
            StatusCode::OK,
            format!("{kind}|{}", json["event_type"].as_str().unwrap_or("")),
        )
    }
    Router::new().route("/hooks/cocoonmail", post(hook))
}

/// Serves the receiver on the caller's runtime and returns its URL.
async fn serve_on_this_runtime() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/cocoonmail", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, receiver()).await;
    });
    url
}

#[tokio::test(flavor = "current_thread")]
async fn deliver_async_reaches_a_receiver_on_the_same_single_threaded_runtime() {
    let url = serve_on_this_runtime().await;
    let started = Instant::now();
    let response = WebhookDelivery::email("email.opened")
        .authorization(SECRET)
        .deliver_async(&url)
        .await
        .unwrap();
    assert_eq!(response.status, 200, "{}", response.body_text());
    assert_eq!(response.body_text(), "email.opened|email.opened");
    // Far below the 10 s a blocked runtime would have cost (a generous bound).
    assert!(started.elapsed() < Duration::from_secs(8));
    let refused = WebhookDelivery::email("email.opened")
        .authorization("Bearer wrong-fake-secret")
        .deliver_async(&url)
        .await
        .unwrap();
    assert_eq!(refused.status, 401);
}

#[tokio::test(flavor = "current_thread")]
async fn deliver_async_refuses_bad_urls_and_headers_at_once() {
    let https = WebhookDelivery::contact("contact.created")
        .deliver_async("https://127.0.0.1:9/x")
        .await
        .unwrap_err();
    assert_eq!(https.kind(), ErrorKind::InvalidInput);
    let header = WebhookDelivery::contact("contact.created")
        .header("x-team", "a\r\nInjected: 1")
        .deliver_async("http://127.0.0.1:9/x")
        .await
        .unwrap_err();
    assert_eq!(header.kind(), ErrorKind::InvalidInput);
}

#[tokio::test(flavor = "current_thread")]
async fn deliver_async_reports_a_silent_receiver_as_a_timeout_and_can_be_cancelled() {
    // Accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let delivery = WebhookDelivery::whatsapp("whatsapp.read").timeout(Duration::from_millis(300));
    let error = delivery.deliver_async(&url).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}");
    // Cancelled by the caller's own deadline: the future is dropped and the runtime moves on.
    let slow = delivery.clone().timeout(Duration::from_secs(5));
    let cancelled = tokio::time::timeout(Duration::from_millis(50), slow.deliver_async(&url)).await;
    assert!(cancelled.is_err());
    drop(listener);
}

#[tokio::test(flavor = "current_thread")]
async fn http_request_goes_through_an_axum_router_without_a_socket() {
    let delivery = WebhookDelivery::whatsapp("whatsapp.message_received")
        .authorization(SECRET)
        .header("x-team", "growth");
    let request = delivery.http_request("/hooks/cocoonmail").unwrap();
    assert_eq!(request.method(), "POST");
    assert_eq!(request.uri(), "/hooks/cocoonmail");
    assert_eq!(request.headers()["x-team"], "growth");
    assert_eq!(request.headers()["content-type"], "application/json");
    assert_eq!(
        request.headers()["content-length"],
        delivery.body().len().to_string().as_str()
    );
    assert!(request.headers().get("host").is_none());
    let response = receiver().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    assert_eq!(
        &body[..],
        b"whatsapp.message_received|whatsapp.message_received"
    );

    // Also as axum's own body type, and to an absolute URL (which sets Host).
    let request = WebhookDelivery::contact("contact.deleted")
        .http_request("http://receiver.test:8080/hooks/cocoonmail?team=7")
        .unwrap();
    assert_eq!(request.headers()["host"], "receiver.test:8080");
    let request = request.map(axum::body::Body::new);
    let response = receiver().oneshot(request).await.unwrap();
    // No secret: the receiver refuses it.
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[test]
fn http_request_refuses_what_could_not_be_sent() {
    let delivery = WebhookDelivery::contact("contact.created");
    for bad in [
        "",
        "hooks",
        "https://x.test/h",
        "http://",
        "/a b",
        "ftp://x/y",
    ] {
        let error = delivery.http_request(bad).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{bad:?}");
    }
    let error = delivery
        .clone()
        .header("x-bad", "a\nb")
        .http_request("/h")
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    // Hostile bodies travel as they are.
    let raw = delivery
        .raw_body(vec![0u8, 0xff, b'{'], None)
        .http_request("/h")
        .unwrap();
    assert!(raw.headers().get("content-type").is_none());
}
