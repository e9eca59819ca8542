//! Imports stopped by SIGKILL and SIGINT, then resumed: no event is ever delivered twice.
//!
//! The fake server answers slowly, so rows are in flight when the signal comes; the tests wait
//! for the journal to show them rather than for a time to pass.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::time::Duration;

use cocoon_mock::{MockServer, RateLimit};
use common::{events_csv, journal_records, stdout, wait_until, Env};

/// Each email the server accepted, with how many times.
fn delivered(env: &Env) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for email in env.event_emails() {
        *counts.entry(email).or_insert(0) += 1;
    }
    counts
}

/// The email of row `record` of [`events_csv`].
fn email_of(record: u64) -> String {
    format!("user{}@example.com", record - 1)
}

/// Rows (by record number) whose last record is `sent`: sent, never answered.
fn unanswered(records: &[(String, u64, String)]) -> BTreeSet<u64> {
    let mut last = BTreeMap::new();
    for (word, line, _) in records {
        last.insert(*line, word.clone());
    }
    last.into_iter()
        .filter(|(_, word)| word == "sent")
        .map(|(line, _)| line)
        .collect()
}

#[test]
fn an_events_import_killed_mid_run_resumes_without_sending_any_row_twice() {
    let env = Env::with(
        MockServer::builder()
            .rate_limit(RateLimit::Off)
            .latency(Duration::from_millis(2000)),
    );
    let rows = 9;
    let input = env.file("events.csv", &events_csv(rows));
    let journal = env.path("events.csv.journal");
    let mut child = env
        .process()
        .args(["--rate", "100", "import", "events"])
        .arg(&input)
        .args(["--concurrency", "3"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The first three rows are answered and the next three are in flight.
    wait_until("six rows sent, some unanswered", || {
        let records = journal_records(&journal);
        let sent = records.iter().filter(|r| r.0 == "sent").count();
        sent >= 6 && !unanswered(&records).is_empty()
    });
    child.kill().unwrap();
    child.wait().unwrap();

    let uncertain = unanswered(&journal_records(&journal));
    assert!(!uncertain.is_empty());

    let out = env
        .import("events", &input)
        .args(["--resume", "--concurrency", "3"])
        .assert()
        .code(9);
    let summary = stdout(out.get_output());
    // Row N of events_csv is on line N + 1.
    let listed = uncertain
        .iter()
        .map(|record| (record + 1).to_string())
        .collect::<Vec<_>>()
        .join(", ");
    assert!(
        summary.contains(&format!(
            "Uncertain: {} rows were sent but got no certain answer (lines {listed})",
            uncertain.len()
        )),
        "{summary}"
    );

    let delivered = delivered(&env);
    assert!(
        delivered.values().all(|n| *n == 1),
        "an event arrived twice: {delivered:?}"
    );
    for record in 1..=rows as u64 {
        if !uncertain.contains(&record) {
            assert_eq!(delivered.get(&email_of(record)), Some(&1), "row {record}");
        }
    }
}

#[test]
fn an_events_import_stopped_by_ctrl_c_resumes_and_completes_every_row_once() {
    let env = Env::with(
        MockServer::builder()
            .rate_limit(RateLimit::Off)
            .latency(Duration::from_millis(400)),
    );
    let rows = 30;
    let input = env.file("events.csv", &events_csv(rows));
    let journal = env.path("events.csv.journal");
    let child = env
        .process()
        .args(["--rate", "100", "import", "events"])
        .arg(&input)
        .args(["--concurrency", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("four rows sent", || {
        journal_records(&journal)
            .iter()
            .filter(|r| r.0 == "sent")
            .count()
            >= 4
    });
    let signalled = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        common::stderr(&output)
    );
    let summary = stdout(&output);
    assert!(summary.contains("Stopped by Ctrl-C"), "{summary}");
    let command = summary
        .lines()
        .skip_while(|l| !l.starts_with("Stopped by Ctrl-C"))
        .nth(1)
        .unwrap()
        .trim()
        .to_owned();
    assert!(command.ends_with("--resume"), "{command}");
    assert!(command.contains("import events"), "{command}");
    // The requests in flight finished and were journaled.
    assert!(unanswered(&journal_records(&journal)).is_empty());
    let before = env.event_emails().len();
    assert!(before < rows, "stopped early: {before} of {rows}");

    env.import("events", &input)
        .args(["--resume", "--concurrency", "4"])
        .assert()
        .success();
    let delivered = delivered(&env);
    assert_eq!(delivered.len(), rows);
    assert!(delivered.values().all(|n| *n == 1), "{delivered:?}");
}
