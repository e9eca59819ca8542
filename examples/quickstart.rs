//! A walk through the whole Cocoonmail API with the async client.
//!
//! ```text
//! cargo run --example quickstart            # no COCOONMAIL_API_KEY: embedded fake server
//! COCOONMAIL_API_KEY=... cargo run --example quickstart            # production: read-only calls
//! COCOONMAIL_API_KEY=... cargo run --example quickstart -- --send  # production: everything
//! COCOONMAIL_API_KEY=... COCOONMAIL_BASE_URL=http://127.0.0.1:8025 cargo run --example quickstart
//! ```
//!
//! With no `COCOONMAIL_API_KEY` it starts `cocoon-mock` in-process on loopback, so it runs
//! with no account and no network. It prints one line per call and exits with 0 only if every
//! call succeeded. Against the production host it sends nothing (no mail, message, event or
//! OTP, no contact changed) unless `--send` is given, so nobody mails real people by accident.

use std::fmt::Display;
use std::process::ExitCode;

use cocoonmail::contacts::{ContactRef, CreateContact, UpdateContact};
use cocoonmail::events::{
    CartItem, CheckoutCustomer, CheckoutEvent, Event, EventContact, SendEvent, SimpleEvent,
};
use cocoonmail::mail::{DirectRecipient, MailContent, Recipient, SendDirectMail, SendMail};
use cocoonmail::otp::{OtpCode, OtpRecipients, OtpSender, SendOtp};
use cocoonmail::whatsapp::{SendWhatsApp, WhatsAppMessage, WhatsAppRecipient};
use cocoonmail::{Client, Error, ENV_API_KEY};

/// Hosts where the walk-through sends nothing unless `--send` is given.
const PRODUCTION_HOSTS: [&str; 2] = ["webhook.cocoonmail.com", "app.cocoonmail.com"];

const CONTACT: &str = "ada.lovelace@example.com";
const SENDER: &str = "hello@example.com";

/// Walk through every Cocoonmail operation, against the embedded fake server unless
/// COCOONMAIL_API_KEY is set.
#[derive(clap::Parser)]
#[command(name = "quickstart")]
struct Options {
    /// Also send mail, events, WhatsApp messages and OTPs on the production host (every other
    /// server gets the whole walk-through anyway).
    #[arg(long)]
    send: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let send_flag = <Options as clap::Parser>::parse().send;

    // Without a key, run against the fake server; keep it alive for the whole walk.
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
    let client = match builder.build() {
        Ok(client) => client,
        Err(error) => {
            eprintln!("cannot build the client: {error}");
            return ExitCode::FAILURE;
        }
    };

    let base_url = client.config().base_url().to_owned();
    let production = PRODUCTION_HOSTS.iter().any(|host| base_url.contains(host));
    let sends = !production || send_flag;
    match (&_mock, sends) {
        (Some(_), _) => println!(
            "cocoonmail quickstart against the embedded fake server at {base_url}\n\
             (no {ENV_API_KEY} set; set it to use your account)\n"
        ),
        (None, true) => println!("cocoonmail quickstart against {base_url}\n"),
        (None, false) => println!(
            "cocoonmail quickstart against {base_url}: read-only calls only\n\
             (pass --send to also send mail, WhatsApp messages, events and OTPs)\n"
        ),
    }

    let mut walk = Walk::default();
    walk_through(&client, sends, &mut walk).await;

    println!(
        "\n{} calls, {} succeeded, {} failed.",
        walk.ok + walk.failed,
        walk.ok,
        walk.failed
    );
    if walk.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn walk_through(client: &Client, sends: bool, walk: &mut Walk) {
    let validation = client.keys().validate().await;
    walk.step("api_key.validate", validation, |v| {
        match &v.workspace_name {
            Some(name) => format!("key is valid for workspace {name:?}"),
            None => "key is valid".to_owned(),
        }
    });

    let lists = walk.step("mailing_list.list", client.lists().list().await, |lists| {
        let names: Vec<_> = lists.iter().map(|l| l.name.as_str()).collect();
        format!("{} list(s): {}", lists.len(), names.join(", "))
    });
    let fields = client.custom_fields().list().await;
    walk.step("custom_field.list", fields, |fields| {
        let keys: Vec<_> = fields.iter().map(|f| f.key.as_str()).collect();
        format!("{} field(s): {}", fields.len(), keys.join(", "))
    });

    if sends {
        let mut contact = CreateContact::new(CONTACT)
            .first_name("Ada")
            .last_name("Lovelace")
            .source("quickstart")
            .user_id("ada-1815");
        if let Some(list) = lists.as_ref().and_then(|lists| lists.first()) {
            contact = contact.subscribe_to(list.id.clone());
        }
        let created = match contact.try_property("plan", "analytical-engine") {
            Ok(contact) => client.contacts().create(contact).await,
            Err(invalid) => Err(invalid.into()),
        };
        walk.step("contact.create", created, |r| {
            format!("created contact {}", r.id.as_deref().unwrap_or("(no id)"))
        });

        let update = UpdateContact::by_email(CONTACT).user_group("pioneers");
        walk.step(
            "contact.update",
            client.contacts().update(update).await,
            |r| format!("updated contact {}", r.id.as_deref().unwrap_or("(no id)")),
        );
    }

    let found = client.contacts().find(ContactRef::email(CONTACT)).await;
    walk.step("contact.find", found, |contacts| match contacts.first() {
        Some(c) => format!(
            "found {} ({} {}), group {}",
            c.email,
            c.first_name.as_deref().unwrap_or("?"),
            c.last_name.as_deref().unwrap_or("?"),
            c.user_group.as_deref().unwrap_or("none")
        ),
        None => "no contact with that email".to_owned(),
    });

    let usage = client.mail().usage().await;
    walk.step("mail.usage", usage, |u| match u.quotas.per_day() {
        Some(q) => format!("daily quota: {} of {} used", show(q.usage), show(q.limit)),
        None => "usage read (no daily quota reported)".to_owned(),
    });

    if !sends {
        return;
    }

    let event = SimpleEvent::new("signup", CONTACT)
        .event_attribute("quickstart")
        .property("plan", "analytical-engine");
    let sent = client.events().send(event.into()).await;
    walk.step("event.send (simple)", sent, |r| {
        format!("event {}", r.id.as_deref().unwrap_or("accepted"))
    });

    let structured = SendEvent::structured(
        EventContact::new(CONTACT).name("Ada Lovelace"),
        Event::new("ABANDONED_CART")
            .name("Abandoned cart")
            .data_entry("cart_total", 42.5),
    );
    let sent = client.events().send(structured).await;
    walk.step("event.send (structured)", sent, |r| {
        format!("event {}", r.id.as_deref().unwrap_or("accepted"))
    });

    let checkout = CheckoutEvent::new(
        "cart-1843",
        CheckoutCustomer::new(CONTACT)
            .first_name("Ada")
            .phone("+15550101843"),
        "https://shop.example.com/checkout/cart-1843",
        "2026-11-27T10:00:00Z",
    )
    .item(CartItem::new(
        "NOTE-G",
        "Notes on the Analytical Engine",
        1,
        18.43,
    ));
    walk.step(
        "event.checkout",
        client.events().checkout(checkout).await,
        |r| {
            r.message
                .clone()
                .unwrap_or_else(|| "checkout event accepted".to_owned())
        },
    );

    let verified = client.verify().email(CONTACT).await;
    walk.step("email.verify", verified, |r| match r.status() {
        Some(status) => format!("{CONTACT} is {status}"),
        None => "verified".to_owned(),
    });

    let to = || Recipient::new(CONTACT).first_name("Ada");
    let raw = SendMail::new(MailContent::raw(
        "<p>Hello {{first_name}}, welcome aboard.</p>",
        SENDER,
        "Welcome, Ada",
    ))
    .to(to())
    .tag("quickstart");
    let raw_sent = client.mail().send(raw).await;
    let message_id = walk
        .step("mail.send (raw content)", raw_sent, describe_mail)
        .and_then(|r| {
            r.report
                .first()
                .and_then(|report| report.message_id.clone())
        });

    let template = SendMail::new(MailContent::template(
        "5f0c6a52-3f7e-4d0b-9b7e-2d5c8a1e9f10",
        SENDER,
        "Your notes are ready",
    ))
    .to(to())
    .custom_parameter("chapter", "G");
    let sent = client.mail().send(template).await;
    walk.step("mail.send (template)", sent, describe_mail);

    let transactional = SendMail::new(MailContent::transactional("welcome-series-1")).to(to());
    let sent = client.mail().send(transactional).await;
    walk.step("mail.send (transactional)", sent, describe_mail);

    let direct = SendDirectMail::new("<p>A direct note.</p>", SENDER, "A direct note")
        .to(DirectRecipient::new(CONTACT).name("Ada Lovelace"));
    walk.step(
        "mail.send_direct",
        client.mail().send_direct(direct).await,
        |r| format!("sent to {}", r.sent_recipients.join(", ")),
    );

    match message_id {
        Some(id) => {
            let status = client.mail().status(id.clone()).await;
            walk.step("mail.status", status, |s| {
                format!(
                    "{id}: sent {}, delivered {}, opened {} time(s)",
                    yes_no(s.data.sent),
                    yes_no(s.data.delivered),
                    show(s.data.opened_count)
                )
            });
        }
        None => walk.skipped("mail.status", "no message id to look up"),
    }

    let whatsapp = SendWhatsApp::new(
        "+15550100000",
        WhatsAppMessage::template("order_update", "en"),
    )
    .recipient(WhatsAppRecipient::new("+15550101815").first_name("Ada"));
    let sent = client.whatsapp().send(whatsapp).await;
    let wamid = walk
        .step("whatsapp.send", sent, |r| {
            format!("{} message(s) queued", r.report.len())
        })
        .and_then(|r| {
            r.report
                .first()
                .and_then(|report| report.message_id.clone())
        });
    match wamid {
        Some(id) => {
            let status = client.whatsapp().status(id.clone()).await;
            walk.step("whatsapp.status", status, |s| {
                format!("{id}: {}", s.data.status.as_deref().unwrap_or("unknown"))
            });
        }
        None => walk.skipped("whatsapp.status", "no message id to look up"),
    }

    let otp = OtpCode::new("042815").map(|code| {
        SendOtp::new(
            "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
            OtpRecipients::email([CONTACT]),
            code,
        )
        .subject("Your sign-in code")
        .sender(OtpSender::new().email_sender(SENDER))
    });
    let sent = match otp {
        Ok(otp) => client.otp().send(otp).await,
        Err(invalid) => Err(invalid.into()),
    };
    walk.step("otp.send", sent, |r| {
        r.message.clone().unwrap_or_else(|| "OTP sent".to_owned())
    });

    let deleted = client.contacts().delete(ContactRef::email(CONTACT)).await;
    walk.step("contact.delete", deleted, |r| {
        r.message.clone().unwrap_or_else(|| "deleted".to_owned())
    });
}

fn describe_mail(r: &cocoonmail::mail::SendMailResponse) -> String {
    let ids: Vec<_> = r
        .report
        .iter()
        .filter_map(|x| x.message_id.as_deref())
        .collect();
    format!("sent, message id(s) {}", ids.join(", "))
}

fn yes_no(flag: Option<bool>) -> &'static str {
    match flag {
        Some(true) => "yes",
        Some(false) => "no",
        None => "?",
    }
}

fn show(value: Option<impl Display>) -> String {
    value.map_or_else(|| "?".to_owned(), |v| v.to_string())
}

/// Counts the calls and prints one line for each.
#[derive(Default)]
struct Walk {
    ok: usize,
    failed: usize,
}

impl Walk {
    fn step<T>(
        &mut self,
        operation: &str,
        result: Result<T, Error>,
        describe: impl FnOnce(&T) -> String,
    ) -> Option<T> {
        match result {
            Ok(value) => {
                self.ok += 1;
                println!("  ok    {operation:<26} {}", describe(&value));
                Some(value)
            }
            Err(error) => {
                self.failed += 1;
                println!("  FAIL  {operation:<26} {error}");
                None
            }
        }
    }

    fn skipped(&mut self, operation: &str, why: &str) {
        self.failed += 1;
        println!("  FAIL  {operation:<26} skipped: {why}");
    }
}
