//! Snapshots of the simulator's output, stored under `snapshots/sim/`: the timeline of the
//! built-in default run, and the loss-rate table. A behaviour change in the engine or the
//! simulator shows up as a diff here.

use dtls_sim::scenario::RunSpec;
use dtls_sim::sweep;

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../../snapshots/sim");
    s.set_prepend_module_to_snapshot(false);
    s
}

#[test]
fn timeline_of_the_default_run() {
    let spec = RunSpec {
        trace: true,
        ..RunSpec::default()
    };
    let r = dtls_sim::run(&spec);
    let mut text = r.trace.join("\n");
    text.push('\n');
    text.push_str(&r.verdict());
    settings().bind(|| insta::assert_snapshot!("default_run_timeline", text));
}

/// 11 loss rates x 1,000 seeds = 11,000 runs; about 2.5 s in release on 2 cores.
#[test]
fn loss_rate_sweep_table() {
    let table = sweep::loss_table(&RunSpec::default(), 1000, sweep::default_threads(), &|_| {}).unwrap();
    settings().bind(|| insta::assert_snapshot!("loss_sweep_psk_ccm8", table));
}
