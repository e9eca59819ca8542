//! What the journal shows for requests whose answer never reached the client: a client that
//! gives up, the apply-then faults, and waiting for the journal to settle.

mod common;

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use cocoon_mock::{Fault, JournalEntry, MockServer, Outcome, RateLimit};
use common::{unlimited, Client};
use serde_json::json;

const EVENT: &str = "/webhook/event/send";
/// Generous: only bounds a broken server, never a timing assertion.
const SETTLE: Duration = Duration::from_secs(20);

fn event(name: &str) -> serde_json::Value {
    json!({"event_name": name, "email": "ada@example.com"})
}

fn slow(latency: Duration) -> MockServer {
    MockServer::builder()
        .rate_limit(RateLimit::Off)
        .latency(latency)
        .start()
        .unwrap()
}

/// Waits (bounded) until the server has journalled `n` requests.
fn wait_for_entries(server: &MockServer, n: usize) -> Vec<JournalEntry> {
    let deadline = Instant::now() + SETTLE;
    loop {
        let journal = server.journal();
        if journal.len() >= n || Instant::now() > deadline {
            return journal;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A client that gives up: no answer within `patience`, then it closes the connection.
fn give_up_after(mut client: Client, patience: Duration) {
    client.stream.set_read_timeout(Some(patience)).unwrap();
    let err = client.read_response().expect_err("no answer expected yet");
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err:?}"
    );
    drop(client);
}

#[test]
fn a_client_that_gives_up_mid_request_leaves_an_abandoned_applied_entry() {
    // The server takes 800 ms to answer; the client waits 200 ms.
    let server = slow(Duration::from_millis(800));
    let mut client = Client::connect(&server);
    client.start_call("POST", EVENT, Some(event("signup")));
    // Journalled as soon as it is read, before any answer.
    let journal = wait_for_entries(&server, 1);
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].outcome, Outcome::Pending);
    assert_eq!(journal[0].status(), None);
    give_up_after(client, Duration::from_millis(200));

    let journal = server.settled_journal(SETTLE).expect("settles");
    assert_eq!(journal.len(), 1);
    let entry = &journal[0];
    assert_eq!(entry.outcome, Outcome::Abandoned);
    assert_eq!(entry.status(), None);
    // ...but the request was applied: the event was recorded.
    assert_eq!(entry.handled, Some(201));
    assert!(entry.was_applied());
    assert_eq!(entry.operation, Some(cocoon_mock::Operation::SendEvent));
    assert_eq!(server.events().len(), 1);
}

#[test]
fn a_client_that_gives_up_during_a_delay_fault_applied_nothing() {
    let server = unlimited();
    server.script("POST", EVENT, [Fault::Delay(Duration::from_secs(5))]);
    let mut client = Client::connect(&server);
    client.start_call("POST", EVENT, Some(event("signup")));
    wait_for_entries(&server, 1);
    give_up_after(client, Duration::from_millis(100));
    let journal = server.settled_journal(SETTLE).expect("settles");
    assert_eq!(journal[0].outcome, Outcome::Abandoned);
    assert_eq!(journal[0].handled, None);
    assert!(!journal[0].was_applied());
    assert!(server.events().is_empty());
}

#[test]
fn apply_then_drop_applies_the_write_and_loses_the_answer() {
    let server = unlimited();
    server.script("POST", EVENT, [Fault::ApplyThenDrop]);
    let mut client = Client::connect(&server);
    client.start_call("POST", EVENT, Some(event("signup")));
    let err = client.read_response().unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset
        ),
        "{err:?}"
    );
    // The answer is settled before the connection closes: no wait needed.
    let journal = server.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].outcome, Outcome::Dropped);
    assert_eq!(journal[0].handled, Some(201));
    assert!(journal[0].was_applied());
    // The write happened.
    assert_eq!(server.events().len(), 1);
    assert_eq!(server.events()[0]["event_name"], "signup");
    // A plain drop, by contrast, applies nothing.
    server.script("POST", EVENT, [Fault::DropConnection]);
    let mut client = Client::connect(&server);
    client.start_call("POST", EVENT, Some(event("second")));
    assert!(client.read_response().is_err());
    let journal = server.journal();
    assert_eq!(journal[1].outcome, Outcome::Dropped);
    assert_eq!(journal[1].handled, None);
    assert_eq!(server.events().len(), 1);
}

#[test]
fn apply_then_drop_still_goes_through_the_checks() {
    let server = unlimited();
    server.script("POST", EVENT, [Fault::ApplyThenDrop]);
    let mut client = Client::connect(&server);
    // No event name: the fake API refuses it, so nothing is applied.
    client.start_call("POST", EVENT, Some(json!({"email": "ada@example.com"})));
    assert!(client.read_response().is_err());
    let journal = server.journal();
    assert_eq!(journal[0].outcome, Outcome::Dropped);
    assert_eq!(journal[0].handled, Some(400));
    assert!(!journal[0].was_applied());
    assert!(server.events().is_empty());
}

#[test]
fn apply_then_hang_applies_then_waits_for_the_client_to_leave() {
    let server = unlimited();
    server.script("POST", EVENT, [Fault::ApplyThenHang]);
    let mut client = Client::connect(&server);
    client.start_call("POST", EVENT, Some(event("signup")));
    wait_for_entries(&server, 1);

    // While the client waits, the journal does not settle.
    let unsettled = server
        .settled_journal(Duration::from_millis(300))
        .expect_err("a hung request keeps the journal unsettled");
    assert_eq!(unsettled.in_flight, 1);
    assert_eq!(unsettled.journal[0].outcome, Outcome::Pending);
    assert_eq!(unsettled.journal[0].handled, Some(201));
    let message = unsettled.to_string();
    assert!(
        message.contains("POST /webhook/event/send -> pending"),
        "{message}"
    );
    assert!(!message.contains("ada@example.com"), "{message}");
    let debug = format!("{unsettled:?}");
    assert!(
        debug.contains("POST /webhook/event/send -> pending"),
        "{debug}"
    );
    assert!(
        !debug.contains("ada@example.com") && !debug.contains(server.api_key()),
        "{debug}"
    );
    assert_eq!(server.events().len(), 1);

    give_up_after(client, Duration::from_millis(50));
    let journal = server.settled_journal(SETTLE).expect("settles");
    assert_eq!(journal[0].outcome, Outcome::Abandoned);
    assert!(journal[0].was_applied());
    // The next request is handled normally.
    let mut client = Client::connect(&server);
    assert_eq!(client.call("POST", EVENT, Some(event("next"))).status, 201);
}

#[test]
fn shutting_down_with_a_hung_request_abandons_it_and_returns() {
    let server = unlimited();
    server.script("GET", "/webhook/api_key/validate/", [Fault::ApplyThenHang]);
    let mut client = Client::connect(&server);
    client.start_call("GET", "/webhook/api_key/validate/", None);
    wait_for_entries(&server, 1);
    server.shutdown();
    let journal = server.settled_journal(SETTLE).expect("nothing in flight");
    assert_eq!(journal[0].outcome, Outcome::Abandoned);
    assert_eq!(journal[0].handled, Some(200));
    assert!(client.read_response().is_err());
}

#[test]
fn a_settled_journal_is_immediate_when_idle_and_without_a_journal() {
    let server = unlimited();
    assert_eq!(server.settled_journal(Duration::ZERO), Ok(Vec::new()));
    let quiet = MockServer::builder()
        .rate_limit(RateLimit::Off)
        .record_journal(false)
        .start()
        .unwrap();
    quiet.script("POST", EVENT, [Fault::ApplyThenHang]);
    let mut client = Client::connect(&quiet);
    client.start_call("POST", EVENT, Some(event("x")));
    // Not journalled, but still in flight.
    let deadline = Instant::now() + SETTLE;
    while quiet.events().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let unsettled = quiet
        .settled_journal(Duration::from_millis(100))
        .unwrap_err();
    assert_eq!(unsettled.in_flight, 1);
    assert!(unsettled.journal.is_empty());
    drop(client);
    assert_eq!(quiet.settled_journal(SETTLE), Ok(Vec::new()));
}

#[tokio::test(flavor = "current_thread")]
async fn an_async_test_waits_for_a_settled_journal_without_blocking_its_runtime() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = slow(Duration::from_millis(800));
    let body = event("signup").to_string();
    let request = format!(
        "POST {EVENT} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nAccept: application/json\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        server.api_key(),
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    // The client's own deadline: 200 ms, then it drops the connection.
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await;
    assert!(read.is_err(), "no answer within 200 ms");
    drop(stream);
    let journal = server.settled_journal_async(SETTLE).await.expect("settles");
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].outcome, Outcome::Abandoned);
    assert_eq!(journal[0].handled, Some(201));
    assert_eq!(server.events().len(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn an_async_wait_times_out_with_what_is_pending() {
    let server = unlimited();
    server.script("POST", EVENT, [Fault::ApplyThenHang]);
    let mut client = Client::connect(&server);
    client.start_call("POST", EVENT, Some(event("x")));
    wait_for_entries(&server, 1);
    let started = Instant::now();
    let unsettled = server
        .settled_journal_async(Duration::from_millis(200))
        .await
        .expect_err("hung");
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(unsettled.in_flight, 1);
    drop(client);
    assert!(server.settled_journal_async(SETTLE).await.is_ok());
}

/// Random mixes of faults and impatient clients: whatever happens, once settled, nothing is
/// pending, an entry is applied exactly when its effect exists, and a client that read an
/// answer finds it in the journal. Replay a failure with `MOCK_OUTCOME_SEED=<seed>`.
#[test]
fn randomized_faults_and_impatient_clients_keep_the_journal_truthful() {
    let seed = std::env::var("MOCK_OUTCOME_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("replay with MOCK_OUTCOME_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let server = unlimited();
    let mut answered = Vec::new();
    let mut clients = Vec::new();
    for i in 0..24 {
        let fault = match rng.u8(..6) {
            0 => Some(Fault::ApplyThenDrop),
            1 => Some(Fault::ApplyThenHang),
            2 => Some(Fault::DropConnection),
            3 => Some(Fault::Delay(Duration::from_millis(rng.u64(0..300)))),
            4 => Some(Fault::status(503)),
            _ => None,
        };
        let hangs = matches!(fault, Some(Fault::ApplyThenHang));
        if let Some(fault) = fault {
            server.script("POST", EVENT, [fault]);
        }
        // A valid or an invalid event (the latter is refused, so never applied).
        let body = if rng.bool() {
            event(&format!("e{i}"))
        } else {
            json!({"event_name": format!("e{i}")})
        };
        let mut client = Client::connect(&server);
        client.start_call("POST", EVENT, Some(body));
        // Hung requests always wait out the client's patience; others sometimes do.
        let patience = Duration::from_millis(if hangs { 30 } else { rng.u64(1..400) });
        client.stream.set_read_timeout(Some(patience)).unwrap();
        match client.read_response() {
            Ok(resp) => answered.push((format!("e{i}"), resp.status)),
            Err(_) if rng.bool() => drop(client),
            // Some impatient clients keep their connection open until the end.
            Err(_) => clients.push(client),
        }
    }
    drop(clients);
    // A client that gave up at once may have left before the server read its request.
    wait_for_entries(&server, 24);
    let journal = server
        .settled_journal(SETTLE)
        .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    assert_eq!(journal.len(), 24, "seed {seed}");
    assert!(
        journal.iter().all(|e| e.outcome.is_settled()),
        "seed {seed}: {journal:?}"
    );
    // Journal order is read order; a delayed request applies later: compare as sets.
    let mut applied: Vec<String> = journal
        .iter()
        .filter(|e| e.was_applied())
        .map(|e| e.json().unwrap()["event_name"].as_str().unwrap().to_owned())
        .collect();
    let mut recorded: Vec<String> = server
        .events()
        .iter()
        .map(|e| e["event_name"].as_str().unwrap().to_owned())
        .collect();
    applied.sort();
    recorded.sort();
    assert_eq!(applied, recorded, "seed {seed}");
    for (name, status) in answered {
        let entry = journal
            .iter()
            .find(|e| e.json().unwrap()["event_name"] == name.as_str())
            .unwrap();
        assert_eq!(
            entry.outcome,
            Outcome::Answered(status),
            "seed {seed}: {name}"
        );
    }
}
