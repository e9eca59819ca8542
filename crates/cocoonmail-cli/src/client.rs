//! The client every command uses: the key from the environment or a file (never from the
//! command line), the server, the rate limit (in this process, or shared with every process of
//! the team through Redis with `--redis-url`), and a transport that counts 429 answers.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use cocoonmail::blocking::Client;
use cocoonmail::core::DEFAULT_USER_AGENT;
use cocoonmail::ureq_transport::UreqTransport;
use cocoonmail::{
    BlockingTransport, TransportError, TransportErrorKind, ENV_API_KEY, ENV_BASE_URL,
};
use http::{Request, Response, StatusCode};

use crate::cli::GlobalArgs;
use crate::exit::{Exit, Failure};

/// The client the commands use: the blocking client over ureq, with 429s counted.
pub(crate) type CliClient = Client<CliTransport<UreqTransport>>;

/// How requests are paced.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pacing {
    /// The SDK's default: 10 requests per second in this process.
    Default,
    /// `--rate N`: N requests per second in this process (0: no client-side limit).
    PerSecond(u32),
    /// `--redis-url URL`: one budget for every process of the team, through Redis; `--rate N`
    /// is then the team's rate (default 10), `--redis-bucket NAME` its name (default: a hash
    /// of the API key).
    Redis {
        url: String,
        bucket: Option<String>,
        rate: Option<u32>,
    },
}

/// Where `--redis-url` may come from instead, so a password need not show in `ps`.
pub(crate) const ENV_REDIS_URL: &str = "COCOONMAIL_REDIS_URL";

/// Everything needed to build a client, read once from the global options and the
/// environment.
#[derive(Debug)]
pub(crate) struct ClientOptions {
    key_file: Option<PathBuf>,
    base_url: Option<String>,
    pacing: Pacing,
    burst: Option<u32>,
}

impl ClientOptions {
    /// Reads the global options. Refuses a key given on the command line.
    pub(crate) fn from_args(args: &GlobalArgs) -> Result<Self, Failure> {
        if args.api_key.is_some() {
            return Err(Failure::usage(format!(
                "the API key is never accepted on the command line (it would show in `ps` and \
                 in shell history): set {ENV_API_KEY} or use --api-key-file PATH"
            )));
        }
        Ok(ClientOptions {
            key_file: args.api_key_file.clone(),
            base_url: args.base_url.clone(),
            pacing: match (redis_url(args), args.rate) {
                (Some(url), rate) => Pacing::Redis {
                    url,
                    bucket: args.redis_bucket.clone(),
                    rate,
                },
                (None, Some(n)) => Pacing::PerSecond(n),
                (None, None) => Pacing::Default,
            },
            burst: args.burst,
        })
    }

    /// Builds the client. The key comes from `--api-key-file` when given, else from
    /// `COCOONMAIL_API_KEY`.
    pub(crate) fn build(&self) -> Result<CliClient, Failure> {
        let key = match &self.key_file {
            Some(path) => read_key_file(path)?,
            None => match std::env::var(ENV_API_KEY) {
                Ok(key) if !key.trim().is_empty() => key,
                _ => {
                    return Err(Failure::new(
                        Exit::Auth,
                        format!("no API key: set {ENV_API_KEY} or use --api-key-file PATH"),
                    ))
                }
            },
        };
        let mut builder = Client::builder().api_key(key.trim()).user_agent(format!(
            "{DEFAULT_USER_AGENT} (ureq; cocoonmail-cli/{})",
            env!("CARGO_PKG_VERSION")
        ));
        let base_url = self
            .base_url
            .clone()
            .or_else(|| std::env::var(ENV_BASE_URL).ok())
            .filter(|url| !url.trim().is_empty());
        if let Some(url) = base_url {
            builder = builder.base_url(url);
        }
        builder = match &self.pacing {
            Pacing::Default => builder.burst(self.burst.unwrap_or(1)),
            Pacing::PerSecond(n) => builder.rate_limit(*n).burst(self.burst.unwrap_or(1)),
            Pacing::Redis { url, bucket, rate } => {
                let mut limiter = cocoonmail::redis::blocking::RedisLimiter::builder(url.clone());
                limiter = match bucket {
                    Some(name) => limiter.bucket(name),
                    None => limiter.api_key(key.trim()),
                };
                if let Some(rate) = rate {
                    let rate = NonZeroU32::new(*rate).ok_or_else(|| {
                        Failure::usage("--rate must be at least 1 with --redis-url")
                    })?;
                    limiter = limiter.requests_per_second(rate);
                }
                if let Some(burst) = self.burst {
                    let burst = NonZeroU32::new(burst)
                        .ok_or_else(|| Failure::usage("--burst must be at least 1"))?;
                    limiter = limiter.burst(burst);
                }
                let limiter = limiter.build_blocking().map_err(cocoonmail::Error::from)?;
                builder.rate_limiter(Arc::new(limiter))
            }
        };
        let transport = UreqTransport::builder()
            .connect_timeout(cocoonmail::builder::DEFAULT_CONNECT_TIMEOUT)
            .timeout(cocoonmail::builder::DEFAULT_TIMEOUT)
            .max_body_bytes(cocoonmail::builder::DEFAULT_MAX_BODY_BYTES)
            .build()
            .map_err(cocoonmail::Error::from)?;
        Ok(builder.build_with_transport(CliTransport::new(transport))?)
    }
}

/// `--redis-url`, else `COCOONMAIL_REDIS_URL` when set and not blank.
fn redis_url(args: &GlobalArgs) -> Option<String> {
    args.redis_url
        .clone()
        .or_else(|| std::env::var(ENV_REDIS_URL).ok())
        .filter(|url| !url.trim().is_empty())
}

/// The first line of the key file, trimmed.
fn read_key_file(path: &Path) -> Result<String, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::new(
            Exit::Auth,
            format!("cannot read the API key file {}: {e}", path.display()),
        )
    })?;
    let key = text.lines().next().unwrap_or("").trim();
    if key.is_empty() {
        return Err(Failure::new(
            Exit::Auth,
            format!("the API key file {} is empty", path.display()),
        ));
    }
    Ok(key.to_owned())
}

/// The transport of the commands: the real one, counting the 429 answers going through it
/// (the client retries them, so they never reach the caller as errors), behind a gate an
/// import closes when its journal cannot be written: no request may leave without its record.
#[derive(Debug)]
pub(crate) struct CliTransport<T> {
    inner: T,
    too_many_requests: AtomicU64,
    gate: Arc<Gate>,
}

/// Closed, it lets no request out.
#[derive(Debug, Default)]
pub(crate) struct Gate(AtomicBool);

impl Gate {
    /// Lets no more requests out.
    pub(crate) fn close(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn is_closed(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

impl<T> CliTransport<T> {
    fn new(inner: T) -> Self {
        CliTransport {
            inner,
            too_many_requests: AtomicU64::new(0),
            gate: Arc::default(),
        }
    }

    /// How many 429 answers came back so far.
    pub(crate) fn too_many_requests(&self) -> u64 {
        self.too_many_requests.load(Ordering::Relaxed)
    }

    /// The gate requests pass.
    pub(crate) fn gate(&self) -> Arc<Gate> {
        Arc::clone(&self.gate)
    }
}

/// What a request meets at a closed gate.
pub(crate) const GATE_CLOSED: &str = "not sent: the import journal could not be written";

impl<T: BlockingTransport> BlockingTransport for CliTransport<T> {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        if self.gate.is_closed() {
            return Err(TransportError::new(TransportErrorKind::Other, GATE_CLOSED));
        }
        let answer = self.inner.send(request);
        if let Ok(response) = &answer {
            if response.status() == StatusCode::TOO_MANY_REQUESTS {
                self.too_many_requests.fetch_add(1, Ordering::Relaxed);
            }
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_gate_lets_no_request_out_and_429s_are_counted() {
        use std::sync::atomic::AtomicUsize;
        let calls = AtomicUsize::new(0);
        let inner = |_req: Request<Vec<u8>>| {
            calls.fetch_add(1, Ordering::SeqCst);
            let mut answer = Response::new(Vec::new());
            *answer.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            Ok(answer)
        };
        let transport = CliTransport::new(inner);
        let request = || Request::new(Vec::new());
        assert!(transport.send(request()).is_ok());
        assert_eq!(transport.too_many_requests(), 1);
        transport.gate().close();
        let refused = transport.send(request()).unwrap_err();
        assert_eq!(refused.message, GATE_CLOSED);
        assert_eq!(calls.load(Ordering::SeqCst), 1, "nothing went out");
    }

    #[test]
    fn the_key_file_gives_its_first_line_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "  pbkdf2_sha256$1$abc$def=  \nsecond line\n").unwrap();
        assert_eq!(read_key_file(&path).unwrap(), "pbkdf2_sha256$1$abc$def=");
        std::fs::write(&path, "\n").unwrap();
        let failure = read_key_file(&path).unwrap_err();
        assert_eq!(failure.exit, Exit::Auth);
        let failure = read_key_file(&dir.path().join("missing")).unwrap_err();
        assert_eq!(failure.exit, Exit::Auth);
    }
}
