//! Bounds-checked reading and writing of wire integers and length-prefixed vectors.
//!
//! Every untrusted byte the engine looks at goes through [`Reader`]: it never panics, never
//! indexes out of bounds and never allocates based on a length it has not checked against the
//! bytes actually present. Every vector declares its prefix width, whether it may be empty and
//! its maximum length ([`VecSpec`]), the way RFC 5246 section 4.3 writes `<floor..ceiling>`.

use alloc::vec::Vec;
use core::fmt;

/// Why a structure could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// What went wrong.
    pub kind: DecodeErrorKind,
    /// The field being read when it went wrong.
    pub context: &'static str,
}

/// The kinds of decoding failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// Fewer bytes remain than the field needs.
    Truncated,
    /// Bytes remain after a structure that must fill its container.
    TrailingBytes,
    /// A length prefix is below the vector's floor or above its ceiling.
    LengthOutOfRange,
    /// A value is not allowed here (e.g. an unknown type where only known ones make sense).
    InvalidValue,
}

impl DecodeError {
    pub(crate) const fn new(kind: DecodeErrorKind, context: &'static str) -> Self {
        DecodeError { kind, context }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            DecodeErrorKind::Truncated => "truncated",
            DecodeErrorKind::TrailingBytes => "trailing bytes after",
            DecodeErrorKind::LengthOutOfRange => "length out of range in",
            DecodeErrorKind::InvalidValue => "invalid value in",
        };
        write!(f, "{what} {}", self.context)
    }
}

/// Why a structure could not be encoded (a vector longer than its declared ceiling, which the
/// peer would reject, or longer than its prefix can express).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodeError {
    /// The vector that was too long.
    pub context: &'static str,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is longer than its declared maximum", self.context)
    }
}

/// Width of a length prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prefix {
    /// One byte.
    U8,
    /// Two bytes, big-endian.
    U16,
    /// Three bytes, big-endian.
    U24,
}

impl Prefix {
    /// Bytes taken by the prefix itself.
    pub const fn width(self) -> usize {
        match self {
            Prefix::U8 => 1,
            Prefix::U16 => 2,
            Prefix::U24 => 3,
        }
    }

    const fn capacity(self) -> usize {
        match self {
            Prefix::U8 => 0xff,
            Prefix::U16 => 0xffff,
            Prefix::U24 => 0xff_ffff,
        }
    }
}

/// The declared shape of a length-prefixed vector: `T name<min..max>` in RFC notation, with the
/// lengths in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VecSpec {
    /// Width of the length prefix.
    pub prefix: Prefix,
    /// Smallest allowed length in bytes (0 means the vector may be empty).
    pub min: usize,
    /// Largest allowed length in bytes.
    pub max: usize,
    /// Name of the field, for error messages.
    pub name: &'static str,
}

impl VecSpec {
    /// A vector with the given prefix, floor and ceiling.
    pub const fn new(prefix: Prefix, min: usize, max: usize, name: &'static str) -> Self {
        VecSpec {
            prefix,
            min,
            max,
            name,
        }
    }
}

/// A cursor over untrusted bytes. No method panics; every failure is a [`DecodeError`].
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `bytes`.
    pub const fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    /// Bytes not yet read.
    pub const fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// Whether every byte has been read.
    pub const fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The bytes not yet read, without consuming them.
    pub const fn peek_rest(&self) -> &'a [u8] {
        self.rest
    }

    /// Fails with `TrailingBytes` unless every byte has been read.
    pub fn expect_end(&self, context: &'static str) -> Result<(), DecodeError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::new(DecodeErrorKind::TrailingBytes, context))
        }
    }

    /// Takes exactly `n` bytes.
    pub fn take(&mut self, n: usize, context: &'static str) -> Result<&'a [u8], DecodeError> {
        if n > self.rest.len() {
            return Err(DecodeError::new(DecodeErrorKind::Truncated, context));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    /// Takes every remaining byte.
    pub fn take_rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.rest)
    }

    /// Takes exactly `N` bytes as an array.
    pub fn array<const N: usize>(&mut self, context: &'static str) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N, context)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// Reads a `uint8`.
    pub fn u8(&mut self, context: &'static str) -> Result<u8, DecodeError> {
        let [b] = self.array::<1>(context)?;
        Ok(b)
    }

    /// Reads a big-endian `uint16`.
    pub fn u16(&mut self, context: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array(context)?))
    }

    /// Reads a big-endian `uint24`.
    pub fn u24(&mut self, context: &'static str) -> Result<u32, DecodeError> {
        let [a, b, c] = self.array(context)?;
        Ok(u32::from_be_bytes([0, a, b, c]))
    }

    /// Reads a big-endian `uint32`.
    pub fn u32(&mut self, context: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array(context)?))
    }

    /// Reads a big-endian `uint48` (the DTLS record sequence number).
    pub fn u48(&mut self, context: &'static str) -> Result<u64, DecodeError> {
        let [a, b, c, d, e, f] = self.array(context)?;
        Ok(u64::from_be_bytes([0, 0, a, b, c, d, e, f]))
    }

    /// Reads a length prefix of the given width.
    fn prefix(&mut self, prefix: Prefix, context: &'static str) -> Result<usize, DecodeError> {
        Ok(match prefix {
            Prefix::U8 => usize::from(self.u8(context)?),
            Prefix::U16 => usize::from(self.u16(context)?),
            Prefix::U24 => self.u24(context)? as usize,
        })
    }

    /// Reads a length-prefixed vector as raw bytes, checking its declared bounds.
    pub fn vec_bytes(&mut self, spec: VecSpec) -> Result<&'a [u8], DecodeError> {
        let len = self.prefix(spec.prefix, spec.name)?;
        if len < spec.min || len > spec.max {
            return Err(DecodeError::new(DecodeErrorKind::LengthOutOfRange, spec.name));
        }
        self.take(len, spec.name)
    }

    /// Reads a length-prefixed vector and returns a reader over its body.
    pub fn vec_reader(&mut self, spec: VecSpec) -> Result<Reader<'a>, DecodeError> {
        self.vec_bytes(spec).map(Reader::new)
    }

    /// Reads a length-prefixed vector of items; the items must fill the body exactly (an odd
    /// length in a vector of 16-bit values is an error, not a silently dropped byte).
    pub fn vec_items<T>(
        &mut self,
        spec: VecSpec,
        mut item: impl FnMut(&mut Reader<'a>) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        let mut body = self.vec_reader(spec)?;
        let mut out = Vec::new();
        while !body.is_empty() {
            out.push(item(&mut body)?);
        }
        Ok(out)
    }
}

/// Appends wire encodings to a `Vec<u8>`. Length prefixes are written as placeholders and filled
/// in when the vector ends, so callers never compute lengths by hand. A vector that exceeds its
/// declared ceiling is remembered and reported by [`Writer::finish`] instead of panicking.
#[derive(Debug)]
pub struct Writer<'a> {
    out: &'a mut Vec<u8>,
    error: Option<EncodeError>,
}

impl<'a> Writer<'a> {
    /// A writer appending to `out`.
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        Writer { out, error: None }
    }

    /// Bytes written so far into the underlying vector (including bytes that were there before).
    pub fn len(&self) -> usize {
        self.out.len()
    }

    /// Whether the underlying vector is empty.
    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// Ends writing: fails if any vector exceeded its declared bounds.
    pub fn finish(self) -> Result<(), EncodeError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Records an encoding error (the first one wins).
    pub fn fail(&mut self, context: &'static str) {
        if self.error.is_none() {
            self.error = Some(EncodeError { context });
        }
    }

    /// Writes raw bytes.
    pub fn bytes(&mut self, b: &[u8]) {
        self.out.extend_from_slice(b);
    }

    /// Writes a `uint8`.
    pub fn u8(&mut self, v: u8) {
        self.out.push(v);
    }

    /// Writes a big-endian `uint16`.
    pub fn u16(&mut self, v: u16) {
        self.bytes(&v.to_be_bytes());
    }

    /// Writes a big-endian `uint24`; values above 2^24 - 1 are an encoding error.
    pub fn u24(&mut self, v: u32, context: &'static str) {
        if v > 0xff_ffff {
            self.fail(context);
        }
        let [_, a, b, c] = v.to_be_bytes();
        self.bytes(&[a, b, c]);
    }

    /// Writes a big-endian `uint32`.
    pub fn u32(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes());
    }

    /// Writes a big-endian `uint48`; values above 2^48 - 1 are an encoding error.
    pub fn u48(&mut self, v: u64, context: &'static str) {
        if v >> 48 != 0 {
            self.fail(context);
        }
        let [_, _, a, b, c, d, e, f] = v.to_be_bytes();
        self.bytes(&[a, b, c, d, e, f]);
    }

    /// Writes a length-prefixed vector whose body `body` writes.
    pub fn vec(&mut self, spec: VecSpec, body: impl FnOnce(&mut Writer<'_>)) {
        let start = self.out.len();
        self.out.resize(start + spec.prefix.width(), 0);
        let body_start = self.out.len();
        {
            let mut inner = Writer {
                out: &mut *self.out,
                error: None,
            };
            body(&mut inner);
            if let Some(e) = inner.error {
                self.fail(e.context);
            }
        }
        let len = self.out.len() - body_start;
        if len < spec.min || len > spec.max || len > spec.prefix.capacity() {
            self.fail(spec.name);
        }
        let be = (len as u32).to_be_bytes();
        let prefix_bytes = be.get(4 - spec.prefix.width()..).unwrap_or(&[]);
        if let Some(slot) = self.out.get_mut(start..body_start) {
            slot.copy_from_slice(prefix_bytes);
        }
    }

    /// Writes a length-prefixed vector of raw bytes.
    pub fn vec_bytes(&mut self, spec: VecSpec, bytes: &[u8]) {
        self.vec(spec, |w| w.bytes(bytes));
    }
}

/// A wire structure with a parser and an encoder that are exact inverses.
pub trait Codec: Sized {
    /// Reads one value, leaving the reader after it.
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError>;

    /// Appends the encoding of the value.
    fn write(&self, w: &mut Writer<'_>);

    /// Parses a value that must fill `bytes` exactly.
    fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let v = Self::read(&mut r)?;
        r.expect_end(core::any::type_name::<Self>())?;
        Ok(v)
    }

    /// Appends the encoding to `out`, failing if a vector exceeds its declared bounds.
    fn emit(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let mut w = Writer::new(out);
        self.write(&mut w);
        w.finish()
    }

    /// The encoding as a new vector.
    fn to_vec(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.emit(&mut out)?;
        Ok(out)
    }

    /// Length of the encoding in bytes.
    fn encoded_len(&self) -> usize {
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out);
        self.write(&mut w);
        out.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: VecSpec = VecSpec::new(Prefix::U16, 2, 6, "test vec");

    #[test]
    fn integers_round_trip() {
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out);
        w.u8(1);
        w.u16(0x0203);
        w.u24(0x040506, "u24");
        w.u32(0x0708090a);
        w.u48(0x0b0c0d0e0f10, "u48");
        w.finish().unwrap();
        assert_eq!(out, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
        let mut r = Reader::new(&out);
        assert_eq!(r.u8("a").unwrap(), 1);
        assert_eq!(r.u16("b").unwrap(), 0x0203);
        assert_eq!(r.u24("c").unwrap(), 0x040506);
        assert_eq!(r.u32("d").unwrap(), 0x0708090a);
        assert_eq!(r.u48("e").unwrap(), 0x0b0c0d0e0f10);
        r.expect_end("end").unwrap();
    }

    #[test]
    fn vec_bounds_are_enforced_both_ways() {
        for (body, ok) in [
            (&[][..], false),
            (&[1, 2][..], true),
            (&[1; 6][..], true),
            (&[1; 7][..], false),
        ] {
            let mut out = Vec::new();
            let mut w = Writer::new(&mut out);
            w.vec_bytes(SPEC, body);
            assert_eq!(w.finish().is_ok(), ok, "emit {body:?}");
            let parsed = Reader::new(&out).vec_bytes(SPEC);
            assert_eq!(parsed.is_ok(), ok, "parse {body:?}");
        }
    }

    #[test]
    fn u16_items_reject_odd_lengths() {
        let bytes = [0, 3, 0, 1, 2];
        let r = Reader::new(&bytes).vec_items(VecSpec::new(Prefix::U16, 0, 100, "list"), |r| r.u16("item"));
        assert_eq!(r.unwrap_err().kind, DecodeErrorKind::Truncated);
    }

    #[test]
    fn truncated_reads_fail_without_panicking() {
        let mut r = Reader::new(&[0, 5, 1]);
        assert_eq!(
            r.clone().vec_bytes(SPEC).unwrap_err().kind,
            DecodeErrorKind::Truncated
        );
        assert!(r.u48("x").is_err());
        assert!(r.u32("x").is_err());
        assert!(r.u24("x").is_ok());
        assert!(r.u8("x").is_err());
    }

    #[test]
    fn oversized_integers_are_encoding_errors() {
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out);
        w.u48(1 << 48, "seq");
        assert!(w.finish().is_err());
    }
}
