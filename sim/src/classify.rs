//! Reading datagrams the way a network observer can: record headers, and for cleartext
//! (epoch 0) handshake records the message types inside. Used to label trace lines, to find
//! the targets of targeted faults, and to recognise retransmissions.

use std::collections::hash_map::DefaultHasher;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};

use dtls::wire::{ContentType, HandshakeType, record_spans, split_handshake};

/// What one record of a datagram looks like from the outside.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordView {
    /// Byte range of the whole record in the datagram.
    pub start: usize,
    /// End of the record (exclusive).
    pub end: usize,
    /// Content type byte.
    pub content_type: u8,
    /// Epoch.
    pub epoch: u16,
    /// 48-bit sequence number.
    pub sequence: u64,
    /// For epoch-0 handshake records: (type, message_seq, fragment_offset, fragment_length) of
    /// each fragment. Empty for encrypted records.
    pub fragments: Vec<(u8, u16, u32, u32)>,
}

impl RecordView {
    /// The name targeted faults use for this record: the handshake message type for cleartext
    /// handshake records, `Finished` for an encrypted handshake record (the only encrypted
    /// handshake message in a DTLS 1.2 handshake), otherwise the content type.
    pub fn name(&self) -> &'static str {
        match ContentType(self.content_type) {
            ContentType::HANDSHAKE if self.epoch > 0 => "Finished",
            ContentType::HANDSHAKE => match self.fragments.first() {
                Some((t, ..)) => handshake_name(*t),
                None => "Handshake",
            },
            ContentType::CHANGE_CIPHER_SPEC => "ChangeCipherSpec",
            ContentType::ALERT => "Alert",
            ContentType::APPLICATION_DATA => "ApplicationData",
            _ => "Unknown",
        }
    }

    /// Whether the record belongs to the handshake (handshake or ChangeCipherSpec).
    pub fn is_handshake(&self) -> bool {
        matches!(
            ContentType(self.content_type),
            ContentType::HANDSHAKE | ContentType::CHANGE_CIPHER_SPEC
        )
    }
}

/// The message names targeted faults accept, in handshake order.
pub const MESSAGE_NAMES: &[&str] = &[
    "ClientHello",
    "HelloVerifyRequest",
    "ServerHello",
    "Certificate",
    "ServerKeyExchange",
    "ServerHelloDone",
    "ClientKeyExchange",
    "ChangeCipherSpec",
    "Finished",
    "ApplicationData",
    "Alert",
];

fn handshake_name(t: u8) -> &'static str {
    match HandshakeType(t) {
        HandshakeType::HELLO_REQUEST => "HelloRequest",
        HandshakeType::CLIENT_HELLO => "ClientHello",
        HandshakeType::SERVER_HELLO => "ServerHello",
        HandshakeType::HELLO_VERIFY_REQUEST => "HelloVerifyRequest",
        HandshakeType::CERTIFICATE => "Certificate",
        HandshakeType::SERVER_KEY_EXCHANGE => "ServerKeyExchange",
        HandshakeType::CERTIFICATE_REQUEST => "CertificateRequest",
        HandshakeType::SERVER_HELLO_DONE => "ServerHelloDone",
        HandshakeType::CERTIFICATE_VERIFY => "CertificateVerify",
        HandshakeType::CLIENT_KEY_EXCHANGE => "ClientKeyExchange",
        HandshakeType::FINISHED => "Finished",
        _ => "Handshake",
    }
}

/// The records of a datagram, as far as they parse (a malformed tail is ignored, as the
/// receiver would drop it).
pub fn records(datagram: &[u8]) -> Vec<RecordView> {
    let mut out = Vec::new();
    for span in record_spans(datagram) {
        let Ok(span) = span else { break };
        let h = span.header;
        let mut fragments = Vec::new();
        if h.epoch == 0
            && h.content_type == ContentType::HANDSHAKE
            && let Some(body) = datagram.get(span.fragment_range.clone())
        {
            for f in split_handshake(body) {
                let Ok(f) = f else { break };
                let fh = f.header;
                fragments.push((
                    fh.msg_type.0,
                    fh.message_seq,
                    fh.fragment_offset,
                    fh.fragment_length,
                ));
            }
        }
        let range = span.record_range();
        out.push(RecordView {
            start: range.start,
            end: range.end,
            content_type: h.content_type.0,
            epoch: h.epoch,
            sequence: h.sequence_number,
            fragments,
        });
    }
    out
}

/// A short human label for a datagram, e.g. `ClientKeyExchange ChangeCipherSpec Finished(e1)`.
pub fn label(datagram: &[u8]) -> String {
    let recs = records(datagram);
    if recs.is_empty() {
        return "unparsable".to_string();
    }
    let mut s = String::new();
    for (i, r) in recs.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(r.name());
        if let Some((_, _, off, len)) = r.fragments.first() {
            // Mark fragments of a message that did not fit one record.
            let whole = r.fragments.len() == 1 && *off == 0 && fragment_is_whole(datagram, r);
            if !whole {
                let _ = write!(s, "[{off}+{len}]");
            }
        }
        if r.epoch > 0 {
            let _ = write!(s, "(e{})", r.epoch);
        }
    }
    let used: usize = recs.last().map_or(0, |r| r.end);
    if used < datagram.len() {
        let _ = write!(s, " +{}B junk", datagram.len() - used);
    }
    s
}

fn fragment_is_whole(datagram: &[u8], r: &RecordView) -> bool {
    // Total message length sits in bytes 1..4 of the handshake header, right after the
    // 13-byte record header.
    let Some(hdr) = datagram.get(r.start + 13..r.start + 13 + 12) else {
        return false;
    };
    let total = u32::from_be_bytes([0, hdr[1], hdr[2], hdr[3]]);
    r.fragments
        .first()
        .is_some_and(|(_, _, off, len)| *off == 0 && *len == total)
}

/// Identifies "the same datagram again": equal for a retransmission of the same records
/// (same content types, epochs, handshake fragments; encrypted records by length), different
/// for anything else. Sequence numbers are left out, since retransmissions take new ones.
pub fn retransmission_key(datagram: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    for r in records(datagram) {
        r.content_type.hash(&mut h);
        r.epoch.hash(&mut h);
        if r.fragments.is_empty() {
            (r.end - r.start).hash(&mut h);
        } else {
            r.fragments.hash(&mut h);
        }
    }
    h.finish()
}

/// What the simulator needs to know about every datagram sent, in one pass and without
/// allocating (sweeps classify every datagram of millions of runs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shape {
    /// Some record belongs to the handshake (handshake or ChangeCipherSpec).
    pub handshake: bool,
    /// Equal for retransmissions of the same records (see [`retransmission_key`]).
    pub key: u64,
    /// Bit `t - 20` set for each content type `t` in 20..=23 present.
    pub content_types: u8,
    /// Bit `t` set for each cleartext handshake message type `t < 32` present.
    pub messages: u32,
    /// Some handshake record is encrypted (epoch > 0): a Finished in DTLS 1.2.
    pub encrypted_handshake: bool,
}

impl Shape {
    /// Whether a record of content type `t` (20..=23) is present.
    pub fn has_content_type(&self, t: u8) -> bool {
        (20..=23).contains(&t) && self.content_types & (1 << (t - 20)) != 0
    }

    /// Whether a cleartext handshake message of type `t` is present.
    pub fn has_message(&self, t: u8) -> bool {
        t < 32 && self.messages & (1 << t) != 0
    }

    /// The names (as targeted faults spell them) of the handshake messages present, in
    /// handshake type order, `Finished` last when an encrypted handshake record is present.
    pub fn message_names(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = (0..32u8)
            .filter(|t| self.has_message(*t))
            .map(handshake_name)
            .collect();
        if self.encrypted_handshake && !out.contains(&"Finished") {
            out.push("Finished");
        }
        out
    }
}

/// The [`Shape`] of a datagram.
pub fn shape(datagram: &[u8]) -> Shape {
    let mut h = DefaultHasher::new();
    let mut s = Shape::default();
    for span in record_spans(datagram) {
        let Ok(span) = span else { break };
        let hd = span.header;
        let ct = hd.content_type;
        if (20..=23).contains(&ct.0) {
            s.content_types |= 1 << (ct.0 - 20);
        }
        s.handshake |= matches!(ct, ContentType::HANDSHAKE | ContentType::CHANGE_CIPHER_SPEC);
        ct.0.hash(&mut h);
        hd.epoch.hash(&mut h);
        if hd.epoch == 0 && ct == ContentType::HANDSHAKE {
            let body = datagram.get(span.fragment_range.clone()).unwrap_or_default();
            for f in split_handshake(body) {
                let Ok(f) = f else { break };
                let fh = f.header;
                if fh.msg_type.0 < 32 {
                    s.messages |= 1 << fh.msg_type.0;
                }
                (
                    fh.msg_type.0,
                    fh.message_seq,
                    fh.fragment_offset,
                    fh.fragment_length,
                )
                    .hash(&mut h);
            }
        } else {
            if ct == ContentType::HANDSHAKE {
                s.encrypted_handshake = true;
            }
            span.record_range().len().hash(&mut h);
        }
    }
    s.key = h.finish();
    s
}

/// Where each fragment of handshake message `name` ends in the datagram (exclusive byte
/// offsets): cleartext fragments of that type wherever they sit in a record, and for
/// `Finished` also every encrypted handshake record (which is what a DTLS 1.2 Finished is).
pub fn message_ends(datagram: &[u8], name: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for span in record_spans(datagram) {
        let Ok(span) = span else { break };
        let h = span.header;
        if h.content_type != ContentType::HANDSHAKE {
            continue;
        }
        if h.epoch > 0 {
            if name == "Finished" {
                out.push(span.fragment_range.end);
            }
            continue;
        }
        let Some(body) = datagram.get(span.fragment_range.clone()) else {
            continue;
        };
        let mut at = span.fragment_range.start;
        for f in split_handshake(body) {
            let Ok(f) = f else { break };
            at += 12 + f.body.len();
            // For an empty body (ServerHelloDone) the last byte is the header's fragment
            // length, which is then damaged instead.
            if handshake_name(f.header.msg_type.0) == name {
                out.push(at);
            }
        }
    }
    out
}

/// The cookie of the first whole ClientHello (`msg_type` 1) or HelloVerifyRequest (3) in a
/// datagram, read from the cleartext bytes (RFC 6347 4.2.1: the cookie follows the random and
/// session_id in a ClientHello, and the server_version in a HelloVerifyRequest).
pub fn hello_cookie(datagram: &[u8], msg_type: u8) -> Option<Vec<u8>> {
    for span in record_spans(datagram) {
        let Ok(span) = span else { break };
        if span.header.epoch != 0 || span.header.content_type != ContentType::HANDSHAKE {
            continue;
        }
        let body = datagram.get(span.fragment_range.clone())?;
        for f in split_handshake(body) {
            let Ok(f) = f else { break };
            if f.header.msg_type.0 != msg_type || f.header.fragment_offset != 0 {
                continue;
            }
            let b = f.body;
            let at = match msg_type {
                1 => 2 + 32 + 1 + usize::from(*b.get(34)?),
                _ => 2,
            };
            let len = usize::from(*b.get(at)?);
            return b.get(at + 1..at + 1 + len).map(<[u8]>::to_vec);
        }
    }
    None
}

/// A stable 64-bit digest of the exact bytes (for recognising replays and duplicates).
pub fn digest(datagram: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    datagram.hash(&mut h);
    h.finish()
}

/// Whether any record of the datagram belongs to the handshake.
pub fn is_handshake(datagram: &[u8]) -> bool {
    records(datagram).iter().any(RecordView::is_handshake)
}

/// The datagram with the records for which `keep` is false removed (trailing junk kept).
pub fn filter_records(datagram: &[u8], keep: impl Fn(&RecordView) -> bool) -> Vec<u8> {
    let recs = records(datagram);
    let mut out = Vec::with_capacity(datagram.len());
    for r in &recs {
        if keep(r) {
            out.extend_from_slice(&datagram[r.start..r.end]);
        }
    }
    let used = recs.last().map_or(0, |r| r.end);
    out.extend_from_slice(&datagram[used..]);
    out
}

/// Builds one DTLS 1.2 record with arbitrary header fields (for injected records).
pub fn build_record(content_type: u8, epoch: u16, sequence: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(13 + payload.len());
    out.push(content_type);
    out.extend_from_slice(&[0xFE, 0xFD]);
    out.extend_from_slice(&epoch.to_be_bytes());
    out.extend_from_slice(&sequence.to_be_bytes()[2..]);
    out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_records_parse_back() {
        let mut d = build_record(22, 1, 5, &[0; 40]);
        d.extend(build_record(20, 0, 9, &[1]));
        let r = records(&d);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].name(), "Finished");
        assert_eq!(r[1].name(), "ChangeCipherSpec");
        assert_eq!(r[1].sequence, 9);
        assert_eq!(label(&d), "Finished(e1) ChangeCipherSpec");
        let only_ccs = filter_records(&d, |r| r.content_type == 20);
        assert_eq!(only_ccs, build_record(20, 0, 9, &[1]));
    }
}
