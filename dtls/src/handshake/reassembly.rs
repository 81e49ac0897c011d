//! Reassembly of incoming handshake fragments into whole messages, delivered strictly in
//! `message_seq` order (RFC 6347 4.2.2).
//!
//! Fragments may arrive in any order, overlap, repeat, or be forged (epoch-0 handshake records
//! are unauthenticated). The [`Reassembler`] keeps at most `1 + max_buffered_messages` messages
//! of at most `max_reassembly_bytes` in total, never allocates for a length it has not checked
//! against [`Limits`], and counts every fragment it discards by reason.
//!
//! Which bytes of a message have arrived is tracked as a short sorted list of disjoint byte
//! ranges rather than a bitmap per byte: the usual case (in-order, or one gap from one lost
//! datagram) needs one or two entries instead of `length / 8` bytes, "complete" is a single
//! comparison, duplicates and overlaps fall out of the merge, and the list is bounded by
//! `max_fragment_ranges`.

use alloc::vec::Vec;

use super::limits::Limits;

/// One incoming handshake fragment, as carried by a handshake record (RFC 6347 4.2.2). The
/// fragment length is `body.len()`; the wire layer has already checked it against the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fragment<'a> {
    /// The handshake message type.
    pub msg_type: u8,
    /// The declared length of the whole message body.
    pub length: u32,
    /// The message's sequence number.
    pub message_seq: u16,
    /// Where this fragment's bytes start in the message body.
    pub fragment_offset: u32,
    /// The fragment's bytes.
    pub body: &'a [u8],
}

/// A complete handshake message, reassembled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandshakeMessage {
    /// The handshake message type.
    pub msg_type: u8,
    /// The message's sequence number.
    pub message_seq: u16,
    /// The whole message body.
    pub body: Vec<u8>,
}

impl HandshakeMessage {
    /// Length of the body (at most 2^24 - 1 when produced by a [`Reassembler`]).
    pub fn length(&self) -> u32 {
        u32::try_from(self.body.len()).unwrap_or(u32::MAX)
    }

    /// The 12-byte handshake header of this message as if it had been sent in one fragment:
    /// `fragment_offset = 0`, `fragment_length = length`. RFC 6347 4.2.6: the transcript hash
    /// covers each message in that unfragmented form, whatever fragmentation was used.
    pub fn unfragmented_header(&self) -> [u8; 12] {
        let [_, l0, l1, l2] = self.length().to_be_bytes();
        let [s0, s1] = self.message_seq.to_be_bytes();
        [self.msg_type, l0, l1, l2, s0, s1, 0, 0, 0, l0, l1, l2]
    }
}

/// What became of a fragment given to [`Reassembler::insert`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// Accepted (or already held); no message is ready for delivery yet.
    Incomplete,
    /// The next expected message is complete: take it (and any that follow) with
    /// [`Reassembler::pop`].
    Ready,
    /// A fragment of a message already delivered: the peer is retransmitting its previous
    /// flight, which is the cue to re-send ours (RFC 6347 4.2.4). Nothing was buffered.
    Old {
        /// The old message's type.
        msg_type: u8,
        /// The old message's sequence number.
        message_seq: u16,
    },
    /// Discarded and counted in [`ReassemblyStats`].
    Dropped(DropReason),
}

/// Why a fragment was discarded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// `fragment_offset + fragment_length` exceeds the declared message length.
    PastDeclaredLength,
    /// An empty fragment (of a non-empty message) whose `msg_type` or declared length
    /// disagrees with the message buffered for the same `message_seq`. A conflicting fragment
    /// with data replaces the buffered message instead; a buffer is never grown into a new
    /// length.
    Inconsistent,
    /// Its `message_seq` is beyond the window of messages that may be buffered.
    TooFarAhead,
    /// Its declared length exceeds `max_handshake_message_len`.
    TooLong,
    /// Buffering the message would exceed `max_reassembly_bytes`.
    OverBudget,
    /// It would split the message's received bytes into more than `max_fragment_ranges`
    /// disjoint ranges, and lies above all of them.
    TooManyRanges,
    /// The allocator could not provide the message buffer.
    AllocationFailed,
}

/// Counters of what the reassembler discarded or noticed, by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReassemblyStats {
    /// Fragments of messages already delivered (retransmissions by the peer).
    pub old: u64,
    /// Fragments running past their declared message length.
    pub past_declared_length: u64,
    /// Empty fragments whose type or length disagreed with their buffered message.
    pub inconsistent: u64,
    /// Buffered messages replaced by a conflicting fragment with data (latest wins).
    pub replaced: u64,
    /// Fragments too far ahead of the next expected message.
    pub too_far_ahead: u64,
    /// Fragments declaring a message longer than the limit.
    pub too_long: u64,
    /// Fragments of new messages refused because the byte budget was spent.
    pub over_budget: u64,
    /// Fragments refused because they would add a range beyond the per-message bound.
    pub too_many_ranges: u64,
    /// Received byte ranges forgotten to make room for a lower one (their bytes must arrive
    /// again).
    pub ranges_forgotten: u64,
    /// Fragments refused because the allocator failed.
    pub allocation_failed: u64,
    /// Buffered future messages evicted to make room for an earlier one.
    pub evicted: u64,
    /// Fragments whose bytes had all arrived already.
    pub duplicates: u64,
    /// Empty fragments of non-empty messages (harmless, ignored).
    pub empty_fragments: u64,
}

impl ReassemblyStats {
    fn count(&mut self, reason: DropReason) {
        let counter = match reason {
            DropReason::PastDeclaredLength => &mut self.past_declared_length,
            DropReason::Inconsistent => &mut self.inconsistent,
            DropReason::TooFarAhead => &mut self.too_far_ahead,
            DropReason::TooLong => &mut self.too_long,
            DropReason::OverBudget => &mut self.over_budget,
            DropReason::TooManyRanges => &mut self.too_many_ranges,
            DropReason::AllocationFailed => &mut self.allocation_failed,
        };
        *counter = counter.saturating_add(1);
    }
}

/// Sorted, disjoint, non-adjacent half-open byte ranges `[start, end)`.
#[derive(Clone, Debug, Default)]
struct RangeSet {
    ranges: Vec<(u32, u32)>,
}

impl RangeSet {
    /// Whether `[start, end)` lies inside one held range.
    fn contains(&self, start: u32, end: u32) -> bool {
        self.ranges.iter().any(|&(s, e)| s <= start && end <= e)
    }

    /// Whether the ranges cover exactly `[0, len)`.
    fn covers(&self, len: u32) -> bool {
        len == 0 || self.ranges.as_slice() == [(0, len)]
    }

    /// Adds `[start, end)`, merging with every range it overlaps or touches. At `cap`
    /// ranges, a new disjoint range below the highest one replaces it (that range's bytes are
    /// forgotten and must arrive again); one above it is refused, changing nothing. Preferring
    /// low ranges means one in-order pass over the message (a retransmission) always completes
    /// it: its first fragment starts the lowest range and every later one touches it.
    // catalogue: RFC6347-4.2.3-6
    fn insert(&mut self, start: u32, end: u32, cap: usize) -> RangeInsert {
        if start >= end {
            return RangeInsert::Added;
        }
        let len = self.ranges.len();
        // First range that ends at or after `start` (touching counts), and first range that
        // starts after `end`; everything in between merges with the new one. Because ranges
        // are sorted and disjoint, lo <= hi.
        let lo = self.ranges.iter().position(|&(_, e)| e >= start).unwrap_or(len);
        let hi = self.ranges.iter().position(|&(s, _)| s > end).unwrap_or(len);
        if lo >= hi {
            let mut outcome = RangeInsert::Added;
            if len >= cap.max(1) {
                if lo >= len {
                    return RangeInsert::Refused;
                }
                self.ranges.pop();
                outcome = RangeInsert::ReplacedHighest;
            }
            self.ranges.insert(lo.min(self.ranges.len()), (start, end));
            return outcome;
        }
        let first = self.ranges.get(lo).map_or(start, |&(s, _)| s);
        let last = hi
            .checked_sub(1)
            .and_then(|i| self.ranges.get(i))
            .map_or(end, |&(_, e)| e);
        self.ranges.drain(lo..hi);
        self.ranges.insert(lo, (first.min(start), last.max(end)));
        RangeInsert::Added
    }
}

/// What [`RangeSet::insert`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RangeInsert {
    /// The range was added or merged.
    Added,
    /// The range was added in place of the highest range, which is forgotten.
    ReplacedHighest,
    /// The range was not added.
    Refused,
}

/// One message under reassembly.
#[derive(Clone, Debug)]
struct Slot {
    message_seq: u16,
    msg_type: u8,
    length: u32,
    body: Vec<u8>,
    have: RangeSet,
}

impl Slot {
    fn is_complete(&self) -> bool {
        self.have.covers(self.length)
    }
}

/// Turns handshake fragments into whole messages, in `message_seq` order, within bounded
/// memory (RFC 6347 4.2.2).
#[derive(Clone, Debug)]
pub struct Reassembler {
    /// The next `message_seq` to deliver; 65536 once the whole sequence space is used.
    next: u32,
    /// Messages under reassembly, sorted by `message_seq`, all within the window.
    slots: Vec<Slot>,
    /// Sum of the declared lengths of `slots` (what their bodies allocate).
    buffered: usize,
    max_message_len: u32,
    window: u16,
    max_bytes: usize,
    max_ranges: usize,
    stats: ReassemblyStats,
}

impl Reassembler {
    /// A reassembler expecting `message_seq` 0 first, bounded by `limits`.
    pub fn new(limits: &Limits) -> Self {
        Reassembler {
            next: 0,
            slots: Vec::new(),
            buffered: 0,
            max_message_len: limits.max_handshake_message_len,
            window: limits.max_buffered_messages,
            max_bytes: limits.max_reassembly_bytes,
            max_ranges: limits.max_fragment_ranges.max(1),
            stats: ReassemblyStats::default(),
        }
    }

    /// The `message_seq` of the next message [`pop`](Self::pop) will deliver (65536 once
    /// message 65535 has been delivered; every fragment is then old).
    pub fn next_expected(&self) -> u32 {
        self.next
    }

    /// Bytes currently held for messages under reassembly.
    pub fn buffered_bytes(&self) -> usize {
        self.buffered
    }

    /// Messages currently under reassembly (complete or not).
    pub fn buffered_messages(&self) -> usize {
        self.slots.len()
    }

    /// What was discarded so far, by reason.
    pub fn stats(&self) -> ReassemblyStats {
        self.stats
    }

    /// Forgets every buffered message and expects `next_seq` next. Used when a new handshake
    /// starts (the client after a HelloVerifyRequest, the server once a cookie verifies, which
    /// happens on the stateless path before any reassembler exists).
    pub fn reset(&mut self, next_seq: u16) {
        self.discard_buffered();
        self.next = u32::from(next_seq);
    }

    /// Frees every buffered message, keeping the sequence position: out-of-order leftovers
    /// are dropped once the handshake completes, so they cannot pin memory for the lifetime
    /// of the connection. Later fragments at or beyond the position are still accepted.
    pub fn discard_buffered(&mut self) {
        self.slots = Vec::new();
        self.buffered = 0;
    }

    /// Whether the next expected message is complete.
    pub fn has_ready(&self) -> bool {
        self.slots
            .first()
            .is_some_and(|s| u32::from(s.message_seq) == self.next && s.is_complete())
    }

    /// Takes the next expected message if it is complete, and moves on to the one after.
    pub fn pop(&mut self) -> Option<HandshakeMessage> {
        if !self.has_ready() {
            return None;
        }
        let slot = self.slots.remove(0);
        self.buffered = self.buffered.saturating_sub(slot.body.len());
        self.next = self.next.saturating_add(1);
        Some(HandshakeMessage {
            msg_type: slot.msg_type,
            message_seq: slot.message_seq,
            body: slot.body,
        })
    }

    /// Takes in one fragment. A message is delivered ([`pop`](Self::pop)) only once every
    /// byte of it is present.
    // catalogue: RFC6347-4.2.3-5
    pub fn insert(&mut self, frag: Fragment<'_>) -> Received {
        match self.try_insert(frag) {
            Ok(()) if self.has_ready() => Received::Ready,
            Ok(()) => Received::Incomplete,
            Err(Received::Dropped(reason)) => {
                self.stats.count(reason);
                Received::Dropped(reason)
            }
            Err(other) => other,
        }
    }

    fn try_insert(&mut self, frag: Fragment<'_>) -> Result<(), Received> {
        let drop = |reason| Err(Received::Dropped(reason));
        let frag_len = u64::try_from(frag.body.len()).unwrap_or(u64::MAX);
        let end = u64::from(frag.fragment_offset).saturating_add(frag_len);
        if end > u64::from(frag.length) {
            return drop(DropReason::PastDeclaredLength);
        }
        // Both fit in u32 now: end <= length.
        let (start, end) = (frag.fragment_offset, u32::try_from(end).unwrap_or(u32::MAX));
        let seq = u32::from(frag.message_seq);
        if seq < self.next {
            // Never buffered: the message was delivered already (RFC 6347 4.2.2).
            // catalogue: RFC6347-4.2.2-1
            self.stats.old = self.stats.old.saturating_add(1);
            return Err(Received::Old {
                msg_type: frag.msg_type,
                message_seq: frag.message_seq,
            });
        }
        // Future messages are buffered within the window, dropped beyond it (RFC 6347 4.2.2).
        // catalogue: RFC6347-4.2.2-2
        if seq - self.next > u32::from(self.window) {
            return drop(DropReason::TooFarAhead);
        }
        if frag.length > self.max_message_len {
            return drop(DropReason::TooLong);
        }

        let idx = self
            .slots
            .iter()
            .position(|s| s.message_seq >= frag.message_seq)
            .unwrap_or(self.slots.len());
        let mut existing = self
            .slots
            .get(idx)
            .is_some_and(|s| s.message_seq == frag.message_seq);
        let conflicts = existing
            && self
                .slots
                .get(idx)
                .is_some_and(|s| s.msg_type != frag.msg_type || s.length != frag.length);
        if conflicts {
            // An empty fragment carries nothing to prefer it for, unless it is a whole
            // zero-length message.
            if start == end && frag.length > 0 {
                return drop(DropReason::Inconsistent);
            }
            // Epoch-0 fragments are unauthenticated, so a conflict cannot be settled by who
            // is right; keeping the first one would let a single forged fragment, sent ahead of
            // the real message, block it forever (every retransmission of the real one would
            // conflict too). The latest fragment with data wins instead: the old slot is freed
            // (never grown into the new length) and a fresh one is opened within the budget,
            // so the peer's retransmission always gets its message through, and a forger must
            // race every retransmission. The Finished check catches any forged content.
            let replaced = self.slots.remove(idx);
            self.buffered = self.buffered.saturating_sub(replaced.body.len());
            self.stats.replaced = self.stats.replaced.saturating_add(1);
            existing = false;
        }
        if !existing {
            if start == end && frag.length > 0 {
                // Nothing to store, and a slot would allocate the declared length for nothing.
                self.stats.empty_fragments = self.stats.empty_fragments.saturating_add(1);
                return Ok(());
            }
            self.open_slot(idx, frag)?;
        }
        let max_ranges = self.max_ranges;
        let Some(slot) = self.slots.get_mut(idx) else {
            return Ok(());
        };
        if start == end {
            if frag.length > 0 {
                self.stats.empty_fragments = self.stats.empty_fragments.saturating_add(1);
            }
            return Ok(());
        }
        if slot.have.contains(start, end) {
            self.stats.duplicates = self.stats.duplicates.saturating_add(1);
            return Ok(());
        }
        let range = usize::try_from(start).unwrap_or(usize::MAX)..usize::try_from(end).unwrap_or(usize::MAX);
        let Some(dest) = slot.body.get_mut(range) else {
            return drop(DropReason::PastDeclaredLength);
        };
        match slot.have.insert(start, end, max_ranges) {
            RangeInsert::Added => {}
            RangeInsert::ReplacedHighest => {
                self.stats.ranges_forgotten = self.stats.ranges_forgotten.saturating_add(1);
            }
            RangeInsert::Refused => return drop(DropReason::TooManyRanges),
        }
        // Overlapping bytes are overwritten by the latest copy; they should be identical, and
        // if an attacker made them differ the Finished check fails either way.
        dest.copy_from_slice(frag.body);
        Ok(())
    }

    /// Allocates the slot for a new message at `idx`, evicting later messages if the budget
    /// requires it: the message the handshake needs next must not be starved by (possibly
    /// forged) messages further ahead.
    fn open_slot(&mut self, idx: usize, frag: Fragment<'_>) -> Result<(), Received> {
        let drop = |reason| Err(Received::Dropped(reason));
        let need = usize::try_from(frag.length).unwrap_or(usize::MAX);
        let later: usize = self.slots.iter().skip(idx).map(|s| s.body.len()).sum();
        if self.buffered.saturating_sub(later).saturating_add(need) > self.max_bytes {
            return drop(DropReason::OverBudget);
        }
        while self.buffered.saturating_add(need) > self.max_bytes && self.slots.len() > idx {
            if let Some(evicted) = self.slots.pop() {
                self.buffered = self.buffered.saturating_sub(evicted.body.len());
                self.stats.evicted = self.stats.evicted.saturating_add(1);
            }
        }
        let mut body = Vec::new();
        if body.try_reserve_exact(need).is_err() {
            return drop(DropReason::AllocationFailed);
        }
        body.resize(need, 0);
        let slot = Slot {
            message_seq: frag.message_seq,
            msg_type: frag.msg_type,
            length: frag.length,
            body,
            have: RangeSet::default(),
        };
        self.slots.insert(idx.min(self.slots.len()), slot);
        self.buffered = self.buffered.saturating_add(need);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    const CERTIFICATE: u8 = 11;
    const SERVER_HELLO: u8 = 2;
    const SERVER_HELLO_DONE: u8 = 14;

    fn frag(msg_type: u8, length: u32, seq: u16, offset: u32, body: &[u8]) -> Fragment<'_> {
        Fragment {
            msg_type,
            length,
            message_seq: seq,
            fragment_offset: offset,
            body,
        }
    }

    fn whole(msg_type: u8, seq: u16, body: &[u8]) -> Fragment<'_> {
        frag(msg_type, body.len() as u32, seq, 0, body)
    }

    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + 3) as u8).collect()
    }

    #[test]
    fn whole_message_is_delivered_with_its_unfragmented_header() {
        let mut r = Reassembler::new(&Limits::DEFAULT);
        let body = pattern(300);
        assert_eq!(r.insert(whole(CERTIFICATE, 0, &body)), Received::Ready);
        let m = r.pop().unwrap();
        assert_eq!((m.msg_type, m.message_seq, m.length()), (CERTIFICATE, 0, 300));
        assert_eq!(m.body, body);
        assert_eq!(m.unfragmented_header(), [11, 0, 1, 44, 0, 0, 0, 0, 0, 0, 1, 44]);
        assert_eq!(r.next_expected(), 1);
        assert_eq!(r.buffered_bytes(), 0);
        assert!(r.pop().is_none());
    }

    #[test]
    fn fragments_out_of_order_and_overlapping_reassemble() {
        let mut r = Reassembler::new(&Limits::DEFAULT);
        let body = pattern(1000);
        assert_eq!(
            r.insert(frag(CERTIFICATE, 1000, 0, 600, &body[600..])),
            Received::Incomplete
        );
        assert_eq!(
            r.insert(frag(CERTIFICATE, 1000, 0, 100, &body[100..700])),
            Received::Incomplete
        );
        assert_eq!(
            r.insert(frag(CERTIFICATE, 1000, 0, 200, &body[200..300])),
            Received::Incomplete
        );
        assert_eq!(r.stats().duplicates, 1);
        assert_eq!(
            r.insert(frag(CERTIFICATE, 1000, 0, 0, &body[..150])),
            Received::Ready
        );
        assert_eq!(r.pop().unwrap().body, body);
    }

    #[test]
    fn messages_are_delivered_in_sequence_order_only() {
        let mut r = Reassembler::new(&Limits::DEFAULT);
        assert_eq!(r.insert(whole(SERVER_HELLO_DONE, 2, &[])), Received::Incomplete);
        assert_eq!(r.insert(whole(CERTIFICATE, 1, b"cert")), Received::Incomplete);
        assert!(r.pop().is_none());
        assert_eq!(r.insert(whole(SERVER_HELLO, 0, b"hello")), Received::Ready);
        let order: Vec<u16> = core::iter::from_fn(|| r.pop()).map(|m| m.message_seq).collect();
        assert_eq!(order, [0, 1, 2]);
        assert_eq!(r.next_expected(), 3);
    }

    // Advisory: a later fragment declares a larger total length than the first; the buffer
    // must not grow.
    #[test]
    fn later_fragment_with_larger_length_replaces_the_slot_without_growing_it() {
        let mut r = Reassembler::new(&Limits::DEFAULT);
        let body = pattern(200);
        r.insert(frag(CERTIFICATE, 200, 0, 0, &body[..100]));
        assert_eq!(r.buffered_bytes(), 200);
        // A conflicting length over the limit is dropped before anything changes.
        let big = pattern(500);
        let out = r.insert(frag(CERTIFICATE, 30_000, 0, 100, &big));
        assert_eq!(out, Received::Dropped(DropReason::TooLong));
        assert_eq!(r.buffered_bytes(), 200);
        // Within the limits: a fresh slot of the new length replaces the old one.
        let out = r.insert(frag(CERTIFICATE, 5000, 0, 100, &big));
        assert_eq!(out, Received::Incomplete);
        assert_eq!(r.buffered_bytes(), 5000);
        assert_eq!(r.stats().replaced, 1);
        // An empty conflicting fragment changes nothing.
        let out = r.insert(frag(CERTIFICATE, 150, 0, 100, &[]));
        assert_eq!(out, Received::Dropped(DropReason::Inconsistent));
        assert_eq!(r.buffered_bytes(), 5000);
        // The real message's whole retransmission gets through.
        assert_eq!(r.insert(frag(CERTIFICATE, 200, 0, 0, &body)), Received::Ready);
        assert_eq!(r.pop().unwrap().body, body);
        assert_eq!(r.buffered_bytes(), 0);
    }

    #[test]
    fn a_forged_fragment_ahead_of_the_real_message_cannot_block_it() {
        let mut r = Reassembler::new(&Limits::DEFAULT);
        let body = pattern(10);
        // Forged: the next message announced as another type and length.
        r.insert(frag(SERVER_HELLO, 64, 0, 0, &[0; 8]));
        // The real message, whole.
        assert_eq!(r.insert(frag(CERTIFICATE, 10, 0, 0, &body)), Received::Ready);
        let m = r.pop().unwrap();
        assert_eq!((m.msg_type, m.body), (CERTIFICATE, body));
    }

    // Advisory: a fragment extends past its declared message length.
    #[test]
    fn fragment_past_declared_length_is_dropped() {
        let mut r = Reassembler::new(&Limits::DEFAULT);
        let body = pattern(20);
        let out = r.insert(frag(CERTIFICATE, 10, 0, 0, &body));
        assert_eq!(out, Received::Dropped(DropReason::PastDeclaredLength));
        let out = r.insert(frag(CERTIFICATE, 10, 0, 5, &body[..6]));
        assert_eq!(out, Received::Dropped(DropReason::PastDeclaredLength));
        // Offsets near u32::MAX must not wrap around.
        let out = r.insert(frag(CERTIFICATE, 10, 0, u32::MAX, &body[..2]));
        assert_eq!(out, Received::Dropped(DropReason::PastDeclaredLength));
        assert_eq!(r.stats().past_declared_length, 3);
        assert_eq!(r.buffered_messages(), 0);
        assert_eq!(r.buffered_bytes(), 0);
    }

    // Advisory: zero-length fragments must not loop or leak.
    #[test]
    fn empty_fragments_of_a_nonempty_message_are_harmless() {
        let mut r = Reassembler::new(&Limits::DEFAULT);
        for seq in 0..=4 {
            for offset in [0, 5, 16_000] {
                assert_eq!(
                    r.insert(frag(CERTIFICATE, 16_000, seq, offset, &[])),
                    Received::Incomplete
                );
            }
        }
        // Nothing was allocated for them.
        assert_eq!(r.buffered_messages(), 0);
        assert_eq!(r.buffered_bytes(), 0);
        assert_eq!(r.stats().empty_fragments, 15);
        // On an existing slot they change nothing either.
        let body = pattern(8);
        r.insert(frag(CERTIFICATE, 8, 0, 0, &body[..4]));
        for _ in 0..1000 {
            assert_eq!(r.insert(frag(CERTIFICATE, 8, 0, 4, &[])), Received::Incomplete);
        }
        assert_eq!(r.buffered_bytes(), 8);
        assert_eq!(r.insert(frag(CERTIFICATE, 8, 0, 4, &body[4..])), Received::Ready);
        assert_eq!(r.pop().unwrap().body, body);
    }

    #[test]
    fn zero_length_message_is_complete_from_its_first_fragment() {
        let mut r = Reassembler::new(&Limits::DEFAULT);
        assert_eq!(r.insert(whole(SERVER_HELLO_DONE, 0, &[])), Received::Ready);
        let m = r.pop().unwrap();
        assert_eq!((m.msg_type, m.length()), (SERVER_HELLO_DONE, 0));
        assert_eq!(m.unfragmented_header(), [14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        // A zero-length message cannot have a fragment at a nonzero offset.
        let out = r.insert(frag(SERVER_HELLO_DONE, 0, 1, 1, &[]));
        assert_eq!(out, Received::Dropped(DropReason::PastDeclaredLength));
    }

    // Advisory: message_seq far ahead of the next expected one is discarded (bounded window).
    #[test]
    fn far_future_messages_are_dropped_near_future_buffered() {
        let mut r = Reassembler::new(&Limits::DEFAULT);
        for seq in 1..=4 {
            assert_eq!(r.insert(whole(CERTIFICATE, seq, b"x")), Received::Incomplete);
        }
        for seq in [5, 6, 100, u16::MAX] {
            let out = r.insert(whole(CERTIFICATE, seq, b"x"));
            assert_eq!(out, Received::Dropped(DropReason::TooFarAhead));
        }
        assert_eq!(r.buffered_messages(), 4);
        assert_eq!(r.stats().too_far_ahead, 4);
        // The window moves with delivery.
        r.insert(whole(SERVER_HELLO, 0, b"h"));
        while r.pop().is_some() {}
        assert_eq!(r.next_expected(), 5);
        assert_eq!(r.insert(whole(CERTIFICATE, 9, b"x")), Received::Incomplete);
    }

    // Advisory: two messages of the same type but different message_seq never share a slot.
    #[test]
    fn same_type_different_seq_use_separate_slots() {
        let mut r = Reassembler::new(&Limits::DEFAULT);
        let a = pattern(100);
        let b: Vec<u8> = a.iter().map(|x| !x).collect();
        // First half of seq 0 and second half of seq 1: together they would "complete" a
        // message if slots were shared by type.
        r.insert(frag(CERTIFICATE, 100, 0, 0, &a[..50]));
        assert_eq!(
            r.insert(frag(CERTIFICATE, 100, 1, 50, &b[50..])),
            Received::Incomplete
        );
        assert_eq!(r.buffered_messages(), 2);
        assert!(r.pop().is_none());
        assert_eq!(r.insert(frag(CERTIFICATE, 100, 0, 50, &a[50..])), Received::Ready);
        assert_eq!(r.pop().unwrap().body, a);
        r.insert(frag(CERTIFICATE, 100, 1, 0, &b[..50]));
        assert_eq!(r.pop().unwrap().body, b);
    }

    // Advisory: huge declared lengths allocate nothing.
    #[test]
    fn huge_declared_length_is_dropped_before_allocating() {
        let mut r = Reassembler::new(&Limits::DEFAULT);
        for length in [16 * 1024 + 1, 0x00FF_FFFF, u32::MAX] {
            let out = r.insert(frag(CERTIFICATE, length, 0, 0, b"abc"));
            assert_eq!(out, Received::Dropped(DropReason::TooLong));
        }
        assert_eq!(r.stats().too_long, 3);
        assert_eq!(r.buffered_bytes(), 0);
        assert_eq!(r.buffered_messages(), 0);
        // Exactly at the limit is accepted.
        assert_eq!(
            r.insert(frag(CERTIFICATE, 16 * 1024, 0, 0, b"abc")),
            Received::Incomplete
        );
        assert_eq!(r.buffered_bytes(), 16 * 1024);
    }

    // Advisory: many incomplete future messages stay within the byte budget, and cannot
    // starve the message the handshake needs next.
    #[test]
    fn incomplete_future_messages_are_bounded_and_yield_to_the_next_one() {
        let limits = Limits::DEFAULT;
        let mut r = Reassembler::new(&limits);
        for seq in 1..=4 {
            r.insert(frag(CERTIFICATE, 10_000, seq, 0, b"forged"));
            assert!(r.buffered_bytes() <= limits.max_reassembly_bytes);
        }
        // 24 KiB fit two 10 000-byte messages; the others were refused.
        assert_eq!(r.buffered_messages(), 2);
        assert_eq!(r.stats().over_budget, 2);
        // The next expected message evicts the furthest-ahead ones to fit.
        let body = pattern(16 * 1024);
        assert_eq!(r.insert(whole(CERTIFICATE, 0, &body)), Received::Ready);
        assert!(r.buffered_bytes() <= limits.max_reassembly_bytes);
        assert_eq!(r.stats().evicted, 2);
        assert_eq!(r.pop().unwrap().body, body);
    }

    #[test]
    fn eviction_is_not_done_when_it_would_not_help() {
        let limits = Limits {
            max_reassembly_bytes: 1000,
            max_handshake_message_len: 1000,
            ..Limits::DEFAULT
        };
        let mut r = Reassembler::new(&limits);
        r.insert(frag(CERTIFICATE, 600, 0, 0, b"a"));
        r.insert(frag(CERTIFICATE, 300, 2, 0, b"b"));
        // seq 1 needs 500: evicting seq 2 would leave 600 + 500 > 1000, so nothing moves.
        let out = r.insert(frag(CERTIFICATE, 500, 1, 0, b"c"));
        assert_eq!(out, Received::Dropped(DropReason::OverBudget));
        assert_eq!(r.buffered_messages(), 2);
        assert_eq!(r.stats().evicted, 0);
    }

    // Advisory: out-of-order messages left over after the handshake are freed.
    #[test]
    fn leftovers_are_freed_after_the_handshake() {
        let mut r = Reassembler::new(&Limits::DEFAULT);
        r.insert(whole(SERVER_HELLO, 0, b"h"));
        r.insert(frag(CERTIFICATE, 5000, 2, 0, b"partial"));
        r.insert(whole(CERTIFICATE, 3, b"future"));
        r.pop().unwrap();
        assert_eq!(r.buffered_messages(), 2);
        r.discard_buffered();
        assert_eq!(r.buffered_messages(), 0);
        assert_eq!(r.buffered_bytes(), 0);
        assert_eq!(r.next_expected(), 1);
    }

    #[test]
    fn old_messages_are_reported_and_never_buffered() {
        let mut r = Reassembler::new(&Limits::DEFAULT);
        r.insert(whole(SERVER_HELLO, 0, b"hello"));
        r.pop().unwrap();
        let out = r.insert(frag(SERVER_HELLO, 5, 0, 2, b"llo"));
        assert_eq!(
            out,
            Received::Old {
                msg_type: SERVER_HELLO,
                message_seq: 0
            }
        );
        // Even with a length that would be too long: it is old, not buffered.
        let out = r.insert(frag(CERTIFICATE, 1 << 20, 0, 0, b"x"));
        assert_eq!(
            out,
            Received::Old {
                msg_type: CERTIFICATE,
                message_seq: 0
            }
        );
        assert_eq!(r.stats().old, 2);
        assert_eq!(r.buffered_messages(), 0);
    }

    #[test]
    fn reset_moves_the_sequence_position() {
        let mut r = Reassembler::new(&Limits::DEFAULT);
        r.insert(whole(CERTIFICATE, 2, b"x"));
        r.reset(1);
        assert_eq!(r.next_expected(), 1);
        assert_eq!(r.buffered_messages(), 0);
        assert!(matches!(
            r.insert(whole(SERVER_HELLO, 0, b"h")),
            Received::Old { .. }
        ));
        assert_eq!(r.insert(whole(SERVER_HELLO, 1, b"h")), Received::Ready);
    }

    #[test]
    fn sequence_space_end_does_not_wrap() {
        let mut r = Reassembler::new(&Limits::DEFAULT);
        r.reset(u16::MAX);
        assert_eq!(r.insert(whole(CERTIFICATE, u16::MAX, b"last")), Received::Ready);
        r.pop().unwrap();
        assert_eq!(r.next_expected(), 65_536);
        assert!(matches!(
            r.insert(whole(CERTIFICATE, 0, b"x")),
            Received::Old { .. }
        ));
        assert!(matches!(
            r.insert(whole(CERTIFICATE, u16::MAX, b"x")),
            Received::Old { .. }
        ));
    }

    #[test]
    fn range_count_is_bounded_but_adjacent_fragments_still_merge() {
        let limits = Limits {
            max_fragment_ranges: 3,
            ..Limits::DEFAULT
        };
        let mut r = Reassembler::new(&limits);
        let body = pattern(100);
        // Every other 10-byte chunk: the fourth disjoint range is refused.
        for (i, start) in [0usize, 20, 40, 60].into_iter().enumerate() {
            let out = r.insert(frag(CERTIFICATE, 100, 0, start as u32, &body[start..start + 10]));
            let expected = if i < 3 {
                Received::Incomplete
            } else {
                Received::Dropped(DropReason::TooManyRanges)
            };
            assert_eq!(out, expected);
        }
        // A disjoint range below the highest one replaces it.
        assert_eq!(
            r.insert(frag(CERTIFICATE, 100, 0, 10, &body[10..11])),
            Received::Incomplete
        );
        assert_eq!(r.stats().ranges_forgotten, 0, "touching [0, 10) merges");
        assert_eq!(
            r.insert(frag(CERTIFICATE, 100, 0, 15, &body[15..16])),
            Received::Incomplete
        );
        assert_eq!(r.stats().ranges_forgotten, 1);
        // One in-order retransmission completes the message.
        for start in (0..100).step_by(10) {
            r.insert(frag(CERTIFICATE, 100, 0, start as u32, &body[start..start + 10]));
        }
        assert!(r.has_ready());
        assert_eq!(r.pop().unwrap().body, body);
    }

    #[test]
    fn range_set_merges_touching_and_overlapping_ranges() {
        let mut s = RangeSet::default();
        let added = RangeInsert::Added;
        assert_eq!(s.insert(10, 20, 8), added);
        assert_eq!(s.insert(30, 40, 8), added);
        assert_eq!(s.insert(0, 5, 8), added);
        assert_eq!(s.ranges, vec![(0, 5), (10, 20), (30, 40)]);
        assert_eq!(s.insert(20, 30, 8), added);
        assert_eq!(s.ranges, vec![(0, 5), (10, 40)]);
        assert_eq!(s.insert(3, 12, 8), added);
        assert_eq!(s.ranges, vec![(0, 40)]);
        assert_eq!(s.insert(50, 50, 8), added);
        assert_eq!(s.ranges, vec![(0, 40)]);
        assert!(s.covers(40) && !s.covers(41));
        assert!(s.contains(5, 40) && !s.contains(39, 41));
        assert_eq!(s.insert(45, 46, 1), RangeInsert::Refused);
        assert_eq!(s.ranges, vec![(0, 40)]);
        assert_eq!(s.insert(40, 60, 1), added);
        assert_eq!(s.ranges, vec![(0, 60)]);
        let mut s = RangeSet::default();
        assert_eq!(s.insert(50, 60, 2), added);
        assert_eq!(s.insert(70, 80, 2), added);
        assert_eq!(s.insert(90, 95, 2), RangeInsert::Refused);
        assert_eq!(s.insert(0, 10, 2), RangeInsert::ReplacedHighest);
        assert_eq!(s.ranges, vec![(0, 10), (50, 60)]);
    }

    /// Splits `body` at `cuts`, adds `extras` (arbitrary overlapping ranges), repeats some
    /// pieces, and shuffles them deterministically from `seed`.
    fn pieces(
        len: usize,
        cuts: &[prop::sample::Index],
        extras: &[(prop::sample::Index, prop::sample::Index)],
        seed: u64,
    ) -> Vec<(usize, usize)> {
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(len + 1)).collect();
        points.push(0);
        points.push(len);
        points.sort_unstable();
        points.dedup();
        let mut out: Vec<(usize, usize)> = points.windows(2).map(|w| (w[0], w[1])).collect();
        if len == 0 {
            out.push((0, 0));
        }
        for (a, b) in extras {
            let (a, b) = (a.index(len + 1), b.index(len + 1));
            out.push((a.min(b), a.max(b)));
        }
        let mut state = seed | 1;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let dups: Vec<(usize, usize)> = out.iter().copied().filter(|_| next() % 4 == 0).collect();
        out.extend(dups);
        for i in (1..out.len()).rev() {
            let j = (next() % (i as u64 + 1)) as usize;
            out.swap(i, j);
        }
        out
    }

    proptest! {
        #[test]
        fn any_fragmentation_reassembles_exactly(
            body in prop::collection::vec(any::<u8>(), 0..3000),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..20),
            extras in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 0..10),
            seed in any::<u64>(),
            seq in 0u16..5,
        ) {
            let mut r = Reassembler::new(&Limits::DEFAULT);
            r.reset(0);
            let len = body.len() as u32;
            let mut delivered = None;
            for (a, b) in pieces(body.len(), &cuts, &extras, seed) {
                let out = r.insert(frag(CERTIFICATE, len, seq, a as u32, &body[a..b]));
                prop_assert!(!matches!(out, Received::Dropped(_)), "{:?}", out);
                if seq == 0 {
                    while let Some(m) = r.pop() {
                        prop_assert!(delivered.is_none(), "delivered twice");
                        delivered = Some(m);
                    }
                }
            }
            if seq > 0 {
                // Earlier messages are missing: nothing may be delivered yet.
                prop_assert!(r.pop().is_none());
                prop_assert_eq!(r.buffered_messages(), 1);
                return Ok(());
            }
            let m = delivered.expect("message not completed");
            prop_assert_eq!(m.body, body);
            prop_assert_eq!(m.message_seq, 0);
            prop_assert_eq!(r.buffered_bytes(), 0);
        }

        #[test]
        fn shuffled_then_retransmitted_in_order_completes_under_a_tight_range_cap(
            body in prop::collection::vec(any::<u8>(), 1..2000),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..40),
            seed in any::<u64>(),
            cap in 1usize..4,
        ) {
            let limits = Limits { max_fragment_ranges: cap, ..Limits::DEFAULT };
            let mut r = Reassembler::new(&limits);
            let len = body.len() as u32;
            let shuffled = pieces(body.len(), &cuts, &[], seed);
            let mut in_order = shuffled.clone();
            in_order.sort_unstable();
            in_order.dedup();
            // One lossy, reordered delivery, then one in-order retransmission of the flight.
            for (a, b) in shuffled.iter().chain(&in_order) {
                r.insert(frag(CERTIFICATE, len, 0, *a as u32, &body[*a..*b]));
            }
            prop_assert_eq!(r.pop().map(|m| m.body), Some(body));
        }

        #[test]
        fn arbitrary_fragments_never_panic_or_exceed_the_budget(
            inputs in prop::collection::vec(
                (any::<u8>(), prop_oneof![0u32..64, 0u32..20_000, any::<u32>()], 0u16..12,
                 prop_oneof![0u32..64, 0u32..20_000, any::<u32>()], prop::collection::vec(any::<u8>(), 0..80)),
                0..200),
            pops in prop::collection::vec(any::<bool>(), 200),
            small in any::<bool>(),
        ) {
            let limits = if small {
                Limits { max_handshake_message_len: 100, max_reassembly_bytes: 150, max_fragment_ranges: 2, max_buffered_messages: 2, ..Limits::DEFAULT }
            } else {
                Limits::DEFAULT
            };
            let mut r = Reassembler::new(&limits);
            for ((msg_type, length, seq, offset, body), pop) in inputs.iter().zip(&pops) {
                let out = r.insert(frag(*msg_type, *length, *seq, *offset, body));
                prop_assert!(r.buffered_bytes() <= limits.max_reassembly_bytes);
                prop_assert!(r.buffered_messages() <= usize::from(limits.max_buffered_messages) + 1);
                if out == Received::Ready {
                    prop_assert!(r.has_ready());
                }
                if *pop {
                    while let Some(m) = r.pop() {
                        prop_assert!(m.length() <= limits.max_handshake_message_len);
                    }
                }
            }
        }
    }
}
