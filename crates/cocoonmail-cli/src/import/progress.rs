//! Progress of the sending: an indicatif bar when stderr is a terminal (count, rate, ETA,
//! 429s seen), otherwise a plain line every few seconds, so logs stay readable.

use std::fmt;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressState, ProgressStyle};

/// How often the plain progress line is printed.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// The numbers progress shows.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counts {
    /// Rows answered (sent, failed or skipped) in this run.
    pub(crate) answered: u64,
    /// Rows that failed in this run.
    pub(crate) failed: u64,
    /// 429 answers seen (each retried by the client).
    pub(crate) too_many_requests: u64,
}

/// Progress, drawn or printed.
pub(crate) enum Progress {
    /// The bar, on a terminal.
    Bar(ProgressBar),
    /// A line every few seconds.
    Lines {
        total: u64,
        started: Instant,
        last: Instant,
    },
    /// Nothing (`--no-progress`).
    Off,
}

impl Progress {
    /// Progress for `total` rows to send: a bar if stderr is a terminal.
    pub(crate) fn start(total: u64, enabled: bool) -> Progress {
        if !enabled {
            return Progress::Off;
        }
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} rows  {rate}  ETA {eta}  {msg}",
            )
            .map(|s| {
                s.progress_chars("=> ").with_key(
                    "rate",
                    |state: &ProgressState, w: &mut dyn fmt::Write| {
                        let _ = write!(w, "{:.1} rows/s", state.per_sec());
                    },
                )
            });
            if let Ok(style) = style {
                bar.set_style(style);
            }
            bar.set_message("429s: 0");
            bar.enable_steady_tick(Duration::from_millis(200));
            return Progress::Bar(bar);
        }
        let now = Instant::now();
        eprintln!("progress: sending {total} rows");
        Progress::Lines {
            total,
            started: now,
            last: now,
        }
    }

    /// Shows the latest counts.
    pub(crate) fn update(&mut self, counts: Counts) {
        match self {
            Progress::Bar(bar) => {
                bar.set_position(counts.answered);
                let mut message = format!("429s: {}", counts.too_many_requests);
                if counts.failed > 0 {
                    message.push_str(&format!("  failed: {}", counts.failed));
                }
                bar.set_message(message);
            }
            Progress::Lines {
                total,
                started,
                last,
            } => {
                if last.elapsed() < LINE_EVERY {
                    return;
                }
                *last = Instant::now();
                eprintln!("progress: {}", line(*total, counts, started.elapsed()));
            }
            Progress::Off => {}
        }
    }

    /// Prints a message without breaking the bar.
    pub(crate) fn message(&self, text: &str) {
        match self {
            Progress::Bar(bar) => bar.println(text),
            _ => eprintln!("{text}"),
        }
    }

    /// Removes the bar.
    pub(crate) fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// `120/1000 rows (12%), 9.8 rows/s, ETA 1m30s, 429s: 0, failed: 0`.
fn line(total: u64, counts: Counts, elapsed: Duration) -> String {
    let rate = counts.answered as f64 / elapsed.as_secs_f64().max(0.001);
    let percent = (counts.answered * 100).checked_div(total).unwrap_or(100);
    let eta = if rate > 0.0 {
        duration(Duration::from_secs_f64(
            total.saturating_sub(counts.answered) as f64 / rate,
        ))
    } else {
        "?".to_owned()
    };
    format!(
        "{}/{total} rows ({percent}%), {rate:.1} rows/s, ETA {eta}, 429s: {}, failed: {}",
        counts.answered, counts.too_many_requests, counts.failed
    )
}

/// `1h02m03s`, `2m05s`, `4.2s`.
pub(crate) fn duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 3600 {
        format!("{}h{:02}m{:02}s", secs / 3600, secs % 3600 / 60, secs % 60)
    } else if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_say_count_rate_eta_and_429s() {
        let counts = Counts {
            answered: 100,
            failed: 2,
            too_many_requests: 1,
        };
        assert_eq!(
            line(1000, counts, Duration::from_secs(10)),
            "100/1000 rows (10%), 10.0 rows/s, ETA 1m30s, 429s: 1, failed: 2"
        );
        assert_eq!(duration(Duration::from_secs(3723)), "1h02m03s");
        assert_eq!(duration(Duration::from_millis(4200)), "4.2s");
    }
}
