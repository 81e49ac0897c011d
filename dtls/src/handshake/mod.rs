//! The handshake layer's building blocks: the bounds it enforces, reassembly of incoming
//! fragments, fragmentation and packing of outgoing flights, the retransmission timer and the
//! stateless cookie gate (RFC 6347 4.2).
//!
//! Each block takes plain numbers and byte slices, so it can be tested on its own and does not
//! depend on the wire structs; the client and server state machines wire them together.

pub mod cookie;
pub mod fragment;
pub mod limits;
pub mod reassembly;
pub mod timer;

pub use cookie::{ClientHelloBinding, CookieError, CookieGate, CookieVerified};
pub use fragment::{DatagramPlan, FlightItem, ItemContent, PlanError, RecordPlan, plan_flight};
pub use limits::Limits;
pub use reassembly::{Fragment, HandshakeMessage, Reassembler, ReassemblyStats, Received};
pub use timer::{FlightTimer, TimerOutcome};
