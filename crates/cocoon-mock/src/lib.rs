//! A faithful fake Cocoonmail server for tests, demos and benchmarks.
//!
//! `cocoon-mock` speaks the Cocoonmail HTTP API (as written down in the project's `API.md`)
//! over real sockets: start it in a test, point the SDK (or any HTTP client) at
//! [`MockServer::base_url`], then assert on what arrived with [`MockServer::journal`] and on
//! the fake service's state ([`MockServer::contacts`], [`MockServer::sent_messages`], ...).
//! It checks requests independently of the SDK (it parses bodies as plain JSON), so it
//! catches mistakes on the wire rather than mirroring them.
//!
//! It serves with hyper on a Tokio runtime of its own, on a thread of its own, so it works in
//! synchronous tests and inside async tests alike (`#[tokio::test]` of either flavour): the
//! caller's runtime, if any, is never used or nested.
//!
//! # Example
//!
//! ```
//! use std::io::{Read, Write};
//! use cocoon_mock::{MockServer, DEFAULT_API_KEY};
//!
//! let server = MockServer::start();
//! let mut conn = std::net::TcpStream::connect(server.addr()).unwrap();
//! let body = r#"{"event_name": "signup", "email": "ada@example.com"}"#;
//! write!(
//!     conn,
//!     "POST /webhook/event/send HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {DEFAULT_API_KEY}\r\n\
//!      Accept: application/json\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
//!      Connection: close\r\n\r\n{body}",
//!     body.len()
//! )
//! .unwrap();
//! let mut answer = String::new();
//! conn.read_to_string(&mut answer).unwrap();
//! assert!(answer.starts_with("HTTP/1.1 201 Created\r\n"));
//!
//! // The request is in the journal, and the event created the contact.
//! assert_eq!(server.journal()[0].path, "/webhook/event/send");
//! assert_eq!(server.contacts()[0]["email"], "ada@example.com");
//! ```
//!
//! # What every request goes through
//!
//! 1. **Registered mocks** ([`MockServer::register`]) that match the request count it.
//! 2. **Scripted faults** ([`MockServer::script`]) for the request's method and path are
//!    applied first, before any check (see [`Fault`]); then the first matching mock that
//!    carries an answer ([`Mock::respond_with`]).
//! 3. **Authentication**: `Authorization: Bearer <key>` or `X-COCOONMAIL-API_KEY: <key>`
//!    (header names case-insensitive, keys compared byte for byte), else `401`
//!    `{"success": false, "message": "Invalid API key"}`.
//! 4. **Temporary block** (off unless [`MockBuilder::temporary_block`]): a team that sent too
//!    many bad requests (`400` and `429` answers) is answered `403`
//!    `{"success": false, "message": "Too many bad requests. Temporary block"}` for a while.
//! 5. **`Accept`** must list `application/json` (`*/*` is not enough), else `406`.
//! 6. **Rate limit** ([`RateLimit`], default 10 requests per second shared by every key),
//!    else `429` with `Retry-After` (whole seconds). Refused requests do not use the budget.
//! 7. **Route** (the defaults of API.md §4, or as remapped with [`MockBuilder::route`]):
//!    unknown path `404` `{"success": false, "message": "Not found"}`, known path with
//!    another method `405` (with `Allow`).
//! 8. **Body**: routes that take one need `Content-Type: application/json` and a JSON object,
//!    else `400`.
//! 9. **The handler**, which checks every documented field and answers `400` with a message
//!    naming the offending field.
//!
//! Every answer of the fake API is JSON and carries `x-ratelimit-limit` and
//! `x-ratelimit-remaining`.
//!
//! # Strictness
//!
//! The fake is stricter than a lenient server so that SDK mistakes show up:
//!
//! - Documented request objects (mail, direct mail, WhatsApp, OTP, checkout, verify, their
//!   recipients and attachments) refuse unknown fields, with a hint for near spellings
//!   (`content_type` → `contentType`). Free-form objects (`custom_parameter`, `attributes`,
//!   event `data`, WhatsApp `content`) and the simple event shape accept anything.
//! - A typed field sent as `null` is refused; omit it instead. Contact properties are the
//!   exception: on `contact/update`, `null` clears a property.
//! - Contact properties are camelCase: `first_name` and the like are refused with the
//!   camelCase name; the reserved names `id`, `listId`, `softDeleteAt`, `teamId`, `updatedAt`
//!   are refused. The seeded custom fields are type-checked (`plan` string, `seats` number,
//!   `trial` boolean, `renewal_date` date as Unix milliseconds or `YYYY-MM-DD[ HH:MM[:SS[.sss]]]`
//!   with an optional `±HH:MM`).
//! - `template_uuid` must be a UUID; email addresses must look like addresses; WhatsApp
//!   numbers are `+` and 7–15 digits; attachment `data` is padded standard base64.
//! - Request targets with characters outside RFC 3986 (spaces, `<`, `>`, `"`...) are refused
//!   with `400`, and query values are form-decoded (`+` is a space): an unencoded `+` in an
//!   email or a raw `<message-id>` is caught. Email message ids look like
//!   `<uuid@mock.cocoonmail.test>`, so clients must percent-encode them.
//!
//! # Simulated outcomes
//!
//! - Recipients at a domain under `.invalid` (RFC 2606) fail: they are listed in
//!   `failed_recipients` by `mail/send` and `mail/send-direct`, and `email/verify` rates them
//!   `"invalid"`. Well-known disposable domains (`mailinator.com`, `yopmail.com`, ...) are
//!   rated `"risky"`; every other address is `"safe"`.
//! - Quotas count up but are not enforced.
//! - `mail/status` reports every email as sent and delivered, with one `OPEN` tracking log
//!   unless the email was sent with `"allow_open_tracking": false`.
//! - Seeded data ([`MockBuilder::mailing_lists`], [`MockBuilder::custom_fields`]): by
//!   default the mailing lists `cl_newsletter_0001` and `cl_beta_0002` and the custom fields
//!   `plan`, `seats`, `trial`, `renewal_date`.
//!
//! # What a test server offers
//!
//! - **Request matchers** ([`Mock`]): method, path, the SDK's own [`Operation`]
//!   ([`Mock::for_operation`], following remapped routes), headers, body, a JSON subset of
//!   the body ([`Mock::body_json_contains`]) or any predicate on the request; expected counts (`expect(2)`, `expect_range(1..)`) checked by
//!   [`MockServer::verify`] and when the server is dropped (a panic listing the unmet
//!   expectations and the requests seen, unless the thread is already panicking); an
//!   optional scripted answer.
//! - **[`MockServer::reset`]**: back to the seeded start (state, journal, scripts, mocks,
//!   rate-limit window, block).
//! - **Remapped routes** ([`MockBuilder::route`] with an [`Operation`], the SDK's own
//!   `cocoon_core::Operation`), to serve a client whose route table was remapped; scripts by
//!   operation with [`MockServer::script_operation`].
//! - **A journal of outcomes**: each request is journalled when read, then marked
//!   [answered, dropped or abandoned](Outcome), with [`JournalEntry::handled`] telling
//!   whether the fake API applied it even when the answer was lost (a client that gave up,
//!   [`Fault::ApplyThenDrop`], [`Fault::ApplyThenHang`]). Wait for every outcome with
//!   [`MockServer::settled_journal`] (or [`MockServer::settled_journal_async`] in async tests).
//! - **A bounded journal** ([`MockBuilder::journal_capacity`], default
//!   [`DEFAULT_JOURNAL_CAPACITY`]): the oldest entries are dropped and counted
//!   ([`MockServer::journal_dropped`]).
//! - **Logging**: one `tracing` event per request at `info` (method, path without the query,
//!   status, latency, and the fault when one answered), nothing else: no header, body, key
//!   or email. Without a subscriber it costs next to nothing; the `cocoon-mock` binary
//!   (crate `cocoon-mock-server`) prints it, filtered by `RUST_LOG`.
//!
//! ```
//! use cocoon_mock::{Fault, Mock, MockServer};
//!
//! let server = MockServer::start();
//! let usage = server.register(Mock::given("POST", "/webhook/mail/usage").expect_range(..=1));
//! server.register(
//!     Mock::given("GET", "/webhook/mail/status")
//!         .matching(|request| request.query.contains("message_id="))
//!         .respond_with(Fault::status(503)),
//! );
//! assert_eq!(server.hits(usage), 0);
//! assert!(server.verify().is_ok()); // at most one request to mail/usage: none is fine
//! ```
//!
//! # HTTP
//!
//! hyper 1 serves HTTP/1.1 and 1.0 (an HTTP/1.0 request gets an HTTP/1.0 answer):
//! keep-alive and pipelining, `Content-Length` or chunked request bodies (bodies over
//! 10 MiB, announced or actual, are answered `413` and the connection closed),
//! `Expect: 100-continue`. `TCP_NODELAY` is set and header names are written in title case
//! (`Content-Length`). Request targets with characters outside RFC 3986 are answered `400`
//! in JSON; requests hyper cannot parse at all get hyper's own bare `400`, or the connection
//! is closed.
//!
//! Faults are expressed through hyper: [`Fault::HugeBody`] streams chunks never built in
//! memory, [`Fault::TruncatedBody`] is a body that fails half-way (hyper then aborts the
//! connection), [`Fault::DropConnection`] is a service error (hyper closes without
//! answering). No raw socket layer is needed.
//!
//! Webhook deliveries ([`webhook::WebhookDelivery::deliver`]) are sent with ureq.
//!
//! # Features
//!
//! | feature | default | what |
//! | --- | --- | --- |
//! | `cli` | no | does nothing; kept so manifests that named it still build. The `cocoon-mock` binary is in the `cocoon-mock-server` crate (`cargo run -p cocoon-mock-server -- --help`), so depending on this library pulls in no argument parser, signal handler or log subscriber |
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api;
mod block;
#[cfg(test)]
mod comparisons;
mod expect;
mod fault;
mod journal;
mod query;
mod rate;
mod request;
mod seed;
mod server;
mod state;
mod util;
mod validate;

pub use api::Operation;
pub use block::TemporaryBlock;
pub use expect::{Mock, MockId, VerifyError};
pub use fault::Fault;
pub use journal::{JournalEntry, Outcome, DEFAULT_JOURNAL_CAPACITY};
pub use seed::{CustomField, FieldType, MailingList};
pub use server::{MockBuilder, MockServer, RateLimit, Unsettled};
pub use state::{MessageKind, SentMessage};

/// The API key the server accepts unless others are configured.
///
/// It has the shape of a real key (`pbkdf2_sha256$600000$<salt>$<base64>`, with `$`, `/`,
/// `+` and `=` in it), so a client that URL-encodes or trims it is caught.
pub const DEFAULT_API_KEY: &str =
    "pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=";

/// Delivering webhook events to a receiver the way Cocoonmail does (API.md §6).
pub mod webhook;
