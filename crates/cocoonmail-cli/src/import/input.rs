//! Reading an import's rows, one at a time, with the line each starts on: CSV with a header
//! row, or JSON lines. Standard input is spooled to a temporary file first, so the file can be
//! read twice (checked, then sent) without holding its rows in memory.

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
        let mut file = File::open(&self.path)
            .map_err(|e| Failure::other(format!("cannot open {}: {e}", self.display)))?;
        let end = file_end(&mut file)
            .map_err(|e| Failure::other(format!("cannot read {}: {e}", self.display)))?;
        let source = Hashing {
            inner: file,
            hasher: Sha256::new(),
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
                    end,
                })
            }
            Format::Jsonl => Ok(Rows::Jsonl {
                reader: BufReader::new(source),
                line: 0,
                buf: Vec::new(),
                display,
            }),
        }
    }
}

/// Where a file ends, and whether its last line ends with a newline.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FileEnd {
    len: u64,
    newline: bool,
}

fn file_end(file: &mut File) -> io::Result<FileEnd> {
    use std::io::{Seek, SeekFrom};
    let len = file.seek(SeekFrom::End(0))?;
    let mut last = [0u8; 1];
    if len > 0 {
        file.seek(SeekFrom::End(-1))?;
        file.read_exact(&mut last)?;
    }
    file.seek(SeekFrom::Start(0))?;
    Ok(FileEnd {
        len,
        newline: last[0] == b'\n',
    })
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

/// A reader that hashes (SHA-256) every byte read through it.
pub(crate) struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// One row of the input.
#[derive(Debug, Clone)]
pub(crate) struct Row {
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
        reader: Box<csv::Reader<Hashing<File>>>,
        header: Arc<Vec<String>>,
        display: String,
        end: FileEnd,
    },
    Jsonl {
        reader: BufReader<Hashing<File>>,
        line: u64,
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
                end,
            } => {
                let mut record = ByteRecord::new();
                let read = reader
                    .read_byte_record(&mut record)
                    .map_err(|e| Failure::other(format!("cannot read {display}: {e}")))?;
                if !read {
                    return Ok(Next::End);
                }
                // The record's own position counts the blank lines before it; where it ends,
                // less the lines it spans, is the line it starts on.
                let after = reader.position();
                let inner_newlines: u64 = record
                    .iter()
                    .map(|field| field.iter().filter(|b| **b == b'\n').count() as u64)
                    .sum();
                let terminated = after.byte() < end.len || end.newline;
                let line = after.line() - inner_newlines - u64::from(terminated);
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
                        line,
                        cells: Cells::Csv(record),
                    })),
                    Err(_) => Ok(Next::Bad(BadRow {
                        line,
                        reason: "is not valid UTF-8".to_owned(),
                    })),
                }
            }
            Rows::Jsonl {
                reader,
                line,
                buf,
                display,
            } => loop {
                buf.clear();
                let n = reader
                    .read_until(b'\n', buf)
                    .map_err(|e| Failure::other(format!("cannot read {display}: {e}")))?;
                if n == 0 {
                    return Ok(Next::End);
                }
                *line += 1;
                let Ok(text) = std::str::from_utf8(buf) else {
                    return Ok(Next::Bad(BadRow {
                        line: *line,
                        reason: "is not valid UTF-8".to_owned(),
                    }));
                };
                let text = text.trim();
                if text.is_empty() {
                    continue;
                }
                let bad = |reason: String| {
                    Ok(Next::Bad(BadRow {
                        line: *line,
                        reason,
                    }))
                };
                return match serde_json::from_str::<Value>(text) {
                    Ok(Value::Object(object)) => Ok(Next::Row(Row {
                        line: *line,
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

    fn lines(rows: &mut Rows) -> Vec<Result<u64, (u64, String)>> {
        let mut out = Vec::new();
        loop {
            match rows.next_row().unwrap() {
                Next::Row(r) => out.push(Ok(r.line)),
                Next::Bad(b) => out.push(Err((b.line, b.reason))),
                Next::End => return out,
            }
        }
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

    #[test]
    fn json_lines_skip_blank_lines_and_name_bad_ones() {
        let text = [
            b"{\"email\":\"a@x.io\"}\n\n[1]\n{oops\n".as_slice(),
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
        assert_eq!(got[3], Err((5, "is not valid UTF-8".to_owned())));
        assert_eq!(got[4], Ok(6));
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
