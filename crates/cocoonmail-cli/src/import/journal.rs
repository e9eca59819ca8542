//! The import journal: an append-only text file saying, for each row (by its line number),
//! that it may have reached the server and how it was answered. It holds line numbers and
//! statuses, never the rows' data.
//!
//! ```text
//! cocoonmail-import-journal 1
//! kind events
//! input sha256:5f1c...e09a
//! run 1 start
//! sent 2
//! done 2 ok
//! sent 3
//! done 3 failed 400
//! sent 4
//! run 1 stopped
//! ```
//!
//! - `sent LINE` is written, and synced to disk, before each attempt of the row goes out.
//! - `done LINE STATE [DETAIL]` is written once the row is answered: `ok`, `skipped` (the
//!   contact already existed, with `--create-only`), `failed` (the server refused it, or it was
//!   certainly never processed) or `uncertain` (a server error or a timeout after the request
//!   went out: it may have been processed). `DETAIL` is the HTTP status or the kind of failure.
//! - `run N start|finished|stopped` marks the runs, for people reading the file.
//!
//! A row whose last record is `sent` was sent and never answered: the process was killed.
//! Records are appended with group commits: one `fdatasync` covers every record written
//! before it, so workers sending at the same time share one sync.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::exit::Failure;

const MAGIC: &str = "cocoonmail-import-journal 1";

/// What the journal says about one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum RowState {
    /// Never sent.
    Unseen = 0,
    /// Sent, not answered (yet, or ever).
    Sent = 1,
    /// Answered with success.
    Ok = 2,
    /// Skipped: the contact existed (`--create-only`).
    Skipped = 3,
    /// Refused, or certainly never processed: safe to send again.
    Failed = 4,
    /// Answered in a way that does not say whether it was processed.
    Uncertain = 5,
}

impl RowState {
    fn from_u8(v: u8) -> RowState {
        match v {
            1 => RowState::Sent,
            2 => RowState::Ok,
            3 => RowState::Skipped,
            4 => RowState::Failed,
            5 => RowState::Uncertain,
            _ => RowState::Unseen,
        }
    }

    /// The word for it in a `done` record.
    pub(crate) fn word(self) -> &'static str {
        match self {
            RowState::Unseen => "unseen",
            RowState::Sent => "sent",
            RowState::Ok => "ok",
            RowState::Skipped => "skipped",
            RowState::Failed => "failed",
            RowState::Uncertain => "uncertain",
        }
    }

    fn from_word(word: &str) -> Option<RowState> {
        Some(match word {
            "ok" => RowState::Ok,
            "skipped" => RowState::Skipped,
            "failed" => RowState::Failed,
            "uncertain" => RowState::Uncertain,
            _ => return None,
        })
    }
}

/// What an earlier run's journal says: the state of each row by line, read before anything is
/// sent.
#[derive(Debug, Default)]
pub(crate) struct Prior {
    kind: String,
    sha256: String,
    /// Indexed by line number: one byte per line of the input.
    states: Vec<u8>,
    /// How many runs it records.
    pub(crate) runs: u64,
}

impl Prior {
    /// Reads the journal at `path`, of an input of `input_len` bytes (no row of it can start
    /// past line `input_len + 1`).
    pub(crate) fn read(path: &Path, input_len: u64) -> Result<Prior, Failure> {
        let shown = path.display();
        let file = File::open(path)
            .map_err(|e| Failure::other(format!("cannot read the journal {shown}: {e}")))?;
        let mut prior = Prior::default();
        let mut reader = BufReader::new(file);
        let mut buf = Vec::new();
        let mut number = 0u64;
        loop {
            buf.clear();
            let n = reader
                .read_until(b'\n', &mut buf)
                .map_err(|e| Failure::other(format!("cannot read the journal {shown}: {e}")))?;
            if n == 0 {
                break;
            }
            number += 1;
            if buf.last() != Some(&b'\n') {
                // A record cut short when the process was killed: it was never synced, and it
                // is cut off when the journal is opened to go on.
                break;
            }
            let corrupt = || {
                Failure::other(format!(
                    "the journal {shown} is damaged at its line {number}: not a record this \
                     program writes"
                ))
            };
            let text = std::str::from_utf8(&buf).map_err(|_| corrupt())?.trim_end();
            if number == 1 {
                if text != MAGIC {
                    return Err(Failure::other(format!(
                        "{shown} is not a cocoonmail import journal"
                    )));
                }
                continue;
            }
            let mut words = text.split(' ');
            match (words.next(), words.next(), words.next()) {
                (Some("kind"), Some(kind), None) => prior.kind = kind.to_owned(),
                (Some("input"), Some(sum), None) => {
                    prior.sha256 = sum.strip_prefix("sha256:").ok_or_else(corrupt)?.to_owned()
                }
                (Some("run"), Some(_), Some("start")) => prior.runs += 1,
                (Some("run"), Some(_), Some(_)) => {}
                (Some("sent"), Some(line), None) => {
                    let line = line.parse().map_err(|_| corrupt())?;
                    prior.set(&shown, line, input_len, RowState::Sent)?
                }
                (Some("done"), Some(line), Some(state)) => {
                    let state = RowState::from_word(state).ok_or_else(corrupt)?;
                    let line = line.parse().map_err(|_| corrupt())?;
                    prior.set(&shown, line, input_len, state)?
                }
                _ => return Err(corrupt()),
            }
        }
        if prior.kind.is_empty() || prior.sha256.is_empty() {
            return Err(Failure::other(format!(
                "the journal {shown} has no header (kind and input checksum)"
            )));
        }
        Ok(prior)
    }

    fn set(
        &mut self,
        shown: impl std::fmt::Display,
        line: u64,
        input_len: u64,
        state: RowState,
    ) -> Result<(), Failure> {
        // One byte per input line, so a line past the input's end is refused before it is
        // allocated for.
        let line = usize::try_from(line)
            .ok()
            .filter(|_| line <= input_len.saturating_add(1))
            .ok_or_else(|| {
                Failure::other(format!(
                    "the journal {shown} names line {line}, past the end of this input: it was                      made from a different input"
                ))
            })?;
        if self.states.len() <= line {
            self.states.resize(line + 1, 0);
        }
        self.states[line] = state as u8;
        Ok(())
    }

    /// The state of the row starting on `line`.
    pub(crate) fn state(&self, line: u64) -> RowState {
        usize::try_from(line)
            .ok()
            .and_then(|l| self.states.get(l))
            .map_or(RowState::Unseen, |s| RowState::from_u8(*s))
    }

    /// Refuses a journal written for another kind of import or another input.
    pub(crate) fn check(&self, path: &Path, kind: &str, sha256: &str) -> Result<(), Failure> {
        let shown = path.display();
        if self.kind != kind {
            return Err(Failure::other(format!(
                "the journal {shown} belongs to an import of {}, not {kind}",
                self.kind
            )));
        }
        if self.sha256 != sha256 {
            return Err(Failure::other(format!(
                "the journal {shown} was made from a different input (its SHA-256 is {}, this \
                 input's is {sha256}): resume with the same file, or use another --journal",
                short(&self.sha256),
            )));
        }
        Ok(())
    }
}

fn short(sum: &str) -> &str {
    &sum[..sum.len().min(16)]
}

/// The journal being written.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
    /// Appends, one whole record per write.
    file: Mutex<File>,
    /// The same file, for `fdatasync` (serialised by its own lock).
    sync: Mutex<File>,
    written: AtomicU64,
    synced: AtomicU64,
}

impl Journal {
    /// Creates a new journal for an import of `kind` from the input with this checksum.
    pub(crate) fn create(path: &Path, kind: &str, sha256: &str) -> Result<Journal, Failure> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| journal_error(path, &e))?;
        let journal = Journal::from_file(path, file)?;
        journal.append_durable(&format!("{MAGIC}\nkind {kind}\ninput sha256:{sha256}\n"))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // The new file's name must survive a crash too.
            if let Ok(dir) = File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        Ok(journal)
    }

    /// Opens an existing journal to go on, cutting off a record left incomplete by a killed
    /// process.
    pub(crate) fn reopen(path: &Path) -> Result<Journal, Failure> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| journal_error(path, &e))?;
        let complete = complete_length(&mut file).map_err(|e| journal_error(path, &e))?;
        file.set_len(complete)
            .and_then(|()| file.seek(SeekFrom::End(0)).map(drop))
            .map_err(|e| journal_error(path, &e))?;
        Journal::from_file(path, file)
    }

    fn from_file(path: &Path, file: File) -> Result<Journal, Failure> {
        let sync = file.try_clone().map_err(|e| journal_error(path, &e))?;
        Ok(Journal {
            path: path.to_owned(),
            file: Mutex::new(file),
            sync: Mutex::new(sync),
            written: AtomicU64::new(0),
            synced: AtomicU64::new(0),
        })
    }

    /// Appends `text` (whole records) and returns its sequence number; not yet durable.
    pub(crate) fn append(&self, text: &str) -> Result<u64, Failure> {
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        file.write_all(text.as_bytes())
            .map_err(|e| journal_error(&self.path, &e))?;
        Ok(self.written.fetch_add(1, Ordering::SeqCst) + 1)
    }

    /// Makes every record up to sequence number `seq` durable, with one `fdatasync` for all
    /// records written so far when it is not already.
    pub(crate) fn sync_through(&self, seq: u64) -> Result<(), Failure> {
        if self.synced.load(Ordering::SeqCst) >= seq {
            return Ok(());
        }
        let file = self.sync.lock().unwrap_or_else(PoisonError::into_inner);
        if self.synced.load(Ordering::SeqCst) >= seq {
            return Ok(());
        }
        let target = self.written.load(Ordering::SeqCst);
        file.sync_data()
            .map_err(|e| journal_error(&self.path, &e))?;
        self.synced.fetch_max(target, Ordering::SeqCst);
        Ok(())
    }

    /// Whether the record with sequence number `seq` is durable.
    pub(crate) fn is_durable(&self, seq: u64) -> bool {
        self.synced.load(Ordering::SeqCst) >= seq
    }

    /// Appends `text` and returns once it is durable.
    pub(crate) fn append_durable(&self, text: &str) -> Result<(), Failure> {
        let seq = self.append(text)?;
        self.sync_through(seq)
    }

    /// `sent LINE`, durable before returning: written just before the row goes out.
    pub(crate) fn sent(&self, line: u64) -> Result<(), Failure> {
        self.append_durable(&format!("sent {line}\n"))
    }

    /// `done LINE STATE [DETAIL]`, not yet durable: see [`Journal::sync_through`]. `detail`
    /// is one word (an HTTP status, a kind of failure) or empty.
    pub(crate) fn done(&self, line: u64, state: RowState, detail: &str) -> Result<u64, Failure> {
        let detail: String = detail.chars().filter(|c| !c.is_whitespace()).collect();
        if detail.is_empty() {
            self.append(&format!("done {line} {}\n", state.word()))
        } else {
            self.append(&format!("done {line} {} {detail}\n", state.word()))
        }
    }
}

fn journal_error(path: &Path, e: &io::Error) -> Failure {
    Failure::other(format!("the journal {}: {e}", path.display()))
}

/// The length of the file up to its last newline.
fn complete_length(file: &mut File) -> io::Result<u64> {
    let len = file.seek(SeekFrom::End(0))?;
    let mut end = len;
    let mut buf = [0u8; 4096];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        io::Read::read_exact(file, chunk)?;
        if let Some(i) = chunk.iter().rposition(|b| *b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back_with_the_last_state_of_each_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let journal = Journal::create(&path, "events", "ab12").unwrap();
        journal.append_durable("run 1 start\n").unwrap();
        journal.sent(2).unwrap();
        let seq = journal.done(2, RowState::Ok, "201").unwrap();
        assert!(!journal.is_durable(seq));
        journal.sent(3).unwrap();
        assert!(
            journal.is_durable(seq),
            "a later sync covers earlier records"
        );
        journal.sent(4).unwrap();
        journal.done(4, RowState::Failed, "400").unwrap();
        journal.sent(4).unwrap();
        journal.done(5, RowState::Uncertain, "503").unwrap();
        drop(journal);
        // A record cut short by a kill.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"done 3 o").unwrap();

        let prior = Prior::read(&path, 100).unwrap();
        assert_eq!(prior.runs, 1);
        assert_eq!(prior.state(2), RowState::Ok);
        assert_eq!(prior.state(3), RowState::Sent);
        assert_eq!(prior.state(4), RowState::Sent);
        assert_eq!(prior.state(5), RowState::Uncertain);
        assert_eq!(prior.state(6), RowState::Unseen);
        prior.check(&path, "events", "ab12").unwrap();
        let err = prior.check(&path, "events", "ffff").unwrap_err();
        assert!(err.message.contains("different input"), "{err}");
        assert!(prior.check(&path, "contacts", "ab12").is_err());

        let journal = Journal::reopen(&path).unwrap();
        let seq = journal.done(3, RowState::Ok, "201").unwrap();
        journal.sync_through(seq).unwrap();
        drop(journal);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.ends_with("done 5 uncertain 503\ndone 3 ok 201\n"),
            "{text}"
        );
        assert_eq!(Prior::read(&path, 100).unwrap().state(3), RowState::Ok);
        assert!(Prior::read(&path, 3)
            .unwrap_err()
            .message
            .contains("past the end"));
    }

    #[test]
    fn other_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        std::fs::write(&path, "email,name\n").unwrap();
        assert!(Prior::read(&path, 100)
            .unwrap_err()
            .message
            .contains("not a cocoonmail import journal"));
        std::fs::write(
            &path,
            format!("{MAGIC}\nkind events\ninput sha256:aa\nsent x\n"),
        )
        .unwrap();
        assert!(Prior::read(&path, 100)
            .unwrap_err()
            .message
            .contains("damaged"));
        assert!(
            Journal::create(&path, "events", "aa").is_err(),
            "never overwritten"
        );
    }
}
