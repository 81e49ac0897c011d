//! Send-side surgery: what targeted faults do to the datagrams a node sends (drop, split,
//! delay, hold, reorder, permute, tamper), one fault after the other.

use crate::classify;

use super::Fault;

/// Where a datagram sits in the conversation when it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Whether the client sent it.
    pub from_client: bool,
    /// Flight number (from 1).
    pub flight: u32,
    /// Datagram within the flight (from 1).
    pub index: u32,
}

/// A datagram leaving a targeted fault, with any extra delay it was given.
#[derive(Debug, Clone)]
pub struct Out {
    /// Extra delay before the link sees it, in ms.
    pub delay_ms: u64,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// What the fault did, for the trace.
    pub note: Option<String>,
}

/// The running state of the targeted faults of one conversation direction pair.
#[derive(Debug, Clone, Default)]
pub struct FaultState {
    faults: Vec<Fault>,
    /// Per fault: how many times it has fired, and for `DropRepeated` the key of its target.
    fired: Vec<u32>,
    target_key: Vec<Option<u64>>,
    /// Datagrams held by a permutation or a hold, per fault.
    held: Vec<Vec<Vec<u8>>>,
}

/// What the fault stage decided about one datagram.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Datagrams to pass on to the link (zero, one or several).
    pub out: Vec<Out>,
    /// Why something was removed, for the trace.
    pub dropped: Vec<String>,
    /// The handshake message a [`Fault::Tamper`] altered in it, if any.
    pub tampered: Option<&'static str>,
}

impl FaultState {
    /// State for the given faults.
    pub fn new(faults: Vec<Fault>) -> Self {
        let n = faults.len();
        FaultState {
            faults,
            fired: vec![0; n],
            target_key: vec![None; n],
            held: vec![Vec::new(); n],
        }
    }

    /// The faults.
    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }

    /// Applies every send-side fault, in order, to a datagram at `pos`.
    pub fn on_send(&mut self, pos: Position, bytes: Vec<u8>) -> Verdict {
        let mut verdict = Verdict::default();
        let mut items = vec![Out {
            delay_ms: 0,
            bytes,
            note: None,
        }];
        for i in 0..self.faults.len() {
            let mut next = Vec::new();
            for item in items {
                self.apply(i, pos, item, &mut next, &mut verdict);
            }
            items = next;
        }
        verdict.out = items;
        verdict
    }

    /// Releases everything still held at the end of a sender's burst, in held order.
    pub fn flush(&mut self) -> Vec<Out> {
        let mut out = Vec::new();
        for held in &mut self.held {
            for bytes in held.drain(..) {
                out.push(Out {
                    delay_ms: 0,
                    bytes,
                    note: Some("released".into()),
                });
            }
        }
        out
    }

    fn apply(&mut self, i: usize, pos: Position, item: Out, next: &mut Vec<Out>, verdict: &mut Verdict) {
        let dropped = &mut verdict.dropped;
        let fault = self.faults[i].clone();
        match fault {
            Fault::DropFlightDatagram { flight, index } => {
                if pos.flight == flight && pos.index == index && self.fired[i] == 0 {
                    self.fired[i] += 1;
                    dropped.push(format!("{fault}"));
                } else {
                    next.push(item);
                }
            }
            Fault::DropRepeated { flight, index, times } => {
                let key = classify::retransmission_key(&item.bytes);
                if self.target_key[i].is_none() && pos.flight == flight && pos.index == index {
                    self.target_key[i] = Some(key);
                }
                if self.target_key[i] == Some(key) && self.fired[i] < times {
                    self.fired[i] += 1;
                    dropped.push(format!("{fault} (copy {})", self.fired[i]));
                } else {
                    next.push(item);
                }
            }
            Fault::DropMessage { name, times } => {
                let hit = classify::records(&item.bytes).iter().any(|r| r.name() == name);
                if hit && self.fired[i] < times {
                    self.fired[i] += 1;
                    let rest = classify::filter_records(&item.bytes, |r| r.name() != name);
                    dropped.push(format!("{fault} (time {})", self.fired[i]));
                    if !rest.is_empty() {
                        next.push(Out {
                            bytes: rest,
                            note: Some(format!("{name} removed")),
                            ..item
                        });
                    }
                } else {
                    next.push(item);
                }
            }
            Fault::DropEpoch { epoch, times } => {
                let hit = classify::records(&item.bytes).iter().any(|r| r.epoch == epoch);
                if hit && self.fired[i] < times {
                    self.fired[i] += 1;
                    let rest = classify::filter_records(&item.bytes, |r| r.epoch != epoch);
                    dropped.push(format!("{fault} (time {})", self.fired[i]));
                    if !rest.is_empty() {
                        next.push(Out {
                            bytes: rest,
                            note: Some(format!("epoch {epoch} removed")),
                            ..item
                        });
                    }
                } else {
                    next.push(item);
                }
            }
            Fault::DelayMessage { name, ms } => {
                let recs = classify::records(&item.bytes);
                if recs.iter().any(|r| r.name() == name) && recs.len() > 1 {
                    let rest = classify::filter_records(&item.bytes, |r| r.name() != name);
                    let only = classify::filter_records(&item.bytes, |r| r.name() == name);
                    next.push(Out {
                        bytes: rest,
                        note: Some(format!("{name} split off")),
                        ..item.clone()
                    });
                    next.push(Out {
                        delay_ms: item.delay_ms + ms,
                        bytes: only,
                        note: Some(format!("{name} delayed")),
                    });
                } else if recs.iter().any(|r| r.name() == name) {
                    next.push(Out {
                        delay_ms: item.delay_ms + ms,
                        note: Some(format!("{name} delayed")),
                        ..item
                    });
                } else {
                    next.push(item);
                }
            }
            Fault::HoldMessage { .. } | Fault::AppDataBeforeFinished => {
                let name = name_of(&fault);
                // The greeting can only overtake the server's Finished.
                let side_ok = fault != Fault::AppDataBeforeFinished || !pos.from_client;
                let hit = side_ok && classify::records(&item.bytes).iter().any(|r| r.name() == name);
                if hit && self.held[i].is_empty() && self.fired[i] == 0 {
                    self.fired[i] += 1;
                    self.held[i].push(item.bytes);
                } else {
                    next.push(item);
                    for bytes in self.held[i].drain(..) {
                        next.push(Out {
                            delay_ms: 0,
                            bytes,
                            note: Some(format!("held {name} released")),
                        });
                    }
                }
            }
            Fault::FinishedBeforeCcs => {
                let recs = classify::records(&item.bytes);
                let ccs = recs.iter().position(|r| r.name() == "ChangeCipherSpec");
                match ccs {
                    Some(c) if recs.get(c + 1).is_some_and(|r| r.name() == "Finished") => {
                        let mut bytes = Vec::with_capacity(item.bytes.len());
                        for j in 0..recs.len() {
                            let k = if j == c {
                                c + 1
                            } else if j == c + 1 {
                                c
                            } else {
                                j
                            };
                            bytes.extend_from_slice(&item.bytes[recs[k].start..recs[k].end]);
                        }
                        let used = recs.last().map_or(0, |r| r.end);
                        bytes.extend_from_slice(&item.bytes[used..]);
                        next.push(Out {
                            bytes,
                            note: Some("Finished moved before ChangeCipherSpec".into()),
                            ..item
                        });
                    }
                    Some(c) if c + 1 == recs.len() => {
                        // The Finished is in the next datagram: hold the CCS until it has gone.
                        self.held[i].push(item.bytes);
                    }
                    _ => {
                        next.push(item);
                        for bytes in self.held[i].drain(..) {
                            next.push(Out {
                                delay_ms: 0,
                                bytes,
                                note: Some("ChangeCipherSpec released".into()),
                            });
                        }
                    }
                }
            }
            Fault::PermuteFlight { flight, ref order } => {
                if pos.flight == flight && (pos.index as usize) <= order.len() && self.fired[i] == 0 {
                    self.held[i].push(item.bytes);
                    if self.held[i].len() == order.len() {
                        self.fired[i] = 1;
                        let held = std::mem::take(&mut self.held[i]);
                        for &k in order {
                            next.push(Out {
                                delay_ms: 0,
                                bytes: held[k].clone(),
                                note: Some(format!("permuted {fault}")),
                            });
                        }
                    }
                } else {
                    next.push(item);
                }
            }
            Fault::Tamper { name } => {
                let mut bytes = item.bytes.clone();
                let mut hit = false;
                for end in classify::message_ends(&item.bytes, name) {
                    // The last byte of the message's fragment (or of an encrypted Finished's
                    // tag): the same byte of every copy, so retransmissions do not heal it.
                    if let Some(b) = end.checked_sub(1).and_then(|i| bytes.get_mut(i)) {
                        *b ^= 0x01;
                        hit = true;
                    }
                }
                if hit {
                    self.fired[i] += 1;
                    verdict.tampered = Some(name);
                    next.push(Out {
                        bytes,
                        note: Some(format!("{name} tampered")),
                        ..item
                    });
                } else {
                    next.push(item);
                }
            }
            _ => next.push(item),
        }
    }

    /// Whether a fault of this kind is present.
    pub fn has(&self, f: &Fault) -> bool {
        self.faults.contains(f)
    }
}

fn name_of(f: &Fault) -> &'static str {
    match f {
        Fault::HoldMessage { name } => name,
        _ => "Finished",
    }
}
