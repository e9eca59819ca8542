//! The builder both limiters are made from, the bucket's key, and the Redis URL as it may be
//! shown.

use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

use cocoon_core::{ConfigError, DOCUMENTED_REQUESTS_PER_SECOND};
use sha2::{Digest, Sha256};

use crate::blocking;
use crate::conn::Topology;
#[cfg(feature = "tokio")]
use crate::RedisLimiter;

/// The default prefix of the keys the limiter keeps in Redis.
pub const DEFAULT_KEY_PREFIX: &str = "cocoonmail:ratelimit:";

/// The share of the team's budget a process keeps to itself while Redis is unreachable, when
/// it has not yet learned how many processes share the bucket (and no share was set): a
/// quarter. Once it has heard from Redis, a process uses `1 / N` for the `N` processes it
/// last saw there; see [`RedisLimiterBuilder::fallback_share`].
pub const DEFAULT_FALLBACK_SHARE: f64 = 0.25;

/// The default time Redis has to answer one round trip before the limiter counts it as down.
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_millis(250);

/// The default time between two attempts to reach Redis again while on the local budget.
pub const DEFAULT_PROBE_INTERVAL: Duration = Duration::from_secs(1);

/// The share of each request's period kept as a safety margin, in thousandths: slots are
/// `1.03 / rate` seconds apart, like the in-memory limiter's, so a server counting arrivals in a
/// sliding one-second window never sees more than `rate` even with a few milliseconds of jitter.
pub const SAFETY_MARGIN_PER_MILLE: u32 = 30;

/// How long the bucket's hash outlives its last slot or pause.
pub(crate) const KEY_GRACE: Duration = Duration::from_secs(1);

/// How long a process's presence in the bucket lasts after its latest round trip: the
/// processes seen within it are the `N` whose `1 / N` share each takes while Redis is down.
pub(crate) const PRESENCE: Duration = Duration::from_secs(10);

/// What a limiter does when Redis cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum WhenDown {
    /// Pace with a local budget of this share of the team's rate; `None`: `1 / N` for the `N`
    /// processes last seen in the bucket ([`DEFAULT_FALLBACK_SHARE`] before any was seen).
    Fallback(Option<f64>),
    /// Refuse every permit with `LimiterErrorKind::Unavailable`.
    FailClosed,
}

/// Builds an async `RedisLimiter` (feature `tokio`) or a [`blocking::RedisLimiter`]: the same
/// settings, the same bucket, so async and blocking processes can share one budget.
///
/// ```
/// use cocoon_limiter_redis::blocking::RedisLimiter;
/// # let key = "pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=";
/// let limiter = RedisLimiter::builder("redis://:secret@127.0.0.1:6379/0")
///     .api_key(key)
///     .fallback_share(1.0 / 3.0) // three processes share this key
///     .build_blocking()?;
/// // Neither the password nor the key shows.
/// let shown = format!("{limiter:?}");
/// assert!(!shown.contains("secret") && !shown.contains(key));
/// # Ok::<(), cocoon_core::ConfigError>(())
/// ```
#[derive(Clone)]
#[must_use]
pub struct RedisLimiterBuilder {
    url: String,
    bucket: Option<String>,
    rate: NonZeroU32,
    margin_per_mille: u32,
    prefix: String,
    when_down: WhenDown,
    response_timeout: Duration,
    probe_interval: Duration,
    max_server_pause: Duration,
    burst: NonZeroU32,
    topology: Topology,
    #[cfg(feature = "rustls")]
    tls_roots: Option<Vec<u8>>,
}

/// Everything a limiter needs once built.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) client: redis::Client,
    pub(crate) shown_url: String,
    pub(crate) key: String,
    pub(crate) period_us: u64,
    pub(crate) rate: NonZeroU32,
    pub(crate) when_down: WhenDown,
    pub(crate) response_timeout: Duration,
    pub(crate) probe_interval: Duration,
    pub(crate) max_server_pause: Duration,
    pub(crate) burst: NonZeroU32,
    pub(crate) topology: Topology,
    /// For `rediss://`: the limiter's own TLS session settings.
    #[cfg(feature = "rustls")]
    pub(crate) rustls: Option<crate::tls::Tls>,
}

impl RedisLimiterBuilder {
    pub(crate) fn new(url: impl Into<String>) -> Self {
        RedisLimiterBuilder {
            url: url.into(),
            bucket: None,
            rate: NonZeroU32::new(DOCUMENTED_REQUESTS_PER_SECOND).unwrap_or(NonZeroU32::MIN),
            margin_per_mille: SAFETY_MARGIN_PER_MILLE,
            prefix: DEFAULT_KEY_PREFIX.to_owned(),
            when_down: WhenDown::Fallback(None),
            response_timeout: DEFAULT_RESPONSE_TIMEOUT,
            probe_interval: DEFAULT_PROBE_INTERVAL,
            max_server_pause: cocoon_core::DEFAULT_MAX_SERVER_PAUSE,
            burst: NonZeroU32::MIN,
            topology: Topology::Detect,
            #[cfg(feature = "rustls")]
            tls_roots: None,
        }
    }

    /// Names the budget after this API key: every process given the same key (and Redis)
    /// shares one budget. Only a hash of the key (SHA-256) goes into the Redis key name; the
    /// key itself is not kept.
    pub fn api_key(mut self, key: impl AsRef<str>) -> Self {
        let digest = Sha256::digest(key.as_ref().trim().as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        self.bucket = Some(format!("key:{hex}"));
        self
    }

    /// Names the budget explicitly, for example after the team: processes using different API
    /// keys of one team share the team's budget when they use the same bucket name.
    pub fn bucket(mut self, name: impl AsRef<str>) -> Self {
        self.bucket = Some(format!("bucket:{}", name.as_ref()));
        self
    }

    /// The team's budget in requests per second (default 10, the documented limit). Slots are
    /// handed out `1.03 / rate` seconds apart ([`SAFETY_MARGIN_PER_MILLE`]).
    pub fn requests_per_second(mut self, rate: NonZeroU32) -> Self {
        self.rate = rate;
        self
    }

    /// The safety margin between two slots, in thousandths of the period (default
    /// [`SAFETY_MARGIN_PER_MILLE`], 30: slots `1.03 / rate` seconds apart). A request that leaves
    /// later than its slot by more than the margin adds up (`30 ms` at 10/s: a process that
    /// was descheduled that long on a busy host) can make one request too many within a second;
    /// a larger margin tolerates more, at the cost of rate.
    pub fn safety_margin_per_mille(mut self, margin: u32) -> Self {
        self.margin_per_mille = margin;
        self
    }

    /// The prefix of the limiter's keys in Redis (default [`DEFAULT_KEY_PREFIX`]).
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// While Redis cannot be reached, pace this process with a local budget of this share of
    /// the team's rate. Unset, the share is `1 / N` for the `N` processes the limiter last saw
    /// in the bucket (each keeps a presence there for 10 s after its latest round trip), and
    /// [`DEFAULT_FALLBACK_SHARE`] before it has seen any.
    ///
    /// With `N` processes sharing the budget, `1 / N` keeps the team's average rate within
    /// the limit during an outage. The processes' local schedules are not coordinated, though:
    /// against a server that counts any sliding second, they can line up so that one second
    /// holds a few too many (four processes at a quarter of 10/s, 412 ms apart each, can put
    /// 3 + 3 + 3 + 3 = 12 in one second), which it answers with 429s (retried, and pausing that
    /// process). For none at all, use a share at which each process sends at most
    /// `rate / N` in any second: `1 / (2N)` at 10/s for four processes (at most 2 each). A
    /// larger share trades 429s during an outage for throughput.
    pub fn fallback_share(mut self, share: f64) -> Self {
        self.when_down = WhenDown::Fallback(Some(share));
        self
    }

    /// While Redis cannot be reached, refuse every permit with a [`cocoon_core::LimiterError`]
    /// of kind [`Unavailable`](cocoon_core::LimiterErrorKind::Unavailable) instead of falling
    /// back to a local budget.
    pub fn fail_closed(mut self) -> Self {
        self.when_down = WhenDown::FailClosed;
        self
    }

    /// How long Redis has to answer one round trip (connecting included) before the limiter
    /// counts it as down (default [`DEFAULT_RESPONSE_TIMEOUT`]): a hung Redis delays a call by
    /// at most this much.
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// How often, at most, a limiter on its local budget tries Redis again (default
    /// [`DEFAULT_PROBE_INTERVAL`]).
    pub fn probe_interval(mut self, interval: Duration) -> Self {
        self.probe_interval = interval;
        self
    }

    /// The longest pause an answer may impose (default
    /// [`cocoon_core::DEFAULT_MAX_SERVER_PAUSE`], 60 s): a 429's `Retry-After` or a full
    /// window's reset further away is cut to this, here and inside Redis (where a pause holds
    /// every process of the bucket), so one wild header cannot stall the fleet.
    pub fn max_server_pause(mut self, cap: Duration) -> Self {
        self.max_server_pause = cap;
        self
    }

    /// Up to `n` permits at once after the bucket was idle (default 1: none at once). The
    /// shared schedule still never hands out more than the rate in any window of one second
    /// (with the safety margin): a burst borrows from the second that follows it. Give every
    /// process of the bucket the same burst.
    pub fn burst(mut self, n: NonZeroU32) -> Self {
        self.burst = n;
        self
    }

    /// Whether the URL names one server or a node of a Redis Cluster (default
    /// [`Topology::Detect`]: the first connection asks the server with `INFO cluster`).
    ///
    /// On a cluster the bucket stays one key, so each round trip is one script run on the node
    /// owning the key's slot; `MOVED` and `ASK` answers (resharding, a replica promoted) are
    /// followed, not taken for an outage. While the node owning the slot is down and no replica
    /// has taken over, the cluster refuses the slot and the limiter paces on its local budget
    /// until the slot is served again.
    ///
    /// Redis Sentinel: give the URL of the current primary (or of a proxy or DNS name that
    /// follows it), with [`Topology::Standalone`] or the default. The limiter does not ask the
    /// sentinels where the primary is: after a failover it falls back to its local budget until
    /// the URL leads to a primary again (a replica answers the script's writes with `READONLY`,
    /// which the limiter counts as Redis being down).
    pub fn topology(mut self, topology: Topology) -> Self {
        self.topology = topology;
        self
    }

    /// For `rediss://`: trust only these CA certificates (PEM, one or more) for the Redis
    /// server's certificate, instead of the platform's root certificates (feature `rustls`).
    ///
    /// The limiter makes its own rustls configuration with aws-lc-rs and never installs a
    /// process-wide rustls provider, so your program may install its own, before or after.
    #[cfg(feature = "rustls")]
    pub fn tls_root_certificates(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls_roots = Some(pem.into());
        self
    }

    /// The async limiter, on redis-rs's auto-reconnecting connection (it connects on first
    /// use, inside the caller's Tokio runtime).
    #[cfg(feature = "tokio")]
    pub fn build(self) -> Result<RedisLimiter, ConfigError> {
        Ok(RedisLimiter::from_settings(self.settings()?))
    }

    /// The blocking limiter, on a plain connection it opens again after errors.
    pub fn build_blocking(self) -> Result<blocking::RedisLimiter, ConfigError> {
        Ok(blocking::RedisLimiter::from_settings(self.settings()?))
    }

    pub(crate) fn settings(self) -> Result<Settings, ConfigError> {
        let invalid = |name, reason: &str| ConfigError::InvalidSetting {
            name,
            reason: reason.to_owned(),
        };
        let shown_url = redact_url(&self.url);
        let not_a_url = || invalid("redis_url", &format!("{shown_url:?} is not a Redis URL"));
        if cfg!(not(any(feature = "rustls", feature = "native-tls")))
            && self.url.to_ascii_lowercase().starts_with("rediss://")
        {
            return Err(invalid(
                "redis_url",
                "rediss:// needs TLS: the `rustls` or `native-tls` feature",
            ));
        }
        let (client, tls) = open(&self.url).ok_or_else(not_a_url)?;
        #[cfg(feature = "rustls")]
        let rustls = match tls {
            Some((host, port)) => {
                if self.topology == Topology::Cluster {
                    return Err(invalid(
                        "topology",
                        "a Redis Cluster over rediss:// is not supported",
                    ));
                }
                let roots = self.tls_roots.as_deref();
                Some(
                    crate::tls::Tls::new(&host, port, roots)
                        .map_err(|reason| invalid("tls_root_certificates", &reason))?,
                )
            }
            None => None,
        };
        #[cfg(not(feature = "rustls"))]
        let _ = tls;
        let Some(bucket) = self.bucket else {
            return Err(invalid(
                "bucket",
                "name the budget with api_key(..) or bucket(..)",
            ));
        };
        if let WhenDown::Fallback(Some(share)) = self.when_down {
            if !(share > 0.0 && share <= 1.0) {
                return Err(invalid(
                    "fallback_share",
                    "it must be more than 0 and at most 1",
                ));
            }
        }
        if self.response_timeout.is_zero() || self.probe_interval.is_zero() {
            return Err(invalid(
                "response_timeout",
                "timeouts and the probe interval must be more than zero",
            ));
        }
        Ok(Settings {
            client,
            shown_url,
            key: format!("{}{bucket}", self.prefix),
            period_us: period_us(self.rate, self.margin_per_mille),
            rate: self.rate,
            when_down: self.when_down,
            response_timeout: self.response_timeout,
            probe_interval: self.probe_interval,
            max_server_pause: self.max_server_pause,
            burst: self.burst,
            topology: self.topology,
            #[cfg(feature = "rustls")]
            rustls,
        })
    }
}

/// The redis-rs client for `url`, and for `rediss://` with the `rustls` feature the host and
/// port the limiter opens its own TLS session to (the client then holds the same URL as
/// `redis://`, for the password and the database). `None` when it is not a Redis URL, or
/// names TLS that this build cannot speak.
fn open(url: &str) -> Option<(redis::Client, Option<(String, u16)>)> {
    let scheme_end = url.find("://")?;
    let tls = url[..scheme_end].eq_ignore_ascii_case("rediss");
    if !tls || cfg!(not(feature = "rustls")) {
        return redis::Client::open(url).ok().map(|client| (client, None));
    }
    // A fragment (`#insecure`) would turn certificate checks off: not offered.
    if url.contains('#') {
        return None;
    }
    let client = redis::Client::open(format!("redis{}", &url[scheme_end..])).ok()?;
    let redis::ConnectionAddr::Tcp(host, port) = client.get_connection_info().addr().clone() else {
        return None;
    };
    Some((client, Some((host, port))))
}

impl fmt::Debug for RedisLimiterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLimiterBuilder")
            .field("url", &redact_url(&self.url))
            .field("bucket", &self.bucket)
            .field("rate", &self.rate)
            .field("margin_per_mille", &self.margin_per_mille)
            .field("prefix", &self.prefix)
            .field("when_down", &self.when_down)
            .field("response_timeout", &self.response_timeout)
            .field("probe_interval", &self.probe_interval)
            .field("max_server_pause", &self.max_server_pause)
            .field("burst", &self.burst)
            .field("topology", &self.topology)
            .finish_non_exhaustive()
    }
}

/// Microseconds between two slots at `rate` per second, with a margin in thousandths.
pub(crate) fn period_us(rate: NonZeroU32, margin_per_mille: u32) -> u64 {
    (1_000_000 * (1000 + u64::from(margin_per_mille)) / 1000 / u64::from(rate.get())).max(1)
}

/// The URL with its password (if any) replaced, fit for logs and errors.
pub(crate) fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return "<not a URL>".to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    let userinfo = &rest[..at];
    let user = userinfo.split(':').next().unwrap_or("");
    let shown_userinfo = if userinfo.contains(':') {
        format!("{user}:<redacted>")
    } else {
        // `redis://secret@host` puts the password where the user would be.
        "<redacted>".to_owned()
    };
    format!("{}{shown_userinfo}{}", &url[..scheme_end + 3], &rest[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        for (url, shown) in [
            ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379"),
            ("redis://:hunter2@h:6379/0", "redis://:<redacted>@h:6379/0"),
            ("rediss://alice:p@ss@h/1", "rediss://alice:<redacted>@h/1"),
            ("redis://hunter2@h", "redis://<redacted>@h"),
            ("hunter2", "<not a URL>"),
        ] {
            assert_eq!(redact_url(url), shown);
        }
    }

    #[test]
    fn the_key_name_holds_a_hash_of_the_api_key_not_the_key() {
        let key = "pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=";
        let settings = RedisLimiterBuilder::new("redis://127.0.0.1/")
            .api_key(key)
            .settings()
            .unwrap();
        assert!(settings.key.starts_with("cocoonmail:ratelimit:key:"));
        assert_eq!(settings.key.len(), "cocoonmail:ratelimit:key:".len() + 32);
        assert!(!settings.key.contains("pbkdf2"));
        let same = RedisLimiterBuilder::new("redis://127.0.0.1/")
            .api_key(format!(" {key}\n"))
            .settings()
            .unwrap();
        assert_eq!(settings.key, same.key);
    }

    #[test]
    fn bad_settings_are_refused() {
        let base = || RedisLimiterBuilder::new("redis://127.0.0.1/").bucket("team");
        assert!(base().settings().is_ok());
        assert!(RedisLimiterBuilder::new("redis://127.0.0.1/")
            .settings()
            .is_err());
        assert!(RedisLimiterBuilder::new("http://:pw@127.0.0.1/")
            .bucket("t")
            .settings()
            .is_err_and(|e| !e.to_string().contains("pw")));
        for share in [0.0, -1.0, 1.5, f64::NAN] {
            assert!(base().fallback_share(share).settings().is_err());
        }
        assert!(base().response_timeout(Duration::ZERO).settings().is_err());
    }

    #[test]
    fn the_period_keeps_the_safety_margin() {
        assert_eq!(period_us(NonZeroU32::new(10).unwrap(), 30), 103_000);
        assert_eq!(period_us(NonZeroU32::MIN, 30), 1_030_000);
        assert_eq!(period_us(NonZeroU32::new(10).unwrap(), 50), 105_000);
    }
}
