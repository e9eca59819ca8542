//! Turning request values into `http::Request`s and `http::Response`s into outputs or errors.

use http::header::{ACCEPT, CONTENT_TYPE, LOCATION, USER_AGENT};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use serde::Deserialize;

use crate::config::Config;
use crate::endpoint::{Endpoint, Query, Target};
use crate::error::{ApiError, DecodeError, Error, RawBody};
use crate::ratelimit::RateLimit;

const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Error bodies larger than this are kept (bounded) but not parsed for a message.
const MAX_PARSED_ERROR_BODY: usize = 1024 * 1024;

/// Builds the HTTP request for `endpoint`: URL from the base URL, the route table and the query;
/// the auth header; `Accept: application/json`; `Content-Type: application/json` when there is a
/// body; `User-Agent`.
///
/// Fails with [`Error::InvalidInput`] when the endpoint's values would be rejected by the API.
pub fn build_request<E: Endpoint + ?Sized>(
    config: &Config,
    endpoint: &E,
) -> Result<Request<Vec<u8>>, Error> {
    endpoint.validate()?;
    let route = match endpoint.target() {
        Target::Operation(op) => config.routes().get(op),
        Target::Route(route) => route,
    };
    let mut url = String::with_capacity(config.base_url().len() + route.path().len() + 64);
    url.push_str(config.base_url());
    url.push_str(route.path());
    endpoint.query(&mut Query::new(&mut url));
    let body = endpoint.body()?;

    let has_body = body.is_some();
    let mut request = Request::new(body.unwrap_or_default());
    *request.method_mut() = route.method().clone();
    *request.uri_mut() = url.parse().map_err(|_| {
        Error::InvalidInput(crate::InvalidInput::new(
            "path",
            "the route does not form a valid URL",
        ))
    })?;
    let headers = request.headers_mut();
    let (auth_name, auth_value) = config.auth_header();
    headers.insert(auth_name.clone(), auth_value.clone());
    headers.insert(ACCEPT, APPLICATION_JSON);
    if has_body {
        headers.insert(CONTENT_TYPE, APPLICATION_JSON);
    }
    headers.insert(USER_AGENT, config.user_agent_header().clone());
    Ok(request)
}

/// Decodes an answer: a 2xx into the endpoint's output, anything else into the matching
/// [`Error`] variant with status, message, raw body and rate-limit headers. Never panics,
/// whatever the bytes.
pub fn decode_response<E: Endpoint + ?Sized>(
    endpoint: &E,
    response: Response<Vec<u8>>,
) -> Result<E::Output, Error> {
    let status = response.status();
    if !status.is_success() {
        return Err(error_from_parts(
            status,
            response.headers(),
            response.body(),
        ));
    }
    let body = response.body();
    if reports_failure(body) {
        return Err(Error::Api(Box::new(api_error(
            status,
            response.headers(),
            body,
        ))));
    }
    endpoint.decode(body).map_err(|e| {
        Error::from(DecodeError {
            status,
            expected: std::any::type_name::<E::Output>(),
            reason: e.to_string(),
            body: RawBody::new(body),
            attempts: Default::default(),
        })
    })
}

/// The error for an unsuccessful answer.
pub fn error_from_parts(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let error = Box::new(api_error(status, headers, body));
    match status.as_u16() {
        401 => Error::Unauthorized(error),
        403 => Error::Blocked(error),
        404 => Error::NotFound(error),
        406 => Error::NotAcceptable(error),
        409 => Error::Conflict(error),
        429 => Error::RateLimited(error),
        300..=399 => Error::Redirected(error),
        500..=599 => Error::Server(error),
        _ => Error::Api(error),
    }
}

fn api_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ApiError {
    ApiError {
        status,
        message: error_message(body),
        body: RawBody::new(body),
        rate_limit: RateLimit::from_headers(headers),
        location: if status.is_redirection() {
            headers
                .get(LOCATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        } else {
            None
        },
        attempts: Default::default(),
    }
}

/// Whether a successful answer's JSON object says `"success": false`.
fn reports_failure(body: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Probe {
        success: Option<bool>,
    }
    let starts_object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    // Most answers hold no `false` at all: skip the second parse for them.
    let mentions_false = body.windows(5).any(|w| w == b"false");
    starts_object
        && mentions_false
        && matches!(
            serde_json::from_slice::<Probe>(body),
            Ok(Probe {
                success: Some(false)
            })
        )
}

/// The message of an error body: JSON `message`, else `detail`, else `error` (a string or an
/// object with a `message`); for an HTML page, its `<title>`.
fn error_message(body: &[u8]) -> Option<String> {
    if body.len() > MAX_PARSED_ERROR_BODY {
        return None;
    }
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body) {
        let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        return map
            .get("message")
            .and_then(text)
            .or_else(|| map.get("detail").and_then(text))
            .or_else(|| match map.get("error")? {
                serde_json::Value::Object(inner) => inner.get("message").and_then(text),
                other => text(other),
            })
            .filter(|m| !m.trim().is_empty());
    }
    html_title(body)
}

fn html_title(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(crate::error::MAX_KEPT_BODY)];
    let text = String::from_utf8_lossy(head);
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = open_end + lower[open_end..].find("</title")?;
    let title = text[open_end..close]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!title.is_empty()).then_some(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_comes_from_message_detail_or_error() {
        assert_eq!(
            error_message(br#"{"message":"m","detail":"d"}"#).as_deref(),
            Some("m")
        );
        assert_eq!(
            error_message(br#"{"detail":"d","error":"e"}"#).as_deref(),
            Some("d")
        );
        assert_eq!(error_message(br#"{"error":"e"}"#).as_deref(), Some("e"));
        assert_eq!(
            error_message(br#"{"error":{"message":"inner"}}"#).as_deref(),
            Some("inner")
        );
        assert_eq!(
            error_message(br#"{"message":42,"detail":"d"}"#).as_deref(),
            Some("d")
        );
        assert_eq!(error_message(br#"{"success":false}"#), None);
        assert_eq!(error_message(b"[1,2]"), None);
        assert_eq!(error_message(b""), None);
    }

    fn api_error_of(status: u16, body: &[u8]) -> Error {
        let response = Response::builder()
            .status(status)
            .body(body.to_vec())
            .unwrap();
        decode_response(&crate::api_key::ValidateApiKey::new(), response).unwrap_err()
    }

    #[test]
    fn each_status_becomes_its_variant() {
        let body = br#"{"success": false, "message": "why"}"#;
        for (status, variant) in [
            (301, "Redirected"),
            (400, "Api"),
            (401, "Unauthorized"),
            (403, "Blocked"),
            (404, "NotFound"),
            (406, "NotAcceptable"),
            (409, "Conflict"),
            (422, "Api"),
            (429, "RateLimited"),
            (500, "Server"),
            (502, "Server"),
            (503, "Server"),
            (504, "Server"),
        ] {
            let error = api_error_of(status, body);
            assert!(
                format!("{error:?}").starts_with(variant),
                "{status}: {error:?}"
            );
            assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
            assert_eq!(error.api().unwrap().message.as_deref(), Some("why"));
        }
    }

    #[test]
    fn success_status_with_success_false_is_an_error() {
        let response = Response::builder()
            .status(200)
            .body(br#"{"success": false, "message": "quota exceeded"}"#.to_vec())
            .unwrap();
        let error = decode_response(&crate::api_key::ValidateApiKey::new(), response).unwrap_err();
        assert!(matches!(error, Error::Api(_)), "{error:?}");
        assert_eq!(
            error.api().unwrap().message.as_deref(),
            Some("quota exceeded")
        );
    }

    #[test]
    fn odd_error_bodies_are_kept_raw() {
        // Empty.
        let empty = api_error_of(500, b"");
        assert_eq!(empty.api().unwrap().message, None);
        assert!(empty.api().unwrap().body.is_empty());
        assert_eq!(
            empty.to_string(),
            "server error: HTTP 500 Internal Server Error"
        );
        // Truncated JSON: no message, the bytes kept.
        let cut = api_error_of(400, br#"{"message": "field `to` is requ"#);
        assert_eq!(cut.api().unwrap().message, None);
        assert_eq!(
            cut.api().unwrap().body.as_bytes(),
            br#"{"message": "field `to` is requ"#
        );
        // Invalid UTF-8: kept as bytes, shown lossily.
        let binary = api_error_of(502, b"\xff\xfe bad \xc3");
        assert_eq!(binary.api().unwrap().body.as_bytes(), b"\xff\xfe bad \xc3");
        assert!(binary.to_string().contains("bad"), "{binary}");
        // A 2xx that is not the documented JSON: a decode error naming the expected type.
        let response = Response::builder()
            .status(200)
            .body(b"<html>ok</html>".to_vec())
            .unwrap();
        let error = decode_response(&crate::api_key::ValidateApiKey::new(), response).unwrap_err();
        match &error {
            Error::Decode(decode) => {
                assert!(
                    decode.expected.ends_with("ApiKeyValidation"),
                    "{}",
                    decode.expected
                );
                assert_eq!(decode.body.as_bytes(), b"<html>ok</html>");
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    fn ok_with(body: &[u8]) -> Response<Vec<u8>> {
        Response::builder().status(200).body(body.to_vec()).unwrap()
    }

    #[test]
    fn an_empty_answer_decodes_to_the_default_of_an_answer_without_required_fields() {
        use crate::{api_key, contacts, events, mail, otp, verify, whatsapp};

        /// Decodes an empty and a blank 2xx body for `endpoint`; both must give the default.
        fn empty_is_default<E>(endpoint: E)
        where
            E: Endpoint,
            E::Output: Default + PartialEq + std::fmt::Debug,
        {
            for body in [&b""[..], b" \r\n\t "] {
                let decoded = decode_response(&endpoint, ok_with(body));
                assert_eq!(
                    decoded.unwrap(),
                    E::Output::default(),
                    "{} on {body:?}",
                    std::any::type_name::<E::Output>()
                );
            }
        }

        let contact = || contacts::ContactRef::email("a@example.com");
        empty_is_default(api_key::ValidateApiKey::new());
        empty_is_default(mail::SendMail::new(mail::MailContent::transactional("t")).to("a@x.io"));
        empty_is_default(mail::SendDirectMail::new("c", "s@x.io", "S").to("a@x.io"));
        empty_is_default(mail::MailUsage::new());
        empty_is_default(mail::MailStatus::new("m"));
        empty_is_default(events::SendEvent::simple("signup", "a@x.io"));
        empty_is_default(
            events::CheckoutEvent::new(
                "c",
                events::CheckoutCustomer::new("a@x.io"),
                "https://x",
                "2024-05-01",
            )
            .item(events::CartItem::new("s", "n", 1, 1.0)),
        );
        empty_is_default(verify::VerifyEmail::new("a@x.io"));
        empty_is_default(
            whatsapp::SendWhatsApp::new("1", whatsapp::WhatsAppMessage::text("hi")).recipient("2"),
        );
        empty_is_default(whatsapp::WhatsAppStatus::new("w"));
        empty_is_default(otp::SendOtp::new(
            "t",
            otp::OtpRecipients::email(["a@x.io"]),
            otp::OtpCode::from(42u32),
        ));
        empty_is_default(contacts::CreateContact::new("a@x.io"));
        empty_is_default(contacts::UpdateContact::new(contact()));
        empty_is_default(contacts::DeleteContact::new(contact()));
    }

    /// An endpoint whose answer has a required field, as a user's own endpoint might have.
    struct NeedsId;

    #[derive(Debug, serde::Deserialize)]
    struct WithId {
        id: String,
    }

    impl Endpoint for NeedsId {
        type Output = WithId;
        fn target(&self) -> Target<'_> {
            Target::Operation(crate::Operation::CreateContact)
        }
    }

    #[test]
    fn an_empty_answer_is_a_decode_error_for_an_answer_with_a_required_field_or_a_list() {
        for body in [&b""[..], b"\n"] {
            match decode_response(&NeedsId, ok_with(body)) {
                Err(Error::Decode(e)) => {
                    assert_eq!(e.status, StatusCode::OK);
                    assert!(e.expected.ends_with("WithId"), "{}", e.expected);
                    assert!(e.reason.contains("the body is empty"), "{}", e.reason);
                    assert!(e.reason.contains("missing field `id`"), "{}", e.reason);
                }
                other => panic!("expected a decode error, got {other:?}"),
            }
            let find =
                crate::contacts::FindContact::new(crate::contacts::ContactRef::email("a@x.io"));
            match decode_response(&find, ok_with(body)) {
                Err(Error::Decode(e)) => {
                    assert!(e.reason.contains("the body is empty"), "{}", e.reason)
                }
                other => panic!("expected a decode error, got {other:?}"),
            }
        }
        // A body that is not empty is decoded as it is.
        assert_eq!(
            decode_response(&NeedsId, ok_with(br#"{"id": "c1"}"#))
                .unwrap()
                .id,
            "c1"
        );
    }

    #[test]
    fn html_pages_give_their_title() {
        let page = b"<html><head><TITLE>502 Bad\n Gateway</TITLE></head><body>nginx</body></html>";
        assert_eq!(error_message(page).as_deref(), Some("502 Bad Gateway"));
        assert_eq!(error_message(b"<html><title>unclosed"), None);
        // A multi-byte character must not break slicing.
        assert_eq!(
            error_message("<title>é</title>".as_bytes()).as_deref(),
            Some("é")
        );
    }
}

/// Whatever the server answers, decoding ends in an output or a typed error, never a panic.
#[cfg(test)]
mod decoding_never_panics {
    use super::*;
    use crate::{contacts, mail, whatsapp, RawRequest};
    use proptest::prelude::*;

    fn answer(status: u16, headers: &[(String, Vec<u8>)], body: &[u8]) -> Response<Vec<u8>> {
        let mut response = Response::new(body.to_vec());
        *response.status_mut() = StatusCode::from_u16(status).unwrap();
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_bytes(value),
            ) {
                response.headers_mut().append(name, value);
            }
        }
        response
    }

    fn decode_all(response: &Response<Vec<u8>>) {
        let copy = || {
            let mut r = Response::new(response.body().clone());
            *r.status_mut() = response.status();
            *r.headers_mut() = response.headers().clone();
            r
        };
        let find = contacts::FindContact::new(contacts::ContactRef::email("a@example.com"));
        let outcomes = [
            decode_response(&find, copy()).map(|_| ()),
            decode_response(&mail::MailStatus::new("m"), copy()).map(|_| ()),
            decode_response(&whatsapp::WhatsAppStatus::new("w"), copy()).map(|_| ()),
            decode_response(&crate::api_key::ValidateApiKey::new(), copy()).map(|_| ()),
            decode_response(&RawRequest::get("/x").unwrap(), copy()).map(|_| ()),
        ];
        for outcome in outcomes {
            if let Err(error) = outcome {
                // Every error can be shown and asked about without panicking.
                let _ = (error.to_string(), format!("{error:?}"), error.status());
                let _ = (
                    error.is_retryable(),
                    error.retry_after(),
                    error.rate_limit(),
                );
            }
        }
    }

    fn json_like() -> impl Strategy<Value = Vec<u8>> {
        let leaf = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            any::<i64>().prop_map(|n| n.to_string()),
            "[a-z\"\\\\{}]{0,12}".prop_map(|s| format!("{s:?}")),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec(
                    (
                        prop_oneof![
                            Just("message".to_owned()),
                            Just("success".to_owned()),
                            Just("data".to_owned()),
                            Just("email".to_owned()),
                            Just("error".to_owned()),
                            "[a-z_]{1,8}"
                        ],
                        inner
                    ),
                    0..6
                )
                .prop_map(|kv| {
                    let fields: Vec<_> = kv.iter().map(|(k, v)| format!("{k:?}:{v}")).collect();
                    format!("{{{}}}", fields.join(","))
                }),
            ]
        })
        .prop_map(String::into_bytes)
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_with_any_status(
            status in 100u16..=999,
            body in prop::collection::vec(any::<u8>(), 0..512),
            headers in prop::collection::vec(
                (prop_oneof![
                    Just("retry-after".to_owned()),
                    Just("x-ratelimit-limit".to_owned()),
                    Just("x-ratelimit-remaining".to_owned()),
                    Just("location".to_owned()),
                ], prop::collection::vec(any::<u8>(), 0..40)),
                0..4,
            ),
        ) {
            decode_all(&answer(status, &headers, &body));
        }

        #[test]
        fn json_shaped_bodies_with_any_status(status in 100u16..=599, body in json_like()) {
            decode_all(&answer(status, &[], &body));
        }

        #[test]
        fn cut_json_bodies(body in json_like(), cut in any::<prop::sample::Index>()) {
            let cut = cut.index(body.len() + 1);
            decode_all(&answer(200, &[], &body[..cut]));
            decode_all(&answer(500, &[], &body[..cut]));
        }
    }

    #[test]
    fn huge_bodies_are_kept_bounded() {
        let huge = vec![b'x'; 8 * 1024 * 1024];
        let error = decode_response(
            &crate::api_key::ValidateApiKey::new(),
            answer(502, &[], &huge),
        )
        .unwrap_err();
        let api = error.api().unwrap();
        assert_eq!(api.body.total_len(), huge.len());
        assert_eq!(api.body.as_bytes().len(), crate::MAX_KEPT_BODY);
        assert!(api.body.is_truncated());
        assert!(error.to_string().len() < 1024);
    }
}
