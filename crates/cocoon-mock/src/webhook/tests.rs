//! Deliveries: building them, sending them to a one-shot loopback receiver, refusals.

use super::*;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::thread;

/// Accepts one connection, reads one request (head and Content-Length body), answers
/// with `answer` and returns the request's bytes.
fn serve_once(answer: &'static [u8]) -> (String, thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/hooks/cocoonmail?team=7",
        listener.local_addr().unwrap()
    );
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut reader = BufReader::new(stream);
        let mut request = Vec::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            request.extend_from_slice(line.as_bytes());
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        request.extend_from_slice(&body);
        reader.get_mut().write_all(answer).unwrap();
        request
    });
    (url, server)
}

#[test]
fn delivers_a_whatsapp_event_over_http_1_1() {
    let (url, server) = serve_once(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\naccepted",
    );
    let delivery = WebhookDelivery::whatsapp("whatsapp.failed")
        .authorization("Bearer test-secret")
        .header("X-Team", "growth");
    let response = delivery.deliver(&url).unwrap();
    assert_eq!(response.status, 200);
    assert!(response.is_success());
    assert_eq!(response.body_text(), "accepted");
    assert_eq!(response.header("content-type"), Some("text/plain"));

    let request = String::from_utf8(server.join().unwrap()).unwrap();
    let (head, body) = request.split_once("\r\n\r\n").unwrap();
    let lines: Vec<&str> = head.split("\r\n").collect();
    assert_eq!(lines[0], "POST /hooks/cocoonmail?team=7 HTTP/1.1");
    // ureq writes header names in lowercase; values go byte for byte.
    let lowercase: Vec<String> = lines[1..]
        .iter()
        .map(|line| {
            let (name, value) = line.split_once(": ").unwrap();
            format!("{}: {value}", name.to_ascii_lowercase())
        })
        .collect();
    for expected in [
        "authorization: Bearer test-secret",
        "content-type: application/json",
        "user-agent: Cocoonmail-Webhooks (cocoon-mock)",
        "x-cocoon-event-type: whatsapp.failed",
        "x-cocoon-message-id: wamid.HBgLMTU1NTAxMDAwMDEVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA",
        "x-cocoon-sender-phonenumber: +15550100000",
        "x-cocoon-contact-uuid: 5f0c7a52-8d3e-4b1f-9a6c-2e7d4b8f1c03",
        "x-cocoon-contact-whatsapp: +15550100001",
        "x-team: growth",
    ] {
        assert!(
            lowercase.iter().any(|l| l == expected),
            "{expected:?} missing from {lines:#?}"
        );
    }
    assert!(lowercase.iter().any(|l| l.starts_with("host: 127.0.0.1:")));
    assert!(lowercase.contains(&format!("content-length: {}", body.len())));
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["event_type"], "whatsapp.failed");
    assert_eq!(body["status"], "failed");
    assert_eq!(body["sender"], "+15550100000");
    assert_eq!(body["receiver"], "+15550100001");
    assert!(body["failure_reason"].is_string());
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn reads_chunked_answers_after_an_interim_one() {
    let (url, server) = serve_once(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nwrong\r\n6\r\n token\r\n0\r\nX-Trailer: 1\r\n\r\n",
    );
    let response = WebhookDelivery::contact("contact.created")
        .deliver(&url)
        .unwrap();
    assert_eq!(response.status, 401);
    assert!(!response.is_success());
    assert_eq!(response.body, b"wrong token");
    let request = String::from_utf8(server.join().unwrap()).unwrap();
    assert!(!request.contains("Authorization"), "none was set");
}

#[test]
fn builds_documented_headers_and_bodies_for_every_family() {
    for kind in CONTACT_EVENT_TYPES {
        let delivery = WebhookDelivery::contact(kind);
        assert_eq!(delivery.header_value("x-cocoon-event-type"), Some(kind));
        for name in [
            "x-cocoon-event-datetime",
            "x-cocoon-contact-uuid",
            "x-cocoon-contact-email",
            "x-cocoon-contact-whatsapp",
        ] {
            assert!(delivery.header_value(name).is_some(), "{kind}: {name}");
        }
        assert_eq!(delivery.body_json().unwrap()["email"], CONTACT_EMAIL);
    }
    for kind in EMAIL_EVENT_TYPES {
        let delivery = WebhookDelivery::email(kind);
        for name in [
            "x-cocoon-email-message-id",
            "x-cocoon-email-sender",
            "x-cocoon-contact-uuid",
            "x-cocoon-contact-email",
        ] {
            assert!(delivery.header_value(name).is_some(), "{kind}: {name}");
        }
        assert_eq!(
            delivery.body_json().unwrap()["message_id"],
            EMAIL_MESSAGE_ID
        );
    }
    for kind in WHATSAPP_EVENT_TYPES {
        let delivery = WebhookDelivery::whatsapp(kind);
        for name in [
            "x-cocoon-message-id",
            "x-cocoon-sender-phonenumber",
            "x-cocoon-contact-uuid",
            "x-cocoon-contact-whatsapp",
        ] {
            assert!(delivery.header_value(name).is_some(), "{kind}: {name}");
        }
        let body = delivery.body_json().unwrap();
        for field in ["event_type", "timestamp", "status", "sender", "receiver"] {
            assert!(body[field].is_string(), "{kind}: {field}");
        }
        assert_eq!(body["event_type"], kind);
        assert_eq!(
            body.get("content").is_some(),
            kind == "whatsapp.message_received"
        );
        assert_eq!(
            body.get("failure_reason").is_some(),
            kind == "whatsapp.failed"
        );
    }
    let received = WebhookDelivery::whatsapp("whatsapp.message_received");
    assert_eq!(received.body_json().unwrap()["sender"], CONTACT_WHATSAPP);
    assert_eq!(
        received.header_value("x-cocoon-sender-phonenumber"),
        Some(CONTACT_WHATSAPP)
    );
    assert_eq!(received.body_json().unwrap()["status"], "received");
}

#[test]
fn headers_and_bodies_can_be_replaced_or_removed() {
    let delivery = WebhookDelivery::contact("contact.updated")
        .header("X-Cocoon-Contact-Email", "other@example.com")
        .without_header("x-cocoon-event-type")
        .raw_body("{not json", None);
    assert_eq!(
        delivery.header_value("x-cocoon-contact-email"),
        Some("other@example.com")
    );
    assert_eq!(delivery.header_value("x-cocoon-event-type"), None);
    assert_eq!(delivery.body_json(), None);
    let request =
        String::from_utf8(delivery.to_http_request("http://localhost/").unwrap()).unwrap();
    assert!(request.starts_with("POST / HTTP/1.1\r\nHost: localhost\r\n"));
    assert!(!request.contains("Content-Type"));
    assert!(request.ends_with("Content-Length: 9\r\nConnection: close\r\n\r\n{not json"));
}

#[test]
fn refuses_unsupported_urls_and_unsafe_headers_clearly() {
    let delivery = WebhookDelivery::new("contact.created");
    for (url, why) in [
        ("https://example.com/hooks", "https is not supported"),
        ("ftp://example.com/", "expected a URL of the form"),
        ("example.com:80/hooks", "expected a URL of the form"),
        ("http:///hooks", "invalid format"),
        ("http://example.com:99999/", "port"),
        ("http://user:pw@example.com/", "user information"),
        ("http://[::1/", "invalid authority"),
        ("http://example.com/a b", "invalid uri character"),
    ] {
        let error = delivery.deliver(url).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{url}");
        assert!(error.to_string().contains(why), "{url}: {error}");
    }
    let injected = delivery.clone().header("x-evil", "a\r\nHost: elsewhere");
    let error = injected.to_http_request("http://localhost/").unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    let bad_name = delivery.clone().header("bad name", "x");
    assert!(bad_name.to_http_request("http://localhost/").is_err());
    let framing = delivery.header("Content-Length", "0");
    let error = framing.to_http_request("http://localhost/").unwrap_err();
    assert!(error.to_string().contains("writes its own"), "{error}");
}

#[test]
fn authorization_and_content_type_can_be_set_as_headers() {
    let delivery = WebhookDelivery::new("contact.created")
        .header("AUTHORIZATION", "Basic dGVzdDp0ZXN0")
        .header("Content-Type", "application/json; charset=utf-8");
    assert!(delivery
        .headers()
        .iter()
        .all(|(name, _)| name.starts_with("x-cocoon-")));
    let request = delivery.to_http_request("http://localhost/").unwrap();
    let request = String::from_utf8(request).unwrap();
    assert!(request.contains("\r\nAuthorization: Basic dGVzdDp0ZXN0\r\n"));
    assert!(request.contains("\r\nContent-Type: application/json; charset=utf-8\r\n"));
    let bare = delivery
        .without_header("authorization")
        .without_header("content-type");
    let request = String::from_utf8(bare.to_http_request("http://localhost/").unwrap()).unwrap();
    assert!(!request.contains("Authorization") && !request.contains("Content-Type"));
}

#[test]
fn request_text_carries_hosts_ports_and_paths() {
    let delivery = WebhookDelivery::new("contact.created");
    let text = |url: &str| String::from_utf8(delivery.to_http_request(url).unwrap()).unwrap();
    assert!(
        text("http://[::1]:8080/?x=1").starts_with("POST /?x=1 HTTP/1.1\r\nHost: [::1]:8080\r\n")
    );
    assert!(text("http://hooks.example.com")
        .starts_with("POST / HTTP/1.1\r\nHost: hooks.example.com\r\n"));
}
