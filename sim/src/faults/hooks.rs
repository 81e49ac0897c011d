//! The four places targeted faults act on one conversation (a client and the server): at the
//! start of the run, on each datagram sent, on each delivery and on the conversation's
//! events. Each hook answers with [`Action`]s for the world to carry out.

use crate::classify;
use crate::rng::SimRng;

use super::Fault;
use super::surgery::{FaultState, Out, Position, Verdict};

/// Which side of the conversation an injected datagram reaches (it appears to come from the
/// other side's address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toward {
    /// The server, from the client's address.
    Server,
    /// The client, from the server's address.
    Client,
}

/// What happened in a conversation, as the fault hooks hear of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvEvent {
    /// The server reported the handshake complete.
    ServerConnected,
    /// Both sides have now reported the handshake complete.
    BothConnected,
}

/// What a hook asks the world to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Deliver `bytes` to one side one link latency plus `extra_delay_ms` from now.
    Inject {
        /// The receiving side.
        toward: Toward,
        /// The datagram.
        bytes: Vec<u8>,
        /// Whether it can never authenticate (accepting a record of it is a forgery).
        must_reject: bool,
        /// What it is, for the trace.
        what: &'static str,
        /// Delay beyond the link latency.
        extra_delay_ms: u64,
    },
    /// The server's application sends the client a greeting now.
    Greet,
}

/// What the world offers the hooks.
pub trait FaultContext {
    /// The run seed.
    fn seed(&self) -> u64;
    /// The first datagram of a fresh client of the client side's implementation, whose
    /// randomness is the stream `label` of the run seed (a restarted client).
    fn fresh_client_hello(&mut self, label: &str) -> Option<Vec<u8>>;
}

/// The targeted faults of one conversation and their running state.
#[derive(Debug, Clone, Default)]
pub struct Hooks {
    faults: Vec<Fault>,
    surgery: FaultState,
    /// The client's first datagram as sent, for the replayed-ClientHello fault.
    first_client_datagram: Option<Vec<u8>>,
    injected_after_connect: bool,
    repeated_final_flight: bool,
    /// Which sides already got their forged next-epoch records.
    next_epoch_injected: [bool; 2],
    tampered: bool,
}

fn inject(toward: Toward, bytes: Vec<u8>, must_reject: bool, what: &'static str) -> Action {
    Action::Inject {
        toward,
        bytes,
        must_reject,
        what,
        extra_delay_ms: 0,
    }
}

/// Cleartext epoch-0 application data both ways (RFC 6347 4.1: application data is only
/// ever protected; an epoch-0 one must never reach the application).
fn epoch0_data(seq: u64) -> Vec<Action> {
    [Toward::Server, Toward::Client]
        .into_iter()
        .map(|t| {
            let r = classify::build_record(23, 0, seq, b"INJECTED cleartext epoch-0 data");
            inject(t, r, false, "cleartext application data")
        })
        .collect()
}

impl Hooks {
    /// Hooks for `faults`.
    pub fn new(faults: Vec<Fault>) -> Self {
        Hooks {
            surgery: FaultState::new(faults.clone()),
            faults,
            ..Hooks::default()
        }
    }

    /// Whether there is no fault at all (the world then skips the hooks).
    pub fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }

    /// Whether a fault of exactly this kind is present.
    pub fn has(&self, f: &Fault) -> bool {
        self.faults.contains(f)
    }

    /// Whether a tampered handshake message has been sent in this conversation: from then on
    /// its handshake must not complete.
    pub fn tampered(&self) -> bool {
        self.tampered
    }

    /// Before anything is sent.
    pub fn at_start(&mut self, seed: u64) -> Vec<Action> {
        let mut out = Vec::new();
        for f in &self.faults {
            match f {
                Fault::InjectEpoch0DataEarly => out.extend(epoch0_data(1000)),
                Fault::InjectEarlyCcs => {
                    for t in [Toward::Server, Toward::Client] {
                        let r = classify::build_record(20, 0, 0, &[1]);
                        out.push(inject(t, r, false, "ChangeCipherSpec before any hello"));
                    }
                }
                Fault::InjectEarlyHighEpoch => {
                    let mut garbage = vec![0u8; 48];
                    SimRng::new(seed, "attacker early").fill(&mut garbage);
                    for t in [Toward::Server, Toward::Client] {
                        for ct in [22u8, 23] {
                            let r = classify::build_record(ct, 0xFFFF, 1, &garbage);
                            out.push(inject(t, r, true, "epoch 0xFFFF record before the handshake"));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// A datagram a node of this conversation sends, at `pos`: what goes on to the link.
    pub fn on_send(&mut self, pos: Position, bytes: Vec<u8>) -> Verdict {
        if pos.from_client && self.first_client_datagram.is_none() {
            self.first_client_datagram = Some(bytes.clone());
        }
        let v = self.surgery.on_send(pos, bytes);
        self.tampered |= v.tampered.is_some();
        v
    }

    /// Releases what the surgery still holds at the end of a sender's burst.
    pub fn flush(&mut self) -> Vec<Out> {
        self.surgery.flush()
    }

    /// A datagram is being delivered to one side.
    pub fn on_delivery(&mut self, toward: Toward, bytes: &[u8], seed: u64) -> Vec<Action> {
        let mut out = Vec::new();
        if self.has(&Fault::InjectNextEpochEarly) {
            // The server's flight ends with ServerHelloDone (14): the server now waits for
            // the client's ChangeCipherSpec and Finished. The client's flight carries
            // ClientKeyExchange (16): the client now waits for the server's.
            let shape = classify::shape(bytes);
            let (target, slot) = match toward {
                Toward::Client if shape.has_message(14) => (Some(Toward::Server), 0),
                Toward::Server if shape.has_message(16) => (Some(Toward::Client), 1),
                _ => (None, 0),
            };
            if let Some(t) = target
                && !self.next_epoch_injected[slot]
            {
                self.next_epoch_injected[slot] = true;
                // 96 bytes: long enough for every suite's nonce or IV, MAC or tag and a
                // padding block, so only authentication can reject it.
                let mut garbage = vec![0u8; 96];
                SimRng::new(seed, "attacker next epoch").fill(&mut garbage);
                for (ct, seq) in [(22u8, 0u64), (23, 1)] {
                    out.push(inject(
                        t,
                        classify::build_record(ct, 1, seq, &garbage),
                        true,
                        "forged next-epoch record",
                    ));
                }
            }
        }
        if toward == Toward::Client && !self.repeated_final_flight && self.has(&Fault::RepeatFinalFlight) {
            let recs = classify::records(bytes);
            let final_flight = recs.iter().any(|r| r.name() == "ChangeCipherSpec")
                && recs.iter().any(|r| r.name() == "Finished");
            if final_flight {
                self.repeated_final_flight = true;
                out.push(Action::Inject {
                    toward,
                    bytes: bytes.to_vec(),
                    must_reject: false,
                    what: "the server's final flight again",
                    extra_delay_ms: 50,
                });
            }
        }
        out
    }

    /// Something happened in the conversation.
    pub fn on_event(&mut self, ev: ConvEvent, ctx: &mut dyn FaultContext) -> Vec<Action> {
        let mut out = Vec::new();
        match ev {
            ConvEvent::ServerConnected => {
                if self.has(&Fault::AppDataBeforeFinished) {
                    out.push(Action::Greet);
                }
            }
            ConvEvent::BothConnected => {
                if self.injected_after_connect {
                    return out;
                }
                self.injected_after_connect = true;
                let mut garbage = vec![0u8; 48];
                SimRng::new(ctx.seed(), "attacker").fill(&mut garbage);
                for f in &self.faults {
                    match f {
                        Fault::StrayClientHello => {
                            // A restarted client on the same address (RFC 6347 4.2.8): a fresh
                            // ClientHello with a new random, which nobody will carry on with.
                            if let Some(b) = ctx.fresh_client_hello("stray") {
                                out.push(inject(Toward::Server, b, false, "stray ClientHello"));
                            }
                        }
                        Fault::ReplayedClientHello => {
                            if let Some(b) = self.first_client_datagram.clone() {
                                // Not forged: its record was never accepted by a session (the
                                // cookie exchange is stateless), so only the exactly-once
                                // checks apply.
                                out.push(inject(Toward::Server, b, false, "replayed first ClientHello"));
                            }
                        }
                        Fault::InjectHugeSequence => {
                            let huge = (1u64 << 48) - 2;
                            for t in [Toward::Server, Toward::Client] {
                                for epoch in [1u16, 2] {
                                    for ct in [23u8, 22] {
                                        let r = classify::build_record(ct, epoch, huge, &garbage);
                                        out.push(inject(t, r, true, "huge sequence number, bad MAC"));
                                    }
                                }
                            }
                        }
                        Fault::InjectEpoch0Data => out.extend(epoch0_data(2000)),
                        _ => {}
                    }
                }
            }
        }
        out
    }
}
