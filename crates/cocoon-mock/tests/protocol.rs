//! The checks every request goes through, and the HTTP/1.1 handling, over real sockets.

mod common;

use std::time::Instant;

use cocoon_mock::{MockServer, RateLimit, DEFAULT_API_KEY};
use common::{unlimited, Client};
use serde_json::json;

const VALIDATE: &str = "/webhook/api_key/validate/";

#[test]
fn bearer_auth_is_accepted() {
    let server = MockServer::start();
    let r = Client::connect(&server).call("GET", VALIDATE, None);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body = r.json();
    assert_eq!(body["success"], true);
    assert!(body["workspace_id"].is_string());
    assert!(body["workspace_name"].is_string());
}

#[test]
fn x_cocoonmail_api_key_header_is_accepted_with_any_name_case() {
    let server = MockServer::start();
    let mut c = Client::connect(&server);
    for name in ["X-COCOONMAIL-API_KEY", "x-cocoonmail-api_key"] {
        let r = c.request_with(
            "GET",
            VALIDATE,
            &[(name, DEFAULT_API_KEY), ("Accept", "application/json")],
            None,
        );
        assert_eq!(r.status, 200, "{name}");
    }
}

#[test]
fn wrong_missing_or_mangled_keys_are_401() {
    let server = MockServer::start();
    let mut c = Client::connect(&server);
    let encoded = common::encode(DEFAULT_API_KEY);
    let cases: Vec<Vec<(&str, String)>> = vec![
        vec![],
        vec![("Authorization", "Bearer nope".to_owned())],
        vec![("Authorization", DEFAULT_API_KEY.to_owned())],
        vec![("Authorization", format!("Token {DEFAULT_API_KEY}"))],
        // URL-encoding the key is a mistake the server must catch.
        vec![("Authorization", format!("Bearer {encoded}"))],
        // A hyphen instead of the underscore in the header name.
        vec![("X-Cocoonmail-Api-Key", DEFAULT_API_KEY.to_owned())],
    ];
    for case in cases {
        let mut headers: Vec<(&str, &str)> = case.iter().map(|(n, v)| (*n, v.as_str())).collect();
        headers.push(("Accept", "application/json"));
        let r = c.request_with("GET", VALIDATE, &headers, None);
        assert_eq!(r.status, 401, "{case:?}");
        assert_eq!(
            r.json(),
            json!({"success": false, "message": "Invalid API key"})
        );
        assert!(r.header("x-ratelimit-limit").is_some());
        assert!(r.header("x-ratelimit-remaining").is_some());
    }
}

#[test]
fn configured_keys_replace_the_default() {
    let server = MockServer::builder()
        .api_key("key-one")
        .api_key("key-two")
        .start()
        .unwrap();
    assert_eq!(server.api_key(), "key-one");
    let mut c = Client::connect(&server);
    for (key, status) in [("key-one", 200), ("key-two", 200), (DEFAULT_API_KEY, 401)] {
        let auth = format!("Bearer {key}");
        let r = c.request_with(
            "GET",
            VALIDATE,
            &[("Authorization", &auth), ("Accept", "application/json")],
            None,
        );
        assert_eq!(r.status, status, "{key}");
    }
}

#[test]
fn accept_must_list_application_json() {
    let server = MockServer::start();
    let mut c = Client::connect(&server);
    let auth = format!("Bearer {DEFAULT_API_KEY}");
    for (accept, status) in [
        (None, 406),
        (Some("*/*"), 406),
        (Some("text/html"), 406),
        (Some("text/html, application/json;q=0.9"), 200),
        (Some("Application/JSON"), 200),
    ] {
        let mut headers = vec![("Authorization", auth.as_str())];
        if let Some(a) = accept {
            headers.push(("Accept", a));
        }
        let r = c.request_with("GET", VALIDATE, &headers, None);
        assert_eq!(r.status, status, "{accept:?}");
        if status == 406 {
            assert_eq!(r.json()["success"], false);
        }
    }
}

#[test]
fn auth_is_checked_before_accept() {
    let server = MockServer::start();
    let r = Client::connect(&server).request_with("GET", VALIDATE, &[], None);
    assert_eq!(r.status, 401);
}

#[test]
fn unknown_path_is_404_and_wrong_method_is_405() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let r = c.call("GET", "/webhook/nothing/here", None);
    assert_eq!(r.status, 404);
    assert_eq!(r.json(), json!({"success": false, "message": "Not found"}));
    // Paths are exact: no trailing slash except on validate.
    assert_eq!(
        c.call("POST", "/webhook/mail/send/", Some(json!({})))
            .status,
        404
    );
    assert_eq!(c.call("GET", "/webhook/api_key/validate", None).status, 200);

    let r = c.call("GET", "/webhook/mail/send", None);
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST"));
    assert!(r.message().contains("POST"), "{}", r.message());
    assert_eq!(
        c.call("POST", "/webhook/contact/update", Some(json!({})))
            .status,
        405
    );
}

#[test]
fn bodies_must_be_json_objects_with_a_json_content_type() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let auth = format!("Bearer {DEFAULT_API_KEY}");
    let base = [
        ("Authorization", auth.as_str()),
        ("Accept", "application/json"),
    ];
    let with_ct = [
        base[0],
        base[1],
        ("Content-Type", "application/json; charset=utf-8"),
    ];
    let path = "/webhook/email/verify";
    type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a [u8]>, &'a str);
    let cases: [Case<'_>; 5] = [
        (&with_ct, None, "body is required"),
        (&with_ct, Some(b"{not json"), "Invalid JSON"),
        (&with_ct, Some(b"[1, 2]"), "must be an object"),
        (
            &base,
            Some(br#"{"email": "a@example.com"}"#),
            "Content-Type",
        ),
        (
            &[base[0], base[1], ("Content-Type", "text/plain")],
            Some(br#"{"email": "a@example.com"}"#),
            "Content-Type",
        ),
    ];
    for (headers, body, needle) in cases {
        let r = c.request_with("POST", path, headers, body);
        assert_eq!(r.status, 400, "{needle}");
        assert_eq!(r.json()["success"], false);
        assert!(r.message().contains(needle), "{} / {needle}", r.message());
    }
    let r = c.request_with(
        "POST",
        path,
        &with_ct,
        Some(br#"{"email": "a@example.com"}"#),
    );
    assert_eq!(r.status, 200);
}

#[test]
fn every_answer_carries_rate_limit_headers() {
    let server = MockServer::start();
    let mut c = Client::connect(&server);
    let first = c.call("GET", VALIDATE, None);
    assert_eq!(first.header("x-ratelimit-limit"), Some("10"));
    let remaining: u32 = first
        .header("x-ratelimit-remaining")
        .unwrap()
        .parse()
        .unwrap();
    assert!(remaining < 10);
    let not_found = c.call("GET", "/webhook/nope", None);
    assert_eq!(not_found.header("x-ratelimit-limit"), Some("10"));
    assert!(not_found.header("x-ratelimit-remaining").is_some());
}

#[test]
fn unlimited_servers_announce_a_large_limit() {
    let server = unlimited();
    let r = Client::connect(&server).call("GET", VALIDATE, None);
    let limit: u64 = r.header("x-ratelimit-limit").unwrap().parse().unwrap();
    assert!(limit >= 100_000);
}

#[test]
fn bursts_past_the_limit_get_429_with_retry_after() {
    // Limit 2 per second, 40 requests as fast as possible: unless they are spread over many
    // seconds, several are refused. The bound on accepted requests allows for a slow machine.
    let server = MockServer::builder()
        .rate_limit(RateLimit::PerSecond(2))
        .start()
        .unwrap();
    let mut c = Client::connect(&server);
    let started = Instant::now();
    let mut accepted = 0u64;
    let mut refused = 0u64;
    for _ in 0..40 {
        let r = c.call("GET", VALIDATE, None);
        match r.status {
            200 => accepted += 1,
            429 => {
                refused += 1;
                assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
                assert_eq!(r.header("x-ratelimit-limit"), Some("2"));
                let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
                assert!(retry >= 1);
                assert_eq!(r.json()["success"], false);
            }
            other => panic!("unexpected {other}"),
        }
    }
    let seconds = started.elapsed().as_secs() + 1;
    assert!(accepted <= 2 * (seconds + 1), "{accepted} in {seconds}s");
    assert!(refused > 0 || seconds >= 20);
    // Refused requests are in the journal with their status.
    let statuses: Vec<_> = server.journal().iter().map(|e| e.status()).collect();
    assert_eq!(statuses.len(), 40);
    assert_eq!(
        statuses.iter().filter(|s| **s == Some(429)).count() as u64,
        refused
    );
}

#[test]
fn strict_servers_refuse_bursts_too() {
    let server = MockServer::builder()
        .rate_limit(RateLimit::PerSecond(3))
        .strict_window(true)
        .start()
        .unwrap();
    let mut c = Client::connect(&server);
    let started = Instant::now();
    let statuses: Vec<u16> = (0..30)
        .map(|_| c.call("GET", VALIDATE, None).status)
        .collect();
    let seconds = started.elapsed().as_secs() + 1;
    let accepted = statuses.iter().filter(|s| **s == 200).count() as u64;
    assert!(accepted <= 3 * (seconds + 1));
    assert!(statuses.contains(&429) || seconds >= 10);
}

#[test]
fn unauthenticated_requests_do_not_use_the_budget() {
    let server = MockServer::builder()
        .rate_limit(RateLimit::PerSecond(1))
        .start()
        .unwrap();
    let mut c = Client::connect(&server);
    for _ in 0..5 {
        assert_eq!(c.request_with("GET", VALIDATE, &[], None).status, 401);
    }
    // The one request of this second is still available.
    assert_eq!(c.call("GET", VALIDATE, None).status, 200);
}

#[test]
fn keep_alive_serves_many_requests_on_one_connection() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    for i in 0..25 {
        let r = c.call(
            "POST",
            "/webhook/email/verify",
            Some(json!({"email": format!("user{i}@example.com")})),
        );
        assert_eq!(r.status, 200);
        assert_eq!(r.header("connection"), None);
    }
    assert_eq!(server.journal().len(), 25);
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let auth = format!("Bearer {DEFAULT_API_KEY}");
    let mut batch = String::new();
    for path in [VALIDATE, "/webhook/nope", "/webhook/mailing_list/list"] {
        batch.push_str(&format!(
            "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nAccept: application/json\r\n\r\n"
        ));
    }
    c.send_raw(batch.as_bytes());
    let statuses: Vec<u16> = (0..3).map(|_| c.read_response().unwrap().status).collect();
    assert_eq!(statuses, [200, 404, 200]);
}

#[test]
fn connection_close_is_honoured() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let auth = format!("Bearer {DEFAULT_API_KEY}");
    let r = c.request_with(
        "GET",
        VALIDATE,
        &[
            ("Authorization", &auth),
            ("Accept", "application/json"),
            ("Connection", "close"),
        ],
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("connection"), Some("close"));
    assert!(c.is_closed());
}

#[test]
fn http_1_0_closes_unless_keep_alive() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    c.send_raw(
        format!(
            "GET {VALIDATE} HTTP/1.0\r\nAuthorization: Bearer {DEFAULT_API_KEY}\r\nAccept: application/json\r\n\r\n"
        )
        .as_bytes(),
    );
    assert_eq!(c.read_response().unwrap().status, 200);
    assert!(c.is_closed());
}

#[test]
fn chunked_request_bodies_are_decoded() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let body = r#"{"email": "chunky@example.com"}"#;
    let (a, b) = body.split_at(10);
    c.send_raw(
        format!(
            "POST /webhook/email/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {DEFAULT_API_KEY}\r\n\
             Accept: application/json\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\
             {:x};ext=1\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\nX-Trailer: t\r\n\r\n",
            a.len(),
            b.len()
        )
        .as_bytes(),
    );
    let r = c.read_response().unwrap();
    assert_eq!(r.status, 200, "{}", r.message());
    assert_eq!(r.json()["data"]["email"], "chunky@example.com");
    assert_eq!(server.journal()[0].body, body.as_bytes());
    // The connection is still usable.
    assert_eq!(c.call("GET", VALIDATE, None).status, 200);
}

#[test]
fn oversized_bodies_are_413() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    c.send_raw(
        format!(
            "POST /webhook/mail/send HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {DEFAULT_API_KEY}\r\n\
             Accept: application/json\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{{",
            11 * 1024 * 1024
        )
        .as_bytes(),
    );
    let r = c.read_response().unwrap();
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["success"], false);
    assert_eq!(r.header("connection"), Some("close"));
    assert_eq!(server.journal()[0].status(), Some(413));
}

#[test]
fn oversized_chunked_bodies_are_413() {
    // hyper does not surface a chunk's announced size, so the body is measured as it
    // arrives: the whole 11 MiB chunk is sent (the server reads the rest of a refused body
    // for a while, so the write completes and the answer is read).
    let server = unlimited();
    let mut c = Client::connect(&server);
    let size = 11 * 1024 * 1024;
    let mut request = format!(
        "POST /webhook/mail/send HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {DEFAULT_API_KEY}\r\n\
         Accept: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{size:x}\r\n"
    )
    .into_bytes();
    request.resize(request.len() + size, b' ');
    request.extend_from_slice(b"\r\n0\r\n\r\n");
    c.send_raw(&request);
    assert_eq!(c.read_response().unwrap().status, 413);
}

#[test]
fn a_chunk_size_at_the_limit_of_u64_is_refused_without_harm() {
    // 16 hex digits: u64::MAX. The server must refuse or close, never overflow, and keep
    // serving new connections.
    let server = unlimited();
    for size in ["ffffffffffffffff", "fffffffffffffffff"] {
        let mut c = Client::connect(&server);
        c.send_raw(
            format!(
                "POST /webhook/email/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {DEFAULT_API_KEY}\r\n\
                 Accept: application/json\r\nContent-Type: application/json\r\n\
                 Transfer-Encoding: chunked\r\n\r\n{size}\r\n{{\"email\": \"a@example.com\"}}"
            )
            .as_bytes(),
        );
        // No more body will come: the server sees the end of the stream mid-chunk.
        c.stream.shutdown(std::net::Shutdown::Write).unwrap();
        match c.read_response() {
            Ok(r) => assert!((400..500).contains(&r.status), "{size}: {}", r.status),
            Err(e) => assert!(
                matches!(
                    e.kind(),
                    std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset
                ),
                "{size}: {e:?}"
            ),
        }
        assert_eq!(
            Client::connect(&server).call("GET", VALIDATE, None).status,
            200
        );
    }
}

#[test]
fn expect_100_continue_gets_an_interim_answer() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let body = r#"{"email": "a@example.com"}"#;
    c.send_raw(
        format!(
            "POST /webhook/email/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {DEFAULT_API_KEY}\r\n\
             Accept: application/json\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    let interim = c.read_response_head_only();
    assert_eq!(interim, "HTTP/1.1 100 Continue");
    c.send_raw(body.as_bytes());
    assert_eq!(c.read_response().unwrap().status, 200);
}

#[test]
fn malformed_requests_are_400() {
    // Targets hyper accepts but RFC 3986 does not: the fake API's JSON 400.
    let server = unlimited();
    for raw in [
        "GET /webhook/mail/status?message_id={a@b} HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /webhook/contact/find?email=a|b HTTP/1.1\r\nHost: x\r\n\r\n",
    ] {
        let mut c = Client::connect(&server);
        c.send_raw(raw.as_bytes());
        let r = c.read_response().unwrap();
        assert_eq!(r.status, 400, "{raw:?}");
        assert_eq!(r.json()["success"], false);
    }
}

#[test]
fn requests_hyper_cannot_parse_are_refused_and_the_server_goes_on() {
    // hyper refuses these before the fake API sees them: with its own bare `400` (no JSON
    // body), or by closing the connection without an answer.
    let server = unlimited();
    for raw in [
        "GET /webhook/mail/status?message_id=<a@b> HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /has space HTTP/1.1\r\nHost: x\r\n\r\n",
        "NONSENSE\r\n\r\n",
        "POST /webhook/mail/send HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
    ] {
        let mut c = Client::connect(&server);
        c.send_raw(raw.as_bytes());
        match c.read_response() {
            Ok(r) => assert_eq!(r.status, 400, "{raw:?}"),
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof, "{raw:?}"),
        }
        assert!(c.is_closed(), "{raw:?}");
    }
    assert_eq!(
        Client::connect(&server).call("GET", VALIDATE, None).status,
        200
    );
}

#[test]
fn journal_records_the_wire() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    c.call(
        "GET",
        "/webhook/contact/find?email=a%2Bb%40example.com",
        None,
    );
    c.call(
        "POST",
        "/webhook/email/verify",
        Some(json!({"email": "x@example.com"})),
    );
    let journal = server.journal();
    assert_eq!(journal.len(), 2);
    let find = &journal[0];
    assert_eq!(find.method, "GET");
    assert_eq!(find.path, "/webhook/contact/find");
    assert_eq!(find.query, "email=a%2Bb%40example.com");
    assert_eq!(
        find.query_param("email").as_deref(),
        Some("a+b@example.com")
    );
    assert_eq!(find.status(), Some(200));
    assert_eq!(find.header("Accept"), Some("application/json"));
    assert!(find.headers.iter().all(|(n, _)| *n == n.to_lowercase()));
    assert!(find.body.is_empty());
    let verify = &journal[1];
    assert_eq!(verify.json(), Some(json!({"email": "x@example.com"})));
    assert_eq!(verify.header("content-type"), Some("application/json"));
    assert!(verify.received_at >= find.received_at);

    server.clear_journal();
    assert!(server.journal().is_empty());
    c.call("GET", VALIDATE, None);
    assert_eq!(server.journal().len(), 1);
}

#[test]
fn the_journal_can_be_turned_off() {
    let server = MockServer::builder()
        .rate_limit(RateLimit::Off)
        .record_journal(false)
        .start()
        .unwrap();
    assert_eq!(
        Client::connect(&server).call("GET", VALIDATE, None).status,
        200
    );
    assert!(server.journal().is_empty());
}

#[test]
fn zero_rate_and_empty_keys_are_refused() {
    assert!(MockServer::builder()
        .rate_limit(RateLimit::PerSecond(0))
        .start()
        .is_err());
    assert!(MockServer::builder().api_key("").start().is_err());
}

#[test]
fn latency_delays_answers() {
    let server = MockServer::builder()
        .latency(std::time::Duration::from_millis(150))
        .start()
        .unwrap();
    let started = Instant::now();
    assert_eq!(
        Client::connect(&server).call("GET", VALIDATE, None).status,
        200
    );
    // A lower bound only: a busy machine may take longer, never shorter.
    assert!(started.elapsed() >= std::time::Duration::from_millis(150));
}

trait HeadOnly {
    fn read_response_head_only(&mut self) -> String;
}

impl HeadOnly for Client {
    /// Reads an interim `100 Continue` (a head with no body) byte by byte.
    fn read_response_head_only(&mut self) -> String {
        use std::io::Read;
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            self.stream.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        String::from_utf8(head).unwrap().trim_end().to_owned()
    }
}
