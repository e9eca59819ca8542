//! A library that names `cocoonmail::Client` and `cocoonmail::blocking::Client` without
//! turning any transport feature on, the way a crate built on the SDK would.
//!
//! CI compiles it alone and again with `--features cocoonmail/reqwest,cocoonmail/ureq` (as
//! when another crate of the same build turns them on): features only add, so both builds
//! must succeed. If a feature changed what `Client` means (say, to `Client<ReqwestTransport>`),
//! the second build would fail here.

use cocoonmail::{AsyncTransport, BlockingTransport, Client, Error};

/// Builds the async client over a transport of the caller's.
pub fn async_client(transport: Box<dyn AsyncTransport>, key: &str) -> Result<Client, Error> {
    Client::builder()
        .api_key(key)
        .build_with_transport(transport)
}

/// Builds the blocking client over a transport of the caller's.
pub fn blocking_client(
    transport: Box<dyn BlockingTransport>,
    key: &str,
) -> Result<cocoonmail::blocking::Client, Error> {
    cocoonmail::blocking::Client::builder()
        .api_key(key)
        .build_with_transport(transport)
}

/// `Client` is the client over a boxed transport, whatever the features.
pub fn same_type(client: Client) -> Client<Box<dyn AsyncTransport>> {
    client
}

/// Likewise for the blocking client.
pub fn same_blocking_type(
    client: cocoonmail::blocking::Client,
) -> cocoonmail::blocking::Client<Box<dyn BlockingTransport>> {
    client
}
