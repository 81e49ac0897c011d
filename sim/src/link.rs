//! The random fault model of one direction of a link: loss (independent and Gilbert-Elliott
//! bursts), latency with jitter, duplication, replay by an on-path attacker, corruption,
//! truncation and extension, an MTU black hole and partitions. All draws come from the
//! direction's own seeded stream, in a fixed order, and only for faults that are enabled.

use std::collections::VecDeque;
use std::fmt;

use crate::rng::SimRng;

/// Two-state burst loss (Gilbert-Elliott): the link moves between a good and a bad state
/// before each datagram and loses it with the state's loss probability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GilbertElliott {
    /// Probability of moving from good to bad, per datagram.
    pub p_enter_bad: f64,
    /// Probability of moving from bad back to good, per datagram.
    pub p_leave_bad: f64,
    /// Loss probability in the bad state (the good state uses the link's independent loss).
    pub loss_in_bad: f64,
}

/// A time window during which a direction carries nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// Start, in ms since the run started.
    pub from_ms: u64,
    /// End (exclusive), in ms since the run started.
    pub to_ms: u64,
}

/// Everything random that can happen to datagrams going one way.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkProfile {
    /// Independent loss probability per datagram.
    pub loss: f64,
    /// Burst loss, if any.
    pub burst: Option<GilbertElliott>,
    /// Fixed one-way latency in ms.
    pub latency_ms: u64,
    /// Extra uniform delay in `0..=jitter_ms`; larger than the spacing of datagrams, it
    /// reorders them.
    pub jitter_ms: u64,
    /// Probability that a datagram is delivered twice (the copy has its own delay).
    pub duplicate: f64,
    /// Probability, per datagram sent, that an attacker re-injects an earlier datagram of this
    /// direction (any epoch) at a random later time.
    pub replay: f64,
    /// Probability of flipping 1 to 3 random bits.
    pub corrupt: f64,
    /// Probability of cutting the datagram short at a random length.
    pub truncate: f64,
    /// Probability of appending 1 to 16 random bytes.
    pub extend: f64,
    /// Datagrams larger than this are silently dropped (a path-MTU black hole).
    pub mtu_black_hole: Option<usize>,
    /// Windows during which this direction drops everything.
    pub partitions: Vec<Partition>,
    /// Probability that a datagram is coalesced with the previous one sent at the same instant
    /// to the same destination (several DTLS records in one UDP datagram).
    pub pack: f64,
}

impl LinkProfile {
    /// A perfect link with the given latency.
    pub fn perfect(latency_ms: u64) -> Self {
        LinkProfile {
            loss: 0.0,
            burst: None,
            latency_ms,
            jitter_ms: 0,
            duplicate: 0.0,
            replay: 0.0,
            corrupt: 0.0,
            truncate: 0.0,
            extend: 0.0,
            mtu_black_hole: None,
            partitions: Vec::new(),
            pack: 0.0,
        }
    }
}

impl Default for LinkProfile {
    fn default() -> Self {
        LinkProfile::perfect(20)
    }
}

/// Why the link lost a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DropReason {
    /// Independent loss.
    Loss,
    /// Gilbert-Elliott bad state.
    Burst,
    /// Larger than the black-hole MTU.
    Mtu,
    /// Inside a partition window.
    Partition,
    /// A targeted fault of the scenario.
    Targeted,
}

impl DropReason {
    /// Every reason, in report order.
    pub const ALL: [DropReason; 5] = [
        DropReason::Loss,
        DropReason::Burst,
        DropReason::Mtu,
        DropReason::Partition,
        DropReason::Targeted,
    ];

    /// Index into per-reason counter arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropReason::Loss => "loss",
            DropReason::Burst => "burst",
            DropReason::Mtu => "mtu",
            DropReason::Partition => "partition",
            DropReason::Targeted => "targeted",
        })
    }
}

/// How a copy of a datagram came to be on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The datagram as sent (possibly damaged).
    Original,
    /// An extra copy made by the network.
    Duplicate,
    /// An earlier datagram re-injected by the attacker.
    Replay,
}

/// One delivery the link decided on.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Delay from now, in ms.
    pub delay_ms: u64,
    /// The bytes that will arrive.
    pub bytes: Vec<u8>,
    /// What kind of copy it is.
    pub origin: Origin,
    /// Description of damage done, if any (`corrupt`, `truncate`, `extend`).
    pub damage: Option<&'static str>,
}

/// One direction of a link, with its state.
#[derive(Debug, Clone)]
pub struct Link {
    profile: LinkProfile,
    rng: SimRng,
    in_bad_state: bool,
    /// Recent datagrams of this direction, for the replay attacker.
    history: VecDeque<Vec<u8>>,
}

/// Datagrams remembered for replay: enough to reach back over a whole handshake.
const REPLAY_HISTORY: usize = 32;
/// Longest extra delay of a replayed datagram, in ms.
const REPLAY_MAX_DELAY_MS: u64 = 3000;

impl Link {
    /// A link direction drawing from `rng`.
    pub fn new(profile: LinkProfile, rng: SimRng) -> Self {
        Link {
            profile,
            rng,
            in_bad_state: false,
            history: VecDeque::new(),
        }
    }

    /// The profile.
    pub fn profile(&self) -> &LinkProfile {
        &self.profile
    }

    /// Whether to coalesce the next datagram with the previous one (see [`LinkProfile::pack`]).
    pub fn pack_next(&mut self) -> bool {
        self.rng.chance(self.profile.pack)
    }

    /// Decides the fate of a datagram sent at `elapsed_ms` into the run: dropped (with the
    /// reason) or delivered as one or more copies.
    pub fn transmit(&mut self, elapsed_ms: u64, bytes: &[u8]) -> Result<Vec<Delivery>, DropReason> {
        let p = &self.profile;
        if p.partitions
            .iter()
            .any(|w| (w.from_ms..w.to_ms).contains(&elapsed_ms))
        {
            return Err(DropReason::Partition);
        }
        if p.mtu_black_hole.is_some_and(|m| bytes.len() > m) {
            return Err(DropReason::Mtu);
        }
        let mut out = Vec::new();
        // The attacker's pick is made before the fate of this datagram so that replay
        // decisions do not depend on loss.
        if self.rng.chance(p.replay) && !self.history.is_empty() {
            let i = self.rng.upto(self.history.len() as u64 - 1) as usize;
            let delay = p.latency_ms + self.rng.upto(REPLAY_MAX_DELAY_MS);
            if let Some(old) = self.history.get(i) {
                out.push(Delivery {
                    delay_ms: delay,
                    bytes: old.clone(),
                    origin: Origin::Replay,
                    damage: None,
                });
            }
        }
        if p.replay > 0.0 {
            if self.history.len() == REPLAY_HISTORY {
                self.history.pop_front();
            }
            self.history.push_back(bytes.to_vec());
        }
        if let Some(ge) = p.burst {
            let flip = if self.in_bad_state {
                ge.p_leave_bad
            } else {
                ge.p_enter_bad
            };
            if self.rng.chance(flip) {
                self.in_bad_state = !self.in_bad_state;
            }
            if self.in_bad_state && self.rng.chance(ge.loss_in_bad) {
                return if out.is_empty() {
                    Err(DropReason::Burst)
                } else {
                    Ok(out)
                };
            }
        }
        if self.rng.chance(p.loss) {
            return if out.is_empty() {
                Err(DropReason::Loss)
            } else {
                Ok(out)
            };
        }
        let mut data = bytes.to_vec();
        let mut damage = None;
        if self.rng.chance(p.corrupt) && !data.is_empty() {
            let flips = 1 + self.rng.upto(2);
            for _ in 0..flips {
                let bit = self.rng.upto(data.len() as u64 * 8 - 1);
                data[(bit / 8) as usize] ^= 1 << (bit % 8);
            }
            damage = Some("corrupt");
        }
        if self.rng.chance(p.truncate) && !data.is_empty() {
            let keep = self.rng.upto(data.len() as u64 - 1) as usize;
            data.truncate(keep);
            damage = Some("truncate");
        }
        if self.rng.chance(p.extend) {
            let n = 1 + self.rng.upto(15) as usize;
            let mut extra = vec![0u8; n];
            self.rng.fill(&mut extra);
            data.extend_from_slice(&extra);
            damage = Some("extend");
        }
        let delay = p.latency_ms + self.rng.upto(p.jitter_ms);
        let dup = self.rng.chance(p.duplicate);
        if dup {
            let d2 = p.latency_ms + self.rng.upto(p.jitter_ms);
            out.push(Delivery {
                delay_ms: d2,
                bytes: data.clone(),
                origin: Origin::Duplicate,
                damage,
            });
        }
        out.insert(
            0,
            Delivery {
                delay_ms: delay,
                bytes: data,
                origin: Origin::Original,
                damage,
            },
        );
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_rate_is_roughly_right_and_reproducible() {
        let profile = LinkProfile {
            loss: 0.3,
            ..LinkProfile::perfect(10)
        };
        let run = || {
            let mut l = Link::new(profile.clone(), SimRng::new(1, "t"));
            (0..10_000).filter(|_| l.transmit(0, b"x").is_err()).count()
        };
        let lost = run();
        assert_eq!(lost, run());
        assert!((2700..3300).contains(&lost), "{lost}");
    }

    #[test]
    fn partitions_and_black_holes_drop_with_their_reason() {
        let profile = LinkProfile {
            partitions: vec![Partition {
                from_ms: 100,
                to_ms: 200,
            }],
            mtu_black_hole: Some(4),
            ..LinkProfile::perfect(10)
        };
        let mut l = Link::new(profile, SimRng::new(1, "t"));
        assert_eq!(l.transmit(150, b"x").unwrap_err(), DropReason::Partition);
        assert_eq!(l.transmit(250, b"xxxxx").unwrap_err(), DropReason::Mtu);
        assert_eq!(l.transmit(250, b"xxxx").unwrap()[0].delay_ms, 10);
    }
}
