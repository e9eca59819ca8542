//! A 1,000-row contacts import with 10 bad rows, against the fake server in its strictest
//! setting (10 requests per second in a sliding one-second window): the `cocoonmail` binary
//! runs as its own process; the server runs here, so its journal shows every request and
//! every 429 it answered.
//!
//! ```text
//! cargo build --release -p cocoonmail-cli --bins --examples
//! target/release/examples/import_1000
//! ```
//!
//! It prints the command's own output (the bad rows by line, the progress lines, the summary),
//! then what the server saw, and checks: the 10 bad rows named with their lines, 990 contacts
//! written, a rate of at least 9.6 per second, no 429. The exit status says whether every
//! check held. `bench-results/run_cli_import.sh` keeps a run's output.

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;

use cocoon_mock::{MockServer, RateLimit, DEFAULT_API_KEY};

const ROWS: usize = 1000;

/// The bad rows: (row index, the CSV line, the reason the command must give).
fn bad_rows() -> Vec<(usize, String, &'static str)> {
    vec![
        (
            17,
            "bad-address-17,A,yes,,pro,1,true,2025-01-01".into(),
            "`email`: not an email address",
        ),
        (
            101,
            "user101@example.com,A,yes,,pro,one,true,2025-01-01".into(),
            "`seats`: expected a number",
        ),
        (
            202,
            "user202@,A,yes,,pro,1,true,2025-01-01".into(),
            "`email`: not an email address",
        ),
        (
            303,
            "user303@example.com,A,perhaps,,pro,1,true,2025-01-01".into(),
            "`subscribed`: expected true or false",
        ),
        (
            404,
            "user404@example.com,A,yes,,pro,1,sometimes,2025-01-01".into(),
            "`trial`: expected true or false",
        ),
        (
            505,
            "user505@example.com,A,yes,cl_unknown,pro,1,true,2025-01-01".into(),
            "`mailingLists`: the account has no mailing list `cl_unknown`",
        ),
        (
            606,
            "user606@example.com,A,yes,,pro,1,true,2025-02-30".into(),
            "`renewal_date`: expected a date",
        ),
        (
            707,
            "user707@example.com,A,yes,,pro,1,true".into(),
            "has 7 fields, the header has 8",
        ),
        (
            808,
            "user808@example.com,A,yes,,pro,1.5e,true,2025-01-01".into(),
            "`seats`: expected a number",
        ),
        (
            909,
            ",A,yes,,pro,1,true,2025-01-01".into(),
            "needs an `email` or a `userId`",
        ),
    ]
}

fn csv() -> String {
    let bad = bad_rows();
    let mut text =
        String::from("email,firstName,subscribed,mailingLists,plan,seats,trial,renewal_date\n");
    for i in 0..ROWS {
        match bad.iter().find(|(row, _, _)| *row == i) {
            Some((_, line, _)) => text.push_str(line),
            None => text.push_str(&format!(
                "user{i}@example.com,User {i},{},cl_newsletter_0001,{},{},{},2025-{:02}-{:02}",
                i % 3 != 0,
                ["free", "pro", "team"][i % 3],
                i % 50,
                i % 2 == 0,
                i % 12 + 1,
                i % 28 + 1
            )),
        }
        text.push('\n');
    }
    text
}

fn main() -> ExitCode {
    let bin = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("cocoonmail")))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("cocoonmail"));
    let server = MockServer::builder()
        .rate_limit(RateLimit::PerSecond(10))
        .strict_window(true)
        .start()
        .expect("the fake server starts");
    let dir = tempfile::tempdir().expect("a scratch directory");
    let input = dir.path().join("contacts.csv");
    std::fs::write(&input, csv()).expect("the input is written");

    println!(
        "server: embedded cocoon-mock at {}, 10/s in strict sliding one-second windows",
        server.base_url()
    );
    println!("input: {ROWS} contact rows, 10 of them bad\n");
    println!("$ cocoonmail import contacts contacts.csv --failures failed.csv");
    let started = Instant::now();
    let output = Command::new(&bin)
        .current_dir(dir.path())
        .env("COCOONMAIL_API_KEY", DEFAULT_API_KEY)
        .env("COCOONMAIL_BASE_URL", server.base_url())
        .args([
            "import",
            "contacts",
            "contacts.csv",
            "--failures",
            "failed.csv",
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}): build it first with `cargo build --release -p \
                 cocoonmail-cli --bins --examples`",
                bin.display()
            )
        });
    let wall = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stderr}{stdout}");
    println!("# exit status: {}\n", output.status.code().unwrap_or(-1));

    let journal = server.journal();
    let writes: Vec<_> = journal
        .iter()
        .filter(|e| e.path == "/webhook/contact/update")
        .collect();
    let too_many = journal.iter().filter(|e| e.status() == Some(429)).count();
    let rate = match (writes.first(), writes.last()) {
        (Some(first), Some(last)) if writes.len() > 1 => {
            (writes.len() - 1) as f64
                / last
                    .received_at
                    .duration_since(first.received_at)
                    .as_secs_f64()
        }
        _ => 0.0,
    };
    let contacts = server.contacts().len();
    println!("what the server saw:");
    println!("  requests:                {}", journal.len());
    println!("  contact/update requests: {}", writes.len());
    println!("  429 answered:            {too_many}");
    println!("  contacts stored:         {contacts}");
    println!("  write rate, N-1 intervals between the first and last write: {rate:.2} requests/s");
    println!("  command wall time:       {:.3} s", wall.as_secs_f64());

    let mut checks = vec![
        ("990 contacts written", contacts == ROWS - 10),
        ("zero 429", too_many == 0),
        ("rate >= 9.6/s", rate >= 9.6),
        (
            "exit status 9 (some rows failed)",
            output.status.code() == Some(9),
        ),
    ];
    let named = bad_rows().iter().all(|(row, _, reason)| {
        let line = row + 2;
        stderr.contains(&format!("line {line}: {reason}"))
    });
    checks.push(("the 10 bad rows named with their lines", named));
    let failed = std::fs::read_to_string(dir.path().join("failed.csv")).unwrap_or_default();
    // The row with too few fields has no columns to write.
    checks.push(("9 rows in failed.csv", failed.lines().count() == 1 + 9));
    println!();
    let mut ok = true;
    for (check, held) in checks {
        println!("{} {check}", if held { "PASS" } else { "FAIL" });
        ok &= held;
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
