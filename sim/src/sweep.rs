//! Many seeds of one spec, spread over all cores with `std::thread`, and the summary table
//! they produce. Results are gathered by seed, so the table never depends on scheduling.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::endpoint::RECORD_DROP_REASONS;
use crate::implementation::Pairing;
use crate::link::DropReason;
use crate::scenario::RunSpec;
use crate::sim::{self, Failure, FailureKind, RunReport};

/// What a sweep keeps of each run (traces are dropped to keep memory flat).
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The seed.
    pub seed: u64,
    /// `None` if the run passed.
    pub failure: Option<Failure>,
    /// Handshake time in ms, if the handshake completed.
    pub handshake_ms: Option<u64>,
    /// Handshake datagrams re-sent.
    pub retransmissions: u64,
    /// Bytes sent by the endpoints.
    pub bytes: u64,
    /// Link drops by reason.
    pub link_drops: [u64; 5],
    /// Endpoint record drops by reason.
    pub record_drops: [u64; 7],
}

impl From<RunReport> for Outcome {
    fn from(r: RunReport) -> Self {
        Outcome {
            seed: r.seed,
            failure: r.failure,
            handshake_ms: r.handshake_ms,
            retransmissions: r.retransmissions,
            bytes: r.bytes,
            link_drops: r.link_drops,
            record_drops: r.record_drops,
        }
    }
}

/// Runs one seed, turning a panic into a failed run that names the seed.
pub fn run_guarded(spec: &RunSpec, pairing: &Pairing) -> RunReport {
    match catch_unwind(AssertUnwindSafe(|| sim::run_with(spec, pairing))) {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic".into());
            RunReport {
                seed: spec.seed,
                failure: Some(Failure {
                    kind: FailureKind::Panic,
                    message: msg,
                }),
                ..RunReport::default()
            }
        }
    }
}

/// Runs `spec` for every seed in `seeds` on `threads` threads. `progress` is called from the
/// workers with the number of runs finished so far (for a progress bar; it must not affect
/// results, and cannot: outcomes are sorted by seed).
pub fn sweep(
    spec: &RunSpec,
    seeds: std::ops::Range<u64>,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Outcome>, String> {
    let mut base = spec.clone();
    base.trace = false;
    base.capture = false;
    let pairing = sim::pairing_for(&base)?;
    let next = AtomicU64::new(seeds.start);
    let finished = AtomicU64::new(0);
    let results = Mutex::new(Vec::with_capacity((seeds.end - seeds.start) as usize));
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                let mut local = Vec::new();
                let mut spec = base.clone();
                loop {
                    let seed = next.fetch_add(1, Ordering::Relaxed);
                    if seed >= seeds.end {
                        break;
                    }
                    spec.seed = seed;
                    local.push(Outcome::from(run_guarded(&spec, &pairing)));
                    progress(finished.fetch_add(1, Ordering::Relaxed) + 1);
                }
                if let Ok(mut r) = results.lock() {
                    r.extend(local);
                }
            });
        }
    });
    let mut out = results
        .into_inner()
        .map_err(|_| "a sweep worker panicked".to_string())?;
    out.sort_by_key(|o| o.seed);
    Ok(out)
}

/// The `q`-quantile (nearest rank) of sorted values.
fn quantile(sorted: &[u64], q: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

fn secs(ms: Option<u64>) -> String {
    ms.map_or("-".to_string(), |ms| format!("{:.3}s", ms as f64 / 1000.0))
}

/// Aggregate figures of a sweep.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Runs.
    pub runs: u64,
    /// Runs that passed.
    pub passed: u64,
    /// Sorted handshake times (ms) of runs whose handshake completed.
    pub handshake_ms: Vec<u64>,
    /// Total retransmissions.
    pub retransmissions: u64,
    /// Largest retransmission count of one run.
    pub max_retransmissions: u64,
    /// Total bytes on the wire.
    pub bytes: u64,
    /// Link drops by reason.
    pub link_drops: [u64; 5],
    /// Record drops by reason.
    pub record_drops: [u64; 7],
    /// Failures: (seed, failure), first few.
    pub failures: Vec<(u64, Failure)>,
    /// Failures in total.
    pub failed: u64,
    /// Failures by class, in first-seen order.
    pub failed_by_kind: Vec<(FailureKind, u64)>,
}

impl Summary {
    /// Folds outcomes into a summary.
    pub fn of(outcomes: &[Outcome]) -> Self {
        let mut s = Summary::default();
        for o in outcomes {
            s.runs += 1;
            match &o.failure {
                None => s.passed += 1,
                Some(f) => {
                    s.failed += 1;
                    match s.failed_by_kind.iter_mut().find(|(k, _)| *k == f.kind) {
                        Some((_, n)) => *n += 1,
                        None => s.failed_by_kind.push((f.kind.clone(), 1)),
                    }
                    if s.failures.len() < 10 {
                        s.failures.push((o.seed, f.clone()));
                    }
                }
            }
            if let Some(h) = o.handshake_ms {
                s.handshake_ms.push(h);
            }
            s.retransmissions += o.retransmissions;
            s.max_retransmissions = s.max_retransmissions.max(o.retransmissions);
            s.bytes += o.bytes;
            for (a, b) in s.link_drops.iter_mut().zip(o.link_drops) {
                *a += b;
            }
            for (a, b) in s.record_drops.iter_mut().zip(o.record_drops) {
                *a += b;
            }
        }
        s.handshake_ms.sort_unstable();
        s
    }

    /// Success rate in percent.
    pub fn success_rate(&self) -> f64 {
        if self.runs == 0 {
            0.0
        } else {
            100.0 * self.passed as f64 / self.runs as f64
        }
    }

    /// Median handshake time in ms.
    pub fn median_ms(&self) -> Option<u64> {
        quantile(&self.handshake_ms, 0.5)
    }

    /// The summary table (deterministic: no wall-clock figures).
    pub fn table(&self, spec: &RunSpec, seeds: &std::ops::Range<u64>) -> String {
        let h = &self.handshake_ms;
        let runs = self.runs.max(1) as f64;
        let mut out = String::new();
        out.push_str(&format!(
            "sweep: seeds {}..{}  {}\n",
            seeds.start,
            seeds.end,
            spec.profile_line()
        ));
        out.push_str(&format!(
            "  runs {:>9}   passed {:>9}   success {:.2}%\n",
            self.runs,
            self.passed,
            self.success_rate()
        ));
        out.push_str(&format!(
            "  handshake (virtual): median {}  p95 {}  p99 {}  max {}  ({} completed)\n",
            secs(quantile(h, 0.5)),
            secs(quantile(h, 0.95)),
            secs(quantile(h, 0.99)),
            secs(h.last().copied()),
            h.len()
        ));
        out.push_str(&format!(
            "  retransmissions: mean {:.2}  max {}\n  bytes on the wire: mean {:.0}  total {}\n",
            self.retransmissions as f64 / runs,
            self.max_retransmissions,
            self.bytes as f64 / runs,
            self.bytes
        ));
        let link: Vec<String> = DropReason::ALL
            .iter()
            .map(|r| format!("{r} {}", self.link_drops[r.index()]))
            .collect();
        out.push_str(&format!("  datagrams dropped by the link: {}\n", link.join(", ")));
        let rec: Vec<String> = RECORD_DROP_REASONS
            .iter()
            .zip(self.record_drops)
            .map(|(r, n)| format!("{r} {n}"))
            .collect();
        out.push_str(&format!(
            "  records dropped by the endpoints: {}\n",
            rec.join(", ")
        ));
        if !self.failed_by_kind.is_empty() {
            let k: Vec<String> = self
                .failed_by_kind
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            out.push_str(&format!("  failures by class: {}\n", k.join(", ")));
        }
        for (seed, f) in &self.failures {
            let mut s = spec.clone();
            s.seed = *seed;
            out.push_str(&format!(
                "  FAIL seed {seed} ({}): {}\n    replay: {}\n",
                f.kind,
                f.message,
                s.command()
            ));
        }
        if self.failed > self.failures.len() as u64 {
            out.push_str(&format!(
                "  ... and {} more failures\n",
                self.failed - self.failures.len() as u64
            ));
        }
        out
    }
}

/// The loss-rate table: for loss 0% to 50% in steps of 5% (independent loss both ways, no
/// other fault, 20 ms latency), `seeds` seeds each: success rate and median handshake time.
pub fn loss_table(
    base: &RunSpec,
    seeds: u64,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<String, String> {
    let mut out = String::new();
    out.push_str(&format!(
        "loss sweep: {} seeds per row, suite {}, cookies {}, mtu {}, 20 ms latency, independent loss both ways\n",
        seeds,
        crate::scenario::suite_name(base.suite),
        if base.cookies { "on" } else { "off" },
        base.mtu
    ));
    out.push_str("  loss   success   median handshake   p95 handshake\n");
    for step in 0..=10u64 {
        let loss = step as f64 * 0.05;
        let mut spec = base.clone();
        spec.link = crate::link::LinkProfile {
            loss,
            ..crate::link::LinkProfile::perfect(20)
        };
        spec.partitions.clear();
        spec.faults.clear();
        let outcomes = sweep(&spec, 0..seeds, threads, &|_| progress(step))?;
        let s = Summary::of(&outcomes);
        out.push_str(&format!(
            "  {:>3}%   {:>6.1}%   {:>16}   {:>13}\n",
            step * 5,
            s.success_rate(),
            secs(s.median_ms()),
            secs(quantile(&s.handshake_ms, 0.95))
        ));
    }
    Ok(out)
}

/// Threads to use: every core the OS reports.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs a list of specs with one pairing (their implementation names are not looked up) in
/// parallel; reports come back in list order.
pub fn run_many_with(
    specs: &[RunSpec],
    pairing: &Pairing,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<RunReport>, String> {
    let next = AtomicU64::new(0);
    let finished = AtomicU64::new(0);
    let results = Mutex::new(Vec::with_capacity(specs.len()));
    std::thread::scope(|s| {
        for _ in 0..threads.max(1).min(specs.len().max(1)) {
            s.spawn(|| {
                let mut local = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    let Some(spec) = specs.get(i) else { break };
                    let mut r = run_guarded(spec, pairing);
                    r.trace.clear();
                    local.push((i, r));
                    progress(finished.fetch_add(1, Ordering::Relaxed) + 1);
                }
                if let Ok(mut r) = results.lock() {
                    r.extend(local);
                }
            });
        }
    });
    let mut out = results
        .into_inner()
        .map_err(|_| "a worker panicked".to_string())?;
    out.sort_by_key(|(i, _)| *i);
    Ok(out.into_iter().map(|(_, r)| r).collect())
}

/// Runs a list of specs (exhaustive cases) in parallel; reports come back in list order.
pub fn run_many(
    specs: &[RunSpec],
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<RunReport>, String> {
    let Some(first) = specs.first() else {
        return Ok(Vec::new());
    };
    // Cases usually share their implementations; resolve them once.
    let pairing = sim::pairing_for(first)?;
    let next = AtomicU64::new(0);
    let finished = AtomicU64::new(0);
    let results = Mutex::new(Vec::with_capacity(specs.len()));
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                let mut local = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    let Some(spec) = specs.get(i) else { break };
                    let mut r = if pairing.is(&spec.client_impl, &spec.server_impl) {
                        run_guarded(spec, &pairing)
                    } else {
                        match sim::pairing_for(spec) {
                            Ok(p) => run_guarded(spec, &p),
                            Err(_) => sim::run(spec),
                        }
                    };
                    r.trace.clear();
                    local.push((i, r));
                    progress(finished.fetch_add(1, Ordering::Relaxed) + 1);
                }
                if let Ok(mut r) = results.lock() {
                    r.extend(local);
                }
            });
        }
    });
    let mut out = results
        .into_inner()
        .map_err(|_| "a worker panicked".to_string())?;
    out.sort_by_key(|(i, _)| *i);
    Ok(out.into_iter().map(|(_, r)| r).collect())
}
