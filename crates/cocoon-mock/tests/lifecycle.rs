//! Starting, sharing between threads, and stopping the server.

mod common;

use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use cocoon_mock::{Fault, MockServer};
use common::{unlimited, Client};

const VALIDATE: &str = "/webhook/api_key/validate/";

#[test]
fn base_url_and_addr_agree() {
    let server = MockServer::start();
    let addr = server.addr();
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0);
    assert_eq!(
        server.base_url(),
        format!("http://127.0.0.1:{}", addr.port())
    );
}

#[test]
fn shutdown_stops_accepting_and_closes_idle_connections() {
    let server = unlimited();
    let addr = server.addr();
    let mut idle = Client::connect(&server);
    assert_eq!(idle.call("GET", VALIDATE, None).status, 200);
    server.shutdown();
    // The kept-alive connection was closed by the server.
    assert!(idle.is_closed());
    // Nobody listens any more.
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(5)).is_err());
    // Idempotent, and drop after shutdown is fine.
    server.shutdown();
    drop(server);
}

#[test]
fn drop_stops_the_server() {
    let server = unlimited();
    let addr = server.addr();
    let _conn = Client::connect(&server);
    drop(server);
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(5)).is_err());
}

#[test]
fn shutdown_cuts_long_delays_short() {
    let server = unlimited();
    server.script("GET", VALIDATE, [Fault::Delay(Duration::from_secs(3600))]);
    let mut c = Client::connect(&server);
    c.send_raw(b"GET /webhook/api_key/validate/ HTTP/1.1\r\nHost: x\r\n\r\n");
    // Usually enough for the server to be sleeping in the fault; if not, the request is
    // cut off while being read. Either way shutdown() must return and nothing is answered.
    std::thread::sleep(Duration::from_millis(100));
    server.shutdown();
    assert!(c.read_response().is_err());
}

#[test]
fn many_threads_share_one_server() {
    let server = Arc::new(unlimited());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let server = Arc::clone(&server);
            std::thread::spawn(move || {
                let mut c = Client::connect(&server);
                for i in 0..25 {
                    let r = c.call(
                        "POST",
                        "/webhook/contact/create",
                        Some(serde_json::json!({"email": format!("t{t}-{i}@example.com")})),
                    );
                    assert_eq!(r.status, 200);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(server.contacts().len(), 200);
    assert_eq!(server.journal().len(), 200);
}

#[test]
fn two_servers_are_independent() {
    let a = unlimited();
    let b = unlimited();
    assert_ne!(a.addr(), b.addr());
    Client::connect(&a).call("GET", VALIDATE, None);
    assert_eq!(a.journal().len(), 1);
    assert!(b.journal().is_empty());
}

/// One request over a Tokio socket, answered and closed.
async fn validate_async(server: &MockServer) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let request = format!(
        "GET {VALIDATE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
        cocoon_mock::DEFAULT_API_KEY
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test(flavor = "current_thread")]
async fn works_inside_a_current_thread_runtime() {
    // Started, used and dropped on the runtime's only thread: the server's own runtime
    // runs on its own thread and is never nested in this one.
    let server = unlimited();
    assert!(validate_async(&server).await.starts_with("HTTP/1.1 200 OK"));
    server.script("GET", VALIDATE, [Fault::Delay(Duration::from_millis(50))]);
    assert!(validate_async(&server).await.starts_with("HTTP/1.1 200 OK"));
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_inside_a_multi_thread_runtime() {
    let server = Arc::new(unlimited());
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let server = Arc::clone(&server);
            tokio::spawn(async move { validate_async(&server).await })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap().starts_with("HTTP/1.1 200 OK"));
    }
    let blocking = Arc::clone(&server);
    let status = tokio::task::spawn_blocking(move || {
        Client::connect(&blocking)
            .call("GET", VALIDATE, None)
            .status
    })
    .await
    .unwrap();
    assert_eq!(status, 200);
    assert_eq!(server.journal().len(), 5);
    server.shutdown();
}
