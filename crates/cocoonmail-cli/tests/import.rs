//! Imports against the fake server: checks before sending, the failures file, the journal, and
//! resuming.

mod common;

use std::io::Write;
use std::process::Stdio;

use cocoon_mock::Fault;
use common::{events_csv, journal_records, json, stderr, stdout, Env};
use serde_json::json;

const CONTACTS: &str = "\
email,firstName,subscribed,mailingLists,plan,seats,trial,renewal_date
ann@example.com,Ann,yes,cl_newsletter_0001;cl_beta_0002,pro,3,true,2025-01-31
bob@example.com,Bob,no,,basic,,,
bad-address,Cid,,,,,,
dee@example.com,Dee,maybe,,,,,
eve@example.com,\"Eve, the second\",,cl_nope,,,,
fay@example.com,Fay,,,,many,,
gus@example.com,Gus,,,,,,2023-02-29
hal@example.com,,,,,,,1700000000000
";

#[test]
fn a_contacts_import_names_bad_rows_by_line_and_writes_the_good_ones_typed() {
    let env = Env::new();
    let input = env.file("contacts.csv", CONTACTS);
    let out = env
        .import("contacts", &input)
        .arg("--json")
        .args(["--failures", "failed.csv"])
        .assert()
        .code(9);
    let output = out.get_output();
    let errors = stderr(output);
    for expected in [
        "line 4: `email`: not an email address",
        "line 5: `subscribed`: expected true or false",
        "line 6: `mailingLists`: the account has no mailing list `cl_nope`",
        "line 7: `seats`: expected a number",
        "line 8: `renewal_date`: expected a date",
    ] {
        assert!(errors.contains(expected), "{expected:?} not in\n{errors}");
    }
    assert!(
        !errors.contains("bad-address"),
        "a value is echoed:\n{errors}"
    );
    let summary = json(output);
    assert_eq!(summary["rows"], 8);
    assert_eq!(summary["sent"], 3);
    assert_eq!(summary["failed"], 5);
    assert_eq!(summary["invalid"], 5);
    assert_eq!(summary["exit_code"], 9);
    assert_eq!(
        summary["bad_rows"][0],
        json!({"line": 4, "reason": "`email`: not an email address (expected name@domain)"})
    );

    let contacts = env.server.contacts();
    assert_eq!(contacts.len(), 3);
    let ann = contacts
        .iter()
        .find(|c| c["email"] == "ann@example.com")
        .unwrap();
    assert_eq!(ann["seats"], 3);
    assert_eq!(ann["trial"], true);
    assert_eq!(ann["subscribed"], true);
    assert_eq!(
        ann["mailingLists"],
        json!({"cl_newsletter_0001": true, "cl_beta_0002": true})
    );
    let bob = contacts
        .iter()
        .find(|c| c["email"] == "bob@example.com")
        .unwrap();
    assert_eq!(bob["subscribed"], false);
    assert!(
        bob.get("seats").is_none_or(|v| v.is_null()),
        "empty cells are not sent"
    );
    let hal = contacts
        .iter()
        .find(|c| c["email"] == "hal@example.com")
        .unwrap();
    assert_eq!(hal["renewal_date"], 1_700_000_000_000_i64);

    let failed = std::fs::read_to_string(env.path("failed.csv")).unwrap();
    let mut lines = failed.lines();
    assert_eq!(
        lines.next(),
        Some("email,firstName,subscribed,mailingLists,plan,seats,trial,renewal_date,reason")
    );
    assert_eq!(
        lines.nth(2),
        Some("eve@example.com,\"Eve, the second\",,cl_nope,,,,,line 6: `mailingLists`: the account has no mailing list `cl_nope`")
    );
    assert_eq!(failed.lines().count(), 6);

    // Fixed, the failures file imports as it is (its `reason` column is skipped).
    let fixed = failed
        .replace("bad-address", "cid@example.com")
        .replace(",maybe,", ",yes,")
        .replace("cl_nope", "cl_beta_0002")
        .replace(",many,", ",7,")
        .replace("2023-02-29", "2024-02-29");
    env.file("failed.csv", &fixed);
    env.cmd()
        .args(["--rate", "100", "import", "contacts", "failed.csv"])
        .assert()
        .success();
    assert_eq!(env.server.contacts().len(), 8);
}

#[test]
fn a_dry_run_checks_everything_and_sends_nothing() {
    let env = Env::new();
    let input = env.file("contacts.csv", CONTACTS);
    let out = env
        .cmd()
        .args(["import", "contacts"])
        .arg(&input)
        .arg("--dry-run")
        .assert()
        .code(3);
    assert!(stdout(out.get_output()).contains("3 ready, 5 invalid. Nothing was sent"));
    let good = env.file("good.csv", "email,plan\nok@example.com,pro\n");
    env.cmd()
        .args(["import", "contacts"])
        .arg(&good)
        .arg("--dry-run")
        .assert()
        .success();
    // Only the account's fields and lists were read; no journal was made.
    assert!(env.server.journal().iter().all(|e| e.method == "GET"));
    assert!(!env.path("good.csv.journal").exists());
}

#[test]
fn a_column_the_account_does_not_have_is_refused_before_sending() {
    let env = Env::new();
    let input = env.file("c.csv", "email,plann\na@example.com,pro\n");
    let out = env
        .cmd()
        .args(["import", "contacts"])
        .arg(&input)
        .args(["--failures", "failed.csv"])
        .assert()
        .code(3);
    assert!(!env.path("failed.csv").exists());
    let text = stderr(out.get_output());
    assert!(text.contains("line 1: column `plann`"), "{text}");
    assert!(text.contains("plan, renewal_date, seats, trial"), "{text}");
    let input = env.file("e.csv", "event_name,userId\nsignup,u-1\n");
    env.cmd()
        .args(["import", "events"])
        .arg(&input)
        .assert()
        .code(3);
    assert!(env.server.contacts().is_empty() && env.server.events().is_empty());
}

#[test]
fn importing_contacts_twice_is_harmless_and_create_only_skips_existing_ones() {
    let env = Env::new();
    let input = env.file(
        "c.csv",
        "email,plan\na@example.com,pro\nb@example.com,basic\n",
    );
    env.import("contacts", &input).assert().success();
    std::fs::remove_file(env.path("c.csv.journal")).unwrap();
    env.import("contacts", &input).assert().success();
    assert_eq!(env.server.contacts().len(), 2);

    let more = env.file(
        "more.csv",
        "email,plan\na@example.com,pro\nc@example.com,pro\n",
    );
    let out = env
        .import("contacts", &more)
        .arg("--json")
        .arg("--create-only")
        .assert()
        .success();
    let summary = json(out.get_output());
    assert_eq!(summary["sent"], 1);
    assert_eq!(summary["skipped"], 1);
    assert_eq!(summary["existing"], 1);
    assert_eq!(env.server.contacts().len(), 3);
    let journal = std::fs::read_to_string(env.path("more.csv.journal")).unwrap();
    assert!(journal.contains("done 1@11 skipped 409\n"), "{journal}");
}

#[test]
fn events_from_stdin_as_json_lines_with_a_journal() {
    let env = Env::new();
    let lines = "{\"event_name\":\"signup\",\"email\":\"a@example.com\",\"seats\":3}\n\
                 not json\n\
                 {\"eventName\":\"upgrade\",\"email\":\"b@example.com\",\"userId\":\"u-2\",\"gone\":null}\n";
    let mut child = env
        .process()
        .args([
            "--rate", "100", "import", "events", "-", "--format", "jsonl",
        ])
        .args(["--journal", "stdin.journal", "--failures", "failed.jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(9), "{}", stderr(&output));
    assert!(stderr(&output).contains("line 2: is not valid JSON"));
    // Rows go out concurrently, so the server may see them in either order.
    let mut events = env.server.events();
    events.sort_by_key(|event| event["event_name"].to_string());
    assert_eq!(
        events,
        vec![
            json!({"event_name": "signup", "email": "a@example.com", "seats": 3}),
            json!({"event_name": "upgrade", "email": "b@example.com", "userId": "u-2"}),
        ]
    );
    let records = journal_records(&env.path("stdin.journal"));
    assert!(
        records.contains(&("done".to_owned(), 3, "ok".to_owned())),
        "{records:?}"
    );
    // A row that could not be read has no columns to write.
    assert_eq!(std::fs::read_to_string(env.path("failed.jsonl")).ok(), None);

    env.cmd()
        .args(["import", "events", "-", "--resume"])
        .write_stdin(lines)
        .assert()
        .code(2);
}

#[test]
fn a_journal_of_another_input_is_refused_and_an_existing_one_needs_resume() {
    let env = Env::new();
    let input = env.file("events.csv", &events_csv(3));
    env.import("events", &input).assert().success();
    let out = env
        .cmd()
        .args(["import", "events"])
        .arg(&input)
        .assert()
        .code(1);
    assert!(stderr(out.get_output()).contains("add --resume"));

    env.file("events.csv", &events_csv(4));
    let out = env
        .cmd()
        .args(["import", "events"])
        .arg(&input)
        .arg("--resume")
        .assert()
        .code(1);
    let text = stderr(out.get_output());
    assert!(text.contains("was made from a different input"), "{text}");
    assert_eq!(env.server.events().len(), 3, "nothing sent");

    let out = env
        .cmd()
        .args(["import", "contacts"])
        .arg(&input)
        .args(["--journal", "events.csv.journal", "--resume"])
        .assert();
    assert_ne!(out.get_output().status.code(), Some(0));
}

#[test]
fn refused_rows_go_to_the_failures_file_and_are_sent_again_on_resume() {
    let env = Env::new();
    let input = env.file("events.csv", &events_csv(4));
    env.server.script(
        "POST",
        "/webhook/event/send",
        [Fault::json(
            400,
            json!({"success": false, "message": "Bad event"}),
        )],
    );
    let out = env
        .import("events", &input)
        .args(["--failures", "failed.csv", "--concurrency", "1"])
        .assert()
        .code(9);
    assert!(stderr(out.get_output()).contains("line 2: API error: HTTP 400"));
    let failed = std::fs::read_to_string(env.path("failed.csv")).unwrap();
    assert!(failed.starts_with("event_name,email,plan,reason\nsignup,user0@example.com,pro,line 2: API error: HTTP 400"), "{failed}");
    assert_eq!(env.event_emails().len(), 3);

    // The refused row was never processed: resuming sends it, and only it.
    env.import("events", &input)
        .arg("--resume")
        .assert()
        .success();
    let mut emails = env.event_emails();
    emails.sort();
    assert_eq!(
        emails,
        [
            "user0@example.com",
            "user1@example.com",
            "user2@example.com",
            "user3@example.com"
        ]
    );
}

#[test]
fn an_event_without_a_certain_answer_is_listed_and_never_resent_unless_asked() {
    let env = Env::new();
    let input = env.file("events.csv", &events_csv(3));
    env.server
        .script("POST", "/webhook/event/send", [Fault::status(500)]);
    let out = env
        .import("events", &input)
        .args(["--failures", "failed.csv", "--concurrency", "1"])
        .assert()
        .code(9);
    let text = stdout(out.get_output());
    assert!(
        text.contains("Uncertain: 1 rows were sent but got no certain answer (lines 2)"),
        "{text}"
    );
    assert!(
        !env.path("failed.csv").exists(),
        "an uncertain row is no failure to re-import"
    );

    let out = env
        .import("events", &input)
        .arg("--json")
        .arg("--resume")
        .assert()
        .code(9);
    let summary = json(out.get_output());
    assert_eq!(summary["uncertain_lines"], json!([2]));
    assert_eq!(summary["done_before"], 2);
    assert_eq!(summary["sent"], 0);

    env.import("events", &input)
        .args(["--resume", "--resend-uncertain"])
        .assert()
        .success();
    assert_eq!(
        env.event_emails()
            .iter()
            .filter(|e| *e == "user0@example.com")
            .count(),
        1
    );
    assert_eq!(env.event_emails().len(), 3);
}

#[test]
fn an_authentication_failure_stops_the_import_with_a_resume_command() {
    let env = Env::new();
    let input = env.file("events.csv", &events_csv(20));
    env.server
        .script("POST", "/webhook/event/send", [Fault::status(401)]);
    let out = env
        .import("events", &input)
        .args(["--concurrency", "1"])
        .assert()
        .code(4);
    let text = stdout(out.get_output());
    assert!(
        text.contains("Resume with (COCOONMAIL_API_KEY set as for this run):"),
        "{text}"
    );
    assert!(text.contains("--resume"), "{text}");
    assert!(env.event_emails().len() < 20);
}

#[test]
fn without_a_terminal_progress_is_plain_lines() {
    let env = Env::new();
    let input = env.file("events.csv", &events_csv(5));
    let out = env.import("events", &input).assert().success();
    let text = stderr(out.get_output());
    assert!(text.contains("progress: sending 5 rows"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "escape codes off a terminal: {text:?}"
    );
    let summary = stdout(out.get_output());
    for part in [
        "sent       5",
        "failed     0",
        "skipped    0",
        "uncertain  0",
        "rows/s",
        "429s seen  0",
    ] {
        assert!(summary.contains(part), "{part:?} not in\n{summary}");
    }
}
