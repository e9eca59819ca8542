//! Serving: a Tokio runtime on the server's own thread, hyper's HTTP/1.1 connections, and
//! the way each request is answered (faults, the fake API, the journal, the log line).

use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body as _, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::body::MockBody;
use super::shared::{InFlight, Shared};
use crate::api::{self, Answer};
use crate::request::{check_target, Request, MAX_BODY_BYTES};
use crate::{Fault, Outcome};

/// How long, and how much, a refused body is still read so the client sees the answer
/// instead of a reset connection.
const DRAIN_TIME: Duration = Duration::from_secs(10);
const DRAIN_BYTES: usize = 64 * 1024 * 1024;

/// The serving thread and the way to stop it.
pub(crate) struct Running {
    pub(crate) thread: JoinHandle<()>,
    pub(crate) stop: oneshot::Sender<()>,
    /// The server's runtime, to run waits and timers for async callers.
    pub(crate) handle: tokio::runtime::Handle,
}

/// Starts the server thread: it runs a current-thread Tokio runtime of its own (so the
/// server works from synchronous code and inside any caller's runtime alike), accepts
/// connections until told to stop, then drops the runtime, which cancels every connection
/// task and so closes every socket.
pub(crate) fn spawn(listener: std::net::TcpListener, shared: Arc<Shared>) -> io::Result<Running> {
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<io::Result<tokio::runtime::Handle>>();
    let thread = std::thread::Builder::new()
        .name(format!("cocoon-mock-{}", addr.port()))
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            runtime.block_on(async move {
                let listener = match TcpListener::from_std(listener) {
                    Ok(listener) => listener,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(tokio::runtime::Handle::current()));
                accept_loop(listener, shared, stopped).await;
            });
            drop(runtime);
        })?;
    match ready_rx.recv() {
        Ok(Ok(handle)) => Ok(Running {
            thread,
            stop,
            handle,
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => {
            let _ = thread.join();
            Err(io::Error::other("the server thread ended before serving"))
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: oneshot::Receiver<()>) {
    let mut http = http1::Builder::new();
    http.keep_alive(true)
        .pipeline_flush(true)
        // Header names as `Content-Length`, like most servers write them.
        .title_case_headers(true)
        .timer(TokioTimer::new())
        .header_read_timeout(None);
    loop {
        let stream = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: back off a little.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let service = service_fn(move |req| serve(Arc::clone(&shared), req));
        let connection = http.serve_connection(TokioIo::new(stream), service);
        tokio::spawn(async move {
            // Errors here are the client's or a fault's doing; nothing to report.
            let _ = connection.await;
        });
    }
}

/// What reading a request body gave.
enum BodyRead {
    Complete(Vec<u8>),
    /// Over [`MAX_BODY_BYTES`], announced or actual.
    TooLarge,
    /// The body could not be read (malformed chunking, a connection closed mid-body).
    Broken(String),
}

/// Reads the whole body, up to the cap. A refused body is drained in the background (when
/// the client is not waiting for `100 Continue`), so the client reads the `413`.
async fn read_body(mut body: Incoming, expects_continue: bool) -> BodyRead {
    let announced = body.size_hint().lower();
    if announced > MAX_BODY_BYTES as u64 {
        if !expects_continue {
            drain(body, 0);
        }
        return BodyRead::TooLarge;
    }
    let mut out = Vec::with_capacity(announced as usize);
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                if out.len() + data.len() > MAX_BODY_BYTES {
                    drain(body, out.len() + data.len());
                    return BodyRead::TooLarge;
                }
                out.extend_from_slice(&data);
            }
            Err(e) => return BodyRead::Broken(format!("The request body could not be read: {e}")),
        }
    }
    BodyRead::Complete(out)
}

/// Keeps reading and discarding a refused body, bounded in time and bytes.
fn drain(mut body: Incoming, mut read: usize) {
    tokio::spawn(async move {
        let _ = tokio::time::timeout(DRAIN_TIME, async {
            while read < DRAIN_BYTES {
                match body.frame().await {
                    Some(Ok(frame)) => read += frame.data_ref().map_or(0, Bytes::len),
                    _ => break,
                }
            }
        })
        .await;
    });
}

/// The error that makes hyper close the connection without answering.
fn dropped() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionAborted, "dropped by a fault")
}

async fn serve(
    shared: Arc<Shared>,
    req: hyper::Request<Incoming>,
) -> Result<Response<MockBody>, io::Error> {
    let received_at = Instant::now();
    // Counted from here: if the client leaves, hyper drops this future, and with it `flight`,
    // which records the request as abandoned.
    let mut flight = shared.begin();
    let (parts, body) = req.into_parts();
    let mut request = Request::from_parts(&parts, received_at);
    if let api::Lookup::Found(op) = shared.routes().lookup(&request.method, &request.path) {
        request.operation = Some(op);
    }
    let expects_continue = request
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    let refusal = match read_body(body, expects_continue).await {
        BodyRead::Complete(bytes) => {
            request.body = bytes;
            check_target(&parts.uri).err().map(|message| (400, message))
        }
        BodyRead::TooLarge => Some((
            413,
            format!("Request body too large: the limit is {MAX_BODY_BYTES} bytes"),
        )),
        BodyRead::Broken(message) => Some((400, message)),
    };
    flight.journal(&request);
    if let Some((status, message)) = refusal {
        return Ok(reject(&shared, &request, flight, status, &message));
    }
    match shared.fault_for(&request) {
        None => Ok(serve_normally(&shared, &request, flight, None).await),
        Some(fault) => serve_fault(&shared, &request, flight, fault).await,
    }
}

/// A request refused before the fake API saw it: a JSON error, then the connection closes.
fn reject(
    shared: &Shared,
    request: &Request,
    flight: InFlight,
    status: u16,
    message: &str,
) -> Response<MockBody> {
    let mut answer = api::early_error(shared, status, message);
    answer
        .headers
        .push(("Connection".to_owned(), "close".to_owned()));
    log(request, Some(status), None);
    flight.handled(status);
    flight.finish(Outcome::Answered(status));
    response(answer.status, &answer.headers, MockBody::full(answer.body))
}

/// The fake API's own answer (applied at once), sent after the configured latency.
async fn serve_normally(
    shared: &Shared,
    request: &Request,
    flight: InFlight,
    fault: Option<&'static str>,
) -> Response<MockBody> {
    let Answer {
        status,
        headers,
        body,
    } = api::answer(shared, request);
    flight.handled(status);
    sleep(shared.latency()).await;
    log(request, Some(status), fault);
    flight.finish(Outcome::Answered(status));
    response(status, &headers, MockBody::full(body))
}

async fn serve_fault(
    shared: &Shared,
    request: &Request,
    flight: InFlight,
    fault: Fault,
) -> Result<Response<MockBody>, io::Error> {
    let name = fault_name(&fault);
    let (status, headers, body) = match fault {
        Fault::Delay(delay) => {
            sleep(delay).await;
            return Ok(serve_normally(shared, request, flight, Some(name)).await);
        }
        Fault::DropConnection => {
            log(request, None, Some(name));
            flight.finish(Outcome::Dropped);
            return Err(dropped());
        }
        Fault::ApplyThenDrop => {
            let status = api::answer(shared, request).status;
            flight.handled(status);
            sleep(shared.latency()).await;
            log(request, None, Some(name));
            flight.finish(Outcome::Dropped);
            return Err(dropped());
        }
        Fault::ApplyThenHang => {
            let status = api::answer(shared, request).status;
            flight.handled(status);
            log(request, None, Some(name));
            // Until the client leaves or the server stops; either drops this future, and
            // `flight` then records the request as abandoned.
            let never = std::future::pending::<std::convert::Infallible>().await;
            match never {}
        }
        Fault::Status {
            status,
            body,
            mut headers,
        } => {
            // The server frames the answer itself.
            headers.retain(|(name, _)| !name.eq_ignore_ascii_case("connection"));
            (status, headers, MockBody::full(body))
        }
        Fault::RateLimited { retry_after } => {
            let limit = shared.limiter().limit();
            let mut headers = vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("x-ratelimit-limit".to_owned(), limit.to_string()),
                ("x-ratelimit-remaining".to_owned(), "0".to_owned()),
            ];
            if let Some(value) = retry_after {
                headers.push(("Retry-After".to_owned(), value));
            }
            let body = br#"{"success":false,"message":"Rate limit exceeded: too many requests"}"#;
            (429, headers, MockBody::full(&body[..]))
        }
        Fault::TruncatedBody => {
            const BODY: &[u8] = br#"{"success":true,"failed_recipients":[],"report":[{"to":"a@example.com","message_id":"<truncated@mock.cocoonmail.test>"}],"message":"Transactional mails sent successfully"}"#;
            let headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
            (200, headers, MockBody::truncated(BODY))
        }
        Fault::HugeBody(size) => {
            let headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
            (200, headers, MockBody::huge(size))
        }
    };
    sleep(shared.latency()).await;
    log(request, Some(status), Some(name));
    flight.finish(Outcome::Answered(status));
    Ok(response(status, &headers, body))
}

fn fault_name(fault: &Fault) -> &'static str {
    match fault {
        Fault::Status { .. } => "status",
        Fault::Delay(_) => "delay",
        Fault::DropConnection => "drop_connection",
        Fault::ApplyThenDrop => "apply_then_drop",
        Fault::ApplyThenHang => "apply_then_hang",
        Fault::TruncatedBody => "truncated_body",
        Fault::HugeBody(_) => "huge_body",
        Fault::RateLimited { .. } => "rate_limited",
    }
}

async fn sleep(d: Duration) {
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
}

/// One log line per request: method, path (never the query), status, latency, and the
/// fault when one answered. No header, body, key or address is logged. Nothing is computed
/// when no subscriber listens at `info`.
fn log(request: &Request, status: Option<u16>, fault: Option<&'static str>) {
    if !tracing::enabled!(tracing::Level::INFO) {
        return;
    }
    let latency_ms = request.received_at.elapsed().as_secs_f64() * 1000.0;
    let status = status.map_or_else(|| "none".to_owned(), |s| s.to_string());
    match fault {
        None => tracing::info!(
            method = %request.method,
            path = %request.path,
            status = %status,
            latency_ms = format_args!("{latency_ms:.1}"),
            "request"
        ),
        Some(fault) => tracing::info!(
            method = %request.method,
            path = %request.path,
            status = %status,
            latency_ms = format_args!("{latency_ms:.1}"),
            fault,
            "request answered by a fault"
        ),
    }
}

/// A response with these headers; `Content-Length` comes from the body, and a given
/// `Content-Length` is ignored.
fn response(status: u16, headers: &[(String, String)], body: MockBody) -> Response<MockBody> {
    let mut response = Response::new(body);
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let map = response.headers_mut();
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        let Ok(name) = http::HeaderName::from_bytes(name.as_bytes()) else {
            continue;
        };
        let Ok(value) = http::HeaderValue::from_str(value) else {
            continue;
        };
        map.append(name, value);
    }
    if let Some(length) = response.body().size_hint().exact() {
        response.headers_mut().insert(
            http::header::CONTENT_LENGTH,
            http::HeaderValue::from(length),
        );
    }
    response
}
