//! The state one connection owns whatever its role: record protection, reassembly, the
//! transcript, the outgoing flight, the timers, the queues of datagrams and events, and the
//! connection's lifecycle. Roles (client, server) reach it only through the methods here, so
//! every lifecycle rule (what ends when, what is freed, which input counts as activity) is
//! enforced in one place.

mod driver;
mod flight;
mod timers;

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;

pub(crate) use driver::{Message, Role, close, drive, fail, on_timeout, poll_transmit, send};
pub(crate) use flight::PeerMessage;
pub(crate) use timers::Timer;

use self::flight::{Flight, Item, OldFragment};
use self::timers::TimerTable;
use super::{CloseReason, Event};
use crate::codec::Codec;
use crate::config::CommonConfig;
use crate::crypto::{CryptoProvider, HashAlgorithm, MAX_HASH_LEN, RecordCipher, SecureRandom};
use crate::error::Error;
use crate::handshake::limits::Limits;
use crate::handshake::reassembly::{Fragment, Reassembler, Received};
use crate::record::{Discard, RecordLayer, RecordStats};
use crate::time::Instant;
use crate::wire::{Alert, ContentType, HandshakeHeader, HandshakeType, RecordHeader, split_handshake};

/// Granularity of the receive buffer's growth.
const RX_BUF_STEP: usize = 256;

/// The buffer received datagrams are copied into so their records can be opened in place:
/// owned by the endpoint, not the connection (a server has one for all its sessions, since
/// it handles one datagram at a time), and kept across datagrams so receiving does not
/// allocate once it has grown. It grows in steps of `RX_BUF_STEP` up to the configured MTU,
/// so what it holds depends only on the size class of the largest datagram, not on the order
/// of sizes the peer sent; a datagram larger than our MTU (the peer's may be larger) gets a
/// buffer of its own, so one oversized datagram cannot pin 64 KiB.
#[derive(Debug, Default)]
pub(crate) struct RxBuffer(Vec<u8>);

impl RxBuffer {
    /// A buffer holding a copy of `datagram`.
    fn take_for(&mut self, datagram: &[u8], mtu: usize) -> Vec<u8> {
        let mut buf = if datagram.len() <= mtu {
            let mut buf = core::mem::take(&mut self.0);
            if buf.capacity() < datagram.len() {
                let class = datagram.len().div_ceil(RX_BUF_STEP).saturating_mul(RX_BUF_STEP);
                buf = Vec::with_capacity(class.min(mtu));
            }
            buf
        } else {
            Vec::new()
        };
        buf.clear();
        buf.extend_from_slice(datagram);
        buf
    }

    /// Keeps `buf` for the next datagram if it is within the MTU.
    fn give_back(&mut self, buf: Vec<u8>, mtu: usize) {
        if buf.capacity() <= mtu && buf.capacity() >= self.0.capacity() {
            self.0 = buf;
        }
    }
}

/// The queues of outgoing datagrams and events a server lends its sessions (see
/// [`Core::borrow_queues`]).
#[derive(Debug, Default)]
pub(crate) struct Queues {
    tx: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
}

/// The one place a wrong message becomes an error (its alert is unexpected_message), for
/// both roles' states.
// catalogue: RFC5246-7.4-1
pub(crate) fn unexpected(
    state: &'static str,
    expected: &'static [HandshakeType],
    received: HandshakeType,
) -> Error {
    Error::UnexpectedMessage {
        state,
        expected,
        received,
    }
}

/// What one received record amounted to, in order.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// A complete handshake message, in message_seq order.
    Handshake(Message),
    /// A fragment of a message already delivered: possibly the peer re-sending a flight.
    Old(OldFragment),
    /// ChangeCipherSpec, received in `epoch`.
    ChangeCipherSpec { epoch: u16 },
    /// An alert.
    Alert { alert: Alert, epoch: u16 },
    /// Application data, received in `epoch`.
    ApplicationData { data: Vec<u8>, epoch: u16 },
    /// A record of a protected read epoch failed to authenticate (except early-buffered
    /// non-handshake records, which are counted as stale; RFC 6347 4.1.2.7).
    BadRecordMac { epoch: u16, content_type: ContentType },
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

/// Application data that arrived between the peer's ChangeCipherSpec and a verified Finished:
/// held, not delivered, until the Finished verifies (TESTING.md section 3).
#[derive(Debug, Default)]
struct Held {
    data: Vec<Vec<u8>>,
    bytes: usize,
}

/// Sealed records of the next read epoch that arrived before its keys (RFC 6347 4.1).
#[derive(Debug, Default)]
struct Early {
    records: VecDeque<Vec<u8>>,
    bytes: usize,
}

/// Counters of what the lifecycle rules discarded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LifecycleStats {
    /// Re-sends asked for by a peer datagram but refused by the rate limit or the
    /// amplification budget.
    pub resends_suppressed: u64,
    /// Early next-epoch records that failed to authenticate once their keys arrived (e.g.
    /// stale records of a previous session), dropped.
    pub stale_early_records: u64,
    /// Application data records dropped because the early-data bounds were reached.
    pub early_data_dropped: u64,
    /// Next-epoch records dropped because the early-record bounds were reached.
    pub early_records_dropped: u64,
    /// Handshake fragments of a protected epoch dropped because an earlier message was still
    /// missing (the peer's re-sent flight brings them again, in order).
    pub protected_messages_ahead: u64,
}

/// The shared state of one connection.
#[derive(Debug)]
pub(crate) struct Core {
    provider: Arc<dyn CryptoProvider + Send + Sync>,
    limits: Limits,
    records: RecordLayer,
    reassembler: Reassembler,
    timers: TimerTable,
    flight: Flight,
    next_message_seq: u16,
    /// Every handshake message of this handshake in its unfragmented form (RFC 6347 4.2.6).
    transcript: Vec<u8>,
    tx: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    early: Early,
    held: Held,
    incoming: VecDeque<Incoming>,
    phase: Phase,
    /// Flights re-sent, by timer or in answer to the peer's retransmission.
    retransmissions: u64,
    /// Handshake records of the new epoch that failed to authenticate while the peer's
    /// Finished was expected (see `Limits::key_mismatch_after`).
    bad_finished_records: u8,
    stats: LifecycleStats,
}

impl Core {
    /// A connection's state under the settings both roles share.
    pub(crate) fn new(common: &CommonConfig, now: Instant) -> Self {
        let limits = common.limits;
        let mut timers = TimerTable::new(&limits);
        timers.set(Timer::Handshake, now + limits.handshake_timeout);
        Core {
            provider: common.provider.clone(),
            reassembler: Reassembler::new(&limits),
            timers,
            flight: Flight::new(common.mtu, common.min_mtu, common.compact),
            limits,
            records: RecordLayer::new(),
            next_message_seq: 0,
            transcript: Vec::new(),
            tx: VecDeque::new(),
            events: VecDeque::new(),
            early: Early::default(),
            held: Held::default(),
            incoming: VecDeque::new(),
            phase: Phase::Handshaking,
            retransmissions: 0,
            bad_finished_records: 0,
            stats: LifecycleStats::default(),
        }
    }

    // ---- what the roles read ----

    pub(crate) fn provider(&self) -> &Arc<dyn CryptoProvider + Send + Sync> {
        &self.provider
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    pub(crate) fn phase(&self) -> Phase {
        self.phase
    }

    pub(crate) fn read_epoch(&self) -> u16 {
        self.records.read_epoch()
    }

    pub(crate) fn record_stats(&self) -> &RecordStats {
        self.records.stats()
    }

    pub(crate) fn lifecycle_stats(&self) -> LifecycleStats {
        LifecycleStats {
            resends_suppressed: self.flight.suppressed(),
            ..self.stats
        }
    }

    pub(crate) fn retransmissions(&self) -> u64 {
        self.retransmissions
    }

    /// The MTU flights and records are sized for now (lowered by the PMTU back-off).
    pub(crate) fn path_mtu(&self) -> usize {
        self.flight.mtu()
    }

    /// The earliest armed timer of the connection.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.timers.next_deadline()
    }

    pub(crate) fn deadline(&self, timer: Timer) -> Option<Instant> {
        self.timers.get(timer)
    }

    // ---- transcript ----

    /// Appends a handshake message, in its unfragmented form, to the transcript.
    // catalogue: RFC6347-4.2.6-1
    pub(crate) fn add_to_transcript(&mut self, msg_type: HandshakeType, message_seq: u16, body: &[u8]) {
        let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
        let header = HandshakeHeader::unfragmented(msg_type, message_seq, len);
        // Encoding a header with an in-range length cannot fail; a body over 2^24 is refused
        // earlier by the reassembly limits and by our own message sizes.
        let _ = header.emit(&mut self.transcript);
        self.transcript.extend_from_slice(body);
    }

    /// Forgets the transcript: RFC 6347 4.2.1, the first ClientHello and the
    /// HelloVerifyRequest are not part of it.
    // catalogue: RFC6347-4.2.6-2
    pub(crate) fn reset_transcript(&mut self) {
        self.transcript.clear();
    }

    /// The transcript so far: what CertificateVerify signs (RFC 5246 7.4.8, the handshake
    /// messages up to but not including CertificateVerify itself).
    pub(crate) fn transcript(&self) -> &[u8] {
        &self.transcript
    }

    /// Hash of the transcript so far.
    pub(crate) fn transcript_hash(&self, alg: HashAlgorithm) -> Result<([u8; MAX_HASH_LEN], usize), Error> {
        let mut h = self.provider.hash(alg)?;
        h.update(&self.transcript);
        let mut out = [0u8; MAX_HASH_LEN];
        let n = h.peek(&mut out);
        Ok((out, n))
    }

    // ---- building and sending flights ----

    /// Queues a handshake message into the flight being built, in the current write epoch,
    /// and adds it to the transcript.
    pub(crate) fn queue_handshake(&mut self, msg_type: HandshakeType, body: Vec<u8>) {
        let message_seq = self.next_message_seq;
        self.next_message_seq = self.next_message_seq.wrapping_add(1);
        self.add_to_transcript(msg_type, message_seq, &body);
        let epoch = self.records.write_epoch();
        self.flight.push(Item::Handshake {
            epoch,
            msg_type,
            message_seq,
            body,
        });
    }

    /// Queues ChangeCipherSpec in the current write epoch and switches writing to the new
    /// epoch's keys, so what is queued next is protected (RFC 5246 7.1). It is an item of the
    /// flight, so it is retransmitted with its Finished (RFC 6347 4.2.5).
    // catalogue: RFC6347-4.2.5-1
    pub(crate) fn queue_change_cipher_spec(&mut self, write: Box<dyn RecordCipher>) -> Result<(), Error> {
        let epoch = self.records.write_epoch();
        self.flight.push(Item::ChangeCipherSpec { epoch });
        self.records.install_write(write)?;
        Ok(())
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
        self.flight.seal_flight(!await_reply);
        self.flight.transmit(&mut self.records, rng, &mut self.tx)?;
        if await_reply {
            self.timers.flight.start(now);
        } else {
            self.timers.flight.stop(now);
        }
        Ok(())
    }

    /// The peer's next flight began to arrive: ours is acknowledged.
    pub(crate) fn flight_acknowledged(&mut self, now: Instant) {
        self.timers.flight.stop(now);
    }

    /// Sets the message_seq of our next handshake message, and the peer's next expected one
    /// (RFC 6347 4.2.2: the server's first message takes the ClientHello's message_seq).
    pub(crate) fn start_sequences(&mut self, ours: u16, peer_next: u16) {
        self.next_message_seq = ours;
        self.reassembler.reset(peer_next);
    }

    /// Records a message of the peer's current flight (the next flight we send answers it).
    pub(crate) fn note_peer_message(&mut self, message: PeerMessage) {
        self.flight.note_peer_message(message);
    }

    /// Counts a datagram that reached this connection through another path (the server's
    /// front door) for the amplification budget.
    pub(crate) fn note_received_bytes(&mut self, bytes: usize) {
        self.flight.note_received(bytes);
    }

    /// Takes note of the record that carried a ClientHello parsed by the server's front door.
    pub(crate) fn accept_front_door_record(&mut self, header: &RecordHeader) -> bool {
        self.records.accept_plaintext(header)
    }

    /// Moves our epoch-0 write sequence forward (the server continues after the sequence
    /// number its stateless HelloVerifyRequest echoed; RFC 6347 4.2.1).
    pub(crate) fn advance_epoch0_write_sequence(&mut self, next: u64) -> Result<(), Error> {
        self.records.advance_write_sequence(0, next)
    }

    // ---- keys ----

    /// Installs the peer's new read keys (its ChangeCipherSpec arrived at the right time) and
    /// offers the records that arrived early for that epoch again.
    // catalogue: RFC6347-4.1-4
    pub(crate) fn switch_read_epoch(&mut self, read: Box<dyn RecordCipher>) -> Result<(), Error> {
        self.records.install_read(read)?;
        let early = core::mem::take(&mut self.early);
        for mut record in early.records {
            self.receive_record(&mut record, true);
        }
        Ok(())
    }

    // ---- events and lifecycle ----

    pub(crate) fn pop_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Handshake messages before the keys change must be in epoch 0 and the Finished in the
    /// new read epoch (RFC 6347 4.1: a message belongs to the epoch its keys were set for);
    /// anything else is an injected or confused record.
    pub(crate) fn check_handshake_epoch(&self, finished_expected: bool, epoch: u16) -> Result<(), Error> {
        let expected = if finished_expected { self.read_epoch() } else { 0 };
        if epoch != expected || (finished_expected && epoch == 0) {
            return Err(Error::protocol(
                crate::wire::AlertDescription::UNEXPECTED_MESSAGE,
                "handshake message in the wrong epoch",
            ));
        }
        Ok(())
    }

    pub(crate) fn peek_transmit_len(&self) -> Option<usize> {
        self.tx.front().map(Vec::len)
    }

    pub(crate) fn pop_transmit(&mut self) -> Option<Vec<u8>> {
        self.tx.pop_front()
    }

    /// Takes the endpoint's spare queues for one call, if ours are empty and smaller: a
    /// server's sessions have their datagrams and events moved out after every call, so one
    /// pair of queues, lent to whichever session is being called, serves them all.
    pub(crate) fn borrow_queues(&mut self, spare: &mut Queues) {
        if self.tx.is_empty() && self.tx.capacity() < spare.tx.capacity() {
            core::mem::swap(&mut self.tx, &mut spare.tx);
        }
        if self.events.is_empty() && self.events.capacity() < spare.events.capacity() {
            core::mem::swap(&mut self.events, &mut spare.events);
        }
    }

    /// Gives emptied queues back to the endpoint (the larger allocation is kept there, the
    /// other freed), so a session at rest holds none.
    pub(crate) fn return_queues(&mut self, spare: &mut Queues) {
        if self.tx.is_empty() {
            let tx = core::mem::take(&mut self.tx);
            if tx.capacity() > spare.tx.capacity() {
                spare.tx = tx;
            }
        }
        if self.events.is_empty() {
            let events = core::mem::take(&mut self.events);
            if events.capacity() > spare.events.capacity() {
                spare.events = events;
            }
        }
    }

    /// The handshake completed: report it, deliver held data, free what only the handshake
    /// needed (out-of-order leftovers, early records, the transcript and, unless it is the
    /// final flight that may have to be re-sent, the stored flight) and start the
    /// connection's timers (idle; epoch-0 retirement).
    pub(crate) fn connected(&mut self, now: Instant, event: Event) {
        self.phase = Phase::Connected;
        self.events.push_back(event);
        let held = core::mem::take(&mut self.held);
        for data in held.data {
            self.events.push_back(Event::Data(data));
        }
        self.reassembler.discard_buffered();
        self.early = Early::default();
        self.transcript = Vec::new();
        self.incoming.shrink_to_fit();
        if !self.flight.is_final() {
            self.flight.release();
        }
        self.timers.clear(Timer::Handshake);
        self.touch(now);
        self.timers
            .set(Timer::Epoch0Retire, now + self.limits.epoch0_linger);
        if self.flight.is_final() {
            self.timers
                .set(Timer::FinalFlightRelease, now + self.limits.handshake_timeout);
        }
    }

    /// An authenticated record arrived: the connection is alive.
    fn touch(&mut self, now: Instant) {
        if let Some(idle) = self.limits.idle_timeout
            && self.phase == Phase::Connected
        {
            self.timers.set(Timer::Idle, now + idle);
        }
    }

    /// Stops reading epoch 0: its linger is over, or the peer's first authenticated record
    /// after its Finished showed that the handshake is over for it too.
    fn retire_epoch0(&mut self) {
        self.timers.clear(Timer::Epoch0Retire);
        if self.records.reads_previous_epoch() && self.records.read_epoch() > 0 {
            self.records.retire_previous_read();
        }
    }

    /// Frees the stored final flight: the peer's authenticated application data shows it has
    /// it (RFC 6347 4.2.4: implicitly acknowledged), or the peer's handshake deadline passed.
    fn release_final_flight(&mut self) {
        self.timers.clear(Timer::FinalFlightRelease);
        if self.flight.is_final() {
            self.flight.release();
        }
    }

    /// The peer sent authenticated data after the handshake: it has our final flight.
    fn peer_completed(&mut self) {
        self.retire_epoch0();
        self.release_final_flight();
    }

    /// Marks the connection closed, reports why, and frees what it no longer needs. With
    /// `linger_from`, a re-sent close_notify is still answered until the close linger that
    /// starts then ends.
    pub(crate) fn finish(&mut self, reason: CloseReason, linger_from: Option<Instant>) {
        self.phase = Phase::Closed;
        self.timers.clear_all();
        if let Some(now) = linger_from {
            self.timers
                .set(Timer::CloseLinger, now + self.limits.close_linger);
        }
        self.incoming.clear();
        self.flight.release();
        self.reassembler.discard_buffered();
        self.early = Early::default();
        self.held = Held::default();
        self.events.push_back(Event::Closed(reason));
    }

    pub(crate) fn is_lingering(&self) -> bool {
        self.phase == Phase::Closed && self.timers.get(Timer::CloseLinger).is_some()
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
        let mut datagram = alloc::vec![0u8; overhead + payload.len()];
        let n = self
            .records
            .seal(epoch, content_type.0, payload, &mut datagram, rng)?;
        datagram.truncate(n);
        self.tx.push_back(datagram);
        Ok(())
    }

    /// Largest application payload one datagram can carry at the current epoch and path MTU
    /// (never more than 2^14 bytes).
    // catalogue: RFC6347-4.1.1.1-4
    pub(crate) fn max_payload(&self) -> usize {
        let mtu = self.flight.mtu();
        let overhead = self.records.overhead(self.records.write_epoch()).unwrap_or(mtu);
        mtu.saturating_sub(overhead).min(crate::record::MAX_PLAINTEXT_LEN)
    }

    // ---- receiving ----

    /// Opens every record of a datagram and queues what they carry on `incoming`. Invalid
    /// records are dropped and counted by the record layer.
    // catalogue: RFC6347-4.1.2.7-1, RFC6347-5-3
    pub(crate) fn receive_datagram(&mut self, now: Instant, datagram: &[u8], rx: &mut RxBuffer) {
        if self.phase == Phase::Closed && !self.is_lingering() {
            return;
        }
        self.flight.note_received(datagram.len());
        let authenticated_before = self.records.stats().accepted_protected;
        let mtu = self.flight.configured_mtu();
        let mut buf = rx.take_for(datagram, mtu);
        let mut rest: &mut [u8] = &mut buf;
        while !rest.is_empty() {
            let Some(len) = RecordLayer::record_len(rest) else {
                // RFC 6347 4.1.2.7: the rest of the datagram cannot be parsed; drop it.
                self.records.count_malformed();
                break;
            };
            let (record, tail) = core::mem::take(&mut rest).split_at_mut(len);
            rest = tail;
            self.receive_record(record, false);
        }
        rx.give_back(buf, mtu);
        // Only authenticated records are activity: a spoofed cleartext record must not keep an
        // idle connection alive.
        if self.records.stats().accepted_protected != authenticated_before {
            self.touch(now);
        }
    }

    fn receive_record(&mut self, record: &mut [u8], from_early_buffer: bool) {
        match self.records.open(record) {
            Ok(opened) => {
                let epoch = opened.header.epoch;
                let content_type = opened.header.content_type;
                let Some(plaintext) = record.get(opened.plaintext) else {
                    return;
                };
                self.dispatch(content_type, plaintext, epoch);
            }
            Err(Discard::FutureEpoch) => {
                // Buffered (bounded) until the keys arrive: see `switch_read_epoch`.
                // catalogue: RFC6347-4.1-4
                if self.phase == Phase::Handshaking
                    && self.early.records.len() < self.limits.max_early_records
                    && self.early.bytes + record.len() <= self.limits.max_early_record_bytes
                {
                    self.early.bytes += record.len();
                    self.early.records.push_back(record.to_vec());
                } else {
                    self.stats.early_records_dropped = self.stats.early_records_dropped.saturating_add(1);
                }
            }
            Err(Discard::BadMac) => {
                let Some(header) = RecordHeader::peek(record) else {
                    return;
                };
                if from_early_buffer && header.content_type != ContentType::HANDSHAKE {
                    // Application data or an alert that arrived before our keys and does not
                    // authenticate under them: most likely a stale record of the peer's
                    // previous session (a restarted client, RFC 6347 4.2.8), so it is only
                    // counted (4.1.2.7), never fatal.
                    self.stats.stale_early_records = self.stats.stale_early_records.saturating_add(1);
                    return;
                }
                self.incoming.push_back(Incoming::BadRecordMac {
                    epoch: header.epoch,
                    content_type: header.content_type,
                });
            }
            Err(_) => {}
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
                    if h.msg_type == HandshakeType::HELLO_REQUEST {
                        // RFC 5246 7.4.1.1: HelloRequest is not part of any handshake (not in
                        // the transcript), so it must not take a message_seq from the
                        // reassembler either: a forged one would otherwise consume the seq of
                        // the message the handshake needs next and stall it. It goes to the
                        // role as is (ignored mid-handshake, refused once connected).
                        if h.length == 0 && h.fragment_length == 0 {
                            self.incoming.push_back(Incoming::Handshake(Message {
                                msg_type: h.msg_type,
                                message_seq: h.message_seq,
                                body: Vec::new(),
                                epoch,
                            }));
                        }
                        continue;
                    }
                    if epoch > 0 && u32::from(h.message_seq) > self.reassembler.next_expected() {
                        // A protected message may only be taken when it is the next one: held
                        // behind a missing earlier message it would later be delivered with
                        // the epoch of whichever record fills the gap (an epoch-0 one), and
                        // the epoch rules of the handshake states could not judge it. This
                        // arises when the server read a ChangeCipherSpec before the
                        // CertificateVerify it waits for; the peer re-sends the flight.
                        self.stats.protected_messages_ahead =
                            self.stats.protected_messages_ahead.saturating_add(1);
                        continue;
                    }
                    let received = self.reassembler.insert(Fragment {
                        msg_type: h.msg_type.0,
                        length: h.length,
                        message_seq: h.message_seq,
                        fragment_offset: h.fragment_offset,
                        body: fragment.body,
                    });
                    if let Received::Old { .. } = received {
                        self.incoming.push_back(Incoming::Old(OldFragment {
                            message: PeerMessage {
                                epoch,
                                msg_type: h.msg_type,
                                message_seq: h.message_seq,
                                length: h.length,
                            },
                            fragment_offset: h.fragment_offset,
                            fragment_length: h.fragment_length,
                            authenticated: epoch > 0,
                        }));
                    }
                    while let Some(msg) = self.reassembler.pop() {
                        self.incoming.push_back(Incoming::Handshake(Message {
                            msg_type: HandshakeType(msg.msg_type),
                            message_seq: msg.message_seq,
                            body: msg.body,
                            epoch,
                        }));
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
            // Records of any other content type are dropped silently.
            // catalogue: RFC6347-4.1.2.7-1, RFC6347-5-3, RFC5246-6-2
            _ => {}
        }
    }

    /// Holds application data that arrived before the Finished verified, within the
    /// early-data bounds of [`Limits`] (count and bytes).
    fn hold(&mut self, data: Vec<u8>) {
        let fits = self.held.data.len() < self.limits.max_early_records
            && self.held.bytes + data.len() <= self.limits.max_early_record_bytes;
        if fits {
            self.held.bytes += data.len();
            self.held.data.push(data);
        } else {
            self.stats.early_data_dropped = self.stats.early_data_dropped.saturating_add(1);
        }
    }
}
