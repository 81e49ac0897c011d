//! Reproducibility: a run is fully determined by (seed, scenario, fault profile).

use dtls_sim::faults::Fault;
use dtls_sim::link::{GilbertElliott, LinkProfile};
use dtls_sim::{RunSpec, run};

fn traced(spec: RunSpec) -> RunSpec {
    RunSpec {
        trace: true,
        capture: true,
        ..spec
    }
}

/// Every random fault on at once, so that every random stream is exercised.
fn everything() -> RunSpec {
    RunSpec {
        link: LinkProfile {
            loss: 0.1,
            burst: Some(GilbertElliott {
                p_enter_bad: 0.05,
                p_leave_bad: 0.5,
                loss_in_bad: 0.7,
            }),
            jitter_ms: 40,
            duplicate: 0.1,
            replay: 0.05,
            corrupt: 0.03,
            truncate: 0.03,
            extend: 0.03,
            pack: 0.3,
            ..LinkProfile::perfect(15)
        },
        faults: vec![Fault::InjectHugeSequence, Fault::StrayClientHello],
        clients: 2,
        ..RunSpec::default()
    }
}

#[test]
fn the_same_seed_twice_gives_byte_identical_traces_and_captures() {
    for (i, spec) in [RunSpec::default(), everything()].into_iter().enumerate() {
        for seed in [1, 2, 99, 12345] {
            let spec = traced(RunSpec { seed, ..spec.clone() });
            let a = run(&spec);
            let b = run(&spec);
            assert!(!a.trace.is_empty());
            assert_eq!(a.trace, b.trace, "profile {i} seed {seed}");
            assert_eq!(
                dtls_sim::pcap::write(&a.capture),
                dtls_sim::pcap::write(&b.capture)
            );
            assert_eq!(a.verdict(), b.verdict());
        }
    }
}

#[test]
fn different_seeds_give_different_runs() {
    let a = run(&traced(RunSpec {
        seed: 1,
        ..RunSpec::default()
    }));
    let b = run(&traced(RunSpec {
        seed: 2,
        ..RunSpec::default()
    }));
    assert_ne!(a.trace, b.trace);
}

#[test]
fn tracing_does_not_change_the_outcome() {
    for seed in 0..50 {
        let quiet = run(&RunSpec { seed, ..everything() });
        let loud = run(&traced(RunSpec { seed, ..everything() }));
        assert_eq!(quiet.verdict(), loud.verdict(), "seed {seed}");
    }
}

#[test]
fn the_replay_command_names_every_setting() {
    let spec = RunSpec {
        seed: 7,
        mtu: 300,
        cookies: false,
        ..everything()
    };
    let cmd = spec.command();
    for part in [
        "--seed 7",
        "--no-cookie",
        "--mtu 300",
        "--clients 2",
        "--loss 0.1",
        "--burst 0.05,0.5,0.7",
        "--latency 15",
        "--jitter 40",
        "--duplicate 0.1",
        "--replay 0.05",
        "--pack 0.3",
        "--scenario inject-huge-seq",
        "--scenario stray-client-hello",
    ] {
        assert!(cmd.contains(part), "{part} missing from {cmd}");
    }
    assert_eq!(
        RunSpec::default().command(),
        "cargo run --release -p dtls-sim -- --seed 1"
    );
    assert_eq!(
        RunSpec::perfect().command(),
        "cargo run --release -p dtls-sim -- --seed 1 --loss 0"
    );
}

/// The hostile peer draws from the run's seeded streams too: a bug pattern replays byte for
/// byte.
#[test]
fn bug_patterns_replay_byte_for_byte() {
    use dtls_sim::implementation::SuiteId;
    for p in dtls_sim::scenarios::patterns::PATTERNS {
        let suite = [
            SuiteId::PSK_WITH_AES_128_CCM_8,
            SuiteId::ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            SuiteId::PSK_WITH_AES_128_CBC_SHA256,
        ]
        .into_iter()
        .find(|s| dtls_sim::scenarios::applies(p, *s))
        .unwrap();
        let spec = traced(RunSpec {
            suite,
            pattern: Some(p.name.to_string()),
            ..RunSpec::perfect()
        });
        let a = run(&spec);
        let b = run(&spec);
        assert!(!a.trace.is_empty(), "{}", p.name);
        assert_eq!(a.trace, b.trace, "{}", p.name);
        assert_eq!(
            dtls_sim::pcap::write(&a.capture),
            dtls_sim::pcap::write(&b.capture),
            "{}",
            p.name
        );
    }
}
