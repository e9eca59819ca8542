//! The SDK's spans as an OpenTelemetry backend receives them: exported through
//! `tracing-opentelemetry` into the OpenTelemetry SDK's in-memory exporter, through both
//! clients. Each attempt is an HTTP client span with the HTTP client conventions' attributes;
//! the call is an internal span above its attempts; and no span name, attribute or event holds
//! the key, an email address, a phone number, an id or a query value.

#[macro_use]
mod support;

use cocoon_mock::Fault;
use cocoonmail::contacts::{ContactRef, CreateContact};
use cocoonmail::core::{Operation, Route};
use cocoonmail::RawRequest;
use opentelemetry::trace::{SpanKind, Status, TracerProvider as _};
use opentelemetry::Value;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use support::*;
use tracing_subscriber::layer::SubscriberExt;

/// Spans exported to memory while the guard lives (on this thread).
struct Exported {
    exporter: InMemorySpanExporter,
    provider: SdkTracerProvider,
    _guard: tracing::subscriber::DefaultGuard,
}

impl Exported {
    fn install() -> Self {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("otel-test"));
        let subscriber = tracing_subscriber::registry().with(layer);
        let guard = tracing::subscriber::set_default(subscriber);
        Exported {
            exporter,
            provider,
            _guard: guard,
        }
    }

    /// Every span ended so far.
    fn spans(&self) -> Vec<SpanData> {
        self.provider.force_flush().expect("flush the spans");
        self.exporter
            .get_finished_spans()
            .expect("read the exported spans")
    }
}

fn attribute<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

fn string(span: &SpanData, key: &str) -> Option<String> {
    attribute(span, key).map(|value| value.as_str().into_owned())
}

fn int(span: &SpanData, key: &str) -> Option<i64> {
    match attribute(span, key) {
        Some(Value::I64(n)) => Some(*n),
        other => panic!("{key} is {other:?}, not an integer, in {span:?}"),
    }
}

/// The call spans, each with its attempts in the order they started.
fn calls(spans: &[SpanData]) -> Vec<(&SpanData, Vec<&SpanData>)> {
    let mut calls: Vec<_> = spans
        .iter()
        .filter(|s| s.span_kind == SpanKind::Internal)
        .map(|call| {
            let mut attempts: Vec<_> = spans
                .iter()
                .filter(|s| s.parent_span_id == call.span_context.span_id())
                .collect();
            attempts.sort_by_key(|s| s.start_time);
            (call, attempts)
        })
        .collect();
    calls.sort_by_key(|(call, _)| call.start_time);
    calls
}

/// What every exported attempt must carry, whatever the call.
fn assert_client_span(attempt: &SpanData, port: u16) {
    assert_eq!(attempt.span_kind, SpanKind::Client, "{attempt:?}");
    let method = string(attempt, "http.request.method").expect("http.request.method");
    let template = string(attempt, "url.template").expect("url.template");
    assert_eq!(attempt.name, format!("{method} {template}"));
    assert_eq!(
        string(attempt, "server.address").as_deref(),
        Some("127.0.0.1")
    );
    assert_eq!(int(attempt, "server.port"), Some(i64::from(port)));
    let full = string(attempt, "url.full").expect("url.full");
    assert!(
        full.starts_with(&format!("http://127.0.0.1:{port}/")),
        "{full}"
    );
    for name in ["otel.name", "otel.kind", "otel.status_code"] {
        assert_eq!(attribute(attempt, name), None, "{name} is not an attribute");
    }
}

/// The personal data the test sends, and must never find in what a backend receives.
const EMAIL: &str = "grace.hopper+otel@example.com";
const USER_ID: &str = "user-id-private-4711";
const PHONE: &str = "15550109876";

both_clients!(
    a_call_exports_as_an_internal_span_above_client_spans,
    |builder| {
        let server = mock();
        server.script("GET", "/webhook/contact/find", [Fault::status(503)]);
        let client = quick(builder(), &server)
            .retry_policy(fast_retries(3))
            .build()
            .unwrap();
        let exported = Exported::install();

        call!(client.contacts().find(ContactRef::email(EMAIL))).unwrap();

        let spans = exported.spans();
        let calls = calls(&spans);
        assert_eq!(calls.len(), 1, "{spans:#?}");
        let (call, attempts) = &calls[0];
        assert_eq!(call.name, "contact.find");
        assert_eq!(
            string(call, "cocoonmail.operation").as_deref(),
            Some("contact.find")
        );
        assert_eq!(int(call, "cocoonmail.attempts"), Some(2));
        assert_eq!(int(call, "http.response.status_code"), Some(200));
        assert_eq!(call.status, Status::Unset);
        for name in ["http.request.method", "url.full", "server.address"] {
            assert_eq!(attribute(call, name), None, "{name} on the call");
        }

        assert_eq!(attempts.len(), 2, "{spans:#?}");
        let port = server.addr().port();
        let full = format!("http://127.0.0.1:{port}/webhook/contact/find?email=REDACTED");
        for attempt in attempts {
            assert_client_span(attempt, port);
            assert_eq!(attempt.name, "GET /webhook/contact/find");
            assert_eq!(string(attempt, "url.full"), Some(full.clone()));
            assert_eq!(
                string(attempt, "url.template").as_deref(),
                Some("/webhook/contact/find")
            );
        }
        let (first, second) = (attempts[0], attempts[1]);
        assert_eq!(attribute(first, "http.request.resend_count"), None);
        assert_eq!(int(first, "http.response.status_code"), Some(503));
        assert_eq!(string(first, "error.type").as_deref(), Some("503"));
        assert!(
            matches!(first.status, Status::Error { .. }),
            "{:?}",
            first.status
        );
        assert_eq!(int(second, "cocoonmail.ratelimit.limit"), Some(1_000_000));
        assert!(int(second, "cocoonmail.limiter.wait_ms").is_some());
        assert_eq!(int(second, "http.request.resend_count"), Some(1));
        assert_eq!(int(second, "http.response.status_code"), Some(200));
        assert_eq!(attribute(second, "error.type"), None);
        assert_eq!(second.status, Status::Unset);
    }
);

both_clients!(a_failed_call_is_an_error_on_both_spans, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();
    let exported = Exported::install();

    // A second create of the same address is a conflict, never retried.
    call!(client.contacts().create(CreateContact::new(EMAIL))).unwrap();
    let error = call!(client.contacts().create(CreateContact::new(EMAIL))).unwrap_err();
    let status = error.status().expect("an answer").as_u16();

    let spans = exported.spans();
    let calls = calls(&spans);
    assert_eq!(calls.len(), 2, "{spans:#?}");
    let (call, attempts) = &calls[1];
    let expected = status.to_string();
    assert_eq!(string(call, "error.type"), Some(expected.clone()));
    assert!(matches!(call.status, Status::Error { .. }), "{call:?}");
    assert_eq!(attempts.len(), 1);
    let attempt = attempts[0];
    assert_client_span(attempt, server.addr().port());
    assert_eq!(attempt.name, "POST /webhook/contact/create");
    assert_eq!(
        int(attempt, "http.response.status_code"),
        Some(i64::from(status))
    );
    assert_eq!(string(attempt, "error.type"), Some(expected));
    assert!(
        matches!(attempt.status, Status::Error { .. }),
        "{attempt:?}"
    );
});

both_clients!(
    raw_and_remapped_paths_export_no_value_and_no_key,
    |builder| {
        let server = mock();
        // An operation remapped to a path that holds an address, as a careless proxy might.
        let remapped =
            Route::new(http::Method::GET, format!("/webhook/by-email/{EMAIL}/find")).unwrap();
        let client = quick(builder(), &server)
            .route(Operation::FindContact, remapped)
            .build()
            .unwrap();
        let exported = Exported::install();

        let _ = call!(client.contacts().find(ContactRef::user_id(USER_ID)));
        let raw = RawRequest::get(format!("/webhook/contact/{EMAIL}/{PHONE}"))
            .unwrap()
            .query("email", EMAIL)
            .query(USER_ID, PHONE);
        let _ = call!(client.raw(raw));
        let purge = RawRequest::new(
            http::Method::from_bytes(b"PURGE").unwrap(),
            format!("/webhook/v2/{USER_ID}"),
        )
        .unwrap();
        let _ = call!(client.raw(purge));
        call!(client.keys().validate()).unwrap();

        let spans = exported.spans();
        let calls = calls(&spans);
        assert_eq!(calls.len(), 4, "{spans:#?}");
        let port = server.addr().port();
        let attempts: Vec<_> = calls.iter().map(|(_, attempts)| attempts[0]).collect();
        for attempt in &attempts {
            assert_client_span(attempt, port);
        }
        let (remapped, raw, purge, validate) = (attempts[0], attempts[1], attempts[2], attempts[3]);
        assert_eq!(remapped.name, "GET /webhook/by-email/{value}/find");
        assert_eq!(
            string(remapped, "url.full"),
            Some(format!(
                "http://127.0.0.1:{port}/webhook/by-email/REDACTED/find?userId=REDACTED"
            ))
        );
        assert_eq!(raw.name, "GET /webhook/contact/{value}/{value}");
        assert_eq!(
            string(raw, "url.full"),
            Some(format!(
                "http://127.0.0.1:{port}/webhook/contact/REDACTED/REDACTED\
                 ?email=REDACTED&REDACTED=REDACTED"
            ))
        );
        assert_eq!(purge.name, "_OTHER /webhook/v2/{value}");
        assert_eq!(
            string(purge, "http.request.method_original").as_deref(),
            Some("PURGE")
        );
        assert_eq!(calls[2].0.name, "raw");
        assert_eq!(validate.name, "GET /webhook/api_key/validate/");

        // Everything a backend received: names, attributes, events and their attributes.
        let everything = format!("{spans:?}");
        assert_no_key_in(&everything, "the exported spans");
        for private in [
            EMAIL,
            "grace.hopper",
            "grace.hopper%2Botel%40example.com",
            USER_ID,
            PHONE,
        ] {
            assert!(
                !everything.contains(private),
                "the exported spans hold {private:?}:\n{everything}"
            );
        }
    }
);
