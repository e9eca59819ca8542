//! Keeping secrets out of what an import prints: URL credentials anywhere in a text, and the
//! resume command, which names the environment variables to set rather than repeating a
//! secret given on the command line.

use crate::client::ENV_REDIS_URL;

/// `text` with the credentials of every URL in it (`scheme://user:password@host`) replaced by
/// `***`.
pub(crate) fn urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority: up to the path, query, fragment, or the end of the word.
        let end = tail
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '\'' | '"' | '<' | '>') || c.is_whitespace()
            })
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// The command that resumes an import run as `args`: the same arguments with `--resume`,
/// less `--redis-url` (its URL may hold a password: the command relies on the environment
/// variable instead), every URL's credentials redacted. Also the environment variables the
/// command needs, set as for the run.
pub(crate) fn resume_command(args: &[String], redis_in_env: bool) -> (String, Vec<&'static str>) {
    let mut words = Vec::with_capacity(args.len() + 1);
    let mut needs = Vec::new();
    let mut key_file = false;
    let mut redis = redis_in_env;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--redis-url" {
            iter.next();
            redis = true;
            continue;
        }
        if arg.starts_with("--redis-url=") {
            redis = true;
            continue;
        }
        if arg == "--api-key-file" || arg.starts_with("--api-key-file=") {
            key_file = true;
        }
        words.push(shell_quote(&urls(arg)));
    }
    if !args.iter().any(|a| a == "--resume") {
        words.push("--resume".to_owned());
    }
    if !key_file {
        needs.push(cocoonmail::ENV_API_KEY);
    }
    if redis {
        needs.push(ENV_REDIS_URL);
    }
    (words.join(" "), needs)
}

/// `a` as one shell word.
pub(crate) fn shell_quote(a: &str) -> String {
    let plain = !a.is_empty()
        && a.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
    if plain {
        a.to_owned()
    } else {
        format!("'{}'", a.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(shell_quote("events.csv"), "events.csv");
        assert_eq!(shell_quote("my file.csv"), "'my file.csv'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn url_credentials_never_show() {
        for (text, want) in [
            (
                "redis://:hunter2@redis.internal:6379/0",
                "redis://***@redis.internal:6379/0",
            ),
            ("rediss://user:p%40ss@h", "rediss://***@h"),
            (
                "see https://a:b@x.io?k=1 and redis://h:1",
                "see https://***@x.io?k=1 and redis://h:1",
            ),
            (
                "cannot connect to 'redis://u:pw@h/0': refused",
                "cannot connect to 'redis://***@h/0': refused",
            ),
            ("no url here", "no url here"),
            ("://:x@y", "://***@y"),
            ("trailing ://", "trailing ://"),
            ("ünïcode://é:ö@ß", "ünïcode://***@ß"),
        ] {
            assert_eq!(urls(text), want, "{text}");
        }
    }

    #[test]
    fn the_resume_command_repeats_no_secret() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let (command, needs) = resume_command(
            &args(&[
                "cocoonmail",
                "--redis-url",
                "redis://:fake-password-1@host:6379",
                "--base-url=https://user:fake-password-2@api.example.invalid",
                "import",
                "events",
                "my file.csv",
            ]),
            false,
        );
        assert!(!command.contains("fake-password"), "{command}");
        assert!(!command.contains("redis"), "{command}");
        assert_eq!(
            command,
            "cocoonmail '--base-url=https://***@api.example.invalid' import events 'my file.csv' --resume"
        );
        assert_eq!(needs, ["COCOONMAIL_API_KEY", "COCOONMAIL_REDIS_URL"]);

        let (command, needs) = resume_command(
            &args(&[
                "cocoonmail",
                "--redis-url=redis://:fake-password-1@host",
                "--api-key-file",
                "key.txt",
                "import",
                "events",
                "e.csv",
                "--resume",
            ]),
            false,
        );
        assert_eq!(
            command,
            "cocoonmail --api-key-file key.txt import events e.csv --resume"
        );
        assert_eq!(needs, ["COCOONMAIL_REDIS_URL"]);
        let (_, needs) = resume_command(&args(&["cocoonmail", "import", "events", "e.csv"]), true);
        assert_eq!(needs, ["COCOONMAIL_API_KEY", "COCOONMAIL_REDIS_URL"]);
    }
}
