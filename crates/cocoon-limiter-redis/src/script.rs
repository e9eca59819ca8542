//! The Lua script every round trip runs, what it is asked and what it answers.

use std::sync::OnceLock;

use redis::{Script, ScriptInvocation, Value};

/// The script's source (`reserve.lua`).
pub(crate) const SOURCE: &str = include_str!("reserve.lua");

/// The script, hashed once: called by SHA (`EVALSHA`) and loaded again by redis-rs when the
/// server answers `NOSCRIPT` (after a restart or `SCRIPT FLUSH`).
pub(crate) fn script() -> &'static Script {
    static SCRIPT: OnceLock<Script> = OnceLock::new();
    SCRIPT.get_or_init(|| Script::new(SOURCE))
}

/// One round trip's question, in the server's microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ask {
    /// Microseconds between two slots.
    pub(crate) period: u64,
    /// Reserve a slot at most this far away; `None` to reserve nothing.
    pub(crate) max_wait: Option<u64>,
    /// Pause every caller of the bucket until then (server time).
    pub(crate) pause_until: Option<u64>,
    /// A slot of the caller's own the next slot must follow (server time).
    pub(crate) after: Option<u64>,
    /// How long the bucket outlives its last slot or pause.
    pub(crate) grace: u64,
    /// No new slot before then (server time); the slots handed out stay where they are.
    pub(crate) floor: Option<u64>,
}

impl Ask {
    /// The script call for the bucket `key`.
    pub(crate) fn invocation(&self, key: &str) -> ScriptInvocation<'static> {
        let mut call = script().key(key);
        call.arg(self.period)
            .arg(
                self.max_wait
                    .map_or(-1, |w| i64::try_from(w).unwrap_or(i64::MAX)),
            )
            .arg(self.pause_until.unwrap_or(0))
            .arg(self.after.unwrap_or(0))
            .arg(self.grace)
            .arg(self.floor.unwrap_or(0));
        call
    }
}

/// The script's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Answer {
    /// Whether the slot was handed out (otherwise it was further away than the wait allowed).
    pub(crate) granted: bool,
    /// The slot handed out or refused (server time; 0 when none was asked for).
    pub(crate) slot: u64,
    /// The server's clock when the script ran.
    pub(crate) now: u64,
    /// How far pauses have moved the bucket's slots, in all.
    pub(crate) shift: u64,
    /// The end of the bucket's pause (server time; 0 or past when none).
    pub(crate) pause: u64,
}

impl Answer {
    /// Reads the script's reply; `None` when it is not five non-negative integers (a server
    /// that is not running this script).
    pub(crate) fn parse(value: &Value) -> Option<Answer> {
        let Value::Array(items) = value else {
            return None;
        };
        let numbers: Vec<u64> = items
            .iter()
            .map(|item| match item {
                Value::Int(n) => u64::try_from(*n).ok(),
                _ => None,
            })
            .collect::<Option<_>>()?;
        let [granted, slot, now, shift, pause] = numbers[..] else {
            return None;
        };
        if granted > 1 {
            return None;
        }
        Some(Answer {
            granted: granted == 1,
            slot,
            now,
            shift,
            pause,
        })
    }

    /// How long from the script's run to the slot.
    pub(crate) fn wait(&self) -> u64 {
        self.slot.saturating_sub(self.now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(values: &[i64]) -> Value {
        Value::Array(values.iter().map(|v| Value::Int(*v)).collect())
    }

    #[test]
    fn reads_a_well_formed_answer() {
        let answer = Answer::parse(&ints(&[1, 1_500, 1_000, 7, 0])).unwrap();
        assert!(answer.granted);
        assert_eq!(answer.wait(), 500);
        assert_eq!((answer.shift, answer.pause), (7, 0));
        assert!(!Answer::parse(&ints(&[0, 9, 1, 0, 0])).unwrap().granted);
    }

    #[test]
    fn refuses_anything_else_without_panicking() {
        for bad in [
            ints(&[1, 2, 3, 4]),
            ints(&[1, 2, 3, 4, 5, 6]),
            ints(&[2, 2, 3, 4, 5]),
            ints(&[1, -2, 3, 4, 5]),
            Value::Nil,
            Value::Okay,
            Value::Array(vec![Value::Nil; 5]),
        ] {
            assert_eq!(Answer::parse(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_script_has_a_stable_sha() {
        assert_eq!(script().get_hash().len(), 40);
    }
}
