//! Scripted faults: answers that replace (or delay) the normal handling of one request.

use std::time::Duration;

/// One scripted answer, consumed by one request to the route it was scripted for
/// (see [`MockServer::script`](crate::MockServer::script)).
///
/// Faults are applied before any check (authentication, `Accept`, rate limit): they model a
/// proxy, a network or an overloaded service in front of the API. Except for
/// [`Fault::Delay`], a fault does not consume the rate-limit budget. Every fault is recorded in
/// the journal like any other request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status, body and headers (`Content-Length` is computed; any given
    /// `Content-Length` or `Connection` header is ignored). The connection stays open.
    /// No rate-limit header is added: include them in `headers` if you want them.
    Status {
        /// The status code.
        status: u16,
        /// The body, sent as is.
        body: Vec<u8>,
        /// Extra headers, e.g. `("Content-Type", "text/html")`.
        headers: Vec<(String, String)>,
    },
    /// Sleep this long, then handle the request normally (every check included).
    Delay(Duration),
    /// Read the request, then close the connection without writing a byte (the request is
    /// not handled: nothing changes).
    DropConnection,
    /// Handle the request normally (every check, the handler's effect, the latency), then
    /// close the connection without writing a byte: the write happened, the answer was lost.
    /// The journal shows [`Outcome::Dropped`](crate::Outcome::Dropped) with the status the
    /// answer would have had in [`JournalEntry::handled`](crate::JournalEntry::handled).
    ApplyThenDrop,
    /// Handle the request normally (every check and the handler's effect), then never
    /// answer: the connection stays open until the client gives up (the journal then shows
    /// [`Outcome::Abandoned`](crate::Outcome::Abandoned)) or the server stops.
    ApplyThenHang,
    /// Answer `200` with headers announcing a JSON body of `Content-Length` bytes, write only
    /// about half of it, then close the connection (the response body fails half-way, which
    /// makes the server abort the connection).
    TruncatedBody,
    /// Answer `200` with a valid JSON body of exactly this many bytes (when at least 48;
    /// otherwise that many spaces), streamed in chunks without being built in memory.
    HugeBody(usize),
    /// Answer `429 Too Many Requests` with `x-ratelimit-limit`, `x-ratelimit-remaining: 0`,
    /// and `Retry-After` set to this value when given (seconds, or an HTTP date).
    RateLimited {
        /// The `Retry-After` header value, sent verbatim; `None` sends no `Retry-After`.
        retry_after: Option<String>,
    },
}

impl Fault {
    /// A JSON error answer `{"success": false, "message": "<reason phrase>"}` with this status.
    ///
    /// ```
    /// let f = cocoon_mock::Fault::status(503);
    /// assert!(matches!(f, cocoon_mock::Fault::Status { status: 503, .. }));
    /// ```
    pub fn status(status: u16) -> Fault {
        Fault::json(
            status,
            serde_json::json!({"success": false, "message": reason(status)}),
        )
    }

    /// An answer with this status and JSON body (`Content-Type: application/json`).
    pub fn json(status: u16, body: serde_json::Value) -> Fault {
        Fault::Status {
            status,
            body: body.to_string().into_bytes(),
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
        }
    }

    /// An HTML error page as a reverse proxy (nginx) sends it, `Content-Type: text/html`.
    pub fn html(status: u16) -> Fault {
        let title = format!("{status} {}", reason(status));
        let body = format!(
            "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        );
        Fault::Status {
            status,
            body: body.into_bytes(),
            headers: vec![
                ("Server".to_owned(), "nginx".to_owned()),
                ("Content-Type".to_owned(), "text/html".to_owned()),
            ],
        }
    }

    /// [`Fault::RateLimited`] with `Retry-After: <secs>`.
    pub fn rate_limited(retry_after_secs: u64) -> Fault {
        Fault::RateLimited {
            retry_after: Some(retry_after_secs.to_string()),
        }
    }
}

/// The reason phrase of a status code (`"Unknown"` for codes without one).
fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown")
}
