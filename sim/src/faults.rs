//! Targeted faults (TESTING.md section 1): deterministic surgery on chosen datagrams, as
//! opposed to the random link model. Each fault has a textual form, used in scenario names
//! and replay commands, that parses back to the same fault.
//!
//! A "flight" is a maximal run of datagrams from one side before the other side sends;
//! flights and datagrams within a flight are numbered from 1.

use std::fmt;
use std::str::FromStr;

use crate::classify::{self, MESSAGE_NAMES};

/// One targeted fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Drop the `index`-th datagram of flight `flight` (`drop-flight:F.K`).
    DropFlightDatagram {
        /// Flight number.
        flight: u32,
        /// Datagram within the flight.
        index: u32,
    },
    /// Drop the `index`-th datagram of flight `flight` and its next retransmissions, `times`
    /// in all (`dropn:F.K:N`).
    DropRepeated {
        /// Flight number.
        flight: u32,
        /// Datagram within the flight.
        index: u32,
        /// How many copies to drop in total.
        times: u32,
    },
    /// Remove the records of a named message from the first `times` datagrams carrying it
    /// (`drop-message:NAME:N`).
    DropMessage {
        /// Message name (see [`MESSAGE_NAMES`]).
        name: &'static str,
        /// How many times.
        times: u32,
    },
    /// Remove the records of `epoch` from the first `times` datagrams carrying them
    /// (`drop-epoch:E:N`).
    DropEpoch {
        /// The epoch.
        epoch: u16,
        /// How many times.
        times: u32,
    },
    /// Always send a named message's records as a separate datagram `ms` later
    /// (`delay-message:NAME:MS`; `delay-ccs:MS` for ChangeCipherSpec).
    DelayMessage {
        /// Message name.
        name: &'static str,
        /// Extra delay in ms.
        ms: u64,
    },
    /// Hold a datagram carrying the named message until the same side's next datagram has
    /// gone (`hold-message:NAME`).
    HoldMessage {
        /// Message name.
        name: &'static str,
    },
    /// Put the Finished record before the ChangeCipherSpec that precedes it
    /// (`finished-before-ccs`).
    FinishedBeforeCcs,
    /// Deliver the first datagrams of flight `flight` in the given order (`perm:F:2,0,1`).
    PermuteFlight {
        /// Flight number.
        flight: u32,
        /// A permutation of `0..n`.
        order: Vec<usize>,
    },
    /// Once connected, the client's address sends a fresh ClientHello (a restarted client,
    /// RFC 6347 4.2.8) that never completes (`stray-client-hello`).
    StrayClientHello,
    /// Once connected, the client's very first datagram is replayed (`replayed-client-hello`).
    ReplayedClientHello,
    /// Once connected, records of the current and the next epoch with huge sequence numbers
    /// and garbage bodies are injected both ways (`inject-huge-seq`).
    InjectHugeSequence,
    /// Cleartext epoch-0 application data is injected both ways once connected
    /// (`inject-epoch0-data`).
    InjectEpoch0Data,
    /// Cleartext epoch-0 application data with a large sequence number is injected both ways
    /// before the handshake (`inject-epoch0-data-early`).
    InjectEpoch0DataEarly,
    /// The server greets first and its greeting overtakes its Finished
    /// (`appdata-before-finished`).
    AppDataBeforeFinished,
}

fn message_name(s: &str) -> Result<&'static str, String> {
    MESSAGE_NAMES
        .iter()
        .find(|n| n.eq_ignore_ascii_case(s))
        .copied()
        .ok_or_else(|| {
            format!(
                "unknown message name {s:?}; expected one of {}",
                MESSAGE_NAMES.join(", ")
            )
        })
}

fn num<T: FromStr>(s: &str, what: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("{what}: {s:?} is not a number"))
}

fn flight_index(s: &str) -> Result<(u32, u32), String> {
    let (f, k) = s
        .split_once('.')
        .ok_or_else(|| format!("expected FLIGHT.INDEX, got {s:?}"))?;
    let (f, k) = (num(f, "flight")?, num(k, "datagram index")?);
    if f == 0 || k == 0 {
        return Err("flights and datagrams are numbered from 1".into());
    }
    Ok((f, k))
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.split(':');
        let head = parts.next().unwrap_or_default();
        let args: Vec<&str> = parts.collect();
        let arg = |i: usize| args.get(i).copied();
        let fault = match head {
            "drop-flight" => {
                let (flight, index) = flight_index(arg(0).ok_or("drop-flight:F.K needs F.K")?)?;
                Fault::DropFlightDatagram { flight, index }
            }
            "dropn" => {
                let (flight, index) = flight_index(arg(0).ok_or("dropn:F.K:N needs F.K")?)?;
                let times = num(arg(1).ok_or("dropn:F.K:N needs N")?, "times")?;
                Fault::DropRepeated { flight, index, times }
            }
            "drop-message" => Fault::DropMessage {
                name: message_name(arg(0).ok_or("drop-message:NAME[:N] needs a name")?)?,
                times: arg(1).map_or(Ok(1), |n| num(n, "times"))?,
            },
            "drop-epoch" => Fault::DropEpoch {
                epoch: num(arg(0).ok_or("drop-epoch:E[:N] needs an epoch")?, "epoch")?,
                times: arg(1).map_or(Ok(1), |n| num(n, "times"))?,
            },
            "delay-message" => Fault::DelayMessage {
                name: message_name(arg(0).ok_or("delay-message:NAME[:MS] needs a name")?)?,
                ms: arg(1).map_or(Ok(300), |n| num(n, "delay"))?,
            },
            "delay-ccs" => Fault::DelayMessage {
                name: "ChangeCipherSpec",
                ms: arg(0).map_or(Ok(300), |n| num(n, "delay"))?,
            },
            "hold-message" => Fault::HoldMessage {
                name: message_name(arg(0).ok_or("hold-message:NAME needs a name")?)?,
            },
            "finished-before-ccs" => Fault::FinishedBeforeCcs,
            "perm" => {
                let flight = num(arg(0).ok_or("perm:F:ORDER needs F")?, "flight")?;
                let order: Vec<usize> = arg(1)
                    .ok_or("perm:F:ORDER needs an order like 2,0,1")?
                    .split(',')
                    .map(|x| num(x, "position"))
                    .collect::<Result<_, _>>()?;
                let mut sorted = order.clone();
                sorted.sort_unstable();
                if sorted != (0..order.len()).collect::<Vec<_>>() {
                    return Err(format!(
                        "{s:?}: the order must be a permutation of 0..{}",
                        order.len()
                    ));
                }
                Fault::PermuteFlight { flight, order }
            }
            "stray-client-hello" => Fault::StrayClientHello,
            "replayed-client-hello" => Fault::ReplayedClientHello,
            "inject-huge-seq" => Fault::InjectHugeSequence,
            "inject-epoch0-data" => Fault::InjectEpoch0Data,
            "inject-epoch0-data-early" => Fault::InjectEpoch0DataEarly,
            "appdata-before-finished" => Fault::AppDataBeforeFinished,
            _ => return Err(format!("unknown scenario or fault {s:?} (see --list-scenarios)")),
        };
        Ok(fault)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::DropFlightDatagram { flight, index } => write!(f, "drop-flight:{flight}.{index}"),
            Fault::DropRepeated { flight, index, times } => write!(f, "dropn:{flight}.{index}:{times}"),
            Fault::DropMessage { name, times } => write!(f, "drop-message:{name}:{times}"),
            Fault::DropEpoch { epoch, times } => write!(f, "drop-epoch:{epoch}:{times}"),
            Fault::DelayMessage { name, ms } => write!(f, "delay-message:{name}:{ms}"),
            Fault::HoldMessage { name } => write!(f, "hold-message:{name}"),
            Fault::FinishedBeforeCcs => f.write_str("finished-before-ccs"),
            Fault::PermuteFlight { flight, order } => {
                let o: Vec<String> = order.iter().map(usize::to_string).collect();
                write!(f, "perm:{flight}:{}", o.join(","))
            }
            Fault::StrayClientHello => f.write_str("stray-client-hello"),
            Fault::ReplayedClientHello => f.write_str("replayed-client-hello"),
            Fault::InjectHugeSequence => f.write_str("inject-huge-seq"),
            Fault::InjectEpoch0Data => f.write_str("inject-epoch0-data"),
            Fault::InjectEpoch0DataEarly => f.write_str("inject-epoch0-data-early"),
            Fault::AppDataBeforeFinished => f.write_str("appdata-before-finished"),
        }
    }
}

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
                self.apply(i, pos, item, &mut next, &mut verdict.dropped);
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

    fn apply(&mut self, i: usize, pos: Position, item: Out, next: &mut Vec<Out>, dropped: &mut Vec<String>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_round_trips_through_its_name() {
        for s in [
            "drop-flight:3.1",
            "dropn:2.1:3",
            "drop-message:Finished:2",
            "drop-epoch:1:1",
            "delay-message:ChangeCipherSpec:300",
            "hold-message:ServerHello",
            "finished-before-ccs",
            "perm:4:2,0,1",
            "stray-client-hello",
            "replayed-client-hello",
            "inject-huge-seq",
            "inject-epoch0-data",
            "inject-epoch0-data-early",
            "appdata-before-finished",
        ] {
            let f: Fault = s.parse().unwrap();
            assert_eq!(f.to_string(), s);
        }
        assert!("perm:1:0,0".parse::<Fault>().is_err());
        assert!("drop-flight:0.1".parse::<Fault>().is_err());
        assert_eq!(
            "delay-ccs:50".parse::<Fault>().unwrap().to_string(),
            "delay-message:ChangeCipherSpec:50"
        );
    }
}
