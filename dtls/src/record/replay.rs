//! The anti-replay sliding window of RFC 6347 section 4.1.2.6.

/// Number of sequence numbers the window remembers below its right edge (RFC 6347 4.1.2.6
/// requires at least 32 and recommends 64).
// catalogue: RFC6347-4.1.2.6-5, RFC6347-4.1.2.6-6
pub const WINDOW_SIZE: u64 = 64;

/// A 64-entry sliding window over the 48-bit record sequence numbers of one epoch.
///
/// Checking and updating are separate on purpose: a record is checked before it is decrypted
/// and the window moves only after the record authenticates, so a forged record with a huge
/// sequence number cannot push the window forward and make every genuine record look old
/// (RFC 6347 4.1.2.6: "the receive window is updated only if the MAC verification succeeds").
// catalogue: RFC6347-4.1.2.6-1, RFC6347-4.1.2.6-8
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplayWindow {
    /// Highest authenticated sequence number plus one (0 = nothing received yet).
    right_edge: u64,
    /// Bit `i` set means `right_edge - 1 - i` has been received.
    bitmap: u64,
}

/// Where a sequence number falls relative to the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayCheck {
    /// Not seen and not too old: the record may be processed.
    Fresh,
    /// Already received.
    Duplicate,
    /// Left of the window: too old to tell, so it is rejected.
    TooOld,
}

impl ReplayWindow {
    /// An empty window.
    pub const fn new() -> Self {
        ReplayWindow {
            right_edge: 0,
            bitmap: 0,
        }
    }

    /// Highest sequence number accepted so far, if any.
    pub const fn highest(&self) -> Option<u64> {
        self.right_edge.checked_sub(1)
    }

    /// Classifies `seq` without changing the window.
    // catalogue: RFC6347-4.1.2.6-3
    pub const fn check(&self, seq: u64) -> ReplayCheck {
        if seq >= self.right_edge {
            return ReplayCheck::Fresh;
        }
        let back = self.right_edge - 1 - seq;
        if back >= WINDOW_SIZE {
            ReplayCheck::TooOld
        } else if self.bitmap & (1u64 << back) != 0 {
            ReplayCheck::Duplicate
        } else {
            ReplayCheck::Fresh
        }
    }

    /// Records `seq` as received. Call only after the record carrying it authenticated.
    pub fn update(&mut self, seq: u64) {
        if seq >= self.right_edge {
            let shift = seq - self.right_edge + 1;
            self.bitmap = if shift >= WINDOW_SIZE {
                0
            } else {
                self.bitmap << shift
            };
            self.bitmap |= 1;
            self.right_edge = seq.saturating_add(1);
        } else {
            let back = self.right_edge - 1 - seq;
            if back < WINDOW_SIZE {
                self.bitmap |= 1u64 << back;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReplayCheck::*;

    /// A table of (sequence received, expected classification before it is applied).
    /// Each row is applied in order when it is `Fresh`.
    #[test]
    fn vectors_at_inside_below_and_far_below_the_right_edge() {
        let rows: &[(u64, ReplayCheck)] = &[
            (0, Fresh),
            (0, Duplicate),
            (5, Fresh), // jump ahead by 5: 1..=4 stay open
            (3, Fresh), // inside the window, not seen
            (3, Duplicate),
            (5, Duplicate), // at the right edge
            (1, Fresh),
            (63 + 5, Fresh), // exactly 63 ahead of 5: 5 is now the leftmost slot
            (5, Duplicate),
            (4, TooOld), // one below the window
            (2, TooOld),
            (1000, Fresh), // jump larger than 64 clears everything
            (1000 - 63, Fresh),
            (1000 - 64, TooOld),
            (999, Fresh),
            (999, Duplicate),
            ((1 << 48) - 1, Fresh), // the largest 48-bit sequence number
            ((1 << 48) - 2, Fresh),
            (1000, TooOld),
        ];
        let mut w = ReplayWindow::new();
        for (i, &(seq, expect)) in rows.iter().enumerate() {
            assert_eq!(w.check(seq), expect, "row {i}: seq {seq}");
            if expect == Fresh {
                w.update(seq);
                assert_eq!(w.check(seq), Duplicate, "row {i}: seq {seq} after update");
            }
        }
    }

    #[test]
    fn checking_alone_never_moves_the_window() {
        let mut w = ReplayWindow::new();
        w.update(10);
        let before = w;
        // A forged record with a huge sequence number is checked (Fresh) but never applied
        // because it fails authentication.
        assert_eq!(w.check(1 << 40), Fresh);
        assert_eq!(w, before);
        assert_eq!(w.check(9), Fresh);
    }

    #[test]
    fn jump_of_exactly_sixty_four_forgets_the_old_edge() {
        let mut w = ReplayWindow::new();
        w.update(0);
        w.update(64);
        assert_eq!(w.check(0), TooOld);
        assert_eq!(w.check(1), Fresh);
        assert_eq!(w.highest(), Some(64));
    }
}
