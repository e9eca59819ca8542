//! The events a switch between Redis and the local budget sends through `tracing`: in a test
//! binary of its own, since `tracing` caches, per event, whether any subscriber wants it, and
//! the other tests' threads run without one.

mod common;

use std::time::Duration;

use cocoon_core::limiter::RateLimiter;
use common::{builder, eventually, RedisServer};

const LONG: Duration = Duration::from_secs(3600);

/// The events `tracing` receives, as text.
#[cfg(feature = "tracing")]
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

#[cfg(feature = "tracing")]
impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `run` with a subscriber of its own at INFO, and returns what it received as text.
#[cfg(feature = "tracing")]
fn captured_while(run: impl FnOnce()) -> String {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer({
            let captured = captured.clone();
            move || captured.clone()
        })
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        // The other test of this binary may have met the limiter's events first, with no
        // subscriber of its own: make every event site ask again, this subscriber included.
        tracing::callsite::rebuild_interest_cache();
        run();
    });
    let text = captured.0.lock().unwrap().clone();
    String::from_utf8(text).unwrap()
}

#[cfg(feature = "tracing")]
#[test]
fn each_switch_is_an_info_event_without_secrets() {
    let mut server = RedisServer::with_password("s3cr3t-pw");
    let text = captured_while(|| {
        let limiter = builder(&server)
            .probe_interval(Duration::from_millis(100))
            .response_timeout(Duration::from_millis(100))
            .build_blocking()
            .unwrap();
        limiter.reserve(LONG).unwrap();
        server.stop();
        limiter.reserve(LONG).unwrap();
        server.restart();
        // Back once every process can have noticed Redis is back: a probe interval and a
        // response timeout after the first probe that reached it.
        assert!(eventually(Duration::from_secs(15), || {
            let _ = limiter.reserve(LONG);
            limiter.is_shared()
        }));
    });
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].contains("INFO") && lines[0].contains("local share"),
        "{text}"
    );
    assert!(
        lines[1].contains("INFO") && lines[1].contains("back to the shared budget"),
        "{text}"
    );
    assert!(text.contains("redis://:<redacted>@127.0.0.1"), "{text}");
    assert!(
        !text.contains("s3cr3t") && !text.contains(common::KEY),
        "{text}"
    );
}

#[cfg(feature = "tracing")]
#[test]
fn a_redis_that_refuses_the_limiter_is_one_warning_not_a_switch() {
    let server = RedisServer::with_password("s3cr3t-pw");
    let url = format!("redis://:wrong-pw@127.0.0.1:{}/", server.port());
    let text = captured_while(|| {
        let limiter = cocoon_limiter_redis::RedisLimiter::builder(url)
            .api_key(common::KEY)
            .build_blocking()
            .unwrap();
        for _ in 0..3 {
            assert!(limiter.reserve(LONG).is_err());
        }
        assert_eq!(limiter.stats().fallbacks, 0);
    });
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(
        lines[0].contains("WARN") && lines[0].contains("refuses"),
        "{text}"
    );
    assert!(
        !text.contains("s3cr3t") && !text.contains("wrong-pw") && !text.contains(common::KEY),
        "{text}"
    );
}
