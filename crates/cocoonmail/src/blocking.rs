//! The blocking client: the same surface as the async one, waiting by sleeping the calling
//! thread.

use std::fmt;
use std::sync::Arc;

use cocoon_core::{BlockingTransport, Config, Endpoint, Error, RetryDecision, RetryState};

pub use crate::builder::Blocking;
use crate::builder::ClientBuilder;
use crate::limiter::acquire_blocking;
use crate::resources::{resource_accessors, Execute};
use crate::shared::Shared;

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

impl<T> Client<T> {
    pub(crate) fn from_parts(shared: Shared, transport: T) -> Self {
        Client {
            shared: Arc::new(shared),
            transport: Arc::new(transport),
        }
    }

    /// The configuration requests are built with.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }
}

impl<T: BlockingTransport> Client<T> {
    /// Sends any request value and decodes its answer, waiting for the rate limiter before each
    /// attempt and retrying as the retry policy says (never resending what could be delivered
    /// twice).
    pub fn send<E: Endpoint>(&self, endpoint: E) -> Result<E::Output, Error> {
        let mut state = RetryState::new(endpoint.idempotency());
        loop {
            let request = self.shared.request(&endpoint)?;
            acquire_blocking(&*self.shared.limiter);
            let sent = self.transport.send(request);
            let error = match self.shared.outcome(&endpoint, sent) {
                Ok(output) => return Ok(output),
                Err(error) => error,
            };
            match self.shared.after_failure(&mut state, &error) {
                RetryDecision::Stop => return Err(error),
                RetryDecision::RetryAfter(delay) => std::thread::sleep(delay),
            }
        }
    }

    resource_accessors!();
}

impl<T> Clone for Client<T> {
    fn clone(&self) -> Self {
        Client {
            shared: Arc::clone(&self.shared),
            transport: Arc::clone(&self.transport),
        }
    }
}

impl<T> fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.fmt(f)
    }
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
