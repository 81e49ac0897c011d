//! Outgoing fragmentation and packing: how a flight's messages are cut into handshake
//! fragments and packed into datagrams that fit the path MTU (RFC 6347 4.1.1, 4.2.3).
//!
//! [`plan_flight`] is pure arithmetic over lengths: it decides which bytes go in which record
//! of which datagram, and the record layer then seals exactly that. Planning again for every
//! retransmission is cheap, so a retransmission can use a smaller MTU (RFC 6347 4.1.1.1
//! suggests backing off after repeated losses).
//!
//! Packing rules:
//! - each record carries one handshake fragment (or one non-handshake payload such as
//!   ChangeCipherSpec); RFC 6347 4.2.3 allows several messages per record, but one fragment
//!   per record is what every peer handles and keeps a lost record's cost to one fragment;
//! - records are packed into a datagram while they fit (RFC 6347 4.1.1: several records per
//!   datagram are allowed);
//! - a message that fits in one datagram is never split: if it does not fit in the space left
//!   in the current datagram it starts a new one;
//! - a message larger than a datagram is cut into fragments that fill each datagram, so only
//!   messages that must be fragmented are;
//! - no record's plaintext exceeds 2^14 bytes (RFC 5246 6.2.1), even with a large MTU.

use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;

use crate::record::MAX_PLAINTEXT_LEN;
use crate::wire::{ContentType, HandshakeHeader, HandshakeType};

/// Bytes of a DTLS handshake header (RFC 6347 4.2.2).
const HANDSHAKE_HEADER_LEN: usize = HandshakeHeader::LEN;

/// One thing a flight sends, with the epoch it is sent in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlightItem {
    /// The epoch whose keys protect it.
    pub epoch: u16,
    /// Bytes a record of that epoch adds around its plaintext: the 13-byte record header plus
    /// the cipher's explicit nonce or IV and its largest suffix (tag, or MAC and padding).
    pub record_overhead: usize,
    /// What it is.
    pub content: ItemContent,
}

/// The content of a [`FlightItem`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemContent {
    /// A complete handshake message whose body is `length` bytes.
    Handshake {
        /// The handshake message type.
        msg_type: HandshakeType,
        /// Its sequence number.
        message_seq: u16,
        /// Length of its body.
        length: u32,
    },
    /// A payload sent whole in one record of its own (ChangeCipherSpec, an alert).
    Unfragmented {
        /// The record content type.
        content_type: ContentType,
        /// Payload length.
        length: usize,
    },
}

/// One record of a planned datagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordPlan {
    /// Index of the [`FlightItem`] the record carries (part of).
    pub item: usize,
    /// The epoch to seal it in.
    pub epoch: u16,
    /// The record content type.
    pub content_type: ContentType,
    /// For handshake records, the fragment header to write before the body bytes.
    pub fragment: Option<HandshakeHeader>,
    /// The bytes of the item's body (or unfragmented payload) this record carries.
    pub range: Range<usize>,
    /// Largest size of the sealed record on the wire (plaintext plus the epoch's overhead).
    pub max_wire_len: usize,
}

impl RecordPlan {
    /// Plaintext length: the fragment header (if any) plus the carried bytes.
    pub fn plaintext_len(&self) -> usize {
        let header = if self.fragment.is_some() {
            HANDSHAKE_HEADER_LEN
        } else {
            0
        };
        header + self.range.len()
    }
}

/// One planned datagram: records to seal and send together.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DatagramPlan {
    /// The records, in order.
    pub records: Vec<RecordPlan>,
}

impl DatagramPlan {
    /// Largest size of the datagram once sealed; never more than the MTU it was planned for.
    pub fn max_len(&self) -> usize {
        self.records.iter().map(|r| r.max_wire_len).sum()
    }
}

/// Why a flight cannot be planned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// Even an otherwise empty datagram cannot carry the smallest useful record of an item
    /// (one body byte of a handshake message, an empty handshake message, or an unfragmented
    /// payload whole).
    MtuTooSmall {
        /// The item that does not fit.
        item: usize,
        /// Datagram size it would need.
        needed: usize,
    },
    /// A handshake message length does not fit the 24-bit length field.
    MessageTooLong {
        /// The offending item.
        item: usize,
    },
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::MtuTooSmall { item, needed } => {
                write!(
                    f,
                    "MTU too small for flight item {item}: a datagram of {needed} bytes is needed"
                )
            }
            PlanError::MessageTooLong { item } => write!(f, "flight item {item} exceeds 2^24 - 1 bytes"),
        }
    }
}

/// Builds datagrams for a flight.
struct Packer {
    mtu: usize,
    done: Vec<DatagramPlan>,
    current: DatagramPlan,
    used: usize,
}

impl Packer {
    fn room(&self) -> usize {
        self.mtu.saturating_sub(self.used)
    }

    fn new_datagram(&mut self) {
        if !self.current.records.is_empty() {
            self.done.push(core::mem::take(&mut self.current));
            self.used = 0;
        }
    }

    fn push(&mut self, record: RecordPlan) {
        self.used = self.used.saturating_add(record.max_wire_len);
        self.current.records.push(record);
    }
}

/// Plans the datagrams of a flight: the items in order, cut and packed so that no datagram
/// exceeds `mtu` bytes (the largest UDP payload the path carries, i.e. the path MTU minus IP
/// and UDP headers).
// catalogue: RFC6347-4.1.1-1, RFC6347-4.2.3-1, RFC6347-4.2.3-2, RFC6347-4.2.3-3, RFC6347-4.2.3-4
pub fn plan_flight(items: &[FlightItem], mtu: usize) -> Result<Vec<DatagramPlan>, PlanError> {
    let mut p = Packer {
        mtu,
        done: Vec::new(),
        current: DatagramPlan::default(),
        used: 0,
    };
    for (index, item) in items.iter().enumerate() {
        match item.content {
            ItemContent::Unfragmented { content_type, length } => {
                let wire = item.record_overhead.saturating_add(length);
                // catalogue: RFC5246-6.2.1-1
                if wire > mtu || length > MAX_PLAINTEXT_LEN {
                    return Err(PlanError::MtuTooSmall {
                        item: index,
                        needed: wire,
                    });
                }
                if wire > p.room() {
                    p.new_datagram();
                }
                p.push(RecordPlan {
                    item: index,
                    epoch: item.epoch,
                    content_type,
                    fragment: None,
                    range: 0..length,
                    max_wire_len: wire,
                });
            }
            ItemContent::Handshake {
                msg_type,
                message_seq,
                length,
            } => {
                plan_message(&mut p, index, item, msg_type, message_seq, length)?;
            }
        }
    }
    p.new_datagram();
    Ok(p.done)
}

fn plan_message(
    p: &mut Packer,
    index: usize,
    item: &FlightItem,
    msg_type: HandshakeType,
    message_seq: u16,
    length: u32,
) -> Result<(), PlanError> {
    if length > HandshakeHeader::MAX_U24 {
        return Err(PlanError::MessageTooLong { item: index });
    }
    let total = usize::try_from(length).map_err(|_| PlanError::MessageTooLong { item: index })?;
    let per_record = item.record_overhead.saturating_add(HANDSHAKE_HEADER_LEN);
    // Body bytes that fit in a record given `room` bytes of datagram, within the 2^14-byte
    // record plaintext limit.
    // catalogue: RFC5246-6.2.1-1
    let body_room = |room: usize| {
        room.saturating_sub(per_record)
            .min(MAX_PLAINTEXT_LEN - HANDSHAKE_HEADER_LEN)
    };
    let smallest = per_record.saturating_add(usize::from(total > 0));
    if smallest > p.mtu {
        return Err(PlanError::MtuTooSmall {
            item: index,
            needed: smallest,
        });
    }
    let whole = per_record.saturating_add(total);
    if whole > p.room() && whole <= p.mtu && total <= body_room(p.mtu) {
        // Fits whole in a fresh datagram: do not split it over the end of this one.
        p.new_datagram();
    }
    let mut offset = 0usize;
    loop {
        let mut take = body_room(p.room()).min(total - offset);
        if take == 0 && offset < total {
            p.new_datagram();
            take = body_room(p.room()).min(total - offset);
        }
        if p.room() < per_record {
            // Only reachable for an empty message in a full datagram.
            p.new_datagram();
        }
        let header = HandshakeHeader {
            msg_type,
            length,
            message_seq,
            fragment_offset: u32::try_from(offset).unwrap_or(u32::MAX),
            fragment_length: u32::try_from(take).unwrap_or(u32::MAX),
        };
        p.push(RecordPlan {
            item: index,
            epoch: item.epoch,
            content_type: ContentType::HANDSHAKE,
            fragment: Some(header),
            range: offset..offset + take,
            max_wire_len: per_record + take,
        });
        offset += take;
        if offset >= total {
            return Ok(());
        }
        // `take > 0` here (the MTU admits at least one body byte), so the loop progresses.
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    const CCS: ContentType = ContentType::CHANGE_CIPHER_SPEC;
    const RECORD_HEADER_LEN: usize = crate::wire::RecordHeader::LEN;
    /// AES-128-CCM-8: 8-byte explicit nonce and 8-byte tag.
    const CCM8_OVERHEAD: usize = RECORD_HEADER_LEN + 8 + 8;

    fn hs(epoch: u16, overhead: usize, msg_type: u8, seq: u16, length: u32) -> FlightItem {
        FlightItem {
            epoch,
            record_overhead: overhead,
            content: ItemContent::Handshake {
                msg_type: HandshakeType(msg_type),
                message_seq: seq,
                length,
            },
        }
    }

    fn ccs(epoch: u16) -> FlightItem {
        FlightItem {
            epoch,
            record_overhead: RECORD_HEADER_LEN,
            content: ItemContent::Unfragmented {
                content_type: CCS,
                length: 1,
            },
        }
    }

    fn item_len(item: &FlightItem) -> usize {
        match item.content {
            ItemContent::Handshake { length, .. } => length as usize,
            ItemContent::Unfragmented { length, .. } => length,
        }
    }

    /// Checks every invariant of a plan and returns the number of records.
    fn check(items: &[FlightItem], mtu: usize, plan: &[DatagramPlan]) -> usize {
        let mut covered: Vec<Vec<u32>> = items.iter().map(|i| vec![0; item_len(i)]).collect();
        let mut seen_empty = vec![false; items.len()];
        let mut last_item = 0;
        let mut records = 0;
        for d in plan {
            assert!(!d.records.is_empty(), "empty datagram");
            assert!(d.max_len() <= mtu, "datagram of {} > mtu {mtu}", d.max_len());
            for r in &d.records {
                records += 1;
                // Items go out in order.
                assert!(r.item >= last_item);
                last_item = r.item;
                let item = &items[r.item];
                assert_eq!(r.epoch, item.epoch);
                assert_eq!(r.max_wire_len, item.record_overhead + r.plaintext_len());
                assert!(r.plaintext_len() <= MAX_PLAINTEXT_LEN);
                match item.content {
                    ItemContent::Handshake {
                        msg_type,
                        message_seq,
                        length,
                    } => {
                        let h = r.fragment.unwrap();
                        assert_eq!(r.content_type, ContentType::HANDSHAKE);
                        assert_eq!(
                            (h.msg_type, h.message_seq, h.length),
                            (msg_type, message_seq, length)
                        );
                        assert_eq!(h.fragment_offset as usize, r.range.start);
                        assert_eq!(h.fragment_length as usize, r.range.len());
                        if length > 0 {
                            assert!(!r.range.is_empty(), "empty fragment of a nonempty message");
                        } else {
                            seen_empty[r.item] = true;
                        }
                    }
                    ItemContent::Unfragmented { content_type, length } => {
                        assert_eq!(r.content_type, content_type);
                        assert!(r.fragment.is_none());
                        assert_eq!(r.range, 0..length);
                        seen_empty[r.item] = true;
                    }
                }
                for b in &mut covered[r.item][r.range.clone()] {
                    *b += 1;
                }
            }
        }
        for (i, c) in covered.iter().enumerate() {
            assert!(
                c.iter().all(|&n| n == 1),
                "item {i}: some byte not covered exactly once"
            );
            if c.is_empty() {
                assert!(seen_empty[i], "item {i} (empty) never sent");
            }
        }
        records
    }

    #[test]
    fn small_flight_packs_into_one_datagram() {
        // Client flight 5 with PSK: ClientKeyExchange, ChangeCipherSpec, Finished (epoch 1).
        let items = [
            hs(0, RECORD_HEADER_LEN, 16, 2, 18),
            ccs(0),
            hs(1, CCM8_OVERHEAD, 20, 3, 12),
        ];
        let plan = plan_flight(&items, 1400).unwrap();
        assert_eq!(plan.len(), 1);
        assert_eq!(check(&items, 1400, &plan), 3);
        assert_eq!(plan[0].max_len(), (13 + 12 + 18) + (13 + 1) + (29 + 12 + 12));
        assert_eq!(plan[0].records[2].epoch, 1);
    }

    #[test]
    fn mtu_300_splits_a_1500_byte_certificate() {
        let items = [
            hs(0, RECORD_HEADER_LEN, 2, 1, 80),
            hs(0, RECORD_HEADER_LEN, 11, 2, 1500),
            hs(0, 13, 14, 3, 0),
        ];
        let plan = plan_flight(&items, 300).unwrap();
        check(&items, 300, &plan);
        let cert: Vec<&RecordPlan> = plan
            .iter()
            .flat_map(|d| &d.records)
            .filter(|r| r.item == 1)
            .collect();
        assert!(cert.len() >= 6, "{} fragments", cert.len());
        // Fragments are consecutive and fill their datagrams.
        let mut next = 0;
        for r in &cert {
            assert_eq!(r.range.start, next);
            next = r.range.end;
        }
        assert_eq!(next, 1500);
        // The ServerHello shares the first datagram with the certificate's first fragment.
        assert_eq!(plan[0].records.len(), 2);
        assert_eq!(plan[0].max_len(), 300);
    }

    #[test]
    fn message_that_fits_a_datagram_is_not_split() {
        let items = [hs(0, 13, 11, 0, 200), hs(0, 13, 12, 1, 200)];
        // 225 + 225 > 300: the second message starts a new datagram rather than being cut.
        let plan = plan_flight(&items, 300).unwrap();
        check(&items, 300, &plan);
        assert_eq!(plan.len(), 2);
        assert!(plan.iter().all(|d| d.records.len() == 1));
    }

    #[test]
    fn unfragmented_record_moves_to_next_datagram_when_full() {
        let items = [hs(0, 13, 11, 0, 275), ccs(0)];
        let plan = plan_flight(&items, 300).unwrap();
        check(&items, 300, &plan);
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[1].records[0].content_type, CCS);
    }

    #[test]
    fn tiny_mtu_makes_progress_one_byte_at_a_time() {
        // 13 + 12 + 1 = 26 bytes: one body byte per datagram.
        let items = [hs(0, 13, 11, 0, 40)];
        let plan = plan_flight(&items, 26).unwrap();
        assert_eq!(plan.len(), 40);
        check(&items, 26, &plan);
        // MTU 60 with a CCM-8 epoch: 60 - 29 - 12 = 19 body bytes per record.
        let items = [hs(1, CCM8_OVERHEAD, 11, 0, 100), hs(1, CCM8_OVERHEAD, 20, 1, 12)];
        let plan = plan_flight(&items, 60).unwrap();
        check(&items, 60, &plan);
        assert!(plan.iter().all(|d| d.max_len() <= 60));
    }

    #[test]
    fn mtu_too_small_is_a_clear_error() {
        let items = [hs(0, 13, 11, 0, 40)];
        assert_eq!(
            plan_flight(&items, 25),
            Err(PlanError::MtuTooSmall { item: 0, needed: 26 })
        );
        // An empty message needs only its headers.
        let items = [hs(0, 13, 14, 0, 0)];
        assert_eq!(plan_flight(&items, 25).unwrap().len(), 1);
        assert_eq!(
            plan_flight(&items, 24),
            Err(PlanError::MtuTooSmall { item: 0, needed: 25 })
        );
        let items = [hs(0, 13, 14, 0, 0), ccs(0)];
        assert_eq!(
            plan_flight(&items, 13),
            Err(PlanError::MtuTooSmall { item: 0, needed: 25 })
        );
        let items = [ccs(0)];
        assert_eq!(
            plan_flight(&items, 13),
            Err(PlanError::MtuTooSmall { item: 0, needed: 14 })
        );
        assert_eq!(plan_flight(&[], 0), Ok(vec![]));
    }

    #[test]
    fn oversize_message_is_rejected() {
        let items = [hs(0, 13, 11, 0, 0x0100_0000)];
        assert_eq!(
            plan_flight(&items, 1400),
            Err(PlanError::MessageTooLong { item: 0 })
        );
    }

    #[test]
    fn large_mtu_still_caps_record_plaintext() {
        let items = [hs(0, 13, 11, 0, 40_000)];
        let plan = plan_flight(&items, 65_507).unwrap();
        check(&items, 65_507, &plan);
        for r in plan.iter().flat_map(|d| &d.records) {
            assert!(r.plaintext_len() <= MAX_PLAINTEXT_LEN);
        }
        // Several full records share the one big datagram.
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].records.len(), 3);
    }

    #[test]
    fn empty_message_after_a_full_datagram_starts_a_new_one() {
        let items = [hs(0, 13, 11, 0, 275), hs(0, 13, 14, 1, 0)];
        let plan = plan_flight(&items, 300).unwrap();
        check(&items, 300, &plan);
        assert_eq!(plan.len(), 2);
    }

    fn arb_item() -> impl Strategy<Value = FlightItem> {
        let overhead = prop_oneof![Just(13usize), Just(CCM8_OVERHEAD), Just(13 + 16 + 16 + 32)];
        (0u16..2, overhead, any::<bool>(), 0u32..5000, any::<u8>()).prop_map(
            |(epoch, o, handshake, len, t)| FlightItem {
                epoch,
                record_overhead: o,
                content: if handshake {
                    ItemContent::Handshake {
                        msg_type: HandshakeType(t),
                        message_seq: u16::from(t),
                        length: len,
                    }
                } else {
                    ItemContent::Unfragmented {
                        content_type: ContentType(t),
                        length: (len % 40) as usize,
                    }
                },
            },
        )
    }

    proptest! {
        #[test]
        fn plans_cover_every_byte_once_within_the_mtu(
            items in prop::collection::vec(arb_item(), 0..8),
            mtu in prop_oneof![0usize..200, 200usize..1500, 1500usize..70_000],
        ) {
            match plan_flight(&items, mtu) {
                Ok(plan) => {
                    check(&items, mtu, &plan);
                }
                Err(PlanError::MtuTooSmall { item, needed }) => {
                    prop_assert!(needed > mtu || item_len(&items[item]) > MAX_PLAINTEXT_LEN);
                }
                Err(e) => prop_assert!(false, "{e}"),
            }
        }
    }
}
