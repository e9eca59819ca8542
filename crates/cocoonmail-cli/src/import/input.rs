//! Reading an import's rows, one at a time, each with its place: its record number and byte
//! offset (what the journal keys it by) and the line it starts on (what people are told, right
//! for LF, CRLF and CR line ends, mixed ones, a BOM, and quoted fields spanning lines): CSV with
//! a header row, or JSON lines. Standard input is spooled to a temporary file first, so the file can be
//! read twice (checked, then sent) without holding its rows in memory.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use csv::{ByteRecord, StringRecord};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::cli::Format;
use crate::exit::Failure;
use crate::fields::Cell;

/// The file an import reads, and how.
#[derive(Debug)]
pub(crate) struct Input {
    /// The file to read: the user's, or the spool of stdin.
    path: PathBuf,
    /// The input as the user named it (`-` for stdin).
    pub(crate) display: String,
    /// The user's path; `None` for stdin.
    pub(crate) user_path: Option<PathBuf>,
    pub(crate) format: Format,
    _spool: Option<tempfile::NamedTempFile>,
}

impl Input {
    /// Opens `path` (`-`: stdin, spooled to a temporary file) in `format`, or the format its
    /// extension names.
    pub(crate) fn open(path: &Path, format: Option<Format>) -> Result<Self, Failure> {
        let format = format.unwrap_or_else(|| format_of(path));
        if path == Path::new("-") {
            let mut spool = tempfile::NamedTempFile::new()
                .map_err(|e| Failure::other(format!("cannot make a temporary file: {e}")))?;
            io::copy(&mut io::stdin().lock(), spool.as_file_mut())
                .map_err(|e| Failure::other(format!("cannot read stdin: {e}")))?;
            return Ok(Input {
                path: spool.path().to_owned(),
                display: "-".to_owned(),
                user_path: None,
                format,
                _spool: Some(spool),
            });
        }
        File::open(path)
            .map_err(|e| Failure::other(format!("cannot open {}: {e}", path.display())))?;
        Ok(Input {
            path: path.to_owned(),
            display: path.display().to_string(),
            user_path: Some(path.to_owned()),
            format,
            _spool: None,
        })
    }

    /// The input's size in bytes.
    pub(crate) fn len(&self) -> Result<u64, Failure> {
        std::fs::metadata(&self.path)
            .map(|m| m.len())
            .map_err(|e| Failure::other(format!("cannot read {}: {e}", self.display)))
    }

    /// Reads the rows from the start.
    pub(crate) fn rows(&self) -> Result<Rows, Failure> {
        let file = File::open(&self.path)
            .map_err(|e| Failure::other(format!("cannot open {}: {e}", self.display)))?;
        let source = Tracking {
            inner: file,
            hasher: Sha256::new(),
            breaks: Breaks::default(),
        };
        let display = self.display.clone();
        match self.format {
            Format::Csv => {
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .from_reader(source);
                let mut record = ByteRecord::new();
                let read = reader
                    .read_byte_record(&mut record)
                    .map_err(|e| Failure::other(format!("cannot read {display}: {e}")))?;
                if !read {
                    return Err(Failure::invalid(format!(
                        "{display} is empty: a CSV import needs a header row"
                    )));
                }
                let header = StringRecord::from_byte_record(record).map_err(|_| {
                    Failure::invalid(format!("{display}: line 1: the header is not valid UTF-8"))
                })?;
                let header: Vec<String> = header
                    .iter()
                    .enumerate()
                    .map(|(i, name)| {
                        let name = if i == 0 {
                            name.trim_start_matches('\u{feff}')
                        } else {
                            name
                        };
                        name.trim().to_owned()
                    })
                    .collect();
                check_header(&display, &header)?;
                Ok(Rows::Csv {
                    reader: Box::new(reader),
                    header: Arc::new(header),
                    display,
                    records: 0,
                })
            }
            Format::Jsonl => Ok(Rows::Jsonl {
                reader: Box::new(BufReader::new(source)),
                lines: Lines::default(),
                records: 0,
                buf: Vec::new(),
                display,
            }),
        }
    }
}

/// The format a path's extension names: JSON lines for `.jsonl`, `.ndjson` and `.json`, CSV
/// otherwise.
fn format_of(path: &Path) -> Format {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("jsonl" | "ndjson" | "json") => Format::Jsonl,
        _ => Format::Csv,
    }
}

fn check_header(display: &str, header: &[String]) -> Result<(), Failure> {
    for (i, name) in header.iter().enumerate() {
        if name.is_empty() {
            return Err(Failure::invalid(format!(
                "{display}: line 1: column {} has no name",
                i + 1
            )));
        }
        if header[..i].contains(name) {
            return Err(Failure::invalid(format!(
                "{display}: line 1: column `{name}` appears twice"
            )));
        }
    }
    Ok(())
}

/// A reader that hashes (SHA-256) every byte read through it, and notes where its line breaks
/// are.
pub(crate) struct Tracking<R> {
    inner: R,
    hasher: Sha256,
    breaks: Breaks,
}

impl<R: Read> Read for Tracking<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.breaks.feed(&buf[..n]);
        Ok(n)
    }
}

/// The line breaks read but not yet passed by a row: `\n`, `\r\n` and a lone `\r` are one
/// break each. Rows are asked for in order, and the reader reads at most a buffer ahead, so
/// only that buffer's breaks are kept.
#[derive(Debug, Default)]
struct Breaks {
    /// Bytes fed so far.
    fed: u64,
    /// A `\r` at this offset, the last byte fed: a break of one or two bytes.
    pending_cr: Option<u64>,
    /// The breaks not yet passed, as `(start, end)` byte offsets.
    ahead: VecDeque<(u64, u64)>,
    /// The breaks passed.
    passed: u64,
}

impl Breaks {
    fn feed(&mut self, bytes: &[u8]) {
        for (i, b) in bytes.iter().enumerate() {
            let at = self.fed + i as u64;
            if let Some(cr) = self.pending_cr.take() {
                if *b == b'\n' {
                    self.ahead.push_back((cr, at + 1));
                    continue;
                }
                self.ahead.push_back((cr, cr + 1));
            }
            match b {
                b'\r' => self.pending_cr = Some(at),
                b'\n' => self.ahead.push_back((at, at + 1)),
                _ => {}
            }
        }
        self.fed += bytes.len() as u64;
    }

    /// Where the row the parser began reading at `from` really starts (past the line breaks
    /// of blank lines, and the rest of a break `from` falls inside), and the line it is on.
    fn row_start(&mut self, from: u64) -> (u64, u64) {
        let mut at = from;
        while let Some(&(start, end)) = self.ahead.front() {
            if start > at {
                break;
            }
            at = at.max(end);
            self.passed += 1;
            self.ahead.pop_front();
        }
        (at, self.passed + 1)
    }
}

/// Where a row is: what the journal keys it by. The record number alone names it; the byte
/// offset where it starts is kept with it, so that a journal's keys are checked against the
/// input and can be found in it by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Key {
    /// The row's number among the input's rows, from 1 (a CSV header is not a row; blank
    /// lines are not rows; unreadable rows are).
    pub(crate) record: u64,
    /// The byte offset where it starts.
    pub(crate) offset: u64,
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.record, self.offset)
    }
}

impl std::str::FromStr for Key {
    type Err = ();

    fn from_str(s: &str) -> Result<Key, ()> {
        let (record, offset) = s.split_once('@').ok_or(())?;
        Ok(Key {
            record: record.parse().map_err(drop)?,
            offset: offset.parse().map_err(drop)?,
        })
    }
}

/// The lines of a JSON lines file, split at `\n`, `\r\n` or a lone `\r`.
#[derive(Debug, Default)]
pub(crate) struct Lines {
    /// Bytes consumed.
    offset: u64,
    /// Line breaks consumed.
    breaks: u64,
    /// The last line ended with `\r`: a `\n` right after it belongs to the same break.
    after_cr: bool,
}

impl Lines {
    /// Reads the next line into `buf` (without its break); returns its start offset and line
    /// number, or `None` at the end.
    fn next<R: BufRead>(
        &mut self,
        reader: &mut R,
        buf: &mut Vec<u8>,
    ) -> io::Result<Option<(u64, u64)>> {
        buf.clear();
        let mut start = None;
        loop {
            let available = reader.fill_buf()?;
            if available.is_empty() {
                return Ok(start.map(|s| (s, self.breaks + 1)));
            }
            if start.is_none() {
                if self.after_cr && available[0] == b'\n' {
                    self.after_cr = false;
                    reader.consume(1);
                    self.offset += 1;
                    continue;
                }
                self.after_cr = false;
                start = Some(self.offset);
            }
            match available.iter().position(|b| *b == b'\n' || *b == b'\r') {
                Some(i) => {
                    buf.extend_from_slice(&available[..i]);
                    self.after_cr = available[i] == b'\r';
                    reader.consume(i + 1);
                    self.offset += i as u64 + 1;
                    let line = self.breaks + 1;
                    self.breaks += 1;
                    return Ok(start.map(|s| (s, line)));
                }
                None => {
                    let n = available.len();
                    buf.extend_from_slice(available);
                    reader.consume(n);
                    self.offset += n as u64;
                }
            }
        }
    }
}

/// The reason given for a row that is not UTF-8 (`line N: not UTF-8`).
pub(crate) const NOT_UTF8: &str = "not UTF-8";

/// One row of the input.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// Where it is, for the journal.
    pub(crate) key: Key,
    /// The line the row starts on (the header is line 1 of a CSV file).
    pub(crate) line: u64,
    /// Its values.
    pub(crate) cells: Cells,
}

/// A row's values.
#[derive(Debug, Clone)]
pub(crate) enum Cells {
    /// A CSV record, in the header's order.
    Csv(StringRecord),
    /// A JSON object.
    Json(Map<String, Value>),
}

/// A row that cannot be read as a row at all.
#[derive(Debug, Clone)]
pub(crate) struct BadRow {
    pub(crate) line: u64,
    pub(crate) reason: String,
}

/// What reading the next row gave.
#[derive(Debug)]
pub(crate) enum Next {
    Row(Row),
    Bad(BadRow),
    End,
}

/// The rows of an input, read lazily.
pub(crate) enum Rows {
    Csv {
        reader: Box<csv::Reader<Tracking<File>>>,
        header: Arc<Vec<String>>,
        display: String,
        /// Rows read.
        records: u64,
    },
    Jsonl {
        reader: Box<BufReader<Tracking<File>>>,
        lines: Lines,
        /// Rows read.
        records: u64,
        buf: Vec<u8>,
        display: String,
    },
}

impl Rows {
    /// The CSV header; `None` for JSON lines.
    pub(crate) fn header(&self) -> Option<&Arc<Vec<String>>> {
        match self {
            Rows::Csv { header, .. } => Some(header),
            Rows::Jsonl { .. } => None,
        }
    }

    /// The next row; an error only when the file cannot be read.
    pub(crate) fn next_row(&mut self) -> Result<Next, Failure> {
        match self {
            Rows::Csv {
                reader,
                header,
                display,
                records,
            } => {
                let mut record = ByteRecord::new();
                let from = reader.position().byte();
                let read = reader
                    .read_byte_record(&mut record)
                    .map_err(|e| Failure::other(format!("cannot read {display}: {e}")))?;
                if !read {
                    return Ok(Next::End);
                }
                let (offset, line) = reader.get_mut().breaks.row_start(from);
                *records += 1;
                let key = Key {
                    record: *records,
                    offset,
                };
                if record.len() != header.len() {
                    return Ok(Next::Bad(BadRow {
                        line,
                        reason: format!(
                            "has {} fields, the header has {}",
                            record.len(),
                            header.len()
                        ),
                    }));
                }
                match StringRecord::from_byte_record(record) {
                    Ok(record) => Ok(Next::Row(Row {
                        key,
                        line,
                        cells: Cells::Csv(record),
                    })),
                    Err(_) => Ok(Next::Bad(BadRow {
                        line,
                        reason: NOT_UTF8.to_owned(),
                    })),
                }
            }
            Rows::Jsonl {
                reader,
                lines,
                records,
                buf,
                display,
            } => loop {
                let Some((offset, line)) = lines
                    .next(&mut **reader, buf)
                    .map_err(|e| Failure::other(format!("cannot read {display}: {e}")))?
                else {
                    return Ok(Next::End);
                };
                if buf.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                *records += 1;
                let key = Key {
                    record: *records,
                    offset,
                };
                let bad = |reason: String| Ok(Next::Bad(BadRow { line, reason }));
                let Ok(text) = std::str::from_utf8(buf) else {
                    return bad(NOT_UTF8.to_owned());
                };
                let text = text.trim_start_matches('\u{feff}').trim();
                return match serde_json::from_str::<Value>(text) {
                    Ok(Value::Object(object)) => Ok(Next::Row(Row {
                        key,
                        line,
                        cells: Cells::Json(object),
                    })),
                    Ok(_) => bad("is not a JSON object".to_owned()),
                    Err(e) => bad(format!("is not valid JSON ({e})")),
                };
            },
        }
    }

    /// The SHA-256 of everything read so far, in hex: of the whole file once [`Next::End`]
    /// was returned.
    pub(crate) fn sha256(self) -> String {
        let hasher = match self {
            Rows::Csv { reader, .. } => reader.into_inner().hasher,
            Rows::Jsonl { reader, .. } => reader.into_inner().hasher,
        };
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl Row {
    /// Every `(column, value)` of the row, in order.
    pub(crate) fn cells<'a>(
        &'a self,
        header: Option<&'a [String]>,
    ) -> Box<dyn Iterator<Item = (&'a str, Cell<'a>)> + 'a> {
        match (&self.cells, header) {
            (Cells::Csv(record), Some(header)) => Box::new(
                header
                    .iter()
                    .map(String::as_str)
                    .zip(record.iter().map(Cell::Text)),
            ),
            (Cells::Csv(_), None) => Box::new(std::iter::empty()),
            (Cells::Json(object), _) => {
                Box::new(object.iter().map(|(k, v)| (k.as_str(), Cell::Json(v))))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(name: &str, text: impl AsRef<[u8]>) -> (tempfile::TempDir, Input) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let input = Input::open(&path, None).unwrap();
        (dir, input)
    }

    /// A row's place as `Ok((record, offset, line))`, or `Err((line, reason))` when bad.
    type Place = Result<(u64, u64, u64), (u64, String)>;

    fn places(rows: &mut Rows) -> Vec<Place> {
        let mut out = Vec::new();
        loop {
            match rows.next_row().unwrap() {
                Next::Row(r) => out.push(Ok((r.key.record, r.key.offset, r.line))),
                Next::Bad(b) => out.push(Err((b.line, b.reason))),
                Next::End => return out,
            }
        }
    }

    fn lines(rows: &mut Rows) -> Vec<Result<u64, (u64, String)>> {
        places(rows)
            .into_iter()
            .map(|p| p.map(|(_, _, line)| line))
            .collect()
    }

    #[test]
    fn csv_rows_carry_the_line_they_start_on() {
        let (_d, input) = rows_of(
            "c.csv",
            "\u{feff}email, firstName\na@x.io,A\n\n\"b@x.io\",\"two\nlines\"\nc@x.io\nd@x.io,D",
        );
        assert_eq!(input.format, Format::Csv);
        let mut rows = input.rows().unwrap();
        assert_eq!(**rows.header().unwrap(), ["email", "firstName"]);
        assert_eq!(
            lines(&mut rows),
            vec![
                Ok(2),
                Ok(4),
                Err((6, "has 1 fields, the header has 2".to_owned())),
                Ok(7)
            ]
        );
        let first = rows.sha256();
        let mut again = input.rows().unwrap();
        lines(&mut again);
        assert_eq!(again.sha256(), first);
        assert_eq!(first.len(), 64);
    }

    /// The same rows with every kind of line end: the lines people are told, and the places
    /// the journal keeps, are where the rows are.
    #[test]
    fn every_line_end_gives_the_right_lines_and_offsets() {
        let rows = [
            "a@x.io,A",
            "\"b@x.io\",\"two\u{0}lines\"",
            "bad",
            "\"c@x.io\",\"x, y\"",
        ];
        for (name, end) in [("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r")] {
            for bom in ["", "\u{feff}"] {
                // A quoted field spans a line: it holds a line end of the same kind.
                let body: Vec<String> = rows.iter().map(|r| r.replace('\u{0}', end)).collect();
                let text = format!("{bom}email,name{end}{}{end}{end}", body.join(end));
                let (_d, input) = rows_of("c.csv", &text);
                let got = places(&mut input.rows().unwrap());
                let offset = |row: &str| text.find(row).unwrap() as u64;
                assert_eq!(
                    got,
                    vec![
                        Ok((1, offset(&body[0]), 2)),
                        Ok((2, offset(&body[1]), 3)),
                        Err((5, "has 1 fields, the header has 2".to_owned())),
                        Ok((4, offset(&body[3]), 6)),
                    ],
                    "{name} line ends, BOM {:?}",
                    !bom.is_empty()
                );
            }
        }
        // Mixed line ends, blank lines of each kind, no line end at the end.
        let text = "email,name\r\na@x.io,A\n\r\n\rb@x.io,B\r\r\nc@x.io,C";
        let (_d, input) = rows_of("c.csv", text);
        assert_eq!(
            places(&mut input.rows().unwrap()),
            vec![
                Ok((1, 12, 2)),
                Ok((2, text.find("b@").unwrap() as u64, 5)),
                Ok((3, text.find("c@").unwrap() as u64, 7)),
            ]
        );
    }

    /// Seeded: random rows with random line ends, blank lines and spanning fields; each row's
    /// line and offset are checked against a plain count. Replay a failure with
    /// `COCOONMAIL_TEST_SEED=N`.
    #[test]
    fn random_line_ends_never_misplace_a_row() {
        let seed = std::env::var("COCOONMAIL_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        println!("seed {seed} (replay with COCOONMAIL_TEST_SEED={seed})");
        let mut state = seed | 1;
        let mut next = move |n: u64| {
            // xorshift64
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for case in 0..200 {
            let ends = ["\n", "\r\n", "\r"];
            let mut text = String::from("email,name");
            let mut expected = Vec::new();
            let mut line = 1u64;
            let end = |text: &mut String, line: &mut u64, pick: u64| {
                // A `\n` right after a `\r` would join it into one line end.
                let pick = if pick == 0 && text.ends_with('\r') {
                    1
                } else {
                    pick
                };
                text.push_str(ends[pick as usize]);
                *line += 1;
            };
            for record in 1..=next(20) {
                end(&mut text, &mut line, next(3));
                while next(4) == 0 {
                    end(&mut text, &mut line, next(3));
                }
                expected.push((record, text.len() as u64, line));
                text.push_str(&format!("u{record}@x.io,"));
                if next(2) == 0 {
                    text.push('"');
                    for _ in 0..next(3) {
                        text.push_str("a,b");
                        end(&mut text, &mut line, next(3));
                    }
                    text.push('"');
                }
            }
            if next(2) == 0 {
                end(&mut text, &mut line, next(3));
            }
            let (_d, input) = rows_of("c.csv", &text);
            let got: Vec<_> = places(&mut input.rows().unwrap())
                .into_iter()
                .map(|p| p.unwrap_or_else(|e| panic!("seed {seed} case {case}: {e:?} in {text:?}")))
                .collect();
            assert_eq!(got, expected, "seed {seed} case {case}: {text:?}");
        }
    }

    #[test]
    fn json_lines_skip_blank_lines_and_name_bad_ones() {
        let text = [
            b"{\"email\":\"a@x.io\"}\n\n[1]\r\n{oops\r".as_slice(),
            &[0xff],
            b"\n{\"email\":\"b@x.io\"}",
        ]
        .concat();
        let (_d, input) = rows_of("e.jsonl", text);
        assert_eq!(input.format, Format::Jsonl);
        let got = lines(&mut input.rows().unwrap());
        assert_eq!(got[0], Ok(1));
        assert_eq!(got[1], Err((3, "is not a JSON object".to_owned())));
        assert!(matches!(&got[2], Err((4, r)) if r.starts_with("is not valid JSON")));
        assert_eq!(got[3], Err((5, "not UTF-8".to_owned())));
        assert_eq!(got[4], Ok(6));
        assert_eq!(got.len(), 5);
        let (_d, input) = rows_of("e.jsonl", "{\"a\":1}\r\r\n{\"a\":2}\r\n");
        assert_eq!(
            places(&mut input.rows().unwrap()),
            vec![Ok((1, 0, 1)), Ok((2, 10, 3))]
        );
    }

    #[test]
    fn headers_need_distinct_names() {
        let (_d, input) = rows_of("c.csv", "email,plan,plan\n");
        let failure = input.rows().err().unwrap();
        assert!(failure.message.contains("`plan` appears twice"));
        let (_d, input) = rows_of("c.csv", "");
        let failure = input.rows().err().unwrap();
        assert!(failure.message.contains("header row"));
    }
}
