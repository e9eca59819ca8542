//! An axum service using the SDK the way a web application does: a `/signup` route that
//! upserts the contact, sends a `signup` event and a welcome mail, and a webhook route whose
//! deliveries are checked by `cocoonmail::axum::VerifiedWebhook`.
//!
//! ```text
//! cargo run --example axum_service            # against an embedded fake server, then exits
//! cargo run --example axum_service -- --serve # keeps serving on loopback
//! ```
//!
//! Without `COCOONMAIL_API_KEY` it starts `cocoon-mock` on loopback and points the client at
//! it. It then posts one sign-up twice (a returning user is upserted, not refused with a 409)
//! and one webhook delivery with and one without the right `Authorization`, printing each
//! answer. The routes answer without echoing addresses or the server's messages.

use std::future::IntoFuture;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use cocoonmail::axum::VerifiedWebhook;
use cocoonmail::contacts::{ContactRef, UpdateContact};
use cocoonmail::events::SendEvent;
use cocoonmail::mail::{MailContent, Recipient, SendMail};
use cocoonmail::webhooks::WebhookVerifier;

/// The value the dashboard is set to send in `Authorization` (obviously fake).
const WEBHOOK_AUTHORIZATION: &str = "Bearer demo-not-a-real-secret";

/// What the handlers share: one client (its pool and rate limiter) and the verifier.
#[derive(Clone)]
struct AppState {
    client: cocoonmail::Client,
    verifier: Arc<WebhookVerifier>,
}

impl FromRef<AppState> for Arc<WebhookVerifier> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.verifier)
    }
}

fn app(state: AppState) -> Router {
    Router::new()
        .route("/signup", post(signup))
        .route("/webhooks/cocoonmail", post(webhook))
        .with_state(state)
}

#[derive(serde::Deserialize)]
struct Signup {
    email: String,
    first_name: Option<String>,
}

async fn signup(State(state): State<AppState>, body: Bytes) -> (StatusCode, &'static str) {
    let Ok(signup) = serde_json::from_slice::<Signup>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            "expected {\"email\": ..., \"first_name\": ...}\n",
        );
    };
    match sign_up(&state.client, signup).await {
        Ok(()) => (StatusCode::OK, "welcome\n"),
        // The error may hold the server's message, which may repeat the address: it is for the
        // logs of the service (none here), not for the answer.
        Err(error) if error.status().is_some_and(|s| s.is_client_error()) => {
            (StatusCode::BAD_REQUEST, "the sign-up was refused\n")
        }
        Err(_) => (StatusCode::BAD_GATEWAY, "try again later\n"),
    }
}

async fn sign_up(client: &cocoonmail::Client, signup: Signup) -> Result<(), cocoonmail::Error> {
    let mut contact = UpdateContact::new(ContactRef::email(signup.email.clone()));
    if let Some(first_name) = &signup.first_name {
        contact = contact.first_name(first_name.clone());
    }
    // The upsert: a returning user is updated, not refused with a 409.
    client.contacts().update(contact).await?;
    client
        .events()
        .send(SendEvent::simple("signup", signup.email.clone()))
        .await?;
    let welcome =
        SendMail::new(MailContent::transactional("welcome-1")).to(Recipient::new(signup.email));
    client.mail().send(welcome).await?;
    Ok(())
}

async fn webhook(VerifiedWebhook(event): VerifiedWebhook) -> StatusCode {
    println!("webhook: {} ({})", event.event_type, event.family());
    StatusCode::OK
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let serve = std::env::args().any(|arg| arg == "--serve");
    let mock = match std::env::var(cocoonmail::ENV_API_KEY) {
        Ok(_) => None,
        Err(_) => Some(cocoon_mock::MockServer::start()),
    };
    let mut builder = cocoonmail::Client::builder().from_env();
    if let Some(mock) = &mock {
        builder = builder
            .api_key(cocoon_mock::DEFAULT_API_KEY)
            .base_url(mock.base_url());
    }
    let state = AppState {
        client: builder.build()?,
        verifier: Arc::new(WebhookVerifier::new(WEBHOOK_AUTHORIZATION)),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    println!("listening on {base}");
    let server = tokio::spawn(axum::serve(listener, app(state)).into_future());
    if serve {
        server.await??;
        return Ok(());
    }

    let http = reqwest::Client::new();
    let mut failures = 0;
    let body = r#"{"email":"ada@example.com","first_name":"Ada"}"#;
    for round in ["first sign-up", "returning user"] {
        let answer = http
            .post(format!("{base}/signup"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        println!("POST /signup ({round}): {}", answer.status());
        failures += usize::from(answer.status() != StatusCode::OK);
    }
    for (authorization, expected) in [
        (WEBHOOK_AUTHORIZATION, StatusCode::OK),
        ("Bearer guess", StatusCode::UNAUTHORIZED),
    ] {
        let answer = http
            .post(format!("{base}/webhooks/cocoonmail"))
            .header("authorization", authorization)
            .header("content-type", "application/json")
            .header("x-cocoon-event-type", "contact.created")
            .body(r#"{"uuid":"c-1"}"#)
            .send()
            .await?;
        println!("POST /webhooks/cocoonmail: {}", answer.status());
        failures += usize::from(answer.status() != expected);
    }
    server.abort();
    if failures > 0 {
        return Err(format!("{failures} answer(s) were not the expected ones").into());
    }
    Ok(())
}
