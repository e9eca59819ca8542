//! What a request is sent to, as error messages name it, and the checks on an answer's size.

use std::fmt;

use http::{HeaderMap, Method, Request, Uri};

use crate::error::{TransportError, TransportErrorKind};

/// What a request is sent to, for error messages: method, scheme, host, port and path.
///
/// The query string (which may hold an email address) and the headers (which hold the key) are
/// left out, so a message built from it can be logged.
///
/// ```
/// use cocoon_core::transport::RequestTarget;
///
/// let request = http::Request::get("https://example.com:8443/webhook/contact/find?email=a%40b.c")
///     .body(())?;
/// let target = RequestTarget::of(&request);
/// assert_eq!(target.to_string(), "GET https://example.com:8443/webhook/contact/find");
/// # Ok::<(), http::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct RequestTarget {
    method: Method,
    uri: Uri,
}

impl RequestTarget {
    /// The target of `request`. Cheap: the URI is reference-counted and the text is only made
    /// when an error needs it.
    pub fn of<B>(request: &Request<B>) -> Self {
        RequestTarget {
            method: request.method().clone(),
            uri: request.uri().clone(),
        }
    }

    /// Whether the request goes to an `https` URL.
    pub fn is_https(&self) -> bool {
        self.uri.scheme() == Some(&http::uri::Scheme::HTTPS)
    }

    /// A transport error of `kind` whose message names this target, then `detail`.
    pub fn error(&self, kind: TransportErrorKind, detail: impl fmt::Display) -> TransportError {
        TransportError::new(kind, format!("{self}: {detail}"))
    }

    /// The error for an answer whose body passed `limit` bytes.
    pub fn body_too_large(&self, limit: usize) -> TransportError {
        self.error(
            TransportErrorKind::BodyTooLarge { limit },
            format_args!("the response body is larger than {limit} bytes"),
        )
    }

    /// The body length the answer's `Content-Length` announces, when it holds one number, or
    /// the [`body_too_large`](Self::body_too_large) error when that length passes `limit`, so
    /// that an oversized answer is refused before a byte of its body is read.
    pub fn announced_length(
        &self,
        headers: &HeaderMap,
        limit: usize,
    ) -> Result<Option<usize>, TransportError> {
        let announced: Option<u64> = headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.trim().parse().ok());
        match announced {
            Some(len) if len > limit as u64 => Err(self.body_too_large(limit)),
            // At most `limit` here, which is a `usize`.
            Some(len) => Ok(Some(len as usize)),
            None => Ok(None),
        }
    }
}

impl fmt::Display for RequestTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.method)?;
        if let Some(scheme) = self.uri.scheme_str() {
            write!(f, "{scheme}://")?;
        }
        if let Some(host) = self.uri.host() {
            f.write_str(host)?;
        }
        if let Some(port) = self.uri.port_u16() {
            write!(f, ":{port}")?;
        }
        f.write_str(self.uri.path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(uri: &str) -> RequestTarget {
        RequestTarget::of(&Request::get(uri).body(()).unwrap())
    }

    #[test]
    fn the_query_and_the_user_info_are_left_out() {
        let t = target("https://user:pw@example.com:8443/webhook/contact/find?email=a%40b.c");
        assert_eq!(
            t.to_string(),
            "GET https://example.com:8443/webhook/contact/find"
        );
        assert!(t.is_https());
        let err = t.error(TransportErrorKind::Io, "broken");
        assert_eq!(
            err.message,
            "GET https://example.com:8443/webhook/contact/find: broken"
        );
        assert!(!target("http://127.0.0.1:1/").is_https());
    }

    #[test]
    fn an_announced_length_is_read_and_checked() {
        let t = target("http://h/p");
        let mut headers = HeaderMap::new();
        assert_eq!(t.announced_length(&headers, 10).unwrap(), None);
        headers.insert(http::header::CONTENT_LENGTH, "10".parse().unwrap());
        assert_eq!(t.announced_length(&headers, 10).unwrap(), Some(10));
        let err = t.announced_length(&headers, 9).unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::BodyTooLarge { limit: 9 });
        assert_eq!(
            err.message,
            "GET http://h/p: the response body is larger than 9 bytes"
        );
        headers.insert(http::header::CONTENT_LENGTH, "4x".parse().unwrap());
        assert_eq!(t.announced_length(&headers, 10).unwrap(), None);
        headers.insert(
            http::header::CONTENT_LENGTH,
            "99999999999999999999999".parse().unwrap(),
        );
        assert_eq!(t.announced_length(&headers, 10).unwrap(), None);
    }
}
