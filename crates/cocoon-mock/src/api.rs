//! The fake API: the checks every request goes through, the route table, and the handlers.

use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};

use crate::http::{parse_query, Request};
use crate::rate::Decision;
use crate::server::Shared;
use crate::state::{
    custom_fields, is_known_list, mailing_lists, Contact, ContactPatch, MailRecord, MessageKind,
    Patch, SentMessage, State, WhatsAppRecord, CUSTOM_FIELDS,
};
use crate::util::{
    email_domain, is_valid_date, iso_micros, looks_like_phone, looks_like_uuid, DateSyntax,
};
use crate::validate::{
    check_attachments, check_email, describe, each_object, Checked, Fields, Obj, Reply,
};

/// A complete answer, ready to be serialised.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

/// The operations of API.md §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Validate,
    MailSend,
    MailSendDirect,
    MailUsage,
    MailStatus,
    EventSend,
    EventCheckout,
    EmailVerify,
    WhatsAppSend,
    WhatsAppStatus,
    OtpSend,
    ContactCreate,
    ContactUpdate,
    ContactFind,
    ContactDelete,
    MailingLists,
    CustomFields,
}

/// Method and path of every route (API.md §4), in one table.
const ROUTES: &[(&str, &str, Route)] = &[
    ("GET", "/webhook/api_key/validate/", Route::Validate),
    ("GET", "/webhook/api_key/validate", Route::Validate),
    ("POST", "/webhook/mail/send", Route::MailSend),
    ("POST", "/webhook/mail/send-direct", Route::MailSendDirect),
    ("POST", "/webhook/mail/usage", Route::MailUsage),
    ("GET", "/webhook/mail/status", Route::MailStatus),
    ("POST", "/webhook/event/send", Route::EventSend),
    ("POST", "/webhook/event/checkout", Route::EventCheckout),
    ("POST", "/webhook/email/verify", Route::EmailVerify),
    (
        "POST",
        "/webhook/whatsapp_message/send",
        Route::WhatsAppSend,
    ),
    (
        "GET",
        "/webhook/whatsapp_message/status",
        Route::WhatsAppStatus,
    ),
    ("POST", "/webhook/otp/send", Route::OtpSend),
    ("POST", "/webhook/contact/create", Route::ContactCreate),
    ("PUT", "/webhook/contact/update", Route::ContactUpdate),
    ("GET", "/webhook/contact/find", Route::ContactFind),
    ("POST", "/webhook/contact/delete", Route::ContactDelete),
    ("GET", "/webhook/mailing_list/list", Route::MailingLists),
    ("GET", "/webhook/custom_field/list", Route::CustomFields),
];

/// The body a route takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    None,
    /// A JSON object is required.
    Object,
    /// An empty body or a JSON object.
    OptionalObject,
}

fn body_kind(route: Route) -> BodyKind {
    match route {
        Route::Validate
        | Route::MailStatus
        | Route::WhatsAppStatus
        | Route::ContactFind
        | Route::MailingLists
        | Route::CustomFields => BodyKind::None,
        Route::MailUsage => BodyKind::OptionalObject,
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
/// answers given before the rate-limit check (401, 406, malformed requests).
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

/// Answers one request that no fault replaced: auth, `Accept`, rate limit, route, body,
/// handler, in that order.
pub(crate) fn answer(shared: &Shared, req: &Request) -> Answer {
    if !is_authorized(shared.api_keys(), req) {
        let mut a = early_error(shared, 401, "Invalid API key");
        a.headers
            .push(("WWW-Authenticate".to_owned(), "Bearer".to_owned()));
        return a;
    }
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
    let mut allowed: Vec<&str> = Vec::new();
    let mut found = None;
    for (method, path, route) in ROUTES {
        if *path == req.path {
            if *method == req.method {
                found = Some(*route);
            }
            allowed.push(method);
        }
    }
    let Some(route) = found else {
        if allowed.is_empty() {
            return Reply::error(404, "Not found");
        }
        let mut reply = Reply::error(
            405,
            format!(
                "Method {} not allowed on {}: use {}",
                req.method,
                req.path,
                allowed.join(", ")
            ),
        );
        reply.headers.push(("Allow".to_owned(), allowed.join(", ")));
        return reply;
    };
    let empty = Obj::new();
    let body = match body_kind(route) {
        BodyKind::None => None,
        BodyKind::OptionalObject if req.body.iter().all(u8::is_ascii_whitespace) => None,
        BodyKind::Object | BodyKind::OptionalObject => match json_object(req) {
            Ok(o) => Some(o),
            Err(reply) => return reply,
        },
    };
    let body = body.as_ref().unwrap_or(&empty);
    let mut state = shared.state();
    let result = match route {
        Route::Validate => Ok(validate_key()),
        Route::MailSend => mail_send(&mut state, body),
        Route::MailSendDirect => mail_send_direct(&mut state, body),
        Route::MailUsage => Ok(Reply::new(
            200,
            json!({"success": true, "message": "Usage fetched successfully", "quotas": state.mail_quotas()}),
        )),
        Route::MailStatus => mail_status(&state, req),
        Route::EventSend => event_send(&mut state, body),
        Route::EventCheckout => event_checkout(&mut state, body),
        Route::EmailVerify => email_verify(body),
        Route::WhatsAppSend => whatsapp_send(&mut state, body),
        Route::WhatsAppStatus => whatsapp_status(&state, req),
        Route::OtpSend => otp_send(&mut state, body),
        Route::ContactCreate => contact_create(&mut state, body),
        Route::ContactUpdate => contact_update(&mut state, body),
        Route::ContactFind => contact_find(&state, req),
        Route::ContactDelete => contact_delete(&mut state, body),
        Route::MailingLists => Ok(Reply::new(200, mailing_lists())),
        Route::CustomFields => Ok(Reply::new(200, custom_fields())),
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

const MAIL_MODES: [&str; 3] = ["email_content", "template_uuid", "transactional_id"];

const MAIL_SEND_FIELDS: &[&str] = &[
    "email_content",
    "template_uuid",
    "transactional_id",
    "sender",
    "subject",
    "to",
    "reply_to",
    "cc",
    "custom_parameter",
    "attachments",
    "attachments_remote",
    "add_email_address_to_contact",
    "scheduled_at",
    "allow_click_tracking",
    "allow_open_tracking",
    "ignore_contact_bounce",
    "ignore_contact_unsubscribe",
    "enable_view_in_browser",
    "include_unsubscribe",
    "tags",
];

const RECIPIENT_FIELDS: &[&str] = &[
    "email",
    "name",
    "first_name",
    "middle_name",
    "last_name",
    "attributes",
    "lists",
    "tags",
    "gender",
    "age",
    "Address1",
    "Address2",
    "city",
    "state",
    "country",
    "postal_code",
    "designation",
    "company",
    "industry",
    "description",
    "anniversary_date",
];

const RECIPIENT_STRINGS: &[&str] = &[
    "name",
    "first_name",
    "middle_name",
    "last_name",
    "gender",
    "Address1",
    "Address2",
    "city",
    "state",
    "country",
    "postal_code",
    "designation",
    "company",
    "industry",
    "description",
    "anniversary_date",
];

fn mail_send(state: &mut State, body: &Obj) -> Checked<Reply> {
    let f = Fields::new(body, "");
    f.only(MAIL_SEND_FIELDS)?;
    let modes: Vec<&str> = MAIL_MODES.into_iter().filter(|m| f.has(m)).collect();
    let mut transactional_id = None;
    let (content, sender, subject) = match modes.as_slice() {
        [] => {
            return Err(Reply::bad(
                "Exactly one of `email_content` (raw content), `template_uuid` (custom template) or `transactional_id` (predefined transactional) is required",
            ))
        }
        ["email_content"] => (
            Some(f.req_str("email_content")?),
            Some(f.req_email("sender")?),
            Some(f.req_str("subject")?),
        ),
        ["template_uuid"] => {
            let uuid = f.req_str("template_uuid")?;
            if !looks_like_uuid(uuid) {
                return Err(Reply::bad(format!("`template_uuid` must be a UUID, not {uuid:?}")));
            }
            (None, Some(f.req_email("sender")?), Some(f.req_str("subject")?))
        }
        ["transactional_id"] => {
            transactional_id = Some(match body.get("transactional_id") {
                Some(Value::Number(n)) if n.is_u64() => n.to_string(),
                _ => f.req_str("transactional_id")?.to_owned(),
            });
            (None, f.opt_email("sender")?, f.opt_str("subject")?)
        }
        several => {
            return Err(Reply::bad(format!(
                "Only one of `email_content`, `template_uuid` or `transactional_id` may be given, got `{}`",
                several.join("` and `")
            )))
        }
    };
    let to = f.req_array("to")?;
    let mut recipients = Vec::new();
    each_object(to, "to", |_, r| {
        r.only(RECIPIENT_FIELDS)?;
        let email = r.req_email("email")?;
        for key in RECIPIENT_STRINGS {
            r.opt_str(key)?;
        }
        r.opt_object("attributes")?;
        r.opt_str_array("lists")?;
        r.opt_str_array("tags")?;
        if let Some(age) = r.opt_integer("age")? {
            if age < 0 {
                return Err(Reply::bad(format!(
                    "`{}` must not be negative",
                    r.name("age")
                )));
            }
        }
        recipients.push((email.to_owned(), r.opt_str("name")?.map(str::to_owned)));
        Ok(())
    })?;
    f.opt_email("reply_to")?;
    f.opt_email_array("cc")?;
    f.opt_object("custom_parameter")?;
    check_attachments(&f)?;
    if let Some(remote) = f.opt_array("attachments_remote")? {
        each_object(remote, "attachments_remote", |_, a| {
            a.only(&["remote_link"])?;
            let link = a.req_str("remote_link")?;
            if !(link.starts_with("https://") || link.starts_with("http://")) {
                return Err(Reply::bad(format!(
                    "`{}` must be an http(s) URL",
                    a.name("remote_link")
                )));
            }
            Ok(())
        })?;
    }
    for flag in [
        "add_email_address_to_contact",
        "allow_click_tracking",
        "ignore_contact_bounce",
        "ignore_contact_unsubscribe",
        "enable_view_in_browser",
        "include_unsubscribe",
    ] {
        f.opt_bool(flag)?;
    }
    let open_tracking = f.opt_bool("allow_open_tracking")?.unwrap_or(true);
    let scheduled_at = f.opt_iso_datetime("scheduled_at")?;
    f.opt_str_array("tags")?;

    let request = Value::Object(body.clone());
    let now = SystemTime::now();
    let mut report = Vec::new();
    let mut failed = Vec::new();
    for (email, name) in recipients {
        if fails_delivery(&email) {
            failed.push(json!(email));
            continue;
        }
        let message_id = state.new_mail_id();
        state.mails.insert(
            message_id.clone(),
            MailRecord {
                message_id: message_id.clone(),
                email: email.clone(),
                name,
                subject: subject.map(str::to_owned),
                content: content.map(str::to_owned),
                transactional_id: transactional_id.clone(),
                open_tracking,
                scheduled_at: scheduled_at.map(str::to_owned),
                created: now,
            },
        );
        state.sent.push(SentMessage {
            kind: MessageKind::Email,
            to: email.clone(),
            message_id: Some(message_id.clone()),
            request: request.clone(),
        });
        report.push(json!({"to": email, "message_id": message_id}));
    }
    state.count_mail(report.len() as u64);
    Ok(Reply::new(
        201,
        json!({
            "success": true,
            "failed_recipients": failed,
            "report": report,
            "quotas": state.mail_quotas(),
            "sender": sender.unwrap_or("transactional@mock.cocoonmail.test"),
            "message": "Transactional mails sent successfully",
        }),
    ))
}

fn mail_send_direct(state: &mut State, body: &Obj) -> Checked<Reply> {
    let f = Fields::new(body, "");
    f.only(&[
        "email_content",
        "sender",
        "subject",
        "to",
        "reply_to",
        "cc",
        "attachments",
    ])?;
    f.req_str("email_content")?;
    f.req_email("sender")?;
    f.req_str("subject")?;
    let to = f.req_array("to")?;
    let (mut sent, mut failed, mut invalid) = (Vec::new(), Vec::new(), Vec::new());
    each_object(to, "to", |_, r| {
        r.only(&["email", "name"])?;
        r.opt_str("name")?;
        let email = match r.obj.get("email") {
            Some(Value::String(s)) => s.as_str(),
            Some(other) if !other.is_null() => {
                return Err(Reply::bad(format!(
                    "`{}` must be a string, not {}",
                    r.name("email"),
                    describe(other)
                )))
            }
            _ => return Err(Reply::bad(format!("`{}` is required", r.name("email")))),
        };
        if check_email(email, "").is_err() {
            invalid.push(email.to_owned());
        } else if fails_delivery(email) {
            failed.push(email.to_owned());
        } else {
            sent.push(email.to_owned());
        }
        Ok(())
    })?;
    if sent.is_empty() && failed.is_empty() {
        return Err(Reply::bad(format!(
            "`to` contains no valid email address (invalid: {})",
            invalid.join(", ")
        )));
    }
    f.opt_email("reply_to")?;
    f.opt_email_array("cc")?;
    check_attachments(&f)?;
    let request = Value::Object(body.clone());
    for email in &sent {
        state.sent.push(SentMessage {
            kind: MessageKind::DirectEmail,
            to: email.clone(),
            message_id: None,
            request: request.clone(),
        });
    }
    state.count_mail(sent.len() as u64);
    Ok(Reply::new(
        201,
        json!({
            "success": true,
            "message": "Direct mails sent successfully",
            "sent_recipients": sent,
            "failed_recipients": failed,
            "invalid_recipients": invalid,
        }),
    ))
}

fn mail_status(state: &State, req: &Request) -> Checked<Reply> {
    let params = query_params(req)?;
    let id = required_param(&params, "message_id")?;
    let Some(m) = state.mails.get(id) else {
        return Err(Reply::error(
            404,
            format!("No email found with message_id {id:?}"),
        ));
    };
    let created = iso_micros(m.created);
    let delivered = iso_micros(m.created + Duration::from_millis(800));
    let opened = iso_micros(m.created + Duration::from_secs(2));
    let tracking_logs = if m.open_tracking {
        json!([{
            "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
            "client_family": "Apple Mail",
            "client_version": "17.2",
            "os_name": "Mac OS X",
            "os_version": "10.15.7",
            "device_type": "desktop",
            "ip_address": "203.0.113.7",
            "created": opened,
            "type": "OPEN",
        }])
    } else {
        json!([])
    };
    Ok(Reply::new(
        200,
        json!({
            "message": "Email status fetched successfully",
            "data": {
                "x_message_id": m.message_id,
                "mail_content": m.content,
                "subject": m.subject,
                "name": m.name,
                "email": m.email,
                "sent": true,
                "delivered": true,
                "bounced": false,
                "unsubscribed": false,
                "open": m.open_tracking,
                "clicked": false,
                "sendable": true,
                "failed": false,
                "opened_count": u32::from(m.open_tracking),
                "clicked_count": 0,
                "sent_at": created,
                "delivered_at": delivered,
                "bounced_at": null,
                "unsubscribed_at": null,
                "scheduled_at": m.scheduled_at,
                "created": created,
                "bounced_error": null,
                "bounce_type": null,
                "SMTP_code": "250",
                "SMTP_error": null,
                "transactional_mail_id": m.transactional_id,
                "transactional_name": m.transactional_id.as_ref().map(|id| format!("Transactional {id}")),
                "tracking_logs": tracking_logs,
            }
        }),
    ))
}

fn event_send(state: &mut State, body: &Obj) -> Checked<Reply> {
    let f = Fields::new(body, "");
    if f.has("event_name") {
        f.req_str("event_name")?;
        let email = f.req_email("email")?;
        if state.contacts.seq_by_email(email).is_none() {
            let mut contact = Contact::new(state.ids.uuid(), email.to_owned());
            contact.source = Some("event".to_owned());
            state.contacts.insert(contact);
        }
    } else if f.has("contact") || f.has("event") {
        f.only(&["contact", "event"])?;
        let contact = Fields::new(f.req_object("contact")?, "contact.");
        contact.only(&["name", "email", "whatsapp_number"])?;
        contact.opt_str("name")?;
        contact.req_email("email")?;
        contact.opt_str("whatsapp_number")?;
        let event = Fields::new(f.req_object("event")?, "event.");
        event.only(&["code", "name", "data"])?;
        event.req_str("code")?;
        event.opt_str("name")?;
        event.opt_object("data")?;
    } else {
        return Err(Reply::bad(
            "Either `event_name` and `email` (simple shape) or `contact` and `event` objects (structured shape) are required",
        ));
    }
    state.events.push(Value::Object(body.clone()));
    Ok(Reply::new(
        201,
        json!({"success": true, "id": state.ids.uuid()}),
    ))
}

fn event_checkout(state: &mut State, body: &Obj) -> Checked<Reply> {
    let f = Fields::new(body, "");
    f.only(&["event", "data"])?;
    let event = f.req_str("event")?;
    if event != "abandoned_cart" {
        return Err(Reply::bad(format!(
            "`event` must be \"abandoned_cart\", not {event:?}"
        )));
    }
    let data = Fields::new(f.req_object("data")?, "data.");
    data.only(&[
        "cart_id",
        "customer",
        "cart_items",
        "checkout_url",
        "created_at",
    ])?;
    match data.obj.get("cart_id") {
        Some(Value::Number(n)) if n.is_u64() => {}
        _ => {
            data.req_str("cart_id")?;
        }
    }
    let customer = Fields::new(data.req_object("customer")?, "data.customer.");
    customer.only(&["first_name", "last_name", "email", "phone"])?;
    customer.opt_str("first_name")?;
    customer.opt_str("last_name")?;
    customer.req_email("email")?;
    customer.opt_str("phone")?;
    let items = match data.opt_array("cart_items")? {
        Some(items) => items,
        None => return Err(Reply::bad("`data.cart_items` is required")),
    };
    each_object(items, "data.cart_items", |_, item| {
        item.only(&["sku", "name", "quantity", "price"])?;
        item.opt_str("sku")?;
        item.opt_str("name")?;
        if let Some(q) = item.opt_integer("quantity")? {
            if q < 0 {
                return Err(Reply::bad(format!(
                    "`{}` must not be negative",
                    item.name("quantity")
                )));
            }
        }
        match item.obj.get("price") {
            None | Some(Value::Number(_)) => Ok(()),
            Some(Value::String(s)) if s.parse::<f64>().is_ok() => Ok(()),
            Some(other) => Err(Reply::bad(format!(
                "`{}` must be a number or a decimal string, not {}",
                item.name("price"),
                describe(other)
            ))),
        }
    })?;
    data.opt_str("checkout_url")?;
    data.opt_str("created_at")?;
    state.events.push(Value::Object(body.clone()));
    Ok(Reply::new(
        200,
        json!({"success": true, "message": "Event processed successfully"}),
    ))
}

/// Domains of well-known disposable-address services: verified as `"risky"`.
const DISPOSABLE_DOMAINS: &[&str] = &[
    "mailinator.com",
    "yopmail.com",
    "guerrillamail.com",
    "10minutemail.com",
    "trashmail.com",
];

fn email_verify(body: &Obj) -> Checked<Reply> {
    let f = Fields::new(body, "");
    f.only(&["email"])?;
    let email = f.req_email("email")?;
    let domain = email_domain(email);
    let status = if fails_delivery(email) {
        "invalid"
    } else if DISPOSABLE_DOMAINS.contains(&domain.as_str()) {
        "risky"
    } else {
        "safe"
    };
    Ok(Reply::new(
        200,
        json!({
            "message": "Email successfully verified",
            "data": {"email": email, "status": status, "checked_at": iso_micros(SystemTime::now())},
        }),
    ))
}

fn whatsapp_send(state: &mut State, body: &Obj) -> Checked<Reply> {
    let f = Fields::new(body, "");
    f.only(&[
        "from_number",
        "type",
        "content",
        "recipient",
        "add_recipient_to_contacts",
        "parameterized_variables",
        "overwrite_variables",
        "event",
        "tags",
    ])?;
    let from_number = f.req_str("from_number")?;
    let kind = f.req_str("type")?;
    let content = match body.get("content") {
        None | Some(Value::Null) => return Err(Reply::bad("`content` is required")),
        Some(c) => c,
    };
    match kind {
        "template" | "text" => {
            let Value::Object(c) = content else {
                return Err(Reply::bad(format!(
                    "`content` must be an object for type {kind:?}, not {}",
                    describe(content)
                )));
            };
            let c = Fields::new(c, "content.");
            if kind == "template" {
                c.req_str("template_name")?;
                c.req_str("template_language")?;
            } else {
                c.req_str("body")?;
            }
        }
        _ => {}
    }
    let recipients = f.req_array("recipient")?;
    let mut numbers = Vec::new();
    each_object(recipients, "recipient", |_, r| {
        r.only(&[
            "whatsapp_number",
            "first_name",
            "name",
            "email",
            "attributes",
        ])?;
        let number = r.req_str("whatsapp_number")?;
        if !looks_like_phone(number) {
            return Err(Reply::bad(format!(
                "`{}` must be a phone number in international format (digits, optional leading +), not {number:?}",
                r.name("whatsapp_number")
            )));
        }
        let first_name = r.opt_str("first_name")?.map(str::to_owned);
        let name = r.opt_str("name")?.map(str::to_owned);
        let email = r.opt_email("email")?.map(str::to_owned);
        r.opt_object("attributes")?;
        numbers.push((number.to_owned(), first_name, name, email));
        Ok(())
    })?;
    f.opt_bool("add_recipient_to_contacts")?;
    f.opt_object("parameterized_variables")?;
    f.opt_object("overwrite_variables")?;
    if f.has("parameterized_variables") && f.has("overwrite_variables") {
        return Err(Reply::bad(
            "Give `parameterized_variables` or its older name `overwrite_variables`, not both",
        ));
    }
    if let Some(event) = f.opt_object("event")? {
        let e = Fields::new(event, "event.");
        e.only(&["code", "name", "data"])?;
        e.req_str("code")?;
        e.opt_str("name")?;
        e.opt_object("data")?;
    }
    f.opt_str_array("tags")?;

    let request = Value::Object(body.clone());
    let now = SystemTime::now();
    let mut report = Vec::new();
    for (number, first_name, name, email) in numbers {
        let message_id = state.new_whatsapp_id();
        let contact_id = state.whatsapp_contact_id(&number);
        let record = WhatsAppRecord {
            uuid: state.ids.uuid(),
            message_id: message_id.clone(),
            conversation_id: state.ids.hex(32).to_lowercase(),
            kind: kind.to_owned(),
            to: number.clone(),
            content: content.clone(),
            from_number: from_number.to_owned(),
            contact_id,
            email,
            name,
            first_name,
            created: now,
        };
        state.whatsapps.insert(message_id.clone(), record);
        state.sent.push(SentMessage {
            kind: MessageKind::WhatsApp,
            to: number.clone(),
            message_id: Some(message_id.clone()),
            request: request.clone(),
        });
        report.push(json!({"to": number, "message_id": message_id}));
    }
    state.whatsapp_usage += report.len() as u64;
    Ok(Reply::new(
        201,
        json!({
            "success": true,
            "failed_recipients": [],
            "report": report,
            "quotas": state.whatsapp_quotas(),
            "message": "WhatsApp messages sent successfully",
        }),
    ))
}

fn whatsapp_status(state: &State, req: &Request) -> Checked<Reply> {
    let params = query_params(req)?;
    let id = required_param(&params, "message_id")?;
    let Some(m) = state.whatsapps.get(id) else {
        return Err(Reply::error(
            404,
            format!("No WhatsApp message found with message_id {id:?}"),
        ));
    };
    let created = iso_micros(m.created);
    let delivered = iso_micros(m.created + Duration::from_millis(900));
    Ok(Reply::new(
        200,
        json!({
            "message": "WhatsApp message status fetched successfully",
            "data": {
                "uuid": m.uuid,
                "message_id": m.message_id,
                "conversation_id": m.conversation_id,
                "direction": "outbound",
                "type": m.kind,
                "status": "delivered",
                "delivered": true,
                "read": false,
                "failed": false,
                "rejected": false,
                "delivered_at": delivered,
                "read_at": null,
                "failed_at": null,
                "rejected_at": null,
                "created": created,
                "updated": delivered,
                "sent_at": created,
                "to": m.to,
                "content": m.content,
                "metadata": {"from_number": m.from_number},
                "contact": {
                    "id": m.contact_id,
                    "email": m.email,
                    "name": m.name.clone().or_else(|| m.first_name.clone()),
                    "first_name": m.first_name,
                    "whatsapp_number": m.to,
                    "is_whatsapp_unsubscribed": false,
                },
            }
        }),
    ))
}

fn otp_send(state: &mut State, body: &Obj) -> Checked<Reply> {
    let f = Fields::new(body, "");
    f.only(&[
        "template_uuid",
        "to",
        "otp_channel",
        "subject",
        "otp",
        "sender",
    ])?;
    let uuid = f.req_str("template_uuid")?;
    if !looks_like_uuid(uuid) {
        return Err(Reply::bad(format!(
            "`template_uuid` must be a UUID, not {uuid:?}"
        )));
    }
    let to = Fields::new(f.req_object("to")?, "to.");
    to.only(&["email", "whatsapp_number"])?;
    let channel_of_to = match (to.has("email"), to.has("whatsapp_number")) {
        (true, false) => "email",
        (false, true) => "whatsapp",
        _ => {
            return Err(Reply::bad(
                "`to` must have exactly one of `email` or `whatsapp_number`",
            ))
        }
    };
    let addresses: Vec<String> = if channel_of_to == "email" {
        to.req_array("email")?;
        to.opt_email_array("email")?
            .unwrap_or_default()
            .into_iter()
            .map(str::to_owned)
            .collect()
    } else {
        to.req_array("whatsapp_number")?;
        let numbers = to.opt_str_array("whatsapp_number")?.unwrap_or_default();
        for (i, n) in numbers.iter().enumerate() {
            if !looks_like_phone(n) {
                return Err(Reply::bad(format!(
                    "`to.whatsapp_number[{i}]` must be a phone number in international format, not {n:?}"
                )));
            }
        }
        numbers.into_iter().map(str::to_owned).collect()
    };
    let channel = f.req_str("otp_channel")?;
    if channel != "email" && channel != "whatsapp" {
        return Err(Reply::bad(format!(
            "`otp_channel` must be \"email\" or \"whatsapp\", not {channel:?}"
        )));
    }
    if channel != channel_of_to {
        return Err(Reply::bad(format!(
            "`otp_channel` is {channel:?} but `to` holds {}",
            if channel_of_to == "email" {
                "`email`"
            } else {
                "`whatsapp_number`"
            }
        )));
    }
    f.opt_str("subject")?;
    match body.get("otp") {
        None | Some(Value::Null) => return Err(Reply::bad("`otp` is required")),
        Some(Value::Number(n)) if n.is_u64() => {}
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {}
        Some(other) => {
            return Err(Reply::bad(format!(
                "`otp` must be a non-negative integer or a string of digits, not {}",
                match other {
                    Value::String(s) => format!("{s:?}"),
                    other => other.to_string(),
                }
            )))
        }
    }
    // `sender` is optional (API.md marks only `template_uuid` as required), but typed.
    if let Some(sender) = f.opt_object("sender")? {
        let sender = Fields::new(sender, "sender.");
        sender.only(&["email_sender", "whatsapp_sender"])?;
        sender.opt_email("email_sender")?;
        sender.opt_str("whatsapp_sender")?;
    }

    let request = Value::Object(body.clone());
    for to in addresses {
        state.sent.push(SentMessage {
            kind: MessageKind::Otp,
            to,
            message_id: None,
            request: request.clone(),
        });
    }
    Ok(Reply::new(
        200,
        json!({"success": true, "message": "OTP sent successfully"}),
    ))
}

const RESERVED_PROPERTIES: &[&str] = &["id", "listId", "softDeleteAt", "teamId", "updatedAt"];

const SNAKE_CASE_PROPERTIES: &[(&str, &str)] = &[
    ("first_name", "firstName"),
    ("last_name", "lastName"),
    ("user_group", "userGroup"),
    ("user_id", "userId"),
    ("mailing_lists", "mailingLists"),
];

/// Validates the properties of a contact body (everything but `email`).
fn contact_patch(body: &Obj) -> Checked<ContactPatch> {
    let mut patch = ContactPatch::default();
    for (key, value) in body {
        let string_patch = || -> Checked<Patch<String>> {
            match value {
                Value::Null => Ok(Patch::Clear),
                Value::String(s) => Ok(Patch::Set(s.clone())),
                other => Err(Reply::bad(format!(
                    "`{key}` must be a string or null, not {}",
                    describe(other)
                ))),
            }
        };
        match key.as_str() {
            "email" => {}
            "firstName" => patch.first_name = string_patch()?,
            "lastName" => patch.last_name = string_patch()?,
            "source" => patch.source = string_patch()?,
            "userGroup" => patch.user_group = string_patch()?,
            "userId" => {
                patch.user_id = string_patch()?;
                if patch.user_id == Patch::Set(String::new()) {
                    return Err(Reply::bad("`userId` must not be empty"));
                }
            }
            "subscribed" => match value {
                Value::Bool(b) => patch.subscribed = Some(*b),
                other => {
                    return Err(Reply::bad(format!(
                        "`subscribed` must be a boolean, not {}",
                        describe(other)
                    )))
                }
            },
            "mailingLists" => match value {
                Value::Null => patch.mailing_lists = Patch::Clear,
                Value::Object(lists) => {
                    let mut set = Vec::new();
                    for (id, on) in lists {
                        if !is_known_list(id) {
                            return Err(Reply::bad(format!(
                                "`mailingLists` names an unknown mailing list id {id:?}"
                            )));
                        }
                        match on {
                            Value::Bool(b) => set.push((id.clone(), *b)),
                            other => {
                                return Err(Reply::bad(format!(
                                    "`mailingLists.{id}` must be a boolean, not {}",
                                    describe(other)
                                )))
                            }
                        }
                    }
                    patch.mailing_lists = Patch::Set(set);
                }
                other => {
                    return Err(Reply::bad(format!(
                        "`mailingLists` must be an object of list id to boolean, not {}",
                        describe(other)
                    )))
                }
            },
            reserved if RESERVED_PROPERTIES.contains(&reserved) => {
                return Err(Reply::bad(format!(
                    "`{reserved}` is a reserved property name and cannot be set"
                )))
            }
            snake if SNAKE_CASE_PROPERTIES.iter().any(|(s, _)| *s == snake) => {
                let camel = SNAKE_CASE_PROPERTIES
                    .iter()
                    .find(|(s, _)| *s == snake)
                    .map(|(_, c)| *c)
                    .unwrap_or_default();
                return Err(Reply::bad(format!(
                    "`{snake}` is not accepted: contact properties are camelCase (`{camel}`)"
                )));
            }
            custom => {
                check_custom_value(custom, value)?;
                let v = (!value.is_null()).then(|| value.clone());
                patch.custom.push((custom.to_owned(), v));
            }
        }
    }
    Ok(patch)
}

/// A custom property value: string, number, boolean or null, and of the declared type for the
/// seeded custom fields.
fn check_custom_value(key: &str, value: &Value) -> Checked<()> {
    if matches!(value, Value::Array(_) | Value::Object(_)) {
        return Err(Reply::bad(format!(
            "Custom property `{key}` must be a string, number, boolean or null, not {}",
            describe(value)
        )));
    }
    if value.is_null() {
        return Ok(());
    }
    let declared = CUSTOM_FIELDS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, _, ty)| *ty);
    let ok = match declared {
        None => true,
        Some("string") => value.is_string(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some("date") => match value {
            Value::Number(n) => n.is_i64(),
            Value::String(s) => is_valid_date(s, DateSyntax::CustomProperty),
            _ => false,
        },
        Some(_) => true,
    };
    if ok {
        Ok(())
    } else {
        let expected = match declared {
            Some("date") => {
                "a date (Unix milliseconds, or YYYY-MM-DD[( |T)HH:MM[:SS[.sss]]][+HH:MM])"
                    .to_owned()
            }
            Some(ty) => format!("of type {ty}"),
            None => String::new(),
        };
        Err(Reply::bad(format!(
            "Custom property `{key}` must be {expected}, got {value}"
        )))
    }
}

fn contact_create(state: &mut State, body: &Obj) -> Checked<Reply> {
    let f = Fields::new(body, "");
    let email = f.req_email("email")?;
    let patch = contact_patch(body)?;
    if state.contacts.seq_by_email(email).is_some() {
        return Err(Reply::error(
            409,
            format!("A contact with email {email:?} already exists"),
        ));
    }
    if let Patch::Set(user_id) = &patch.user_id {
        if state.contacts.seq_by_user_id(user_id).is_some() {
            return Err(Reply::error(
                409,
                format!("A contact with userId {user_id:?} already exists"),
            ));
        }
    }
    let mut contact = Contact::new(state.ids.uuid(), email.to_owned());
    contact.apply(&patch);
    let id = contact.id.clone();
    state.contacts.insert(contact);
    Ok(Reply::new(200, json!({"success": true, "id": id})))
}

fn contact_update(state: &mut State, body: &Obj) -> Checked<Reply> {
    let email = match body.get("email") {
        None => None,
        Some(Value::Null) => return Err(Reply::bad("`email` cannot be cleared (null)")),
        Some(Value::String(s)) => {
            check_email(s, "email")?;
            Some(s.as_str())
        }
        Some(other) => {
            return Err(Reply::bad(format!(
                "`email` must be a string, not {}",
                describe(other)
            )))
        }
    };
    let patch = contact_patch(body)?;
    let user_id = match &patch.user_id {
        Patch::Set(u) => Some(u.as_str()),
        _ => None,
    };
    if email.is_none() && user_id.is_none() {
        return Err(Reply::bad(
            "`email` or `userId` is required to identify the contact",
        ));
    }
    let contacts = &mut state.contacts;
    let by_user = user_id.and_then(|u| contacts.seq_by_user_id(u));
    let by_email = email.and_then(|e| contacts.seq_by_email(e));
    let target = match (by_user, by_email) {
        // Identified by userId: may change the email, unless another contact has it.
        (Some(seq), other) => {
            if let (Some(e), Some(other)) = (email, other) {
                if other != seq {
                    return Err(Reply::error(
                        409,
                        format!("Another contact already has email {e:?}"),
                    ));
                }
            }
            Some(seq)
        }
        (None, Some(seq)) => {
            let existing = contacts.get(seq).and_then(|c| c.user_id.clone());
            if let (Some(u), Some(existing)) = (user_id, existing) {
                return Err(Reply::error(
                    409,
                    format!(
                        "The contact with email {:?} has userId {existing:?}, not {u:?}",
                        email.unwrap_or_default()
                    ),
                ));
            }
            Some(seq)
        }
        (None, None) => None,
    };
    let id = match target {
        Some(seq) => {
            let mut contact = contacts
                .get(seq)
                .cloned()
                .ok_or_else(|| Reply::error(500, "Contact index out of step"))?;
            if let Some(e) = email {
                contact.email = e.to_owned();
            }
            contact.apply(&patch);
            let id = contact.id.clone();
            contacts.replace(seq, contact);
            id
        }
        None => {
            let Some(e) = email else {
                return Err(Reply::bad(format!(
                    "No contact has userId {:?}; `email` is required to create one",
                    user_id.unwrap_or_default()
                )));
            };
            let mut contact = Contact::new(state.ids.uuid(), e.to_owned());
            contact.apply(&patch);
            let id = contact.id.clone();
            state.contacts.insert(contact);
            id
        }
    };
    Ok(Reply::new(200, json!({"success": true, "id": id})))
}

fn contact_find(state: &State, req: &Request) -> Checked<Reply> {
    let params = query_params(req)?;
    let email = first(&params, "email");
    let user_id = first(&params, "userId");
    let seq = match (email, user_id) {
        (Some(_), None) => {
            let e = required_param(&params, "email")?;
            check_email(e, "email")?;
            state.contacts.seq_by_email(e)
        }
        (None, Some(_)) => {
            let u = required_param(&params, "userId")?;
            state.contacts.seq_by_user_id(u)
        }
        _ => {
            return Err(Reply::bad(
                "Exactly one of the `email` or `userId` query parameters is required",
            ))
        }
    };
    let found: Vec<Value> = seq
        .and_then(|s| state.contacts.get(s))
        .map(Contact::to_json)
        .into_iter()
        .collect();
    Ok(Reply::new(200, Value::Array(found)))
}

fn contact_delete(state: &mut State, body: &Obj) -> Checked<Reply> {
    let f = Fields::new(body, "");
    f.only(&["email", "userId"])?;
    let seq = match (f.has("email"), f.has("userId")) {
        (true, false) => {
            let e = f.req_email("email")?;
            state.contacts.seq_by_email(e)
        }
        (false, true) => {
            let u = f.req_str("userId")?;
            state.contacts.seq_by_user_id(u)
        }
        _ => return Err(Reply::bad("Exactly one of `email` or `userId` is required")),
    };
    match seq.and_then(|s| state.contacts.remove(s)) {
        Some(_) => Ok(Reply::new(
            200,
            json!({"success": true, "message": "Contact deleted."}),
        )),
        None => Err(Reply::error(404, "Contact not found")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_path_is_unique_per_method() {
        for (i, (m, p, _)) in ROUTES.iter().enumerate() {
            for (m2, p2, _) in &ROUTES[i + 1..] {
                assert!(!(m == m2 && p == p2), "{m} {p} twice");
            }
            assert!(p.starts_with("/webhook/"));
        }
        // 17 operations, validate under two spellings.
        assert_eq!(ROUTES.len(), 18);
    }

    #[test]
    fn contact_patch_rejects_snake_case_and_reserved_names() {
        let body = |v: Value| v.as_object().cloned().unwrap();
        let e = contact_patch(&body(json!({"first_name": "A"}))).unwrap_err();
        assert!(e.body["message"].as_str().unwrap().contains("firstName"));
        let e = contact_patch(&body(json!({"teamId": "t"}))).unwrap_err();
        assert!(e.body["message"].as_str().unwrap().contains("reserved"));
        let p = contact_patch(&body(json!({"plan": "pro", "seats": 3, "trial": null}))).unwrap();
        assert_eq!(p.custom.len(), 3);
        assert!(contact_patch(&body(json!({"seats": "3"}))).is_err());
        assert!(contact_patch(&body(json!({"renewal_date": 1714550400000_i64}))).is_ok());
        assert!(contact_patch(&body(json!({"renewal_date": "2024-05-01 10:00"}))).is_ok());
        assert!(contact_patch(&body(json!({"renewal_date": "next week"}))).is_err());
    }
}
