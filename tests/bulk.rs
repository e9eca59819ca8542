//! Bulk runs: outcomes come back with their tags, and a run whose server is gone ends early
//! while still reporting every row it did not try.

#![allow(unused_macros)]

#[macro_use]
mod support;

use std::time::{Duration, Instant};

use cocoon_mock::Fault;
use cocoonmail::events::SendEvent;
use cocoonmail::{BulkRun, Endpoint, Error, NotTriedReason};
use support::{fast_retries, mock, quick, refused_base_url};

type Outcomes<K, O> = Vec<(usize, K, Result<O, Error>)>;

/// Runs a bulk run to its end, with either client: `(index, tag, result)` sorted by index.
trait Drain<K, O> {
    fn drain(self) -> Outcomes<K, O>;
}

impl<I, K, E> Drain<K, E::Output> for BulkRun<cocoonmail::Client, I>
where
    I: Iterator<Item = (K, E)> + Unpin,
    K: Send + 'static,
    E: Endpoint + Send + Sync + 'static,
    E::Output: Send + 'static,
{
    fn drain(self) -> Outcomes<K, E::Output> {
        let mut stream = self.stream();
        let mut all = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(async {
                let mut all = Vec::new();
                // The inherent `next`: no stream trait imported here.
                while let Some(outcome) = stream.next().await {
                    all.push((outcome.index, outcome.tag, outcome.result));
                }
                all
            })
        });
        all.sort_by_key(|(index, _, _)| *index);
        all
    }
}

impl<I, K, E> Drain<K, E::Output> for BulkRun<cocoonmail::blocking::Client, I>
where
    I: Iterator<Item = (K, E)> + Send + 'static,
    K: Send + 'static,
    E: Endpoint + Send + 'static,
    E::Output: Send + 'static,
{
    fn drain(self) -> Outcomes<K, E::Output> {
        let mut all: Outcomes<K, E::Output> = self
            .iter()
            .expect("start the workers")
            .map(|outcome| (outcome.index, outcome.tag, outcome.result))
            .collect();
        all.sort_by_key(|(index, _, _)| *index);
        all
    }
}

fn drain<K, O>(run: impl Drain<K, O>) -> Outcomes<K, O> {
    run.drain()
}

fn event(line: usize) -> SendEvent {
    SendEvent::simple("import", format!("user{line}@example.com"))
}

/// A small deterministic generator, so that a failing seed can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn seed() -> u64 {
    match std::env::var("COCOONMAIL_TEST_SEED") {
        Ok(seed) => seed.parse().expect("COCOONMAIL_TEST_SEED is a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64 | 1),
    }
}

both_clients!(each_outcome_comes_back_with_its_tag, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();
    // Lines 3 and 6 hold addresses the server refuses.
    let rows: Vec<(usize, String)> = (2..10)
        .map(|line| match line {
            3 | 6 => (line, format!("user{line}@example")),
            _ => (line, format!("user{line}@example.com")),
        })
        .collect();
    let events = rows
        .into_iter()
        .map(|(line, email)| (format!("line {line}"), SendEvent::simple("import", email)));

    let outcomes = drain(client.bulk_tagged(events).concurrency(3));

    assert_eq!(outcomes.len(), 8);
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|(_, _, result)| result.is_err())
        .map(|(_, tag, _)| tag.as_str())
        .collect();
    assert_eq!(failed, ["line 3", "line 6"]);
    for (index, tag, _) in &outcomes {
        assert_eq!(*tag, format!("line {}", index + 2));
    }
});

both_clients!(
    a_dead_server_ends_the_run_and_every_row_is_reported,
    |builder| {
        let seed = seed();
        println!("replay with COCOONMAIL_TEST_SEED={seed}");
        let mut rng = Rng(seed);
        let client = builder()
            .api_key(support::KEY)
            .base_url(refused_base_url())
            .no_rate_limit()
            .retry_policy(fast_retries(4))
            .build()
            .unwrap();
        for _ in 0..4 {
            let rows = rng.below(40) as usize;
            let concurrency = 1 + rng.below(5) as usize;
            let threshold = 1 + rng.below(4) as u32;
            let started = Instant::now();
            let events = (0..rows).map(|line| (line + 1, event(line)));
            let outcomes = drain(
                client
                    .bulk_tagged(events)
                    .concurrency(concurrency)
                    .stop_after_consecutive_failures(threshold),
            );
            let case = format!(
                "seed {seed}: {rows} rows, concurrency {concurrency}, threshold {threshold}"
            );

            // Nothing goes missing: every row once, with its tag.
            assert_eq!(outcomes.len(), rows, "{case}");
            for (i, (index, tag, result)) in outcomes.iter().enumerate() {
                assert_eq!((*index, *tag), (i, i + 1), "{case}");
                assert!(result.is_err(), "{case}");
            }
            let tried = outcomes
                .iter()
                .filter(|(_, _, r)| !matches!(r, Err(Error::NotTried(_))))
                .count();
            let most = (threshold as usize + concurrency - 1).min(rows);
            assert!(
                tried <= most,
                "{case}: {tried} rows tried, at most {most} expected"
            );
            assert!(
                tried >= (threshold as usize).min(rows),
                "{case}: {tried} tried"
            );
            for (_, _, result) in &outcomes {
                if let Err(Error::NotTried(not_tried)) = result {
                    assert_eq!(
                        not_tried.reason,
                        NotTriedReason::ConsecutiveFailures {
                            failures: threshold
                        },
                        "{case}"
                    );
                    let error = result.as_ref().unwrap_err();
                    assert!(error.request_was_not_processed(), "{case}");
                    assert_eq!(error.attempts(), 0, "{case}");
                }
            }
            assert!(started.elapsed() < Duration::from_secs(10), "{case}");
        }
    }
);

both_clients!(answers_about_the_rows_do_not_end_the_run, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();
    // Every row is refused by the server (400) or before sending: the server is there.
    let events = (0..6).map(|line| (line, SendEvent::simple("import", format!("user{line}@x"))));

    let outcomes = drain(
        client
            .bulk_tagged(events)
            .stop_after_consecutive_failures(1),
    );

    assert_eq!(outcomes.len(), 6);
    assert!(outcomes
        .iter()
        .all(|(_, _, r)| r.is_err() && !matches!(r, Err(Error::NotTried(_)))));
});

both_clients!(server_errors_in_a_row_end_the_run, |builder| {
    let server = mock();
    let client = quick(builder(), &server).build().unwrap();
    server.script("POST", "/webhook/event/send", vec![Fault::status(503); 3]);

    let outcomes = drain(
        client
            .bulk((0..10).map(event))
            .stop_after_consecutive_failures(3),
    );

    assert_eq!(outcomes.len(), 10);
    let statuses: Vec<Option<u16>> = outcomes
        .iter()
        .map(|(_, _, r)| {
            r.as_ref()
                .err()
                .and_then(|e| e.status())
                .map(|s| s.as_u16())
        })
        .collect();
    assert_eq!(statuses[..3], [Some(503); 3]);
    assert!(outcomes[3..]
        .iter()
        .all(|(_, _, r)| matches!(r, Err(Error::NotTried(_)))));
});
