//! The crash torture: a 300-row events import stopped at 25 random moments (SIGKILL, then
//! SIGINT), resumed after each, then checked against what the fake server received: no event
//! delivered twice, every row sent or listed uncertain, none skipped silently, and at most
//! the requests in flight at each stop left uncertain. Then the journal's disk fills up
//! mid-run: the import stops, having sent no row it could not record.
//!
//! The moments are drawn from a seed, printed; `COCOONMAIL_TORTURE_SEED=N` replays a run.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use cocoon_mock::{MockServer, RateLimit};
use common::{events_csv, journal_records, json, stderr, Env};

const ROWS: usize = 300;
const STOPS: usize = 25;
const CONCURRENCY: usize = 4;

/// A small deterministic generator (xorshift64).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn seed() -> u64 {
    let seed = std::env::var("COCOONMAIL_TORTURE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(7, |d| d.as_nanos() as u64)
        });
    println!("torture seed {seed}: replay with COCOONMAIL_TORTURE_SEED={seed}");
    seed
}

/// Rows (by record number) whose last record is `sent`: sent, never answered.
fn unanswered(journal: &Path) -> BTreeSet<u64> {
    let mut last = BTreeMap::new();
    for (word, record, _) in journal_records(journal) {
        last.insert(record, word);
    }
    last.into_iter()
        .filter(|(_, word)| word == "sent")
        .map(|(record, _)| record)
        .collect()
}

/// How many `sent` records the journal holds.
fn sent_records(journal: &Path) -> usize {
    journal_records(journal)
        .iter()
        .filter(|r| r.0 == "sent")
        .count()
}

/// The email of row `record` of [`events_csv`].
fn email_of(record: u64) -> String {
    format!("user{}@example.com", record - 1)
}

#[derive(Clone, Copy, Debug)]
enum Stop {
    Kill,
    Interrupt,
}

fn torture(stop: Stop) {
    let seed = seed();
    let mut rng = Rng(seed | 1);
    let env = Env::with(
        MockServer::builder()
            .rate_limit(RateLimit::Off)
            .latency(Duration::from_millis(40)),
    );
    let input = env.file("events.csv", &events_csv(ROWS));
    let journal = env.path("events.csv.journal");
    let run = |resume: bool| {
        let mut cmd = env.process();
        cmd.args(["--rate", "1000", "import", "events"])
            .arg(&input)
            .args(["--concurrency", &CONCURRENCY.to_string(), "--no-progress"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if resume {
            cmd.arg("--resume");
        }
        cmd
    };
    let mut allowed = 0;
    let mut mid_send = 0;
    for round in 0..STOPS {
        let before = unanswered(&journal);
        let sent_before = sent_records(&journal);
        let mut child = run(journal.exists()).spawn().unwrap();
        // Half the moments are times from the start (reading the input, opening the journal,
        // sending); half are counts of rows sent, so that they fall mid-send however slowly a
        // busy machine starts the process.
        let moment = if rng.below(2) == 0 {
            let delay = rng.below(250);
            std::thread::sleep(Duration::from_millis(delay));
            format!("{delay} ms after the start")
        } else {
            let target = sent_before + 1 + rng.below(40) as usize;
            while sent_records(&journal) < target && child.try_wait().unwrap().is_none() {
                std::thread::sleep(Duration::from_millis(1));
            }
            format!("at {target} sent records")
        };
        let ended_alone = child.try_wait().unwrap().is_some();
        match stop {
            // It finished before the moment came: nothing to stop.
            _ if ended_alone => {}
            Stop::Kill => child.kill().unwrap(),
            Stop::Interrupt => {
                let sent = Command::new("kill")
                    .args(["-INT", &child.id().to_string()])
                    .status()
                    .unwrap();
                assert!(sent.success());
            }
        }
        let status = child.wait().unwrap();
        let new: BTreeSet<u64> = unanswered(&journal).difference(&before).copied().collect();
        assert!(
            new.len() <= CONCURRENCY,
            "seed {seed} round {round} ({moment}): {} rows left unanswered, more than the \
             {CONCURRENCY} in flight: {new:?}",
            new.len()
        );
        if let (Stop::Interrupt, Some(130)) = (stop, status.code()) {
            // Stopped by its own handler: the requests in flight were finished and recorded.
            assert!(
                new.is_empty(),
                "seed {seed} round {round}: Ctrl-C left rows unanswered: {new:?}"
            );
        }
        allowed += new.len();
        if sent_records(&journal) > sent_before {
            mid_send += 1;
        }
    }

    // The last run goes to the end.
    let output = run(journal.exists())
        .arg("--json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 9)),
        "seed {seed}: {:?}\n{}",
        output.status,
        stderr(&output)
    );
    let summary = json(&output);
    let uncertain: BTreeSet<u64> = summary["uncertain_lines"]
        .as_array()
        .unwrap()
        .iter()
        // Row N is on line N + 1.
        .map(|l| l.as_u64().unwrap() - 1)
        .collect();
    assert_eq!(summary["failed"], 0, "seed {seed}: {summary}");
    assert!(
        uncertain.len() <= allowed,
        "seed {seed}: {} uncertain, but only {allowed} rows were in flight at the stops",
        uncertain.len()
    );

    let mut delivered: BTreeMap<String, usize> = BTreeMap::new();
    for email in env.event_emails() {
        *delivered.entry(email).or_default() += 1;
    }
    let twice: Vec<_> = delivered.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "seed {seed}: delivered twice: {twice:?}");
    for record in 1..=ROWS as u64 {
        let sent = delivered.contains_key(&email_of(record));
        assert!(
            sent || uncertain.contains(&record),
            "seed {seed}: row {record} was neither delivered nor listed uncertain"
        );
    }
    println!(
        "seed {seed}: {} delivered, {} uncertain ({allowed} in flight at the stops; {mid_send} \
         of {STOPS} stops came after rows went out)",
        delivered.len(),
        uncertain.len()
    );
}

#[test]
fn killed_at_25_random_moments_no_row_is_sent_twice_or_lost() {
    torture(Stop::Kill);
}

#[test]
fn interrupted_at_25_random_moments_no_row_is_sent_twice_or_lost() {
    torture(Stop::Interrupt);
}

/// A small file system for the journal: a tmpfs mounted here (as root), else none.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(bytes: usize) -> Result<SmallDisk, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount -t tmpfs failed ({}): this test needs root (or CAP_SYS_ADMIN) to make a \
                 small disk for the journal",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(SmallDisk { dir })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn a_full_journal_disk_stops_the_import_before_a_row_it_cannot_record() {
    let disk = SmallDisk::mount(8 * 1024).unwrap_or_else(|why| panic!("{why}"));
    let env = Env::with(
        MockServer::builder()
            .rate_limit(RateLimit::Off)
            .latency(Duration::from_millis(5)),
    );
    let input = env.file("events.csv", &events_csv(ROWS));
    let journal = disk.dir.path().join("events.journal");
    let output = env
        .process()
        .args(["--rate", "1000", "import", "events"])
        .arg(&input)
        .args(["--concurrency", &CONCURRENCY.to_string(), "--no-progress"])
        .arg("--journal")
        .arg(&journal)
        .output()
        .unwrap();
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("cannot write the journal") && text.contains("No space left on device"),
        "{text}"
    );
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("--resume"),
        "no resume command from a journal that could not be written"
    );
    // Every event the server got has its `sent` record: no row left without one.
    let recorded: BTreeSet<String> = journal_records(&journal)
        .into_iter()
        .filter(|r| r.0 == "sent")
        .map(|r| email_of(r.1))
        .collect();
    let delivered = env.event_emails();
    assert!(
        delivered.len() < ROWS && !delivered.is_empty(),
        "{} delivered",
        delivered.len()
    );
    let unique: BTreeSet<String> = delivered.iter().cloned().collect();
    assert_eq!(unique.len(), delivered.len(), "an event arrived twice");
    let unrecorded: Vec<_> = unique.difference(&recorded).collect();
    assert!(
        unrecorded.is_empty(),
        "sent without a record: {unrecorded:?}"
    );
}
