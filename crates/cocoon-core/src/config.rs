//! What every request needs: base URL, key, auth scheme, user agent and routes.

use std::fmt;

use http::{HeaderName, HeaderValue};

use crate::error::ConfigError;
use crate::key::{ApiKey, AuthScheme};
use crate::route::{Operation, Route, RouteTable};

/// The production base URL.
pub const DEFAULT_BASE_URL: &str = "https://webhook.cocoonmail.com";

/// The `User-Agent` sent unless overridden: `cocoonmail-rust/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("cocoonmail-rust/", env!("CARGO_PKG_VERSION"));

/// A checked configuration, ready to build requests. Cheap to share behind an `Arc`.
///
/// ```
/// use cocoon_core::{ApiKey, Config};
/// let key = ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?;
/// let config = Config::builder(key).base_url("http://127.0.0.1:8025").build()?;
/// assert_eq!(config.base_url(), "http://127.0.0.1:8025");
/// assert!(!format!("{config:?}").contains("FAKE"));
/// # Ok::<(), cocoon_core::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct Config {
    base_url: String,
    api_key: ApiKey,
    auth_scheme: AuthScheme,
    auth_header: (HeaderName, HeaderValue),
    user_agent: HeaderValue,
    routes: RouteTable,
}

impl Config {
    /// A configuration for production with `api_key` and every default.
    pub fn new(api_key: ApiKey) -> Self {
        Config::builder(api_key)
            .build()
            .expect("the default configuration is valid")
    }

    /// A builder starting from the defaults.
    pub fn builder(api_key: ApiKey) -> ConfigBuilder {
        ConfigBuilder {
            api_key,
            base_url: DEFAULT_BASE_URL.to_owned(),
            auth_scheme: AuthScheme::default(),
            user_agent: None,
            routes: RouteTable::default(),
            allow_insecure_http: false,
        }
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The API key.
    pub fn api_key(&self) -> &ApiKey {
        &self.api_key
    }

    /// The auth scheme.
    pub fn auth_scheme(&self) -> AuthScheme {
        self.auth_scheme
    }

    /// The `User-Agent` header value.
    pub fn user_agent(&self) -> &str {
        self.user_agent.to_str().unwrap_or(DEFAULT_USER_AGENT)
    }

    /// The route table.
    pub fn routes(&self) -> &RouteTable {
        &self.routes
    }

    pub(crate) fn auth_header(&self) -> (&HeaderName, &HeaderValue) {
        (&self.auth_header.0, &self.auth_header.1)
    }

    pub(crate) fn user_agent_header(&self) -> &HeaderValue {
        &self.user_agent
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key)
            .field("auth_scheme", &self.auth_scheme)
            .field("user_agent", &self.user_agent())
            .field(
                "remapped_routes",
                &self
                    .routes
                    .iter()
                    .filter(|(op, _)| self.routes.is_remapped(*op))
                    .map(|(op, route)| format!("{op} -> {route}"))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Builds a [`Config`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ConfigBuilder {
    api_key: ApiKey,
    base_url: String,
    auth_scheme: AuthScheme,
    user_agent: Option<String>,
    routes: RouteTable,
    allow_insecure_http: bool,
}

impl ConfigBuilder {
    /// The server to talk to (default [`DEFAULT_BASE_URL`]). A path prefix is kept; a trailing
    /// slash is dropped.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// How the key is sent (default `Authorization: Bearer`).
    pub fn auth_scheme(mut self, scheme: AuthScheme) -> Self {
        self.auth_scheme = scheme;
        self
    }

    /// Replaces the `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Whether a `User-Agent` was set with [`ConfigBuilder::user_agent`].
    pub fn has_user_agent(&self) -> bool {
        self.user_agent.is_some()
    }

    /// Sends `operation` to `route` instead of the vendor's route.
    pub fn route(mut self, operation: Operation, route: Route) -> Self {
        self.routes.set(operation, route);
        self
    }

    /// Replaces the whole route table.
    pub fn routes(mut self, routes: RouteTable) -> Self {
        self.routes = routes;
        self
    }

    /// Allows plain `http://` to hosts other than loopback, which sends the key in clear text.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Checks everything and builds the configuration.
    pub fn build(self) -> Result<Config, ConfigError> {
        let base_url = check_base_url(&self.base_url, self.allow_insecure_http)?;
        let user_agent = match self.user_agent {
            Some(ua) => HeaderValue::try_from(ua).map_err(|_| ConfigError::InvalidUserAgent)?,
            None => HeaderValue::from_static(DEFAULT_USER_AGENT),
        };
        Ok(Config {
            base_url,
            auth_header: (
                self.auth_scheme.header_name(),
                self.auth_scheme.header_value(&self.api_key)?,
            ),
            api_key: self.api_key,
            auth_scheme: self.auth_scheme,
            user_agent,
            routes: self.routes,
        })
    }
}

fn check_base_url(url: &str, allow_insecure_http: bool) -> Result<String, ConfigError> {
    let invalid = |reason| ConfigError::InvalidBaseUrl {
        url: url.to_owned(),
        reason,
    };
    let trimmed = url.trim().trim_end_matches('/');
    let uri: http::Uri = trimmed.parse().map_err(|_| invalid("not a valid URL"))?;
    let scheme = uri
        .scheme_str()
        .ok_or_else(|| invalid("it needs http:// or https://"))?;
    if scheme != "http" && scheme != "https" {
        return Err(invalid("the scheme must be http or https"));
    }
    let authority = uri.authority().ok_or_else(|| invalid("it has no host"))?;
    if authority.as_str().contains('@') {
        return Err(invalid("credentials in the URL are not allowed"));
    }
    if uri.query().is_some() || trimmed.contains('#') {
        return Err(invalid("a query or fragment is not allowed"));
    }
    let host = authority.host();
    if host.is_empty() {
        return Err(invalid("it has no host"));
    }
    if scheme == "http" && !allow_insecure_http && !is_loopback(host) {
        return Err(ConfigError::InsecureBaseUrl {
            host: host.to_owned(),
        });
    }
    Ok(trimmed.to_owned())
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAKE: &str =
        "pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=";

    fn builder() -> ConfigBuilder {
        Config::builder(ApiKey::new(FAKE).unwrap())
    }

    #[test]
    fn debug_of_a_configuration_never_shows_the_key() {
        let config = builder().build().unwrap();
        let debug = format!("{config:?} {config:#?}");
        assert!(debug.contains("<redacted>"), "{debug}");
        assert!(!debug.contains("FAKE"), "{debug}");
        assert!(!debug.contains("ZmFr"), "{debug}");
        assert!(!debug.contains("pbkdf2"), "{debug}");
        let builder_debug = format!("{:?}", builder());
        assert!(!builder_debug.contains("FAKE"), "{builder_debug}");
    }

    #[test]
    fn base_url_is_normalised_and_checked() {
        let config = builder()
            .base_url("https://staging.example.com/api/")
            .build()
            .unwrap();
        assert_eq!(config.base_url(), "https://staging.example.com/api");
        for bad in [
            "",
            "webhook.cocoonmail.com",
            "ftp://x.com",
            "https://x.com?a=1",
            "https://u:p@x.com",
        ] {
            assert!(
                matches!(
                    builder().base_url(bad).build(),
                    Err(ConfigError::InvalidBaseUrl { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn plain_http_only_to_loopback_unless_opted_in() {
        for ok in [
            "http://127.0.0.1:8025",
            "http://localhost:1",
            "http://[::1]:80",
            "http://127.8.9.1",
        ] {
            assert!(builder().base_url(ok).build().is_ok(), "{ok}");
        }
        let err = builder()
            .base_url("http://api.example.com")
            .build()
            .unwrap_err();
        assert_eq!(
            err,
            ConfigError::InsecureBaseUrl {
                host: "api.example.com".into()
            }
        );
        assert!(!err.to_string().contains("FAKE"));
        assert!(builder()
            .base_url("http://api.example.com")
            .allow_insecure_http(true)
            .build()
            .is_ok());
        assert!(builder()
            .base_url("http://localhost.evil.com")
            .build()
            .is_err());
    }

    #[test]
    fn user_agent_defaults_and_overrides() {
        assert_eq!(builder().build().unwrap().user_agent(), DEFAULT_USER_AGENT);
        assert!(DEFAULT_USER_AGENT.starts_with("cocoonmail-rust/"));
        assert_eq!(
            builder().user_agent("acme/2").build().unwrap().user_agent(),
            "acme/2"
        );
        assert_eq!(
            builder().user_agent("bad\nagent").build().unwrap_err(),
            ConfigError::InvalidUserAgent
        );
    }
}
