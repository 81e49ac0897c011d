//! One run, as callers know it: [`run`], [`run_with`] and the report types. The run itself
//! is split by job: [`crate::world`] (nodes, links, clock, event loop), [`crate::workload`]
//! (the application), [`crate::oracle`] (the invariants), [`crate::faults`] (targeted
//! faults) and [`crate::report`] (what a run produced).

pub use crate::report::{Failure, FailureKind, FlightInfo, RunReport, failure_report};
pub use crate::world::{SERVER, pairing_for, run, run_with};
