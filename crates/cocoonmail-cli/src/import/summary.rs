//! The end of an import: what was sent, failed, skipped or uncertain, how long it took, and
//! how to go on.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use super::progress::duration;
use crate::output::table;

/// A row found bad before sending.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct BadLine {
    pub(crate) line: u64,
    pub(crate) reason: String,
}

/// The summary, printed for people or as one JSON document.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Summary {
    /// `contacts` or `events`.
    pub(crate) import: &'static str,
    /// The input, as named on the command line.
    pub(crate) input: String,
    pub(crate) dry_run: bool,
    /// Rows in the input (good and bad).
    pub(crate) rows: u64,
    /// Rows the server accepted in this run.
    pub(crate) sent: u64,
    /// Rows that failed: `invalid` + `refused`.
    pub(crate) failed: u64,
    /// Rows found bad before sending.
    pub(crate) invalid: u64,
    /// Invalid rows that could not be read as rows at all (a wrong number of fields, invalid
    /// UTF-8 or JSON): they have no columns to write to the failures file.
    pub(crate) unreadable: u64,
    /// Rows the server refused (or that certainly never reached it) in this run.
    pub(crate) refused: u64,
    /// Rows skipped: `done_before` + `existing`.
    pub(crate) skipped: u64,
    /// Rows an earlier run already did (`--resume`).
    pub(crate) done_before: u64,
    /// Contacts that already existed (`--create-only`).
    pub(crate) existing: u64,
    /// Rows that may or may not have been processed, and were not sent again.
    pub(crate) uncertain: u64,
    /// Their lines.
    pub(crate) uncertain_lines: Vec<u64>,
    /// Rows left uncertain by an earlier run and sent again in this one.
    pub(crate) resent_uncertain: u64,
    /// Rows ready to send that this run did not send (it was stopped).
    pub(crate) not_sent: u64,
    /// 429 answers seen (the client waited and retried them).
    pub(crate) too_many_requests: u64,
    pub(crate) elapsed_seconds: f64,
    /// Time spent sending (after the checks).
    pub(crate) sending_seconds: f64,
    /// Rows answered per second while sending.
    pub(crate) rate_per_second: f64,
    /// The rows found bad before sending (the first 1000).
    pub(crate) bad_rows: Vec<BadLine>,
    /// How many more were found and left out of `bad_rows`.
    pub(crate) bad_rows_omitted: u64,
    pub(crate) failures_file: Option<String>,
    pub(crate) journal: Option<String>,
    pub(crate) interrupted: bool,
    /// The command that resumes the import, when it did not finish. It holds no secret:
    /// URL credentials are redacted and `--redis-url` left out.
    pub(crate) resume_command: Option<String>,
    /// The environment variables the resume command needs, set as for this run (the API key,
    /// the Redis URL).
    pub(crate) resume_env: Vec<&'static str>,
    pub(crate) exit_code: u8,
    /// What stopped the import early, if something did.
    pub(crate) error: Option<String>,
}

/// At most this many bad rows are kept for the JSON summary (each is printed as found).
pub(crate) const MAX_BAD_ROWS_KEPT: usize = 1000;

impl Summary {
    /// Keeps a bad row for the JSON summary.
    pub(crate) fn bad_row(&mut self, line: u64, reason: &str) {
        self.invalid += 1;
        self.failed += 1;
        if self.bad_rows.len() < MAX_BAD_ROWS_KEPT {
            self.bad_rows.push(BadLine {
                line,
                reason: reason.to_owned(),
            });
        } else {
            self.bad_rows_omitted += 1;
        }
    }

    /// Counts a row that may or may not have been processed, and is not sent again.
    pub(crate) fn uncertain_row(&mut self, line: u64) {
        self.uncertain += 1;
        self.uncertain_lines.push(line);
    }

    /// Counts a skipped row: done by an earlier run, or (`existing`) a contact that already
    /// existed.
    pub(crate) fn skipped_row(&mut self, existing: bool) {
        self.skipped += 1;
        if existing {
            self.existing += 1;
        } else {
            self.done_before += 1;
        }
    }

    /// Sets the times and the rate.
    pub(crate) fn timing(&mut self, elapsed: Duration, sending: Duration, answered: u64) {
        self.elapsed_seconds = round(elapsed.as_secs_f64(), 3);
        self.sending_seconds = round(sending.as_secs_f64(), 3);
        self.rate_per_second = if sending.is_zero() {
            0.0
        } else {
            round(answered as f64 / sending.as_secs_f64(), 2)
        };
    }

    /// The summary for people.
    pub(crate) fn human(&self) -> String {
        let mut text = String::new();
        if self.dry_run {
            let ready = self.rows - self.invalid;
            let _ = writeln!(
                text,
                "Checked {} ({} rows): {} ready, {} invalid. Nothing was sent (--dry-run).",
                self.input, self.rows, ready, self.invalid
            );
            if self.done_before > 0 || self.uncertain > 0 {
                let _ = writeln!(
                    text,
                    "With --resume: {} done before, {} uncertain, {} to send.",
                    self.done_before,
                    self.uncertain,
                    ready.saturating_sub(self.done_before + self.uncertain)
                );
            }
            return text;
        }
        let _ = writeln!(
            text,
            "Import of {} from {}: {} rows",
            self.import, self.input, self.rows
        );
        let mut failed = self.failed.to_string();
        if self.failed > 0 {
            failed = format!(
                "{failed}  ({} invalid, {} refused by the server)",
                self.invalid, self.refused
            );
        }
        let mut skipped = self.skipped.to_string();
        if self.skipped > 0 {
            skipped = format!(
                "{skipped}  ({} done before, {} already existing)",
                self.done_before, self.existing
            );
        }
        let rows = vec![
            vec!["  sent".to_owned(), self.sent.to_string()],
            vec!["  failed".to_owned(), failed],
            vec!["  skipped".to_owned(), skipped],
            vec!["  uncertain".to_owned(), self.uncertain.to_string()],
            vec![
                "  elapsed".to_owned(),
                duration(Duration::from_secs_f64(self.elapsed_seconds)),
            ],
            vec![
                "  rate".to_owned(),
                format!("{:.1} rows/s while sending", self.rate_per_second),
            ],
            vec!["  429s seen".to_owned(), self.too_many_requests.to_string()],
        ];
        text.push_str(&table(&rows));
        if self.resent_uncertain > 0 {
            let _ = writeln!(
                text,
                "{} rows left uncertain by an earlier run were sent again.",
                self.resent_uncertain
            );
        }
        if self.uncertain > 0 {
            let _ = writeln!(
                text,
                "Uncertain: {} rows were sent but got no certain answer (lines {}). They may have \
                 arrived, so they were not sent again: check them in Cocoonmail; --resume \
                 --resend-uncertain sends them anyway.",
                self.uncertain,
                lines(&self.uncertain_lines)
            );
        }
        if let Some(path) = &self.failures_file {
            let _ = writeln!(text, "Failed rows were written to {path}.");
            if self.unreadable > 0 {
                let _ = writeln!(
                    text,
                    "{} rows could not be read as rows and are not in it: fix them in the input.",
                    self.unreadable
                );
            }
        } else if self.failed > 0 {
            let _ = writeln!(
                text,
                "Add --failures OUT.csv to get the failed rows in a file to fix and import again."
            );
        }
        if let Some(command) = &self.resume_command {
            let with = match self.resume_env.as_slice() {
                [] => String::new(),
                [one] => format!(" ({one} set as for this run)"),
                [first @ .., last] => {
                    format!(" ({} and {last} set as for this run)", first.join(", "))
                }
            };
            if self.interrupted {
                let _ = writeln!(
                    text,
                    "Stopped by Ctrl-C: {} rows were not sent. Resume with{with}:",
                    self.not_sent
                );
            } else {
                let _ = writeln!(
                    text,
                    "Stopped early: {} rows were not sent. Resume with{with}:",
                    self.not_sent
                );
            }
            let _ = writeln!(text, "  {command}");
        }
        text
    }
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

/// `5, 6, 7` (at most 50, then `and N more`).
fn lines(lines: &[u64]) -> String {
    let mut text: Vec<String> = lines.iter().take(50).map(u64::to_string).collect();
    if lines.len() > 50 {
        text.push(format!("and {} more", lines.len() - 50));
    }
    text.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_human_summary_names_every_count() {
        let mut s = Summary {
            import: "events",
            input: "events.csv".into(),
            rows: 12,
            sent: 8,
            uncertain: 2,
            uncertain_lines: vec![5, 6],
            failed: 1,
            invalid: 1,
            interrupted: true,
            not_sent: 1,
            resume_command: Some("cocoonmail import events events.csv --resume".into()),
            ..Summary::default()
        };
        s.timing(Duration::from_secs(4), Duration::from_secs(2), 10);
        let text = s.human();
        for part in [
            "  sent       8",
            "  failed     1  (1 invalid, 0 refused by the server)",
            "  uncertain  2",
            "rate       5.0 rows/s while sending",
            "(lines 5, 6)",
            "Stopped by Ctrl-C: 1 rows were not sent. Resume with:\n  cocoonmail import events events.csv --resume",
        ] {
            assert!(text.contains(part), "{part:?} not in\n{text}");
        }
    }
}
