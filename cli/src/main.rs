//! `dtls`: client and server over real UDP.
fn main() {
    eprintln!("dtls: the command-line client and server are not built yet (see issue 6)");
    std::process::exit(2);
}
