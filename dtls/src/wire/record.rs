//! The DTLS record header and the splitting of a datagram into records (RFC 6347 4.1).
//!
//! Splitting is zero-copy: [`split_datagram`] yields borrowed [`Record`]s and [`record_spans`]
//! yields the byte ranges of each record ([`RecordSpan`]) for a record layer that decrypts in
//! place. Both stop at the first malformed record: RFC 6347 4.1.2.7 drops invalid records, and a
//! record whose length runs past the datagram leaves no trustworthy boundary for the next one.
//! Checking the fragment against the maximum record size is the record layer's job, not this one.

use alloc::vec::Vec;
use core::ops::Range;

use crate::codec::{Codec, DecodeError, EncodeError, Reader, Writer};

use super::enums::{ContentType, ProtocolVersion};

/// The 13-byte DTLS record header (RFC 6347 4.1), without a connection ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecordHeader {
    /// The type of the enclosed fragment.
    pub content_type: ContentType,
    /// The record-layer version.
    pub version: ProtocolVersion,
    /// The cipher state counter, incremented on every ChangeCipherSpec.
    pub epoch: u16,
    /// The 48-bit per-epoch sequence number (`uint48`); larger values cannot be encoded.
    pub sequence_number: u64,
    /// Length of the fragment that follows, in bytes.
    pub length: u16,
}

impl RecordHeader {
    /// Encoded length of the header in bytes.
    pub const LEN: usize = 13;

    /// The largest sequence number a header can carry (`uint48`, RFC 6347 4.1).
    pub const MAX_SEQUENCE_NUMBER: u64 = (1 << 48) - 1;

    /// The header as a fixed-size array, without allocating (for AEAD additional data and
    /// in-place sealing); fails if the sequence number exceeds 48 bits.
    pub fn to_array(&self) -> Result<[u8; Self::LEN], EncodeError> {
        if self.sequence_number > Self::MAX_SEQUENCE_NUMBER {
            return Err(EncodeError {
                context: "record sequence_number",
            });
        }
        let [ct] = self.content_type.0.to_be_bytes();
        let [v0, v1] = self.version.0.to_be_bytes();
        let [e0, e1] = self.epoch.to_be_bytes();
        let [_, _, s0, s1, s2, s3, s4, s5] = self.sequence_number.to_be_bytes();
        let [l0, l1] = self.length.to_be_bytes();
        Ok([ct, v0, v1, e0, e1, s0, s1, s2, s3, s4, s5, l0, l1])
    }

    /// Reads the header at the front of `bytes` (a record, or a datagram starting with one)
    /// without looking at what follows; `None` if fewer than 13 bytes are there.
    pub fn peek(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader::new(bytes.get(..Self::LEN)?);
        Self::read(&mut r).ok()
    }

    /// Writes the header into the first 13 bytes of `out` (in-place sealing), without
    /// allocating.
    pub fn write_into(&self, out: &mut [u8]) -> Result<(), EncodeError> {
        let slot = out.get_mut(..Self::LEN).ok_or(EncodeError {
            context: "record header buffer",
        })?;
        slot.copy_from_slice(&self.to_array()?);
        Ok(())
    }

    /// The 64-bit sequence number of nonces and MACs: the epoch followed by the 48-bit
    /// sequence number (RFC 6347 4.1.2.1).
    pub const fn full_sequence(&self) -> u64 {
        (self.epoch as u64) << 48 | (self.sequence_number & Self::MAX_SEQUENCE_NUMBER)
    }

    /// Bytes of the whole record this header announces (header plus fragment).
    pub const fn record_len(&self) -> usize {
        Self::LEN + self.length as usize
    }

    /// Reads the fields before `length` (type, version, epoch, sequence number).
    fn read_prefix(r: &mut Reader<'_>) -> Result<(ContentType, ProtocolVersion, u16, u64), DecodeError> {
        let content_type = ContentType::read(r)?;
        let version = ProtocolVersion::read(r)?;
        let epoch = r.u16("record epoch")?;
        let sequence_number = r.u48("record sequence_number")?;
        Ok((content_type, version, epoch, sequence_number))
    }

    fn write_prefix(&self, w: &mut Writer<'_>) {
        self.content_type.write(w);
        self.version.write(w);
        w.u16(self.epoch);
        w.u48(self.sequence_number, "record sequence_number");
    }
}

impl Codec for RecordHeader {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (content_type, version, epoch, sequence_number) = Self::read_prefix(r)?;
        let length = r.u16("record length")?;
        Ok(RecordHeader {
            content_type,
            version,
            epoch,
            sequence_number,
            length,
        })
    }

    fn write(&self, w: &mut Writer<'_>) {
        self.write_prefix(w);
        w.u16(self.length);
    }

    fn encoded_len(&self) -> usize {
        Self::LEN
    }
}

/// One record inside a datagram, borrowing its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// The header; `length` equals `fragment.len()` for a parsed record.
    pub header: RecordHeader,
    /// The connection ID of a `tls12_cid` record (RFC 9146 4); empty otherwise.
    pub cid: &'a [u8],
    /// The (possibly encrypted) fragment.
    pub fragment: &'a [u8],
}

impl<'a> Record<'a> {
    /// Reads one record without a connection ID.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Self::read_inner(r, None)
    }

    /// Reads one record; if its content type is `tls12_cid`, a connection ID of `cid_len` bytes
    /// sits between the sequence number and the length (RFC 9146 4).
    pub fn read_with_cid(r: &mut Reader<'a>, cid_len: usize) -> Result<Self, DecodeError> {
        Self::read_inner(r, Some(cid_len))
    }

    fn read_inner(r: &mut Reader<'a>, cid_len: Option<usize>) -> Result<Self, DecodeError> {
        let (content_type, version, epoch, sequence_number) = RecordHeader::read_prefix(r)?;
        let cid = match cid_len {
            Some(n) if content_type == ContentType::TLS12_CID => r.take(n, "record cid")?,
            _ => &[],
        };
        let length = r.u16("record length")?;
        let fragment = r.take(usize::from(length), "record fragment")?;
        let header = RecordHeader {
            content_type,
            version,
            epoch,
            sequence_number,
            length,
        };
        Ok(Record {
            header,
            cid,
            fragment,
        })
    }

    /// Parses a buffer holding exactly one record without a connection ID.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let record = Self::read(&mut r)?;
        r.expect_end("record")?;
        Ok(record)
    }

    /// Appends the record (the connection ID, if any, goes before the length); fails if
    /// `header.length` does not match the fragment or the sequence number exceeds 48 bits.
    pub fn write(&self, w: &mut Writer<'_>) {
        if usize::from(self.header.length) != self.fragment.len() {
            w.fail("record length");
        }
        self.header.write_prefix(w);
        w.bytes(self.cid);
        w.u16(self.header.length);
        w.bytes(self.fragment);
    }

    /// Appends the record to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let mut w = Writer::new(out);
        self.write(&mut w);
        w.finish()
    }

    /// Length of the encoding in bytes.
    pub fn encoded_len(&self) -> usize {
        RecordHeader::LEN + self.cid.len() + self.fragment.len()
    }
}

/// Where one record lies inside its datagram, for a record layer that decrypts in place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordSpan {
    /// The decoded header.
    pub header: RecordHeader,
    /// The header bytes, including any connection ID.
    pub header_range: Range<usize>,
    /// The connection ID bytes; empty when the record has none.
    pub cid_range: Range<usize>,
    /// The fragment bytes.
    pub fragment_range: Range<usize>,
}

impl RecordSpan {
    /// The whole record: header, connection ID and fragment.
    pub fn record_range(&self) -> Range<usize> {
        self.header_range.start..self.fragment_range.end
    }
}

/// Iterator over the records of a datagram as [`RecordSpan`]s; see [`record_spans`].
#[derive(Clone, Debug)]
pub struct RecordSpans<'a> {
    reader: Reader<'a>,
    total: usize,
    cid_len: Option<usize>,
    failed: bool,
}

impl RecordSpans<'_> {
    /// Bytes of the datagram not yet walked (non-zero after an error).
    pub fn remaining(&self) -> usize {
        self.reader.remaining()
    }
}

impl Iterator for RecordSpans<'_> {
    type Item = Result<RecordSpan, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.reader.is_empty() {
            return None;
        }
        let start = self.total - self.reader.remaining();
        match Record::read_inner(&mut self.reader, self.cid_len) {
            Ok(record) => {
                let end = self.total - self.reader.remaining();
                let fragment_start = end - record.fragment.len();
                let header_end = fragment_start;
                let cid_end = header_end - 2;
                let cid_start = cid_end - record.cid.len();
                Some(Ok(RecordSpan {
                    header: record.header,
                    header_range: start..header_end,
                    cid_range: cid_start..cid_end,
                    fragment_range: fragment_start..end,
                }))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

impl core::iter::FusedIterator for RecordSpans<'_> {}

/// Walks the records of a datagram without connection IDs (RFC 6347 4.1: several records may
/// share a datagram), yielding their byte ranges; stops after the first malformed record.
pub fn record_spans(datagram: &[u8]) -> RecordSpans<'_> {
    RecordSpans {
        reader: Reader::new(datagram),
        total: datagram.len(),
        cid_len: None,
        failed: false,
    }
}

/// Like [`record_spans`], for a connection that receives connection IDs of `cid_len` bytes: those
/// appear only in records of content type `tls12_cid` (RFC 9146 4).
pub fn record_spans_with_cid(datagram: &[u8], cid_len: usize) -> RecordSpans<'_> {
    RecordSpans {
        reader: Reader::new(datagram),
        total: datagram.len(),
        cid_len: Some(cid_len),
        failed: false,
    }
}

/// Iterator over the records of a datagram as borrowed [`Record`]s; see [`split_datagram`].
#[derive(Clone, Debug)]
pub struct Records<'a> {
    reader: Reader<'a>,
    cid_len: Option<usize>,
    failed: bool,
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.reader.is_empty() {
            return None;
        }
        let item = Record::read_inner(&mut self.reader, self.cid_len);
        self.failed = item.is_err();
        Some(item)
    }
}

impl core::iter::FusedIterator for Records<'_> {}

/// Splits a datagram into records without connection IDs (RFC 6347 4.1), stopping after the
/// first malformed one (a header cut short or a length running past the datagram).
pub fn split_datagram(datagram: &[u8]) -> Records<'_> {
    Records {
        reader: Reader::new(datagram),
        cid_len: None,
        failed: false,
    }
}

/// Like [`split_datagram`], reading a `cid_len`-byte connection ID in `tls12_cid` records
/// (RFC 9146 4).
pub fn split_datagram_with_cid(datagram: &[u8], cid_len: usize) -> Records<'_> {
    Records {
        reader: Reader::new(datagram),
        cid_len: Some(cid_len),
        failed: false,
    }
}
