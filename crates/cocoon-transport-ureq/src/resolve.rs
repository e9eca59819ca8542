//! Name resolution bounded by the connect timeout, without a thread per request.
//!
//! ureq resolves the host of every request, pooled connection or not. Its default resolver
//! bounds a lookup by starting a thread for it whenever any timeout covers resolution, which
//! a whole-call deadline always does: a thread per request. This resolver instead
//!
//! - answers an IP-literal host (`127.0.0.1`, `[::1]`) at once, with no lookup and no thread;
//! - hands a host name to a lookup thread kept from earlier lookups (starting one only when
//!   every kept thread is busy, as reqwest's blocking pool does), and waits for the answer no
//!   longer than the connect timeout and the call's deadline allow. A thread left idle for
//!   [`KEEP_IDLE`] ends.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use std::{fmt, io, thread};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::NextTimeout;

/// How long a lookup thread waits for another lookup before it ends.
pub(crate) const KEEP_IDLE: Duration = Duration::from_secs(10);

/// The resolver of the agents this crate builds.
pub(crate) struct PooledResolver {
    connect_timeout: Duration,
    lookups: Arc<Lookups>,
}

impl PooledResolver {
    /// A resolver that allows a lookup at most `connect_timeout`.
    pub(crate) fn new(connect_timeout: Duration) -> Self {
        PooledResolver {
            connect_timeout,
            lookups: Arc::new(Lookups::default()),
        }
    }
}

impl Resolver for PooledResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host_port = uri
            .scheme()
            .zip(uri.authority())
            .and_then(|(scheme, authority)| DefaultResolver::host_and_port(scheme, authority));
        let (Some(host), Some(host_port)) = (uri.host(), host_port) else {
            // Not a URL ureq can reach: its own resolver says why, without looking anything up.
            return DefaultResolver::default().resolve(uri, config, without_deadline(timeout));
        };
        if is_ip_literal(host) {
            // The standard library parses an address literal without asking the system resolver.
            return DefaultResolver::default().resolve(uri, config, without_deadline(timeout));
        }

        let (limit, reason) = if *timeout.after <= self.connect_timeout {
            (*timeout.after, timeout.reason)
        } else {
            (self.connect_timeout, ureq::Timeout::Resolve)
        };
        let found = match self.lookups.lookup(host_port, limit) {
            Ok(found) => found,
            Err(Failure::TimedOut) => return Err(ureq::Error::Timeout(reason)),
            Err(Failure::Io(e)) => return Err(ureq::Error::Io(e)),
        };
        let mut addrs = self.empty();
        for addr in config.ip_family().keep_wanted(found.into_iter()) {
            if addrs.try_push(addr).is_err() {
                break;
            }
        }
        if addrs.is_empty() {
            Err(ureq::Error::HostNotFound)
        } else {
            Ok(addrs)
        }
    }
}

impl fmt::Debug for PooledResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PooledResolver")
            .field("connect_timeout", &self.connect_timeout)
            .finish_non_exhaustive()
    }
}

fn without_deadline(timeout: NextTimeout) -> NextTimeout {
    NextTimeout {
        after: UreqDuration::NotHappening,
        ..timeout
    }
}

/// Whether `host` (as a URI holds it: IPv6 in brackets) is an IP address.
fn is_ip_literal(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<IpAddr>().is_ok()
}

enum Failure {
    TimedOut,
    Io(io::Error),
}

/// One lookup for a thread: the `host:port` and where to send the answer.
type Job = (String, mpsc::SyncSender<io::Result<Vec<SocketAddr>>>);

/// The lookup threads waiting for work.
#[derive(Default)]
struct Lookups {
    idle: Mutex<Vec<(u64, mpsc::Sender<Job>)>>,
    next_id: AtomicU64,
}

impl Lookups {
    /// Looks `host_port` up on an idle thread (or a new one), waiting at most `limit`.
    fn lookup(
        self: &Arc<Self>,
        host_port: String,
        limit: Duration,
    ) -> Result<Vec<SocketAddr>, Failure> {
        let (reply, answer) = mpsc::sync_channel(1);
        let mut job = (host_port, reply);
        loop {
            let worker = self.idle().pop();
            match worker {
                Some((_, worker)) => match worker.send(job) {
                    Ok(()) => break,
                    // Cannot happen (a thread leaves the idle list before it ends); try another.
                    Err(mpsc::SendError(back)) => job = back,
                },
                None => {
                    self.start(job).map_err(Failure::Io)?;
                    break;
                }
            }
        }
        match answer.recv_timeout(limit) {
            Ok(result) => result.map_err(Failure::Io),
            Err(RecvTimeoutError::Timeout) => Err(Failure::TimedOut),
            Err(RecvTimeoutError::Disconnected) => Err(Failure::Io(io::Error::other(
                "the name lookup thread stopped",
            ))),
        }
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<(u64, mpsc::Sender<Job>)>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a lookup thread with `first` as its first job.
    fn start(self: &Arc<Self>, first: Job) -> io::Result<()> {
        let (sender, jobs) = mpsc::channel();
        sender
            .send(first)
            .expect("the receiver is alive in this scope");
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let lookups = Arc::clone(self);
        thread::Builder::new()
            .name("cocoonmail-lookup".into())
            .spawn(move || lookups.work(id, &sender, &jobs))?;
        Ok(())
    }

    /// Runs lookups until none came for [`KEEP_IDLE`].
    fn work(&self, id: u64, me: &mpsc::Sender<Job>, jobs: &mpsc::Receiver<Job>) {
        let mut next = jobs.recv().ok();
        while let Some((host_port, reply)) = next {
            let found = host_port.to_socket_addrs().map(Iterator::collect);
            // Back on the idle list before answering, so the caller's next lookup finds it.
            self.idle().push((id, me.clone()));
            // The caller may have given up waiting; nothing to do then.
            let _ = reply.send(found);
            next = match jobs.recv_timeout(KEEP_IDLE) {
                Ok(job) => Some(job),
                Err(_) => {
                    let mut idle = self.idle();
                    match idle.iter().position(|(other, _)| *other == id) {
                        Some(at) => {
                            idle.remove(at);
                            None
                        }
                        // A caller took this thread off the list just now: its job is coming.
                        None => {
                            drop(idle);
                            jobs.recv().ok()
                        }
                    }
                }
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_literals_are_recognised() {
        for literal in ["127.0.0.1", "[::1]", "[fe80::1]", "10.0.0.1"] {
            assert!(is_ip_literal(literal), "{literal}");
        }
        for name in ["localhost", "webhook.cocoonmail.com", "[localhost]", "::1x"] {
            assert!(!is_ip_literal(name), "{name}");
        }
    }

    #[test]
    fn a_literal_is_answered_without_a_lookup_thread() {
        let resolver = PooledResolver::new(Duration::from_secs(1));
        let uri: Uri = "http://127.0.0.1:8025/webhook".parse().unwrap();
        let addrs = resolver
            .resolve(&uri, &Config::default(), NextTimeout::default())
            .unwrap();
        assert_eq!(addrs[0], "127.0.0.1:8025".parse().unwrap());
        assert_eq!(resolver.lookups.next_id.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_name_is_looked_up_on_one_kept_thread() {
        let resolver = PooledResolver::new(Duration::from_secs(10));
        let uri: Uri = "http://localhost:8025/webhook".parse().unwrap();
        for _ in 0..3 {
            let addrs = resolver
                .resolve(&uri, &Config::default(), NextTimeout::default())
                .expect("localhost resolves");
            assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
        }
        // One after the other, the three lookups were served by the same thread.
        assert_eq!(resolver.lookups.next_id.load(Ordering::Relaxed), 1);
        assert_eq!(resolver.lookups.idle().len(), 1);
    }

    #[test]
    fn an_unknown_scheme_is_refused_without_a_lookup() {
        let resolver = PooledResolver::new(Duration::from_secs(1));
        let uri: Uri = "ftp://example.com/x".parse().unwrap();
        let err = resolver
            .resolve(&uri, &Config::default(), NextTimeout::default())
            .unwrap_err();
        assert!(matches!(err, ureq::Error::BadUri(_)), "{err}");
        assert_eq!(resolver.lookups.next_id.load(Ordering::Relaxed), 0);
    }
}
