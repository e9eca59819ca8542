//! The import journal: an append-only text file saying, for each row (by its place in the
//! input: its record number and the byte offset it starts at, never a line number), that it
//! may have reached the server and how it was answered. It holds places and statuses, never
//! the rows' data.
//!
//! ```text
//! cocoonmail-import-journal 2
//! kind events
//! input sha256:5f1c...e09a
//! run 1 start
//! sent 1@22
//! done 1@22 ok
//! sent 2@51
//! done 2@51 failed 400
//! sent 3@80
//! run 1 stopped
//! ```
//!
//! - `sent RECORD@OFFSET` is written, and synced to disk, before each attempt of the row goes
//!   out.
//! - `done RECORD@OFFSET STATE [DETAIL]` is written once the row is answered: `ok`, `skipped`
//!   (the contact already existed, with `--create-only`), `failed` (the server refused it, or
//!   it was certainly never processed) or `uncertain` (a server error or a timeout after the
//!   request went out: it may have been processed). `DETAIL` is the HTTP status or the kind of
//!   failure.
//! - `run N start|finished|stopped` marks the runs, for people reading the file.
//!
//! A row whose last record is `sent` was sent and never answered: the process was killed.
//! Records are appended with group commits: one `fdatasync` covers every record written
//! before it, so workers sending at the same time share one sync.
//!
//! One run at a time: a run holds an exclusive lock on its journal from before it reads it to
//! its end. The lock is the operating system's (`flock`), so it goes with the process, however
//! the process ends.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use super::input::Key;
use crate::exit::Failure;

const MAGIC: &str = "cocoonmail-import-journal 2";

/// The first line of journals written before rows were keyed by position.
const MAGIC_1: &str = "cocoonmail-import-journal 1";

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

/// What an earlier run's journal says: the state of each row by record number, read before
/// anything is sent.
#[derive(Debug, Default)]
pub(crate) struct Prior {
    kind: String,
    sha256: String,
    /// Indexed by record number: one byte per row of the input.
    states: Vec<u8>,
    /// How many runs it records.
    pub(crate) runs: u64,
}

impl Prior {
    /// Reads the journal `file` (at `path`), of an input of `input_len` bytes (no row of it
    /// can start past that, nor be numbered higher). `None`: the journal has no complete
    /// header, so the run that made it was stopped before it sent anything.
    pub(crate) fn read(path: &Path, file: &File, input_len: u64) -> Result<Option<Prior>, Failure> {
        let shown = path.display();
        let mut file = file;
        file.seek(SeekFrom::Start(0))
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
                if text == MAGIC_1 {
                    return Err(Failure::other(format!(
                        "the journal {shown} was written by an older cocoonmail, which kept \
                         rows by line number: finish that import with the version that \
                         started it, or delete the journal to start over"
                    )));
                }
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
                (Some("sent"), Some(key), None) => {
                    let key = key.parse().map_err(|()| corrupt())?;
                    prior.set(&shown, key, input_len, RowState::Sent)?
                }
                (Some("done"), Some(key), Some(state)) => {
                    let state = RowState::from_word(state).ok_or_else(corrupt)?;
                    let key = key.parse().map_err(|()| corrupt())?;
                    prior.set(&shown, key, input_len, state)?
                }
                _ => return Err(corrupt()),
            }
        }
        if prior.kind.is_empty() || prior.sha256.is_empty() {
            if number <= 3 && prior.states.is_empty() && prior.runs == 0 {
                // Cut short while its header was written: nothing was sent from it.
                return Ok(None);
            }
            return Err(Failure::other(format!(
                "the journal {shown} has no header (kind and input checksum)"
            )));
        }
        Ok(Some(prior))
    }

    fn set(
        &mut self,
        shown: impl std::fmt::Display,
        key: Key,
        input_len: u64,
        state: RowState,
    ) -> Result<(), Failure> {
        // One byte per row, so a row past the input's end is refused before it is allocated
        // for: every row starts before the end and takes at least a byte.
        let record = usize::try_from(key.record)
            .ok()
            .filter(|_| key.record <= input_len && key.offset < input_len)
            .ok_or_else(|| {
                Failure::other(format!(
                    "the journal {shown} names row {key}, past the end of this input: it was \
                     made from a different input"
                ))
            })?;
        if self.states.len() <= record {
            self.states.resize(record + 1, 0);
        }
        self.states[record] = state as u8;
        Ok(())
    }

    /// The state of the row `key`.
    pub(crate) fn state(&self, key: Key) -> RowState {
        usize::try_from(key.record)
            .ok()
            .and_then(|r| self.states.get(r))
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
    /// A write or sync failed (a full disk): nothing more is appended, so a record cut short
    /// by the failure stays the last one, and is cut off when the journal is opened to go on.
    broken: AtomicBool,
}

/// A journal file, locked for this run: no other run can use it until this process ends.
#[derive(Debug)]
pub(crate) struct Locked {
    path: PathBuf,
    file: File,
    /// Made by this run: removed again unless a run started in it.
    made: bool,
    /// Kept: a run started in it.
    keep: bool,
}

impl Locked {
    /// Opens the journal at `path` (`create`: making it when there is none) and locks it;
    /// `Ok(None)` when there is none to open. Another run holding it is an error that names
    /// the file.
    pub(crate) fn open(path: &Path, create: bool) -> Result<Option<Locked>, Failure> {
        let existing = OpenOptions::new().read(true).write(true).open(path);
        let (file, made) = match existing {
            Ok(file) => (file, false),
            Err(e) if e.kind() == io::ErrorKind::NotFound && create => {
                match OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create_new(true)
                    .open(path)
                {
                    Ok(file) => (file, true),
                    // Another run made it first.
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                        return Locked::open(path, false)
                    }
                    Err(e) => return Err(journal_error(path, &e)),
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(journal_error(path, &e)),
        };
        // Named in full: std's own `File::try_lock` is newer than the minimum Rust.
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                return Err(Failure::other(format!(
                    "the journal {} is locked: another run of this import is using it (one run \
                     at a time: wait for it to end, or stop it)",
                    path.display()
                )))
            }
            Err(fs4::TryLockError::Error(e)) => {
                return Err(Failure::other(format!(
                    "cannot lock the journal {}: {e}",
                    path.display()
                )))
            }
        }
        Ok(Some(Locked {
            path: path.to_owned(),
            file,
            made,
            keep: false,
        }))
    }

    /// Whether this run made the file (it held nothing before).
    #[cfg(test)]
    pub(crate) fn made(&self) -> bool {
        self.made
    }

    /// The file, to read an earlier run's records from.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    /// Starts writing: a new journal (`fresh`: its header first, over anything left by a run
    /// stopped before its header was complete), or the rest of an earlier run's, cutting off
    /// a record left incomplete by a killed process.
    pub(crate) fn start(
        mut self,
        fresh: bool,
        kind: &str,
        sha256: &str,
    ) -> Result<Journal, Failure> {
        let path = self.path.clone();
        let mut file = self
            .file
            .try_clone()
            .map_err(|e| journal_error(&path, &e))?;
        let complete = if fresh {
            0
        } else {
            complete_length(&mut file).map_err(|e| journal_error(&path, &e))?
        };
        file.set_len(complete)
            .and_then(|()| file.seek(SeekFrom::End(0)).map(drop))
            .map_err(|e| journal_error(&path, &e))?;
        let journal = Journal::from_file(&path, file)?;
        if fresh {
            journal.append_durable(&format!("{MAGIC}\nkind {kind}\ninput sha256:{sha256}\n"))?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                // The new file's name must survive a crash too.
                if let Ok(dir) = File::open(dir) {
                    let _ = dir.sync_all();
                }
            }
        }
        self.keep = true;
        Ok(journal)
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        if self.made && !self.keep {
            // Made for a run that sent nothing: no journal to resume from.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Journal {
    fn from_file(path: &Path, file: File) -> Result<Journal, Failure> {
        let sync = file.try_clone().map_err(|e| journal_error(path, &e))?;
        Ok(Journal {
            path: path.to_owned(),
            file: Mutex::new(file),
            sync: Mutex::new(sync),
            written: AtomicU64::new(0),
            synced: AtomicU64::new(0),
            broken: AtomicBool::new(false),
        })
    }

    /// Appends `text` (whole records) and returns its sequence number; not yet durable.
    pub(crate) fn append(&self, text: &str) -> Result<u64, Failure> {
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        if self.broken.load(Ordering::SeqCst) {
            return Err(self.write_error("an earlier write failed"));
        }
        if let Err(e) = file.write_all(text.as_bytes()) {
            self.broken.store(true, Ordering::SeqCst);
            return Err(self.write_error(e));
        }
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
        if self.broken.load(Ordering::SeqCst) {
            return Err(self.write_error("an earlier write failed"));
        }
        let target = self.written.load(Ordering::SeqCst);
        if let Err(e) = file.sync_data() {
            self.broken.store(true, Ordering::SeqCst);
            return Err(self.write_error(e));
        }
        self.synced.fetch_max(target, Ordering::SeqCst);
        Ok(())
    }

    fn write_error(&self, e: impl std::fmt::Display) -> Failure {
        Failure::other(format!(
            "cannot write the journal {}: {e}. The import stopped: no row goes out without its \
             record, so the rows it could not record were not sent",
            self.path.display()
        ))
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

    /// `sent KEY`, durable before returning: written just before the row goes out.
    pub(crate) fn sent(&self, key: Key) -> Result<(), Failure> {
        self.append_durable(&format!("sent {key}\n"))
    }

    /// `done KEY STATE [DETAIL]`, not yet durable: see [`Journal::sync_through`]. `detail` is
    /// one word (an HTTP status, a kind of failure) or empty.
    pub(crate) fn done(&self, key: Key, state: RowState, detail: &str) -> Result<u64, Failure> {
        let detail: String = detail.chars().filter(|c| !c.is_whitespace()).collect();
        if detail.is_empty() {
            self.append(&format!("done {key} {}\n", state.word()))
        } else {
            self.append(&format!("done {key} {} {detail}\n", state.word()))
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

    fn key(record: u64) -> Key {
        Key {
            record,
            offset: record * 10,
        }
    }

    fn prior(path: &Path, input_len: u64) -> Result<Option<Prior>, Failure> {
        let file = File::open(path).unwrap();
        Prior::read(path, &file, input_len)
    }

    #[test]
    fn records_read_back_with_the_last_state_of_each_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let locked = Locked::open(&path, true).unwrap().unwrap();
        assert!(locked.made());
        let journal = locked.start(true, "events", "ab12").unwrap();
        journal.append_durable("run 1 start\n").unwrap();
        journal.sent(key(1)).unwrap();
        let seq = journal.done(key(1), RowState::Ok, "201").unwrap();
        assert!(!journal.is_durable(seq));
        journal.sent(key(2)).unwrap();
        assert!(
            journal.is_durable(seq),
            "a later sync covers earlier records"
        );
        journal.sent(key(3)).unwrap();
        journal.done(key(3), RowState::Failed, "400").unwrap();
        journal.sent(key(3)).unwrap();
        journal.done(key(4), RowState::Uncertain, "503").unwrap();
        drop(journal);
        assert!(path.exists(), "a journal a run started in is kept");
        // A record cut short by a kill.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"done 2@20 o").unwrap();

        let read = prior(&path, 100).unwrap().unwrap();
        assert_eq!(read.runs, 1);
        assert_eq!(read.state(key(1)), RowState::Ok);
        assert_eq!(read.state(key(2)), RowState::Sent);
        assert_eq!(read.state(key(3)), RowState::Sent);
        assert_eq!(read.state(key(4)), RowState::Uncertain);
        assert_eq!(read.state(key(5)), RowState::Unseen);
        read.check(&path, "events", "ab12").unwrap();
        let err = read.check(&path, "events", "ffff").unwrap_err();
        assert!(err.message.contains("different input"), "{err}");
        assert!(read.check(&path, "contacts", "ab12").is_err());

        let locked = Locked::open(&path, false).unwrap().unwrap();
        assert!(!locked.made());
        let journal = locked.start(false, "events", "ab12").unwrap();
        let seq = journal.done(key(2), RowState::Ok, "201").unwrap();
        journal.sync_through(seq).unwrap();
        drop(journal);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.ends_with("done 4@40 uncertain 503\ndone 2@20 ok 201\n"),
            "{text}"
        );
        assert_eq!(
            prior(&path, 100).unwrap().unwrap().state(key(2)),
            RowState::Ok
        );
        assert!(prior(&path, 30)
            .unwrap_err()
            .message
            .contains("past the end"));
    }

    #[test]
    fn one_run_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.csv.journal");
        let first = Locked::open(&path, true).unwrap().unwrap();
        for create in [true, false] {
            let err = Locked::open(&path, create).unwrap_err();
            assert!(err.message.contains("is locked"), "{err}");
            assert!(err.message.contains("events.csv.journal"), "{err}");
        }
        drop(first);
        assert!(!path.exists(), "made for a run that sent nothing: removed");
        assert!(Locked::open(&path, false).unwrap().is_none());
        let journal = Locked::open(&path, true)
            .unwrap()
            .unwrap()
            .start(true, "events", "aa")
            .unwrap();
        assert!(Locked::open(&path, false).is_err(), "locked while written");
        drop(journal);
        assert!(Locked::open(&path, false).unwrap().is_some());
    }

    #[test]
    fn other_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        std::fs::write(&path, "email,name\n").unwrap();
        assert!(prior(&path, 100)
            .unwrap_err()
            .message
            .contains("not a cocoonmail import journal"));
        std::fs::write(
            &path,
            format!("{MAGIC_1}\nkind events\ninput sha256:aa\nsent 2\n"),
        )
        .unwrap();
        assert!(prior(&path, 100)
            .unwrap_err()
            .message
            .contains("older cocoonmail"));
        for bad in ["sent x", "sent 2", "sent 2@", "done 2@3 maybe", "sent -1@0"] {
            std::fs::write(
                &path,
                format!("{MAGIC}\nkind events\ninput sha256:aa\n{bad}\n"),
            )
            .unwrap();
            assert!(
                prior(&path, 100).unwrap_err().message.contains("damaged"),
                "{bad}"
            );
        }
        // Cut short while its header was written: nothing was sent from it.
        for cut in ["", "cocoonmail-imp", &format!("{MAGIC}\nkind events\n")] {
            std::fs::write(&path, cut).unwrap();
            assert!(prior(&path, 100).unwrap().is_none(), "{cut:?}");
        }
    }
}
