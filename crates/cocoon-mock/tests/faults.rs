//! Scripted faults, one kind at a time, and how they mix with normal handling.

mod common;

use std::io::Read;
use std::time::{Duration, Instant};

use cocoon_mock::{Fault, MockServer, RateLimit, DEFAULT_API_KEY};
use common::{unlimited, Client};
use serde_json::json;

const VALIDATE: &str = "/webhook/api_key/validate/";
const SEND: &str = "/webhook/mail/send";

fn mail() -> serde_json::Value {
    json!({"email_content": "x", "sender": "s@example.com", "subject": "s", "to": [{"email": "a@example.com"}]})
}

#[test]
fn status_faults_answer_in_order_then_normal_handling_resumes() {
    let server = unlimited();
    server.script(
        "POST",
        SEND,
        [
            Fault::status(503),
            Fault::json(500, json!({"detail": "boom"})),
            Fault::html(502),
        ],
    );
    let mut c = Client::connect(&server);
    let r = c.call("POST", SEND, Some(mail()));
    assert_eq!(r.status, 503);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.json(),
        json!({"success": false, "message": "Service Unavailable"})
    );
    let r = c.call("POST", SEND, Some(mail()));
    assert_eq!(r.status, 500);
    assert_eq!(r.json(), json!({"detail": "boom"}));
    // Keep-alive survives faults.
    let r = c.call("POST", SEND, Some(mail()));
    assert_eq!(r.status, 502);
    assert_eq!(r.header("content-type"), Some("text/html"));
    let html = String::from_utf8(r.body.clone()).unwrap();
    assert!(html.contains("<title>502 Bad Gateway</title>"), "{html}");
    assert_eq!(c.call("POST", SEND, Some(mail())).status, 201);

    // Faulted requests were not delivered; the journal has all four.
    assert_eq!(server.sent_mail_count(), 1);
    let statuses: Vec<_> = server.journal().iter().map(|e| e.status()).collect();
    assert_eq!(statuses, [Some(503), Some(500), Some(502), Some(201)]);
}

#[test]
fn custom_status_faults_carry_their_headers() {
    let server = unlimited();
    server.script(
        "GET",
        VALIDATE,
        [Fault::Status {
            status: 301,
            body: Vec::new(),
            headers: vec![("Location".into(), "https://elsewhere.example/".into())],
        }],
    );
    let r = Client::connect(&server).call("GET", VALIDATE, None);
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("https://elsewhere.example/"));
    assert!(r.body.is_empty());
}

#[test]
fn faults_only_hit_their_route_and_method() {
    let server = unlimited();
    server.script("post", "/webhook/mail/send?ignored=1", [Fault::status(500)]);
    let mut c = Client::connect(&server);
    assert_eq!(c.call("GET", VALIDATE, None).status, 200);
    assert_eq!(c.call("GET", SEND, None).status, 405);
    assert_eq!(c.call("POST", SEND, Some(mail())).status, 500);
    assert_eq!(c.call("POST", SEND, Some(mail())).status, 201);
}

#[test]
fn validate_faults_match_both_spellings() {
    let server = unlimited();
    server.script(
        "GET",
        "/webhook/api_key/validate",
        [Fault::status(500), Fault::status(500)],
    );
    let mut c = Client::connect(&server);
    assert_eq!(
        c.call("GET", "/webhook/api_key/validate/", None).status,
        500
    );
    assert_eq!(c.call("GET", "/webhook/api_key/validate", None).status, 500);
    assert_eq!(
        c.call("GET", "/webhook/api_key/validate/", None).status,
        200
    );
}

#[test]
fn faults_come_before_auth_and_scripts_append() {
    let server = unlimited();
    server.script("GET", VALIDATE, [Fault::status(503)]);
    server.script("GET", VALIDATE, [Fault::status(504)]);
    let mut c = Client::connect(&server);
    // No credentials at all: the "proxy" answers first.
    assert_eq!(c.request_with("GET", VALIDATE, &[], None).status, 503);
    assert_eq!(c.request_with("GET", VALIDATE, &[], None).status, 504);
    assert_eq!(c.request_with("GET", VALIDATE, &[], None).status, 401);
}

#[test]
fn rate_limited_fault_sends_the_headers() {
    let server = MockServer::start();
    server.script(
        "GET",
        VALIDATE,
        [
            Fault::rate_limited(7),
            Fault::RateLimited {
                retry_after: Some("Wed, 21 Oct 2015 07:28:00 GMT".into()),
            },
            Fault::RateLimited { retry_after: None },
        ],
    );
    let mut c = Client::connect(&server);
    let r = c.call("GET", VALIDATE, None);
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("7"));
    assert_eq!(r.header("x-ratelimit-limit"), Some("10"));
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(r.json()["success"], false);
    let r = c.call("GET", VALIDATE, None);
    assert_eq!(
        r.header("retry-after"),
        Some("Wed, 21 Oct 2015 07:28:00 GMT")
    );
    let r = c.call("GET", VALIDATE, None);
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), None);
    // Scripted 429s do not use the real budget.
    let r = c.call("GET", VALIDATE, None);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-ratelimit-remaining"), Some("9"));
}

#[test]
fn delay_then_normal_handling() {
    let server = unlimited();
    server.script("GET", VALIDATE, [Fault::Delay(Duration::from_millis(200))]);
    let mut c = Client::connect(&server);
    let started = Instant::now();
    let r = c.call("GET", VALIDATE, None);
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(r.status, 200);
    assert_eq!(server.journal()[0].status(), Some(200));
    // A delayed request still goes through auth.
    server.script("GET", VALIDATE, [Fault::Delay(Duration::from_millis(1))]);
    assert_eq!(c.request_with("GET", VALIDATE, &[], None).status, 401);
}

#[test]
fn drop_connection_closes_without_answering() {
    let server = unlimited();
    server.script("POST", SEND, [Fault::DropConnection]);
    let mut c = Client::connect(&server);
    let auth = format!("Bearer {DEFAULT_API_KEY}");
    let body = mail().to_string();
    c.send_raw(
        format!(
            "POST {SEND} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nAccept: application/json\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    let err = c.read_response().unwrap_err();
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset
        ),
        "{err:?}"
    );
    let journal = server.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].outcome, cocoon_mock::Outcome::Dropped);
    assert_eq!(journal[0].handled, None);
    assert_eq!(journal[0].body, body.as_bytes());
    assert_eq!(server.sent_mail_count(), 0);
    // The next request, on a new connection, is handled.
    assert_eq!(
        Client::connect(&server)
            .call("POST", SEND, Some(mail()))
            .status,
        201
    );
}

#[test]
fn truncated_body_announces_more_than_it_sends() {
    let server = unlimited();
    server.script("GET", VALIDATE, [Fault::TruncatedBody]);
    let mut c = Client::connect(&server);
    c.send_raw(
        format!("GET {VALIDATE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {DEFAULT_API_KEY}\r\nAccept: application/json\r\n\r\n")
            .as_bytes(),
    );
    let mut raw = Vec::new();
    c.stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    let announced: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(!body.is_empty());
    assert!(body.len() < announced, "{} of {announced}", body.len());
    assert!(serde_json::from_str::<serde_json::Value>(body).is_err());
    assert_eq!(server.journal()[0].status(), Some(200));
}

#[test]
fn huge_body_streams_exactly_the_size_asked() {
    let server = unlimited();
    let size = 5 * 1024 * 1024 + 3;
    server.script(
        "GET",
        VALIDATE,
        [Fault::HugeBody(size), Fault::HugeBody(10)],
    );
    let mut c = Client::connect(&server);
    let r = c.call("GET", VALIDATE, None);
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), size);
    // Large enough bodies are valid JSON, so a client without a size cap would accept them.
    assert_eq!(r.json()["success"], true);
    // Tiny ones are just that many bytes; the connection is still usable after both.
    let r = c.call("GET", VALIDATE, None);
    assert_eq!(r.body.len(), 10);
    assert_eq!(c.call("GET", VALIDATE, None).status, 200);
}

#[test]
fn latency_also_delays_faults() {
    let server = MockServer::builder()
        .rate_limit(RateLimit::Off)
        .latency(Duration::from_millis(100))
        .start()
        .unwrap();
    server.script("GET", VALIDATE, [Fault::status(500)]);
    let started = Instant::now();
    assert_eq!(
        Client::connect(&server).call("GET", VALIDATE, None).status,
        500
    );
    assert!(started.elapsed() >= Duration::from_millis(100));
}

#[test]
fn unknown_routes_can_be_scripted() {
    let server = unlimited();
    server.script(
        "GET",
        "/webhook/future/thing",
        [Fault::json(200, json!({"ok": 1}))],
    );
    let mut c = Client::connect(&server);
    assert_eq!(
        c.call("GET", "/webhook/future/thing", None).json(),
        json!({"ok": 1})
    );
    assert_eq!(c.call("GET", "/webhook/future/thing", None).status, 404);
}
