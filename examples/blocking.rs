//! The blocking client: no async runtime, one client shared by several threads.
//!
//! ```text
//! cargo run --example blocking                      # embedded fake server
//! COCOONMAIL_API_KEY=... cargo run --example blocking -- --send
//! ```
//!
//! With no `COCOONMAIL_API_KEY` it starts `cocoon-mock` in-process. With a key it talks to
//! `COCOONMAIL_BASE_URL` (default production) and sends events and mail only with `--send`.

use std::process::ExitCode;
use std::thread;

use cocoonmail::blocking::Client;
use cocoonmail::contacts::{ContactRef, CreateContact};
use cocoonmail::events::SimpleEvent;
use cocoonmail::mail::{MailContent, Recipient, SendMail};
use cocoonmail::{Error, ENV_API_KEY};

const PEOPLE: [&str; 4] = [
    "grace.hopper@example.com",
    "katherine.johnson@example.com",
    "margaret.hamilton@example.com",
    "radia.perlman@example.com",
];

/// Threads sharing one blocking client, against the embedded fake server unless
/// COCOONMAIL_API_KEY is set.
#[derive(clap::Parser)]
#[command(name = "blocking")]
struct Options {
    /// Send events and mail to the account of COCOONMAIL_API_KEY (the embedded fake server
    /// always gets them).
    #[arg(long)]
    send: bool,
}

fn main() -> ExitCode {
    let send = <Options as clap::Parser>::parse().send;
    let mut _mock = None;
    let builder = if std::env::var_os(ENV_API_KEY).is_some() {
        Client::builder().from_env()
    } else {
        let server = cocoon_mock::MockServer::start();
        let builder = Client::builder()
            .api_key(cocoon_mock::DEFAULT_API_KEY)
            .base_url(server.base_url());
        _mock = Some(server);
        builder
    };
    match builder
        .build()
        .and_then(|client| run(&client, send || _mock.is_some()))
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("failed: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(client: &Client, send: bool) -> Result<(), Error> {
    println!("blocking client against {}", client.config().base_url());
    client.keys().validate()?;
    println!("  key is valid");
    if !send {
        let lists = client.lists().list()?;
        println!(
            "  {} mailing list(s); pass --send to send events and mail",
            lists.len()
        );
        return Ok(());
    }

    // One client, several threads: clones share the agent and the rate limiter, so together
    // they stay within the team's 10 requests per second.
    let workers: Vec<_> = PEOPLE
        .iter()
        .map(|&email| {
            let client = client.clone();
            thread::spawn(move || -> Result<String, Error> {
                client
                    .contacts()
                    .create(CreateContact::new(email).source("blocking-example"))?;
                let event = SimpleEvent::new("joined_beta", email).event_attribute("blocking");
                client.events().send(event.into())?;
                let mail = SendMail::new(MailContent::transactional("beta-welcome"))
                    .to(Recipient::new(email));
                let sent = client.mail().send(mail)?;
                let id = sent.report.first().and_then(|r| r.message_id.clone());
                Ok(format!(
                    "{email}: contact, event and mail {}",
                    id.unwrap_or_default()
                ))
            })
        })
        .collect();
    for worker in workers {
        let line = worker.join().expect("a worker thread panicked")?;
        println!("  {line}");
    }

    for email in PEOPLE {
        let found = client.contacts().find(ContactRef::email(email))?;
        let source = found
            .first()
            .and_then(|c| c.source.clone())
            .unwrap_or_default();
        client.contacts().delete(ContactRef::email(email))?;
        println!("  {email}: found (source {source:?}), deleted");
    }
    Ok(())
}
