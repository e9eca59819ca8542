//! Building a client: key, server, auth, timeouts, rate limit, retries, routes, transport.

use std::fmt;
use std::marker::PhantomData;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use cocoon_core::{
    ApiKey, AsyncTransport, AuthScheme, BlockingTransport, Config, ConfigError, Error, Operation,
    RetryPolicy, Route, RouteTable, DEFAULT_MAX_SERVER_PAUSE, DEFAULT_USER_AGENT,
    DOCUMENTED_REQUESTS_PER_SECOND,
};

use crate::limiter::{AsyncRateLimiter, LocalLimiter, Pacing, RateLimiter};
use crate::shared::Shared;
use cocoon_core::transport::Certificate;

/// The environment variable [`ClientBuilder::from_env`] reads the key from.
pub const ENV_API_KEY: &str = "COCOONMAIL_API_KEY";
/// The environment variable [`ClientBuilder::from_env`] reads the base URL from.
pub const ENV_BASE_URL: &str = "COCOONMAIL_BASE_URL";

pub use cocoon_core::transport::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT,
};
/// How long a call may wait for a permit from its rate limiter by default.
pub const DEFAULT_MAX_LIMITER_WAIT: Duration = Duration::from_secs(60);

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Async {}
    impl Sealed for super::Blocking {}
}

/// What a [`ClientBuilder`] makes: [`Async`] or [`Blocking`].
pub trait Mode: sealed::Sealed {
    /// The limiter trait that client paces with.
    type Limiter: ?Sized + Send + Sync + fmt::Debug;
}

/// Marks a builder that makes the async [`crate::Client`].
#[derive(Debug, Clone, Copy)]
pub enum Async {}

impl Mode for Async {
    type Limiter = dyn AsyncRateLimiter;
}

/// Marks a builder that makes the blocking [`crate::blocking::Client`].
#[derive(Debug, Clone, Copy)]
pub enum Blocking {}

impl Mode for Blocking {
    type Limiter = dyn RateLimiter;
}

enum Limiting<L: ?Sized> {
    PerSecond(NonZeroU32),
    Off,
    Local(LocalLimiter),
    Custom(Arc<L>),
}

impl<L: ?Sized> Clone for Limiting<L> {
    fn clone(&self) -> Self {
        match self {
            Limiting::PerSecond(n) => Limiting::PerSecond(*n),
            Limiting::Off => Limiting::Off,
            Limiting::Local(local) => Limiting::Local(local.clone()),
            Limiting::Custom(custom) => Limiting::Custom(Arc::clone(custom)),
        }
    }
}

/// Builds a client. Start from [`crate::Client::builder`] (async) or
/// [`crate::blocking::Client::builder`] (blocking); both take the same settings.
///
/// ```
/// use std::time::Duration;
/// # #[cfg(feature = "reqwest")] {
/// let client = cocoonmail::Client::builder()
///     .api_key("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")
///     .base_url("http://127.0.0.1:8025")
///     .timeout(Duration::from_secs(5))
///     .build()?;
/// # }
/// # Ok::<(), cocoonmail::Error>(())
/// ```
#[must_use]
pub struct ClientBuilder<M: Mode> {
    api_key: Option<String>,
    base_url: Option<String>,
    auth_scheme: AuthScheme,
    user_agent: Option<String>,
    allow_insecure_http: bool,
    routes: RouteTable,
    connect_timeout: Duration,
    timeout: Duration,
    attempt_timeout: Option<Duration>,
    max_body_bytes: usize,
    root_certificates: Vec<Certificate>,
    limiting: Limiting<M::Limiter>,
    burst: u32,
    max_server_pause: Duration,
    max_limiter_wait: Duration,
    retry: RetryPolicy,
    mode: PhantomData<fn() -> M>,
}

impl<M: Mode> Default for ClientBuilder<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Mode> Clone for ClientBuilder<M> {
    fn clone(&self) -> Self {
        ClientBuilder {
            api_key: self.api_key.clone(),
            base_url: self.base_url.clone(),
            auth_scheme: self.auth_scheme,
            user_agent: self.user_agent.clone(),
            allow_insecure_http: self.allow_insecure_http,
            routes: self.routes.clone(),
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            attempt_timeout: self.attempt_timeout,
            max_body_bytes: self.max_body_bytes,
            root_certificates: self.root_certificates.clone(),
            limiting: self.limiting.clone(),
            burst: self.burst,
            max_server_pause: self.max_server_pause,
            max_limiter_wait: self.max_limiter_wait,
            retry: self.retry.clone(),
            mode: PhantomData,
        }
    }
}

impl<M: Mode> ClientBuilder<M> {
    /// A builder with every default: production base URL, bearer auth, 10 requests per second,
    /// the default [`RetryPolicy`], 10 s connect and 30 s request timeouts.
    pub fn new() -> Self {
        ClientBuilder {
            api_key: None,
            base_url: None,
            auth_scheme: AuthScheme::default(),
            user_agent: None,
            allow_insecure_http: false,
            routes: RouteTable::default(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            attempt_timeout: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            root_certificates: Vec::new(),
            limiting: Limiting::PerSecond(
                NonZeroU32::new(DOCUMENTED_REQUESTS_PER_SECOND).expect("ten is not zero"),
            ),
            burst: 1,
            max_server_pause: DEFAULT_MAX_SERVER_PAUSE,
            max_limiter_wait: DEFAULT_MAX_LIMITER_WAIT,
            retry: RetryPolicy::default(),
            mode: PhantomData,
        }
    }

    /// Reads `COCOONMAIL_API_KEY` and, when set, `COCOONMAIL_BASE_URL`. A missing key is
    /// reported by `build`.
    pub fn from_env(mut self) -> Self {
        if let Ok(key) = std::env::var(ENV_API_KEY) {
            self.api_key = Some(key);
        }
        if let Ok(url) = std::env::var(ENV_BASE_URL) {
            if !url.trim().is_empty() {
                self.base_url = Some(url);
            }
        }
        self
    }

    /// The API key (checked by `build`; never shown by `Debug` or errors).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The server (default `https://webhook.cocoonmail.com`). Plain `http://` is accepted only
    /// for loopback hosts unless [`ClientBuilder::allow_insecure_http`] is set.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// How the key is sent (default `Authorization: Bearer`).
    pub fn auth_scheme(mut self, scheme: AuthScheme) -> Self {
        self.auth_scheme = scheme;
        self
    }

    /// Replaces the `User-Agent` (default `cocoonmail-rust/<version>` and the transport).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Allows sending the key over plain `http://` to hosts other than loopback.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Sends `operation` to `route` (for example when the vendor publishes a provisional path).
    pub fn route(mut self, operation: Operation, route: Route) -> Self {
        self.routes.set(operation, route);
        self
    }

    /// The time the built-in transports allow to establish a connection: name resolution, TCP
    /// and the TLS handshake (default 10 s), within the whole-call [`timeout`](Self::timeout).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// One deadline for the whole call (default 30 s), in the async and the blocking client
    /// alike: the waits for the rate limiter, every attempt and the delays between them all fit
    /// in it. A call ends no later than its deadline (give or take the scheduler): a retry that
    /// would end past it is not taken, the limiter is not waited on past it, and a request in
    /// flight when it passes is abandoned with [`TransportErrorKind::Timeout`], whose message
    /// says the server may have acted on it (a send may have been delivered).
    ///
    /// The async client cuts an attempt itself; the blocking client relies on its transport to
    /// honour the [`Deadline`] each request carries, which the built-in ureq transport does (a
    /// transport of your own that ignores it can make a blocking call overrun). To bound each
    /// attempt on its own as well, see [`attempt_timeout`](Self::attempt_timeout).
    ///
    /// [`TransportErrorKind::Timeout`]: cocoon_core::TransportErrorKind::Timeout
    /// [`Deadline`]: cocoon_core::transport::Deadline
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// A bound on each attempt's exchange, from resolving the host to the last byte of the
    /// answer, within the call's [`timeout`](Self::timeout) (default: none besides the call's
    /// deadline). An attempt that passes it fails with a timeout, retried as the retry policy
    /// says (reads and upserts only), while the call's deadline allows.
    ///
    /// The built-in transports apply it themselves; the async client also applies it to a
    /// transport of your own, the blocking client cannot.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// The largest answer body the built-in transports read (default 4 MiB); a larger one is a
    /// transport error, not an allocation.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// At most `requests_per_second` requests in any one-second window (default 10, the
    /// documented limit of a team), paced by a [`LocalLimiter`] of this client's own.
    pub fn rate_limit(mut self, requests_per_second: u32) -> Self {
        self.limiting = match NonZeroU32::new(requests_per_second) {
            Some(n) => Limiting::PerSecond(n),
            None => Limiting::Off,
        };
        self
    }

    /// How many requests the client's own [`LocalLimiter`] lets leave at once after a quiet
    /// spell, from 1 (the default) to the [`rate_limit`](Self::rate_limit); `build` refuses
    /// anything else with [`ConfigError::InvalidSetting`] (name `burst`). Whatever the burst,
    /// at most the rate leaves in any one-second window (with the limiter's safety margin).
    ///
    /// The default paces requests evenly, a period apart: a server that enforces even spacing
    /// (not just a count per second) answers a burst with 429s. Raise it when the server counts
    /// requests per window and a quiet client should send a handful at once without waiting.
    /// Not used with [`local_limiter`](Self::local_limiter) (that limiter has its own) or a
    /// limiter of your own.
    pub fn burst(mut self, burst: u32) -> Self {
        self.burst = burst;
        self
    }

    /// The longest pause one answer can impose on every caller of the client's own
    /// [`LocalLimiter`] (default [`DEFAULT_MAX_SERVER_PAUSE`], 60 s): a 429 whose `Retry-After`
    /// asks for more (twenty digits, a date in year 9999) pauses this long, never for ever.
    /// Not used with [`local_limiter`](Self::local_limiter) or a limiter of your own.
    pub fn max_server_pause(mut self, max: Duration) -> Self {
        self.max_server_pause = max;
        self
    }

    /// Turns client-side rate limiting off (429s are still retried).
    pub fn no_rate_limit(mut self) -> Self {
        self.limiting = Limiting::Off;
        self
    }

    /// Paces requests with this in-memory limiter, shared with every other client given a
    /// clone of it: one budget for several clients of one process (an async and a blocking
    /// one, or clients with different keys of one team).
    pub fn local_limiter(mut self, limiter: LocalLimiter) -> Self {
        self.limiting = Limiting::Local(limiter);
        self
    }

    /// Paces requests with a limiter of your own, for example one shared by several processes
    /// through Redis: an [`AsyncRateLimiter`] for the async client, a [`RateLimiter`] for the
    /// blocking one.
    pub fn rate_limiter(mut self, limiter: Arc<M::Limiter>) -> Self {
        self.limiting = Limiting::Custom(limiter);
        self
    }

    /// How long one attempt may wait for a permit (default [`DEFAULT_MAX_LIMITER_WAIT`], 60 s).
    /// Past it the call ends with [`Error::Limiter`] (kind `WaitTooLong`) instead of queueing
    /// on: the limiter refuses at once when the permit it would hand out is further away.
    ///
    /// This bound and the retry policy's [`RetryPolicy::max_total_wait`] are separate budgets:
    /// the first bounds each attempt's wait in the limiter's queue, the second the delays
    /// between attempts. Both fit within the call's
    /// [`timeout`](Self::timeout), the one deadline for the whole call. After a 429 the two overlap rather
    /// than add up: the retry sleeps until `Retry-After`, and by then the limiter's pause for
    /// that 429 has ended too.
    pub fn max_limiter_wait(mut self, max_wait: Duration) -> Self {
        self.max_limiter_wait = max_wait;
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Never retries.
    pub fn no_retries(mut self) -> Self {
        self.retry = RetryPolicy::never();
        self
    }

    fn shared(&self, transport_name: &str) -> Result<Shared<M::Limiter>, Error> {
        let key = ApiKey::new(self.api_key.as_deref().unwrap_or(""))?;
        let mut config = Config::builder(key)
            .auth_scheme(self.auth_scheme)
            .routes(self.routes.clone())
            .allow_insecure_http(self.allow_insecure_http)
            .user_agent(match &self.user_agent {
                Some(ua) => ua.clone(),
                None if transport_name.is_empty() => DEFAULT_USER_AGENT.to_owned(),
                None => format!("{DEFAULT_USER_AGENT} ({transport_name})"),
            });
        if let Some(url) = &self.base_url {
            config = config.base_url(url.clone());
        }
        let pacing = match &self.limiting {
            Limiting::PerSecond(n) => Pacing::Local(
                LocalLimiter::builder(*n)
                    .burst(self.burst)
                    .max_server_pause(self.max_server_pause)
                    .build()?,
            ),
            Limiting::Off => Pacing::Off,
            Limiting::Local(local) => Pacing::Local(local.clone()),
            Limiting::Custom(limiter) => Pacing::Custom(Arc::clone(limiter)),
        };
        if self.max_body_bytes == 0 {
            return Err(ConfigError::InvalidSetting {
                name: "max_body_bytes",
                reason: "it must be at least one byte".into(),
            }
            .into());
        }
        for (name, value) in [
            ("timeout", Some(self.timeout)),
            ("attempt_timeout", self.attempt_timeout),
        ] {
            if value == Some(Duration::ZERO) {
                return Err(ConfigError::InvalidSetting {
                    name,
                    reason: "it must be more than zero".into(),
                }
                .into());
            }
        }
        Ok(Shared::new(
            config.build()?,
            pacing,
            self.max_limiter_wait,
            self.retry.clone(),
        )
        .with_timeouts(self.timeout, self.attempt_timeout))
    }
}

impl ClientBuilder<Async> {
    /// Builds the async client on reqwest.
    #[cfg(feature = "reqwest")]
    pub fn build(self) -> Result<crate::Client, Error> {
        let shared = self.shared("reqwest")?;
        require_tls(&shared, cocoon_transport_reqwest::TLS_ENABLED)?;
        let mut transport = cocoon_transport_reqwest::ReqwestTransport::builder();
        for root in self.root_certificates {
            transport = transport.add_root_certificate(root);
        }
        let transport = transport
            .connect_timeout(self.connect_timeout)
            .timeout(self.attempt_timeout.unwrap_or(self.timeout))
            .max_body_bytes(self.max_body_bytes)
            .build()?;
        let transport: Box<dyn AsyncTransport> = Box::new(transport);
        Ok(crate::Client::from_parts(shared, transport))
    }

    /// Builds the async client on a transport of your own (timeouts and body cap are then the
    /// transport's business).
    pub fn build_with_transport<T: AsyncTransport>(
        self,
        transport: T,
    ) -> Result<crate::Client<T>, Error> {
        Ok(crate::Client::from_parts(self.shared("")?, transport))
    }
}

impl ClientBuilder<Blocking> {
    /// Builds the blocking client on ureq.
    #[cfg(feature = "ureq")]
    pub fn build(self) -> Result<crate::blocking::Client, Error> {
        let shared = self.shared("ureq")?;
        require_tls(&shared, cocoon_transport_ureq::TLS_ENABLED)?;
        let mut transport = cocoon_transport_ureq::UreqTransport::builder();
        for root in self.root_certificates {
            transport = transport.add_root_certificate(root);
        }
        let transport = transport
            .connect_timeout(self.connect_timeout)
            .timeout(self.attempt_timeout.unwrap_or(self.timeout))
            .max_body_bytes(self.max_body_bytes)
            .build()?;
        let transport: Box<dyn BlockingTransport> = Box::new(transport);
        Ok(crate::blocking::Client::from_parts(shared, transport))
    }

    /// Builds the blocking client on a transport of your own (timeouts and body cap are then
    /// the transport's business).
    pub fn build_with_transport<T: BlockingTransport>(
        self,
        transport: T,
    ) -> Result<crate::blocking::Client<T>, Error> {
        Ok(crate::blocking::Client::from_parts(
            self.shared("")?,
            transport,
        ))
    }
}

// TLS settings of the built-in transports.

impl<M: Mode> ClientBuilder<M> {
    /// Trusts `certificate` as a root (CA) certificate in addition to the platform's trust store,
    /// in the async and the blocking client alike; may be called several times. Both clients
    /// already trust the CAs installed in the operating system's store; this is for a CA that
    /// is not there (a company CA missing from a container, a staging or test CA).
    ///
    /// ```
    /// # #[cfg(feature = "reqwest")] {
    /// use cocoonmail::Certificate;
    ///
    /// # let pem = "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n";
    /// // let pem = std::fs::read("company-ca.pem")?;
    /// let builder = cocoonmail::Client::builder()
    ///     .api_key("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")
    ///     .base_url("https://cocoonmail.staging.example")
    ///     .add_root_certificate(Certificate::from_pem(pem)?);
    /// # }
    /// # Ok::<(), cocoonmail::CertificateError>(())
    /// ```
    ///
    /// Not used by `build_with_transport`: a transport of your own has its own TLS settings.
    pub fn add_root_certificate(mut self, certificate: Certificate) -> Self {
        self.root_certificates.push(certificate);
        self
    }
}

/// Refuses an `https` server for a transport built without TLS: without this, every call would
/// fail (and the first ones be retried) instead of `build` saying what is missing.
#[cfg(any(feature = "reqwest", feature = "ureq"))]
fn require_tls<L: ?Sized>(shared: &Shared<L>, transport_has_tls: bool) -> Result<(), Error> {
    let base_url = shared.config.base_url();
    let https = base_url
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"));
    if https && !transport_has_tls {
        return Err(ConfigError::InvalidSetting {
            name: "base_url",
            reason: "it is https, but TLS is not compiled in: enable the `rustls` (or \
                     `native-tls`) feature of cocoonmail"
                .into(),
        }
        .into());
    }
    Ok(())
}

#[cfg(all(
    test,
    any(feature = "reqwest", feature = "ureq"),
    not(any(feature = "rustls", feature = "native-tls"))
))]
mod tls_tests {
    const KEY: &str =
        "pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=";

    fn assert_tls_missing<T: std::fmt::Debug>(built: Result<T, crate::Error>) {
        let err = built.expect_err("an https base URL without TLS");
        assert!(
            matches!(
                err,
                crate::Error::Config(crate::ConfigError::InvalidSetting {
                    name: "base_url",
                    ..
                })
            ),
            "{err:?}"
        );
        let text = err.to_string();
        for word in ["TLS is not compiled in", "rustls", "native-tls"] {
            assert!(text.contains(word), "{text}");
        }
    }

    #[cfg(feature = "reqwest")]
    #[test]
    fn the_async_client_without_tls_refuses_https_at_build() {
        assert_tls_missing(crate::Client::builder().api_key(KEY).build());
        assert_tls_missing(
            crate::Client::builder()
                .api_key(KEY)
                .base_url("HTTPS://cocoonmail.staging.example")
                .build(),
        );
        assert!(crate::Client::builder()
            .api_key(KEY)
            .base_url("http://127.0.0.1:8025")
            .build()
            .is_ok());
    }

    #[cfg(feature = "ureq")]
    #[test]
    fn the_blocking_client_without_tls_refuses_https_at_build() {
        assert_tls_missing(crate::blocking::Client::builder().api_key(KEY).build());
        assert!(crate::blocking::Client::builder()
            .api_key(KEY)
            .base_url("http://127.0.0.1:8025")
            .build()
            .is_ok());
    }
}

impl<M: Mode> fmt::Debug for ClientBuilder<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("auth_scheme", &self.auth_scheme)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("burst", &self.burst)
            .field("max_server_pause", &self.max_server_pause)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("max_limiter_wait", &self.max_limiter_wait)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}
