//! Request matchers with expected counts, verified explicitly or when the server is dropped.

use std::fmt;
use std::ops::{Bound, RangeBounds};
use std::sync::Arc;

use crate::{Fault, JournalEntry, Operation};

type Predicate = Arc<dyn Fn(&JournalEntry) -> bool + Send + Sync>;

/// How many requests a [`Mock`] expects: a closed or open range of counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Times {
    min: usize,
    max: Option<usize>,
}

impl Times {
    fn from_range(range: impl RangeBounds<usize>) -> Self {
        let min = match range.start_bound() {
            Bound::Included(n) => *n,
            Bound::Excluded(n) => n.saturating_add(1),
            Bound::Unbounded => 0,
        };
        let max = match range.end_bound() {
            Bound::Included(n) => Some(*n),
            Bound::Excluded(n) => Some(n.saturating_sub(1)),
            Bound::Unbounded => None,
        };
        Times { min, max }
    }

    fn contains(self, n: usize) -> bool {
        n >= self.min && self.max.is_none_or(|max| n <= max)
    }
}

impl fmt::Display for Times {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max {
            Some(max) if max == self.min => write!(f, "exactly {max}"),
            Some(max) => write!(f, "between {} and {max}", self.min),
            None => write!(f, "at least {}", self.min),
        }
    }
}

/// A request matcher: which requests it matches, how many it expects, and optionally the
/// answer they get instead of the fake API's (wiremock/httpmock style).
///
/// Register it with [`MockServer::register`](crate::MockServer::register). Every registered
/// mock counts the requests it matches. A mock with [`respond_with`](Self::respond_with)
/// answers the requests it matches with that [`Fault`] (the first such mock registered
/// wins; [scripted faults](crate::MockServer::script) come before it). Expectations are
/// checked by [`MockServer::verify`](crate::MockServer::verify) and when the server is
/// dropped, which panics with the unmet expectations and the requests seen (unless the
/// thread is already panicking).
///
/// ```
/// use cocoon_mock::{Fault, Mock, MockServer};
///
/// let server = MockServer::start();
/// let send = server.register(
///     Mock::given("POST", "/webhook/mail/send")
///         .header("content-type", "application/json")
///         .body(|body| body.windows(5).any(|w| w == b"Hello"))
///         .expect(1),
/// );
/// server.register(Mock::given("GET", "/webhook/future/endpoint").respond_with(Fault::status(501)));
/// // No request was sent: verifying reports the unmet expectation.
/// let error = server.verify().unwrap_err();
/// assert!(error.to_string().contains("POST /webhook/mail/send"));
/// assert_eq!(server.hits(send), 0);
/// # server.reset(); // forget the expectation, so dropping the server does not panic
/// ```
#[derive(Clone)]
#[must_use = "a mock does nothing until it is registered with MockServer::register"]
pub struct Mock {
    name: Option<String>,
    method: Option<String>,
    path: Option<String>,
    predicates: Vec<(String, Predicate)>,
    times: Option<Times>,
    answer: Option<Fault>,
}

impl Default for Mock {
    fn default() -> Self {
        Mock::new()
    }
}

impl fmt::Debug for Mock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mock")
            .field("description", &self.description())
            .field("times", &self.times)
            .field("answer", &self.answer)
            .finish()
    }
}

impl Mock {
    /// A mock matching every request.
    pub fn new() -> Self {
        Mock {
            name: None,
            method: None,
            path: None,
            predicates: Vec::new(),
            times: None,
            answer: None,
        }
    }

    /// A mock matching requests with this method (any case) and path (a trailing slash and
    /// a query string in `path` are ignored, as for [`MockServer::script`](crate::MockServer::script)).
    pub fn given(method: &str, path: &str) -> Self {
        Mock::new().method(method).path(path)
    }

    /// Matches only this method (any case).
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Matches only this path (a trailing slash and a query string are ignored).
    pub fn path(mut self, path: &str) -> Self {
        self.path = Some(crate::server::route_key("", path).1);
        self
    }

    /// A mock matching requests for this operation, wherever the server serves it (see
    /// [`Mock::operation`]).
    pub fn for_operation(operation: Operation) -> Self {
        Mock::new().operation(operation)
    }

    /// Matches only requests the server routes to `operation` (the SDK's own
    /// [`Operation`]), at its default route or where [`MockBuilder::route`] moved it; both
    /// spellings of the validate route match [`Operation::ValidateApiKey`].
    ///
    /// [`MockBuilder::route`]: crate::MockBuilder::route
    pub fn operation(mut self, operation: Operation) -> Self {
        self.predicates.push((
            format!("operation {operation}"),
            Arc::new(move |e: &JournalEntry| e.operation == Some(operation)),
        ));
        self
    }

    /// Matches only requests whose body is JSON containing `expected`: every member of an
    /// expected object must be present (other members may be too), recursively; arrays must
    /// have the same length, element by element; numbers compare by value (`1` matches
    /// `1.0`); everything else must be equal.
    ///
    /// ```
    /// use cocoon_mock::{Mock, MockServer, Operation};
    /// use serde_json::json;
    ///
    /// let server = MockServer::start();
    /// let signup = server.register(
    ///     Mock::for_operation(Operation::SendEvent)
    ///         .body_json_contains(json!({"event_name": "signup", "data": {"plan": "pro"}})),
    /// );
    /// assert_eq!(server.hits(signup), 0);
    /// ```
    pub fn body_json_contains(mut self, expected: serde_json::Value) -> Self {
        let description = format!("a JSON body containing {expected}");
        self.predicates.push((
            description,
            Arc::new(move |e: &JournalEntry| {
                e.json()
                    .is_some_and(|actual| json_contains(&actual, &expected))
            }),
        ));
        self
    }

    /// Matches only requests with this header (name in any case) with exactly this value.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let (name, value) = (name.to_owned(), value.to_owned());
        let description = format!("header {name}: {value}");
        self.predicates.push((
            description,
            Arc::new(move |e: &JournalEntry| e.header(&name) == Some(value.as_str())),
        ));
        self
    }

    /// Matches only requests whose body satisfies `predicate`.
    pub fn body(mut self, predicate: impl Fn(&[u8]) -> bool + Send + Sync + 'static) -> Self {
        self.predicates.push((
            "a body predicate".to_owned(),
            Arc::new(move |e: &JournalEntry| predicate(&e.body)),
        ));
        self
    }

    /// Matches only requests that satisfy `predicate` (headers, query, body: everything a
    /// [`JournalEntry`] holds; its outcome is [`Outcome::Pending`](crate::Outcome::Pending) while
    /// matching).
    pub fn matching(
        mut self,
        predicate: impl Fn(&JournalEntry) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.predicates
            .push(("a request predicate".to_owned(), Arc::new(predicate)));
        self
    }

    /// Expects exactly `n` matching requests.
    pub fn expect(mut self, n: usize) -> Self {
        self.times = Some(Times {
            min: n,
            max: Some(n),
        });
        self
    }

    /// Expects a number of matching requests in `range`, e.g. `1..`, `..=3` or `2..5`.
    pub fn expect_range(mut self, range: impl RangeBounds<usize>) -> Self {
        self.times = Some(Times::from_range(range));
        self
    }

    /// Answers every matching request with `fault` instead of the fake API's answer.
    pub fn respond_with(mut self, fault: Fault) -> Self {
        self.answer = Some(fault);
        self
    }

    /// A name used in verification messages instead of the matcher's description.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    pub(crate) fn answer(&self) -> Option<&Fault> {
        self.answer.as_ref()
    }

    /// Whether `entry` (a request whose answer is not known yet) matches.
    pub(crate) fn matches(&self, entry: &JournalEntry) -> bool {
        if self.method.as_ref().is_some_and(|m| *m != entry.method) {
            return false;
        }
        if self
            .path
            .as_ref()
            .is_some_and(|p| *p != crate::server::route_key("", &entry.path).1)
        {
            return false;
        }
        self.predicates.iter().all(|(_, p)| p(entry))
    }

    fn description(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        let mut text = format!(
            "{} {}",
            self.method.as_deref().unwrap_or("any method"),
            self.path.as_deref().unwrap_or("any path")
        );
        for (what, _) in &self.predicates {
            text.push_str(" with ");
            text.push_str(what);
        }
        text
    }

    /// The unmet-expectation line for `hits`, if it is unmet.
    pub(crate) fn unmet(&self, hits: usize) -> Option<String> {
        let times = self.times?;
        (!times.contains(hits)).then(|| {
            format!(
                "{}: expected {times} matching request(s), got {hits}",
                self.description()
            )
        })
    }
}

/// Whether `actual` contains `expected` (see [`Mock::body_json_contains`]).
pub(crate) fn json_contains(actual: &serde_json::Value, expected: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (actual, expected) {
        (Value::Object(actual), Value::Object(expected)) => expected
            .iter()
            .all(|(k, v)| actual.get(k).is_some_and(|a| json_contains(a, v))),
        (Value::Array(actual), Value::Array(expected)) => {
            actual.len() == expected.len()
                && actual
                    .iter()
                    .zip(expected)
                    .all(|(a, e)| json_contains(a, e))
        }
        (Value::Number(a), Value::Number(e)) => match (a.as_i64(), e.as_i64()) {
            (Some(a), Some(e)) => a == e,
            _ => match (a.as_u64(), e.as_u64()) {
                (Some(a), Some(e)) => a == e,
                _ => a.as_f64() == e.as_f64() && a.as_f64().is_some(),
            },
        },
        (actual, expected) => actual == expected,
    }
}

/// A registered [`Mock`], returned by [`MockServer::register`](crate::MockServer::register)
/// to ask for its hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MockId(pub(crate) usize);

/// Expectations that were not met, as [`MockServer::verify`](crate::MockServer::verify)
/// reports them: each unmet expectation, then the requests the server received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyError {
    /// One line per unmet expectation.
    pub unmet: Vec<String>,
    /// The requests received (the journal's last entries), one line each.
    pub seen: Vec<String>,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "cocoon-mock: {} unmet expectation(s):", self.unmet.len())?;
        for line in &self.unmet {
            writeln!(f, "  - {line}")?;
        }
        if self.seen.is_empty() {
            write!(f, "requests seen: none in the journal")
        } else {
            write!(f, "requests seen (latest last):")?;
            for line in &self.seen {
                write!(f, "\n  {line}")?;
            }
            Ok(())
        }
    }
}

impl std::error::Error for VerifyError {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use std::time::Instant;

    #[test]
    fn json_subsets_match_objects_partially_and_arrays_whole() {
        let actual = json!({
            "to": [{"email": "a@example.com", "name": "A"}],
            "data": {"plan": "pro", "seats": 3, "tags": ["x", "y"]},
            "ok": true,
            "none": null
        });
        for yes in [
            json!({}),
            json!({"ok": true}),
            json!({"data": {"plan": "pro"}}),
            json!({"data": {"seats": 3.0}}),
            json!({"to": [{"email": "a@example.com"}]}),
            json!({"none": null}),
            actual.clone(),
        ] {
            assert!(json_contains(&actual, &yes), "{yes}");
        }
        for no in [
            json!({"ok": false}),
            json!({"missing": null}),
            json!({"data": {"plan": "free"}}),
            json!({"data": {"seats": "3"}}),
            json!({"data": {"tags": ["x"]}}),
            json!({"data": {"tags": ["y", "x"]}}),
            json!({"to": {"email": "a@example.com"}}),
            json!([actual.clone()]),
            json!("ok"),
        ] {
            assert!(!json_contains(&actual, &no), "{no}");
        }
        assert!(json_contains(&json!(-1), &json!(-1.0)));
        assert!(!json_contains(&json!(-1), &json!(u64::MAX)));
        assert!(!json_contains(&json!(1.5), &json!(1)));
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            "[a-z]{0,4}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                prop::collection::btree_map("[a-c]", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Removes some members of every object, recursively (a subset of the value).
    fn thin(value: &serde_json::Value, keep: &mut impl Iterator<Item = bool>) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => {
                let mut out = serde_json::Map::new();
                for (k, v) in map {
                    if keep.next().unwrap_or(true) {
                        out.insert(k.clone(), thin(v, keep));
                    }
                }
                serde_json::Value::Object(out)
            }
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(|v| thin(v, keep)).collect())
            }
            other => other.clone(),
        }
    }

    proptest! {
        #[test]
        fn a_value_contains_itself_and_its_thinned_copies(
            value in json_value(),
            keep in prop::collection::vec(any::<bool>(), 0..32),
        ) {
            prop_assert!(json_contains(&value, &value));
            let thinned = thin(&value, &mut keep.into_iter());
            prop_assert!(json_contains(&value, &thinned));
            // Containment both ways means equality.
            if json_contains(&thinned, &value) {
                prop_assert_eq!(&thinned, &value);
            }
        }
    }

    #[test]
    fn operations_and_json_bodies_match_through_the_entry() {
        let mut e = entry(
            "POST",
            "/webhook/event/send",
            br#"{"event_name":"signup","email":"a@example.com"}"#,
        );
        e.operation = Some(Operation::SendEvent);
        let mock = Mock::for_operation(Operation::SendEvent)
            .body_json_contains(json!({"event_name": "signup"}));
        assert!(mock.matches(&e));
        assert!(!Mock::for_operation(Operation::SendMail).matches(&e));
        assert!(!Mock::new()
            .body_json_contains(json!({"event_name": "login"}))
            .matches(&e));
        e.body = b"not json".to_vec();
        assert!(!Mock::new().body_json_contains(json!({})).matches(&e));
        // The description names the operation, for verification messages.
        let unmet = Mock::for_operation(Operation::SendEvent)
            .expect(1)
            .unmet(0)
            .unwrap();
        assert!(
            unmet.starts_with("any method any path with operation event.send"),
            "{unmet}"
        );
    }

    fn entry(method: &str, path: &str, body: &[u8]) -> JournalEntry {
        JournalEntry {
            method: method.to_owned(),
            path: path.to_owned(),
            query: String::new(),
            headers: vec![("x-team".to_owned(), "growth".to_owned())],
            body: body.to_vec(),
            operation: None,
            outcome: crate::Outcome::Pending,
            handled: None,
            received_at: Instant::now(),
        }
    }

    #[test]
    fn matchers_combine_method_path_headers_and_predicates() {
        let mock = Mock::given("post", "/webhook/mail/send/")
            .header("X-Team", "growth")
            .body(|b| b.starts_with(b"{"));
        assert!(mock.matches(&entry("POST", "/webhook/mail/send", b"{}")));
        assert!(!mock.matches(&entry("GET", "/webhook/mail/send", b"{}")));
        assert!(!mock.matches(&entry("POST", "/webhook/mail/usage", b"{}")));
        assert!(!mock.matches(&entry("POST", "/webhook/mail/send", b"[]")));
        assert!(Mock::new().matches(&entry("DELETE", "/anything", b"")));
    }

    #[test]
    fn counts_and_ranges() {
        assert_eq!(Mock::new().unmet(7), None);
        assert_eq!(Mock::new().expect(2).unmet(2), None);
        let unmet = Mock::given("GET", "/a").expect(2).unmet(1).unwrap();
        assert_eq!(
            unmet,
            "GET /a: expected exactly 2 matching request(s), got 1"
        );
        let at_least = Mock::new().named("pings").expect_range(1..);
        assert_eq!(
            at_least.unmet(0).unwrap(),
            "pings: expected at least 1 matching request(s), got 0"
        );
        assert_eq!(at_least.unmet(100), None);
        let between = Mock::new().expect_range(2..5);
        assert!(between.unmet(1).is_some());
        assert!(between.unmet(4).is_none());
        assert!(between.unmet(5).is_some());
        assert!(Mock::new().expect_range(..=1).unmet(2).is_some());
    }
}
