//! `dtls-sim`: runs DTLS endpoints over a deterministic simulated network.
fn main() {
    eprintln!("dtls-sim: the simulator is not built yet (see issue 4)");
    std::process::exit(2);
}
