//! One client shared by many tasks or threads, with its default rate limit, against a fake
//! server that counts requests in a strict sliding one-second window at the documented 10 per
//! second: no request is refused, every call succeeds, and no second of arrivals holds more
//! than 10 requests. These tests take a few seconds each, by design.

mod support;

use cocoon_mock::{JournalEntry, MockServer};
use cocoonmail::events::SendEvent;
use cocoonmail::mail::{MailContent, Recipient, SendMail};
use cocoonmail::{ClientBuilder, Error};
use support::{assert_at_most_per_second, timeline, KEY};

/// The documented limit, which both the server and the client's default enforce.
const PER_SECOND: usize = 10;

/// Taken for the whole of each test, so the tests of this file run one at a time: their
/// timing is what they check, and on two cores they would otherwise slow each other down.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn strict_server() -> MockServer {
    MockServer::builder()
        .strict_window(true)
        .start()
        .expect("start the fake server on loopback")
}

/// A builder with the client's default rate limit (unlike `support::quick`).
fn paced<M: cocoonmail::builder::Mode>(
    builder: ClientBuilder<M>,
    server: &MockServer,
) -> ClientBuilder<M> {
    builder.api_key(KEY).base_url(server.base_url())
}

/// Every request was answered with a success: none was refused with 429 (nor dropped).
fn assert_all_succeeded(journal: &[JournalEntry], expected: usize) {
    let all_succeeded = journal
        .iter()
        .all(|e| matches!(e.status(), Some(200 | 201)));
    assert!(
        all_succeeded && journal.len() == expected,
        "expected {expected} requests, all answered 2xx; got {} (ms after the first, status): \
         {:?}",
        journal.len(),
        timeline(journal)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_tasks_share_one_async_client_without_a_429() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = strict_server();
    let client = paced(cocoonmail::Client::builder(), &server)
        .build()
        .unwrap();

    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                match i % 3 {
                    0 => client.keys().validate().await.map(drop),
                    1 => client.lists().list().await.map(drop),
                    _ => client
                        .events()
                        .send(SendEvent::simple("signup", format!("user{i}@example.com")))
                        .await
                        .map(drop),
                }
            })
        })
        .collect();
    for task in tasks {
        task.await
            .expect("the task ran")
            .expect("the call succeeded");
    }

    let journal = server.journal();
    assert_all_succeeded(&journal, 50);
    assert_at_most_per_second(&journal, PER_SECOND);
}

#[test]
fn sixteen_threads_share_one_blocking_client_without_a_429() {
    let _turn = ONE_AT_A_TIME.blocking_lock();
    let server = strict_server();
    let client = paced(cocoonmail::blocking::Client::builder(), &server)
        .build()
        .unwrap();

    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..16)
            .map(|i| {
                let client = &client;
                scope.spawn(move || -> Result<(), Error> {
                    client.keys().validate()?;
                    client
                        .events()
                        .send(SendEvent::simple("signup", format!("user{i}@example.com")))?;
                    Ok(())
                })
            })
            .collect();
        for thread in threads {
            thread
                .join()
                .expect("the thread ran")
                .expect("the calls succeeded");
        }
    });

    let journal = server.journal();
    assert_all_succeeded(&journal, 32);
    assert_at_most_per_second(&journal, PER_SECOND);
}

/// Issue 3: many concurrent sends must not put 11 sends into one second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_concurrent_sends_never_put_eleven_in_one_second() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = strict_server();
    let client = paced(cocoonmail::Client::builder(), &server)
        .build()
        .unwrap();

    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                let mail = SendMail::new(MailContent::transactional("welcome-1"))
                    .to(Recipient::new(format!("user{i}@example.com")));
                client.mail().send(mail).await
            })
        })
        .collect();
    for task in tasks {
        let sent = task
            .await
            .expect("the task ran")
            .expect("the send succeeded");
        assert_eq!(sent.report.len(), 1);
    }

    let journal = server.journal();
    assert_all_succeeded(&journal, 30);
    assert!(journal.iter().all(|e| e.path == "/webhook/mail/send"));
    assert_at_most_per_second(&journal, PER_SECOND);
    assert_eq!(server.sent_mail_count(), 30);
}

/// The control: without the client's limit, the same strict server refuses a burst, so the
/// checks above are not passing by accident.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_client_limit_a_burst_is_refused() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = strict_server();
    let client = paced(cocoonmail::Client::builder(), &server)
        .no_rate_limit()
        .no_retries()
        .build()
        .unwrap();

    let tasks: Vec<_> = (0..15)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.keys().validate().await })
        })
        .collect();
    let mut refused = 0;
    for task in tasks {
        match task.await.expect("the task ran") {
            Ok(_) => {}
            Err(Error::RateLimited(_)) => refused += 1,
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }

    // Fifteen requests at once: past the tenth in the window, the server says 429.
    assert!(refused > 0, "none of 15 simultaneous requests was refused");
    let journal = server.journal();
    assert_eq!(
        journal.iter().filter(|e| e.status() == Some(429)).count(),
        refused
    );
}
