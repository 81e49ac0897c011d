//! Targeted faults (TESTING.md section 1): deterministic surgery on chosen datagrams and
//! injections by an attacker, as opposed to the random link model. Each fault has a textual
//! form, used in scenario names and replay commands, that parses back to the same fault.
//!
//! Every targeted fault is interpreted here and nowhere else, through four hooks the world
//! calls for each conversation ([`Hooks`]): at the start of the run, on every datagram a node
//! sends (surgery: [`surgery`]), on every delivery, and on the conversation's events
//! (connected). Hooks answer with [`Action`]s the world carries out; no fault names a DTLS
//! type (a fresh ClientHello comes from the client's own implementation, through the
//! [`FaultContext`]).
//!
//! A "flight" is a maximal run of datagrams from one side before the other side sends;
//! flights and datagrams within a flight are numbered from 1.

use std::fmt;
use std::str::FromStr;

use crate::classify::MESSAGE_NAMES;

mod hooks;
pub mod surgery;

pub use hooks::{Action, ConvEvent, FaultContext, Hooks, Toward};
pub use surgery::{FaultState, Out, Position, Verdict};

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
    /// Every copy of the named handshake message (every retransmission, both sides) has its
    /// last byte flipped (`tamper:NAME`). Whatever the receiver makes of it, that handshake
    /// must not complete: every handshake message is in the Finished transcript (RFC 5246
    /// 7.4.9), HelloVerifyRequest carries the cookie, and an encrypted Finished fails its MAC.
    Tamper {
        /// Message name: a handshake message (not ChangeCipherSpec, Alert or data).
        name: &'static str,
    },
    /// Before any ClientHello, a cleartext ChangeCipherSpec reaches the server and the client
    /// (`inject-early-ccs`): ignored or fatal, never a crash (TESTING.md 3, record layer).
    InjectEarlyCcs,
    /// Before the handshake, records with epoch 0xFFFF and garbage bodies reach both sides
    /// (`inject-early-high-epoch`): they must not poison later legitimate records.
    InjectEarlyHighEpoch,
    /// Once the client has received the server's final flight (ChangeCipherSpec, Finished),
    /// the same datagrams arrive again a little later (`repeat-final-flight`): a
    /// retransmitted final flight is not a new handshake and must not break the connection.
    RepeatFinalFlight,
    /// Forged records of the next epoch (garbage bodies) reach each side while it waits for
    /// its peer's ChangeCipherSpec and Finished (`inject-next-epoch-early`): they fail to
    /// authenticate and must be discarded like any invalid record (RFC 6347 4.1.2.7), not
    /// end the handshake.
    InjectNextEpochEarly,
}

/// Messages [`Fault::Tamper`] may target: the ones every handshake transcript covers, and
/// HelloVerifyRequest (its cookie).
pub const TAMPERABLE: &[&str] = &[
    "ClientHello",
    "HelloVerifyRequest",
    "ServerHello",
    "Certificate",
    "ServerKeyExchange",
    "ServerHelloDone",
    "ClientKeyExchange",
    "Finished",
];

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
            "tamper" => {
                let name = message_name(arg(0).ok_or("tamper:NAME needs a name")?)?;
                if !TAMPERABLE.contains(&name) {
                    return Err(format!(
                        "tamper:{name}: only handshake messages can be tampered ({})",
                        TAMPERABLE.join(", ")
                    ));
                }
                Fault::Tamper { name }
            }
            "inject-early-ccs" => Fault::InjectEarlyCcs,
            "inject-early-high-epoch" => Fault::InjectEarlyHighEpoch,
            "repeat-final-flight" => Fault::RepeatFinalFlight,
            "inject-next-epoch-early" => Fault::InjectNextEpochEarly,
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
            Fault::Tamper { name } => write!(f, "tamper:{name}"),
            Fault::InjectEarlyCcs => f.write_str("inject-early-ccs"),
            Fault::InjectEarlyHighEpoch => f.write_str("inject-early-high-epoch"),
            Fault::RepeatFinalFlight => f.write_str("repeat-final-flight"),
            Fault::InjectNextEpochEarly => f.write_str("inject-next-epoch-early"),
        }
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
            "tamper:ServerHello",
            "inject-early-ccs",
            "inject-early-high-epoch",
            "repeat-final-flight",
            "inject-next-epoch-early",
        ] {
            let f: Fault = s.parse().unwrap();
            assert_eq!(f.to_string(), s);
        }
        assert!("perm:1:0,0".parse::<Fault>().is_err());
        assert!("drop-flight:0.1".parse::<Fault>().is_err());
        assert!("tamper:ChangeCipherSpec".parse::<Fault>().is_err());
        assert_eq!(
            "delay-ccs:50".parse::<Fault>().unwrap().to_string(),
            "delay-message:ChangeCipherSpec:50"
        );
    }
}
