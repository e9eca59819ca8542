//! The blocking client: the same surface as the async one, waiting by sleeping the calling
//! thread.

use std::sync::Arc;

use cocoon_core::{BlockingTransport, Endpoint, Error, RetryDecision, RetryState};

pub use crate::builder::Blocking;
use crate::builder::ClientBuilder;
use crate::limiter::acquire_blocking;
use crate::resources::{resource_accessors, Execute};
use crate::shared::{client_common, Shared};

/// The transport [`Client`] uses unless told otherwise: ureq with the `ureq` feature,
/// otherwise any boxed [`BlockingTransport`] the user provides.
#[cfg(feature = "ureq")]
pub type DefaultBlockingTransport = cocoon_transport_ureq::UreqTransport;
/// The transport [`Client`] uses unless told otherwise: ureq with the `ureq` feature,
/// otherwise any boxed [`BlockingTransport`] the user provides.
#[cfg(not(feature = "ureq"))]
pub type DefaultBlockingTransport = Box<dyn BlockingTransport>;

/// The blocking Cocoonmail client. Cheap to clone, and safe to share between threads: clones
/// share the agent, the rate limiter and the configuration.
pub struct Client<T = DefaultBlockingTransport> {
    shared: Arc<Shared>,
    transport: Arc<T>,
}

impl Client {
    /// A builder with every default (see [`ClientBuilder`]).
    pub fn builder() -> ClientBuilder<Blocking> {
        ClientBuilder::new()
    }
}

client_common!(Client);

impl<T: BlockingTransport> Client<T> {
    /// Sends any request value and decodes its answer, waiting for the rate limiter before each
    /// attempt and retrying as the retry policy says (never resending what could be delivered
    /// twice).
    pub fn send<E: Endpoint>(&self, endpoint: E) -> Result<E::Output, Error> {
        let mut state = RetryState::new(endpoint.idempotency());
        loop {
            let request = self.shared.request(&endpoint)?;
            let granted = acquire_blocking(&*self.shared.limiter);
            let sent = self.transport.send(request);
            drop(granted);
            let error = match self.shared.outcome(&endpoint, sent) {
                Ok(output) => return Ok(output),
                Err(error) => error,
            };
            match self.shared.after_failure(&mut state, &error) {
                RetryDecision::RetryAfter(delay) => std::thread::sleep(delay),
                // `Stop`, or a decision this client does not know: stopping is the safe choice.
                _ => return Err(error),
            }
        }
    }

    resource_accessors!();
}

impl<T: BlockingTransport> Execute for Client<T> {
    type Response<'a, O: 'a>
        = Result<O, Error>
    where
        Self: 'a;

    fn execute<'a, E>(&'a self, endpoint: E) -> Self::Response<'a, E::Output>
    where
        E: Endpoint + Send + Sync + 'a,
        E::Output: Send + 'a,
    {
        self.send(endpoint)
    }
}
