//! The ureq transport against a scripted raw HTTP/1.1 server on loopback.

// One scripted raw HTTP/1.1 server serves both transports' wire tests.
#[path = "../../../tests/transport_support/scripted_server.rs"]
mod support;

use std::time::Duration;

use cocoon_core::{BlockingTransport, TransportError, TransportErrorKind};
use cocoon_transport_ureq::{ureq, UreqTransport};
use http::Request;
use support::{answer, chunked_answer, refused_url, RawRequest, Reply, Server, Untouched, KEY};

fn transport() -> UreqTransport {
    UreqTransport::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("transport")
}

fn get(url: &str) -> Request<Vec<u8>> {
    Request::get(url)
        .header("authorization", format!("Bearer {KEY}"))
        .header("accept", "application/json")
        .header("user-agent", "cocoonmail-rust/0.1.0")
        .body(Vec::new())
        .unwrap()
}

fn assert_no_secret(err: &TransportError) {
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(KEY), "key leaked: {text}");
        assert!(!text.contains("pbkdf2"), "key leaked: {text}");
        assert!(!text.contains("secret-query"), "query leaked: {text}");
    }
}

#[test]
fn request_arrives_byte_for_byte() {
    let server = Server::start(vec![Reply::Bytes(answer("201 Created", &[], b"{}"))]);
    let body = br#"{"event_name":"signup","email":"a+b@example.com"}"#.to_vec();
    let request = Request::post(server.url("/webhook/event/send?x=1&y=a%2Bb"))
        .header("authorization", format!("Bearer {KEY}"))
        .header("x-cocoonmail-api_key", KEY)
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .header("user-agent", "cocoonmail-rust/0.1.0 (ureq)")
        .body(body.clone())
        .unwrap();

    let response = transport().send(request).expect("a response");
    assert_eq!(response.status(), 201);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let raw = RawRequest::parse(&requests[0]);
    assert_eq!(
        raw.request_line,
        "POST /webhook/event/send?x=1&y=a%2Bb HTTP/1.1"
    );
    assert_eq!(
        raw.all("authorization"),
        vec![format!("Bearer {KEY}").as_bytes()]
    );
    assert_eq!(raw.all("x-cocoonmail-api_key"), vec![KEY.as_bytes()]);
    // The request's own Accept and User-Agent win over ureq's automatic ones.
    assert_eq!(raw.all("accept"), vec![&b"application/json"[..]]);
    assert_eq!(
        raw.all("user-agent"),
        vec![&b"cocoonmail-rust/0.1.0 (ureq)"[..]]
    );
    assert_eq!(raw.all("content-type"), vec![&b"application/json"[..]]);
    assert_eq!(
        raw.all("content-length"),
        vec![body.len().to_string().as_bytes()]
    );
    assert!(
        raw.all("accept-encoding").is_empty(),
        "no compression was asked for"
    );
    assert_eq!(raw.body, body);
}

#[test]
fn bodiless_get_and_post_frame_their_bodies_plainly() {
    let server = Server::start(vec![
        Reply::Bytes(answer("200 OK", &[], b"{}")),
        Reply::Bytes(answer("200 OK", &[], b"{}")),
    ]);
    let t = transport();
    t.send(get(&server.url("/webhook/custom_field/list")))
        .unwrap();
    let post = Request::post(server.url("/webhook/mail/usage"))
        .body(Vec::new())
        .unwrap();
    t.send(post).unwrap();

    let requests = server.requests();
    let get = RawRequest::parse(&requests[0]);
    assert_eq!(get.request_line, "GET /webhook/custom_field/list HTTP/1.1");
    assert!(get.all("transfer-encoding").is_empty());
    assert!(get.all("content-length").is_empty());
    assert!(get.body.is_empty());
    let post = RawRequest::parse(&requests[1]);
    assert_eq!(post.all("content-length"), vec![&b"0"[..]]);
    assert!(post.all("transfer-encoding").is_empty());
}

#[test]
fn every_response_header_comes_back_with_a_429() {
    let body = br#"{"success":false,"message":"Too many requests"}"#;
    let server = Server::start(vec![Reply::Bytes(answer(
        "429 Too Many Requests",
        &[
            ("Content-Type", "application/json"),
            ("x-ratelimit-limit", "10"),
            ("x-ratelimit-remaining", "0"),
            ("Retry-After", "2"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
            ("X-Dup", "one"),
            ("X-Dup", "two"),
        ],
        body,
    ))]);

    let response = transport()
        .send(get(&server.url("/webhook/mail/send")))
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.version(), http::Version::HTTP_11);
    let h = response.headers();
    assert_eq!(h["x-ratelimit-limit"], "10");
    assert_eq!(h["x-ratelimit-remaining"], "0");
    assert_eq!(h["retry-after"], "2");
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["content-length"], body.len().to_string().as_str());
    assert_eq!(h["connection"], "close");
    let dup: Vec<_> = h.get_all("x-dup").iter().collect();
    assert_eq!(dup, ["one", "two"]);
    let cookies: Vec<_> = h.get_all("set-cookie").iter().collect();
    assert_eq!(cookies, ["a=1", "b=2"]);
    assert_eq!(h.len(), 10);
    assert_eq!(response.body(), body);
}

#[test]
fn a_500_is_a_response_with_its_body() {
    let body = br#"{"success":false,"detail":"boom"}"#;
    let server = Server::start(vec![Reply::Bytes(answer(
        "500 Internal Server Error",
        &[("Content-Type", "application/json")],
        body,
    ))]);
    let response = transport()
        .send(get(&server.url("/webhook/mail/send")))
        .unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(response.body(), body);
}

#[test]
fn an_html_502_comes_back_intact() {
    let page = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center></body>\r\n</html>\r\n";
    let server = Server::start(vec![Reply::Bytes(answer(
        "502 Bad Gateway",
        &[("Content-Type", "text/html"), ("Server", "nginx")],
        page,
    ))]);
    let response = transport()
        .send(get(&server.url("/webhook/mail/send")))
        .unwrap();
    assert_eq!(response.status(), 502);
    assert_eq!(response.headers()["content-type"], "text/html");
    assert_eq!(response.headers()["server"], "nginx");
    assert_eq!(response.body(), page);
}

#[test]
fn a_redirect_is_returned_not_followed() {
    for status in [
        "302 Found",
        "307 Temporary Redirect",
        "301 Moved Permanently",
    ] {
        let elsewhere = Untouched::bind();
        let location = elsewhere.url("/steal-the-key");
        let server = Server::start(vec![
            Reply::Bytes(answer(status, &[("Location", &location)], b"moved")),
            Reply::Bytes(answer("200 OK", &[], b"{}")),
        ]);
        let request = Request::post(server.url("/webhook/mail/send"))
            .header("x-cocoonmail-api_key", KEY)
            .body(b"{}".to_vec())
            .unwrap();

        let response = transport().send(request).expect("the redirect itself");
        assert_eq!(response.status().as_str(), &status[..3]);
        assert_eq!(response.headers()["location"], location.as_str());
        assert_eq!(response.body(), b"moved");
        assert_eq!(server.requests().len(), 1);
        assert!(!elsewhere.was_contacted());
    }
}

#[test]
fn connection_refused_is_connect() {
    let url = refused_url("/webhook/contact/find?email=secret-query%40example.com");
    let err = transport().send(get(&url)).unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Connect, "{err}");
    assert!(err.to_string().contains("/webhook/contact/find"), "{err}");
    assert_no_secret(&err);
}

#[test]
#[ignore = "asks the system resolver, which may leave the machine"]
fn an_unknown_host_is_connect() {
    let err = transport()
        .send(get(
            "http://cocoonmail-transport-test.invalid/webhook/mail/send",
        ))
        .unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Connect, "{err}");
}

#[test]
fn a_silent_server_is_a_timeout() {
    let server = Server::start(vec![Reply::Stall(Vec::new(), Duration::from_secs(5))]);
    let t = UreqTransport::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = t
        .send(get(&server.url("/webhook/mail/send?secret-query=1")))
        .unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Timeout, "{err}");
    assert_no_secret(&err);
}

#[test]
fn the_calls_deadline_on_the_request_bounds_the_attempt() {
    use cocoon_core::transport::Deadline;
    use std::time::Instant;

    let server = Server::start(vec![Reply::Stall(Vec::new(), Duration::from_secs(5))]);
    let mut request = get(&server.url("/webhook/mail/send"));
    Deadline::after(Duration::from_millis(200)).attach(&mut request);
    let started = Instant::now();
    // The transport's own timeout (10 s) is far longer than what is left of the deadline.
    let err = transport().send(request).unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.kind, TransportErrorKind::Timeout, "{err}");
    assert!(took < Duration::from_millis(1500), "took {took:?}");

    let mut late = get(&server.url("/webhook/mail/send"));
    Deadline::at(Instant::now()).attach(&mut late);
    let err = transport().send(late).unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("deadline"), "{err}");
}

#[test]
fn a_server_that_stalls_mid_body_is_a_timeout() {
    let server = Server::start(vec![Reply::Stall(
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789".to_vec(),
        Duration::from_secs(5),
    )]);
    let t = UreqTransport::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = t.send(get(&server.url("/"))).unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Timeout, "{err}");
}

#[test]
fn a_connection_closed_before_answering_is_io_not_connect() {
    let server = Server::start(vec![Reply::Close]);
    let err = transport()
        .send(get(&server.url("/webhook/mail/send")))
        .unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Io, "{err}");
    assert_eq!(server.requests().len(), 1, "the server did see the request");
    assert_no_secret(&err);
}

#[test]
fn a_body_cut_short_is_io() {
    let server = Server::start(vec![Reply::Bytes(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"success\":".to_vec(),
    )]);
    let err = transport().send(get(&server.url("/"))).unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Io, "{err}");
}

#[test]
fn a_chunked_body_cut_short_is_io() {
    let server = Server::start(vec![Reply::Bytes(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n{\"success\":".to_vec(),
    )]);
    let err = transport().send(get(&server.url("/"))).unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Io, "{err}");
}

#[test]
fn a_garbled_answer_is_io() {
    let server = Server::start(vec![Reply::Bytes(b"SMTP ready\r\n\r\n".to_vec())]);
    let err = transport().send(get(&server.url("/"))).unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Io, "{err}");
}

#[test]
fn an_announced_oversized_body_is_refused_before_reading() {
    let server = Server::start(vec![Reply::Bytes(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n{".to_vec(),
    )]);
    let t = UreqTransport::builder()
        .max_body_bytes(1024)
        .build()
        .unwrap();
    let err = t.send(get(&server.url("/"))).unwrap_err();
    assert_eq!(
        err.kind,
        TransportErrorKind::BodyTooLarge { limit: 1024 },
        "{err}"
    );
}

#[test]
fn a_chunked_oversized_body_is_too_large() {
    let server = Server::start(vec![Reply::Pieces(chunked_answer(64 * 1024, 512))]);
    let t = UreqTransport::builder()
        .max_body_bytes(1024)
        .build()
        .unwrap();
    let err = t.send(get(&server.url("/"))).unwrap_err();
    assert_eq!(
        err.kind,
        TransportErrorKind::BodyTooLarge { limit: 1024 },
        "{err}"
    );
}

#[test]
fn a_body_exactly_at_the_cap_is_accepted() {
    let server = Server::start(vec![
        Reply::Bytes(answer("200 OK", &[], &[b'x'; 1024])),
        Reply::Pieces(chunked_answer(1024, 100)),
    ]);
    let t = UreqTransport::builder()
        .max_body_bytes(1024)
        .build()
        .unwrap();
    let response = t.send(get(&server.url("/"))).unwrap();
    assert_eq!(response.body().len(), 1024);
    let response = t.send(get(&server.url("/"))).unwrap();
    assert_eq!(response.body().len(), 1024);
    assert!(response.headers().get("content-length").is_none());
    assert_eq!(response.headers()["transfer-encoding"], "chunked");
}

#[test]
fn a_user_agent_is_used_and_the_cap_still_applies() {
    let server = Server::start(vec![
        Reply::Bytes(answer("404 Not Found", &[], b"{}")),
        Reply::Bytes(answer("200 OK", &[], &[b'x'; 2048])),
    ]);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent("user-agent-of-the-agent")
        .build()
        .into();
    let t = UreqTransport::builder()
        .agent(agent)
        .max_body_bytes(1024)
        .build()
        .unwrap();
    let bare = Request::get(server.url("/")).body(Vec::new()).unwrap();
    let response = t.send(bare).unwrap();
    assert_eq!(response.status(), 404);
    let raw = RawRequest::parse(&server.requests()[0]);
    assert_eq!(raw.all("user-agent"), vec![&b"user-agent-of-the-agent"[..]]);
    let err = t.send(get(&server.url("/"))).unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::BodyTooLarge { limit: 1024 });
}

#[test]
fn debug_shows_no_secrets() {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(Some(
            ureq::Proxy::new(&format!("http://user:{}@127.0.0.1:9", "proxy-secret")).unwrap(),
        ))
        .build()
        .into();
    let builder = UreqTransport::builder().agent(agent);
    let builder_debug = format!("{builder:?}");
    let t = builder.build().unwrap();
    for text in [
        builder_debug,
        format!("{t:?}"),
        format!("{:?}", transport()),
    ] {
        assert!(!text.contains("proxy-secret"), "{text}");
        assert!(text.contains("max_body_bytes"), "{text}");
    }
}

#[test]
fn defaults_are_documented_values() {
    let t = UreqTransport::new().unwrap();
    assert_eq!(t.max_body_bytes(), 4 * 1024 * 1024);
    let config = t.agent().config();
    assert!(!config.http_status_as_error());
    assert_eq!(config.max_redirects(), 0);
    assert!(config.no_delay());
    let text = format!("{t:?}");
    assert!(text.contains("connect_timeout: 10s"), "{text}");
    assert_eq!(
        config.timeouts().global,
        Some(Duration::from_secs(30)),
        "one deadline for the whole call"
    );
    assert!(text.contains("timeout: 30s"), "{text}");
}

#[test]
fn a_connect_timeout_is_connect() {
    // `bind` fails the test on Linux when the set-up does not hold; elsewhere it may skip.
    let Some(blackhole) = support::Blackhole::bind() else {
        return;
    };
    let t = UreqTransport::builder()
        .connect_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = t
        .send(get(&blackhole.url("/webhook/mail/send")))
        .unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Connect, "{err}");
    assert!(err.to_string().contains("connect"), "{err}");
}
