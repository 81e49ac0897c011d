//! Conformance suite (built in later issues).
