//! Nothing but the tests in `tests/`: see `Cargo.toml` for why this is its own workspace.
