//! What the commands print: text for people by default, exactly one JSON document on stdout
//! with `--json`. Messages for people that are not the answer (warnings, progress, errors) go
//! to stderr.

use std::fmt::Write as _;
use std::io::Write;

use serde::Serialize;
use serde_json::json;

use crate::exit::Failure;

/// Where and how results are printed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Output {
    /// `--json`: one JSON document on stdout.
    pub(crate) json: bool,
}

impl Output {
    /// Prints an answer: its JSON with `--json`, else the text `human` makes.
    pub(crate) fn answer<T: Serialize + ?Sized>(
        &self,
        value: &T,
        human: impl FnOnce(&T) -> String,
    ) -> Result<(), Failure> {
        let text = if self.json {
            let mut text = serde_json::to_string_pretty(value)
                .map_err(|e| Failure::other(format!("cannot write the answer as JSON: {e}")))?;
            text.push('\n');
            text
        } else {
            human(value)
        };
        stdout(&text);
        Ok(())
    }

    /// Reports a failure: the message on stderr and, with `--json`, an `{"error": ...}`
    /// document on stdout.
    pub(crate) fn failure(&self, failure: &Failure) {
        eprintln!("error: {}", failure.message);
        if self.json {
            let doc = json!({"error": {
                "kind": failure.exit.name(),
                "exit_code": failure.exit.code(),
                "status": failure.status,
                "message": failure.message,
            }});
            stdout(&format!("{doc:#}\n"));
        }
    }
}

/// Writes to stdout; a closed pipe (`cocoonmail lists | head -1`) is not an error worth a
/// panic.
pub(crate) fn stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Rows of text aligned in columns, two spaces apart; the last column is not padded.
pub(crate) fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ", width = widths[c]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `key: value` lines for the values that are present, aligned.
pub(crate) fn fields(pairs: &[(&str, Option<String>)]) -> String {
    let rows: Vec<Vec<String>> = pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| vec![(*k).to_owned(), v.clone()]))
        .collect();
    table(&rows)
}

/// `yes`/`no` for a flag that is present.
pub(crate) fn yes_no(flag: Option<bool>) -> Option<String> {
    flag.map(|f| if f { "yes" } else { "no" }.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_every_column_but_the_last() {
        let text = table(&[
            vec!["ID".into(), "NAME".into(), "X".into()],
            vec!["cl_1".into(), "News".into(), "long value".into()],
        ]);
        assert_eq!(text, "ID    NAME  X\ncl_1  News  long value\n");
        assert_eq!(
            fields(&[
                ("a", Some("1".into())),
                ("bb", None),
                ("ccc", Some("3".into()))
            ]),
            "a    1\nccc  3\n"
        );
    }
}
