//! `timeout` is one deadline for the whole call, in both clients: limiter waits, attempts and
//! the delays between them; `attempt_timeout` bounds each attempt on its own.

#![allow(unused_macros)]

#[macro_use]
mod support;

use std::time::{Duration, Instant};

use cocoon_mock::Fault;
use cocoonmail::mail::{MailContent, SendMail};
use cocoonmail::{ConfigError, Error, RetryPolicy, TransportErrorKind};
use support::{assert_error_hides_key, mock, quick, requests_to};

/// Far more than any deadline below, far less than a slow server would take: a call that ends
/// within it was cut by its deadline, even on a busy machine.
const GENEROUS: Duration = Duration::from_millis(1500);

const VALIDATE: &str = "/webhook/api_key/validate/";

fn transport_kind(error: &Error) -> Option<TransportErrorKind> {
    match error {
        Error::Transport(e) => Some(e.kind),
        _ => None,
    }
}

both_clients!(
    a_slow_server_cannot_stretch_a_call_past_its_deadline,
    |builder| {
        let server = mock();
        // Four attempts of a read would each wait for the slow answer: 4 x 800 ms and backoff.
        let client = quick(builder(), &server)
            .timeout(Duration::from_millis(200))
            .retry_policy(RetryPolicy::default().with_max_attempts(4))
            .build()
            .unwrap();
        server.script(
            "GET",
            VALIDATE,
            vec![Fault::Delay(Duration::from_millis(800)); 4],
        );

        let started = Instant::now();
        let error = call!(client.keys().validate()).unwrap_err();
        let took = started.elapsed();

        assert!(took < GENEROUS, "the call took {took:?}");
        assert!(took >= Duration::from_millis(190), "the call took {took:?}");
        assert_eq!(
            transport_kind(&error),
            Some(TransportErrorKind::Timeout),
            "{error}"
        );
        let message = error.to_string();
        assert!(message.contains("200ms deadline"), "{message}");
        assert!(message.contains("may have acted"), "{message}");
        assert!(!error.request_was_not_processed());
        assert_eq!(error.attempts(), 1, "{error}");
        assert_error_hides_key(&error);
    }
);

both_clients!(
    a_send_cut_by_the_deadline_says_it_may_have_been_delivered,
    |builder| {
        let server = mock();
        let client = quick(builder(), &server)
            .timeout(Duration::from_millis(250))
            .build()
            .unwrap();
        server.script(
            "POST",
            "/webhook/mail/send",
            [Fault::Delay(Duration::from_secs(2))],
        );

        let started = Instant::now();
        let mail = SendMail::new(MailContent::transactional("welcome-1")).to("ada@example.com");
        let error = call!(client.mail().send(mail)).unwrap_err();

        assert!(started.elapsed() < GENEROUS, "took {:?}", started.elapsed());
        assert_eq!(
            transport_kind(&error),
            Some(TransportErrorKind::Timeout),
            "{error}"
        );
        assert!(
            error.to_string().contains("may have been delivered"),
            "{error}"
        );
        assert!(!error.to_string().contains("ada@example.com"), "{error}");
        assert_error_hides_key(&error);
    }
);

both_clients!(
    a_retry_that_would_end_past_the_deadline_is_not_taken,
    |builder| {
        let server = mock();
        let client = quick(builder(), &server)
            .timeout(Duration::from_millis(400))
            .retry_policy(
                RetryPolicy::default()
                    .with_max_attempts(4)
                    .with_backoff(Duration::from_secs(3), Duration::from_secs(3)),
            )
            .build()
            .unwrap();
        server.script("GET", VALIDATE, vec![Fault::status(503); 4]);

        let started = Instant::now();
        let error = call!(client.keys().validate()).unwrap_err();

        // The 503 comes back at once instead of a sleep into the deadline.
        assert!(started.elapsed() < GENEROUS, "took {:?}", started.elapsed());
        assert_eq!(error.status().map(|s| s.as_u16()), Some(503), "{error}");
        assert_eq!(error.attempts(), 1, "{error}");
        assert!(error.earlier_attempts().is_empty(), "{error}");
        assert_eq!(requests_to(&server, VALIDATE).len(), 1);
    }
);

both_clients!(retries_go_on_while_the_deadline_allows, |builder| {
    let server = mock();
    let client = quick(builder(), &server)
        .timeout(Duration::from_secs(20))
        .attempt_timeout(Duration::from_millis(200))
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(4)
                .with_backoff(Duration::from_millis(10), Duration::from_millis(20)),
        )
        .build()
        .unwrap();
    server.script(
        "GET",
        VALIDATE,
        [
            Fault::Delay(Duration::from_secs(3)),
            Fault::Delay(Duration::from_secs(3)),
        ],
    );

    let started = Instant::now();
    let validation = call!(client.keys().validate()).unwrap();

    assert_eq!(validation.success, Some(true));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
});

both_clients!(the_limiter_is_not_waited_on_past_the_deadline, |builder| {
    let server = mock();
    let client = builder()
        .api_key(support::KEY)
        .base_url(server.base_url())
        .rate_limit(1)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    call!(client.keys().validate()).unwrap();

    // The next permit is about a second away: more than the deadline leaves.
    let started = Instant::now();
    let error = call!(client.keys().validate()).unwrap_err();

    assert!(
        started.elapsed() < Duration::from_millis(900),
        "took {:?}",
        started.elapsed()
    );
    assert!(matches!(error, Error::Limiter(_)), "{error}");
    assert!(error.request_was_not_processed());
    assert_eq!(requests_to(&server, VALIDATE).len(), 1);
});

both_clients!(a_zero_timeout_is_refused_at_build, |builder| {
    for zero in [
        builder().api_key(support::KEY).timeout(Duration::ZERO),
        builder()
            .api_key(support::KEY)
            .attempt_timeout(Duration::ZERO),
    ] {
        let error = zero.build().unwrap_err();
        assert!(
            matches!(error, Error::Config(ConfigError::InvalidSetting { .. })),
            "{error}"
        );
    }
});
