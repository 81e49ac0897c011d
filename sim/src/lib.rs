//! A deterministic discrete-event network simulator for DTLS, and the engine behind the
//! `dtls-sim` command.
//!
//! A run ([`scenario::RunSpec`]) is fully determined by its seed, its settings and its fault
//! profile: the engines draw their randomness from ChaCha20 streams derived from the seed,
//! every link direction has its own stream, and time is virtual. Modules:
//!
//! - [`implementation`]: the framework seam: [`implementation::EndpointSpec`], the
//!   [`implementation::Implementation`] factory trait and the registry;
//! - [`endpoint`]: the [`endpoint::Endpoint`] trait every implementation's endpoints offer;
//! - [`ours`]: our engine behind that seam; [`peers`]: other implementations' adapters;
//! - [`world`]: one run's nodes, links, virtual clock and event loop;
//! - [`workload`]: the application on top (handshake, echo, close);
//! - [`oracle`]: the invariants every run checks, for any implementation;
//! - [`report`]: what a run produced, its verdict and failure report; [`sim`] re-exports
//!   the entry points;
//! - [`queue`]: the virtual clock's event queue;
//! - [`link`]: the random fault model of a link direction;
//! - [`faults`]: targeted faults (drop, delay, reorder, tamper, inject) and their hooks;
//! - [`classify`]: reading datagrams as an observer (record headers, message names);
//! - [`hostile`]: a scripted hostile DTLS peer; [`scenarios`]: the named scenarios (bug
//!   patterns included) any pairing can run;
//! - [`scenario`]: what a run is, and its replay command;
//! - [`explore`]: exhaustive enumeration of drops, permutations and tampering;
//! - [`expected`]: the one list of scenarios known to fail against our engine, and why;
//! - [`sweep`]: many seeds in parallel, and their summary table;
//! - [`matrix`]: every scenario x pairing x suite, rendered for `conformance/README.md`;
//! - [`trace`], [`pcap`]: the run trace and its Wireshark export;
//! - [`rng`]: seeded random streams.

pub mod classify;
pub mod endpoint;
pub mod expected;
pub mod explore;
pub mod faults;
pub mod hostile;
pub mod implementation;
pub mod link;
pub mod matrix;
pub mod oracle;
pub mod ours;
pub mod pcap;
pub mod peers;
pub mod queue;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod scenarios;
pub mod sim;
pub mod sweep;
pub mod trace;
pub mod workload;
pub mod world;

pub use scenario::RunSpec;
pub use sim::{RunReport, run, run_with};
