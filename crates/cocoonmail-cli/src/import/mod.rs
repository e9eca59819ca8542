//! `cocoonmail import contacts|events FILE`: check every row, then send the good ones through
//! the SDK's bulk runner, journaling each row before it is sent and after it is answered, so
//! that an import stopped by Ctrl-C or killed can be resumed without sending anything twice
//! that should not be.
//!
//! The file is read twice (checked, then sent) and never held in memory: only the rows in
//! flight are, and one byte per row of what an earlier run's journal says.

mod failures;
mod input;
mod journal;
mod kinds;
mod outcome;
mod progress;
mod redact;
mod summary;

use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use cocoonmail::{Error, StopHandle};

use self::failures::Failures;
use self::input::{Input, Key, Next, Row, Rows};
use self::journal::{Locked, Prior, RowState};
use self::kinds::{Contacts, Events, RowKind};
use self::progress::{Counts, Progress};
use self::summary::Summary;
use crate::cli::{ImportArgs, ImportCommand};
use crate::client::{CliClient, ClientOptions, ENV_REDIS_URL};
use crate::exit::{Exit, Failure};
use crate::fields::FieldTypes;
use crate::output::Output;

/// Runs an import; its summary is printed here, the exit code returned.
pub(crate) fn run(
    command: ImportCommand,
    options: &ClientOptions,
    out: Output,
) -> Result<Exit, Failure> {
    let started = Instant::now();
    match command {
        ImportCommand::Contacts(args) => {
            if args.resend_uncertain {
                return Err(Failure::usage(
                    "--resend-uncertain is for events: contact upserts left uncertain are \
                     always sent again",
                ));
            }
            let client = options.build()?;
            let fields = FieldTypes::fetch(&client)?;
            let lists: BTreeSet<String> = client
                .lists()
                .list()
                .map_err(|e| Failure::from(e).context("reading the account's mailing lists"))?
                .into_iter()
                .map(|l| l.id)
                .collect();
            let kind = Contacts {
                fields,
                lists,
                create_only: args.create_only,
            };
            Import::prepare(kind, args, Some(client), out, started)?.run()
        }
        ImportCommand::Events(args) => {
            if args.create_only {
                return Err(Failure::usage("--create-only is for contacts"));
            }
            let client = if args.dry_run {
                None
            } else {
                Some(options.build()?)
            };
            let kind = Events {
                resend_uncertain: args.resend_uncertain,
            };
            Import::prepare(kind, args, client, out, started)?.run()
        }
    }
}

/// What to do with a row, given what an earlier run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    /// Send it.
    Send,
    /// An earlier run did it.
    Done,
    /// An earlier run sent it without a certain answer; it is sent again.
    Resend,
    /// An earlier run sent it without a certain answer; it is not sent again.
    Uncertain,
}

/// What an earlier run did, and what that means for each row.
#[derive(Debug)]
struct Plan {
    prior: Option<Prior>,
    resend_uncertain: bool,
}

impl Plan {
    fn decide(&self, key: Key) -> Decision {
        let Some(prior) = &self.prior else {
            return Decision::Send;
        };
        match prior.state(key) {
            RowState::Unseen | RowState::Failed => Decision::Send,
            RowState::Ok | RowState::Skipped => Decision::Done,
            RowState::Sent | RowState::Uncertain if self.resend_uncertain => Decision::Resend,
            RowState::Sent | RowState::Uncertain => Decision::Uncertain,
        }
    }
}

/// An import, set up.
struct Import<K: RowKind> {
    kind: Arc<K>,
    args: ImportArgs,
    client: Option<CliClient>,
    out: Output,
    started: Instant,
    input: Input,
    journal_path: Option<PathBuf>,
    /// The journal, locked for this run (not for a dry run).
    locked: Option<Locked>,
    plan: Arc<Plan>,
    summary: Summary,
}

impl<K: RowKind> Import<K> {
    fn prepare(
        kind: K,
        args: ImportArgs,
        client: Option<CliClient>,
        out: Output,
        started: Instant,
    ) -> Result<Self, Failure> {
        let is_stdin = args.file == Path::new("-");
        if is_stdin && args.resume && args.journal.is_none() {
            return Err(Failure::usage(
                "--resume of an import from stdin needs the --journal it was started with",
            ));
        }
        let input = Input::open(&args.file, args.format)?;
        let journal_path = args.journal.clone().or_else(|| {
            input.user_path.as_ref().map(|p| {
                let mut path = OsString::from(p.as_os_str());
                path.push(".journal");
                PathBuf::from(path)
            })
        });
        // The journal is locked before it is read, and stays locked to the end of the run:
        // a second run of the same import stops here, having sent nothing.
        let locked = match &journal_path {
            Some(path) if !args.dry_run => Locked::open(path, !args.resume)?,
            _ => None,
        };
        let prior = match (&journal_path, &locked) {
            (Some(path), Some(locked)) => {
                let prior = Prior::read(path, locked.file(), input.len()?)?;
                if prior.is_some() && !args.resume {
                    return Err(Failure::other(format!(
                        "the journal {} exists from an earlier run of this import: add \
                         --resume to go on where it stopped, or delete it to start over",
                        path.display()
                    )));
                }
                prior
            }
            (Some(path), None) if args.resume => {
                let file = std::fs::File::open(path).map_err(|_| {
                    Failure::other(format!(
                        "there is no journal {} to resume from",
                        path.display()
                    ))
                })?;
                Prior::read(path, &file, input.len()?)?
            }
            _ => None,
        };
        let plan = Arc::new(Plan {
            prior,
            resend_uncertain: kind.resend_uncertain(),
        });
        let summary = Summary {
            import: kind.name(),
            input: input.display.clone(),
            dry_run: args.dry_run,
            journal: journal_path
                .as_ref()
                .filter(|_| !args.dry_run)
                .map(|p| p.display().to_string()),
            ..Summary::default()
        };
        Ok(Import {
            kind: Arc::new(kind),
            args,
            client,
            out,
            started,
            input,
            journal_path,
            locked,
            plan,
            summary,
        })
    }

    fn run(mut self) -> Result<Exit, Failure> {
        let rows = self.input.rows()?;
        let header = rows.header().cloned();
        drop(rows);
        if let Some(header) = &header {
            self.kind
                .check_header(header)
                .map_err(|e| Failure::invalid(format!("{}: line 1: {e}", self.input.display)))?;
        }
        let mut failures = match &self.args.failures {
            Some(path) if !self.args.dry_run => Some(Failures::create(
                path,
                self.input.format,
                header.as_deref().map(Vec::as_slice),
            )?),
            _ => None,
        };
        let checked = self.check(failures.as_mut())?;
        if let (Some(prior), Some(path)) = (&self.plan.prior, &self.journal_path) {
            prior.check(path, self.kind.name(), &checked.sha256)?;
        }
        if self.args.dry_run {
            self.summary
                .timing(self.started.elapsed(), Duration::ZERO, 0);
            let exit = if self.summary.invalid > 0 {
                Exit::InvalidInput
            } else {
                Exit::Success
            };
            return self.finish(exit, None);
        }
        let sent = if checked.to_send > 0 {
            self.send(&checked, failures.as_mut())
        } else {
            Ok(Sending::default())
        };
        if let Some(failures) = failures {
            self.summary.failures_file = Some(failures.path().display().to_string());
            let written = failures.written;
            failures.finish()?;
            if written == 0 {
                self.summary.failures_file = None;
                if let Some(path) = &self.args.failures {
                    let _ = std::fs::remove_file(path);
                }
            }
        }
        let sent = sent?;
        if let Some(sha256) = &sent.sha256 {
            if *sha256 != checked.sha256 {
                eprintln!(
                    "warning: {} changed while it was being imported: the rows sent may not be \
                     the rows checked",
                    self.input.display
                );
            }
        }
        self.summary
            .timing(self.started.elapsed(), sent.sending, sent.answered);
        let exit = if let Some(fatal) = &sent.fatal {
            fatal.exit
        } else if sent.interrupted {
            Exit::Interrupted
        } else if self.summary.failed > 0 || self.summary.uncertain > 0 {
            Exit::PartialImport
        } else {
            Exit::Success
        };
        self.summary.interrupted = sent.interrupted;
        if sent.interrupted || sent.fatal.is_some() {
            self.summary.not_sent = checked
                .to_send
                .saturating_sub(sent.answered + sent.unanswered);
            if self.journal_path.is_some() && !sent.journal_failed {
                let args: Vec<String> = std::env::args().collect();
                let redis_in_env = std::env::var_os(ENV_REDIS_URL).is_some_and(|v| !v.is_empty());
                let (command, env) = redact::resume_command(&args, redis_in_env);
                self.summary.resume_command = Some(command);
                self.summary.resume_env = env;
            }
        }
        self.finish(exit, sent.fatal)
    }

    /// Prints the summary and returns the exit code.
    fn finish(mut self, exit: Exit, fatal: Option<Failure>) -> Result<Exit, Failure> {
        self.summary.exit_code = exit.code();
        self.summary.error = fatal.as_ref().map(|f| redact::urls(&f.message));
        self.out.answer(&self.summary, Summary::human)?;
        if let Some(fatal) = fatal {
            eprintln!("error: {}", redact::urls(&fatal.message));
        }
        Ok(exit)
    }

    /// Reads every row (the header was checked), reports the bad ones, and counts what will
    /// be sent.
    fn check(&mut self, mut failures: Option<&mut Failures>) -> Result<Checked, Failure> {
        let mut rows = self.input.rows()?;
        let header = rows.header().cloned();
        let header = header.as_deref().map(Vec::as_slice);
        let mut checked = Checked::default();
        loop {
            let row = match rows.next_row()? {
                Next::End => break,
                Next::Bad(bad) => {
                    self.summary.rows += 1;
                    self.summary.unreadable += 1;
                    self.report_bad(bad.line, &bad.reason);
                    continue;
                }
                Next::Row(row) => row,
            };
            self.summary.rows += 1;
            if let Err(reason) = self.kind.convert(&row, header) {
                self.report_bad(row.line, &reason);
                if let Some(failures) = failures.as_deref_mut() {
                    failures.write(&row, header, &format!("line {}: {reason}", row.line))?;
                }
                continue;
            }
            match self.plan.decide(row.key) {
                Decision::Send => checked.to_send += 1,
                Decision::Resend => {
                    checked.to_send += 1;
                    self.summary.resent_uncertain += 1;
                }
                Decision::Done => self.summary.skipped_row(false),
                Decision::Uncertain => self.summary.uncertain_row(row.line),
            }
        }
        checked.sha256 = rows.sha256();
        Ok(checked)
    }

    fn report_bad(&mut self, line: u64, reason: &str) {
        eprintln!("line {line}: {reason}");
        self.summary.bad_row(line, reason);
    }

    /// Sends the rows to send, journaling each, until done or stopped.
    fn send(
        &mut self,
        checked: &Checked,
        mut failures: Option<&mut Failures>,
    ) -> Result<Sending, Failure> {
        let Some(client) = self.client.clone() else {
            return Err(Failure::other("no client to send with"));
        };
        let journal = match self.locked.take() {
            None => {
                eprintln!(
                    "warning: importing from stdin without --journal: this import cannot be \
                     resumed if it stops"
                );
                None
            }
            Some(locked) => {
                Some(locked.start(self.plan.prior.is_none(), self.kind.name(), &checked.sha256)?)
            }
        };
        let journal = journal.map(Arc::new);
        let run_number = self.plan.prior.as_ref().map_or(1, |p| p.runs + 1);
        if let Some(journal) = &journal {
            journal.append_durable(&format!("run {run_number} start\n"))?;
        }

        let rows = self.input.rows()?;
        let header = rows.header().cloned();
        let shared = Arc::new(Shared::default());
        let feed = Feed {
            rows: Some(rows),
            header: header.clone(),
            kind: Arc::clone(&self.kind),
            plan: Arc::clone(&self.plan),
            shared: Arc::clone(&shared),
            next_index: 0,
            limit: usize::from(self.args.concurrency).max(1),
        };
        let gate = client.transport().gate();
        let run = client
            .bulk(feed)
            .concurrency(usize::from(self.args.concurrency));
        let stop = run.stop_handle();
        let _ = shared.stop.set(stop.clone());
        let run = {
            let (shared, journal, stop, gate) = (
                Arc::clone(&shared),
                journal.clone(),
                stop.clone(),
                Arc::clone(&gate),
            );
            run.on_send(move |index| {
                let Some(journal) = &journal else { return };
                let key = lock(&shared.in_flight).get(&index).map(|row| row.key);
                if let Some(key) = key {
                    if let Err(e) = journal.sent(key) {
                        // No request may leave without its record.
                        gate.close();
                        stop.stop();
                        lock(&shared.journal_error).get_or_insert(e);
                    }
                }
            })
        };
        let interrupted = Arc::new(AtomicBool::new(false));
        {
            let (interrupted, stop) = (Arc::clone(&interrupted), stop.clone());
            let installed = ctrlc::set_handler(move || {
                if interrupted.swap(true, Ordering::SeqCst) {
                    eprintln!("\nStopped at once: rows in flight are left uncertain.");
                    std::process::exit(i32::from(Exit::Interrupted.code()));
                }
                stop.stop();
                eprintln!(
                    "\nStopping: no more rows are taken; the requests in flight finish. \
                     Ctrl-C again quits at once."
                );
            });
            if let Err(e) = installed {
                eprintln!("warning: Ctrl-C will not stop the import cleanly: {e}");
            }
        }

        let sending_started = Instant::now();
        let mut progress = Progress::start(checked.to_send, !self.args.no_progress);
        let outcomes = run
            .iter()
            .map_err(|e| Failure::other(format!("cannot start the workers: {e}")))?;
        let mut sending = Sending::default();
        let mut counts = Counts::default();
        let mut durable = Durability::default();
        let header = header.as_deref().map(Vec::as_slice);
        for outcome in outcomes {
            let Some(row) = lock(&shared.in_flight).remove(&outcome.index) else {
                shared.record_one();
                continue;
            };
            let (state, detail, reason) = self.classify(&outcome.result);
            if let Err(error) = &outcome.result {
                if outcome::stops_the_run(error) && sending.fatal.is_none() {
                    stop.stop();
                    sending.fatal = Some(Failure::from(error));
                }
            }
            if let Some(journal) = &journal {
                match journal.done(row.key, state, &detail) {
                    Ok(seq) => durable.last = seq,
                    Err(e) => {
                        gate.close();
                        stop.stop();
                        lock(&shared.journal_error).get_or_insert(e);
                    }
                }
            }
            shared.record_one();
            sending.answered += 1;
            counts.answered += 1;
            match state {
                RowState::Ok => self.summary.sent += 1,
                RowState::Skipped => self.summary.skipped_row(true),
                RowState::Uncertain => {
                    self.summary.uncertain_row(row.line);
                    progress.message(&format!("line {}: uncertain: {reason}", row.line));
                }
                _ => {
                    self.summary.failed += 1;
                    self.summary.refused += 1;
                    counts.failed += 1;
                    progress.message(&format!("line {}: {reason}", row.line));
                    let line = format!("line {}: {reason}", row.line);
                    if let Some(Err(e)) = failures
                        .as_deref_mut()
                        .map(|f| f.write(&row, header, &line))
                    {
                        // The rows in flight are still answered and journaled.
                        stop.stop();
                        sending.fatal.get_or_insert(e);
                        failures = None;
                    }
                }
            }
            counts.too_many_requests = client.transport().too_many_requests();
            if let Some(journal) = &journal {
                // A row counts as done once its record is durable: a sync by a worker covers
                // it, or one here at most every 250 ms.
                if !journal.is_durable(durable.last) && durable.since.elapsed() > SYNC_EVERY {
                    if let Err(e) = journal.sync_through(durable.last) {
                        lock(&shared.journal_error).get_or_insert(e);
                        gate.close();
                        stop.stop();
                    }
                    durable.since = Instant::now();
                }
                if journal.is_durable(durable.last) {
                    progress.update(counts);
                }
            } else {
                progress.update(counts);
            }
        }
        progress.finish();
        sending.sending = sending_started.elapsed();
        sending.interrupted = interrupted.load(Ordering::SeqCst);
        self.summary.too_many_requests = client.transport().too_many_requests();

        // Rows still in flight when the workers ended (a journal failure): never answered.
        for (_, row) in lock(&shared.in_flight).drain() {
            sending.unanswered += 1;
            self.summary.uncertain_row(row.line);
        }
        self.summary.uncertain_lines.sort_unstable();
        if let Some(journal) = &journal {
            let end = if sending.interrupted || sending.fatal.is_some() {
                "stopped"
            } else {
                "finished"
            };
            let closed = journal
                .sync_through(durable.last)
                .and_then(|()| journal.append_durable(&format!("run {run_number} {end}\n")));
            if let Err(e) = closed {
                lock(&shared.journal_error).get_or_insert(e);
            }
        }
        if let Some(e) = lock(&shared.read_error).take() {
            sending.fatal.get_or_insert(e);
        }
        if let Some(e) = lock(&shared.journal_error).take() {
            sending.fatal = Some(e);
            sending.journal_failed = true;
        }
        sending.sha256 = lock(&shared.sha256).take();
        Ok(sending)
    }

    /// How a row's answer is journaled: its state (by [`outcome::verdict`]), a one-word
    /// detail, and the reason shown.
    fn classify<O>(&self, result: &Result<O, Error>) -> (RowState, String, String) {
        let state = outcome::verdict(result, self.kind.policy()).state();
        match result {
            Ok(_) => (state, String::new(), String::new()),
            Err(error) => (
                state,
                outcome::detail(error),
                redact::urls(&error.to_string()),
            ),
        }
    }
}

/// How often the main thread syncs answered rows' records when no worker did.
const SYNC_EVERY: Duration = Duration::from_millis(250);

#[derive(Debug)]
struct Durability {
    /// The sequence number of the last `done` record.
    last: u64,
    since: Instant,
}

impl Default for Durability {
    fn default() -> Self {
        Durability {
            last: 0,
            since: Instant::now(),
        }
    }
}

/// What the check found.
#[derive(Debug, Default)]
struct Checked {
    sha256: String,
    /// Good rows this run sends.
    to_send: u64,
}

/// What the sending did.
#[derive(Debug, Default)]
struct Sending {
    /// Rows answered (or failed) in this run.
    answered: u64,
    /// Rows taken but never answered (the run was cut short).
    unanswered: u64,
    sending: Duration,
    interrupted: bool,
    /// What stopped the run early.
    fatal: Option<Failure>,
    /// Whether the journal could not be written (then the run cannot be resumed from it).
    journal_failed: bool,
    /// The input's checksum as read while sending.
    sha256: Option<String>,
}

/// What the feeding iterator, the workers and the main thread share.
#[derive(Debug, Default)]
struct Shared {
    /// The rows taken by the workers, by bulk index, until answered.
    in_flight: Mutex<HashMap<usize, Row>>,
    /// Rows handed to the workers whose answers are not recorded yet: never more than the
    /// concurrency, so that a killed run leaves at most that many rows uncertain (answers
    /// wait in the bulk runner's queue until this thread records them).
    unrecorded: Mutex<usize>,
    /// Signalled each time an answer is recorded.
    recorded: Condvar,
    /// The run's stop handle, once the run exists.
    stop: OnceLock<StopHandle>,
    read_error: Mutex<Option<Failure>>,
    journal_error: Mutex<Option<Failure>>,
    sha256: Mutex<Option<String>>,
}

impl Shared {
    /// Counts an answer as recorded, making room for one more row.
    fn record_one(&self) {
        let mut unrecorded = lock(&self.unrecorded);
        *unrecorded = unrecorded.saturating_sub(1);
        self.recorded.notify_all();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The rows to send, read lazily (the bulk runner takes one each time a worker is free).
struct Feed<K: RowKind> {
    rows: Option<Rows>,
    header: Option<Arc<Vec<String>>>,
    kind: Arc<K>,
    plan: Arc<Plan>,
    shared: Arc<Shared>,
    next_index: usize,
    /// At most this many rows unrecorded (the concurrency).
    limit: usize,
}

impl<K: RowKind> Feed<K> {
    /// Waits until fewer than `limit` rows are unrecorded; false when the run was stopped
    /// meanwhile.
    fn wait_for_room(&self) -> bool {
        let mut unrecorded = lock(&self.shared.unrecorded);
        loop {
            if self.shared.stop.get().is_some_and(StopHandle::is_stopped) {
                return false;
            }
            if *unrecorded < self.limit {
                *unrecorded += 1;
                return true;
            }
            // A timeout too, so that a stop is seen without a signal.
            unrecorded = self
                .shared
                .recorded
                .wait_timeout(unrecorded, Duration::from_millis(50))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

impl<K: RowKind> Iterator for Feed<K> {
    type Item = K::Request;

    fn next(&mut self) -> Option<K::Request> {
        loop {
            let rows = self.rows.as_mut()?;
            let row = match rows.next_row() {
                Ok(Next::Row(row)) => row,
                // Reported by the check.
                Ok(Next::Bad(_)) => continue,
                Ok(Next::End) => {
                    let rows = self.rows.take()?;
                    *lock(&self.shared.sha256) = Some(rows.sha256());
                    return None;
                }
                Err(e) => {
                    self.rows = None;
                    *lock(&self.shared.read_error) = Some(e);
                    return None;
                }
            };
            if matches!(
                self.plan.decide(row.key),
                Decision::Done | Decision::Uncertain
            ) {
                continue;
            }
            let header = self.header.as_deref().map(Vec::as_slice);
            let Ok(request) = self.kind.convert(&row, header) else {
                continue;
            };
            if !self.wait_for_room() {
                self.rows = None;
                return None;
            }
            lock(&self.shared.in_flight).insert(self.next_index, row);
            self.next_index += 1;
            return Some(request);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earlier_runs_decide_what_is_sent() {
        let plan = Plan {
            prior: None,
            resend_uncertain: false,
        };
        assert_eq!(
            plan.decide(Key {
                record: 1,
                offset: 9
            }),
            Decision::Send
        );
    }
}
