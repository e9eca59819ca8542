//! The table from a row's answer to its one journal state: every error variant and every 2xx
//! shape lands on exactly one of sent, skipped, failed or uncertain.

use cocoonmail::{Error, TransportErrorKind};

use super::journal::RowState;
use crate::client::GATE_CLOSED;

/// Where a row's answer leaves it. Only the four states an answer can give: a row is never
/// answered into `Unseen` or `Sent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The server took it.
    Sent,
    /// Skipped: the contact existed (`--create-only`).
    Skipped,
    /// Refused, or certainly never processed: it goes to the failures file, and a resume
    /// sends it again.
    Failed,
    /// It may have arrived, and there is no definitive answer.
    Uncertain,
}

impl Verdict {
    /// The journal's word for it.
    pub(crate) fn state(self) -> RowState {
        match self {
            Verdict::Sent => RowState::Ok,
            Verdict::Skipped => RowState::Skipped,
            Verdict::Failed => RowState::Failed,
            Verdict::Uncertain => RowState::Uncertain,
        }
    }
}

/// What a kind of import changes in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Policy {
    /// A 409 means the row is skipped (`--create-only`: the contact exists).
    pub(crate) conflict_is_skip: bool,
    /// Sending the row twice does no harm (an upsert): a row that may have been processed is
    /// failed, to be sent again, rather than uncertain.
    pub(crate) resend_is_harmless: bool,
}

/// The table: the one journal state of a row answered with `result`.
pub(crate) fn verdict<O>(result: &Result<O, Error>, policy: Policy) -> Verdict {
    let maybe_processed = if policy.resend_is_harmless {
        Verdict::Failed
    } else {
        Verdict::Uncertain
    };
    let Err(error) = result else {
        // The SDK turns a 2xx saying `"success": false` into `Error::Api`: an `Ok` is a 2xx
        // whose body said success (or said nothing either way).
        return Verdict::Sent;
    };
    match error {
        // Refused before anything left.
        Error::InvalidInput(_) | Error::Config(_) | Error::Limiter(_) => Verdict::Failed,
        // Definite refusals (401 and 403 also stop the run: see `stops_the_run`).
        Error::Unauthorized(_)
        | Error::Blocked(_)
        | Error::NotFound(_)
        | Error::NotAcceptable(_)
        | Error::Redirected(_) => Verdict::Failed,
        Error::Conflict(_) if policy.conflict_is_skip => Verdict::Skipped,
        Error::Conflict(_) => Verdict::Failed,
        // 429 after the client's retries: the server did not process it.
        Error::RateLimited(_) => Verdict::Failed,
        // Any other status, including a 2xx whose body says `"success": false`: the server
        // answered, and the answer is no.
        Error::Api(_) => Verdict::Failed,
        // A 5xx (often a proxy's): the request may have been processed behind it.
        Error::Server(_) => maybe_processed,
        // A 2xx whose body is not the expected answer (an HTML page from a proxy, a cut
        // body): nothing says the server took it.
        Error::Decode(_) => maybe_processed,
        Error::Transport(t) if t.message == GATE_CLOSED => Verdict::Failed,
        Error::Transport(t) => match t.kind {
            TransportErrorKind::Connect | TransportErrorKind::Tls => Verdict::Failed,
            _ => maybe_processed,
        },
        // A variant added later: the safe side.
        _ => maybe_processed,
    }
}

/// Whether this answer stops the whole run: the key is refused, or the team is blocked;
/// every other row would meet the same.
pub(crate) fn stops_the_run(error: &Error) -> bool {
    matches!(error, Error::Unauthorized(_) | Error::Blocked(_))
}

/// The one word a `done` record keeps as the answer's detail: the HTTP status, or what kind
/// of failure it was.
pub(crate) fn detail(error: &Error) -> String {
    if let Some(status) = error.status() {
        return status.as_u16().to_string();
    }
    let word = match error {
        Error::Transport(t) if t.message == GATE_CLOSED => "journal",
        Error::Transport(t) => match t.kind {
            TransportErrorKind::Connect => "connect",
            TransportErrorKind::Tls => "tls",
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::Io => "io",
            TransportErrorKind::BodyTooLarge { .. } => "body-too-large",
            _ => "transport",
        },
        Error::Limiter(_) => "limiter",
        Error::InvalidInput(_) => "invalid",
        Error::Config(_) => "config",
        _ => "error",
    };
    word.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cocoonmail::core::decode_response;
    use cocoonmail::events::SendEvent;
    use cocoonmail::{ConfigError, InvalidInput, LimiterError, TransportError};

    /// The answer a `SendEvent` gets from this status and body, through the SDK's decoder.
    fn answer(status: u16, body: &str) -> Result<(), Error> {
        let event = SendEvent::simple("signup", "someone@example.invalid");
        let response = http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap();
        decode_response(&event, response).map(drop)
    }

    /// The name of an error's variant (every variant the SDK has today).
    fn variant(error: &Error) -> &'static str {
        match error {
            Error::InvalidInput(_) => "InvalidInput",
            Error::Config(_) => "Config",
            Error::Unauthorized(_) => "Unauthorized",
            Error::Blocked(_) => "Blocked",
            Error::NotFound(_) => "NotFound",
            Error::Conflict(_) => "Conflict",
            Error::NotAcceptable(_) => "NotAcceptable",
            Error::RateLimited(_) => "RateLimited",
            Error::Server(_) => "Server",
            Error::Redirected(_) => "Redirected",
            Error::Api(_) => "Api",
            Error::Decode(_) => "Decode",
            Error::Transport(_) => "Transport",
            Error::Limiter(_) => "Limiter",
            _ => "a variant this table does not know",
        }
    }

    const EVENTS: Policy = Policy {
        conflict_is_skip: false,
        resend_is_harmless: false,
    };
    const UPSERTS: Policy = Policy {
        conflict_is_skip: false,
        resend_is_harmless: true,
    };
    const CREATES: Policy = Policy {
        conflict_is_skip: true,
        resend_is_harmless: true,
    };

    #[test]
    fn every_answer_has_exactly_one_journal_state() {
        use Verdict::{Failed, Sent, Skipped, Uncertain};
        let transport =
            |kind, message: &str| Err(Error::Transport(TransportError::new(kind, message)));
        // (what, the answer, its state for events, for upserts, for --create-only)
        let table: Vec<(&str, Result<(), Error>, [Verdict; 3])> = vec![
            (
                "200 success",
                answer(200, r#"{"success": true}"#),
                [Sent, Sent, Sent],
            ),
            (
                "201 success",
                answer(201, r#"{"success":true,"id":"x"}"#),
                [Sent, Sent, Sent],
            ),
            ("200 silent", answer(200, "{}"), [Sent, Sent, Sent]),
            (
                "200 success:false",
                answer(200, r#"{"success": false, "message": "rejected"}"#),
                [Failed, Failed, Failed],
            ),
            (
                "202 success:false",
                answer(202, r#"{"success": false}"#),
                [Failed, Failed, Failed],
            ),
            (
                "200 html",
                answer(200, "<html>captive portal</html>"),
                [Uncertain, Failed, Failed],
            ),
            (
                "200 cut",
                answer(200, r#"{"success": tr"#),
                [Uncertain, Failed, Failed],
            ),
            (
                "400",
                answer(400, r#"{"message":"bad"}"#),
                [Failed, Failed, Failed],
            ),
            ("401", answer(401, ""), [Failed, Failed, Failed]),
            ("403", answer(403, ""), [Failed, Failed, Failed]),
            ("404", answer(404, ""), [Failed, Failed, Failed]),
            ("406", answer(406, ""), [Failed, Failed, Failed]),
            (
                "409",
                answer(409, r#"{"success":false}"#),
                [Failed, Failed, Skipped],
            ),
            ("429", answer(429, ""), [Failed, Failed, Failed]),
            ("302", answer(302, ""), [Failed, Failed, Failed]),
            ("500", answer(500, ""), [Uncertain, Failed, Failed]),
            (
                "502 html",
                answer(502, "<html>bad gateway</html>"),
                [Uncertain, Failed, Failed],
            ),
            (
                "invalid input",
                Err(Error::InvalidInput(InvalidInput::new("email", "empty"))),
                [Failed, Failed, Failed],
            ),
            (
                "config",
                Err(Error::Config(ConfigError::MissingApiKey)),
                [Failed, Failed, Failed],
            ),
            (
                "limiter",
                Err(Error::Limiter(LimiterError::unavailable("down"))),
                [Failed, Failed, Failed],
            ),
            (
                "connect",
                transport(TransportErrorKind::Connect, "refused"),
                [Failed, Failed, Failed],
            ),
            (
                "tls",
                transport(TransportErrorKind::Tls, "handshake"),
                [Failed, Failed, Failed],
            ),
            (
                "timeout",
                transport(TransportErrorKind::Timeout, "slow"),
                [Uncertain, Failed, Failed],
            ),
            (
                "io",
                transport(TransportErrorKind::Io, "reset"),
                [Uncertain, Failed, Failed],
            ),
            (
                "body too large",
                transport(TransportErrorKind::BodyTooLarge { limit: 10 }, "big"),
                [Uncertain, Failed, Failed],
            ),
            (
                "journal gate",
                transport(TransportErrorKind::Other, GATE_CLOSED),
                [Failed, Failed, Failed],
            ),
            (
                "other transport",
                transport(TransportErrorKind::Other, "?"),
                [Uncertain, Failed, Failed],
            ),
        ];
        let mut seen = std::collections::BTreeSet::new();
        for (what, result, expected) in &table {
            if let Err(e) = result {
                seen.insert(variant(e));
                assert_eq!(stops_the_run(e), matches!(*what, "401" | "403"), "{what}");
                assert!(!detail(e).is_empty() && !detail(e).contains(' '), "{what}");
            }
            for (policy, want) in [EVENTS, UPSERTS, CREATES].into_iter().zip(expected) {
                assert_eq!(verdict(result, policy), *want, "{what} with {policy:?}");
            }
        }
        assert_eq!(
            seen.len(),
            14,
            "every variant of Error is walked through the table: {seen:?}"
        );
        assert!(!seen.contains("a variant this table does not know"));
        assert_eq!(Verdict::Sent.state(), RowState::Ok);
        assert_eq!(Verdict::Uncertain.state(), RowState::Uncertain);
    }
}
