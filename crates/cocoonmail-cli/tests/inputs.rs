//! Inputs users really have: an Excel export (BOM, CRLF, quoted commas and line breaks), old
//! Mac line ends, a Google Sheets download, JSON lines without a final line end, and the files
//! that are not quite inputs: empty, a header only, a column twice, bytes that are not UTF-8.
//! Lines are named right in each, and nothing is sent for a row that cannot be read.

mod common;

use std::path::PathBuf;

use common::{json, stderr, stdout, Env};
use serde_json::json;

/// Copies a fixture into the test's scratch directory (the journal is written beside it).
fn fixture(env: &Env, name: &str) -> PathBuf {
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let to = env.path(name);
    std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    to
}

#[test]
fn an_excel_export_with_bom_crlf_and_quoted_line_breaks() {
    let env = Env::new();
    let input = fixture(&env, "excel-contacts.csv");
    let out = env
        .import("contacts", &input)
        .arg("--json")
        .assert()
        .code(9);
    let errors = stderr(out.get_output());
    // Bob's row spans lines 3 and 4: the bad address is on line 5.
    assert!(
        errors.contains("line 5: `email`: not an email address"),
        "{errors}"
    );
    let summary = json(out.get_output());
    assert_eq!(summary["rows"], 4);
    assert_eq!(summary["sent"], 3);
    assert_eq!(summary["bad_rows"][0]["line"], 5);
    let contacts = env.server.contacts();
    let find = |email: &str| {
        contacts
            .iter()
            .find(|c| c["email"] == email)
            .unwrap_or_else(|| panic!("{email} not in {contacts:?}"))
            .clone()
    };
    assert_eq!(find("ann@example.com")["plan"], "pro, annual");
    assert_eq!(find("ann@example.com")["seats"], 3);
    assert_eq!(find("bob@example.com")["firstName"], "Bob\nthe builder");
    assert_eq!(find("dee@example.com")["plan"], "basic \"legacy\"");
    assert!(
        contacts.iter().all(|c| c.get("\u{feff}email").is_none()),
        "the BOM is not part of the first column's name"
    );
}

#[test]
fn old_mac_line_ends_name_the_right_lines() {
    let env = Env::new();
    let input = fixture(&env, "mac-contacts.csv");
    let out = env
        .import("contacts", &input)
        .arg("--json")
        .assert()
        .code(9);
    let errors = stderr(out.get_output());
    assert!(
        errors.contains("line 3: `email`: not an email address"),
        "{errors}"
    );
    assert_eq!(json(out.get_output())["sent"], 2);
    let journal = std::fs::read_to_string(env.path("mac-contacts.csv.journal")).unwrap();
    // Rows 1 and 3 (row 2 is the bad one), at their byte offsets.
    assert!(journal.contains("done 1@27 ok"), "{journal}");
    assert!(journal.contains("done 3@75 ok"), "{journal}");
}

#[test]
fn a_google_sheets_download_without_a_final_line_end() {
    let env = Env::new();
    let input = fixture(&env, "sheets-events.csv");
    let out = env.import("events", &input).arg("--json").assert().code(9);
    assert!(
        stderr(out.get_output()).contains("line 4: `email`: not an email address"),
        "{}",
        stderr(out.get_output())
    );
    let mut events = env.server.events();
    events.sort_by_key(|e| e["email"].to_string());
    assert_eq!(
        events,
        vec![
            json!({"event_name": "signup", "email": "user0@example.com", "plan": "team, 5 seats"}),
            json!({"event_name": "signup", "email": "user1@example.com", "plan": "pro"}),
            json!({"event_name": "upgrade", "email": "user2@example.com", "plan": "multi\r\nline"}),
        ]
    );
}

#[test]
fn json_lines_whose_last_line_has_no_line_end() {
    let env = Env::new();
    let input = fixture(&env, "events-no-final-newline.jsonl");
    let out = env
        .import("events", &input)
        .arg("--json")
        .assert()
        .success();
    let summary = json(out.get_output());
    assert_eq!(summary["rows"], 3);
    assert_eq!(summary["sent"], 3);
    let mut emails = env.event_emails();
    emails.sort();
    assert_eq!(
        emails,
        [
            "user0@example.com",
            "user1@example.com",
            "user2@example.com"
        ]
    );
}

#[test]
fn a_row_that_is_not_utf8_is_named_and_not_sent() {
    let env = Env::new();
    let input = fixture(&env, "latin1-events.csv");
    let out = env.import("events", &input).arg("--json").assert().code(9);
    let errors = stderr(out.get_output());
    assert!(errors.contains("line 3: not UTF-8"), "{errors}");
    let mut emails = env.event_emails();
    emails.sort();
    assert_eq!(emails, ["user0@example.com", "user2@example.com"]);
    let summary = json(out.get_output());
    assert_eq!(summary["unreadable"], 1);
    assert_eq!(
        summary["bad_rows"],
        json!([{"line": 3, "reason": "not UTF-8"}])
    );
}

#[test]
fn files_that_are_not_quite_inputs() {
    let env = Env::new();
    let empty = fixture(&env, "empty.csv");
    let out = env.import("events", &empty).assert().code(3);
    assert!(
        stderr(out.get_output()).contains("is empty: a CSV import needs a header row"),
        "{}",
        stderr(out.get_output())
    );
    let empty_lines = env.file("empty.jsonl", "");
    let out = env.import("events", &empty_lines).assert().success();
    assert!(
        stdout(out.get_output()).contains("0 rows"),
        "{}",
        stdout(out.get_output())
    );

    let header_only = fixture(&env, "header-only.csv");
    let out = env
        .import("events", &header_only)
        .arg("--json")
        .assert()
        .success();
    let summary = json(out.get_output());
    assert_eq!(summary["rows"], 0);
    assert_eq!(summary["sent"], 0);
    assert!(
        !env.path("header-only.csv.journal").exists(),
        "a run that sent nothing leaves no journal to resume"
    );

    let twice = fixture(&env, "duplicate-columns.csv");
    let out = env.import("events", &twice).assert().code(3);
    assert!(
        stderr(out.get_output()).contains("line 1: column `plan` appears twice"),
        "{}",
        stderr(out.get_output())
    );
    assert!(env.server.events().is_empty(), "nothing was sent");
    assert!(!env.path("duplicate-columns.csv.journal").exists());
}
