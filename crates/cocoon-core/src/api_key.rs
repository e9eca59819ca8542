//! Validating the API key (API.md §4.1).

use serde::{Deserialize, Serialize};

use crate::endpoint::{Endpoint, Target};
use crate::route::Operation;

/// `GET /webhook/api_key/validate/`: checks that the configured key is valid.
///
/// An invalid key ends in [`crate::Error::Unauthorized`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ValidateApiKey {}

impl ValidateApiKey {
    /// The request (it has no parameters).
    pub fn new() -> Self {
        ValidateApiKey {}
    }
}

/// The answer to [`ValidateApiKey`].
///
/// A key that is not valid never gets here: it ends in [`crate::Error::Unauthorized`] (401),
/// or in [`crate::Error::Api`] when a 2xx answer says `"success": false`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ApiKeyValidation {
    /// What the server said in `success`; `None` when it did not say.
    pub success: Option<bool>,
    /// The workspace the key belongs to (sent by some deployments).
    pub workspace_id: Option<String>,
    /// The workspace's name (sent by some deployments).
    pub workspace_name: Option<String>,
}

impl Endpoint for ValidateApiKey {
    type Output = ApiKeyValidation;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::ValidateApiKey)
    }
}
