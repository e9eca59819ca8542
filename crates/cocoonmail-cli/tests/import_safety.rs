//! What an import promises beyond sending: every answer lands in one state (a 2xx that says
//! `"success": false` is a failure), one run per journal, and no secret in any output.

mod common;

use std::process::Stdio;
use std::time::Duration;

use cocoon_mock::{Fault, MockServer, RateLimit};
use common::{events_csv, journal_records, json, stderr, stdout, wait_until, Env};
use serde_json::json;

#[test]
fn a_2xx_that_says_success_false_is_a_failure_in_the_failures_file() {
    let env = Env::new();
    let input = env.file(
        "c.csv",
        "email,firstName\na@example.com,A\nb@example.com,B\nc@example.com,C\n",
    );
    let rejected = || Fault::json(200, json!({"success": false, "message": "rejected"}));
    env.server.script(
        "PUT",
        "/webhook/contact/update",
        [rejected(), rejected(), rejected()],
    );
    let out = env
        .import("contacts", &input)
        .args(["--json", "--failures", "failed.csv"])
        .assert()
        .code(9);
    let summary = json(out.get_output());
    assert_eq!(summary["sent"], 0, "{summary}");
    assert_eq!(summary["failed"], 3, "{summary}");
    assert_eq!(summary["refused"], 3, "{summary}");
    let failed = std::fs::read_to_string(env.path("failed.csv")).unwrap();
    let mut lines: Vec<&str> = failed.lines().collect();
    lines.sort_unstable();
    assert_eq!(lines.len(), 4, "{failed}");
    for (i, email) in ["a", "b", "c"].iter().enumerate() {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("{email}@example.com"))
                    && l.contains(&format!("line {}: ", i + 2))
                    && l.contains("rejected")),
            "{failed}"
        );
    }
    let records = journal_records(&env.path("c.csv.journal"));
    assert_eq!(
        records
            .iter()
            .filter(|r| r.0 == "done" && r.2 == "failed")
            .count(),
        3,
        "{records:?}"
    );

    // Failed rows are sent again on resume.
    env.import("contacts", &input)
        .arg("--resume")
        .assert()
        .success();
    assert_eq!(env.server.contacts().len(), 3);
}

#[test]
fn a_second_run_of_the_same_import_stops_at_once_and_sends_nothing() {
    let env = Env::with(
        MockServer::builder()
            .rate_limit(RateLimit::Off)
            .latency(Duration::from_millis(300)),
    );
    let rows = 30;
    let input = env.file("events.csv", &events_csv(rows));
    let mut first = start_and_wait_for_a_sent_row(&env, &input);
    for resume in [true, false] {
        let mut cmd = env.cmd();
        cmd.args(["--rate", "100", "import", "events"]).arg(&input);
        if resume {
            cmd.arg("--resume");
        }
        let out = cmd.timeout(Duration::from_secs(60)).assert().code(1);
        let text = stderr(out.get_output());
        assert!(
            text.contains("events.csv.journal is locked"),
            "resume {resume}: {text}"
        );
    }
    // At once: not by waiting for the first run's end (30 rows at 300 ms, one at a time).
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first run was still going when the second ones were refused"
    );
    let status = first.wait().unwrap();
    assert!(status.success());
    // Had a second run sent anything, some row would have arrived twice.
    let mut emails = env.event_emails();
    emails.sort();
    emails.dedup();
    assert_eq!(emails.len(), rows);
    assert_eq!(env.event_emails().len(), rows, "no row sent twice");

    // The lock went with the first process: a resume runs (nothing left to send).
    env.import("events", &input)
        .arg("--resume")
        .assert()
        .success();
}

#[test]
fn a_killed_run_leaves_no_stale_lock() {
    let env = Env::with(
        MockServer::builder()
            .rate_limit(RateLimit::Off)
            .latency(Duration::from_millis(300)),
    );
    let input = env.file("events.csv", &events_csv(6));
    let mut child = start_and_wait_for_a_sent_row(&env, &input);
    child.kill().unwrap();
    child.wait().unwrap();
    let out = env
        .import("events", &input)
        .arg("--resume")
        .assert()
        .code(9);
    assert!(!stderr(out.get_output()).contains("locked"));
}

#[test]
fn a_stopped_import_with_a_redis_password_repeats_it_nowhere() {
    let env = Env::new();
    // Nothing listens there: the command goes on with a local share of the budget.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = format!("redis://:fake-redis-password@127.0.0.1:{port}/0");
    let input = env.file("events.csv", &events_csv(5));
    for json_output in [false, true] {
        let _ = std::fs::remove_file(env.path("events.csv.journal"));
        env.server
            .script("POST", "/webhook/event/send", [Fault::status(401)]);
        let mut cmd = env.cmd();
        cmd.args(["--redis-url", &url, "--rate", "100"]);
        if json_output {
            cmd.arg("--json");
        }
        let out = cmd
            .args(["import", "events"])
            .arg(&input)
            .args(["--concurrency", "1"])
            .assert()
            .code(4);
        let output = out.get_output();
        let all = format!("{}{}", stdout(output), stderr(output));
        assert!(!all.contains("fake-redis-password"), "{all}");
        assert!(!all.contains(cocoon_mock::DEFAULT_API_KEY), "{all}");
        let command = if json_output {
            let summary = json(output);
            assert_eq!(
                summary["resume_env"],
                json!(["COCOONMAIL_API_KEY", "COCOONMAIL_REDIS_URL"])
            );
            summary["resume_command"].as_str().unwrap().to_owned()
        } else {
            let text = stdout(output);
            assert!(
                text.contains(
                    "Resume with (COCOONMAIL_API_KEY and COCOONMAIL_REDIS_URL set as for this run):"
                ),
                "{text}"
            );
            text.lines()
                .skip_while(|l| !l.starts_with("Stopped early"))
                .nth(1)
                .unwrap()
                .trim()
                .to_owned()
        };
        assert!(command.ends_with("--resume"), "{command}");
        assert!(!command.contains("redis"), "{command}");
    }
}

/// Starts an import of `input` in the background, one row at a time, and returns once its
/// journal records a row sent.
fn start_and_wait_for_a_sent_row(env: &Env, input: &std::path::Path) -> std::process::Child {
    let journal = env.path("events.csv.journal");
    let child = env
        .process()
        .args(["--rate", "100", "import", "events"])
        .arg(input)
        .args(["--concurrency", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("a row sent", || {
        journal_records(&journal).iter().any(|r| r.0 == "sent")
    });
    child
}
