//! The endpoint abstraction: what a request value must say to be sent, and raw requests.

use http::Method;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{ConfigError, Error, InvalidInput};
use crate::route::{Idempotency, Operation, Route};

/// Where a request goes.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Target<'a> {
    /// A modelled operation: the route comes from the configuration's route table.
    Operation(Operation),
    /// A raw request to an explicit route.
    Route(&'a Route),
}

/// A request value: its route, query, body and the type of its successful answer.
///
/// Every operation of the API implements it (for example [`crate::contacts::CreateContact`]),
/// and so does [`RawRequest`]. [`crate::build_request`] turns an endpoint into an
/// `http::Request`, and [`crate::decode_response`] turns the answer into
/// [`Endpoint::Output`] or an [`Error`].
pub trait Endpoint {
    /// The decoded successful answer.
    type Output: DeserializeOwned;

    /// Where the request goes.
    fn target(&self) -> Target<'_>;

    /// Whether resending could do something twice. Defaults to the operation's; raw requests
    /// are idempotent only for `GET` and `HEAD` unless told otherwise.
    fn idempotency(&self) -> Idempotency {
        match self.target() {
            Target::Operation(op) => op.idempotency(),
            Target::Route(route)
                if route.method() == Method::GET || route.method() == Method::HEAD =>
            {
                Idempotency::Idempotent
            }
            Target::Route(_) => Idempotency::NotIdempotent,
        }
    }

    /// Checks what types cannot express; called before the request is built.
    fn validate(&self) -> Result<(), InvalidInput> {
        Ok(())
    }

    /// Appends query parameters.
    fn query(&self, _query: &mut Query<'_>) {}

    /// The JSON body, if the request has one.
    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        Ok(None)
    }

    /// Decodes a successful answer's body.
    ///
    /// A body that is empty or only whitespace reads as `{}`: an answer whose fields are all
    /// optional (every answer of the API's operations) becomes its default, while an answer
    /// with a required field, or a list, is an error saying the body was empty.
    fn decode(&self, body: &[u8]) -> Result<Self::Output, serde_json::Error> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return serde_json::from_slice(b"{}")
                .map_err(|e| serde::de::Error::custom(format_args!("the body is empty ({e})")));
        }
        serde_json::from_slice(body)
    }
}

impl<E: Endpoint + ?Sized> Endpoint for &E {
    type Output = E::Output;
    fn target(&self) -> Target<'_> {
        (**self).target()
    }
    fn idempotency(&self) -> Idempotency {
        (**self).idempotency()
    }
    fn validate(&self) -> Result<(), InvalidInput> {
        (**self).validate()
    }
    fn query(&self, query: &mut Query<'_>) {
        (**self).query(query)
    }
    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        (**self).body()
    }
    fn decode(&self, body: &[u8]) -> Result<Self::Output, serde_json::Error> {
        (**self).decode(body)
    }
}

/// Serialises `value` as a JSON body.
pub fn json_body<T: Serialize + ?Sized>(value: &T) -> Result<Option<Vec<u8>>, Error> {
    serde_json::to_vec(value)
        .map(Some)
        .map_err(|e| Error::InvalidInput(InvalidInput::new("body", e.to_string())))
}

/// Appends percent-encoded query parameters to a URL.
#[derive(Debug)]
pub struct Query<'a> {
    url: &'a mut String,
    has_params: bool,
}

impl<'a> Query<'a> {
    pub(crate) fn new(url: &'a mut String) -> Self {
        Query {
            url,
            has_params: false,
        }
    }

    /// Appends `key=value`, percent-encoding both (so `+` in an email travels as `%2B`).
    pub fn push(&mut self, key: &str, value: &str) -> &mut Self {
        self.url.push(if self.has_params { '&' } else { '?' });
        self.has_params = true;
        encode_component(self.url, key);
        self.url.push('=');
        encode_component(self.url, value);
        self
    }
}

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) is percent-encoded,
/// with upper-case hex digits, so `+` in an email travels as `%2B` and a space as `%20`.
const QUERY_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Appends `value`, percent-encoded, to `out`.
fn encode_component(out: &mut String, value: &str) {
    out.extend(utf8_percent_encode(value, QUERY_COMPONENT));
}

/// A request to any route, with the same auth, rate limiting, retries and error mapping as the
/// modelled operations. Its answer decodes into a `serde_json::Value` (`Null` for an empty body).
///
/// ```
/// use cocoon_core::{ApiKey, Config, RawRequest, build_request};
/// let key = ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?;
/// let config = Config::new(key);
/// let raw = RawRequest::post("/webhook/segment/create")?.json(serde_json::json!({"name": "vip"}));
/// let request = build_request(&config, &raw)?;
/// assert_eq!(request.uri(), "https://webhook.cocoonmail.com/webhook/segment/create");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RawRequest {
    route: Route,
    query: Vec<(String, String)>,
    body: Option<serde_json::Value>,
    idempotency: Option<Idempotency>,
}

impl RawRequest {
    /// A request with `method` to `path` (starting with `/`).
    pub fn new(method: Method, path: impl Into<String>) -> Result<Self, ConfigError> {
        Ok(RawRequest {
            route: Route::new(method, path.into())?,
            query: Vec::new(),
            body: None,
            idempotency: None,
        })
    }

    /// A `GET` request to `path`.
    pub fn get(path: impl Into<String>) -> Result<Self, ConfigError> {
        RawRequest::new(Method::GET, path)
    }

    /// A `POST` request to `path`.
    pub fn post(path: impl Into<String>) -> Result<Self, ConfigError> {
        RawRequest::new(Method::POST, path)
    }

    /// Adds a query parameter.
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Sets the JSON body.
    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Declares whether resending is harmless (by default only `GET` and `HEAD` are).
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotency = Some(if idempotent {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        });
        self
    }
}

impl Endpoint for RawRequest {
    type Output = serde_json::Value;

    fn target(&self) -> Target<'_> {
        Target::Route(&self.route)
    }

    fn idempotency(&self) -> Idempotency {
        match self.idempotency {
            Some(i) => i,
            None if self.route.method() == Method::GET || self.route.method() == Method::HEAD => {
                Idempotency::Idempotent
            }
            None => Idempotency::NotIdempotent,
        }
    }

    fn query(&self, query: &mut Query<'_>) {
        for (k, v) in &self.query {
            query.push(k, v);
        }
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        match &self.body {
            Some(body) => json_body(body),
            None => Ok(None),
        }
    }

    fn decode(&self, body: &[u8]) -> Result<Self::Output, serde_json::Error> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        let mut url = String::from("https://h/p");
        Query::new(&mut url)
            .push("email", "a+b@example.com")
            .push("userId", "x y/ü");
        assert_eq!(
            url,
            "https://h/p?email=a%2Bb%40example.com&userId=x%20y%2F%C3%BC"
        );
    }

    /// Query encoding against the hand-written encoder it replaced (kept here as the
    /// reference): the same text for any string.
    mod percent_encoding_keeps_its_behaviour {
        use super::*;
        use proptest::prelude::*;

        /// The hand-written encoder the crate replaced.
        fn reference(value: &str) -> String {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            let mut out = String::new();
            for b in value.bytes() {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                    out.push(b as char);
                } else {
                    out.push('%');
                    out.push(HEX[usize::from(b >> 4)] as char);
                    out.push(HEX[usize::from(b & 0x0f)] as char);
                }
            }
            out
        }

        /// What a query parameter's value becomes.
        fn encoded(value: &str) -> String {
            let mut url = String::new();
            Query::new(&mut url).push("k", value);
            url.strip_prefix("?k=").expect("one parameter").to_owned()
        }

        proptest! {
            #[test]
            fn any_text_encodes_as_before(value in any::<String>()) {
                prop_assert_eq!(encoded(&value), reference(&value));
            }

            #[test]
            fn ascii_text_encodes_as_before(value in "[ -~]{0,40}") {
                prop_assert_eq!(encoded(&value), reference(&value));
            }
        }

        #[test]
        fn every_ascii_byte_encodes_as_before() {
            for byte in 0..=127u8 {
                let value = char::from(byte).to_string();
                assert_eq!(encoded(&value), reference(&value), "{byte}");
            }
        }
    }

    #[test]
    fn raw_requests_are_idempotent_only_when_reading_unless_told() {
        assert_eq!(
            RawRequest::get("/x").unwrap().idempotency(),
            Idempotency::Idempotent
        );
        assert_eq!(
            RawRequest::post("/x").unwrap().idempotency(),
            Idempotency::NotIdempotent
        );
        assert_eq!(
            RawRequest::post("/x")
                .unwrap()
                .idempotent(true)
                .idempotency(),
            Idempotency::Idempotent
        );
        assert!(RawRequest::get("x").is_err());
    }

    #[test]
    fn raw_empty_body_decodes_to_null() {
        let raw = RawRequest::get("/x").unwrap();
        assert_eq!(raw.decode(b"").unwrap(), serde_json::Value::Null);
        assert_eq!(raw.decode(b"[1]").unwrap(), serde_json::json!([1]));
    }
}
