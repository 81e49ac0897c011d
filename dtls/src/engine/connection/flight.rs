//! The flight we last sent (RFC 6347 4.2.4): what it holds, how it is cut and packed into
//! datagrams, and when a datagram from the peer may make us send it again.
//!
//! Re-sending is the one thing an unauthenticated datagram can make the engine do at volume,
//! so the rules for it live here together:
//! - only a fragment that plausibly belongs to the peer's retransmission of the flight ours
//!   answered counts (same epoch, message type, message_seq and total length, a non-empty,
//!   in-bounds fragment);
//! - at most one such re-send per retransmission-timer period, so a flight that arrives as
//!   several messages and datagrams is answered once;
//! - during the handshake, bytes re-sent on such evidence stay within
//!   `Limits::amplification_factor` times the bytes received from the peer (RFC 9000 8.1
//!   style anti-amplification); our own timer's retransmissions are not evidence-driven and
//!   are bounded by the retransmission budget instead;
//! - once connected, only an authenticated record (the peer's re-sent Finished) counts.

use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;

use crate::crypto::SecureRandom;
use crate::error::Error;
use crate::handshake::fragment::{
    DatagramPlan, FlightItem as PlanItem, ItemContent, RecordPlan, plan_flight,
};
use crate::handshake::limits::Limits;
use crate::record::{MAX_PLAINTEXT_LEN, RecordLayer};
use crate::time::{Duration, Instant};
use crate::wire::{ContentType, HandshakeType};

/// One message of the flight we last sent, kept for retransmission.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    /// A handshake message, sent in `epoch`.
    Handshake {
        epoch: u16,
        msg_type: HandshakeType,
        message_seq: u16,
        body: Vec<u8>,
    },
    /// ChangeCipherSpec, sent in `epoch` (the epoch before the switch).
    ChangeCipherSpec { epoch: u16 },
}

/// A handshake message of the peer's, as far as a retransmission of it must match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PeerMessage {
    pub(crate) epoch: u16,
    pub(crate) msg_type: HandshakeType,
    pub(crate) message_seq: u16,
    pub(crate) length: u32,
}

/// A received fragment of a message that was already delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OldFragment {
    pub(crate) message: PeerMessage,
    pub(crate) fragment_offset: u32,
    pub(crate) fragment_length: u32,
    /// Carried by a record of a protected epoch that authenticated.
    pub(crate) authenticated: bool,
}

/// The IPv4 minimum reassembly size (RFC 791), the first step of the PMTU back-off.
const BACKOFF_MTU: usize = 576;

/// The stored flight and everything that decides when it goes out again.
#[derive(Debug)]
pub(crate) struct Flight {
    items: Vec<Item>,
    /// The next queued message starts a new flight, replacing the stored one.
    complete: bool,
    /// The stored flight ends the handshake: re-sent only on evidence, never by timer.
    is_final: bool,
    /// The peer messages our stored flight answers.
    answers: Vec<PeerMessage>,
    /// The peer messages received since our last flight (the next one will answer them).
    receiving: Vec<PeerMessage>,
    /// Several handshake messages may share a record (RFC 6347 4.2.3); off by default.
    compact: bool,
    configured_mtu: usize,
    min_mtu: usize,
    /// The MTU flights are cut for now; lowered by the back-off (RFC 6347 4.1.1.1).
    mtu: usize,
    last_evidence_resend: Option<Instant>,
    /// Bytes of every datagram handed to this connection.
    received_bytes: u64,
    /// Bytes re-sent on evidence from unauthenticated datagrams.
    evidence_bytes: u64,
    /// Evidence re-sends refused by the rate limit or the amplification budget.
    suppressed: u64,
}

/// What an attempt to re-send on evidence came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Evidence {
    /// Not a retransmission of what our flight answered (or nothing is stored): ignored.
    Ignored,
    /// Evidence, but the rate limit or amplification budget says no.
    Suppressed,
    /// Re-sent.
    Resent,
}

impl Flight {
    pub(crate) fn new(mtu: usize, min_mtu: usize, compact: bool) -> Self {
        Flight {
            items: Vec::new(),
            complete: true,
            is_final: false,
            answers: Vec::new(),
            receiving: Vec::new(),
            compact,
            configured_mtu: mtu,
            min_mtu: min_mtu.min(mtu),
            mtu,
            last_evidence_resend: None,
            received_bytes: 0,
            evidence_bytes: 0,
            suppressed: 0,
        }
    }

    /// Starts a new flight if the previous one was sent.
    fn begin(&mut self) {
        if self.complete {
            self.items.clear();
            self.complete = false;
        }
    }

    pub(crate) fn push(&mut self, item: Item) {
        self.begin();
        self.items.push(item);
    }

    /// The flight being built is complete; it answers what the peer sent since our last one.
    pub(crate) fn seal_flight(&mut self, is_final: bool) {
        self.complete = true;
        self.is_final = is_final;
        self.answers = core::mem::take(&mut self.receiving);
        self.last_evidence_resend = None;
    }

    pub(crate) fn note_peer_message(&mut self, message: PeerMessage) {
        // Bounded by the handshake's own message count; a flight has at most a handful.
        if self.receiving.len() < 16 {
            self.receiving.push(message);
        }
    }

    pub(crate) fn note_received(&mut self, bytes: usize) {
        self.received_bytes = self
            .received_bytes
            .saturating_add(u64::try_from(bytes).unwrap_or(u64::MAX));
    }

    pub(crate) fn is_stored(&self) -> bool {
        !self.items.is_empty()
    }

    pub(crate) fn is_final(&self) -> bool {
        self.is_final
    }

    /// Frees the stored flight (it was acknowledged, or is no longer needed).
    pub(crate) fn release(&mut self) {
        self.items = Vec::new();
        self.answers = Vec::new();
        self.receiving = Vec::new();
        self.complete = true;
    }

    /// The MTU the connection was configured with.
    pub(crate) fn configured_mtu(&self) -> usize {
        self.configured_mtu
    }

    /// The MTU flights are cut for now.
    pub(crate) fn mtu(&self) -> usize {
        self.mtu
    }

    /// Evidence re-sends refused so far.
    pub(crate) fn suppressed(&self) -> u64 {
        self.suppressed
    }

    /// RFC 6347 4.1.1.1: once `pmtu_backoff_after` re-sends went unanswered, cut the next
    /// ones for 576 bytes; once twice as many did, for the configured minimum (OpenSSL backs
    /// off at its third timeout likewise). `retransmission` numbers the re-send about to go
    /// out, from 1.
    pub(crate) fn back_off(&mut self, retransmission: u8, limits: &Limits) {
        let after = limits.pmtu_backoff_after;
        if after == 0 || retransmission <= after {
            return;
        }
        let step = if retransmission > after.saturating_mul(2) {
            self.min_mtu
        } else {
            BACKOFF_MTU.max(self.min_mtu)
        };
        self.mtu = self.mtu.min(step.min(self.configured_mtu));
    }

    /// Whether `fragment` is a plausible piece of the peer's retransmission of the flight our
    /// stored flight answers.
    fn is_evidence(&self, fragment: &OldFragment) -> bool {
        let m = fragment.message;
        let in_bounds =
            u64::from(fragment.fragment_offset) + u64::from(fragment.fragment_length) <= u64::from(m.length);
        fragment.fragment_length > 0 && in_bounds && self.answers.contains(&m)
    }

    /// Decides on and performs a re-send in answer to an old fragment from the peer.
    // catalogue: RFC6347-4.2.4-1
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn on_old_fragment(
        &mut self,
        fragment: &OldFragment,
        connected: bool,
        now: Instant,
        period: Duration,
        limits: &Limits,
        records: &mut RecordLayer,
        rng: &mut dyn SecureRandom,
        tx: &mut VecDeque<Vec<u8>>,
    ) -> Result<Evidence, Error> {
        if !self.is_stored() || !self.is_evidence(fragment) {
            return Ok(Evidence::Ignored);
        }
        // Once connected only the holder of the final flight answers, and only an
        // authenticated record can ask: epoch-0 cleartext is anyone's to forge.
        if connected && !(self.is_final && fragment.authenticated) {
            return Ok(Evidence::Ignored);
        }
        if self
            .last_evidence_resend
            .is_some_and(|t| now.saturating_since(t) < period)
        {
            self.suppressed = self.suppressed.saturating_add(1);
            return Ok(Evidence::Suppressed);
        }
        let plan = self.plan(records)?;
        let bytes = u64::try_from(plan.iter().map(DatagramPlan::max_len).sum::<usize>()).unwrap_or(u64::MAX);
        if !fragment.authenticated {
            let budget = self
                .received_bytes
                .saturating_mul(u64::from(limits.amplification_factor));
            if self.evidence_bytes.saturating_add(bytes) > budget {
                self.suppressed = self.suppressed.saturating_add(1);
                return Ok(Evidence::Suppressed);
            }
            self.evidence_bytes = self.evidence_bytes.saturating_add(bytes);
        }
        self.last_evidence_resend = Some(now);
        self.seal_plan(&plan, records, rng, tx)?;
        Ok(Evidence::Resent)
    }

    /// Cuts, packs and seals the stored flight into datagrams on `tx`. Retransmitted records
    /// keep their epoch and take fresh sequence numbers (RFC 6347 4.2.4, 4.1).
    pub(crate) fn transmit(
        &self,
        records: &mut RecordLayer,
        rng: &mut dyn SecureRandom,
        tx: &mut VecDeque<Vec<u8>>,
    ) -> Result<(), Error> {
        let plan = self.plan(records)?;
        self.seal_plan(&plan, records, rng, tx)
    }

    fn plan(&self, records: &RecordLayer) -> Result<Vec<DatagramPlan>, Error> {
        let mut items = Vec::with_capacity(self.items.len());
        for item in &self.items {
            let (epoch, content) = match item {
                Item::ChangeCipherSpec { epoch } => (
                    *epoch,
                    ItemContent::Unfragmented {
                        content_type: ContentType::CHANGE_CIPHER_SPEC,
                        length: 1,
                    },
                ),
                Item::Handshake {
                    epoch,
                    msg_type,
                    message_seq,
                    body,
                } => (
                    *epoch,
                    ItemContent::Handshake {
                        msg_type: *msg_type,
                        message_seq: *message_seq,
                        length: u32::try_from(body.len()).map_err(|_| Error::RecordTooLarge)?,
                    },
                ),
            };
            let record_overhead = records.overhead(epoch).ok_or(Error::NoKeysForEpoch)?;
            items.push(PlanItem {
                epoch,
                record_overhead,
                content,
            });
        }
        plan_flight(&items, self.mtu).map_err(|_| Error::Config("MTU too small for the flight"))
    }

    fn seal_plan(
        &self,
        plan: &[DatagramPlan],
        records: &mut RecordLayer,
        rng: &mut dyn SecureRandom,
        tx: &mut VecDeque<Vec<u8>>,
    ) -> Result<(), Error> {
        let mut payload = Vec::new();
        for datagram_plan in plan {
            let mut datagram = vec![0u8; datagram_plan.max_len()];
            let mut used = 0;
            let mut planned = datagram_plan.records.iter().peekable();
            while let Some(record) = planned.next() {
                payload.clear();
                self.append_planned(record, &mut payload)?;
                // RFC 6347 4.2.3 allows several handshake messages in one record, which saves
                // a record header, nonce and tag per message; but constrained stacks such as
                // tinydtls accept one message per record only, as do the records OpenSSL,
                // Mbed TLS and GnuTLS send. So merging is the opt-in `compact` setting. The
                // plan already fits the MTU with separate records; merging only shrinks it.
                while let Some(next) = planned.peek() {
                    let mergeable = self.compact
                        && record.fragment.is_some()
                        && next.fragment.is_some()
                        && next.epoch == record.epoch
                        && payload.len() + next.plaintext_len() <= MAX_PLAINTEXT_LEN;
                    if !mergeable {
                        break;
                    }
                    self.append_planned(next, &mut payload)?;
                    planned.next();
                }
                let out = datagram
                    .get_mut(used..)
                    .ok_or(Error::BufferTooSmall { needed: used })?;
                used += records.seal(record.epoch, record.content_type.0, &payload, out, rng)?;
            }
            datagram.truncate(used);
            tx.push_back(datagram);
        }
        Ok(())
    }

    /// Appends the plaintext of one planned record (handshake header and body bytes, or the
    /// ChangeCipherSpec byte) to `payload`.
    fn append_planned(&self, record: &RecordPlan, payload: &mut Vec<u8>) -> Result<(), Error> {
        let source: &[u8] = match self.items.get(record.item) {
            Some(Item::Handshake { body, .. }) => body,
            _ => &[1],
        };
        if let Some(header) = &record.fragment {
            payload.extend_from_slice(&header.to_array()?);
        }
        payload.extend_from_slice(source.get(record.range.clone()).ok_or(Error::RecordTooLarge)?);
        Ok(())
    }
}
