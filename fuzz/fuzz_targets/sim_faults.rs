//! Whole handshakes and echo exchanges in the simulator (real crypto), under a fault schedule
//! the fuzzer chooses: targeted drops, delays, holds, permutations and injections, plus a
//! little random loss, duplication, replay, corruption and jitter. A run may fail to connect
//! (the faults can be fatal), but it must never break an invariant (data integrity, a replayed
//! or forged record accepted) and never panic.
#![no_main]

use arbitrary::Arbitrary;
use dtls_sim::RunSpec;
use dtls_sim::classify::MESSAGE_NAMES;
use dtls_sim::faults::Fault;
use dtls_sim::implementation::SuiteId;
use dtls_sim::link::Partition;
use dtls_sim::scenario::Direction;
use dtls_sim::sim::FailureKind;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum FaultChoice {
    Drop { flight: u8, index: u8 },
    DropRepeated { flight: u8, index: u8, times: u8 },
    DropMessage { name: u8, times: u8 },
    DropEpoch { epoch: bool, times: u8 },
    DelayMessage { name: u8, ms: u16 },
    HoldMessage { name: u8 },
    FinishedBeforeCcs,
    Permute { flight: u8, order: Vec<u8> },
    StrayClientHello,
    ReplayedClientHello,
    InjectHugeSequence,
    InjectEpoch0Data,
    InjectEpoch0DataEarly,
    AppDataBeforeFinished,
}

#[derive(Arbitrary, Debug)]
struct Input {
    seed: u64,
    suite: u8,
    cookies: bool,
    small_mtu: bool,
    two_clients: bool,
    messages: u8,
    /// Per-mille probabilities, kept small.
    loss: u8,
    duplicate: u8,
    replay: u8,
    corrupt: u8,
    jitter_ms: u8,
    partition: Option<(u16, u16, u8)>,
    faults: Vec<FaultChoice>,
}

fn name(i: u8) -> &'static str {
    MESSAGE_NAMES[usize::from(i) % MESSAGE_NAMES.len()]
}

fn fault(c: FaultChoice) -> Fault {
    match c {
        FaultChoice::Drop { flight, index } => Fault::DropFlightDatagram {
            flight: u32::from(flight % 8) + 1,
            index: u32::from(index % 4) + 1,
        },
        FaultChoice::DropRepeated { flight, index, times } => Fault::DropRepeated {
            flight: u32::from(flight % 8) + 1,
            index: u32::from(index % 4) + 1,
            times: u32::from(times % 6) + 1,
        },
        FaultChoice::DropMessage { name: n, times } => Fault::DropMessage {
            name: name(n),
            times: u32::from(times % 6) + 1,
        },
        FaultChoice::DropEpoch { epoch, times } => Fault::DropEpoch {
            epoch: u16::from(epoch),
            times: u32::from(times % 6) + 1,
        },
        FaultChoice::DelayMessage { name: n, ms } => Fault::DelayMessage {
            name: name(n),
            ms: u64::from(ms % 5000),
        },
        FaultChoice::HoldMessage { name: n } => Fault::HoldMessage { name: name(n) },
        FaultChoice::FinishedBeforeCcs => Fault::FinishedBeforeCcs,
        FaultChoice::Permute { flight, order } => {
            // Turn arbitrary bytes into a permutation of 0..n by sorting indexes by key.
            let n = order.len().clamp(1, 5);
            let mut idx: Vec<usize> = (0..n).collect();
            idx.sort_by_key(|i| order.get(*i).copied().unwrap_or(0));
            Fault::PermuteFlight {
                flight: u32::from(flight % 8) + 1,
                order: idx,
            }
        }
        FaultChoice::StrayClientHello => Fault::StrayClientHello,
        FaultChoice::ReplayedClientHello => Fault::ReplayedClientHello,
        FaultChoice::InjectHugeSequence => Fault::InjectHugeSequence,
        FaultChoice::InjectEpoch0Data => Fault::InjectEpoch0Data,
        FaultChoice::InjectEpoch0DataEarly => Fault::InjectEpoch0DataEarly,
        FaultChoice::AppDataBeforeFinished => Fault::AppDataBeforeFinished,
    }
}

fuzz_target!(|input: Input| {
    // ECDHE runs real P-256 arithmetic; offer it rarely so executions stay fast.
    let suite = match input.suite % 16 {
        0 => SuiteId::ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        1..=5 => SuiteId::PSK_WITH_AES_128_GCM_SHA256,
        6..=9 => SuiteId::PSK_WITH_AES_128_CBC_SHA256,
        _ => SuiteId::PSK_WITH_AES_128_CCM_8,
    };
    let mut spec = RunSpec::perfect();
    spec.seed = input.seed;
    spec.suite = suite;
    spec.cookies = input.cookies;
    spec.mtu = if input.small_mtu { 256 } else { 1200 };
    spec.clients = if input.two_clients { 2 } else { 1 };
    spec.messages = u32::from(input.messages % 4);
    spec.link.loss = f64::from(input.loss % 100) / 1000.0;
    spec.link.duplicate = f64::from(input.duplicate % 100) / 1000.0;
    spec.link.replay = f64::from(input.replay % 100) / 1000.0;
    spec.link.corrupt = f64::from(input.corrupt % 100) / 1000.0;
    spec.link.jitter_ms = u64::from(input.jitter_ms % 64);
    if let Some((from, len, dir)) = input.partition {
        let from_ms = u64::from(from % 20_000);
        let dir = match dir % 3 {
            0 => Direction::Both,
            1 => Direction::Up,
            _ => Direction::Down,
        };
        spec.partitions.push((
            Partition {
                from_ms,
                to_ms: from_ms + u64::from(len % 20_000),
            },
            dir,
        ));
    }
    spec.faults = input.faults.into_iter().take(6).map(fault).collect();
    spec.time_limit_ms = 300_000;
    let report = dtls_sim::run(&spec);
    if let Some(f) = &report.failure {
        assert!(
            !matches!(f.kind, FailureKind::Violation | FailureKind::Panic),
            "{}: {}\nreplay: {}",
            f.kind,
            f.message,
            spec.command()
        );
    }
});
