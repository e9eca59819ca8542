//! Exit codes, and the failure every command ends with when it does not succeed.

use std::fmt;

use cocoonmail::{Error, LimiterErrorKind};

/// The exit codes, one per kind of outcome a script may want to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 0: everything asked for was done.
    Success = 0,
    /// 1: anything else: a local file that cannot be read or written, an answer that cannot
    /// be read, a journal that belongs to another input.
    Other = 1,
    /// 2: the command line is wrong (clap's own code).
    Usage = 2,
    /// 3: the input is invalid: refused before sending, a `--data` file that does not make a
    /// request, an import with bad rows found by `--dry-run`, or a 400 from the server.
    InvalidInput = 3,
    /// 4: authentication: no API key, or the server answered 401 (invalid key) or 403
    /// (temporarily blocked after too many bad requests).
    Auth = 4,
    /// 5: not found (404).
    NotFound = 5,
    /// 6: conflict (409): the contact already exists.
    Conflict = 6,
    /// 7: rate limited: still 429 after the retries, or the client's limiter would have to
    /// wait longer than allowed.
    RateLimited = 7,
    /// 8: the server failed (5xx) or could not be reached (connection, TLS, timeout).
    Unavailable = 8,
    /// 9: an import finished, but some rows failed or are uncertain.
    PartialImport = 9,
    /// 130: stopped by Ctrl-C (an import prints the command that resumes it).
    Interrupted = 130,
}

impl Exit {
    /// The process exit code.
    pub(crate) fn code(self) -> u8 {
        self as u8
    }

    /// A short, stable name for JSON output.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Exit::Success => "success",
            Exit::Other => "other",
            Exit::Usage => "usage",
            Exit::InvalidInput => "invalid_input",
            Exit::Auth => "authentication",
            Exit::NotFound => "not_found",
            Exit::Conflict => "conflict",
            Exit::RateLimited => "rate_limited",
            Exit::Unavailable => "unavailable",
            Exit::PartialImport => "partial_import",
            Exit::Interrupted => "interrupted",
        }
    }

    /// The exit code for an error of the SDK.
    pub(crate) fn of(error: &Error) -> Exit {
        match error {
            Error::InvalidInput(_) | Error::Api(_) => Exit::InvalidInput,
            Error::Config(cocoonmail::ConfigError::MissingApiKey)
            | Error::Config(cocoonmail::ConfigError::MalformedApiKey)
            | Error::Unauthorized(_)
            | Error::Blocked(_) => Exit::Auth,
            Error::NotFound(_) => Exit::NotFound,
            Error::Conflict(_) => Exit::Conflict,
            Error::RateLimited(_) => Exit::RateLimited,
            Error::Limiter(e) if matches!(e.kind, LimiterErrorKind::WaitTooLong { .. }) => {
                Exit::RateLimited
            }
            Error::Server(_) | Error::Transport(_) | Error::Limiter(_) => Exit::Unavailable,
            _ => Exit::Other,
        }
    }
}

/// The exit codes as `--help` shows them.
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
    0    success
    1    other failure (configuration, a local file, an unreadable answer, a journal of
         another input)
    2    usage error (unknown flag, missing argument)
    3    invalid input (refused before sending, a bad --data file, bad import rows, HTTP 400)
    4    authentication (no API key, HTTP 401 invalid key, HTTP 403 temporarily blocked)
    5    not found (HTTP 404)
    6    conflict (HTTP 409: the contact already exists)
    7    rate limited (HTTP 429 after retries, or the client's limiter wait bound)
    8    server or transport failure (HTTP 5xx, connection, TLS, timeout)
    9    an import finished with some rows failed or uncertain
    130  stopped by Ctrl-C";

/// Why a command did not succeed: the exit code and the message for stderr.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) exit: Exit,
    pub(crate) message: String,
    /// The HTTP status, when the server answered.
    pub(crate) status: Option<u16>,
}

impl Failure {
    /// A failure with this code and message.
    pub(crate) fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            message: message.into(),
            status: None,
        }
    }

    /// A usage error found after clap's parsing (exit code 2).
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Failure::new(Exit::Usage, message)
    }

    /// Invalid input (exit code 3).
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Failure::new(Exit::InvalidInput, message)
    }

    /// Another failure (exit code 1).
    pub(crate) fn other(message: impl Into<String>) -> Self {
        Failure::new(Exit::Other, message)
    }

    /// Adds context before the message: `context: message`.
    pub(crate) fn context(mut self, context: impl fmt::Display) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }
}

impl From<&Error> for Failure {
    /// The SDK's message (which never holds the key), with the matching exit code.
    fn from(error: &Error) -> Self {
        Failure {
            exit: Exit::of(error),
            status: error.status().map(|s| s.as_u16()),
            message: error.to_string(),
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::from(&error)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cocoonmail::{InvalidInput, TransportError, TransportErrorKind};

    #[test]
    fn codes_are_distinct_and_documented() {
        let all = [
            Exit::Success,
            Exit::Other,
            Exit::Usage,
            Exit::InvalidInput,
            Exit::Auth,
            Exit::NotFound,
            Exit::Conflict,
            Exit::RateLimited,
            Exit::Unavailable,
            Exit::PartialImport,
            Exit::Interrupted,
        ];
        let mut codes: Vec<u8> = all.iter().map(|e| e.code()).collect();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        for exit in all {
            let line = format!("    {:<4} ", exit.code());
            assert!(
                EXIT_CODES_HELP.contains(&line),
                "{exit:?} is not in the help"
            );
        }
    }

    #[test]
    fn errors_map_to_their_codes() {
        let invalid = Error::InvalidInput(InvalidInput::new("email", "bad"));
        assert_eq!(Exit::of(&invalid), Exit::InvalidInput);
        let transport = Error::Transport(TransportError::new(TransportErrorKind::Connect, "x"));
        assert_eq!(Exit::of(&transport), Exit::Unavailable);
        let missing = Error::Config(cocoonmail::ConfigError::MissingApiKey);
        assert_eq!(Exit::of(&missing), Exit::Auth);
        let bad_url = Error::Config(cocoonmail::ConfigError::InvalidRoute("x".into()));
        assert_eq!(Exit::of(&bad_url), Exit::Other);
    }
}
