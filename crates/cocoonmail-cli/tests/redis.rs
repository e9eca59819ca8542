//! `--redis-url`: the command paces itself with the team's budget in a real Redis (started by
//! the test), and goes on with a local share of the budget when Redis does not answer.

mod common;

#[path = "../../cocoon-limiter-redis/tests/common/redis_server.rs"]
mod redis_server;

use common::{stderr, stdout, Env};
use redis_server::RedisServer;

/// The names of the keys in `server`, through its own protocol (no Redis client needed).
fn bucket_keys(server: &RedisServer) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    stream.write_all(b"KEYS *\r\n").unwrap();
    let mut answer = vec![0u8; 4096];
    let n = stream.read(&mut answer).unwrap();
    String::from_utf8_lossy(&answer[..n]).into_owned()
}

#[test]
fn an_import_paces_itself_with_the_budget_in_redis() {
    let redis = RedisServer::start();
    let env = Env::new();
    let input = env.file("events.csv", &common::events_csv(3));
    let out = env
        .import("events", &input)
        .args(["--redis-url", &redis.url()])
        .assert()
        .success();
    assert!(
        stdout(out.get_output()).contains("sent       3"),
        "{}",
        stdout(out.get_output())
    );
    assert_eq!(env.event_emails().len(), 3);
    // The budget is named after a hash of the key, never the key.
    let keys = bucket_keys(&redis);
    assert!(keys.contains("cocoonmail:ratelimit:key:"), "{keys}");
    assert!(!keys.contains("pbkdf2"), "{keys}");
}

#[test]
fn the_url_can_come_from_the_environment_and_a_bucket_names_the_budget() {
    let redis = RedisServer::start();
    let env = Env::new();
    env.cmd()
        .env("COCOONMAIL_REDIS_URL", redis.url())
        .args(["--redis-bucket", "team-42", "key", "validate"])
        .assert()
        .success();
    let keys = bucket_keys(&redis);
    assert!(
        keys.contains("cocoonmail:ratelimit:bucket:team-42"),
        "{keys}"
    );
}

#[test]
fn without_an_answering_redis_the_command_goes_on_and_shows_no_password() {
    let env = Env::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = format!("redis://:s3cret-redis-password@127.0.0.1:{port}/0");
    let out = env
        .cmd()
        .args(["--redis-url", &url, "key", "validate"])
        .assert()
        .success();
    let output = format!("{}{}", stdout(out.get_output()), stderr(out.get_output()));
    assert!(!output.contains("s3cret"), "{output}");
}
