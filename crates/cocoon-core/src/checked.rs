//! JSON for request types: `Deserialize` goes through the same checks as sending does
//! ([`Endpoint::validate`](crate::Endpoint::validate)), so a request read from JSON is one the
//! SDK would send, and the JSON shape is the wire shape (`Serialize` writes the body).

use serde::de::{Deserialize, Deserializer};

/// Writes a request struct and a private twin holding the same fields, which derives
/// `Deserialize`; the struct reads JSON through the twin (`#[serde(try_from = "Twin")]`,
/// written among the struct's attributes), then runs its checks: its own `validate` when it
/// is a part of a request checked on its own, else [`Endpoint::validate`](crate::Endpoint::validate).
/// The fields are listed once, and the checks live in one place.
///
/// The attributes after `via Twin` apply to both (`rename_all`); those inside the braces after
/// `twin` only to the twin (`deny_unknown_fields`); field attributes apply to both.
macro_rules! checked_request {
    (
        $(#[$attr:meta])*
        pub struct $name:ident via $twin:ident $(#[$shared:meta])*
        twin { $(#[$twin_only:meta])* }
        {
            $( $(#[$fattr:meta])* $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$attr])*
        $(#[$shared])*
        pub struct $name {
            $( $(#[$fattr])* $field: $ty ),*
        }

        /// What JSON gives for the request before its checks.
        #[derive(serde::Deserialize)]
        $(#[$shared])*
        $(#[$twin_only])*
        struct $twin {
            $( $(#[$fattr])* $field: $ty ),*
        }

        impl TryFrom<$twin> for $name {
            type Error = $crate::error::InvalidInput;

            fn try_from(twin: $twin) -> Result<Self, Self::Error> {
                let request = $name {
                    $( $field: twin.$field ),*
                };
                // The request's own `validate` when it has one (parts of a request that are
                // checked on their own), else its `Endpoint::validate`.
                #[allow(unused_imports)]
                use $crate::endpoint::Endpoint as _;
                request.validate()?;
                Ok(request)
            }
        }
    };
}

pub(crate) use checked_request;

/// Reads a field that may be absent (`None`), `null` (`Some(None)`: clear it) or a value.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
