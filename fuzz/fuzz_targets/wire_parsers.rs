//! Every wire parser on arbitrary bytes. The first byte picks the parser, the rest is its
//! input. Whatever parses must emit back to exactly the input, and the emitted bytes must
//! parse to the same value (wire types are exact: no trailing bytes, unknown values kept).
#![no_main]

use std::fmt::Debug;

use dtls::codec::{Codec, Reader};
use dtls::wire::*;
use libfuzzer_sys::fuzz_target;

const KINDS: [Option<KeyExchangeKind>; 5] = [
    None,
    Some(KeyExchangeKind::Psk),
    Some(KeyExchangeKind::Ecdhe),
    Some(KeyExchangeKind::EcdhePsk),
    Some(KeyExchangeKind::Rsa),
];

/// Parse, emit, compare, parse again.
fn exact<T: Codec + PartialEq + Debug>(bytes: &[u8]) {
    if let Ok(v) = T::parse(bytes) {
        let out = v
            .to_vec()
            .unwrap_or_else(|e| panic!("parsed {v:?} but cannot emit it: {e:?}"));
        assert_eq!(out, bytes, "{v:?} does not emit back to its input");
        assert_eq!(v.encoded_len(), bytes.len(), "encoded_len of {v:?}");
        let again = T::parse(&out).expect("emitted bytes parse");
        assert_eq!(again, v, "second parse differs");
    }
    // `read` from a reader must stop inside the input, whatever follows.
    let mut r = Reader::new(bytes);
    if T::read(&mut r).is_ok() {
        assert!(r.remaining() <= bytes.len());
    }
}

/// An extension body parsed through the generic `Extension` wrapper.
fn extension_body<T: ExtensionBody + PartialEq + Debug>(bytes: &[u8]) {
    exact::<T>(bytes);
    let ext = Extension::new(T::TYPE, bytes.to_vec());
    if let Ok(v) = ext.body::<T>() {
        let back = Extension::from_body(&v).expect("a parsed body emits");
        assert_eq!(back, ext, "{v:?}");
    }
}

fn datagram(bytes: &[u8], cid_len: Option<usize>) {
    // Records must tile a prefix of the datagram and re-encode to it.
    let mut pos = 0;
    let records: Vec<_> = match cid_len {
        None => split_datagram(bytes).map_while(Result::ok).collect(),
        Some(n) => split_datagram_with_cid(bytes, n).map_while(Result::ok).collect(),
    };
    for rec in &records {
        let mut out = Vec::new();
        rec.emit(&mut out).expect("a parsed record emits");
        assert_eq!(out.len(), rec.encoded_len());
        assert_eq!(
            Some(&out[..]),
            bytes.get(pos..pos + out.len()),
            "record {rec:?} at {pos}"
        );
        if cid_len.is_none() {
            assert_eq!(Record::parse(&out).expect("emitted record parses"), *rec);
        }
        pos += out.len();
    }
    // The span iterator sees the same records at the same places.
    let spans: Vec<_> = match cid_len {
        None => record_spans(bytes).map_while(Result::ok).collect(),
        Some(n) => record_spans_with_cid(bytes, n).map_while(Result::ok).collect(),
    };
    assert_eq!(spans.len(), records.len(), "spans and records disagree");
    let mut start = 0;
    for (span, rec) in spans.iter().zip(&records) {
        let range = span.record_range();
        assert_eq!(range.start, start);
        assert_eq!(span.header, rec.header);
        assert_eq!(bytes.get(span.fragment_range.clone()), Some(rec.fragment));
        assert_eq!(bytes.get(span.cid_range.clone()), Some(rec.cid));
        start = range.end;
    }
}

fn handshake(bytes: &[u8]) {
    let mut pos = 0;
    for frag in split_handshake(bytes).map_while(Result::ok) {
        let mut out = Vec::new();
        frag.emit(&mut out).expect("a parsed fragment emits");
        assert_eq!(Some(&out[..]), bytes.get(pos..pos + out.len()), "{frag:?}");
        assert_eq!(frag.encoded_len(), out.len());
        assert_eq!(
            HandshakeFragment::parse(&out).expect("emitted fragment parses"),
            frag
        );
        let _ = frag.header.is_consistent();
        pos += out.len();
    }
    if let Ok(frag) = HandshakeFragment::parse(bytes) {
        let mut out = Vec::new();
        frag.emit(&mut out).expect("a parsed fragment emits");
        assert_eq!(out, bytes);
    }
}

fn message(bytes: &[u8]) {
    let [t, k, body @ ..] = bytes else { return };
    let kx = KINDS[usize::from(*k) % KINDS.len()];
    if let Ok(m) = HandshakeMessage::parse(HandshakeType(*t), body, kx) {
        let mut out = Vec::new();
        m.emit_body(&mut out).expect("a parsed message emits");
        assert_eq!(out, body, "{m:?}");
        assert_eq!(m.body_len(), body.len());
        assert_eq!(m.msg_type(), HandshakeType(*t));
        assert_eq!(
            HandshakeMessage::parse(HandshakeType(*t), &out, kx).expect("reparse"),
            m
        );
        let mut whole = Vec::new();
        m.emit_unfragmented(7, &mut whole)
            .expect("unfragmented form emits");
        let frag = HandshakeFragment::parse(&whole).expect("unfragmented form parses");
        assert_eq!(frag.body, body);
        assert_eq!(frag.header.message_seq, 7);
    }
}

fn key_exchange(bytes: &[u8]) {
    let [k, body @ ..] = bytes else { return };
    let Some(kx) = KINDS[usize::from(*k) % KINDS.len()] else {
        if let Ok((ske, rest)) = EcdheServerKeyExchange::parse_with_params(body) {
            assert!(rest.len() <= body.len());
            let _ = ske;
        }
        return;
    };
    if let Ok(m) = ServerKeyExchange::parse_with(kx, body) {
        let mut out = Vec::new();
        m.emit(&mut out).expect("emits");
        assert_eq!(out, body, "{m:?}");
        assert_eq!(m.encoded_len(), body.len());
        assert_eq!(ServerKeyExchange::parse_with(kx, &out).expect("reparse"), m);
        assert_eq!(m.kind(), kx);
    }
    if let Ok(m) = ClientKeyExchange::parse_with(kx, body) {
        let mut out = Vec::new();
        m.emit(&mut out).expect("emits");
        assert_eq!(out, body, "{m:?}");
        assert_eq!(m.encoded_len(), body.len());
        assert_eq!(ClientKeyExchange::parse_with(kx, &out).expect("reparse"), m);
        assert_eq!(m.kind(), kx);
    }
}

fn extensions(bytes: &[u8]) {
    exact::<Extensions>(bytes);
    if let Ok(list) = Extensions::parse(bytes) {
        let _ = list.check_unique();
        let _ = list.first_duplicate();
        for ext in list.iter() {
            exact::<Extension>(&ext.to_vec().expect("emits"));
            let _ = list.find::<ServerNameList>();
            let _ = list.find::<SupportedGroups>();
            let _ = list.find::<SignatureAlgorithms>();
            let _ = list.find::<RenegotiationInfo>();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    match sel % 41 {
        0 => datagram(rest, None),
        1 => datagram(rest, Some(usize::from(rest.first().copied().unwrap_or(0) % 21))),
        2 => handshake(rest),
        3 => message(rest),
        4 => key_exchange(rest),
        5 => extensions(rest),
        6 => exact::<RecordHeader>(rest),
        7 => exact::<HandshakeHeader>(rest),
        8 => exact::<ClientHello>(rest),
        9 => exact::<ServerHello>(rest),
        10 => exact::<HelloVerifyRequest>(rest),
        11 => exact::<Certificate>(rest),
        12 => exact::<CertificateRequest>(rest),
        13 => exact::<HandshakeHeader>(rest.get(1..).unwrap_or(&[])),
        14 => exact::<DigitallySigned>(rest),
        15 => exact::<HelloRequest>(rest),
        16 => exact::<ServerHelloDone>(rest),
        17 => exact::<Finished>(rest),
        18 => exact::<ServerEcdhParams>(rest),
        19 => exact::<PskServerKeyExchange>(rest),
        20 => exact::<EcdheServerKeyExchange>(rest),
        21 => exact::<EcdhePskServerKeyExchange>(rest),
        22 => exact::<PskClientKeyExchange>(rest),
        23 => exact::<EcdhClientKeyExchange>(rest),
        24 => exact::<RsaClientKeyExchange>(rest),
        25 => exact::<EcdhePskClientKeyExchange>(rest),
        26 => exact::<Alert>(rest),
        27 => exact::<ChangeCipherSpec>(rest),
        28 => exact::<Extension>(rest),
        29 => extension_body::<ServerNameList>(rest),
        30 => extension_body::<MaxFragmentLength>(rest),
        31 => extension_body::<SupportedGroups>(rest),
        32 => extension_body::<EcPointFormats>(rest),
        33 => extension_body::<SignatureAlgorithms>(rest),
        34 => extension_body::<EncryptThenMac>(rest),
        35 => extension_body::<ExtendedMasterSecret>(rest),
        36 => extension_body::<RecordSizeLimit>(rest),
        37 => extension_body::<ConnectionId>(rest),
        38 => extension_body::<RenegotiationInfo>(rest),
        // The engine's certificate handling today: the leaf's P-256 key out of X.509 DER.
        // Any input must give a key or an error, never a panic.
        39 => {
            let _ = dtls::pki::leaf_public_key(rest);
        }
        _ => exact::<ServerName>(rest),
    }
});
