//! How both limiters reach Redis: one server, or any node of a Redis Cluster.
//!
//! The URL names one server. Unless the builder says which it is
//! ([`RedisLimiterBuilder::topology`](crate::RedisLimiterBuilder::topology)), the first
//! connection asks it (`INFO cluster`): a node with `cluster_enabled:1` is the way into a
//! cluster, and the limiter then talks to the cluster through redis-rs's cluster client, which
//! sends the script to the node owning the bucket's slot and follows `MOVED` and `ASK` when
//! the slot moves. The bucket is one key, so every round trip stays one script run on one node.

use std::time::Duration;

use cocoon_core::LimiterError;
use redis::{ConnectionLike, RedisResult, ScriptInvocation, Value};

use crate::config::Settings;
use crate::io;

/// Which kind of deployment the URL leads to (see
/// [`RedisLimiterBuilder::topology`](crate::RedisLimiterBuilder::topology)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Topology {
    /// Ask the server on the first connection (`INFO cluster`), and again on each new one: a
    /// node with cluster mode on means a cluster, anything else one server (the default).
    #[default]
    Detect,
    /// One server (or a Sentinel-managed primary's own address): no `INFO` asked.
    Standalone,
    /// A Redis Cluster, the URL being any of its nodes.
    Cluster,
}

/// Whether `INFO cluster`'s answer says cluster mode is on.
fn cluster_enabled(info: &str) -> bool {
    info.lines()
        .any(|line| line.trim().eq_ignore_ascii_case("cluster_enabled:1"))
}

/// How many times the cluster client tries a node again (after `MOVED`/`ASK`, or while the
/// slots are changing hands) within one round trip; the response timeout bounds it in all.
const CLUSTER_RETRIES: u32 = 3;

fn cluster_builder(settings: &Settings) -> redis::cluster::ClusterClientBuilder {
    let timeout = settings.response_timeout;
    redis::cluster::ClusterClientBuilder::new([settings.client.get_connection_info().clone()])
        .connection_timeout(timeout)
        .response_timeout(timeout)
        .retries(CLUSTER_RETRIES)
        .min_retry_wait(10)
        .max_retry_wait(u64::try_from(timeout.as_millis() / 2).unwrap_or(u64::MAX))
}

/// The blocking limiter's connection.
pub(crate) enum Blocking {
    /// One server.
    Single(redis::Connection),
    /// A cluster, through any of its nodes.
    Cluster(Box<redis::cluster::ClusterConnection>),
    /// One server over the limiter's own TLS session.
    #[cfg(feature = "rustls")]
    Tls(Box<crate::tls::BlockingTls>),
}

impl Blocking {
    /// Connects, asking the server what it is unless the settings say.
    pub(crate) fn connect(settings: &Settings) -> Result<Blocking, LimiterError> {
        let timeout = settings.response_timeout;
        #[cfg(feature = "rustls")]
        if let Some(tls) = &settings.rustls {
            let info = settings.client.get_connection_info().redis_settings();
            let mut single = crate::tls::BlockingTls::connect(tls, info, timeout)
                .map_err(|e| io::failed(settings, e))?;
            if settings.topology == Topology::Detect && is_cluster(settings, &mut single)? {
                return Err(cluster_over_tls(settings));
            }
            return Ok(Blocking::Tls(Box::new(single)));
        }
        if settings.topology != Topology::Cluster {
            let mut single = single_blocking(settings, timeout)?;
            if settings.topology == Topology::Standalone || !is_cluster(settings, &mut single)? {
                return Ok(Blocking::Single(single));
            }
        }
        let cluster = cluster_builder(settings)
            .build()
            .and_then(|client| client.get_connection())
            .map_err(|e| io::failed(settings, e))?;
        Ok(Blocking::Cluster(Box::new(cluster)))
    }

    /// Runs the script.
    pub(crate) fn invoke(&mut self, invocation: &ScriptInvocation<'_>) -> RedisResult<Value> {
        let connection: &mut dyn ConnectionLike = match self {
            Blocking::Single(single) => single,
            Blocking::Cluster(cluster) => &mut **cluster,
            #[cfg(feature = "rustls")]
            Blocking::Tls(tls) => &mut **tls,
        };
        invocation.invoke::<Value>(connection)
    }
}

fn single_blocking(
    settings: &Settings,
    timeout: Duration,
) -> Result<redis::Connection, LimiterError> {
    let connection = settings
        .client
        .get_connection_with_timeout(timeout)
        .map_err(|e| io::failed(settings, e))?;
    connection
        .set_read_timeout(Some(timeout))
        .and_then(|()| connection.set_write_timeout(Some(timeout)))
        .map_err(|e| io::failed(settings, e))?;
    Ok(connection)
}

/// Whether the server is a cluster node. A server that refuses `INFO` (renamed or forbidden
/// by an ACL) is taken for one server; a connection that fails is an error.
fn is_cluster(
    settings: &Settings,
    connection: &mut dyn ConnectionLike,
) -> Result<bool, LimiterError> {
    match redis::cmd("INFO")
        .arg("cluster")
        .query::<String>(connection)
    {
        Ok(info) => Ok(cluster_enabled(&info)),
        Err(e) if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() => {
            Err(io::failed(settings, e))
        }
        Err(_) => Ok(false),
    }
}

/// A cluster node behind `rediss://`: the limiter's own TLS does not reach a cluster's other
/// nodes, so it says so rather than sending the script to whichever node the URL names.
#[cfg(feature = "rustls")]
fn cluster_over_tls(settings: &Settings) -> LimiterError {
    LimiterError::unavailable(format!(
        "Redis at {} is a Redis Cluster node: a cluster over rediss:// is not supported",
        settings.shown_url
    ))
}

#[cfg(feature = "tokio")]
pub(crate) use self::aio::Async;

#[cfg(feature = "tokio")]
mod aio {
    use std::time::Duration;

    use cocoon_core::LimiterError;
    use redis::aio::{ConnectionManager, ConnectionManagerConfig};
    use redis::{RedisResult, ScriptInvocation, Value};

    use super::{cluster_builder, cluster_enabled, Topology};
    use crate::config::Settings;
    use crate::io;

    /// The async limiter's connection; clones share it.
    #[derive(Clone)]
    pub(crate) enum Async {
        /// One server, on redis-rs's auto-reconnecting connection.
        Single(ConnectionManager),
        /// A cluster, through any of its nodes (the cluster client reconnects by itself).
        Cluster(redis::cluster_async::ClusterConnection),
        /// One server over the limiter's own TLS session (made again after an error).
        #[cfg(feature = "rustls")]
        Tls(redis::aio::MultiplexedConnection),
    }

    impl Async {
        /// Connects, asking the server what it is unless the settings say. Forced to one
        /// server, nothing is sent before the first round trip.
        pub(crate) async fn connect(settings: &Settings) -> Result<Async, LimiterError> {
            let failed = |e| io::failed(settings, e);
            #[cfg(feature = "rustls")]
            if let Some(tls) = &settings.rustls {
                let info = settings.client.get_connection_info().redis_settings();
                let mut single = tls
                    .connect_async(info, settings.response_timeout)
                    .await
                    .map_err(failed)?;
                if settings.topology == Topology::Detect {
                    let info = redis::cmd("INFO")
                        .arg("cluster")
                        .query_async::<String>(&mut single)
                        .await;
                    match info {
                        Ok(info) if cluster_enabled(&info) => {
                            return Err(super::cluster_over_tls(settings))
                        }
                        Err(e)
                            if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() =>
                        {
                            return Err(failed(e))
                        }
                        _ => {}
                    }
                }
                return Ok(Async::Tls(single));
            }
            if settings.topology != Topology::Cluster {
                let timeout = settings.response_timeout;
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(timeout))
                    .set_response_timeout(Some(timeout))
                    .set_number_of_retries(2)
                    .set_min_delay(Duration::from_millis(50))
                    .set_max_delay(settings.probe_interval);
                let client = settings.client.clone();
                if settings.topology == Topology::Standalone {
                    return ConnectionManager::new_lazy_with_config(client, config)
                        .map(Async::Single)
                        .map_err(failed);
                }
                let mut single = ConnectionManager::new_with_config(client, config)
                    .await
                    .map_err(failed)?;
                let info = redis::cmd("INFO")
                    .arg("cluster")
                    .query_async::<String>(&mut single)
                    .await;
                match info {
                    Ok(info) if cluster_enabled(&info) => {}
                    Ok(_) => return Ok(Async::Single(single)),
                    Err(e) if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() => {
                        return Err(failed(e))
                    }
                    Err(_) => return Ok(Async::Single(single)),
                }
            }
            let client = cluster_builder(settings).build().map_err(failed)?;
            let cluster = client.get_async_connection().await.map_err(failed)?;
            Ok(Async::Cluster(cluster))
        }

        /// Runs the script.
        pub(crate) async fn invoke(
            &mut self,
            invocation: &ScriptInvocation<'_>,
        ) -> RedisResult<Value> {
            match self {
                Async::Single(single) => invocation.invoke_async(single).await,
                Async::Cluster(cluster) => invocation.invoke_async(cluster).await,
                #[cfg(feature = "rustls")]
                Async::Tls(single) => invocation.invoke_async(single).await,
            }
        }

        /// Whether the connection reconnects by itself after an error; otherwise the limiter
        /// makes a new one for its next round trip.
        pub(crate) fn reconnects_itself(&self) -> bool {
            match self {
                Async::Single(_) | Async::Cluster(_) => true,
                #[cfg(feature = "rustls")]
                Async::Tls(_) => false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cluster_mode_from_info() {
        assert!(cluster_enabled("# Cluster\r\ncluster_enabled:1\r\n"));
        assert!(!cluster_enabled("# Cluster\r\ncluster_enabled:0\r\n"));
        assert!(!cluster_enabled(""));
        assert!(!cluster_enabled("cluster_enabled:10\r\n"));
        assert!(!cluster_enabled("\u{0}garbage cluster_enabled:1x"));
    }
}
