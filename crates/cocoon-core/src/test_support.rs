//! Helpers for the unit tests of the endpoint modules: a fixed configuration and the request an
//! endpoint builds, as plain strings easy to assert on.

use crate::{build_request, decode_response, ApiKey, Config, Endpoint, Error};

/// The obviously fake key of API.md §1's format, used by every test.
pub(crate) const FAKE_KEY: &str =
    "pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=";

pub(crate) fn config() -> Config {
    Config::new(ApiKey::new(FAKE_KEY).unwrap())
}

/// What went on the wire, as text.
#[derive(Debug)]
pub(crate) struct Wire {
    pub(crate) method: String,
    /// Path and query, e.g. `/webhook/mail/status?message_id=x`.
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    /// The body as text (empty when there is none).
    pub(crate) body: String,
}

impl Wire {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Builds `endpoint`'s request with [`config`] and checks the headers every request carries.
pub(crate) fn wire<E: Endpoint>(endpoint: &E) -> Wire {
    let request = build_request(&config(), endpoint).expect("request builds");
    assert_eq!(request.uri().scheme_str(), Some("https"));
    assert_eq!(request.uri().host(), Some("webhook.cocoonmail.com"));
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    let wire = Wire {
        method: request.method().to_string(),
        path: request.uri().path_and_query().unwrap().to_string(),
        body: String::from_utf8(request.body().clone()).unwrap(),
        headers,
    };
    assert_eq!(
        wire.header("authorization"),
        Some(&*format!("Bearer {FAKE_KEY}"))
    );
    assert_eq!(wire.header("accept"), Some("application/json"));
    assert_eq!(wire.header("user-agent"), Some(crate::DEFAULT_USER_AGENT));
    if wire.body.is_empty() {
        assert_eq!(wire.header("content-type"), None);
    } else {
        assert_eq!(wire.header("content-type"), Some("application/json"));
    }
    wire
}

/// Decodes `body` answered with `status` for `endpoint`.
pub(crate) fn answer<E: Endpoint>(
    endpoint: &E,
    status: u16,
    body: &str,
) -> Result<E::Output, Error> {
    let response = http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .unwrap();
    decode_response(endpoint, response)
}
