//! Field checks over `serde_json` objects, with error messages that name the offending field.

use serde_json::{json, Map, Value};

use crate::util::{is_base64, is_valid_date, looks_like_email, DateSyntax};

pub(crate) type Obj = Map<String, Value>;

/// A JSON answer from a handler (the server adds the common headers).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Value,
    pub(crate) headers: Vec<(String, String)>,
}

impl Reply {
    pub(crate) fn new(status: u16, body: Value) -> Self {
        Reply {
            status,
            body,
            headers: Vec::new(),
        }
    }

    /// `{"success": false, "message": message}`.
    pub(crate) fn error(status: u16, message: impl Into<String>) -> Self {
        Reply::new(status, json!({"success": false, "message": message.into()}))
    }

    pub(crate) fn bad(message: impl Into<String>) -> Self {
        Reply::error(400, message)
    }
}

pub(crate) type Checked<T> = Result<T, Reply>;

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Field access on one JSON object; `at` is the path prefix used in messages (e.g. `to[0].`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields<'a> {
    pub(crate) obj: &'a Obj,
    at: &'a str,
}

fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

impl<'a> Fields<'a> {
    pub(crate) fn new(obj: &'a Obj, at: &'a str) -> Self {
        Fields { obj, at }
    }

    pub(crate) fn name(&self, key: &str) -> String {
        format!("{}{}", self.at, key)
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.obj.contains_key(key)
    }

    /// Rejects keys outside `allowed`, suggesting a near spelling when there is one.
    pub(crate) fn only(&self, allowed: &[&str]) -> Checked<()> {
        for key in self.obj.keys() {
            if allowed.contains(&key.as_str()) {
                continue;
            }
            let wanted = normalise(key);
            let hint = allowed
                .iter()
                .find(|a| normalise(a) == wanted)
                .map(|a| format!(" (did you mean `{}`?)", self.name(a)))
                .unwrap_or_default();
            return Err(Reply::bad(format!(
                "Unknown field `{}`{hint}",
                self.name(key)
            )));
        }
        Ok(())
    }

    fn wrong_type(&self, key: &str, expected: &str, got: &Value) -> Reply {
        Reply::bad(format!(
            "`{}` must be {expected}, not {}",
            self.name(key),
            type_name(got)
        ))
    }

    /// A required, non-empty string.
    pub(crate) fn req_str(&self, key: &str) -> Checked<&'a str> {
        match self.obj.get(key) {
            None | Some(Value::Null) => {
                Err(Reply::bad(format!("`{}` is required", self.name(key))))
            }
            Some(Value::String(s)) if s.trim().is_empty() => Err(Reply::bad(format!(
                "`{}` must not be empty",
                self.name(key)
            ))),
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(self.wrong_type(key, "a string", other)),
        }
    }

    /// An optional string; `null` is refused (omit the field instead).
    pub(crate) fn opt_str(&self, key: &str) -> Checked<Option<&'a str>> {
        match self.obj.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong_type(key, "a string", other)),
        }
    }

    pub(crate) fn req_email(&self, key: &str) -> Checked<&'a str> {
        let s = self.req_str(key)?;
        check_email(s, &self.name(key))?;
        Ok(s)
    }

    pub(crate) fn opt_email(&self, key: &str) -> Checked<Option<&'a str>> {
        let s = self.opt_str(key)?;
        if let Some(s) = s {
            check_email(s, &self.name(key))?;
        }
        Ok(s)
    }

    pub(crate) fn opt_bool(&self, key: &str) -> Checked<Option<bool>> {
        match self.obj.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.wrong_type(key, "a boolean", other)),
        }
    }

    pub(crate) fn opt_integer(&self, key: &str) -> Checked<Option<i64>> {
        match self.obj.get(key) {
            None => Ok(None),
            Some(v) => match v.as_i64() {
                Some(n) => Ok(Some(n)),
                None => Err(self.wrong_type(key, "an integer", v)),
            },
        }
    }

    pub(crate) fn opt_object(&self, key: &str) -> Checked<Option<&'a Obj>> {
        match self.obj.get(key) {
            None => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(other) => Err(self.wrong_type(key, "an object", other)),
        }
    }

    pub(crate) fn req_object(&self, key: &str) -> Checked<&'a Obj> {
        match self.obj.get(key) {
            None | Some(Value::Null) => {
                Err(Reply::bad(format!("`{}` is required", self.name(key))))
            }
            Some(Value::Object(o)) => Ok(o),
            Some(other) => Err(self.wrong_type(key, "an object", other)),
        }
    }

    pub(crate) fn opt_array(&self, key: &str) -> Checked<Option<&'a Vec<Value>>> {
        match self.obj.get(key) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(other) => Err(self.wrong_type(key, "an array", other)),
        }
    }

    /// A required, non-empty array.
    pub(crate) fn req_array(&self, key: &str) -> Checked<&'a Vec<Value>> {
        match self.obj.get(key) {
            None | Some(Value::Null) => {
                Err(Reply::bad(format!("`{}` is required", self.name(key))))
            }
            Some(Value::Array(a)) if a.is_empty() => Err(Reply::bad(format!(
                "`{}` must not be empty",
                self.name(key)
            ))),
            Some(Value::Array(a)) => Ok(a),
            Some(other) => Err(self.wrong_type(key, "an array", other)),
        }
    }

    pub(crate) fn opt_str_array(&self, key: &str) -> Checked<Option<Vec<&'a str>>> {
        let Some(items) = self.opt_array(key)? else {
            return Ok(None);
        };
        items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s.as_str()),
                other => Err(Reply::bad(format!(
                    "`{}[{i}]` must be a string, not {}",
                    self.name(key),
                    type_name(other)
                ))),
            })
            .collect::<Checked<Vec<_>>>()
            .map(Some)
    }

    pub(crate) fn opt_email_array(&self, key: &str) -> Checked<Option<Vec<&'a str>>> {
        let items = self.opt_str_array(key)?;
        for (i, s) in items.iter().flatten().enumerate() {
            check_email(s, &format!("{}[{i}]", self.name(key)))?;
        }
        Ok(items)
    }

    /// An optional ISO-8601 date-time string.
    pub(crate) fn opt_iso_datetime(&self, key: &str) -> Checked<Option<&'a str>> {
        let s = self.opt_str(key)?;
        if let Some(s) = s {
            if !is_valid_date(s, DateSyntax::Iso8601) {
                return Err(Reply::bad(format!(
                    "`{}` must be an ISO-8601 date-time such as 2024-05-01T09:00:00Z, not {s:?}",
                    self.name(key)
                )));
            }
        }
        Ok(s)
    }
}

pub(crate) fn check_email(s: &str, name: &str) -> Checked<()> {
    if looks_like_email(s) {
        Ok(())
    } else {
        Err(Reply::bad(format!(
            "`{name}` is not a valid email address: {s:?}"
        )))
    }
}

/// Each element of `items` must be an object; calls `f` with its fields (prefix `key[i].`).
pub(crate) fn each_object(
    items: &[Value],
    key: &str,
    mut f: impl FnMut(usize, Fields<'_>) -> Checked<()>,
) -> Checked<()> {
    for (i, item) in items.iter().enumerate() {
        let at = format!("{key}[{i}].");
        match item {
            Value::Object(o) => f(i, Fields::new(o, &at))?,
            other => {
                return Err(Reply::bad(format!(
                    "`{key}[{i}]` must be an object, not {}",
                    type_name(other)
                )))
            }
        }
    }
    Ok(())
}

/// `attachments`: an array of `{filename, contentType, data}` with base64 `data`.
pub(crate) fn check_attachments(f: &Fields<'_>) -> Checked<()> {
    let Some(items) = f.opt_array("attachments")? else {
        return Ok(());
    };
    each_object(items, &f.name("attachments"), |_, a| {
        a.only(&["filename", "contentType", "data"])?;
        a.req_str("filename")?;
        let ct = a.req_str("contentType")?;
        if !ct.contains('/') {
            return Err(Reply::bad(format!(
                "`{}` must be a MIME type such as application/pdf, not {ct:?}",
                a.name("contentType")
            )));
        }
        match a.obj.get("data") {
            Some(Value::String(s)) if is_base64(s) => Ok(()),
            Some(Value::String(_)) => Err(Reply::bad(format!(
                "`{}` must be standard base64 (RFC 4648, padded)",
                a.name("data")
            ))),
            Some(other) if !other.is_null() => Err(Reply::bad(format!(
                "`{}` must be a string, not {}",
                a.name("data"),
                type_name(other)
            ))),
            _ => Err(Reply::bad(format!("`{}` is required", a.name("data")))),
        }
    })
}

/// Describes a JSON value's type for messages.
pub(crate) fn describe(v: &Value) -> &'static str {
    type_name(v)
}
