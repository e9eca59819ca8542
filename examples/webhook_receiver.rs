//! A receiver for the webhooks Cocoonmail sends, on axum 0.8.
//!
//! It listens on loopback, checks every delivery's `Authorization` header with the SDK's
//! verifier (constant-time), and answers at once: `200` for an event (printing one line about
//! it), `401` when the `Authorization` value is missing or wrong, `400` for a malformed
//! delivery (`413` when the body is too large, `415` when it is not JSON).
//!
//! ```text
//! COCOON_WEBHOOK_AUTHORIZATION="Bearer <the value set in the dashboard>" \
//!     cargo run --example webhook_receiver -- --port 8080
//! ```
//!
//! Without `--port` it picks a free port; it prints its URL either way. Without the variable
//! it uses an obviously fake demo value. Cocoonmail only delivers to HTTPS URLs: in
//! production put this behind a TLS-terminating proxy or tunnel.
//!
//! To try it by hand, from another terminal:
//!
//! ```text
//! curl -i http://127.0.0.1:8080/webhooks/cocoonmail \
//!     -H 'Authorization: Bearer demo-not-a-real-secret' \
//!     -H 'Content-Type: application/json' \
//!     -H 'x-cocoon-event-type: contact.created' \
//!     -H 'x-cocoon-contact-email: ada@example.com' \
//!     -d '{}'
//! ```

use std::sync::Arc;

use axum::{
    body::to_bytes,
    extract::{Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
    Router,
};
use cocoonmail::core::webhooks::{EventData, WebhookError, WebhookEvent, WebhookVerifier};

/// The path deliveries are posted to.
pub const WEBHOOK_PATH: &str = "/webhooks/cocoonmail";

/// The environment variable holding the expected `Authorization` value.
pub const AUTHORIZATION_ENV: &str = "COCOON_WEBHOOK_AUTHORIZATION";

/// The value used when the variable is unset: for the demo only.
pub const DEMO_AUTHORIZATION: &str = "Bearer demo-not-a-real-secret";

/// The receiver's routes: `POST` [`WEBHOOK_PATH`], checked by `verifier`.
pub fn app(verifier: WebhookVerifier) -> Router {
    Router::new()
        .route(WEBHOOK_PATH, post(receive))
        .with_state(Arc::new(verifier))
}

async fn receive(State(verifier): State<Arc<WebhookVerifier>>, request: Request) -> Response {
    // Turn an unknown sender away before reading its body.
    if let Err(error) = verifier.check_authorization(request.headers()) {
        return reject(&error);
    }
    let (parts, body) = request.into_parts();
    // Read at most the verifier's limit. Reading fails when the body is longer (or the
    // connection broke, when no answer reaches anyone anyway).
    let Ok(body) = to_bytes(body, verifier.max_body_bytes()).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "the body is too large\n").into_response();
    };
    match verifier.verify(&Request::from_parts(parts, body)) {
        Ok(event) => {
            // Answer quickly: a real receiver would queue the event here and do slow work
            // (database writes, emails) after answering.
            let line = describe(&event);
            println!("{line}");
            (StatusCode::OK, format!("{line}\n")).into_response()
        }
        Err(error) => reject(&error),
    }
}

/// The answer to a rejected delivery. The error's text never contains a secret.
fn reject(error: &WebhookError) -> Response {
    eprintln!("rejected a delivery: {error}");
    (error.status(), format!("{error}\n")).into_response()
}

/// One line about an event.
pub fn describe(event: &WebhookEvent) -> String {
    let when = event.event_datetime.as_deref().unwrap_or("-");
    let what = match &event.data {
        EventData::Contact(contact) => format!(
            "contact {} <{}>",
            contact.uuid().unwrap_or("?"),
            contact.email().unwrap_or("?")
        ),
        EventData::Email(email) => format!(
            "email {} to {}",
            email.message_id().unwrap_or("?"),
            email.email().unwrap_or("?")
        ),
        EventData::WhatsApp(whatsapp) => {
            let payload = &whatsapp.payload;
            let mut line = format!(
                "whatsapp {} from {} to {}",
                payload.status, payload.sender, payload.receiver
            );
            if let Some(reason) = &payload.failure_reason {
                line.push_str(&format!(" ({reason})"));
            }
            line
        }
        EventData::Other(other) => {
            format!(
                "undocumented event type, {} x-cocoon headers",
                other.cocoon_headers.len()
            )
        }
        _ => "event of a newer family".to_owned(),
    };
    format!("{when} {}: {what}", event.event_type)
}

/// Receive Cocoonmail webhook deliveries on loopback and print each event.
#[derive(clap::Parser)]
#[command(name = "webhook_receiver")]
struct Options {
    /// The port to listen on (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = <Options as clap::Parser>::parse().port;
    let expected = std::env::var(AUTHORIZATION_ENV).unwrap_or_else(|_| {
        eprintln!(
            "{AUTHORIZATION_ENV} is not set: expecting the demo value {DEMO_AUTHORIZATION:?}"
        );
        DEMO_AUTHORIZATION.to_owned()
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "listening on http://{}{WEBHOOK_PATH}",
        listener.local_addr()?
    );
    axum::serve(listener, app(WebhookVerifier::new(expected))).await?;
    Ok(())
}
