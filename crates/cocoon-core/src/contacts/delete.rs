//! Deleting a contact.

use serde::Serialize;

use super::ContactRef;
use crate::endpoint::{json_body, Endpoint, Target};
use crate::error::{Error, InvalidInput};
use crate::route::Operation;

/// `POST /webhook/contact/delete` (provisional route): deletes a contact.
///
/// The body is `{"email": ...}` or `{"userId": ...}`. Answered by [`DeleteContactResponse`]; an
/// unknown contact ends in [`crate::Error::NotFound`] (404).
///
/// ```
/// use cocoon_core::contacts::{ContactRef, DeleteContact};
/// use cocoon_core::{build_request, ApiKey, Config};
/// let config = Config::new(ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?);
/// let delete = DeleteContact::new(ContactRef::user_id("u-42"));
/// let request = build_request(&config, &delete)?;
/// assert_eq!(request.body().as_slice(), br#"{"userId":"u-42"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DeleteContact {
    contact: ContactRef,
}

impl DeleteContact {
    /// Deletes the contact identified by `contact`.
    pub fn new(contact: ContactRef) -> Self {
        DeleteContact { contact }
    }
}

impl Endpoint for DeleteContact {
    type Output = DeleteContactResponse;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::DeleteContact)
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        self.contact.validate()
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        json_body(self)
    }
}

/// The answer to [`DeleteContact`]: `success` and `message`, e.g. `"Contact deleted."`.
pub type DeleteContactResponse = crate::answers::Acknowledgement;

impl<'de> serde::Deserialize<'de> for DeleteContact {
    /// `{"email": ...}` or `{"userId": ...}`, checked as before sending.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let request = DeleteContact::new(ContactRef::deserialize(deserializer)?);
        request.validate().map_err(serde::de::Error::custom)?;
        Ok(request)
    }
}
