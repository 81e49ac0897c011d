//! Every DTLS 1.2 wire structure, each with `parse` and `emit`.
