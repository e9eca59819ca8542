//! What the builder configures: seeded data, remapped routes, the temporary block, the
//! journal's capacity, and reset.

mod common;

use std::time::Duration;

use cocoon_mock::{
    CustomField, Fault, FieldType, MailingList, Mock, MockServer, Operation, RateLimit,
    TemporaryBlock,
};
use common::{unlimited, Client};
use serde_json::json;

const VALIDATE: &str = "/webhook/api_key/validate/";

fn builder() -> cocoon_mock::MockBuilder {
    MockServer::builder().rate_limit(RateLimit::Off)
}

/// A block after `after` bad requests within a minute, lasting `block_for`.
fn block(after: u32, block_for: Duration) -> TemporaryBlock {
    TemporaryBlock::new(after, Duration::from_secs(60), block_for)
}

#[test]
fn default_seeds_are_the_documented_ones() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    let lists = c.call("GET", "/webhook/mailing_list/list", None).json();
    assert_eq!(lists[0]["id"], "cl_newsletter_0001");
    assert_eq!(lists[1]["id"], "cl_beta_0002");
    let fields = c.call("GET", "/webhook/custom_field/list", None).json();
    let keys: Vec<&str> = fields
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["plan", "seats", "trial", "renewal_date"]);
}

#[test]
fn seeded_lists_and_fields_are_served_and_checked() {
    let server = builder()
        .mailing_lists([MailingList::new("cl_vip", "VIP")
            .description("Early access")
            .public(true)])
        .custom_fields([CustomField::new("tier", "Tier", FieldType::Number)])
        .start()
        .unwrap();
    let mut c = Client::connect(&server);
    assert_eq!(
        c.call("GET", "/webhook/mailing_list/list", None).json(),
        json!([{"id": "cl_vip", "name": "VIP", "description": "Early access", "isPublic": true}])
    );
    assert_eq!(
        c.call("GET", "/webhook/custom_field/list", None).json(),
        json!([{"key": "tier", "label": "Tier", "type": "number"}])
    );
    let create = |c: &mut Client, body| c.call("POST", "/webhook/contact/create", Some(body));
    let r = create(
        &mut c,
        json!({"email": "a@example.com", "mailingLists": {"cl_vip": true}, "tier": 2}),
    );
    assert_eq!(r.status, 200, "{:?}", r.json());
    // The default list is unknown here; `tier` is a number; `plan` is no longer declared.
    let r = create(
        &mut c,
        json!({"email": "b@example.com", "mailingLists": {"cl_beta_0002": true}}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        create(&mut c, json!({"email": "c@example.com", "tier": "2"})).status,
        400
    );
    assert_eq!(
        create(&mut c, json!({"email": "d@example.com", "plan": 3})).status,
        200
    );
}

#[test]
fn empty_seeds_answer_empty_arrays_and_bad_seeds_are_refused() {
    let server = builder()
        .mailing_lists([])
        .custom_fields([])
        .start()
        .unwrap();
    let mut c = Client::connect(&server);
    assert_eq!(
        c.call("GET", "/webhook/mailing_list/list", None).json(),
        json!([])
    );
    assert_eq!(
        c.call("GET", "/webhook/custom_field/list", None).json(),
        json!([])
    );
    for bad in [
        builder().custom_fields([CustomField::new("teamId", "Team", FieldType::String)]),
        builder().mailing_lists([MailingList::new("a", "A"), MailingList::new("a", "B")]),
        builder().mailing_lists([MailingList::new("", "A")]),
        builder().route(Operation::SendMail, "POST", "no-slash"),
        builder().temporary_block(block(0, Duration::from_secs(1))),
    ] {
        let error = bad.start().unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput, "{error}");
    }
}

#[test]
fn remapped_routes_are_served_and_the_old_ones_are_not() {
    let server = builder()
        .route(Operation::CreateContact, "put", "/webhook/v2/contacts")
        .route(Operation::ValidateApiKey, "GET", "/webhook/v2/key")
        .start()
        .unwrap();
    let mut c = Client::connect(&server);
    let r = c.call(
        "PUT",
        "/webhook/v2/contacts",
        Some(json!({"email": "a@example.com"})),
    );
    assert_eq!(r.status, 200, "{:?}", r.json());
    assert_eq!(server.contacts().len(), 1);
    assert_eq!(
        c.call("POST", "/webhook/v2/contacts", Some(json!({})))
            .status,
        405
    );
    assert_eq!(
        c.call(
            "POST",
            "/webhook/contact/create",
            Some(json!({"email": "b@example.com"}))
        )
        .status,
        404
    );
    assert_eq!(c.call("GET", "/webhook/v2/key", None).status, 200);
    assert_eq!(c.call("GET", VALIDATE, None).status, 404);
    // Other operations keep their routes.
    assert_eq!(
        c.call("GET", "/webhook/mailing_list/list", None).status,
        200
    );
}

#[test]
fn repeated_bad_requests_earn_a_temporary_block() {
    let server = builder()
        .temporary_block(block(3, Duration::from_millis(300)))
        .start()
        .unwrap();
    let mut c = Client::connect(&server);
    let bad = json!({"email": "not an address"});
    for _ in 0..3 {
        assert_eq!(
            c.call("POST", "/webhook/email/verify", Some(bad.clone()))
                .status,
            400
        );
    }
    let r = c.call("GET", VALIDATE, None);
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        json!({"success": false, "message": "Too many bad requests. Temporary block"})
    );
    assert!(r.header("x-ratelimit-limit").is_some());
    // The key is checked first: a stranger is told 401, not about the team's block.
    assert_eq!(c.request_with("GET", VALIDATE, &[], None).status, 401);
    // The block lifts after its duration (a lower bound: a slow machine only waits longer).
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(c.call("GET", VALIDATE, None).status, 200);
}

#[test]
fn refusals_by_the_rate_limit_count_as_bad_requests() {
    let server = MockServer::builder()
        .rate_limit(RateLimit::PerSecond(1))
        .temporary_block(block(2, Duration::from_secs(60)))
        .start()
        .unwrap();
    let mut c = Client::connect(&server);
    let mut refused = 0;
    let mut blocked = false;
    for _ in 0..40 {
        match c.call("GET", VALIDATE, None).status {
            429 => refused += 1,
            403 => {
                blocked = true;
                break;
            }
            _ => {}
        }
    }
    assert!(blocked, "never blocked after {refused} refusals");
    assert_eq!(refused, 2);
}

#[test]
fn the_block_is_off_by_default() {
    let server = unlimited();
    let mut c = Client::connect(&server);
    for _ in 0..50 {
        assert_eq!(
            c.call("POST", "/webhook/email/verify", Some(json!({})))
                .status,
            400
        );
    }
    assert_eq!(c.call("GET", VALIDATE, None).status, 200);
}

#[test]
fn a_full_journal_drops_its_oldest_entries_and_counts_them() {
    let server = builder().journal_capacity(3).start().unwrap();
    let mut c = Client::connect(&server);
    for i in 0..5 {
        c.call("GET", &format!("/webhook/nothing/{i}"), None);
    }
    let paths: Vec<String> = server.journal().into_iter().map(|e| e.path).collect();
    assert_eq!(
        paths,
        [
            "/webhook/nothing/2",
            "/webhook/nothing/3",
            "/webhook/nothing/4"
        ]
    );
    assert_eq!(server.journal_dropped(), 2);
    server.clear_journal();
    assert_eq!(server.journal_dropped(), 0);
    assert!(server.journal().is_empty());
}

#[test]
fn reset_returns_to_the_seeded_start() {
    let server = builder()
        .mailing_lists([MailingList::new("cl_only", "Only")])
        .temporary_block(block(1, Duration::from_secs(60)))
        .start()
        .unwrap();
    let mut c = Client::connect(&server);
    let create_ada = |c: &mut Client| {
        let body = json!({"email": "a@example.com"});
        c.call("POST", "/webhook/contact/create", Some(body)).status
    };
    assert_eq!(create_ada(&mut c), 200);
    server.script("GET", VALIDATE, [Fault::status(500)]);
    server.register(Mock::given("GET", "/never").expect(1));
    assert_eq!(
        c.call("POST", "/webhook/email/verify", Some(json!({})))
            .status,
        400
    );
    assert_eq!(
        c.call("GET", "/webhook/mailing_list/list", None).status,
        403
    );

    server.reset();
    assert!(server.contacts().is_empty());
    assert!(server.journal().is_empty());
    assert!(server.sent_messages().is_empty() && server.events().is_empty());
    assert_eq!(server.verify(), Ok(()));
    // No block, no script; the seed is still there; the connection still works.
    assert_eq!(c.call("GET", VALIDATE, None).status, 200);
    assert_eq!(
        c.call("GET", "/webhook/mailing_list/list", None).json()[0]["id"],
        "cl_only"
    );
    // The contact can be created again.
    assert_eq!(create_ada(&mut c), 200);
}
