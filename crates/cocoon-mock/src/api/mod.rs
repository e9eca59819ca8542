//! The fake API: the checks every request goes through, and the handlers, one module per
//! resource.

mod contacts;
mod events;
mod mail;
mod otp;
mod routes;
mod verify;
mod whatsapp;

use std::time::Instant;

use serde_json::{json, Value};

pub(crate) use contacts::RESERVED_PROPERTIES;
pub use routes::Operation;
pub(crate) use routes::{Lookup, RouteTable};

use crate::query::parse_query;
use crate::rate::Decision;
use crate::request::Request;
use crate::server::Shared;
use crate::util::email_domain;
use crate::validate::{describe, Checked, Obj, Reply};

/// The message of the temporary block (API.md §2).
pub(crate) const BLOCK_MESSAGE: &str = "Too many bad requests. Temporary block";

/// A complete answer, ready to be serialised.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

/// The body an operation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    None,
    /// A JSON object is required.
    Object,
    /// An empty body or a JSON object.
    OptionalObject,
}

fn body_kind(op: Operation) -> BodyKind {
    match op {
        Operation::ValidateApiKey
        | Operation::MailStatus
        | Operation::WhatsAppStatus
        | Operation::FindContact
        | Operation::ListMailingLists
        | Operation::ListCustomFields => BodyKind::None,
        Operation::MailUsage => BodyKind::OptionalObject,
        _ => BodyKind::Object,
    }
}

fn json_headers(limit: u32, remaining: u32) -> Vec<(String, String)> {
    vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("x-ratelimit-limit".to_owned(), limit.to_string()),
        ("x-ratelimit-remaining".to_owned(), remaining.to_string()),
    ]
}

fn finish(reply: Reply, limit: u32, remaining: u32) -> Answer {
    let mut headers = json_headers(limit, remaining);
    headers.extend(reply.headers);
    Answer {
        status: reply.status,
        headers,
        body: reply.body.to_string().into_bytes(),
    }
}

/// A JSON error answer with the current rate-limit numbers (not consuming the budget), for
/// answers given before the rate-limit check (401, 403, 406, malformed requests).
pub(crate) fn early_error(shared: &Shared, status: u16, message: &str) -> Answer {
    let (limit, remaining) = {
        let mut w = shared.limiter();
        (w.limit(), w.remaining(Instant::now()))
    };
    finish(Reply::error(status, message), limit, remaining)
}

fn is_authorized(keys: &[String], req: &Request) -> bool {
    let matches = |candidate: &str| keys.iter().any(|k| k.as_bytes() == candidate.as_bytes());
    let bearer = req
        .header_values("authorization")
        .any(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer ") && matches(&v[7..]));
    bearer || req.header_values("x-cocoonmail-api_key").any(matches)
}

fn accepts_json(req: &Request) -> bool {
    req.header_values("accept").any(|v| {
        v.split(',').any(|range| {
            range
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/json")
        })
    })
}

/// Answers one request that no fault replaced: auth, temporary block, `Accept`, rate limit,
/// route, body, handler, in that order. Bad requests (400) and refusals (429) count towards
/// the temporary block when it is enabled.
pub(crate) fn answer(shared: &Shared, req: &Request) -> Answer {
    if !is_authorized(shared.api_keys(), req) {
        let mut a = early_error(shared, 401, "Invalid API key");
        a.headers
            .push(("WWW-Authenticate".to_owned(), "Bearer".to_owned()));
        return a;
    }
    if shared.is_blocked(Instant::now()) {
        return early_error(shared, 403, BLOCK_MESSAGE);
    }
    let answer = checked_answer(shared, req);
    if matches!(answer.status, 400 | 429) {
        shared.count_bad_request(Instant::now());
    }
    answer
}

fn checked_answer(shared: &Shared, req: &Request) -> Answer {
    if !accepts_json(req) {
        return early_error(
            shared,
            406,
            "Not acceptable: send `Accept: application/json`",
        );
    }
    let (limit, decision) = {
        let mut w = shared.limiter();
        (w.limit(), w.try_acquire(Instant::now()))
    };
    let remaining = match decision {
        Decision::Allowed { remaining } => remaining,
        Decision::Limited { retry_after_secs } => {
            let mut reply = Reply::error(429, "Rate limit exceeded: too many requests");
            reply
                .headers
                .push(("Retry-After".to_owned(), retry_after_secs.to_string()));
            return finish(reply, limit, 0);
        }
    };
    finish(route_and_handle(shared, req), limit, remaining)
}

fn route_and_handle(shared: &Shared, req: &Request) -> Reply {
    let op = match shared.routes().lookup(&req.method, &req.path) {
        Lookup::Found(op) => op,
        Lookup::NotFound => return Reply::error(404, "Not found"),
        Lookup::WrongMethod(allowed) => {
            let allowed = allowed.join(", ");
            let mut reply = Reply::error(
                405,
                format!(
                    "Method {} not allowed on {}: use {allowed}",
                    req.method, req.path
                ),
            );
            reply.headers.push(("Allow".to_owned(), allowed));
            return reply;
        }
    };
    let empty = Obj::new();
    let body = match body_kind(op) {
        BodyKind::None => None,
        BodyKind::OptionalObject if req.body.iter().all(u8::is_ascii_whitespace) => None,
        BodyKind::Object | BodyKind::OptionalObject => match json_object(req) {
            Ok(o) => Some(o),
            Err(reply) => return reply,
        },
    };
    let body = body.as_ref().unwrap_or(&empty);
    let mut state = shared.state();
    let state = &mut *state;
    let result = match op {
        Operation::ValidateApiKey => Ok(validate_key()),
        Operation::SendMail => mail::mail_send(state, body),
        Operation::SendDirectMail => mail::mail_send_direct(state, body),
        Operation::MailUsage => Ok(Reply::new(
            200,
            json!({"success": true, "message": "Usage fetched successfully", "quotas": state.mail_quotas()}),
        )),
        Operation::MailStatus => mail::mail_status(state, req),
        Operation::SendEvent => events::event_send(state, body),
        Operation::CheckoutEvent => events::event_checkout(state, body),
        Operation::VerifyEmail => verify::email_verify(body),
        Operation::SendWhatsApp => whatsapp::whatsapp_send(state, body),
        Operation::WhatsAppStatus => whatsapp::whatsapp_status(state, req),
        Operation::SendOtp => otp::otp_send(state, body),
        Operation::CreateContact => contacts::contact_create(state, body),
        Operation::UpdateContact => contacts::contact_update(state, body),
        Operation::FindContact => contacts::contact_find(state, req),
        Operation::DeleteContact => contacts::contact_delete(state, body),
        Operation::ListMailingLists => Ok(Reply::new(200, state.seed.mailing_lists_json())),
        Operation::ListCustomFields => Ok(Reply::new(200, state.seed.custom_fields_json())),
        // An operation added to the SDK before the mock learnt to serve it.
        _ => Ok(Reply::error(501, format!("{op} is not served by the mock"))),
    };
    result.unwrap_or_else(|reply| reply)
}

/// The request body as a JSON object, with a 400 naming the problem otherwise.
fn json_object(req: &Request) -> Checked<Obj> {
    let content_type = req.header("content-type").unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if req.body.is_empty() {
        return Err(Reply::bad("A JSON object body is required"));
    }
    if !media_type.eq_ignore_ascii_case("application/json") {
        return Err(Reply::bad(format!(
            "`Content-Type` must be application/json, not {content_type:?}"
        )));
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(other) => Err(Reply::bad(format!(
            "The JSON body must be an object, not {}",
            describe(&other)
        ))),
        Err(e) => Err(Reply::bad(format!("Invalid JSON body: {e}"))),
    }
}

/// The decoded query parameters, or a 400 for malformed percent-encoding.
fn query_params(req: &Request) -> Checked<Vec<(String, String)>> {
    parse_query(&req.query).map_err(Reply::bad)
}

fn first<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn required_param<'a>(params: &'a [(String, String)], name: &str) -> Checked<&'a str> {
    match first(params, name) {
        None => Err(Reply::bad(format!(
            "The `{name}` query parameter is required"
        ))),
        Some("") => Err(Reply::bad(format!(
            "The `{name}` query parameter must not be empty"
        ))),
        Some(v) => Ok(v),
    }
}

fn validate_key() -> Reply {
    Reply::new(
        200,
        json!({"success": true, "workspace_id": "ws_mock_0001", "workspace_name": "Cocoonmail mock workspace"}),
    )
}

/// Recipients at a domain under the reserved `.invalid` TLD (RFC 2606) fail delivery.
fn fails_delivery(email: &str) -> bool {
    let domain = email_domain(email);
    domain == "invalid" || domain.ends_with(".invalid")
}
