//! `cocoonmail`: every Cocoonmail API operation from a shell, and resumable bulk imports of
//! contacts and events, built on the `cocoonmail` SDK's blocking client.
//!
//! ```text
//! cargo install --path crates/cocoonmail-cli
//! export COCOONMAIL_API_KEY='pbkdf2_sha256$...'
//! cocoonmail key validate
//! cocoonmail import contacts contacts.csv --failures failed.csv
//! ```
//!
//! # Commands
//!
//! | command | operation |
//! | --- | --- |
//! | `key validate` | check the API key |
//! | `contacts create` / `update` / `find` / `delete` | contacts (`update` is the upsert) |
//! | `lists` | the team's mailing lists |
//! | `fields` | the team's custom contact fields and their types |
//! | `events send` / `checkout` | an event that triggers workflows; an abandoned cart |
//! | `mail send` / `send-direct` / `usage` / `status ID` | transactional and direct email |
//! | `verify EMAIL` | email verification |
//! | `whatsapp send` / `status ID` | WhatsApp messages |
//! | `otp send` | one-time passwords by email or WhatsApp |
//! | `import contacts FILE` / `import events FILE` | bulk imports (below) |
//! | `completions bash\|zsh\|fish` | a shell completion script |
//!
//! Every command has `--help` with an example. Flags cover the common fields; `--data FILE`
//! (or `--data -` for stdin) takes the whole request as JSON in the wire's shape (API.md §4),
//! read by the SDK's request types themselves, which run every check of sending as they read:
//! a misspelt field or a refused value is named with its place (`to[0].nmae: unknown field`),
//! and the text values of the file are not repeated in the error. Output is for
//! people by default; `--json` prints exactly one JSON document on stdout: the answer, the
//! import summary, or `{"error": {"kind", "exit_code", "status", "message"}}`. Messages,
//! warnings and progress go to stderr.
//!
//! # Configuration
//!
//! - The API key: `COCOONMAIL_API_KEY`, or the first line (trimmed) of the file named by
//!   `--api-key-file PATH`. It is never accepted as an argument (arguments show in `ps` and in
//!   shell history) and never printed: errors print the SDK's messages, which never hold it.
//! - The server: `--base-url URL`, else `COCOONMAIL_BASE_URL`, else production.
//! - `--rate N`: requests per second the client allows itself (default 10, the documented
//!   limit of a team; 0 turns the client's limiter off). 429 answers are still waited out
//!   and retried.
//! - `--redis-url URL` (or `COCOONMAIL_REDIS_URL`, better when the URL holds a password):
//!   share one budget with every process of the team through Redis or Valkey, the SDK's
//!   `RedisLimiter`; `--rate N` is then the team's rate and `--redis-bucket NAME` names the
//!   budget (default: a hash of the API key). When Redis does not answer, the command goes on
//!   with a quarter of the budget and returns to Redis by itself.
//!
//! # Exit codes
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | success |
//! | 1 | other failure: configuration, a local file, an unreadable answer, a journal of another input |
//! | 2 | usage error (clap's code): unknown flag, missing argument, a key given as an argument |
//! | 3 | invalid input: refused before sending, a bad `--data` file, bad rows found by `import --dry-run`, an import header the account cannot take, HTTP 400 |
//! | 4 | authentication: no API key, HTTP 401 (invalid key), HTTP 403 (temporarily blocked) |
//! | 5 | not found: HTTP 404 |
//! | 6 | conflict: HTTP 409 (the contact already exists) |
//! | 7 | rate limited: HTTP 429 after the retries, or the client's limiter wait bound |
//! | 8 | server or transport failure: HTTP 5xx, connection, TLS, timeout |
//! | 9 | an import finished with some rows failed or uncertain |
//! | 130 | stopped by Ctrl-C (an import prints the command that resumes it) |
//!
//! # Imports
//!
//! `cocoonmail import contacts FILE` and `cocoonmail import events FILE` read CSV with a header
//! row, or JSON lines (one object a line): by extension (`.jsonl`, `.ndjson`, `.json` are
//! JSON lines, anything else CSV) or `--format csv|jsonl`. `-` reads stdin, spooled to a
//! temporary file.
//!
//! - **Contacts**: columns `email`, `firstName`, `lastName`, `userGroup`, `userId`, `source`,
//!   `subscribed` (`true`/`false`, `yes`/`no`, `1`/`0`) and `mailingLists` (list ids separated
//!   by `;`, each subscribed; unknown ids are refused). Every other column is a custom property,
//!   converted by the type of the account's custom field of that name (read once): numbers,
//!   booleans, and dates as `YYYY-MM-DD[ HH:MM[:SS[.sss]]]` (or with `T`), with an optional
//!   `+HH:MM`, or Unix milliseconds. A column that is no custom field of the account is refused
//!   before anything is sent. Rows are written with the upsert (`contacts update`), so running
//!   an import twice is harmless; `--create-only` creates, and counts contacts that already
//!   exist (409) as skipped.
//! - **Events**: columns `event_name` (or `eventName`), `email`, and `event_attribute`
//!   (optional); every other column is a further property of the event (CSV cells as text,
//!   JSON values as they are), `userId` included. The event API identifies the contact by
//!   email, so a row without one is refused.
//! - **Empty cells** (and JSON `null`) are skipped: the field is left as it is, never cleared.
//!   Use `contacts update --clear` to clear a field.
//! - The `reason` column that failures files add is skipped (for contacts, unless the account
//!   has a custom field named `reason`), so a fixed failures file imports as it is.
//!
//! First every row is checked, and each bad row reported as `line N: reason` (the line the row
//! starts on; reasons name the column, never the value). `--dry-run` stops there (exit 3 when
//! a row is bad). Then the good rows are sent through the SDK's bulk runner (`--concurrency`,
//! default 4), the file read again rather than held in memory. On a terminal a progress bar
//! shows the count, rate, ETA and the 429s seen; otherwise a plain line is printed every few
//! seconds. At the end a summary gives sent, failed, skipped, uncertain, elapsed time and rate.
//! `--failures OUT.csv` writes the failed rows (their columns and a `reason` column) to fix and
//! import again; a name ending in `.jsonl` writes JSON lines instead. An HTTP 401 or 403 stops
//! the import (every further row would fail the same way).
//!
//! # The journal
//!
//! Each import keeps a journal, `FILE.journal` unless `--journal PATH` (an import from stdin
//! has one only with `--journal`). It is an append-only text file of row places and states,
//! never the rows' data. A row's place is its record number (from 1; the CSV header and blank
//! lines are not rows) and the byte offset where it starts, never a line number:
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
//! The header names the kind of import and the SHA-256 of the input's content. `sent PLACE` is
//! written and synced to disk (`fdatasync`) before each attempt of the row goes out (from the
//! bulk runner's `on_send`); if it cannot be written (a full disk), the request is not sent and
//! the import stops. `done PLACE STATE DETAIL` is written when the row is answered, by one
//! table from every answer to one state: `ok` (a 2xx saying success), `skipped` (409 with
//! `--create-only`), `failed` (refused by the server, a 2xx whose body says
//! `"success": false`, or certainly never processed) or `uncertain` (a server error, a timeout
//! or an unreadable 2xx after the request went out), and `DETAIL` the HTTP status or the kind of
//! failure (none after `ok`). Syncs are shared: one covers every record written before it, and
//! a row counts as done (in the progress and the summary) only once its record is durable.
//!
//! People are told lines: the line a row starts on, right for LF, CRLF and old-Mac CR line
//! ends, mixed ones, a UTF-8 byte order mark and quoted fields spanning lines.
//!
//! One run at a time: an import locks its journal (`flock`) for its whole run, and a second run
//! of the same import, resumed or not, exits 1 at once naming the locked file, having sent
//! nothing. The lock goes with the process, however it ends (`kill -9` leaves none behind).
//! Journals of format 1 (kept by line number) are refused.

//! # Stopping and resuming
//!
//! Ctrl-C stops taking rows; the requests in flight finish and are journaled, the summary is
//! printed with the command that resumes, and the exit code is 130 (a second Ctrl-C
//! quits at once, leaving the rows in flight uncertain). `--resume` goes on from the journal:
//!
//! - rows `done ok` or `skipped` are skipped;
//! - rows that failed are sent again (the server did not process them);
//! - rows sent and never answered (the process was killed), or answered `uncertain`, may have
//!   been processed: a contact upsert is sent again (doing it twice is harmless); an event is
//!   **not** sent again unless `--resend-uncertain`, and is listed as uncertain.
//!
//! A journal made from a different input (another checksum) or for the other kind of import is
//! refused; an existing journal without `--resume` is refused too, so an import is never
//! started over by accident. Rows found bad are checked again on each run.
//!
//! The resume command holds no secret: credentials in URLs are replaced by `***`, and
//! `--redis-url` is left out; the summary names the environment variables to set as for the
//! run instead (`COCOONMAIL_API_KEY`, `COCOONMAIL_REDIS_URL`; `resume_env` in `--json`).
#![cfg_attr(docsrs, feature(doc_cfg))]

mod cli;
mod client;
mod commands;
mod data;
mod exit;
mod fields;
mod import;
mod output;
mod requests;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command};
use crate::client::ClientOptions;
use crate::exit::{Exit, Failure};
use crate::output::Output;

/// Runs the `cocoonmail` command with the process's arguments, and returns its exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are printed by clap with their own (zero) code.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(Exit::Usage.code()));
        }
    };
    let out = Output {
        json: cli.global.json,
    };
    match run(cli, out) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(failure) => {
            out.failure(&failure);
            ExitCode::from(failure.exit.code())
        }
    }
}

fn run(cli: Cli, out: Output) -> Result<Exit, Failure> {
    let options = ClientOptions::from_args(&cli.global)?;
    if let Command::Completions { shell } = cli.command {
        let mut command = Cli::command();
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut command, "cocoonmail", &mut script);
        output::stdout(&String::from_utf8_lossy(&script));
        return Ok(Exit::Success);
    }
    if let Command::Import(command) = cli.command {
        return import::run(command, &options, out);
    }
    let client = options.build()?;
    match cli.command {
        Command::Key(c) => commands::key(&client, out, c)?,
        Command::Contacts(c) => commands::contacts(&client, out, c)?,
        Command::Lists => commands::lists(&client, out)?,
        Command::Fields => commands::custom_fields(&client, out)?,
        Command::Events(c) => commands::events(&client, out, c)?,
        Command::Mail(c) => commands::mail(&client, out, c)?,
        Command::Verify(args) => commands::verify(&client, out, args.email)?,
        Command::WhatsApp(c) => commands::whatsapp(&client, out, c)?,
        Command::Otp(c) => commands::otp(&client, out, c)?,
        Command::Completions { .. } | Command::Import(_) => {}
    }
    Ok(Exit::Success)
}
