//! What the SDK tells `tracing`, as JSON lines: a span per call, a span per attempt, events for
//! rate-limit waits, 429s and retries. Nothing else is printed, so the output can be piped to
//! `jq` or a log shipper.
//!
//! ```text
//! cargo run --example tracing                                  # embedded fake server
//! RUST_LOG=cocoonmail=trace cargo run --example tracing        # every detail
//! COCOONMAIL_API_KEY=... cargo run --example tracing           # your account (reads only)
//! ```
//!
//! `RUST_LOG` is honoured (default `cocoonmail=debug`). Without `COCOONMAIL_API_KEY` it starts
//! `cocoon-mock` in-process and scripts one 429 on the first event so a retry shows up; with a
//! key it runs only reads against `COCOONMAIL_BASE_URL` (or production). The exit status is
//! non-zero if a call finally failed.
//!
//! No span or event ever holds the API key, an email address, a phone number, a name, a
//! message body, template parameters or query values: only operations, route templates, URLs
//! with their values redacted, statuses, counts and timings.

use std::process::ExitCode;

use cocoon_mock::{Fault, MockServer, DEFAULT_API_KEY};
use cocoonmail::contacts::{ContactRef, CreateContact, UpdateContact};
use cocoonmail::events::SendEvent;
use cocoonmail::mail::{MailContent, Recipient, SendMail};
use cocoonmail::{Client, Error, ENV_API_KEY};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("cocoonmail=debug"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(true)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(std::io::stdout)
        .init();

    let embedded = std::env::var_os(ENV_API_KEY).is_none();
    let server = match embedded.then(|| MockServer::builder().start()).transpose() {
        Ok(server) => server,
        Err(e) => {
            eprintln!("tracing: cannot start the embedded server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let builder = match &server {
        Some(server) => {
            server.script("POST", "/webhook/event/send", [Fault::rate_limited(1)]);
            Client::builder()
                .api_key(DEFAULT_API_KEY)
                .base_url(server.base_url())
        }
        None => Client::builder().from_env(),
    };
    let client = match builder.build() {
        Ok(client) => client,
        Err(e) => {
            eprintln!("tracing: cannot build the client: {e}");
            return ExitCode::FAILURE;
        }
    };

    let mut failed = 0;
    let mut check = |result: Result<(), Error>| {
        if result.is_err() {
            failed += 1;
        }
    };
    check(client.keys().validate().await.map(drop));
    check(client.lists().list().await.map(drop));
    check(client.custom_fields().list().await.map(drop));
    check(client.mail().usage().await.map(drop));
    check(
        client
            .contacts()
            .find(ContactRef::email("ada@example.com"))
            .await
            .map(drop),
    );
    check(client.verify().email("ada@example.com").await.map(drop));
    if embedded {
        let contact = CreateContact::new("ada@example.com").first_name("Ada");
        check(client.contacts().create(contact).await.map(drop));
        let update = UpdateContact::by_email("ada@example.com").last_name("Lovelace");
        check(client.contacts().update(update).await.map(drop));
        // The embedded server answers this one 429 first: watch the retry.
        let event = SendEvent::simple("signup", "ada@example.com");
        check(client.events().send(event).await.map(drop));
        let mail = SendMail::new(MailContent::transactional("welcome-1"))
            .to(Recipient::new("ada@example.com").first_name("Ada"));
        let sent = client.mail().send(mail).await;
        let id = sent
            .as_ref()
            .ok()
            .and_then(|sent| sent.report.first())
            .and_then(|r| r.message_id.clone());
        check(sent.map(drop));
        if let Some(id) = id {
            check(client.mail().status(id).await.map(drop));
        }
        check(
            client
                .contacts()
                .delete(ContactRef::email("ada@example.com"))
                .await
                .map(drop),
        );
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
