//! The two small answers several operations share: an acknowledgement, and an acknowledgement
//! carrying the id of what was created or changed.
//!
//! Each operation names its own answer type (for example [`crate::otp::SendOtpResponse`]); those
//! names are aliases of the types here.

use serde::{Deserialize, Serialize};

/// `{"success": true, "message": "..."}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Acknowledgement {
    /// What the server said in `success`; `None` when it did not say. An answer saying
    /// `false` never gets here: it ends in [`crate::Error::Api`].
    pub success: Option<bool>,
    /// The server's message, such as `"OTP sent successfully"` or `"Contact deleted."`.
    pub message: Option<String>,
}

/// `{"success": true, "id": "...", "message": "..."}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct IdAcknowledgement {
    /// What the server said in `success`; `None` when it did not say. An answer saying
    /// `false` never gets here: it ends in [`crate::Error::Api`].
    pub success: Option<bool>,
    /// The id of what was created or changed (sent as a string or a number; kept as text).
    #[serde(deserialize_with = "crate::wire::opt_string")]
    pub id: Option<String>,
    /// The server's message, when it gives one.
    pub message: Option<String>,
}
