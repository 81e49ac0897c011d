//! Exhaustive explorers: every single-datagram drop position in a handshake, every
//! permutation of each flight, each datagram dropped up to three times, and every handshake
//! message tampered with. Cases are derived from the fault-free run of the same spec,
//! enumerated in a fixed order, and each is a named targeted fault, so any case replays with
//! `--scenario NAME`.

use crate::faults::{Fault, TAMPERABLE};
use crate::scenario::RunSpec;
use crate::sim::{self, FlightInfo};

/// Datagrams of a flight that the permutation explorer reorders (6! = 720 orders at most).
pub const MAX_PERMUTED: usize = 6;

/// An exhaustive family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Every single-datagram drop position.
    Drops,
    /// Every permutation of each multi-datagram flight.
    Permutations,
    /// Each datagram dropped twice and three times (once is [`Family::Drops`]).
    RepeatedDrops,
    /// Each handshake message of the run tampered with in every copy: the handshake must be
    /// rejected, never completed.
    Tampering,
}

impl Family {
    /// All families, in order.
    pub const ALL: [Family; 4] = [
        Family::Drops,
        Family::Permutations,
        Family::RepeatedDrops,
        Family::Tampering,
    ];

    /// The scenario name of the family.
    pub fn name(self) -> &'static str {
        match self {
            Family::Drops => "exhaustive-drop",
            Family::Permutations => "exhaustive-permute",
            Family::RepeatedDrops => "exhaustive-drop3",
            Family::Tampering => "exhaustive-tamper",
        }
    }

    /// The family with this scenario name (`exhaustive` means all of them).
    pub fn parse(name: &str) -> Option<Vec<Family>> {
        if name == "exhaustive" {
            return Some(Family::ALL.to_vec());
        }
        Family::ALL.iter().find(|f| f.name() == name).map(|f| vec![*f])
    }
}

/// What the explorers enumerate: the handshake flights of the fault-free run and the
/// handshake messages it carried.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanRun {
    /// The handshake flights, in order.
    pub flights: Vec<FlightInfo>,
    /// The handshake messages, by name.
    pub messages: Vec<&'static str>,
}

/// The handshake flights of the fault-free run of `spec` (same settings, perfect link).
pub fn clean_flights(spec: &RunSpec) -> Result<Vec<FlightInfo>, String> {
    Ok(clean_run(spec)?.flights)
}

/// The fault-free run of `spec` (same settings, perfect link), as the explorers see it.
pub fn clean_run(spec: &RunSpec) -> Result<CleanRun, String> {
    let mut clean = spec.clone();
    clean.link = crate::link::LinkProfile::perfect(spec.link.latency_ms);
    clean.partitions.clear();
    clean.faults.clear();
    clean.trace = false;
    clean.capture = false;
    clean.clients = 1;
    let r = sim::run(&clean);
    if let Some(f) = r.failure {
        return Err(format!("the fault-free run fails ({}): {}", f.kind, f.message));
    }
    Ok(CleanRun {
        flights: r.flights.into_iter().take_while(|f| f.handshake).collect(),
        messages: r.handshake_messages,
    })
}

/// All permutations of `0..n` except the identity, in lexicographic order.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut p: Vec<usize> = (0..n).collect();
    // Next lexicographic permutation, until the last one.
    while let Some(i) = (1..n).rev().find(|&i| p[i - 1] < p[i]) {
        let j = (i..n).rev().find(|&j| p[j] > p[i - 1]).unwrap_or(i);
        p.swap(i - 1, j);
        p[i..].reverse();
        out.push(p.clone());
    }
    out
}

/// The cases of `family` for a run shaped like `clean`.
pub fn cases(family: Family, clean: &CleanRun) -> Vec<Fault> {
    let mut out = Vec::new();
    if family == Family::Tampering {
        // In handshake order, as TAMPERABLE lists them.
        return TAMPERABLE
            .iter()
            .filter(|n| clean.messages.contains(n))
            .map(|name| Fault::Tamper { name })
            .collect();
    }
    for (f, info) in clean.flights.iter().enumerate() {
        let flight = f as u32 + 1;
        match family {
            Family::Drops => {
                out.extend((1..=info.datagrams).map(|index| Fault::DropFlightDatagram { flight, index }));
            }
            Family::RepeatedDrops => {
                for index in 1..=info.datagrams {
                    out.extend((2..=3).map(|times| Fault::DropRepeated { flight, index, times }));
                }
            }
            Family::Permutations => {
                let n = (info.datagrams as usize).min(MAX_PERMUTED);
                out.extend(
                    permutations(n)
                        .into_iter()
                        .map(|order| Fault::PermuteFlight { flight, order }),
                );
            }
            Family::Tampering => {}
        }
    }
    out
}

/// Every case of the given families for `spec`, as runnable specs (the base spec's link and
/// faults are replaced: each case runs alone on a perfect link).
pub fn case_specs(spec: &RunSpec, families: &[Family]) -> Result<Vec<RunSpec>, String> {
    let clean = clean_run(spec)?;
    let mut out = Vec::new();
    for fam in families {
        for fault in cases(*fam, &clean) {
            let mut s = spec.clone();
            s.link = crate::link::LinkProfile::perfect(spec.link.latency_ms);
            s.partitions.clear();
            s.faults = vec![fault];
            out.push(s);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_are_complete_and_exclude_identity() {
        assert_eq!(permutations(1).len(), 0);
        assert_eq!(
            permutations(3),
            vec![
                vec![0, 2, 1],
                vec![1, 0, 2],
                vec![1, 2, 0],
                vec![2, 0, 1],
                vec![2, 1, 0]
            ]
        );
        assert_eq!(permutations(5).len(), 119);
    }
}
