//! A scripted raw HTTP/1.1 server on loopback for the transport tests.
//!
//! Each accepted connection gets the next scripted [`Reply`]; the server reads one whole request
//! (headers and `Content-Length` body), records its raw bytes, answers and closes. Once the
//! script is used up the listener is dropped, so any further connection is refused.

#![allow(dead_code, unreachable_pub)]

#[path = "refused.rs"]
mod refused;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What the server does with one connection.
pub enum Reply {
    /// Writes these bytes, then closes.
    Bytes(Vec<u8>),
    /// Writes these bytes in pieces, pausing between them, then closes.
    Pieces(Vec<Vec<u8>>),
    /// Writes these bytes (possibly none), then neither answers further nor closes: holds the
    /// connection open for this long.
    Stall(Vec<u8>, Duration),
    /// Reads the request, then closes without answering.
    Close,
}

/// A running scripted server.
pub struct Server {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Vec<u8>>>>,
    connections: Arc<Mutex<usize>>,
}

impl Server {
    /// Starts a server that answers one connection per entry of `script`, in order.
    pub fn start(script: Vec<Reply>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(Mutex::new(0));
        let (recorded, accepted) = (requests.clone(), connections.clone());
        thread::spawn(move || {
            for reply in script {
                let Ok((mut stream, _)) = listener.accept() else {
                    return;
                };
                *accepted.lock().unwrap() += 1;
                stream
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                let request = read_request(&mut stream);
                recorded.lock().unwrap().push(request);
                match reply {
                    Reply::Bytes(bytes) => {
                        let _ = stream.write_all(&bytes);
                        let _ = stream.flush();
                    }
                    Reply::Pieces(pieces) => {
                        for piece in pieces {
                            if stream.write_all(&piece).is_err() {
                                break;
                            }
                            let _ = stream.flush();
                            thread::sleep(Duration::from_millis(5));
                        }
                    }
                    Reply::Stall(bytes, hold) => {
                        let _ = stream.write_all(&bytes);
                        let _ = stream.flush();
                        thread::spawn(move || {
                            thread::sleep(hold);
                            drop(stream);
                        });
                        continue;
                    }
                    Reply::Close => {}
                }
                let _ = stream.shutdown(std::net::Shutdown::Write);
                // Let the client read the answer before the socket goes away.
                let mut sink = [0u8; 1024];
                let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
            }
        });
        Server {
            addr,
            requests,
            connections,
        }
    }

    /// `http://127.0.0.1:<port>` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The raw bytes of every request received so far.
    pub fn requests(&self) -> Vec<Vec<u8>> {
        self.requests.lock().unwrap().clone()
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        *self.connections.lock().unwrap()
    }
}

/// A listener that must never see a connection.
pub struct Untouched {
    listener: TcpListener,
}

impl Untouched {
    pub fn bind() -> Untouched {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).unwrap();
        Untouched { listener }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.listener.local_addr().unwrap(), path)
    }

    /// Whether anything connected.
    pub fn was_contacted(&self) -> bool {
        match self.listener.accept() {
            Ok(_) => true,
            Err(e) if e.kind() == ErrorKind::WouldBlock => false,
            Err(e) => panic!("accept failed: {e}"),
        }
    }
}

/// A loopback address where nothing listens.
pub fn refused_url(path: &str) -> String {
    format!("http://{}{path}", refused::refused_addr())
}

fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(pos) = find(&data, b"\r\n\r\n") {
            break pos + 4;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return data,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
    let body_len: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().expect("numeric content-length"))
        .unwrap_or(0);
    while data.len() < head_end + body_len {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    data
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A parsed raw request.
pub struct RawRequest {
    pub request_line: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    pub fn parse(raw: &[u8]) -> RawRequest {
        let head_end = find(raw, b"\r\n\r\n").expect("a complete head") + 4;
        let head = &raw[..head_end - 4];
        let mut lines = head
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let request_line = String::from_utf8(lines.next().unwrap().to_vec()).unwrap();
        let headers = lines
            .map(|line| {
                let colon = line.iter().position(|&b| b == b':').expect("header colon");
                let name = String::from_utf8(line[..colon].to_vec())
                    .unwrap()
                    .to_ascii_lowercase();
                let mut value = &line[colon + 1..];
                while let [b' ' | b'\t', rest @ ..] = value {
                    value = rest;
                }
                (name, value.to_vec())
            })
            .collect();
        RawRequest {
            request_line,
            headers,
            body: raw[head_end..].to_vec(),
        }
    }

    /// Every value of header `name` (lower case), as raw bytes.
    pub fn all(&self, name: &str) -> Vec<&[u8]> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
            .collect()
    }
}

/// An answer with the given status line, headers and body; adds `Content-Length` and
/// `Connection: close`.
pub fn answer(status_line: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status_line}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// A chunked answer of `total` bytes of `x` in chunks of `chunk` bytes, without
/// `Content-Length`.
pub fn chunked_answer(total: usize, chunk: usize) -> Vec<Vec<u8>> {
    let mut pieces = vec![b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec()];
    let mut left = total;
    while left > 0 {
        let n = left.min(chunk);
        let mut piece = format!("{n:x}\r\n").into_bytes();
        piece.extend(std::iter::repeat_n(b'x', n));
        piece.extend_from_slice(b"\r\n");
        pieces.push(piece);
        left -= n;
    }
    pieces.push(b"0\r\n\r\n".to_vec());
    pieces
}

/// A key shaped like the real ones: it holds `$ / + =`.
pub const KEY: &str =
    "pbkdf2_sha256$600000$Zx8/Ab+Cd=Ef01Gh23Ij45$q1W/e2R+t3Y=u4I5o6P7a8S9d0F/g1H+j2K3l4Z5x6C=";

/// A loopback listener whose accept queue is full, so a new connection attempt hangs in the
/// handshake and only a connect timeout ends it.
///
/// The listener is made with a backlog of zero and filled with connections that are never
/// accepted; Linux then drops every further SYN (it counts them as listen-queue overflows), so
/// a client's connect neither succeeds nor is refused. Nothing leaves the machine.
pub struct Blackhole {
    listener: TcpListener,
    _held: Vec<TcpStream>,
}

impl Blackhole {
    /// The black hole, or `None` on a platform that refuses or completes connections to a full
    /// listener instead of leaving them hanging. On Linux it never returns `None`: a set-up that
    /// does not hold there fails the test that asked for it, rather than letting it pass
    /// without testing anything.
    pub fn bind() -> Option<Blackhole> {
        use socket2::{Domain, Socket, Type};

        let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a socket");
        let loopback: SocketAddr = "127.0.0.1:0".parse().unwrap();
        socket.bind(&loopback.into()).expect("bind loopback");
        socket.listen(0).expect("listen");
        let listener: TcpListener = socket.into();
        let addr = listener.local_addr().unwrap();
        let mut held = Vec::new();
        let outcome = loop {
            if held.len() == 64 {
                break "64 connections to a listener with backlog 0 all completed".to_owned();
            }
            match TcpStream::connect_timeout(&addr, Duration::from_millis(500)) {
                Ok(stream) => held.push(stream),
                Err(e) if e.kind() == ErrorKind::TimedOut => {
                    return Some(Blackhole {
                        listener,
                        _held: held,
                    })
                }
                Err(e) => break format!("connecting to a full listener failed with {e}"),
            }
        };
        if cfg!(target_os = "linux") {
            panic!("the black-hole set-up did not hold on Linux: {outcome}");
        }
        eprintln!("skipped: this platform does not leave a connection hanging ({outcome})");
        None
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.listener.local_addr().unwrap(), path)
    }
}
