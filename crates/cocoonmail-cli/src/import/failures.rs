//! `--failures OUT`: the rows that failed, with their columns and a `reason` column, ready to
//! fix and import again (imports skip the `reason` column).
//!
//! The file is CSV unless its name ends in `.jsonl`, `.ndjson` or `.json` (then JSON lines
//! with a `reason` key). From a CSV input the columns are the input's; from JSON lines they are
//! every key of the failed rows, in the order first seen, with nested values as JSON text.
//! Rows that could not be read at all (a wrong number of fields, invalid UTF-8 or JSON) have no
//! columns to write: they are reported by line only.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::input::{Cells, Row};
use crate::cli::Format;
use crate::exit::Failure;

/// The name of the column failures files add.
pub(crate) const REASON: &str = "reason";

enum Sink {
    /// CSV from a CSV input: written as it goes, in the input's columns.
    Csv {
        writer: Box<csv::Writer<BufWriter<File>>>,
        header: Vec<String>,
    },
    /// JSON lines, written as they go.
    Jsonl(BufWriter<File>),
    /// CSV from JSON lines: the rows wait in a spool until every key is known.
    CsvFromJson {
        spool: BufWriter<tempfile::NamedTempFile>,
        keys: Vec<String>,
    },
}

/// The failures file being written.
pub(crate) struct Failures {
    path: PathBuf,
    sink: Sink,
    /// Rows written.
    pub(crate) written: u64,
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> Failure {
    Failure::other(format!("the failures file {}: {e}", path.display()))
}

impl Failures {
    /// Creates (or empties) the failures file at `path`, for an input in `format` with this
    /// CSV header.
    pub(crate) fn create(
        path: &Path,
        format: Format,
        header: Option<&[String]>,
    ) -> Result<Failures, Failure> {
        let as_jsonl = matches!(
            path.extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("jsonl" | "ndjson" | "json")
        );
        let file = || File::create(path).map_err(|e| io_error(path, e));
        let sink = match (as_jsonl, format, header) {
            (true, _, _) => Sink::Jsonl(BufWriter::new(file()?)),
            (false, Format::Csv, Some(header)) => {
                let mut header = header.to_vec();
                if !header.iter().any(|h| h == REASON) {
                    header.push(REASON.to_owned());
                }
                let mut writer = csv::Writer::from_writer(BufWriter::new(file()?));
                writer
                    .write_record(&header)
                    .map_err(|e| io_error(path, e))?;
                Sink::Csv {
                    writer: Box::new(writer),
                    header,
                }
            }
            (false, _, _) => {
                // Created now so that a path that cannot be written fails before sending.
                drop(file()?);
                let spool = tempfile::NamedTempFile::new().map_err(|e| io_error(path, e))?;
                Sink::CsvFromJson {
                    spool: BufWriter::new(spool),
                    keys: Vec::new(),
                }
            }
        };
        Ok(Failures {
            path: path.to_owned(),
            sink,
            written: 0,
        })
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a failed row with its reason.
    pub(crate) fn write(
        &mut self,
        row: &Row,
        header: Option<&[String]>,
        reason: &str,
    ) -> Result<(), Failure> {
        let path = &self.path;
        match &mut self.sink {
            Sink::Csv {
                writer,
                header: out_header,
            } => {
                let Cells::Csv(record) = &row.cells else {
                    return Ok(());
                };
                let mut values: Vec<&str> = record.iter().collect();
                match out_header.iter().position(|h| h == REASON) {
                    Some(i) if i < values.len() => values[i] = reason,
                    _ => values.push(reason),
                }
                writer
                    .write_record(&values)
                    .map_err(|e| io_error(path, e))?;
            }
            Sink::Jsonl(out) => {
                let mut object = as_object(row, header);
                object.insert(REASON.to_owned(), Value::String(reason.to_owned()));
                serde_json::to_writer(&mut *out, &object).map_err(|e| io_error(path, e))?;
                out.write_all(b"\n").map_err(|e| io_error(path, e))?;
            }
            Sink::CsvFromJson { spool, keys } => {
                let mut object = as_object(row, header);
                for key in object.keys() {
                    if key != REASON && !keys.contains(key) {
                        keys.push(key.clone());
                    }
                }
                object.insert(REASON.to_owned(), Value::String(reason.to_owned()));
                serde_json::to_writer(&mut *spool, &object).map_err(|e| io_error(path, e))?;
                spool.write_all(b"\n").map_err(|e| io_error(path, e))?;
            }
        }
        self.written += 1;
        Ok(())
    }

    /// Finishes the file.
    pub(crate) fn finish(self) -> Result<(), Failure> {
        let path = self.path;
        match self.sink {
            Sink::Csv { mut writer, .. } => writer.flush().map_err(|e| io_error(&path, e)),
            Sink::Jsonl(mut out) => out.flush().map_err(|e| io_error(&path, e)),
            Sink::CsvFromJson { spool, mut keys } => {
                let spool = spool.into_inner().map_err(|e| io_error(&path, e.error()))?;
                keys.push(REASON.to_owned());
                let mut writer = csv::Writer::from_writer(BufWriter::new(
                    File::create(&path).map_err(|e| io_error(&path, e))?,
                ));
                writer.write_record(&keys).map_err(|e| io_error(&path, e))?;
                let reader = BufReader::new(spool.reopen().map_err(|e| io_error(&path, e))?);
                for line in reader.lines() {
                    let line = line.map_err(|e| io_error(&path, e))?;
                    let object: Map<String, Value> =
                        serde_json::from_str(&line).map_err(|e| io_error(&path, e))?;
                    let values: Vec<String> = keys
                        .iter()
                        .map(|k| match object.get(k) {
                            None | Some(Value::Null) => String::new(),
                            Some(Value::String(s)) => s.clone(),
                            Some(other) => other.to_string(),
                        })
                        .collect();
                    writer
                        .write_record(&values)
                        .map_err(|e| io_error(&path, e))?;
                }
                writer.flush().map_err(|e| io_error(&path, e))
            }
        }
    }
}

/// A row as a JSON object: a CSV record keyed by the header.
fn as_object(row: &Row, header: Option<&[String]>) -> Map<String, Value> {
    match (&row.cells, header) {
        (Cells::Json(object), _) => object.clone(),
        (Cells::Csv(record), Some(header)) => header
            .iter()
            .zip(record.iter())
            .map(|(k, v)| (k.clone(), Value::String(v.to_owned())))
            .collect(),
        (Cells::Csv(_), None) => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn json_row(v: Value) -> Row {
        Row {
            key: crate::import::input::Key {
                record: 1,
                offset: 0,
            },
            line: 1,
            cells: Cells::Json(v.as_object().unwrap().clone()),
        }
    }

    #[test]
    fn csv_failures_keep_the_input_columns_and_add_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("failed.csv");
        let header = vec!["email".to_owned(), "plan".to_owned()];
        let mut failures = Failures::create(&path, Format::Csv, Some(&header)).unwrap();
        let row = Row {
            key: crate::import::input::Key {
                record: 1,
                offset: 0,
            },
            line: 2,
            cells: Cells::Csv(csv::StringRecord::from(vec!["a@x.io", "pro, plus"])),
        };
        failures
            .write(&row, Some(&header), "line 2: `plan`: nope")
            .unwrap();
        failures.finish().unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "email,plan,reason\na@x.io,\"pro, plus\",line 2: `plan`: nope\n"
        );
    }

    #[test]
    fn json_lines_failures_become_csv_with_every_key() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, rows: &[(Value, &str)]| {
            let path = dir.path().join(name);
            let mut failures = Failures::create(&path, Format::Jsonl, None).unwrap();
            for (row, reason) in rows {
                failures
                    .write(&json_row(row.clone()), None, reason)
                    .unwrap();
            }
            failures.finish().unwrap();
            path
        };
        let path = write(
            "failed.csv",
            &[
                (json!({"email": "a@x.io", "seats": 3}), "r1"),
                (
                    json!({"email": "b@x.io", "tags": ["x"], "reason": "old"}),
                    "r2",
                ),
            ],
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "email,seats,tags,reason\na@x.io,3,,r1\nb@x.io,,\"[\"\"x\"\"]\",r2\n"
        );
        let path = write(
            "failed.jsonl",
            &[(json!({"email": "a@x.io", "seats": 3}), "r1")],
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 1);
        let written: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            written,
            json!({"email": "a@x.io", "seats": 3, "reason": "r1"})
        );
    }
}
