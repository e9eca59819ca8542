//! What the SDK costs on top of a hand-written HTTP call: the async client against a
//! hand-written reqwest call, the blocking client against a hand-written ureq call, each doing
//! the same request against the same loopback `cocoon-mock` and decoding the answer into serde
//! structs.
//!
//! ```text
//! cargo bench --bench overhead                      # 20 rounds per scenario
//! OVERHEAD_ROUNDS=40 OVERHEAD_CALLS=1000 OVERHEAD_BATCH_MS=500 cargo bench --bench overhead
//! cargo bench --bench overhead -- blocking          # only scenarios whose name has "blocking"
//! cargo bench --bench overhead -- --exact "async send_event"   # that scenario alone
//! ```
//!
//! The machine this runs on is shared and noisy, so absolute times mean little; what matters is
//! the ratio SDK / hand-written. Each round times a batch of calls through the SDK and a batch
//! through the hand-written client back to back (the order alternating from round to round),
//! and the ratio of the two batches' times is one sample; the median over the rounds is the
//! figure reported. A batch is `OVERHEAD_CALLS` calls (default 2,000), or fewer when calls are
//! slow, so that a batch lasts about `OVERHEAD_BATCH_MS` (default 300 ms). Rate limiting is off on both sides (`no_rate_limit()` on the client,
//! `RateLimit::Off` on the server) and the server keeps no journal.
//!
//! The hand-written baselines are what a competent user writes: one reused `reqwest::Client`
//! or `ureq::Agent`, configured like the SDK's transport (no redirects, 10 s connect and 30 s
//! request timeouts, `TCP_NODELAY`), the same four headers (`Authorization`, `Accept`,
//! `Content-Type` on bodies, `User-Agent`), serde structs for the body and the answer, and the
//! status checked. Before timing, one call of each kind is sent to a journaling server to show
//! that both sides put the same request on the wire. Scenarios named "vs plain client/agent"
//! compare with `reqwest::Client::new()` / `ureq::Agent::new_with_defaults()` instead (no
//! timeouts), which shows what the transports' timeouts cost; they are informative only.
//!
//! Run under `cargo test --benches` (no `--bench` flag) it only does a short smoke run.
//!
//! Tracing (issue: what observability costs): the SDK is built with its `tracing` feature
//! unless the bench is built with `--no-default-features`. With no subscriber installed (the
//! default here) the spans and events cost next to nothing; `OVERHEAD_SUBSCRIBER=json` installs
//! a JSON-lines subscriber writing to a sink at `OVERHEAD_LOG` (default `cocoonmail=debug`), to
//! see what formatting every span and event costs:
//!
//! ```text
//! cargo bench --bench overhead                                         # tracing on, no subscriber
//! cargo bench --bench overhead --no-default-features                   # tracing compiled out
//! OVERHEAD_SUBSCRIBER=json cargo bench --bench overhead                # JSON to a sink
//! bash bench-results/run_tracing_cost.sh                               # both builds by callgrind
//! ```
//!
//! For profiling one side alone (instruction counts with callgrind, CPU time with `perf stat`),
//! `OVERHEAD_ONLY=sdk` or `OVERHEAD_ONLY=hand` makes `OVERHEAD_CALLS` calls of that side for
//! each selected scenario, with no interleaving and no wire check, and
//! `OVERHEAD_BASE_URL=http://127.0.0.1:PORT` uses a server already running (for example
//! `cargo run --release -p cocoon-mock -- --no-rate-limit --port PORT`) so that the server's
//! own work is not counted in the profiled process:
//!
//! ```text
//! OVERHEAD_BASE_URL=http://127.0.0.1:8931 OVERHEAD_ONLY=sdk OVERHEAD_CALLS=2000 \
//!   valgrind --tool=callgrind target/release/deps/overhead-<hash> --bench "blocking send_event"
//! ```

use std::future::Future;
use std::time::{Duration, Instant};

use cocoon_mock::{MockServer, RateLimit, DEFAULT_API_KEY};
use cocoonmail::contacts::{ContactRef, CreateContact};
use cocoonmail::events::SendEvent;
use serde::{Deserialize, Serialize};

const EMAIL: &str = "ada.bench+overhead@example.com";
const EVENT: &str = "bench_signup";
const TARGET_RATIO: f64 = 1.10;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const TIMEOUT: Duration = Duration::from_secs(30);

/// The simple event body, as a user would declare it.
#[derive(Serialize)]
struct EventBody<'a> {
    event_name: &'a str,
    email: &'a str,
}

/// The 201 answer of `event/send`.
#[derive(Deserialize)]
#[allow(dead_code)]
struct EventAnswer {
    success: bool,
    id: Option<String>,
}

/// A contact as `contact/find` returns it, with the account's custom fields declared.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct FoundContact {
    id: String,
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    source: Option<String>,
    subscribed: Option<bool>,
    user_group: Option<String>,
    user_id: Option<String>,
    #[serde(default)]
    mailing_lists: std::collections::BTreeMap<String, bool>,
    plan: Option<String>,
    seats: Option<u32>,
}

/// The hand-written async client.
struct HandReqwest {
    client: reqwest::Client,
    base: String,
    bearer: String,
    user_agent: String,
}

impl HandReqwest {
    /// `configured`: no redirects, the SDK's timeouts and `TCP_NODELAY`; otherwise
    /// `reqwest::Client::new()`.
    fn new(base: &str, user_agent: &str, configured: bool) -> Self {
        let client = if configured {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(CONNECT_TIMEOUT)
                .timeout(TIMEOUT)
                .tcp_nodelay(true)
                .build()
                .expect("reqwest client")
        } else {
            reqwest::Client::new()
        };
        HandReqwest {
            client,
            base: base.to_owned(),
            bearer: format!("Bearer {DEFAULT_API_KEY}"),
            user_agent: user_agent.to_owned(),
        }
    }

    async fn send_event(&self) -> reqwest::Result<EventAnswer> {
        self.client
            .post(format!("{}/webhook/event/send", self.base))
            .header(reqwest::header::AUTHORIZATION, &self.bearer)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::USER_AGENT, &self.user_agent)
            .json(&EventBody {
                event_name: EVENT,
                email: EMAIL,
            })
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }

    async fn find_contact(&self) -> reqwest::Result<Vec<FoundContact>> {
        self.client
            .get(format!("{}/webhook/contact/find", self.base))
            .query(&[("email", EMAIL)])
            .header(reqwest::header::AUTHORIZATION, &self.bearer)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::USER_AGENT, &self.user_agent)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }
}

/// The hand-written blocking client.
struct HandUreq {
    agent: ureq::Agent,
    base: String,
    bearer: String,
    user_agent: String,
}

impl HandUreq {
    /// `configured`: no redirects, the SDK's timeouts and `TCP_NODELAY`; otherwise ureq's
    /// defaults (no timeouts at all).
    fn new(base: &str, user_agent: &str, configured: bool) -> Self {
        let agent: ureq::Agent = if configured {
            ureq::Agent::config_builder()
                .max_redirects(0)
                .timeout_connect(Some(CONNECT_TIMEOUT))
                .timeout_global(Some(TIMEOUT))
                .no_delay(true)
                .build()
                .into()
        } else {
            ureq::Agent::new_with_defaults()
        };
        HandUreq {
            agent,
            base: base.to_owned(),
            bearer: format!("Bearer {DEFAULT_API_KEY}"),
            user_agent: user_agent.to_owned(),
        }
    }

    fn send_event(&self) -> Result<EventAnswer, ureq::Error> {
        // Not `send_json`: it pretty-prints, and the point is the same bytes as the SDK's.
        let body = serde_json::to_vec(&EventBody {
            event_name: EVENT,
            email: EMAIL,
        })?;
        self.agent
            .post(format!("{}/webhook/event/send", self.base))
            .header("Authorization", &self.bearer)
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .header("User-Agent", &self.user_agent)
            .send(&body[..])?
            .body_mut()
            .read_json()
    }

    fn find_contact(&self) -> Result<Vec<FoundContact>, ureq::Error> {
        self.agent
            .get(format!("{}/webhook/contact/find", self.base))
            .query("email", EMAIL)
            .header("Authorization", &self.bearer)
            .header("Accept", "application/json")
            .header("User-Agent", &self.user_agent)
            .call()?
            .body_mut()
            .read_json()
    }
}

/// Which side alone to run (`OVERHEAD_ONLY`), for profiling.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Only {
    Sdk,
    Hand,
}

struct Settings {
    only: Option<Only>,
    base_url: Option<String>,
    rounds: usize,
    calls: usize,
    batch_ms: f64,
    filter: Vec<String>,
    exact: bool,
    smoke: bool,
}

impl Settings {
    fn from_env_and_args() -> Settings {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let smoke = !args.iter().any(|a| a == "--bench");
        let number = |name: &str, default: usize| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .unwrap_or(default)
        };
        let (rounds, calls) = if smoke {
            (2, 20)
        } else {
            (
                number("OVERHEAD_ROUNDS", 20),
                number("OVERHEAD_CALLS", 2000),
            )
        };
        let only = match std::env::var("OVERHEAD_ONLY").as_deref() {
            Ok("sdk") => Some(Only::Sdk),
            Ok("hand") => Some(Only::Hand),
            Ok(other) => panic!("OVERHEAD_ONLY must be sdk or hand, not {other:?}"),
            Err(_) => None,
        };
        Settings {
            only,
            base_url: std::env::var("OVERHEAD_BASE_URL").ok(),
            rounds,
            calls,
            batch_ms: number("OVERHEAD_BATCH_MS", 300) as f64,
            exact: args.iter().any(|a| a == "--exact"),
            filter: args.into_iter().filter(|a| !a.starts_with('-')).collect(),
            smoke,
        }
    }

    fn wants(&self, name: &str) -> bool {
        self.filter.is_empty()
            || self.filter.iter().any(|f| {
                if self.exact {
                    name == f
                } else {
                    name.contains(f.as_str())
                }
            })
    }
}

/// The samples of one scenario: nanoseconds per call of each round, both sides.
struct Samples {
    batch: usize,
    sdk: Vec<f64>,
    hand: Vec<f64>,
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 0 {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    }
}

impl Samples {
    fn new(batch: usize) -> Samples {
        Samples {
            batch,
            sdk: Vec::new(),
            hand: Vec::new(),
        }
    }

    fn ratios(&self) -> Vec<f64> {
        self.sdk
            .iter()
            .zip(&self.hand)
            .map(|(s, h)| s / h)
            .collect()
    }

    fn report(&self, name: &str, smoke: bool) -> bool {
        if self.sdk.is_empty() || self.hand.is_empty() {
            let (side, times) = if self.sdk.is_empty() {
                ("hand", &self.hand)
            } else {
                ("sdk", &self.sdk)
            };
            println!(
                "{name:<36} {side} alone: {} calls, {:.1} µs/call",
                self.batch,
                times[0] / 1e3
            );
            return true;
        }
        let ratios = self.ratios();
        let med = median(&ratios);
        let min = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let max = ratios.iter().copied().fold(0.0, f64::max);
        let met = med <= TARGET_RATIO;
        println!(
            "{name:<36} sdk {:>7.1} µs/call  hand {:>7.1} µs/call  ratio median {med:.3} \
             (min {min:.3}, max {max:.3}, {} rounds x {} calls)  target <= {TARGET_RATIO:.2}: {}",
            median(&self.sdk) / 1e3,
            median(&self.hand) / 1e3,
            ratios.len(),
            self.batch,
            match (smoke, met) {
                (true, _) => "no verdict on a smoke run",
                (false, true) => "met",
                (false, false) => "MISSED",
            }
        );
        met
    }
}

/// Times `calls` calls of `f`, in nanoseconds per call.
fn time_blocking<F: FnMut()>(calls: usize, mut f: F) -> f64 {
    let start = Instant::now();
    for _ in 0..calls {
        f();
    }
    start.elapsed().as_nanos() as f64 / calls as f64
}

async fn time_async<F, Fut>(calls: usize, mut f: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let start = Instant::now();
    for _ in 0..calls {
        f().await;
    }
    start.elapsed().as_nanos() as f64 / calls as f64
}

/// With `OVERHEAD_ONLY`: one side alone, `OVERHEAD_CALLS` calls, no warm-up beyond one call.
fn only_blocking(
    settings: &Settings,
    only: Only,
    sdk: impl FnMut(),
    hand: impl FnMut(),
) -> Samples {
    let mut samples = Samples::new(settings.calls);
    match only {
        Only::Sdk => samples.sdk.push(time_blocking(settings.calls, sdk)),
        Only::Hand => samples.hand.push(time_blocking(settings.calls, hand)),
    }
    samples
}

async fn only_async<S, SF, H, HF>(settings: &Settings, only: Only, sdk: S, hand: H) -> Samples
where
    S: FnMut() -> SF,
    SF: Future<Output = ()>,
    H: FnMut() -> HF,
    HF: Future<Output = ()>,
{
    let mut samples = Samples::new(settings.calls);
    match only {
        Only::Sdk => samples.sdk.push(time_async(settings.calls, sdk).await),
        Only::Hand => samples.hand.push(time_async(settings.calls, hand).await),
    }
    samples
}

/// How many calls a batch makes: `OVERHEAD_CALLS` at most, fewer when a call is slow so that
/// a batch lasts about `OVERHEAD_BATCH_MS` (default 300 ms), judged from the warm-up.
fn batch_size(settings: &Settings, warm_up_ns_per_call: f64) -> usize {
    let budget = settings.batch_ms * 1e6;
    ((budget / warm_up_ns_per_call) as usize).clamp(20.min(settings.calls), settings.calls)
}

/// Rounds of interleaved batches, SDK first on even rounds and hand-written first on odd ones.
fn interleave_blocking(
    settings: &Settings,
    mut sdk: impl FnMut(),
    mut hand: impl FnMut(),
) -> Samples {
    if let Some(only) = settings.only {
        return only_blocking(settings, only, sdk, hand);
    }
    // Warm-up: connections opened, caches and allocator warm.
    let warm = settings.calls.min(200);
    let per_call = time_blocking(warm, &mut sdk).max(time_blocking(warm, &mut hand));
    let batch = batch_size(settings, per_call);
    let mut samples = Samples::new(batch);
    for round in 0..settings.rounds {
        if round % 2 == 0 {
            samples.sdk.push(time_blocking(batch, &mut sdk));
            samples.hand.push(time_blocking(batch, &mut hand));
        } else {
            samples.hand.push(time_blocking(batch, &mut hand));
            samples.sdk.push(time_blocking(batch, &mut sdk));
        }
    }
    samples
}

async fn interleave_async<S, SF, H, HF>(settings: &Settings, mut sdk: S, mut hand: H) -> Samples
where
    S: FnMut() -> SF,
    SF: Future<Output = ()>,
    H: FnMut() -> HF,
    HF: Future<Output = ()>,
{
    if let Some(only) = settings.only {
        return only_async(settings, only, sdk, hand).await;
    }
    let warm = settings.calls.min(200);
    let per_call = time_async(warm, &mut sdk)
        .await
        .max(time_async(warm, &mut hand).await);
    let batch = batch_size(settings, per_call);
    let mut samples = Samples::new(batch);
    for round in 0..settings.rounds {
        if round % 2 == 0 {
            samples.sdk.push(time_async(batch, &mut sdk).await);
            samples.hand.push(time_async(batch, &mut hand).await);
        } else {
            samples.hand.push(time_async(batch, &mut hand).await);
            samples.sdk.push(time_async(batch, &mut sdk).await);
        }
    }
    samples
}

/// Sends one call of each kind from both sides to a journaling server and prints the header
/// names each request carried, so a reader can see the two sides send the same request.
fn show_wire(runtime: &tokio::runtime::Runtime) {
    let server = MockServer::builder()
        .rate_limit(RateLimit::Off)
        .start()
        .expect("mock server");
    let base = server.base_url();
    let client = sdk_async(&base);
    let blocking = sdk_blocking(&base);
    let hand_async = HandReqwest::new(&base, client.config().user_agent(), true);
    let hand_blocking = HandUreq::new(&base, blocking.config().user_agent(), true);
    runtime.block_on(async {
        client
            .events()
            .send(SendEvent::simple(EVENT, EMAIL))
            .await
            .unwrap();
        hand_async.send_event().await.unwrap();
        client
            .contacts()
            .find(ContactRef::email(EMAIL))
            .await
            .unwrap();
        hand_async.find_contact().await.unwrap();
    });
    blocking
        .events()
        .send(SendEvent::simple(EVENT, EMAIL))
        .unwrap();
    hand_blocking.send_event().unwrap();
    blocking.contacts().find(ContactRef::email(EMAIL)).unwrap();
    hand_blocking.find_contact().unwrap();
    let who = [
        "sdk async",
        "reqwest",
        "sdk async",
        "reqwest",
        "sdk blocking",
        "ureq",
        "sdk blocking",
        "ureq",
    ];
    println!("What each side put on the wire (one call each, to a journaling server):");
    for (entry, who) in server.journal().iter().zip(who) {
        let mut names: Vec<String> = entry
            .headers
            .iter()
            .map(|(n, v)| match n.as_str() {
                "authorization" => format!("{n}: Bearer <key>"),
                "host" => n.clone(),
                _ => format!("{n}: {v}"),
            })
            .collect();
        names.sort();
        let query = if entry.query.is_empty() {
            String::new()
        } else {
            format!("?{}", entry.query)
        };
        println!(
            "  {who:<12} {} {}{query} -> {:?}  body {:?}  [{}]",
            entry.method,
            entry.path,
            entry.status().unwrap_or(0),
            String::from_utf8_lossy(&entry.body),
            names.join("; ")
        );
    }
    println!();
}

fn sdk_async(base: &str) -> cocoonmail::Client {
    cocoonmail::Client::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(base)
        .no_rate_limit()
        .build()
        .expect("async client")
}

fn sdk_blocking(base: &str) -> cocoonmail::blocking::Client {
    cocoonmail::blocking::Client::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(base)
        .no_rate_limit()
        .build()
        .expect("blocking client")
}

/// Installs the subscriber `OVERHEAD_SUBSCRIBER` asks for: `json` (JSON lines to a sink, at
/// `OVERHEAD_LOG`, default `cocoonmail=debug`) or none.
fn install_subscriber() -> &'static str {
    match std::env::var("OVERHEAD_SUBSCRIBER").as_deref() {
        Ok("json") => {
            let level = std::env::var("OVERHEAD_LOG").unwrap_or_else(|_| "cocoonmail=debug".into());
            tracing_subscriber::fmt()
                .json()
                .with_env_filter(tracing_subscriber::EnvFilter::new(level))
                .with_writer(std::io::sink)
                .init();
            "a JSON subscriber writing to a sink"
        }
        _ => "no subscriber",
    }
}

fn main() {
    let settings = Settings::from_env_and_args();
    let subscriber = install_subscriber();
    println!(
        "SDK tracing feature: {}; {subscriber}",
        if cfg!(feature = "tracing") {
            "on"
        } else {
            "off"
        }
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if settings.only.is_none() {
        show_wire(&runtime);
    }

    let mut _server = None;
    let base = match &settings.base_url {
        Some(url) => url.clone(),
        None => {
            let server = MockServer::builder()
                .rate_limit(RateLimit::Off)
                .record_journal(false)
                .start()
                .expect("mock server");
            let url = server.base_url();
            _server = Some(server);
            url
        }
    };
    let client = sdk_async(&base);
    let blocking = sdk_blocking(&base);
    let ua_async = client.config().user_agent().to_owned();
    let ua_blocking = blocking.config().user_agent().to_owned();
    // The hand-written clients configured like the SDK's transports, and with their crate's
    // defaults (no timeouts): the second pair shows what the timeouts themselves cost.
    let reqwest_hands = [
        ("", HandReqwest::new(&base, &ua_async, true)),
        (
            " vs plain client",
            HandReqwest::new(&base, &ua_async, false),
        ),
    ];
    let ureq_hands = [
        ("", HandUreq::new(&base, &ua_blocking, true)),
        (" vs plain agent", HandUreq::new(&base, &ua_blocking, false)),
    ];

    // The contact the find calls look up, with two of the account's custom fields set.
    let contact = CreateContact::new(EMAIL)
        .first_name("Ada")
        .last_name("Lovelace")
        .user_id("u-1815")
        .subscribe_to("cl_newsletter_0001")
        .try_property("plan", "pro")
        .and_then(|c| c.try_property("seats", 12))
        .expect("valid properties");
    match blocking.contacts().create(contact) {
        Ok(_) => {}
        // An external server that already has it from an earlier run.
        Err(cocoonmail::Error::Conflict(_)) => {}
        Err(e) => panic!("cannot create the contact: {e}"),
    }

    println!(
        "{} rounds per scenario, each a batch of calls through the SDK and one through the \
         hand-written client, back to back; a round's ratio is SDK time / hand-written time{}.",
        settings.rounds,
        if settings.smoke {
            " (smoke run: pass --bench, as `cargo bench` does, for the real one)"
        } else {
            ""
        }
    );
    let mut all_met = true;

    for (suffix, hand) in &reqwest_hands {
        let name = format!("async send_event{suffix}");
        if settings.wants(&name) {
            let samples = runtime.block_on(interleave_async(
                &settings,
                || async {
                    let answer = client
                        .events()
                        .send(SendEvent::simple(EVENT, EMAIL))
                        .await
                        .expect("sdk send_event");
                    std::hint::black_box(answer);
                },
                || async {
                    let answer = hand.send_event().await.expect("reqwest send_event");
                    std::hint::black_box(answer);
                },
            ));
            all_met &= samples.report(&name, settings.smoke) || !suffix.is_empty();
        }
        let name = format!("async find_contact{suffix}");
        if settings.wants(&name) {
            let samples = runtime.block_on(interleave_async(
                &settings,
                || async {
                    let found = client
                        .contacts()
                        .find(ContactRef::email(EMAIL))
                        .await
                        .expect("sdk find");
                    assert_eq!(found.len(), 1);
                    std::hint::black_box(found);
                },
                || async {
                    let found = hand.find_contact().await.expect("reqwest find");
                    assert_eq!(found.len(), 1);
                    std::hint::black_box(found);
                },
            ));
            all_met &= samples.report(&name, settings.smoke) || !suffix.is_empty();
        }
    }
    for (suffix, hand) in &ureq_hands {
        let name = format!("blocking send_event{suffix}");
        if settings.wants(&name) {
            let samples = interleave_blocking(
                &settings,
                || {
                    let answer = blocking
                        .events()
                        .send(SendEvent::simple(EVENT, EMAIL))
                        .expect("sdk send_event");
                    std::hint::black_box(answer);
                },
                || {
                    let answer = hand.send_event().expect("ureq send_event");
                    std::hint::black_box(answer);
                },
            );
            all_met &= samples.report(&name, settings.smoke) || !suffix.is_empty();
        }
        let name = format!("blocking find_contact{suffix}");
        if settings.wants(&name) {
            let samples = interleave_blocking(
                &settings,
                || {
                    let found = blocking
                        .contacts()
                        .find(ContactRef::email(EMAIL))
                        .expect("sdk find");
                    assert_eq!(found.len(), 1);
                    std::hint::black_box(found);
                },
                || {
                    let found = hand.find_contact().expect("ureq find");
                    assert_eq!(found.len(), 1);
                    std::hint::black_box(found);
                },
            );
            all_met &= samples.report(&name, settings.smoke) || !suffix.is_empty();
        }
    }
    if !settings.smoke {
        println!(
            "\n{}",
            if all_met {
                "every scenario against the identically configured baseline is within the target"
            } else {
                "at least one scenario MISSED the target (see BENCHMARKS.md for the profile)"
            }
        );
    }
}
