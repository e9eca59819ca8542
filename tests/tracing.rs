//! What the SDK tells `tracing`: the spans and fields of a call and its attempts, through both
//! clients, and that nothing private ever reaches a subscriber at any level.

#[macro_use]
mod support;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex, PoisonError};

use cocoon_mock::Fault;
use cocoonmail::contacts::{ContactRef, CreateContact, UpdateContact};
use cocoonmail::events::{
    CartItem, CheckoutCustomer, CheckoutEvent, Event, EventContact, SendEvent, SimpleEvent,
};
use cocoonmail::mail::{DirectRecipient, MailContent, Recipient, SendDirectMail, SendMail};
use cocoonmail::otp::{OtpCode, OtpRecipients, OtpSender, SendOtp};
use cocoonmail::whatsapp::{SendWhatsApp, WhatsAppMessage, WhatsAppRecipient};
use cocoonmail::RawRequest;
use support::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event as TracingEvent, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// A span as a subscriber saw it, fields updated as they were recorded.
#[derive(Debug, Clone)]
struct SpanData {
    name: String,
    level: Level,
    parent: Option<u64>,
    fields: BTreeMap<String, String>,
}

/// An event as a subscriber saw it.
#[derive(Debug, Clone)]
struct EventData {
    level: Level,
    span: Option<u64>,
    fields: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
struct Captured {
    spans: BTreeMap<u64, SpanData>,
    order: Vec<u64>,
    events: Vec<EventData>,
}

/// A layer that keeps every span and event, at every level.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Captured>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let parent = ctx
            .span(id)
            .and_then(|span| span.parent())
            .map(|parent| parent.id().into_u64());
        let mut captured = self.lock();
        captured.spans.insert(
            id.into_u64(),
            SpanData {
                name: attrs.metadata().name().to_owned(),
                level: *attrs.metadata().level(),
                parent,
                fields,
            },
        );
        captured.order.push(id.into_u64());
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        if let Some(span) = self.lock().spans.get_mut(&id.into_u64()) {
            values.record(&mut Fields(&mut span.fields));
        }
    }

    fn on_event(&self, event: &TracingEvent<'_>, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let span = ctx.event_span(event).map(|span| span.id().into_u64());
        self.lock().events.push(EventData {
            level: *event.metadata().level(),
            span,
            fields,
        });
    }
}

impl Capture {
    fn lock(&self) -> std::sync::MutexGuard<'_, Captured> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Installs the capture for the current thread until the guard drops.
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        tracing::subscriber::set_default(tracing_subscriber::registry().with(self.clone()))
    }

    /// The call spans, in creation order.
    fn calls(&self) -> Vec<(u64, SpanData)> {
        self.spans_named("cocoonmail.call")
    }

    fn spans_named(&self, name: &str) -> Vec<(u64, SpanData)> {
        let captured = self.lock();
        captured
            .order
            .iter()
            .filter_map(|id| captured.spans.get(id).map(|s| (*id, s.clone())))
            .filter(|(_, s)| s.name == name)
            .collect()
    }

    /// The attempt spans of the call `call`, in order.
    fn attempts_of(&self, call: u64) -> Vec<(u64, SpanData)> {
        self.spans_named("cocoonmail.attempt")
            .into_iter()
            .filter(|(_, s)| s.parent == Some(call))
            .collect()
    }

    fn events_in(&self, span: u64) -> Vec<EventData> {
        self.lock()
            .events
            .iter()
            .filter(|e| e.span == Some(span))
            .cloned()
            .collect()
    }

    /// Every name and value a subscriber was given, as one text.
    fn everything(&self) -> String {
        let captured = self.lock();
        let mut text = String::new();
        for span in captured.spans.values() {
            text.push_str(&format!("{span:?}\n"));
        }
        for event in &captured.events {
            text.push_str(&format!("{event:?}\n"));
        }
        text
    }
}

fn field<'a>(span: &'a SpanData, name: &str) -> Option<&'a str> {
    span.fields.get(name).map(String::as_str)
}

both_clients!(a_success_is_one_call_span_with_one_attempt, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();
    let capture = Capture::default();
    let _guard = capture.install();

    call!(client.contacts().find(ContactRef::email("ada@example.com"))).unwrap();

    let calls = capture.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let (id, call) = &calls[0];
    assert_eq!(call.level, Level::INFO);
    // The call is internal: the operation, what spans its attempts, how it ended.
    for (name, value) in [
        ("otel.name", "contact.find"),
        ("otel.kind", "internal"),
        ("cocoonmail.operation", "contact.find"),
        ("cocoonmail.idempotent", "true"),
        ("cocoonmail.attempts", "1"),
        ("http.response.status_code", "200"),
    ] {
        assert_eq!(field(call, name), Some(value), "{name} in {call:?}");
    }
    for absent in ["error.type", "http.request.method", "url.full", "url.path"] {
        assert_eq!(field(call, absent), None, "{absent} in {call:?}");
    }

    // The attempt is the HTTP request: the client span.
    let attempts = capture.attempts_of(*id);
    assert_eq!(attempts.len(), 1);
    let attempt = &attempts[0].1;
    assert_eq!(attempt.level, Level::INFO);
    let port = server.addr().port().to_string();
    let full = format!("http://127.0.0.1:{port}/webhook/contact/find?email=REDACTED");
    for (name, value) in [
        ("otel.name", "GET /webhook/contact/find"),
        ("otel.kind", "client"),
        ("http.request.method", "GET"),
        ("server.address", "127.0.0.1"),
        ("server.port", port.as_str()),
        ("url.full", full.as_str()),
        ("url.template", "/webhook/contact/find"),
        ("http.response.status_code", "200"),
        ("cocoonmail.limiter.wait_ms", "0"),
    ] {
        assert_eq!(field(attempt, name), Some(value), "{name} in {attempt:?}");
    }
    for absent in [
        "http.request.resend_count",
        "http.request.method_original",
        "error.type",
    ] {
        assert_eq!(field(attempt, absent), None, "{absent} in {attempt:?}");
    }
    assert_eq!(
        field(attempt, "cocoonmail.ratelimit.limit"),
        Some("1000000")
    );
});

both_clients!(
    a_429_then_a_success_shows_the_resend_and_the_delay,
    |builder| {
        let server = mock();
        server.script(
            "POST",
            "/webhook/event/send",
            [Fault::RateLimited {
                retry_after: Some("1".into()),
            }],
        );
        let client = quick(builder(), &server).build().unwrap();
        let capture = Capture::default();
        let _guard = capture.install();

        call!(client
            .events()
            .send(SendEvent::simple("signup", "ada@example.com")))
        .unwrap();

        let calls = capture.calls();
        let (id, call) = &calls[0];
        assert_eq!(field(call, "cocoonmail.operation"), Some("event.send"));
        assert_eq!(field(call, "cocoonmail.idempotent"), Some("false"));
        assert_eq!(field(call, "cocoonmail.attempts"), Some("2"));
        assert_eq!(field(call, "http.response.status_code"), Some("201"));
        let attempts = capture.attempts_of(*id);
        assert_eq!(attempts.len(), 2, "{attempts:?}");

        let (first_id, first) = &attempts[0];
        assert_eq!(field(first, "http.response.status_code"), Some("429"));
        assert_eq!(field(first, "error.type"), Some("429"));
        assert_eq!(field(first, "cocoonmail.retry.decision"), Some("retry"));
        assert_eq!(field(first, "cocoonmail.retry.delay_ms"), Some("1000"));
        assert_eq!(field(first, "cocoonmail.ratelimit.remaining"), Some("0"));
        let events = capture.events_in(*first_id);
        let limited = events
            .iter()
            .find(|e| field_of(e, "message") == Some("rate limited by the server (429)"))
            .unwrap_or_else(|| panic!("no 429 event: {events:?}"));
        assert_eq!(limited.level, Level::INFO);
        let retrying = events
            .iter()
            .find(|e| field_of(e, "message") == Some("retrying"))
            .unwrap_or_else(|| panic!("no retry event: {events:?}"));
        assert_eq!(retrying.level, Level::INFO);
        assert_eq!(
            field_of(retrying, "cocoonmail.retry.delay_ms"),
            Some("1000")
        );

        let second = &attempts[1].1;
        assert_eq!(field(second, "http.request.resend_count"), Some("1"));
        assert_eq!(field(second, "http.response.status_code"), Some("201"));
        // The 429 paused the limiter: the second attempt waited for it too (or the retry's sleep
        // already covered it).
        assert!(field(second, "cocoonmail.limiter.wait_ms").is_some());
    }
);

both_clients!(
    a_failed_send_is_not_retried_nor_logged_as_an_error,
    |builder| {
        let server = mock();
        server.script("POST", "/webhook/mail/send", [Fault::status(500)]);
        let client = quick(builder(), &server).build().unwrap();
        let capture = Capture::default();
        let _guard = capture.install();

        let mail = SendMail::new(MailContent::transactional("welcome-1"))
            .to(Recipient::new("ada@example.com"));
        let error = call!(client.mail().send(mail)).unwrap_err();
        assert_eq!(error.attempts(), 1);

        let calls = capture.calls();
        let (id, call) = &calls[0];
        assert_eq!(field(call, "error.type"), Some("500"));
        assert_eq!(field(call, "http.response.status_code"), Some("500"));
        assert_eq!(field(call, "cocoonmail.attempts"), Some("1"));
        let attempts = capture.attempts_of(*id);
        assert_eq!(attempts.len(), 1);
        assert_eq!(
            field(&attempts[0].1, "cocoonmail.retry.decision"),
            Some("stop")
        );
        assert_eq!(field(&attempts[0].1, "error.type"), Some("500"));
        let errors: Vec<_> = capture
            .lock()
            .events
            .iter()
            .filter(|e| e.level <= Level::WARN)
            .cloned()
            .collect();
        assert!(errors.is_empty(), "the SDK logged {errors:?}");
    }
);

fn field_of<'a>(event: &'a EventData, name: &str) -> Option<&'a str> {
    event.fields.get(name).map(String::as_str)
}

/// The personal data the privacy test sends, and must never find in a trace.
const EMAIL: &str = "grace.hopper+privacy@example.com";
const SENDER: &str = "notices.privacy@example.com";
const PHONE: &str = "+15550109876";
const FROM_PHONE: &str = "+15550104321";
const FIRST: &str = "Gracelyn";
const LAST: &str = "Hopperstone";
const BODY: &str = "Confidential-body-text-4711";
const PARAM: &str = "secret-parameter-value-0815";
const USER_ID: &str = "user-id-private-99";

both_clients!(
    no_key_and_no_personal_data_reach_a_subscriber_at_trace,
    |builder| {
        let server = mock();
        let client = quick(builder(), &server).build().unwrap();
        let capture = Capture::default();
        let _guard = capture.install();

        let contact = CreateContact::new(EMAIL)
            .first_name(FIRST)
            .last_name(LAST)
            .user_id(USER_ID);
        call!(client.contacts().create(contact)).unwrap();
        call!(client
            .contacts()
            .update(UpdateContact::by_email(EMAIL).first_name(FIRST)))
        .unwrap();
        call!(client.contacts().find(ContactRef::email(EMAIL))).unwrap();
        call!(client.contacts().find(ContactRef::user_id(USER_ID))).unwrap();
        call!(client.keys().validate()).unwrap();
        call!(client.lists().list()).unwrap();
        call!(client.custom_fields().list()).unwrap();
        let event = SimpleEvent::new("signup", EMAIL).property("note", PARAM);
        call!(client.events().send(event.into())).unwrap();
        let structured = SendEvent::structured(
            EventContact::new(EMAIL).name(FIRST),
            Event::new("ABANDONED_CART").data_entry("note", PARAM),
        );
        call!(client.events().send(structured)).unwrap();
        let checkout = CheckoutEvent::new(
            "cart-1",
            CheckoutCustomer::new(EMAIL)
                .first_name(FIRST)
                .last_name(LAST)
                .phone(PHONE),
            "https://shop.example.com/checkout/cart-1",
            "2026-11-27T10:00:00Z",
        )
        .item(CartItem::new("SKU-1", BODY, 1, 9.5));
        call!(client.events().checkout(checkout)).unwrap();
        call!(client.verify().email(EMAIL)).unwrap();
        let mail = SendMail::new(MailContent::raw(BODY, SENDER, BODY))
            .to(Recipient::new(EMAIL).first_name(FIRST).last_name(LAST))
            .custom_parameter("code", PARAM);
        let sent = call!(client.mail().send(mail)).unwrap();
        let message_id = sent.report[0].message_id.clone().unwrap();
        call!(client.mail().status(message_id.clone())).unwrap();
        let direct =
            SendDirectMail::new(BODY, SENDER, BODY).to(DirectRecipient::new(EMAIL).name(FIRST));
        call!(client.mail().send_direct(direct)).unwrap();
        call!(client.mail().usage()).unwrap();
        let whatsapp = SendWhatsApp::new(FROM_PHONE, WhatsAppMessage::text(BODY))
            .recipient(WhatsAppRecipient::new(PHONE).first_name(FIRST));
        let sent = call!(client.whatsapp().send(whatsapp)).unwrap();
        let wamid = sent.report[0].message_id.clone().unwrap();
        call!(client.whatsapp().status(wamid.clone())).unwrap();
        let otp = SendOtp::new(
            "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
            OtpRecipients::email([EMAIL]),
            OtpCode::new("042815").unwrap(),
        )
        .subject(BODY)
        .sender(OtpSender::new().email_sender(SENDER));
        call!(client.otp().send(otp)).unwrap();
        let raw = RawRequest::get("/webhook/contact/find")
            .unwrap()
            .query("email", EMAIL);
        call!(client.raw(raw)).unwrap();
        // A raw path that holds the values themselves (the fake server knows no such route).
        let raw = RawRequest::get(format!("/webhook/contact/{EMAIL}/{PHONE}/{USER_ID}")).unwrap();
        let _ = call!(client.raw(raw));
        // Errors too: a conflict, a not-found and a refused input.
        call!(client.contacts().create(CreateContact::new(EMAIL))).unwrap_err();
        call!(client.contacts().delete(ContactRef::email(EMAIL))).unwrap();
        call!(client.contacts().delete(ContactRef::email(EMAIL))).unwrap_err();
        call!(client
            .mail()
            .send(SendMail::new(MailContent::transactional(PARAM))))
        .unwrap_err();

        assert_eq!(capture.calls().len(), 24, "every call has its span");
        let everything = capture.everything();
        assert_no_key_in(&everything, "the trace");
        for private in [
            EMAIL,
            SENDER,
            PHONE,
            FROM_PHONE,
            FIRST,
            LAST,
            BODY,
            PARAM,
            USER_ID,
            "grace.hopper",
            "15550109876",
            &message_id,
            &wamid,
        ] {
            assert!(
                !everything.contains(private),
                "the trace holds {private:?}:\n{everything}"
            );
        }
    }
);
