//! The methods grouped by resource, written once for both clients.
//!
//! Each resource handle is generic over [`Execute`], which the async client implements with
//! futures and the blocking client with plain results, so `client.contacts().find(..)` is
//! `.await`ed on one and returns directly on the other without a second copy of any method.

use cocoon_core::{Endpoint, Error, RawRequest};

mod sealed {
    pub trait Sealed {}
    impl<T> Sealed for crate::Client<T> {}
    impl<T> Sealed for crate::blocking::Client<T> {}
}

/// Sends a request value: a future for the async client, a result for the blocking one.
///
/// Implemented by [`crate::Client`] and [`crate::blocking::Client`] only.
pub trait Execute: sealed::Sealed {
    /// What a call returns: `Pin<Box<dyn Future<Output = Result<T, Error>>>>` for the async
    /// client, `Result<T, Error>` for the blocking one.
    type Response<'a, T: 'a>
    where
        Self: 'a;

    /// Sends `endpoint`.
    fn execute<'a, E>(&'a self, endpoint: E) -> Self::Response<'a, E::Output>
    where
        E: Endpoint + Send + Sync + 'a,
        E::Output: Send + 'a;
}

/// Generates the accessors of every resource handle inside a client's `impl` block.
macro_rules! resource_accessors {
    () => {
        /// Validating the API key.
        pub fn api_key(&self) -> $crate::resources::ApiKeys<'_, Self> {
            $crate::resources::ApiKeys { client: self }
        }

        /// Sends a request to any route with the same auth, rate limiting, retries and error
        /// mapping; the answer is JSON.
        pub fn raw(&self, request: cocoon_core::RawRequest) -> <Self as $crate::resources::Execute>::Response<'_, serde_json::Value> {
            $crate::resources::Execute::execute(self, request)
        }
    };
}
pub(crate) use resource_accessors;

/// API-key operations. Reached with `client.api_key()`.
#[derive(Debug)]
pub struct ApiKeys<'c, C> {
    pub(crate) client: &'c C,
}

impl<'c, C: Execute> ApiKeys<'c, C> {
    /// Checks the configured key: `Ok` with the workspace details, or
    /// [`Error::Unauthorized`].
    pub fn validate(&self) -> C::Response<'c, cocoon_core::api_key::ApiKeyValidation> {
        self.client.execute(cocoon_core::api_key::ValidateApiKey::new())
    }
}

#[allow(dead_code)]
fn _assert_types(_: RawRequest, _: Error) {}
