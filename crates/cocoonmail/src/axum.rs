//! axum glue for webhook receivers (feature `axum`): the [`VerifiedWebhook`] extractor and a
//! rejection that answers with the status the verifier chose.
//!
//! The extractor takes the [`WebhookVerifier`] from the router's state (an
//! `Arc<WebhookVerifier>`, or any state it can be taken from through [`FromRef`]), checks the
//! `Authorization` header before reading anything, reads the body up to the verifier's
//! [`max_body_bytes`](WebhookVerifier::max_body_bytes), and hands the handler a typed
//! [`WebhookEvent`]. A delivery that fails a check is answered with [`WebhookError::status`]
//! (401, 400, 413, 415) and the error's message as plain text, which never holds the
//! expected secret nor the body.
//!
//! ```
//! use std::sync::Arc;
//!
//! use axum::{http::StatusCode, routing::post, Router};
//! use cocoonmail::axum::VerifiedWebhook;
//! use cocoonmail::webhooks::WebhookVerifier;
//!
//! async fn receive(VerifiedWebhook(event): VerifiedWebhook) -> StatusCode {
//!     println!("{} event", event.event_type);
//!     StatusCode::OK
//! }
//!
//! let verifier = WebhookVerifier::new("Bearer not-a-real-secret");
//! let app: Router = Router::new()
//!     .route("/webhooks/cocoonmail", post(receive))
//!     .with_state(Arc::new(verifier));
//! ```

use std::fmt;
use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cocoon_core::webhooks::{WebhookError, WebhookEvent, WebhookVerifier};

/// A webhook delivery whose `Authorization` matched and whose body parsed into an event.
///
/// An extractor: put it last among a handler's arguments (it reads the body). The router's
/// state must give an `Arc<WebhookVerifier>` ([`FromRef`]); a failed check rejects the request
/// with a [`WebhookRejection`].
#[derive(Debug, Clone)]
pub struct VerifiedWebhook(pub WebhookEvent);

impl<S> FromRequest<S> for VerifiedWebhook
where
    S: Send + Sync,
    Arc<WebhookVerifier>: FromRef<S>,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<WebhookVerifier>::from_ref(state);
        // A stranger cannot make the receiver read a body.
        verifier.check_authorization(request.headers())?;
        let limit = verifier.max_body_bytes();
        let announced = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok()?.parse::<usize>().ok());
        if let Some(size) = announced.filter(|size| *size > limit) {
            return Err(WebhookError::BodyTooLarge { size, limit }.into());
        }
        let (parts, body) = request.into_parts();
        let body = match to_bytes(body, limit).await {
            Ok(body) => body,
            Err(error) if is_length_limit(&error) => {
                // Sent without a length: all that is known is that it passed the limit.
                let size = limit.saturating_add(1);
                return Err(WebhookError::BodyTooLarge { size, limit }.into());
            }
            Err(_) => return Err(WebhookRejection(Rejection::Unreadable)),
        };
        Ok(VerifiedWebhook(
            verifier.verify_parts(&parts.headers, &body)?,
        ))
    }
}

/// Whether reading the body failed on the length limit (rather than a broken connection).
fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if cause.to_string().contains("length limit") {
            return true;
        }
        source = cause.source();
    }
    false
}

/// Why [`VerifiedWebhook`] refused a delivery; answers with the matching status and the reason
/// as plain text. Handlers may return it too: `?` turns a [`WebhookError`] into one.
#[derive(Debug)]
pub struct WebhookRejection(Rejection);

#[derive(Debug)]
enum Rejection {
    Invalid(WebhookError),
    /// The body could not be read (the sender went away mid-body).
    Unreadable,
}

impl WebhookRejection {
    /// The verifier's verdict, when the delivery was read and refused (`None` when its body
    /// could not be read).
    pub fn webhook_error(&self) -> Option<&WebhookError> {
        match &self.0 {
            Rejection::Invalid(error) => Some(error),
            Rejection::Unreadable => None,
        }
    }

    /// The status the delivery is answered with.
    pub fn status(&self) -> StatusCode {
        match &self.0 {
            Rejection::Invalid(error) => error.status(),
            Rejection::Unreadable => StatusCode::BAD_REQUEST,
        }
    }
}

impl From<WebhookError> for WebhookRejection {
    fn from(error: WebhookError) -> Self {
        WebhookRejection(Rejection::Invalid(error))
    }
}

impl fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Rejection::Invalid(error) => fmt::Display::fmt(error, f),
            Rejection::Unreadable => f.write_str("the webhook body could not be read"),
        }
    }
}

impl std::error::Error for WebhookRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0 {
            Rejection::Invalid(error) => Some(error),
            Rejection::Unreadable => None,
        }
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(format!("{self}\n")));
        *response.status_mut() = self.status();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::post;
    use axum::Router;
    use tower::ServiceExt;

    const SECRET: &str = "Bearer not-a-real-secret-for-tests";

    fn app(limit: usize) -> Router {
        async fn receive(VerifiedWebhook(event): VerifiedWebhook) -> String {
            format!("{} {}", event.event_type, event.family())
        }
        let verifier = WebhookVerifier::new(SECRET).with_max_body_bytes(limit);
        Router::new()
            .route("/hook", post(receive))
            .with_state(Arc::new(verifier))
    }

    fn delivery(authorization: Option<&str>, body: impl Into<Body>) -> Request {
        let mut request = Request::post("/hook")
            .header("content-type", "application/json")
            .header("x-cocoon-event-type", "contact.created");
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        request.body(body.into()).unwrap()
    }

    async fn answer(app: Router, request: Request) -> (StatusCode, String) {
        let response = app.oneshot(request).await.unwrap();
        let status = response.status();
        let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    const CONTACT: &str = r#"{"uuid":"c-1","email":"ada@example.com"}"#;

    #[tokio::test]
    async fn a_verified_delivery_reaches_the_handler() {
        let (status, body) = answer(app(1024), delivery(Some(SECRET), CONTACT)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.starts_with("contact.created"), "{body}");
    }

    #[tokio::test]
    async fn a_wrong_or_missing_authorization_is_a_401_that_hides_the_secret() {
        for authorization in [None, Some("Bearer guess"), Some("")] {
            let (status, body) = answer(app(1024), delivery(authorization, CONTACT)).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{authorization:?}: {body}"
            );
            assert!(!body.contains("not-a-real-secret"), "{body}");
            assert!(!body.contains("ada@example.com"), "{body}");
        }
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_a_413_announced_or_not() {
        let big = format!(r#"{{"uuid":"c-1","pad":"{}"}}"#, "x".repeat(200));
        let (status, body) = answer(app(64), delivery(Some(SECRET), big.clone())).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");

        // Streamed without a length: cut at the limit all the same.
        let chunks = futures_util::stream::iter(
            big.into_bytes()
                .chunks(16)
                .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
                .collect::<Vec<_>>(),
        );
        let request = delivery(Some(SECRET), Body::from_stream(chunks));
        assert!(request.headers().get("content-length").is_none());
        let (status, body) = answer(app(64), request).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    }

    #[tokio::test]
    async fn hostile_bodies_are_refused_with_the_verifiers_status() {
        let cases: [(&str, Option<&str>, StatusCode); 3] = [
            (
                "{not json",
                Some("application/json"),
                StatusCode::BAD_REQUEST,
            ),
            (
                CONTACT,
                Some("text/html"),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            ("\u{0}\u{ffff}", None, StatusCode::BAD_REQUEST),
        ];
        for (body, content_type, expected) in cases {
            let mut request = delivery(Some(SECRET), body);
            match content_type {
                Some(value) => {
                    request
                        .headers_mut()
                        .insert("content-type", HeaderValue::from_static(value));
                }
                None => {
                    request.headers_mut().remove("content-type");
                }
            }
            let (status, text) = answer(app(1024), request).await;
            if content_type.is_some() {
                assert_eq!(status, expected, "{body:?}: {text}");
            } else {
                assert!(status.is_client_error(), "{body:?}: {status} {text}");
            }
        }
    }

    #[tokio::test]
    async fn a_rejection_answers_in_plain_text() {
        let rejection = WebhookRejection::from(WebhookError::MissingEventType);
        assert_eq!(rejection.status(), StatusCode::BAD_REQUEST);
        let response = rejection.into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            response.headers()["content-type"],
            "text/plain; charset=utf-8"
        );
    }
}
