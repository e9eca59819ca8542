//! What both clients do when the network or the server misbehaves, scripted with
//! `MockServer::script`: which failures are retried (429 always; 5xx, timeouts and broken
//! connections only for reads; refused connections always), what error the user gets, and
//! that no error ever shows the API key. Nothing here may panic.

#[macro_use]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use cocoon_mock::{Fault, MockServer};
use cocoonmail::builder::DEFAULT_MAX_BODY_BYTES;
use cocoonmail::contacts::ContactRef;
use cocoonmail::events::SendEvent;
use cocoonmail::mail::{MailContent, SendMail};
use cocoonmail::otp::{OtpCode, OtpRecipients, SendOtp};
use cocoonmail::whatsapp::{SendWhatsApp, WhatsAppMessage};
use cocoonmail::{Error, RetryPolicy, TransportErrorKind};
use support::{
    assert_error_hides_key, fast_retries, mock, quick, refused_base_url, requests_to, statuses,
    CountingLimiter,
};

const TEMPLATE_UUID: &str = "3f1c1a52-8d1e-4a5e-9b1e-2f8a4b6c7d90";

fn welcome_mail() -> SendMail {
    SendMail::new(MailContent::transactional("welcome-1")).to("ada@example.com")
}

/// The kind of a transport error; any other error fails the test.
fn transport_kind(error: &Error) -> TransportErrorKind {
    match error {
        Error::Transport(e) => e.kind,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

fn status_of(error: &Error) -> Option<u16> {
    error.status().map(|s| s.as_u16())
}

both_clients!(a_429_then_success_is_retried_after_retry_after, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();
    server.script("POST", "/webhook/mail/send", [Fault::rate_limited(1)]);

    // A 429 means the server did nothing, so even a send is retried.
    let started = Instant::now();
    let sent = call!(client.mail().send(welcome_mail())).unwrap();

    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was not honoured"
    );
    assert_eq!(sent.report.len(), 1);
    let requests = requests_to(&server, "/webhook/mail/send");
    assert_eq!(statuses(&requests), [Some(429), Some(201)]);
    assert_eq!(requests[0].body, requests[1].body);
    assert_eq!(server.sent_mail_count(), 1);
});

both_clients!(a_persistent_429_ends_in_rate_limited, |builder| {
    // The server's own limit (10 per second) is what the 429s report.
    let server = MockServer::start();
    let client = quick(builder(), &server)
        .retry_policy(RetryPolicy::default().with_max_attempts(2))
        .build()
        .unwrap();
    let path = "/webhook/api_key/validate/";
    server.script(
        "GET",
        path,
        [Fault::rate_limited(1), Fault::rate_limited(1)],
    );

    let started = Instant::now();
    let error = call!(client.keys().validate()).unwrap_err();

    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(matches!(error, Error::RateLimited(_)), "{error:?}");
    assert_eq!(status_of(&error), Some(429));
    let rate_limit = error.rate_limit().expect("the rate-limit headers");
    assert_eq!(rate_limit.limit, Some(10));
    assert_eq!(rate_limit.remaining, Some(0));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
    assert!(error.is_retryable());
    assert_error_hides_key(&error);
    assert_eq!(statuses(&server.journal()), [Some(429), Some(429)]);
});

both_clients!(a_500_on_a_send_is_not_retried, |builder| {
    let server = mock();
    // Were a send retried, its second attempt would succeed: the script holds one fault.
    let client = quick(builder(), &server)
        .retry_policy(fast_retries(4))
        .build()
        .unwrap();
    for path in [
        "/webhook/mail/send",
        "/webhook/event/send",
        "/webhook/whatsapp_message/send",
        "/webhook/otp/send",
    ] {
        server.script("POST", path, [Fault::status(500)]);
    }

    let errors = [
        (
            "/webhook/mail/send",
            call!(client.mail().send(welcome_mail())).unwrap_err(),
        ),
        (
            "/webhook/event/send",
            call!(client
                .events()
                .send(SendEvent::simple("signup", "ada@example.com")))
            .unwrap_err(),
        ),
        (
            "/webhook/whatsapp_message/send",
            call!(client.whatsapp().send(
                SendWhatsApp::new("+15550001111", WhatsAppMessage::text("Hi"))
                    .recipient("+15552223333")
            ))
            .unwrap_err(),
        ),
        (
            "/webhook/otp/send",
            call!(client.otp().send(SendOtp::new(
                TEMPLATE_UUID,
                OtpRecipients::email(["ada@example.com"]),
                OtpCode::from(123_456_u32),
            )))
            .unwrap_err(),
        ),
    ];

    for (path, error) in &errors {
        assert!(matches!(error, Error::Server(_)), "{path}: {error:?}");
        assert_eq!(status_of(error), Some(500), "{path}");
        assert_eq!(
            error.api().and_then(|e| e.message.as_deref()),
            Some("Internal Server Error")
        );
        assert_error_hides_key(error);
        assert_eq!(
            statuses(&requests_to(&server, path)),
            [Some(500)],
            "{path} was sent once"
        );
    }
    assert!(server.sent_messages().is_empty());
    assert!(server.events().is_empty());
});

both_clients!(a_5xx_on_a_read_is_retried, |builder| {
    let server = mock();
    let client = quick(builder(), &server)
        .retry_policy(fast_retries(3))
        .build()
        .unwrap();
    server.script(
        "GET",
        "/webhook/mailing_list/list",
        [Fault::status(500), Fault::status(503)],
    );
    // Reading the usage is a POST, but a read all the same.
    server.script("POST", "/webhook/mail/usage", [Fault::status(500)]);

    let lists = call!(client.lists().list()).unwrap();
    assert_eq!(lists.len(), 2);
    assert_eq!(
        statuses(&requests_to(&server, "/webhook/mailing_list/list")),
        [Some(500), Some(503), Some(200)]
    );

    let usage = call!(client.mail().usage()).unwrap();
    assert_eq!(usage.success, Some(true));
    assert_eq!(
        statuses(&requests_to(&server, "/webhook/mail/usage")),
        [Some(500), Some(200)]
    );
});

both_clients!(a_dropped_connection_on_a_send_is_not_retried, |builder| {
    let server = mock();
    let client = quick(builder(), &server)
        .retry_policy(fast_retries(4))
        .build()
        .unwrap();
    // A first call leaves a pooled keep-alive connection, which the send then reuses.
    call!(client.keys().validate()).unwrap();
    server.script("POST", "/webhook/event/send", [Fault::DropConnection]);

    let error = call!(client
        .events()
        .send(SendEvent::simple("signup", "ada@example.com")))
    .unwrap_err();

    // The request left: the server may have acted on it, so it is not resent.
    assert_eq!(transport_kind(&error), TransportErrorKind::Io, "{error}");
    assert_eq!(error.status(), None);
    assert_error_hides_key(&error);
    assert_eq!(statuses(&server.journal()), [Some(200), None]);
    assert!(server.events().is_empty());
});

both_clients!(a_dropped_connection_on_a_read_is_retried, |builder| {
    let server = mock();
    let client = quick(builder(), &server)
        .retry_policy(fast_retries(3))
        .build()
        .unwrap();
    server.script("GET", "/webhook/contact/find", [Fault::DropConnection]);

    let found = call!(client.contacts().find(ContactRef::email("ada@example.com"))).unwrap();

    assert!(found.is_empty());
    assert_eq!(statuses(&server.journal()), [None, Some(200)]);
});

both_clients!(a_refused_connection_is_retried_even_for_a_send, |builder| {
    let attempts = Arc::new(CountingLimiter::default());
    let client = builder()
        .api_key(support::KEY)
        .base_url(refused_base_url())
        .rate_limiter(attempts.clone())
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(2)
                .with_backoff(Duration::from_millis(1), Duration::from_millis(2)),
        )
        .build()
        .unwrap();

    // Nothing was sent, so resending a send cannot deliver it twice.
    let error = call!(client.mail().send(welcome_mail())).unwrap_err();
    assert_eq!(
        transport_kind(&error),
        TransportErrorKind::Connect,
        "{error}"
    );
    assert_eq!(attempts.attempts(), 2);
    assert!(error.is_retryable());
    assert_eq!(error.status(), None);
    assert_error_hides_key(&error);

    let error = call!(client.keys().validate()).unwrap_err();
    assert_eq!(
        transport_kind(&error),
        TransportErrorKind::Connect,
        "{error}"
    );
    assert_eq!(attempts.attempts(), 4);
    assert_error_hides_key(&error);
});

both_clients!(a_timeout_on_a_send_is_not_retried, |builder| {
    let server = mock();
    let attempts = Arc::new(CountingLimiter::default());
    let client = quick(builder(), &server)
        .attempt_timeout(Duration::from_millis(300))
        .rate_limiter(attempts.clone())
        .retry_policy(fast_retries(3))
        .build()
        .unwrap();
    server.script(
        "POST",
        "/webhook/otp/send",
        [Fault::Delay(Duration::from_secs(2))],
    );

    let started = Instant::now();
    let error = call!(client.otp().send(SendOtp::new(
        TEMPLATE_UUID,
        OtpRecipients::whatsapp(["+15552223333"]),
        OtpCode::from(4321_u32),
    )))
    .unwrap_err();

    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        transport_kind(&error),
        TransportErrorKind::Timeout,
        "{error}"
    );
    assert_eq!(attempts.attempts(), 1);
    assert_error_hides_key(&error);
});

both_clients!(a_timeout_on_a_read_is_retried, |builder| {
    let server = mock();
    let attempts = Arc::new(CountingLimiter::default());
    let client = quick(builder(), &server)
        .attempt_timeout(Duration::from_millis(300))
        .rate_limiter(attempts.clone())
        .retry_policy(fast_retries(3))
        .build()
        .unwrap();
    server.script(
        "GET",
        "/webhook/api_key/validate/",
        [Fault::Delay(Duration::from_secs(2))],
    );

    let validation = call!(client.keys().validate()).unwrap();

    assert_eq!(validation.success, Some(true));
    assert_eq!(attempts.attempts(), 2);
});

both_clients!(a_redirect_is_returned_and_the_key_stays_home, |builder| {
    let server = mock();
    let thief = mock();
    let steal = format!("{}/steal", thief.base_url());
    let redirect = |status| Fault::Status {
        status,
        body: Vec::new(),
        headers: vec![("location".to_owned(), steal.clone())],
    };
    let client = quick(builder(), &server)
        .retry_policy(fast_retries(4))
        .build()
        .unwrap();
    server.script("GET", "/webhook/api_key/validate/", [redirect(302)]);
    server.script("POST", "/webhook/mail/send", [redirect(307)]);

    let read = call!(client.keys().validate()).unwrap_err();
    let send = call!(client.mail().send(welcome_mail())).unwrap_err();

    for (error, status) in [(&read, 302), (&send, 307)] {
        assert!(matches!(error, Error::Redirected(_)), "{error:?}");
        assert_eq!(status_of(error), Some(status));
        assert_eq!(
            error.api().and_then(|e| e.location.as_deref()),
            Some(steal.as_str())
        );
        assert!(!error.is_retryable());
        assert_error_hides_key(error);
    }
    assert_eq!(statuses(&server.journal()), [Some(302), Some(307)]);
    assert!(thief.journal().is_empty(), "{:?}", thief.journal());
});

both_clients!(an_oversized_body_is_refused, |builder| {
    let server = mock();
    let client = quick(builder(), &server)
        .retry_policy(fast_retries(3))
        .build()
        .unwrap();
    server.script(
        "GET",
        "/webhook/api_key/validate/",
        [Fault::HugeBody(5 * 1024 * 1024)],
    );

    let error = call!(client.keys().validate()).unwrap_err();
    assert_eq!(
        transport_kind(&error),
        TransportErrorKind::BodyTooLarge {
            limit: DEFAULT_MAX_BODY_BYTES
        },
        "{error}"
    );
    assert!(!error.is_retryable());
    assert_error_hides_key(&error);
    assert_eq!(server.journal().len(), 1);

    // A smaller cap of the client's own.
    let small = quick(builder(), &server)
        .max_body_bytes(1024)
        .retry_policy(fast_retries(3))
        .build()
        .unwrap();
    server.script(
        "GET",
        "/webhook/mailing_list/list",
        [Fault::HugeBody(64 * 1024)],
    );
    let error = call!(small.lists().list()).unwrap_err();
    assert_eq!(
        transport_kind(&error),
        TransportErrorKind::BodyTooLarge { limit: 1024 },
        "{error}"
    );
    assert_error_hides_key(&error);
    assert_eq!(server.journal().len(), 2);
    // The small cap still reads ordinary answers.
    assert_eq!(call!(small.lists().list()).unwrap().len(), 2);
});

both_clients!(a_truncated_body_is_a_transport_error, |builder| {
    let server = mock();
    let client = quick(builder(), &server)
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    server.script("POST", "/webhook/mail/send", [Fault::TruncatedBody]);
    server.script(
        "GET",
        "/webhook/api_key/validate/",
        [Fault::TruncatedBody, Fault::TruncatedBody],
    );

    let send = call!(client.mail().send(welcome_mail())).unwrap_err();
    assert_eq!(transport_kind(&send), TransportErrorKind::Io, "{send}");
    assert_error_hides_key(&send);
    assert_eq!(requests_to(&server, "/webhook/mail/send").len(), 1);

    let read = call!(client.keys().validate()).unwrap_err();
    assert_eq!(transport_kind(&read), TransportErrorKind::Io, "{read}");
    assert_error_hides_key(&read);
    assert_eq!(requests_to(&server, "/webhook/api_key/validate/").len(), 2);
});

both_clients!(
    an_html_error_page_on_a_read_is_retried_then_reported,
    |builder| {
        let server = mock();
        let client = quick(builder(), &server)
            .retry_policy(fast_retries(2))
            .build()
            .unwrap();
        server.script(
            "GET",
            "/webhook/custom_field/list",
            [Fault::html(502), Fault::html(502)],
        );

        let error = call!(client.custom_fields().list()).unwrap_err();

        assert!(matches!(error, Error::Server(_)), "{error:?}");
        assert_eq!(status_of(&error), Some(502));
        let api = error.api().expect("the proxy's answer");
        assert_eq!(api.message.as_deref(), Some("502 Bad Gateway"));
        assert!(api.body.as_text().contains("<center>nginx</center>"));
        assert!(error.to_string().contains("502 Bad Gateway"), "{error}");
        assert_error_hides_key(&error);
        assert_eq!(statuses(&server.journal()), [Some(502), Some(502)]);
    }
);
