//! The record layer: epochs, 48-bit sequence numbers, sealing and opening records in place,
//! replay protection and the counted, silent discard of invalid records.
//!
//! Nothing here allocates per record: ciphers are built once per epoch (keys expanded once,
//! see notes/cortex-m-crypto-costs.md) and records are sealed and opened inside the caller's
//! buffers.

mod replay;

use alloc::boxed::Box;
use core::ops::Range;

pub use replay::{ReplayCheck, ReplayWindow, WINDOW_SIZE};

use crate::crypto::{ExplicitNonce, RecordAad, RecordCipher, SecureRandom};
use crate::error::Error;
use crate::wire::{ContentType, ProtocolVersion, RecordHeader};

/// Length of the DTLS record header: type(1) version(2) epoch(2) sequence_number(6) length(2).
pub const HEADER_LEN: usize = RecordHeader::LEN;

/// Largest plaintext a record may carry (RFC 5246 6.2.1: 2^14).
pub const MAX_PLAINTEXT_LEN: usize = 1 << 14;

/// Largest fragment a protected record may carry (RFC 5246 6.2.3: 2^14 + 2048).
pub const MAX_FRAGMENT_LEN: usize = MAX_PLAINTEXT_LEN + 2048;

/// Largest 48-bit sequence number (RFC 6347 4.1).
pub const MAX_SEQUENCE: u64 = RecordHeader::MAX_SEQUENCE_NUMBER;

/// Why a record was dropped. Invalid records are never errors: RFC 6347 4.1.2.7 says they
/// SHOULD be silently discarded, so one forged datagram cannot tear down a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Discard {
    /// The header or length did not parse, or the version is not DTLS.
    Malformed,
    /// Longer than the record layer allows (RFC 5246 6.2.3).
    TooLarge,
    /// The epoch is neither the current nor the previous read epoch, nor the next one.
    UnknownEpoch,
    /// The next epoch, whose keys are not installed yet. The caller may buffer the record
    /// (bounded) and offer it again once the keys exist (RFC 6347 4.1: records of the next
    /// epoch may arrive before the Finished that introduces it).
    FutureEpoch,
    /// Too short to hold the explicit nonce or IV plus the tag or MAC; dropped before any
    /// crypto runs.
    TooShort,
    /// Failed to authenticate (bad tag, MAC or padding; which one is not said).
    BadMac,
    /// Already received, or too old for the replay window.
    Replayed,
}

/// Counters of dropped records, by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecordStats {
    /// Records opened successfully.
    pub accepted: u64,
    /// Of those, records of a protected epoch (authenticated by a cipher).
    pub accepted_protected: u64,
    /// See [`Discard::Malformed`].
    pub malformed: u64,
    /// See [`Discard::TooLarge`].
    pub too_large: u64,
    /// See [`Discard::UnknownEpoch`].
    pub unknown_epoch: u64,
    /// See [`Discard::FutureEpoch`].
    pub future_epoch: u64,
    /// See [`Discard::TooShort`].
    pub too_short: u64,
    /// See [`Discard::BadMac`].
    pub bad_mac: u64,
    /// See [`Discard::Replayed`].
    pub replayed: u64,
}

impl RecordStats {
    fn count(&mut self, reason: Discard) {
        let slot = match reason {
            Discard::Malformed => &mut self.malformed,
            Discard::TooLarge => &mut self.too_large,
            Discard::UnknownEpoch => &mut self.unknown_epoch,
            Discard::FutureEpoch => &mut self.future_epoch,
            Discard::TooShort => &mut self.too_short,
            Discard::BadMac => &mut self.bad_mac,
            Discard::Replayed => &mut self.replayed,
        };
        *slot = slot.saturating_add(1);
    }

    /// Adds another set of counters into this one (e.g. a server's sessions).
    pub fn add(&mut self, other: &RecordStats) {
        self.accepted = self.accepted.saturating_add(other.accepted);
        self.accepted_protected = self.accepted_protected.saturating_add(other.accepted_protected);
        self.malformed = self.malformed.saturating_add(other.malformed);
        self.too_large = self.too_large.saturating_add(other.too_large);
        self.unknown_epoch = self.unknown_epoch.saturating_add(other.unknown_epoch);
        self.future_epoch = self.future_epoch.saturating_add(other.future_epoch);
        self.too_short = self.too_short.saturating_add(other.too_short);
        self.bad_mac = self.bad_mac.saturating_add(other.bad_mac);
        self.replayed = self.replayed.saturating_add(other.replayed);
    }

    /// Total records dropped for any reason.
    pub fn dropped(&self) -> u64 {
        self.malformed
            + self.too_large
            + self.unknown_epoch
            + self.future_epoch
            + self.too_short
            + self.bad_mac
            + self.replayed
    }
}

/// One direction's state for one epoch.
#[derive(Debug)]
struct EpochKeys {
    epoch: u16,
    /// `None` is the null cipher of epoch 0.
    cipher: Option<Box<dyn RecordCipher>>,
}

impl EpochKeys {
    fn prefix_len(&self) -> usize {
        self.cipher.as_ref().map_or(0, |c| c.prefix_len())
    }
    fn max_suffix_len(&self) -> usize {
        self.cipher.as_ref().map_or(0, |c| c.max_suffix_len())
    }
}

#[derive(Debug)]
struct WriteEpoch {
    keys: EpochKeys,
    next_sequence: u64,
}

#[derive(Debug)]
struct ReadEpoch {
    keys: EpochKeys,
    window: ReplayWindow,
}

/// A record that opened: where its plaintext sits in the buffer that was passed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The record's header.
    pub header: RecordHeader,
    /// Range of the plaintext inside the record buffer (header included in the indexing).
    pub plaintext: Range<usize>,
}

/// Record protection for one connection: the current and previous epoch in each direction.
///
/// The previous write epoch is kept because a retransmitted flight keeps the epoch it was first
/// sent in (RFC 6347 4.2.4); the previous read epoch is kept because the peer's retransmissions
/// of its earlier flight may still arrive after it switched keys.
#[derive(Debug)]
pub struct RecordLayer {
    write: WriteEpoch,
    previous_write: Option<WriteEpoch>,
    read: ReadEpoch,
    previous_read: Option<ReadEpoch>,
    stats: RecordStats,
}

impl Default for RecordLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl RecordLayer {
    /// A record layer in epoch 0 (no protection) in both directions.
    pub fn new() -> Self {
        RecordLayer {
            write: WriteEpoch {
                keys: EpochKeys {
                    epoch: 0,
                    cipher: None,
                },
                next_sequence: 0,
            },
            previous_write: None,
            read: ReadEpoch {
                keys: EpochKeys {
                    epoch: 0,
                    cipher: None,
                },
                window: ReplayWindow::new(),
            },
            previous_read: None,
            stats: RecordStats::default(),
        }
    }

    /// Drop counters and accepted count so far.
    pub fn stats(&self) -> &RecordStats {
        &self.stats
    }

    /// The current write epoch.
    pub fn write_epoch(&self) -> u16 {
        self.write.keys.epoch
    }

    /// The current read epoch.
    pub fn read_epoch(&self) -> u16 {
        self.read.keys.epoch
    }

    /// Next sequence number to be used in `epoch` (current or previous write epoch).
    pub fn next_write_sequence(&self, epoch: u16) -> Option<u64> {
        self.write_state(epoch).map(|w| w.next_sequence)
    }

    /// Moves the next write sequence number of `epoch` (current or previous write epoch)
    /// forward to `next`.
    ///
    /// Sequence numbers may skip (RFC 6347 4.1 only asks that they increase, and the peer's
    /// replay window tolerates gaps) but must never repeat: with an AEAD cipher the explicit
    /// nonce is the sequence number, so a repeat reuses a nonce. Moving backwards is therefore
    /// refused with [`Error::Config`], and `next` above [`MAX_SEQUENCE`] with
    /// [`Error::SequenceExhausted`]. Meant for restoring a saved write state (with numbers
    /// reserved ahead) and for testing the exhaustion path.
    pub fn advance_write_sequence(&mut self, epoch: u16, next: u64) -> Result<(), Error> {
        let state = self.write_state_mut(epoch).ok_or(Error::NoKeysForEpoch)?;
        if next > MAX_SEQUENCE {
            return Err(Error::SequenceExhausted);
        }
        if next < state.next_sequence {
            return Err(Error::Config("write sequence numbers may only move forward"));
        }
        state.next_sequence = next;
        Ok(())
    }

    /// Installs keys for the next write epoch (after sending ChangeCipherSpec). The epoch
    /// number increases by one and sequence numbers restart at zero (RFC 6347 4.1).
    pub fn install_write(&mut self, cipher: Box<dyn RecordCipher>) -> Result<u16, Error> {
        let epoch = self
            .write
            .keys
            .epoch
            .checked_add(1)
            .ok_or(Error::SequenceExhausted)?;
        let next = WriteEpoch {
            keys: EpochKeys {
                epoch,
                cipher: Some(cipher),
            },
            next_sequence: 0,
        };
        self.previous_write = Some(core::mem::replace(&mut self.write, next));
        Ok(epoch)
    }

    /// Installs keys for the next read epoch (on receiving ChangeCipherSpec), with an empty
    /// replay window.
    // catalogue: RFC6347-4.1.2.6-2
    pub fn install_read(&mut self, cipher: Box<dyn RecordCipher>) -> Result<u16, Error> {
        let epoch = self
            .read
            .keys
            .epoch
            .checked_add(1)
            .ok_or(Error::SequenceExhausted)?;
        let next = ReadEpoch {
            keys: EpochKeys {
                epoch,
                cipher: Some(cipher),
            },
            window: ReplayWindow::new(),
        };
        self.previous_read = Some(core::mem::replace(&mut self.read, next));
        Ok(epoch)
    }

    /// Forgets the previous read epoch, once nothing more is expected in it (e.g. some time
    /// after the handshake completed). Its records are then dropped as an unknown epoch.
    pub fn retire_previous_read(&mut self) {
        self.previous_read = None;
    }

    /// Whether records of the previous read epoch are still read.
    pub fn reads_previous_epoch(&self) -> bool {
        self.previous_read.is_some()
    }

    /// Takes note of an epoch-0 record that was already parsed elsewhere (the server's
    /// stateless front door reads the first ClientHello before a session exists): it counts
    /// as accepted and moves the epoch-0 window exactly as [`open`](Self::open) would have.
    /// Returns `false` (and counts a discard) if this record layer is past epoch 0 or the
    /// record is a duplicate.
    pub fn accept_plaintext(&mut self, header: &RecordHeader) -> bool {
        if header.epoch != 0 || self.read.keys.epoch != 0 {
            self.stats.count(Discard::UnknownEpoch);
            return false;
        }
        if self.read.window.check(header.sequence_number) == ReplayCheck::Duplicate {
            self.stats.count(Discard::Replayed);
            return false;
        }
        self.read.window.update(header.sequence_number);
        self.stats.accepted = self.stats.accepted.saturating_add(1);
        true
    }

    fn write_state(&self, epoch: u16) -> Option<&WriteEpoch> {
        if self.write.keys.epoch == epoch {
            Some(&self.write)
        } else {
            self.previous_write.as_ref().filter(|w| w.keys.epoch == epoch)
        }
    }

    fn write_state_mut(&mut self, epoch: u16) -> Option<&mut WriteEpoch> {
        if self.write.keys.epoch == epoch {
            Some(&mut self.write)
        } else {
            self.previous_write.as_mut().filter(|w| w.keys.epoch == epoch)
        }
    }

    /// Bytes a record in `epoch` adds around its plaintext at most (header, explicit nonce or
    /// IV, tag or MAC plus padding). Used to size fragments to the path MTU.
    pub fn overhead(&self, epoch: u16) -> Option<usize> {
        self.write_state(epoch)
            .map(|w| HEADER_LEN + w.keys.prefix_len() + w.keys.max_suffix_len())
    }

    /// Where the plaintext must be placed in the output buffer for [`Self::seal_in_place`].
    pub fn plaintext_offset(&self, epoch: u16) -> Option<usize> {
        self.write_state(epoch).map(|w| HEADER_LEN + w.keys.prefix_len())
    }

    /// Seals `payload` as one record of `content_type` in `epoch` (the current or previous
    /// write epoch) into `out`, returning the record's length. Copies the payload once and
    /// never allocates.
    pub fn seal(
        &mut self,
        epoch: u16,
        content_type: u8,
        payload: &[u8],
        out: &mut [u8],
        rng: &mut dyn SecureRandom,
    ) -> Result<usize, Error> {
        let offset = self.plaintext_offset(epoch).ok_or(Error::NoKeysForEpoch)?;
        let end = offset + payload.len();
        let slot = out
            .get_mut(offset..end)
            .ok_or(Error::BufferTooSmall { needed: end })?;
        // Whole 16-byte pieces as fixed-size copies, then the rest: a copy of run-time length
        // into this unaligned slot is a byte-wise memcpy call on a Cortex-M.
        let mut dst = slot.chunks_exact_mut(16);
        let mut src = payload.chunks_exact(16);
        for (d, s) in (&mut dst).zip(&mut src) {
            d.copy_from_slice(s);
        }
        dst.into_remainder().copy_from_slice(src.remainder());
        self.seal_in_place(epoch, content_type, out, payload.len(), rng)
    }

    /// Seals a record whose plaintext the caller already wrote at
    /// `buf[plaintext_offset(epoch)..][..plaintext_len]`; writes the header and the explicit
    /// nonce or IV in front and the tag or MAC behind. Returns the record's length.
    pub fn seal_in_place(
        &mut self,
        epoch: u16,
        content_type: u8,
        buf: &mut [u8],
        plaintext_len: usize,
        rng: &mut dyn SecureRandom,
    ) -> Result<usize, Error> {
        // catalogue: RFC5246-6.2.1-1
        if plaintext_len > MAX_PLAINTEXT_LEN {
            return Err(Error::RecordTooLarge);
        }
        let state = self.write_state_mut(epoch).ok_or(Error::NoKeysForEpoch)?;
        let sequence = state.next_sequence;
        // RFC 6347 4.1: sequence numbers must not wrap; refuse instead of reusing a nonce.
        // catalogue: RFC6347-4.1-6
        if sequence > MAX_SEQUENCE {
            return Err(Error::SequenceExhausted);
        }
        let prefix = state.keys.prefix_len();
        let needed = HEADER_LEN + prefix + plaintext_len + state.keys.max_suffix_len();
        if buf.len() < needed {
            return Err(Error::BufferTooSmall { needed });
        }
        let mut header = RecordHeader {
            content_type: ContentType(content_type),
            version: ProtocolVersion::DTLS1_2,
            epoch,
            sequence_number: sequence,
            length: 0,
        };
        let body = buf
            .get_mut(HEADER_LEN..needed)
            .ok_or(Error::BufferTooSmall { needed })?;
        let fragment_len = match &state.keys.cipher {
            None => plaintext_len,
            Some(cipher) => {
                let explicit = body.get_mut(..prefix).ok_or(Error::BufferTooSmall { needed })?;
                match cipher.explicit_nonce() {
                    // The AEAD explicit nonce is epoch and sequence number: never repeated.
                    // catalogue: RFC6655-3-1, RFC6655-3-2
                    ExplicitNonce::Sequence => {
                        let nonce = header.full_sequence().to_be_bytes();
                        explicit
                            .get_mut(..nonce.len())
                            .ok_or(Error::BufferTooSmall { needed })?
                            .copy_from_slice(&nonce);
                    }
                    // catalogue: RFC5246-6.2.3.2-1
                    ExplicitNonce::RandomIv(_) => rng.fill(explicit),
                    ExplicitNonce::None => {}
                }
                let aad = RecordAad {
                    seq: header.full_sequence(),
                    content_type,
                    version: ProtocolVersion::DTLS1_2.0,
                };
                cipher.seal(&aad, body, plaintext_len)?
            }
        };
        header.length = u16::try_from(fragment_len).map_err(|_| Error::RecordTooLarge)?;
        header.write_into(buf)?;
        state.next_sequence = sequence + 1;
        Ok(HEADER_LEN + fragment_len)
    }

    /// Splits the first record off a datagram: returns its total length, or `None` when the
    /// rest of the datagram cannot hold a record (RFC 6347 4.1.2.7: the rest is discarded).
    pub fn record_len(datagram: &[u8]) -> Option<usize> {
        let len = RecordHeader::peek(datagram)?.record_len();
        (len <= datagram.len()).then_some(len)
    }

    /// Counts a datagram remainder that could not be split into records.
    pub fn count_malformed(&mut self) {
        self.stats.count(Discard::Malformed);
    }

    /// Opens one record (header and fragment, exactly) in place. Invalid records are counted
    /// and reported as a [`Discard`]; the caller drops them silently.
    pub fn open(&mut self, record: &mut [u8]) -> Result<Opened, Discard> {
        let result = self.open_inner(record);
        match &result {
            Ok(opened) => {
                self.stats.accepted = self.stats.accepted.saturating_add(1);
                if opened.header.epoch > 0 {
                    self.stats.accepted_protected = self.stats.accepted_protected.saturating_add(1);
                }
            }
            Err(reason) => self.stats.count(*reason),
        }
        result
    }

    fn open_inner(&mut self, record: &mut [u8]) -> Result<Opened, Discard> {
        let header = RecordHeader::peek(record).ok_or(Discard::Malformed)?;
        let fragment_len = usize::from(header.length);
        if record.len() != HEADER_LEN + fragment_len {
            return Err(Discard::Malformed);
        }
        // Epoch 0 may carry the DTLS 1.0 version (RFC 6347 4.1); protected epochs must say 1.2
        // (the version is authenticated anyway).
        let version_ok = header.version == ProtocolVersion::DTLS1_2
            || (header.epoch == 0 && header.version == ProtocolVersion::DTLS1_0);
        if !version_ok {
            return Err(Discard::Malformed);
        }
        if fragment_len > MAX_FRAGMENT_LEN {
            return Err(Discard::TooLarge);
        }
        // The previous read epoch stays readable until it is retired after the handshake.
        // catalogue: RFC6347-4.1-3
        let state = if header.epoch == self.read.keys.epoch {
            &mut self.read
        } else if let Some(prev) = self
            .previous_read
            .as_mut()
            .filter(|p| p.keys.epoch == header.epoch)
        {
            prev
        } else if Some(header.epoch) == self.read.keys.epoch.checked_add(1) {
            return Err(Discard::FutureEpoch);
        } else {
            return Err(Discard::UnknownEpoch);
        };
        // The replay check comes first, before any cryptography.
        // Epoch 0 is unauthenticated, so there the window only weeds out exact duplicates: a
        // record left of the window is let through, because anyone can inject one record with a
        // high sequence number and would otherwise make every genuine handshake record look
        // old (TESTING.md: "a large epoch on an early record does not poison later legitimate
        // records"). Repeated epoch-0 handshake messages are caught by message_seq as well, and
        // epoch-0 application data is never delivered.
        // catalogue: RFC6347-4.1.2.6-3, RFC6347-4.1.2.6-4
        let protected = state.keys.cipher.is_some();
        match state.window.check(header.sequence_number) {
            ReplayCheck::Fresh => {}
            ReplayCheck::Duplicate => return Err(Discard::Replayed),
            ReplayCheck::TooOld if protected => return Err(Discard::Replayed),
            ReplayCheck::TooOld => {}
        }
        let fragment = record.get_mut(HEADER_LEN..).ok_or(Discard::Malformed)?;
        let plaintext = match &state.keys.cipher {
            None => {
                if fragment_len > MAX_PLAINTEXT_LEN {
                    return Err(Discard::TooLarge);
                }
                0..fragment_len
            }
            Some(cipher) => {
                if fragment_len < cipher.min_fragment_len() {
                    return Err(Discard::TooShort);
                }
                let aad = RecordAad {
                    seq: header.full_sequence(),
                    content_type: header.content_type.0,
                    version: header.version.0,
                };
                let range = cipher.open(&aad, fragment).map_err(|_| Discard::BadMac)?;
                if range.len() > MAX_PLAINTEXT_LEN {
                    return Err(Discard::TooLarge);
                }
                range
            }
        };
        // Only now, after authentication, may the window move (RFC 6347 4.1.2.6).
        // catalogue: RFC6347-4.1.2.6-8
        state.window.update(header.sequence_number);
        Ok(Opened {
            header,
            plaintext: plaintext.start + HEADER_LEN..plaintext.end + HEADER_LEN,
        })
    }
}
