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

/// One round trip's question, in the schedule's microseconds (the server's clock, made
/// monotonic by the script). The arguments, in `ARGV` order, are documented in `reserve.lua`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ask {
    /// Microseconds between two slots.
    pub(crate) period: u64,
    /// Reserve a slot at most this far away; `None` to reserve nothing.
    pub(crate) max_wait: Option<u64>,
    /// Pause every caller of the bucket until then.
    pub(crate) pause_until: Option<u64>,
    /// A slot of the caller's own the next slot must follow.
    pub(crate) after: Option<u64>,
    /// How long the bucket outlives its last slot or pause.
    pub(crate) grace: u64,
    /// No new slot before then; the slots handed out stay where they are.
    pub(crate) floor: Option<u64>,
    /// No pause or floor further than this from the script's now (at least 1).
    pub(crate) max_pause: u64,
    /// The latest slot the caller holds or heard of: the bucket's latest slot is at least this.
    pub(crate) seed: Option<u64>,
    /// Where the caller estimates the bucket's latest slot is now (its `seed`, and the slots
    /// others may have taken since it heard of it): the seed when the bucket is found lost.
    pub(crate) seed_if_lost: Option<u64>,
    /// The caller's estimate of the schedule's time now.
    pub(crate) expect: Option<u64>,
    /// The caller's presence: its name and how long the presence lasts.
    pub(crate) presence: Option<(u64, u64)>,
    /// Up to this many slots at once after idle.
    pub(crate) burst: u32,
    /// The team's rate: at most this many slots in any window of `rate` periods.
    pub(crate) rate: u32,
    /// Slots given back.
    pub(crate) releases: Vec<u64>,
    /// The caller found Redis back after an outage: the return ends this long after the first
    /// such caller's.
    pub(crate) returning: Option<u64>,
}

impl Ask {
    /// The script call for the bucket `key`.
    /// The same question, asked again on a fresh connection after the first broke: without
    /// the slots given back, which the first may have handed to Redis already (given back
    /// twice, one could go to two callers; not given back, it only goes unused).
    pub(crate) fn again(&self) -> Ask {
        Ask {
            releases: Vec::new(),
            ..self.clone()
        }
    }

    pub(crate) fn invocation(&self, key: &str) -> ScriptInvocation<'static> {
        let mut call = script().key(key);
        for arg in self.args() {
            call.arg(arg);
        }
        call
    }

    /// The script's arguments, `ARGV[1..=16]`, as the text Redis receives.
    pub(crate) fn args(&self) -> [String; 16] {
        let (process, presence) = match self.presence {
            Some((name, lasts)) => (format!("{name:016x}"), lasts),
            None => (String::new(), 0),
        };
        let releases: Vec<String> = self.releases.iter().map(u64::to_string).collect();
        [
            self.period.to_string(),
            self.max_wait
                .map_or(-1, |w| i64::try_from(w).unwrap_or(i64::MAX))
                .to_string(),
            self.pause_until.unwrap_or(0).to_string(),
            self.after.unwrap_or(0).to_string(),
            self.grace.to_string(),
            self.floor.unwrap_or(0).to_string(),
            self.max_pause.max(1).to_string(),
            self.seed.unwrap_or(0).to_string(),
            self.expect.unwrap_or(0).to_string(),
            process,
            presence.to_string(),
            self.burst.max(1).to_string(),
            self.rate.max(1).to_string(),
            releases.join(","),
            self.returning.unwrap_or(0).to_string(),
            self.seed_if_lost.unwrap_or(0).to_string(),
        ]
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
    /// How many processes have a presence in the bucket (this one included, when it sent
    /// its own).
    pub(crate) processes: u64,
    /// When the current return to Redis after an outage ends (server time; 0 for none).
    pub(crate) back: u64,
    /// The bucket's latest slot, whoever holds it (server time; 0 for none).
    pub(crate) last: u64,
}

impl Answer {
    /// Reads the script's reply; `None` when it is not eight non-negative integers (a server
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
        let [granted, slot, now, shift, pause, processes, back, last] = numbers[..] else {
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
            processes,
            back,
            last,
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
        let answer = Answer::parse(&ints(&[1, 1_500, 1_000, 7, 0, 3, 0, 1_500])).unwrap();
        assert!(answer.granted);
        assert_eq!(answer.wait(), 500);
        assert_eq!((answer.shift, answer.pause, answer.processes), (7, 0, 3));
        assert_eq!(answer.last, 1_500);
        assert!(
            !Answer::parse(&ints(&[0, 9, 1, 0, 0, 1, 0, 0]))
                .unwrap()
                .granted
        );
    }

    #[test]
    fn refuses_anything_else_without_panicking() {
        for bad in [
            ints(&[1, 2, 3, 4, 5, 6, 7]),
            ints(&[1, 2, 3, 4, 5, 6, 7, 8, 9]),
            ints(&[2, 2, 3, 4, 5, 6, 7, 8]),
            ints(&[1, -2, 3, 4, 5, 6, 7, 8]),
            Value::Nil,
            Value::Okay,
            Value::Array(vec![Value::Nil; 8]),
        ] {
            assert_eq!(Answer::parse(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_script_has_a_stable_sha() {
        assert_eq!(script().get_hash().len(), 40);
    }
}
