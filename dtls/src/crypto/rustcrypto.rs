//! Default crypto provider on RustCrypto crates.
