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
        url: redacted(url),
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
    // Anywhere, not only in the authority: `https://user:pa/ss@host` parses as the host `user`
    // with the password and real host in the path.
    if trimmed.contains('@') {
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

/// Whether plain `http://` to `host` stays on this machine: `localhost`, or a loopback IP
/// literal (`127.0.0.0/8`, `::1` with or without brackets). Not `*.localhost` nor
/// `localhost.example.com`: a resolver may send those anywhere.
fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(ipv6) => ipv6
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
    }
}

/// `url` with what may be secret replaced by `<redacted>`: everything between `://` and the
/// last `@` before the query (credentials, even one holding a `/`), the query and the
/// fragment. Text that is not a URL at all is redacted the same way.
fn redacted(url: &str) -> String {
    const REDACTED: &str = "<redacted>";
    let url = url.trim();
    let (url, fragment) = match url.split_once('#') {
        Some((url, _)) => (url, Some(REDACTED)),
        None => (url, None),
    };
    let (url, query) = match url.split_once('?') {
        Some((url, _)) => (url, Some(REDACTED)),
        None => (url, None),
    };
    let (scheme, rest) = match url.find("://") {
        Some(at) => url.split_at(at + 3),
        None => ("", url),
    };
    let mut out = String::with_capacity(url.len() + 2 * REDACTED.len());
    out.push_str(scheme);
    match rest.rsplit_once('@') {
        Some((_, after)) => {
            out.push_str(REDACTED);
            out.push('@');
            out.push_str(after);
        }
        None => out.push_str(rest),
    }
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
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

    /// The error, shown every way a user might log it.
    fn shown(error: &ConfigError) -> String {
        format!("{error} {error:?} {error:#?}")
    }

    #[test]
    fn invalid_base_urls_never_repeat_credentials_query_or_fragment() {
        for (url, kept) in [
            (
                "https://ada:s3cr3t@staging.example.com/api?token=t0k3n#f4agment",
                "https://<redacted>@staging.example.com/api?<redacted>#<redacted>",
            ),
            (
                "https://staging.example.com/api?api_key=t0k3n",
                "https://staging.example.com/api?<redacted>",
            ),
            (
                "http://ada:s3cr3t@127.0.0.1:8025",
                "http://<redacted>@127.0.0.1:8025",
            ),
            // A password holding a slash, and text that is not a URL at all.
            (
                "https://ada:s3/cr3t@staging.example.com",
                "https://<redacted>@staging.example.com",
            ),
            ("ada:s3cr3t@staging example", "<redacted>@staging example"),
            (
                "ftp://ada:s3cr3t@files.example.com",
                "ftp://<redacted>@files.example.com",
            ),
        ] {
            let error = builder().base_url(url).build().unwrap_err();
            match &error {
                ConfigError::InvalidBaseUrl { url: shown_url, .. } => {
                    assert_eq!(shown_url, kept, "{url}")
                }
                other => panic!("{url}: expected an invalid base URL, got {other:?}"),
            }
            let text = shown(&error);
            for secret in ["ada", "s3cr3t", "cr3t", "t0k3n", "f4agment"] {
                assert!(!text.contains(secret), "{url}: {text}");
            }
        }
        // Scheme, host and path stay, so the user can tell which URL it was.
        let error = builder()
            .base_url("https://staging.example.com/api?x=1")
            .build()
            .unwrap_err();
        assert!(
            shown(&error).contains("https://staging.example.com/api"),
            "{}",
            shown(&error)
        );
    }

    #[test]
    fn insecure_base_urls_never_show_credentials() {
        for url in [
            "http://ada:s3cr3t@api.example.com",
            "http://ada@api.example.com/",
            "http://ada:s3/cr3t@api.example.com",
        ] {
            for allow in [false, true] {
                let error = builder()
                    .base_url(url)
                    .allow_insecure_http(allow)
                    .build()
                    .unwrap_err();
                let text = shown(&error);
                for secret in ["ada", "s3cr3t", "cr3t"] {
                    assert!(!text.contains(secret), "{url}: {text}");
                }
            }
        }
        let error = builder()
            .base_url("http://api.example.com:8080/v1")
            .build()
            .unwrap_err();
        assert_eq!(
            error,
            ConfigError::InsecureBaseUrl {
                host: "api.example.com".into()
            }
        );
    }

    #[test]
    fn only_localhost_and_loopback_literals_count_as_loopback() {
        for ok in [
            "http://localhost",
            "http://LocalHost:8025/api",
            "http://127.0.0.1",
            "http://127.0.0.2:1",
            "http://127.255.255.254",
            "http://[::1]",
            "http://[0:0:0:0:0:0:0:1]:8025",
        ] {
            assert!(builder().base_url(ok).build().is_ok(), "{ok}");
        }
        for refused in [
            "http://app.localhost",
            "http://a.b.LOCALHOST:80",
            "http://localhost.example.com",
            "http://localhost.",
            "http://localhostx",
            "http://128.0.0.1",
            "http://0.0.0.0",
            "http://10.0.0.1",
            "http://[::]",
            "http://[::2]",
            "http://[::ffff:127.0.0.1]",
            "http://2130706433",
            "http://127.1",
        ] {
            assert!(
                matches!(
                    builder().base_url(refused).build(),
                    Err(ConfigError::InsecureBaseUrl { .. })
                ),
                "{refused}"
            );
            // Over https, the same hosts are fine.
            let https = refused.replacen("http://", "https://", 1);
            assert!(builder().base_url(&https).build().is_ok(), "{https}");
        }
    }

    #[test]
    fn is_loopback_reads_bare_and_bracketed_ipv6() {
        assert!(is_loopback("::1"));
        assert!(is_loopback("[::1]"));
        assert!(!is_loopback("[::1"));
        assert!(!is_loopback("[127.0.0.1]"));
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
