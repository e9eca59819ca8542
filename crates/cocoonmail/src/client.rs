//! The async client.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use cocoon_core::{AsyncTransport, Endpoint, Error, RetryDecision, RetryState};

use crate::builder::{Async, ClientBuilder};
use crate::limiter::acquire_async;
use crate::resources::{resource_accessors, Execute};
use crate::shared::{client_common, Shared};

/// The transport [`Client`] uses unless told otherwise: reqwest with the `reqwest` feature,
/// otherwise any boxed [`AsyncTransport`] the user provides.
#[cfg(feature = "reqwest")]
pub type DefaultAsyncTransport = cocoon_transport_reqwest::ReqwestTransport;
/// The transport [`Client`] uses unless told otherwise: reqwest with the `reqwest` feature,
/// otherwise any boxed [`AsyncTransport`] the user provides.
#[cfg(not(feature = "reqwest"))]
pub type DefaultAsyncTransport = Box<dyn AsyncTransport>;

/// The async Cocoonmail client. Cheap to clone: clones share the connection pool, the rate
/// limiter and the configuration, so one client can serve a whole program.
///
/// Build it with [`Client::builder`] (or [`ClientBuilder::build_with_transport`] for a custom
/// transport); call [`Client::send`] with any request value, or the methods grouped by resource
/// ([`Client::contacts`], [`Client::mail`], ...).
pub struct Client<T = DefaultAsyncTransport> {
    shared: Arc<Shared>,
    transport: Arc<T>,
}

impl Client {
    /// A builder with every default (see [`ClientBuilder`]).
    pub fn builder() -> ClientBuilder<Async> {
        ClientBuilder::new()
    }
}

client_common!(Client);

impl<T: AsyncTransport> Client<T> {
    /// Sends any request value and decodes its answer, waiting for the rate limiter before each
    /// attempt and retrying as the retry policy says (never resending what could be delivered
    /// twice).
    pub async fn send<E>(&self, endpoint: E) -> Result<E::Output, Error>
    where
        E: Endpoint + Sync,
    {
        let mut state = RetryState::new(endpoint.idempotency());
        loop {
            let request = self.shared.request(&endpoint)?;
            let granted = acquire_async(&*self.shared.limiter).await;
            let sent = self.transport.send(request).await;
            drop(granted);
            let error = match self.shared.outcome(&endpoint, sent) {
                Ok(output) => return Ok(output),
                Err(error) => error,
            };
            match self.shared.after_failure(&mut state, &error) {
                RetryDecision::RetryAfter(delay) => futures_timer::Delay::new(delay).await,
                // `Stop`, or a decision this client does not know: stopping is the safe choice.
                _ => return Err(error),
            }
        }
    }

    resource_accessors!();
}

impl<T: AsyncTransport> Execute for Client<T> {
    type Response<'a, O: 'a>
        = Pin<Box<dyn Future<Output = Result<O, Error>> + Send + 'a>>
    where
        Self: 'a;

    fn execute<'a, E>(&'a self, endpoint: E) -> Self::Response<'a, E::Output>
    where
        E: Endpoint + Send + Sync + 'a,
        E::Output: Send + 'a,
    {
        Box::pin(self.send(endpoint))
    }
}
