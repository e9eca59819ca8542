//! A real three-node Redis Cluster on free loopback ports (three primaries, no replicas), for
//! tests: each node in its own temporary directory, persistence off but its cluster
//! configuration kept, so a node killed and started again rejoins with its slots.

#![allow(dead_code, unreachable_pub)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::redis_server::system_package;

/// One node of the cluster.
struct Node {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl Node {
    fn spawn(&mut self) {
        std::fs::create_dir_all(&self.dir).expect("the node's temporary directory");
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--cluster-enabled", "yes"])
            .args(["--cluster-config-file", "nodes.conf"])
            .args(["--cluster-node-timeout", "1000"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start redis-server ({e}): these tests run against a real Redis \
                     Cluster; install redis-server (`apt-get install -y redis-server`)"
                )
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.connection().is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "redis-server (cluster node on port {}) did not start",
            self.port
        );
    }

    fn connection(&self) -> redis::RedisResult<redis::Connection> {
        let client = redis::Client::open(format!("redis://127.0.0.1:{}/", self.port))?;
        let mut connection = client.get_connection_with_timeout(Duration::from_secs(1))?;
        redis::cmd("PING").query::<String>(&mut connection)?;
        Ok(connection)
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Three primaries sharing the 16384 slots; killed on drop.
pub struct Cluster {
    nodes: Vec<Node>,
}

impl Cluster {
    /// Starts three nodes and makes them a cluster (`redis-cli --cluster create`). Panics when
    /// redis-server or redis-cli cannot run: the test never passes without a real cluster.
    pub fn start() -> Cluster {
        for (program, package) in [
            ("redis-server", "redis-server"),
            ("redis-cli", "redis-tools"),
        ] {
            if let Err(missing) = system_package::ensure(program, package) {
                panic!("{missing}");
            }
        }
        let run = format!("{}-{}", std::process::id(), fastrand_suffix());
        let mut nodes: Vec<Node> = (0..3)
            .map(|i| {
                let port = free_port();
                Node {
                    port,
                    dir: std::env::temp_dir().join(format!("cocoon-cluster-{run}-{i}-{port}")),
                    child: None,
                }
            })
            .collect();
        for node in &mut nodes {
            node.spawn();
        }
        let cluster = Cluster { nodes };
        let addresses: Vec<String> = cluster
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let output = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&addresses)
            .arg("--cluster-yes")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run redis-cli ({e}); install redis-tools"));
        assert!(
            output.status.success(),
            "redis-cli --cluster create failed: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert!(
            cluster.wait_ok(Duration::from_secs(30)),
            "the cluster did not reach cluster_state:ok"
        );
        cluster
    }

    /// A `redis://` URL of node `i`.
    pub fn url(&self, i: usize) -> String {
        format!("redis://127.0.0.1:{}/", self.nodes[i].port)
    }

    /// Which node owns `key`'s slot: the one that answers `EXISTS` instead of `MOVED`.
    pub fn owner_of(&self, key: &str) -> usize {
        for (i, node) in self.nodes.iter().enumerate() {
            if let Ok(mut connection) = node.connection() {
                if redis::cmd("EXISTS")
                    .arg(key)
                    .query::<i64>(&mut connection)
                    .is_ok()
                {
                    return i;
                }
            }
        }
        panic!("no node owns the slot of {key}");
    }

    /// The field `field` of the hash `key`, asked of the node owning it.
    pub fn hget(&self, key: &str, field: &str) -> Option<u64> {
        let mut connection = self.nodes[self.owner_of(key)]
            .connection()
            .expect("a connection to the owner");
        redis::cmd("HGET")
            .arg(key)
            .arg(field)
            .query(&mut connection)
            .expect("HGET")
    }

    /// Kills node `i`.
    pub fn kill(&mut self, i: usize) {
        self.nodes[i].stop();
    }

    /// Starts node `i` again on its port, with its cluster configuration (its slots).
    pub fn restart(&mut self, i: usize) {
        self.nodes[i].stop();
        self.nodes[i].spawn();
    }

    /// Waits until every running node reports `cluster_state:ok`.
    pub fn wait_ok(&self, within: Duration) -> bool {
        crate::common::eventually(within, || {
            self.nodes.iter().filter(|n| n.child.is_some()).all(|n| {
                n.connection()
                    .and_then(|mut c| redis::cmd("CLUSTER").arg("INFO").query::<String>(&mut c))
                    .is_ok_and(|info| info.contains("cluster_state:ok"))
            })
        })
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            node.stop();
            let _ = std::fs::remove_dir_all(&node.dir);
        }
    }
}

fn free_port() -> u16 {
    // A cluster node also listens on its port + 10000 (the cluster bus): pick ports below
    // 55535 whose bus port is free too.
    for _ in 0..100 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|addr| addr.port())
            .expect("a free loopback port");
        if port < 55_535 && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port pair for a cluster node");
}

fn fastrand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}
