//! The machinery both roles share: record protection, the outgoing flight and its
//! retransmission, reassembly of incoming handshake messages, the transcript, and the queues
//! of datagrams and events.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use crate::codec::Codec;
use crate::config::Limits;
use crate::crypto::{CryptoProvider, MAX_HASH_LEN, SecureRandom};
use crate::error::Error;
use crate::handshake::fragment::{FlightItem as PlanItem, ItemContent, RecordPlan, plan_flight};
use crate::handshake::reassembly::{Fragment, Reassembler, Received};
use crate::handshake::timer::FlightTimer;
use crate::record::{Discard, RecordLayer};
use crate::time::Instant;
use crate::wire::{Alert, ContentType, HandshakeHeader, HandshakeType, split_handshake};

use super::Event;

/// One message of the flight we last sent, kept for retransmission (RFC 6347 4.2.4).
#[derive(Debug, Clone)]
pub(crate) enum FlightItem {
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

/// What one received record amounted to, in order.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// A complete handshake message, in message_seq order.
    Handshake {
        msg_type: HandshakeType,
        message_seq: u16,
        body: Vec<u8>,
        epoch: u16,
    },
    /// The peer re-sent a message we already processed.
    Retransmission { message_seq: u16 },
    /// ChangeCipherSpec, received in `epoch`.
    ChangeCipherSpec { epoch: u16 },
    /// An alert.
    Alert { alert: Alert, epoch: u16 },
    /// Application data, received in `epoch`.
    ApplicationData { data: Vec<u8>, epoch: u16 },
    /// A record of the current protected read epoch failed authentication.
    BadRecordMac { epoch: u16 },
}

/// Where the connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Handshaking,
    Connected,
    /// We sent close_notify and wait for the peer's.
    Closing,
    Closed,
}

/// The shared state of one connection.
#[derive(Debug)]
pub(crate) struct Core {
    pub(crate) provider: Arc<dyn CryptoProvider + Send + Sync>,
    pub(crate) limits: Limits,
    pub(crate) mtu: usize,
    pub(crate) records: RecordLayer,
    pub(crate) reassembler: Reassembler,
    pub(crate) timer: FlightTimer,
    pub(crate) next_message_seq: u16,
    flight: Vec<FlightItem>,
    /// The next queued message starts a new flight, replacing the stored one.
    flight_complete: bool,
    pub(crate) tx: VecDeque<Vec<u8>>,
    pub(crate) events: VecDeque<Event>,
    /// Every handshake message of this handshake in its unfragmented form (RFC 6347 4.2.6).
    pub(crate) transcript: Vec<u8>,
    /// Sealed records of the next read epoch that arrived before its keys (RFC 6347 4.1).
    early_records: VecDeque<Vec<u8>>,
    early_bytes: usize,
    pub(crate) incoming: VecDeque<Incoming>,
    pub(crate) phase: Phase,
    /// Read keys of the next epoch, installed when the peer's ChangeCipherSpec arrives.
    pub(crate) pending_read: Option<alloc::boxed::Box<dyn crate::crypto::RecordCipher>>,
    /// Flights re-sent, by timer or in answer to the peer's retransmission.
    pub(crate) retransmissions: u64,
    /// The stored flight is the last of the handshake: re-sent only when the peer re-sends
    /// its own last flight, never by timer.
    pub(crate) final_flight: bool,
    /// The last peer message_seq our stored flight answers. Only a re-sent message up to this
    /// one shows that the peer missed our flight; duplicates of the flight we are receiving
    /// now do not (answering those too makes both sides bounce flights forever).
    pub(crate) answered_seq: Option<u16>,
    /// Closed by the peer's close_notify, which we answered at this time: a re-sent
    /// close_notify (our answer was lost) is answered again until the linger time passes.
    pub(crate) answered_close_at: Option<Instant>,
    /// Reused buffer for opening received records in place.
    rx_buf: Vec<u8>,
}

impl Core {
    pub(crate) fn new(provider: Arc<dyn CryptoProvider + Send + Sync>, limits: Limits, mtu: usize) -> Self {
        Core {
            provider,
            reassembler: Reassembler::new(&limits),
            timer: FlightTimer::new(&limits),
            limits,
            mtu,
            records: RecordLayer::new(),
            next_message_seq: 0,
            flight: Vec::new(),
            flight_complete: true,
            tx: VecDeque::new(),
            events: VecDeque::new(),
            transcript: Vec::new(),
            early_records: VecDeque::new(),
            early_bytes: 0,
            incoming: VecDeque::new(),
            phase: Phase::Handshaking,
            pending_read: None,
            retransmissions: 0,
            final_flight: false,
            answered_seq: None,
            answered_close_at: None,
            rx_buf: Vec::new(),
        }
    }

    /// Appends a handshake message, in its unfragmented form, to the transcript.
    pub(crate) fn add_to_transcript(&mut self, msg_type: HandshakeType, message_seq: u16, body: &[u8]) {
        let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
        let header = HandshakeHeader::unfragmented(msg_type, message_seq, len);
        // Encoding a header with an in-range length cannot fail; a body over 2^24 is refused
        // earlier by the reassembly limits and by our own message sizes.
        let _ = header.emit(&mut self.transcript);
        self.transcript.extend_from_slice(body);
    }

    /// Hash of the transcript so far.
    pub(crate) fn transcript_hash(
        &self,
        alg: crate::crypto::HashAlgorithm,
    ) -> Result<([u8; MAX_HASH_LEN], usize), Error> {
        let mut h = self.provider.hash(alg)?;
        h.update(&self.transcript);
        let mut out = [0u8; MAX_HASH_LEN];
        let n = h.peek(&mut out);
        Ok((out, n))
    }

    /// Queues a handshake message into the flight being built, in the current write epoch.
    pub(crate) fn queue_handshake(&mut self, msg_type: HandshakeType, body: Vec<u8>, transcript: bool) {
        self.start_flight_if_needed();
        let message_seq = self.next_message_seq;
        self.next_message_seq = self.next_message_seq.wrapping_add(1);
        if transcript {
            self.add_to_transcript(msg_type, message_seq, &body);
        }
        let epoch = self.records.write_epoch();
        self.flight.push(FlightItem::Handshake {
            epoch,
            msg_type,
            message_seq,
            body,
        });
    }

    /// Queues ChangeCipherSpec in the current write epoch; the caller installs the new write
    /// keys right after.
    pub(crate) fn queue_change_cipher_spec(&mut self) {
        self.start_flight_if_needed();
        let epoch = self.records.write_epoch();
        self.flight.push(FlightItem::ChangeCipherSpec { epoch });
    }

    fn start_flight_if_needed(&mut self) {
        if self.flight_complete {
            self.flight.clear();
            self.flight_complete = false;
        }
    }

    /// Sends the flight just built. With `await_reply` the retransmission timer runs until the
    /// peer's next flight arrives; the final flight of a handshake is instead re-sent only
    /// when the peer re-sends its own (RFC 6347 4.2.4, figure 2).
    pub(crate) fn send_flight(
        &mut self,
        now: Instant,
        rng: &mut dyn SecureRandom,
        await_reply: bool,
    ) -> Result<(), Error> {
        self.flight_complete = true;
        self.final_flight = !await_reply;
        self.answered_seq = self
            .reassembler
            .next_expected()
            .checked_sub(1)
            .and_then(|s| u16::try_from(s).ok());
        self.transmit_flight(rng)?;
        if await_reply {
            self.timer.start(now);
        } else {
            self.timer.stop(now);
        }
        Ok(())
    }

    /// The peer's next flight began to arrive: ours is acknowledged.
    pub(crate) fn flight_acknowledged(&mut self, now: Instant) {
        self.timer.stop(now);
    }

    /// Sends the stored flight again. Retransmitted records keep their epoch and take fresh
    /// sequence numbers (RFC 6347 4.2.4, 4.1).
    pub(crate) fn retransmit(&mut self, rng: &mut dyn SecureRandom) -> Result<(), Error> {
        self.retransmissions = self.retransmissions.saturating_add(1);
        self.transmit_flight(rng)
    }

    /// Whether a flight is stored for re-sending.
    pub(crate) fn has_flight(&self) -> bool {
        !self.flight.is_empty()
    }

    /// Fragments the stored flight to the MTU, packs records into datagrams and seals them.
    fn transmit_flight(&mut self, rng: &mut dyn SecureRandom) -> Result<(), Error> {
        let flight = core::mem::take(&mut self.flight);
        let result = self.pack_flight(&flight, rng);
        self.flight = flight;
        result
    }

    fn pack_flight(&mut self, flight: &[FlightItem], rng: &mut dyn SecureRandom) -> Result<(), Error> {
        let mut items = Vec::with_capacity(flight.len());
        for item in flight {
            let (epoch, content) = match item {
                FlightItem::ChangeCipherSpec { epoch } => (
                    *epoch,
                    ItemContent::Unfragmented {
                        content_type: ContentType::CHANGE_CIPHER_SPEC.0,
                        length: 1,
                    },
                ),
                FlightItem::Handshake {
                    epoch,
                    msg_type,
                    message_seq,
                    body,
                } => (
                    *epoch,
                    ItemContent::Handshake {
                        msg_type: msg_type.0,
                        message_seq: *message_seq,
                        length: u32::try_from(body.len()).map_err(|_| Error::RecordTooLarge)?,
                    },
                ),
            };
            let record_overhead = self.records.overhead(epoch).ok_or(Error::NoKeysForEpoch)?;
            items.push(PlanItem {
                epoch,
                record_overhead,
                content,
            });
        }
        let plan =
            plan_flight(&items, self.mtu).map_err(|_| Error::Config("MTU too small for the flight"))?;
        let mut payload = Vec::new();
        for datagram_plan in plan {
            let mut datagram = vec![0u8; datagram_plan.max_len()];
            let mut used = 0;
            let mut records = datagram_plan.records.iter().peekable();
            while let Some(record) = records.next() {
                payload.clear();
                self.append_planned(flight, record, &mut payload)?;
                // RFC 6347 4.2.3: several handshake messages may share one record. Merging
                // consecutive handshake fragments of one epoch saves a record header (and a
                // nonce and tag) per message; the plan already fits the MTU with separate
                // records, so the merged datagram only gets smaller.
                while let Some(next) = records.peek() {
                    let mergeable = record.fragment.is_some()
                        && next.fragment.is_some()
                        && next.epoch == record.epoch
                        && payload.len() + next.plaintext_len() <= crate::record::MAX_PLAINTEXT_LEN;
                    if !mergeable {
                        break;
                    }
                    self.append_planned(flight, next, &mut payload)?;
                    records.next();
                }
                let out = datagram
                    .get_mut(used..)
                    .ok_or(Error::BufferTooSmall { needed: used })?;
                used += self
                    .records
                    .seal(record.epoch, record.content_type, &payload, out, rng)?;
            }
            datagram.truncate(used);
            self.tx.push_back(datagram);
        }
        Ok(())
    }

    /// Appends the plaintext of one planned record (handshake header and body bytes, or the
    /// ChangeCipherSpec byte) to `payload`.
    fn append_planned(
        &self,
        flight: &[FlightItem],
        record: &RecordPlan,
        payload: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let source: &[u8] = match flight.get(record.item) {
            Some(FlightItem::Handshake { body, .. }) => body,
            _ => &[1],
        };
        if let Some(header) = &record.fragment {
            payload.extend_from_slice(&header.to_bytes());
        }
        payload.extend_from_slice(source.get(record.range.clone()).ok_or(Error::RecordTooLarge)?);
        Ok(())
    }

    /// Seals a single record as its own datagram (alerts, application data).
    pub(crate) fn send_record(
        &mut self,
        content_type: ContentType,
        payload: &[u8],
        rng: &mut dyn SecureRandom,
    ) -> Result<(), Error> {
        let epoch = self.records.write_epoch();
        let overhead = self.records.overhead(epoch).ok_or(Error::NoKeysForEpoch)?;
        let mut datagram = vec![0u8; overhead + payload.len()];
        let n = self
            .records
            .seal(epoch, content_type.0, payload, &mut datagram, rng)?;
        datagram.truncate(n);
        self.tx.push_back(datagram);
        Ok(())
    }

    /// Largest application payload one datagram can carry at the current epoch.
    pub(crate) fn max_payload(&self) -> usize {
        let overhead = self
            .records
            .overhead(self.records.write_epoch())
            .unwrap_or(self.mtu);
        self.mtu
            .saturating_sub(overhead)
            .min(crate::record::MAX_PLAINTEXT_LEN)
    }

    /// Opens every record of a datagram and queues what they carry on `self.incoming`.
    /// Invalid records are dropped and counted by the record layer.
    pub(crate) fn receive_datagram(&mut self, datagram: &[u8]) {
        // Records are opened in place, so the datagram is copied once into a buffer kept
        // across datagrams (no allocation per datagram once it has grown to the MTU).
        let mut buf = core::mem::take(&mut self.rx_buf);
        buf.clear();
        buf.extend_from_slice(datagram);
        let mut rest: &mut [u8] = &mut buf;
        while !rest.is_empty() {
            let Some(len) = RecordLayer::record_len(rest) else {
                // RFC 6347 4.1.2.7: the rest of the datagram cannot be parsed; drop it.
                self.records.count_malformed();
                break;
            };
            let (record, tail) = core::mem::take(&mut rest).split_at_mut(len);
            rest = tail;
            self.receive_record(record);
        }
        // Keep the buffer only at a working size: one oversized datagram from a peer must not
        // pin 64 KiB per session for the rest of its life.
        if buf.capacity() <= 2 * self.mtu.max(1500) {
            self.rx_buf = buf;
        }
    }

    fn receive_record(&mut self, record: &mut [u8]) {
        match self.records.open(record) {
            Ok(opened) => {
                let epoch = opened.header.epoch;
                let content_type = ContentType(opened.header.content_type);
                let Some(plaintext) = record.get(opened.plaintext) else {
                    return;
                };
                self.dispatch(content_type, plaintext, epoch);
            }
            Err(Discard::FutureEpoch) => {
                if self.early_records.len() < self.limits.max_early_records
                    && self.early_bytes + record.len() <= self.limits.max_early_record_bytes
                {
                    self.early_bytes += record.len();
                    self.early_records.push_back(record.to_vec());
                }
            }
            Err(Discard::BadMac) => {
                if let Some(header) = crate::record::Header::read(record) {
                    self.incoming
                        .push_back(Incoming::BadRecordMac { epoch: header.epoch });
                }
            }
            Err(_) => {}
        }
    }

    /// The peer's ChangeCipherSpec arrived at the right time: switch to the new read keys and
    /// offer the records that arrived early for that epoch again.
    pub(crate) fn switch_read_epoch(&mut self) -> Result<(), Error> {
        let cipher = self.pending_read.take().ok_or(Error::protocol(
            crate::wire::AlertDescription::UNEXPECTED_MESSAGE,
            "ChangeCipherSpec before keys",
        ))?;
        self.records.install_read(cipher)?;
        self.replay_early_records();
        Ok(())
    }

    /// Offers the records buffered for the next epoch again, after its keys were installed.
    pub(crate) fn replay_early_records(&mut self) {
        let early = core::mem::take(&mut self.early_records);
        self.early_bytes = 0;
        for mut record in early {
            self.receive_record(&mut record);
        }
    }

    fn dispatch(&mut self, content_type: ContentType, plaintext: &[u8], epoch: u16) {
        match content_type {
            ContentType::HANDSHAKE => {
                for fragment in split_handshake(plaintext) {
                    let Ok(fragment) = fragment else {
                        // A malformed handshake record is dropped like any invalid record.
                        break;
                    };
                    let h = fragment.header;
                    let received = self.reassembler.insert(Fragment {
                        msg_type: h.msg_type.0,
                        length: h.length,
                        message_seq: h.message_seq,
                        fragment_offset: h.fragment_offset,
                        body: fragment.body,
                    });
                    if let Received::Old { message_seq, .. } = received {
                        self.incoming.push_back(Incoming::Retransmission { message_seq });
                    }
                    while let Some(msg) = self.reassembler.pop() {
                        self.incoming.push_back(Incoming::Handshake {
                            msg_type: HandshakeType(msg.msg_type),
                            message_seq: msg.message_seq,
                            body: msg.body,
                            epoch,
                        });
                    }
                }
            }
            // RFC 5246 7.1: the only valid ChangeCipherSpec is the single byte 1.
            ContentType::CHANGE_CIPHER_SPEC if plaintext == [1] => {
                self.incoming.push_back(Incoming::ChangeCipherSpec { epoch });
            }
            ContentType::ALERT => {
                if let Ok(alert) = Alert::parse(plaintext) {
                    self.incoming.push_back(Incoming::Alert { alert, epoch });
                }
            }
            ContentType::APPLICATION_DATA => {
                self.incoming.push_back(Incoming::ApplicationData {
                    data: plaintext.to_vec(),
                    epoch,
                });
            }
            _ => {}
        }
    }
}
