//! The API key and how it is presented to the server.

use std::fmt;

use crate::error::ConfigError;

/// A Cocoonmail API key.
///
/// The key is kept byte for byte (keys look like `pbkdf2_sha256$600000$<salt>$<hash>` and contain
/// `$`, `/`, `+` and `=`, which are never encoded). Its `Debug` and `Display` never show it:
///
/// ```
/// use cocoon_core::ApiKey;
/// let key = ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?;
/// assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
/// assert_eq!(key.to_string(), "<redacted>");
/// # Ok::<(), cocoon_core::ConfigError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(Box<str>);

impl ApiKey {
    /// Checks and wraps a key.
    ///
    /// A key must be non-empty and made of visible ASCII characters (it travels in an HTTP header);
    /// surrounding whitespace, as left by a copy and paste or an env file, is trimmed.
    pub fn new(key: impl AsRef<str>) -> Result<Self, ConfigError> {
        let key = key.as_ref().trim();
        if key.is_empty() {
            return Err(ConfigError::MissingApiKey);
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::MalformedApiKey);
        }
        Ok(ApiKey(key.into()))
    }

    /// The key itself, for a custom transport or auth scheme. Handle with care: never log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::str::FromStr for ApiKey {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApiKey::new(s)
    }
}

/// How the API key is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthScheme {
    /// `Authorization: Bearer <key>`, as every API reference page shows (the default).
    #[default]
    Bearer,
    /// `X-COCOONMAIL-API_KEY: <key>`, as the vendor's introduction page shows.
    ApiKeyHeader,
}

impl AuthScheme {
    /// The header name this scheme uses.
    pub fn header_name(self) -> http::HeaderName {
        match self {
            AuthScheme::Bearer => http::header::AUTHORIZATION,
            AuthScheme::ApiKeyHeader => http::HeaderName::from_static(API_KEY_HEADER),
        }
    }

    /// The header value carrying `key`, marked sensitive so HTTP stacks do not log it.
    pub(crate) fn header_value(self, key: &ApiKey) -> Result<http::HeaderValue, ConfigError> {
        let value = match self {
            AuthScheme::Bearer => {
                let mut v = String::with_capacity(7 + key.0.len());
                v.push_str("Bearer ");
                v.push_str(&key.0);
                http::HeaderValue::try_from(v)
            }
            AuthScheme::ApiKeyHeader => http::HeaderValue::from_str(&key.0),
        };
        let mut value = value.map_err(|_| ConfigError::MalformedApiKey)?;
        value.set_sensitive(true);
        Ok(value)
    }
}

/// The header name of [`AuthScheme::ApiKeyHeader`], in the lowercase form HTTP/2 requires
/// (header names are case-insensitive).
pub const API_KEY_HEADER: &str = "x-cocoonmail-api_key";

#[cfg(test)]
mod tests {
    use super::*;

    const FAKE: &str =
        "pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=";

    #[test]
    fn key_is_kept_byte_for_byte_and_never_shown() {
        let key = ApiKey::new(format!("  {FAKE}\n")).unwrap();
        assert_eq!(key.expose_secret(), FAKE);
        assert!(!format!("{key:?} {key}").contains("FAKE"));
    }

    #[test]
    fn empty_or_non_ascii_keys_are_refused() {
        assert_eq!(ApiKey::new("  "), Err(ConfigError::MissingApiKey));
        assert_eq!(ApiKey::new("abc def"), Err(ConfigError::MalformedApiKey));
        assert_eq!(ApiKey::new("clé"), Err(ConfigError::MalformedApiKey));
    }

    #[test]
    fn header_values_are_sensitive() {
        let key = ApiKey::new(FAKE).unwrap();
        let bearer = AuthScheme::Bearer.header_value(&key).unwrap();
        assert_eq!(bearer.to_str().unwrap(), format!("Bearer {FAKE}"));
        assert!(bearer.is_sensitive());
        let raw = AuthScheme::ApiKeyHeader.header_value(&key).unwrap();
        assert_eq!(raw.to_str().unwrap(), FAKE);
    }
}
