//! `dtls-sim`: runs our DTLS client and server over a simulated lossy network.
//!
//! With no arguments it runs the built-in default (PSK with AES-128-CCM_8, cookies on, 20%
//! loss each way, jitter and duplication) and prints the timeline and a verdict. Exit status:
//! 0 when every run passed, 1 when one failed, 2 for bad usage.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant as WallClock;

use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use dtls_sim::explore::{self, Family};
use dtls_sim::faults::Fault;
use dtls_sim::implementation::{self, Determinism};
use dtls_sim::link::{GilbertElliott, LinkProfile, Partition};
use dtls_sim::scenario::{self, Direction, RunSpec};
use dtls_sim::sim::{self, failure_report};
use dtls_sim::sweep::{self, Summary};

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Runs every scenario (targeted, explorer families, bug patterns) for every pairing of
    /// registered implementations and prints, or writes into a README, the matrix.
    Matrix {
        /// Replace the generated section of this Markdown file (e.g. conformance/README.md).
        #[arg(long, value_name = "FILE")]
        write: Option<String>,
        /// Suites (comma-separated names); default: psk-ccm8, ecdhe-ecdsa-gcm, psk-cbc.
        #[arg(long, value_delimiter = ',')]
        suites: Vec<String>,
        /// Pairings CLIENT/SERVER (comma-separated); default: every registered pair.
        #[arg(long, value_delimiter = ',')]
        pairings: Vec<String>,
        /// Only rows whose name contains this text.
        #[arg(long)]
        only: Option<String>,
    },
}

#[derive(Parser, Debug)]
#[command(
    name = "dtls-sim",
    version,
    about = "Runs a DTLS client and server over a deterministic simulated network",
    long_about = "Runs a DTLS 1.2 client and server over a deterministic simulated network: handshake, \
an echo of application data, then close. Every run is determined by its seed, settings and fault profile, \
and failures print a command that replays them exactly.\n\n\
Without any link flag the link is the built-in default (20% loss each way, 20 ms latency, up to 30 ms \
jitter, 5% duplication); any link flag, or --scenario, starts from a perfect 20 ms link instead."
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Implementation of the client nodes (see --list-implementations).
    #[arg(long, default_value = "ours", value_name = "NAME")]
    client: String,
    /// Implementation of the server node (see --list-implementations).
    #[arg(long, default_value = "ours", value_name = "NAME")]
    server: String,
    /// List the registered implementations and their determinism.
    #[arg(long)]
    list_implementations: bool,
    /// Cipher suite: IANA name or psk-ccm8, psk-gcm, ecdhe-ecdsa-gcm, ecdhe-ecdsa-ccm8,
    /// ecdhe-rsa-gcm, rsa-cbc-sha (and the other short names of `SuiteId`). RSA suites use the
    /// test PKI's RSA chain (leaf + intermediate), so small MTUs fragment it.
    #[arg(long, default_value = "TLS_PSK_WITH_AES_128_CCM_8")]
    suite: String,
    /// HelloVerifyRequest cookies: on or off.
    #[arg(long, value_parser = ["on", "off"])]
    cookie: Option<String>,
    /// Same as --cookie off.
    #[arg(long, conflicts_with = "cookie")]
    no_cookie: bool,
    /// Path MTU of both endpoints, in bytes.
    #[arg(long, default_value_t = 1200)]
    mtu: usize,
    /// Number of clients talking to the one server.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1000))]
    clients: u16,
    /// Messages each client sends and expects echoed.
    #[arg(long, default_value_t = 3)]
    messages: u32,
    /// Size of each message in bytes.
    #[arg(long, default_value_t = 48, value_parser = clap::value_parser!(u64).range(16..=1000))]
    message_size: u64,

    /// Seed of a single run.
    #[arg(long, default_value_t = 1, conflicts_with = "seeds")]
    seed: u64,
    /// Sweep over seeds A..B (B exclusive) and print a summary table.
    #[arg(long, value_name = "A..B")]
    seeds: Option<String>,
    /// Worker threads for sweeps and exhaustive runs (default: all cores).
    #[arg(long)]
    threads: Option<usize>,

    /// Independent loss probability per datagram, each way.
    #[arg(long)]
    loss: Option<f64>,
    /// Gilbert-Elliott burst loss: P(good->bad),P(bad->good),loss in bad state.
    #[arg(long, value_name = "P,Q,L")]
    burst: Option<String>,
    /// One-way latency in ms.
    #[arg(long)]
    latency: Option<u64>,
    /// Extra uniform delay 0..=J ms per datagram (reorders).
    #[arg(long)]
    jitter: Option<u64>,
    /// Probability of delivering a datagram twice.
    #[arg(long)]
    duplicate: Option<f64>,
    /// Probability, per datagram, that an attacker replays an earlier one.
    #[arg(long)]
    replay: Option<f64>,
    /// Probability of flipping bits in a datagram.
    #[arg(long)]
    corrupt: Option<f64>,
    /// Probability of truncating a datagram.
    #[arg(long)]
    truncate: Option<f64>,
    /// Probability of appending random bytes to a datagram.
    #[arg(long)]
    extend: Option<f64>,
    /// Silently drop datagrams larger than N bytes (MTU black hole).
    #[arg(long, value_name = "N")]
    black_hole: Option<usize>,
    /// Cut the link from FROM to TO ms, one way or both: FROM-TO[:up|down|both]. Repeatable.
    #[arg(long, value_name = "FROM-TO[:DIR]")]
    partition: Vec<String>,
    /// Probability of packing a datagram into the previous one sent at the same instant.
    #[arg(long)]
    pack: Option<f64>,

    /// Retransmissions of a flight before giving up (default: the engine's, `Limits::DEFAULT`).
    #[arg(long)]
    max_retransmissions: Option<u8>,
    /// Longest a handshake may take, in seconds (default: the engine's, `Limits::DEFAULT`).
    #[arg(long)]
    handshake_timeout: Option<u64>,
    /// Extended master secret (RFC 7627): require it from the peer, or only offer it.
    #[arg(long, value_parser = ["require", "offer"], default_value = "require")]
    ems: String,
    /// Virtual time limit of a run, in seconds.
    #[arg(long, default_value_t = 1200)]
    time_limit: u64,

    /// Targeted fault or exhaustive family (see --list-scenarios). Repeatable.
    #[arg(long, value_name = "NAME")]
    scenario: Vec<String>,
    /// List the targeted scenarios and the exhaustive cases for the chosen suite and MTU.
    #[arg(long)]
    list_scenarios: bool,
    /// Print the loss-rate table (0% to 50% by 5%) with this many seeds per row.
    #[arg(long, value_name = "SEEDS")]
    loss_table: Option<u64>,

    /// Write the delivered datagrams of a single run as a pcap file (Wireshark: DTLS on 4433).
    #[arg(long, value_name = "FILE")]
    pcap: Option<String>,
    /// Print full traces (single runs always do; sweeps and exhaustive runs then trace failures).
    #[arg(long)]
    trace: bool,
    /// Print only the verdict of a single run.
    #[arg(long, short)]
    quiet: bool,
}

fn parse_partition(s: &str) -> Result<(Partition, Direction), String> {
    let (range, dir) = s.split_once(':').unwrap_or((s, "both"));
    let (a, b) = range
        .split_once('-')
        .ok_or_else(|| format!("--partition {s:?}: expected FROM-TO[:DIR]"))?;
    let from_ms = a.parse().map_err(|_| format!("--partition {s:?}: bad start"))?;
    let to_ms = b.parse().map_err(|_| format!("--partition {s:?}: bad end"))?;
    if to_ms <= from_ms {
        return Err(format!("--partition {s:?}: the window is empty"));
    }
    let dir = match dir {
        "up" => Direction::Up,
        "down" => Direction::Down,
        "both" => Direction::Both,
        _ => return Err(format!("--partition {s:?}: direction must be up, down or both")),
    };
    Ok((Partition { from_ms, to_ms }, dir))
}

fn probability(name: &str, v: Option<f64>) -> Result<Option<f64>, String> {
    match v {
        Some(p) if !(0.0..=1.0).contains(&p) => Err(format!("--{name} {p}: a probability must be in 0..=1")),
        other => Ok(other),
    }
}

/// Builds the base spec and the exhaustive families from the flags.
fn spec_from(args: &Args) -> Result<(RunSpec, Vec<Family>), String> {
    let mut spec = RunSpec {
        client_impl: implementation::find(&args.client)?.name().to_string(),
        server_impl: implementation::find(&args.server)?.name().to_string(),
        require_ems: args.ems == "require",
        suite: scenario::parse_suite(&args.suite)?,
        cookies: !(args.no_cookie || args.cookie.as_deref() == Some("off")),
        mtu: args.mtu,
        clients: args.clients,
        messages: args.messages,
        message_size: args.message_size as usize,
        max_retransmissions: args.max_retransmissions,
        handshake_timeout_s: args.handshake_timeout,
        time_limit_ms: args.time_limit.saturating_mul(1000),
        seed: args.seed,
        ..RunSpec::default()
    };
    if !(dtls::config::MIN_MTU..=dtls::config::MAX_MTU).contains(&args.mtu) {
        return Err(format!(
            "--mtu {}: must be between {} and {}",
            args.mtu,
            dtls::config::MIN_MTU,
            dtls::config::MAX_MTU
        ));
    }
    let mut families = Vec::new();
    for name in &args.scenario {
        if name == "default" {
            continue;
        }
        if dtls_sim::scenarios::patterns::find(name).is_some() {
            if spec.pattern.is_some() {
                return Err("only one bug pattern per run".into());
            }
            spec.pattern = Some(name.clone());
            continue;
        }
        match Family::parse(name) {
            Some(f) => families.extend(f),
            None => spec.faults.push(name.parse::<Fault>()?),
        }
    }
    let any_link_flag = args.loss.is_some()
        || args.burst.is_some()
        || args.latency.is_some()
        || args.jitter.is_some()
        || args.duplicate.is_some()
        || args.replay.is_some()
        || args.corrupt.is_some()
        || args.truncate.is_some()
        || args.extend.is_some()
        || args.black_hole.is_some()
        || !args.partition.is_empty()
        || args.pack.is_some();
    let scenario_given = args.scenario.iter().any(|s| s != "default");
    if any_link_flag || scenario_given {
        let mut l = LinkProfile::perfect(args.latency.unwrap_or(20));
        l.loss = probability("loss", args.loss)?.unwrap_or(0.0);
        l.jitter_ms = args.jitter.unwrap_or(0);
        l.duplicate = probability("duplicate", args.duplicate)?.unwrap_or(0.0);
        l.replay = probability("replay", args.replay)?.unwrap_or(0.0);
        l.corrupt = probability("corrupt", args.corrupt)?.unwrap_or(0.0);
        l.truncate = probability("truncate", args.truncate)?.unwrap_or(0.0);
        l.extend = probability("extend", args.extend)?.unwrap_or(0.0);
        l.pack = probability("pack", args.pack)?.unwrap_or(0.0);
        l.mtu_black_hole = args.black_hole;
        if let Some(b) = &args.burst {
            let v: Vec<f64> = b
                .split(',')
                .map(|x| x.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|_| format!("--burst {b:?}: expected three probabilities P,Q,L"))?;
            let [p, q, loss] = v[..] else {
                return Err(format!("--burst {b:?}: expected three probabilities P,Q,L"));
            };
            for x in [p, q, loss] {
                probability("burst", Some(x))?;
            }
            l.burst = Some(GilbertElliott {
                p_enter_bad: p,
                p_leave_bad: q,
                loss_in_bad: loss,
            });
        }
        spec.link = l;
        spec.partitions = args
            .partition
            .iter()
            .map(|p| parse_partition(p))
            .collect::<Result<_, _>>()?;
    }
    Ok((spec, families))
}

fn parse_seeds(s: &str) -> Result<std::ops::Range<u64>, String> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| format!("--seeds {s:?}: expected A..B"))?;
    let a: u64 = a
        .trim()
        .parse()
        .map_err(|_| format!("--seeds {s:?}: bad start"))?;
    let b: u64 = b.trim().parse().map_err(|_| format!("--seeds {s:?}: bad end"))?;
    if b <= a {
        return Err(format!("--seeds {s:?}: the range is empty"));
    }
    Ok(a..b)
}

/// A progress bar that appears only once the work has taken more than a second. Wall-clock
/// time is read here and nowhere else, and only for display.
struct Progress {
    bar: ProgressBar,
    start: WallClock,
    shown: AtomicBool,
}

impl Progress {
    fn new(total: u64) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {per_sec}  eta {eta}") {
            bar.set_style(style);
        }
        Progress {
            bar,
            start: WallClock::now(),
            shown: AtomicBool::new(false),
        }
    }

    fn update(&self, n: u64) {
        self.bar.set_position(n);
        if !self.shown.load(Ordering::Relaxed) && self.start.elapsed().as_secs_f64() > 1.0 {
            self.shown.store(true, Ordering::Relaxed);
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self, runs: u64, threads: usize) {
        self.bar.finish_and_clear();
        let secs = self.start.elapsed().as_secs_f64();
        eprintln!(
            "{runs} runs in {secs:.2} s wall on {threads} threads: {:.0} runs/s ({:.0} per thread)",
            runs as f64 / secs,
            runs as f64 / secs / threads as f64
        );
    }
}

fn list_scenarios(spec: &RunSpec) -> Result<(), String> {
    println!("targeted scenarios (--scenario NAME, on a perfect 20 ms link unless link flags are given):");
    let targeted = [
        ("default", "no targeted fault"),
        ("drop-flight:F.K", "drop the K-th datagram of flight F"),
        (
            "dropn:F.K:N",
            "drop the K-th datagram of flight F and its retransmissions, N times in all",
        ),
        (
            "drop-message:NAME[:N]",
            "remove message NAME from the first N datagrams carrying it (default 1)",
        ),
        (
            "drop-epoch:E[:N]",
            "remove the records of epoch E from the first N datagrams carrying them",
        ),
        (
            "delay-ccs[:MS]",
            "always send ChangeCipherSpec separately, MS ms later (default 300)",
        ),
        ("delay-message:NAME[:MS]", "the same for any message"),
        (
            "hold-message:NAME",
            "hold a datagram with NAME until the sender's next datagram has gone",
        ),
        (
            "finished-before-ccs",
            "deliver Finished before the ChangeCipherSpec that precedes it",
        ),
        (
            "perm:F:ORDER",
            "deliver the first datagrams of flight F in ORDER, e.g. perm:2:1,0",
        ),
        (
            "stray-client-hello",
            "once connected, a fresh ClientHello from the client's address",
        ),
        (
            "replayed-client-hello",
            "once connected, the client's first ClientHello replayed",
        ),
        (
            "inject-huge-seq",
            "once connected, forged epoch 1 and 2 records with sequence 2^48-2, both ways",
        ),
        (
            "inject-epoch0-data",
            "once connected, cleartext epoch-0 application data, both ways",
        ),
        (
            "inject-epoch0-data-early",
            "before the handshake, cleartext epoch-0 data with sequence 1000, both ways",
        ),
        (
            "appdata-before-finished",
            "the server greets first and the greeting overtakes its Finished",
        ),
        (
            "tamper:NAME",
            "flip the last byte of handshake message NAME in every copy: must be rejected",
        ),
        (
            "inject-early-ccs",
            "before any hello, a cleartext ChangeCipherSpec to both sides",
        ),
        (
            "inject-early-high-epoch",
            "before the handshake, epoch-0xFFFF records with garbage bodies, both ways",
        ),
        (
            "repeat-final-flight",
            "the server's final flight reaches the client a second time",
        ),
        (
            "inject-next-epoch-early",
            "forged epoch-1 records reach each side while it waits for ChangeCipherSpec",
        ),
    ];
    for (n, d) in targeted {
        println!("  {n:<26} {d}");
    }
    println!(
        "  message names: {}",
        dtls_sim::classify::MESSAGE_NAMES.join(", ")
    );
    println!(
        "exhaustive families (suite {}, mtu {}, cookies {}):",
        scenario::suite_name(spec.suite),
        spec.mtu,
        if spec.cookies { "on" } else { "off" }
    );
    let clean = explore::clean_run(spec)?;
    let shape: Vec<String> = clean
        .flights
        .iter()
        .map(|f| format!("{}{}", if f.from_client { "c" } else { "s" }, f.datagrams))
        .collect();
    println!("  handshake flights (sender and datagrams): {}", shape.join(" "));
    for fam in Family::ALL {
        let cases = explore::cases(fam, &clean);
        println!("  {:<26} {} cases", fam.name(), cases.len());
        for c in cases {
            println!("    {c}");
        }
    }
    println!("  {:<26} all four families", "exhaustive");
    println!("bug patterns (--scenario NAME; a scripted hostile peer plays one side, TESTING.md 2 and 3):");
    for p in dtls_sim::scenarios::patterns::PATTERNS {
        let applies = if dtls_sim::scenarios::applies(p, spec.suite) {
            ""
        } else {
            " [not for this suite]"
        };
        println!(
            "  {:<48} tests the {}{applies}: {}",
            p.name,
            p.under_test(),
            p.item
        );
    }
    Ok(())
}

fn single(spec: &RunSpec, args: &Args) -> Result<bool, String> {
    let mut s = spec.clone();
    s.trace = !args.quiet;
    s.capture = args.pcap.is_some();
    let report = sim::run(&s);
    if !args.quiet {
        for l in &report.trace {
            println!("{l}");
        }
    }
    if let Some(path) = &args.pcap {
        std::fs::write(path, dtls_sim::pcap::write(&report.capture))
            .map_err(|e| format!("writing {path}: {e}"))?;
        eprintln!("wrote {} datagrams to {path}", report.capture.len());
    }
    if report.passed() {
        println!("{}", report.verdict());
        Ok(true)
    } else {
        print!("{}", failure_report(&s, &report));
        Ok(false)
    }
}

fn exhaustive(spec: &RunSpec, families: &[Family], threads: usize, args: &Args) -> Result<bool, String> {
    let specs = explore::case_specs(spec, families)?;
    let progress = Progress::new(specs.len() as u64);
    let reports = sweep::run_many(&specs, threads, &|n| progress.update(n))?;
    progress.finish(specs.len() as u64, threads);
    let mut failed = 0;
    let mut xfailed = 0;
    let ours = spec.client_impl == scenario::OURS && spec.server_impl == scenario::OURS;
    for (s, r) in specs.iter().zip(&reports) {
        let name = s.faults.first().map(|f| f.to_string()).unwrap_or_default();
        let known = if ours {
            dtls_sim::expected::lookup(&name, s.suite)
        } else {
            None
        };
        if let (Some(e), Some(f)) = (known, &r.failure) {
            xfailed += 1;
            println!("XFAIL {name:<27} {}: {}", f.kind, f.message);
            println!("     known engine bug ({} side): {}", e.side, e.reason);
            println!("     replay: {}", s.command());
            continue;
        }
        match &r.failure {
            None => println!(
                "PASS {name:<28} handshake {:>8}  retransmissions {}",
                r.handshake_ms
                    .map_or("-".into(), |ms| format!("{:.3}s", ms as f64 / 1000.0)),
                r.retransmissions
            ),
            Some(f) => {
                failed += 1;
                println!("FAIL {name:<28} {}: {}", f.kind, f.message);
                if args.trace {
                    print!("{}", failure_report(s, r));
                } else {
                    println!("     replay: {}", s.command());
                }
            }
        }
    }
    let names: Vec<&str> = families.iter().map(|f| f.name()).collect();
    let xf = if xfailed > 0 {
        format!(", {xfailed} known engine bugs (sim/src/expected.rs)")
    } else {
        String::new()
    };
    println!(
        "exhaustive {}: {} cases, {} passed, {failed} failed{xf} (suite {}, mtu {})",
        names.join("+"),
        specs.len(),
        specs.len() - failed - xfailed,
        scenario::suite_name(spec.suite),
        spec.mtu
    );
    Ok(failed == 0)
}

fn sweep_seeds(
    spec: &RunSpec,
    seeds: std::ops::Range<u64>,
    threads: usize,
    args: &Args,
) -> Result<bool, String> {
    let total = seeds.end - seeds.start;
    let progress = Progress::new(total);
    let outcomes = sweep::sweep(spec, seeds.clone(), threads, &|n| progress.update(n))?;
    progress.finish(total, threads);
    let summary = Summary::of(&outcomes);
    print!("{}", summary.table(spec, &seeds));
    if args.trace {
        for (seed, _) in &summary.failures {
            let mut s = spec.clone();
            s.seed = *seed;
            let r = sim::run(&s);
            print!("{}", failure_report(&s, &r));
        }
    }
    Ok(summary.failed == 0)
}

fn list_implementations() {
    println!("registered implementations (--client NAME, --server NAME):");
    for i in implementation::registry() {
        let d = match i.determinism() {
            Determinism::Full => "deterministic".to_string(),
            Determinism::Caveat(c) => format!("determinism caveat: {c}"),
        };
        println!("  {:<10} {d}", i.name());
    }
}

/// States, before any result, what keeps runs with these implementations from being exact
/// replays (stderr, so that snapshots of the output stay stable).
fn print_caveats(spec: &RunSpec) -> Result<(), String> {
    for c in sim::pairing_for(spec)?.caveats() {
        eprintln!("determinism caveat: {c}");
    }
    Ok(())
}

fn matrix(
    write: Option<&str>,
    suites: &[String],
    pairings: &[String],
    only: Option<&str>,
    threads: usize,
) -> Result<bool, String> {
    use dtls_sim::implementation::SuiteId;
    use dtls_sim::matrix;
    let suites: Vec<SuiteId> = if suites.is_empty() {
        matrix::DEFAULT_SUITES.to_vec()
    } else {
        suites
            .iter()
            .map(|s| SuiteId::parse(s))
            .collect::<Result<_, _>>()?
    };
    let mut pairs: Vec<matrix::PairName> = Vec::new();
    for p in pairings {
        let (c, s) = p
            .split_once('/')
            .ok_or_else(|| format!("--pairings {p:?}: expected CLIENT/SERVER"))?;
        pairs.push((implementation::find(c)?.name(), implementation::find(s)?.name()));
    }
    let start = WallClock::now();
    let filter = only.map(|o| move |r: &matrix::Row| r.name().contains(o));
    let m = matrix::run(
        &pairs,
        &suites,
        filter.as_ref().map(|f| f as &dyn Fn(&matrix::Row) -> bool),
        threads,
        &|_| {},
    );
    let section = m.markdown();
    match write {
        Some(path) => {
            let old = std::fs::read_to_string(path).unwrap_or_default();
            std::fs::write(path, matrix::splice(&old, &section))
                .map_err(|e| format!("writing {path}: {e}"))?;
            eprintln!("wrote the matrix into {path}");
        }
        None => print!("{section}"),
    }
    for ((c, s), pass, total, xfail) in m.summary() {
        eprintln!("{c} client / {s} server: {pass} of {total} cells pass, {xfail} expected failures");
    }
    eprintln!(
        "matrix: {} rows x {} pairings x {} suites in {:.1} s wall",
        m.rows.len(),
        m.pairings.len(),
        m.suites.len(),
        start.elapsed().as_secs_f64()
    );
    let regressions = m.regressions();
    for r in &regressions {
        eprintln!("regression (ours / ours): {r}");
    }
    Ok(regressions.is_empty())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let threads = args.threads.unwrap_or_else(sweep::default_threads).max(1);
    let result = (|| -> Result<bool, String> {
        if let Some(Command::Matrix {
            write,
            suites,
            pairings,
            only,
        }) = &args.command
        {
            return matrix(write.as_deref(), suites, pairings, only.as_deref(), threads);
        }
        if args.list_implementations {
            list_implementations();
            return Ok(true);
        }
        let (spec, families) = spec_from(&args)?;
        print_caveats(&spec)?;
        if args.list_scenarios {
            list_scenarios(&spec)?;
            return Ok(true);
        }
        if let Some(n) = args.loss_table {
            let progress = Progress::new(11);
            let table = sweep::loss_table(&spec, n, threads, &|row| progress.update(row))?;
            progress.finish(11 * n, threads);
            print!("{table}");
            return Ok(true);
        }
        if !families.is_empty() {
            if args.seeds.is_some() || args.pcap.is_some() {
                return Err("exhaustive families cannot be combined with --seeds or --pcap".into());
            }
            return exhaustive(&spec, &families, threads, &args);
        }
        match &args.seeds {
            Some(s) => {
                if args.pcap.is_some() {
                    return Err("--pcap records a single run; drop --seeds".into());
                }
                sweep_seeds(&spec, parse_seeds(s)?, threads, &args)
            }
            None => single(&spec, &args),
        }
    })();
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("dtls-sim: error: {e}");
            ExitCode::from(2)
        }
    }
}
