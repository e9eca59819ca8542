//! Request matchers: counting, answering, verifying explicitly and on drop.

mod common;

use std::panic::catch_unwind;

use cocoon_mock::{Fault, Mock, MockServer, Operation, Outcome, RateLimit};
use common::{unlimited, Client};
use serde_json::json;

const VALIDATE: &str = "/webhook/api_key/validate/";
const SEND: &str = "/webhook/mail/send";

fn mail() -> serde_json::Value {
    json!({"email_content": "x", "sender": "s@example.com", "subject": "s", "to": [{"email": "a@example.com"}]})
}

#[test]
fn mocks_count_what_they_match_and_verify_passes() {
    let server = unlimited();
    let sends = server.register(Mock::given("POST", SEND).expect(2));
    let json_bodies = server.register(
        Mock::new()
            .header("content-type", "application/json")
            .body(|b| b.starts_with(b"{"))
            .expect_range(2..),
    );
    let any = server.register(Mock::new());
    let mut c = Client::connect(&server);
    assert_eq!(c.call("POST", SEND, Some(mail())).status, 201);
    assert_eq!(c.call("POST", SEND, Some(mail())).status, 201);
    assert_eq!(c.call("GET", VALIDATE, None).status, 200);
    assert_eq!(server.hits(sends), 2);
    assert_eq!(server.hits(json_bodies), 2);
    assert_eq!(server.hits(any), 3);
    assert_eq!(server.verify(), Ok(()));
}

#[test]
fn a_mock_can_answer_instead_of_the_fake_api() {
    let server = unlimited();
    server.register(
        Mock::given("GET", "/webhook/future/endpoint")
            .matching(|e| e.query_param("id").as_deref() == Some("7"))
            .respond_with(Fault::json(200, json!({"future": true})))
            .expect(1),
    );
    let mut c = Client::connect(&server);
    let r = c.call("GET", "/webhook/future/endpoint?id=7", None);
    assert_eq!(r.json(), json!({"future": true}));
    assert_eq!(
        c.call("GET", "/webhook/future/endpoint?id=8", None).status,
        404
    );
    // A scripted fault comes first, and the mock still counts the request.
    server.script("GET", "/webhook/future/endpoint", [Fault::status(503)]);
    assert_eq!(
        c.call("GET", "/webhook/future/endpoint?id=7", None).status,
        503
    );
    let error = server.verify().unwrap_err();
    assert!(
        error.unmet[0].contains("expected exactly 1 matching request(s), got 2"),
        "{error}"
    );
    server.reset();
}

#[test]
fn verify_lists_unmet_expectations_and_the_requests_seen() {
    let server = unlimited();
    server.register(
        Mock::given("POST", SEND)
            .named("the welcome mail")
            .expect(1),
    );
    Client::connect(&server).call("GET", VALIDATE, None);
    let error = server.verify().unwrap_err();
    assert_eq!(
        error.unmet,
        ["the welcome mail: expected exactly 1 matching request(s), got 0"]
    );
    assert_eq!(error.seen, ["GET /webhook/api_key/validate/ -> 200"]);
    let text = error.to_string();
    assert!(text.contains("1 unmet expectation"), "{text}");
    assert!(
        text.contains("GET /webhook/api_key/validate/ -> 200"),
        "{text}"
    );
    server.reset();
    assert_eq!(server.verify(), Ok(()));
}

#[test]
fn dropping_a_server_with_unmet_expectations_panics_with_them() {
    let outcome = catch_unwind(|| {
        let server = unlimited();
        server.register(Mock::given("POST", SEND).expect(1));
        Client::connect(&server).call("GET", VALIDATE, None);
        drop(server);
    });
    let payload = outcome.unwrap_err();
    let message = payload.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("POST /webhook/mail/send: expected exactly 1 matching request(s), got 0"),
        "{message}"
    );
    assert!(
        message.contains("GET /webhook/api_key/validate/ -> 200"),
        "{message}"
    );
}

#[test]
fn a_thread_already_panicking_does_not_panic_twice() {
    let outcome = catch_unwind(|| {
        let server = MockServer::start();
        server.register(Mock::new().expect(5));
        panic!("the test's own failure");
    });
    let payload = outcome.unwrap_err();
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"the test's own failure")
    );
}

#[test]
fn operation_matchers_follow_remapped_routes_and_both_validate_spellings() {
    let server = MockServer::builder()
        .rate_limit(RateLimit::Off)
        .route(Operation::CreateContact, "POST", "/webhook/v2/contacts")
        .start()
        .unwrap();
    let creates = server.register(Mock::for_operation(Operation::CreateContact).expect(1));
    let validates = server.register(Mock::for_operation(Operation::ValidateApiKey).expect(2));
    let mut c = Client::connect(&server);
    let contact = json!({"email": "ada@example.com"});
    // The old route is no longer the operation: 404, and not counted.
    assert_eq!(
        c.call("POST", "/webhook/contact/create", Some(contact.clone()))
            .status,
        404
    );
    assert_eq!(
        c.call("POST", "/webhook/v2/contacts", Some(contact)).status,
        200
    );
    assert_eq!(c.call("GET", VALIDATE, None).status, 200);
    assert_eq!(c.call("GET", "/webhook/api_key/validate", None).status, 200);
    assert_eq!(server.hits(creates), 1);
    assert_eq!(server.hits(validates), 2);
    let journal = server.journal();
    let operations: Vec<_> = journal.iter().map(|e| e.operation).collect();
    assert_eq!(
        operations,
        [
            None,
            Some(Operation::CreateContact),
            Some(Operation::ValidateApiKey),
            Some(Operation::ValidateApiKey)
        ]
    );
    assert_eq!(server.verify(), Ok(()));
}

#[test]
fn scripts_by_operation_land_on_the_served_route() {
    let server = MockServer::builder()
        .rate_limit(RateLimit::Off)
        .route(Operation::SendEvent, "POST", "/webhook/v2/events")
        .start()
        .unwrap();
    server.script_operation(Operation::SendEvent, [Fault::ApplyThenDrop]);
    let mut c = Client::connect(&server);
    c.start_call(
        "POST",
        "/webhook/v2/events",
        Some(json!({"event_name": "signup", "email": "ada@example.com"})),
    );
    assert!(c.read_response().is_err());
    assert_eq!(server.journal()[0].outcome, Outcome::Dropped);
    assert_eq!(server.events().len(), 1);
}

#[test]
fn json_body_matchers_match_subsets_and_can_answer() {
    let server = unlimited();
    let signup = server.register(
        Mock::for_operation(Operation::SendEvent)
            .body_json_contains(json!({"event_name": "signup", "data": {"plan": "pro"}}))
            .respond_with(Fault::status(503))
            .expect(1),
    );
    let mut c = Client::connect(&server);
    let matching = json!({"event_name": "signup", "email": "a@example.com", "data": {"plan": "pro", "seats": 3}});
    let other_plan =
        json!({"event_name": "signup", "email": "a@example.com", "data": {"plan": "free"}});
    assert_eq!(
        c.call("POST", "/webhook/event/send", Some(matching)).status,
        503
    );
    assert_eq!(
        c.call("POST", "/webhook/event/send", Some(other_plan))
            .status,
        201
    );
    assert_eq!(server.hits(signup), 1);
    // The unmet-expectation text names the operation and the JSON expected.
    server.register(
        Mock::for_operation(Operation::SendMail)
            .body_json_contains(json!({"subject": "Hi"}))
            .expect(1),
    );
    let error = server.verify().unwrap_err().to_string();
    assert!(
        error.contains(r#"with operation mail.send with a JSON body containing {"subject":"Hi"}"#),
        "{error}"
    );
    server.reset();
}
