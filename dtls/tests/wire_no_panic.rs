//! Arbitrary bytes never panic a parser: every wire parser, the datagram splitters and the
//! handshake fragment walker are fed random input and mutated valid encodings. (The fuzz
//! targets do the same at scale; this keeps the guarantee in `cargo test`.)

use dtls::codec::{Codec, Reader};
use dtls::wire::*;
use proptest::collection::vec;
use proptest::prelude::*;

const KINDS: [KeyExchangeKind; 4] = [
    KeyExchangeKind::Psk,
    KeyExchangeKind::Ecdhe,
    KeyExchangeKind::EcdhePsk,
    KeyExchangeKind::Rsa,
];

/// Parses `bytes` as `T`; if that succeeds the value must re-encode to exactly `bytes`.
fn exact<T: Codec + std::fmt::Debug>(bytes: &[u8]) {
    if let Ok(v) = T::parse(bytes) {
        assert_eq!(v.to_vec().unwrap(), bytes, "{v:?}");
        assert_eq!(v.encoded_len(), bytes.len());
    }
    // `read` on a reader must never panic either, whatever follows.
    let _ = T::read(&mut Reader::new(bytes));
}

fn every_parser(bytes: &[u8]) {
    exact::<RecordHeader>(bytes);
    exact::<HandshakeHeader>(bytes);
    exact::<ClientHello>(bytes);
    exact::<ServerHello>(bytes);
    exact::<HelloVerifyRequest>(bytes);
    exact::<Certificate>(bytes);
    exact::<CertificateRequest>(bytes);
    exact::<DigitallySigned>(bytes);
    exact::<HelloRequest>(bytes);
    exact::<ServerHelloDone>(bytes);
    exact::<Finished>(bytes);
    exact::<ServerEcdhParams>(bytes);
    exact::<PskServerKeyExchange>(bytes);
    exact::<EcdheServerKeyExchange>(bytes);
    exact::<EcdhePskServerKeyExchange>(bytes);
    exact::<PskClientKeyExchange>(bytes);
    exact::<EcdhClientKeyExchange>(bytes);
    exact::<RsaClientKeyExchange>(bytes);
    exact::<EcdhePskClientKeyExchange>(bytes);
    exact::<Alert>(bytes);
    exact::<ChangeCipherSpec>(bytes);
    exact::<Extension>(bytes);
    exact::<Extensions>(bytes);
    exact::<ServerNameList>(bytes);
    exact::<MaxFragmentLength>(bytes);
    exact::<SupportedGroups>(bytes);
    exact::<EcPointFormats>(bytes);
    exact::<SignatureAlgorithms>(bytes);
    exact::<EncryptThenMac>(bytes);
    exact::<ExtendedMasterSecret>(bytes);
    exact::<RecordSizeLimit>(bytes);
    exact::<ConnectionId>(bytes);
    exact::<RenegotiationInfo>(bytes);
    let _ = EcdheServerKeyExchange::parse_with_params(bytes);

    if let Ok(list) = Extensions::parse(bytes) {
        let _ = list.check_unique();
        for ext in &list.0 {
            let _ = ext.body::<ServerNameList>();
            let _ = ext.body::<SupportedGroups>();
        }
    }

    for kx in KINDS {
        if let Ok(m) = ServerKeyExchange::parse_with(kx, bytes) {
            let mut out = Vec::new();
            m.emit(&mut out).unwrap();
            assert_eq!(out, bytes);
        }
        if let Ok(m) = ClientKeyExchange::parse_with(kx, bytes) {
            let mut out = Vec::new();
            m.emit(&mut out).unwrap();
            assert_eq!(out, bytes);
        }
    }

    // A first byte as the message type, the rest as the body, with each key exchange.
    if let Some((&t, body)) = bytes.split_first() {
        for kx in [
            None,
            Some(KeyExchangeKind::Psk),
            Some(KeyExchangeKind::Ecdhe),
            Some(KeyExchangeKind::Rsa),
        ] {
            if let Ok(m) = HandshakeMessage::parse(HandshakeType(t), body, kx) {
                let mut out = Vec::new();
                m.emit_body(&mut out).unwrap();
                assert_eq!(out, body);
                assert_eq!(m.body_len(), body.len());
            }
        }
    }

    walk_datagram(bytes);
    walk_handshake(bytes);
}

fn walk_datagram(bytes: &[u8]) {
    let mut total = 0;
    for item in split_datagram(bytes) {
        match item {
            Ok(r) => total += r.encoded_len(),
            Err(_) => break,
        }
    }
    assert!(total <= bytes.len());
    for span in record_spans(bytes).flatten() {
        assert!(bytes.get(span.record_range()).is_some());
    }
    for cid_len in [0, 1, 8, 255] {
        for item in split_datagram_with_cid(bytes, cid_len) {
            let _ = item;
        }
        for span in record_spans_with_cid(bytes, cid_len).flatten() {
            assert!(bytes.get(span.cid_range.clone()).is_some());
            assert!(bytes.get(span.record_range()).is_some());
        }
    }
}

fn walk_handshake(bytes: &[u8]) {
    let _ = HandshakeFragment::parse(bytes);
    for frag in split_handshake(bytes).flatten() {
        let _ = frag.header.is_consistent();
        let _ = HandshakeMessage::parse(frag.header.msg_type, frag.body, Some(KeyExchangeKind::EcdhePsk));
    }
}

/// Valid encodings to mutate, so random changes reach past the first length check.
fn seeds() -> Vec<Vec<u8>> {
    let mut extensions = Extensions::new();
    extensions
        .push_body(&SupportedGroups {
            groups: vec![NamedGroup::SECP256R1],
        })
        .unwrap();
    extensions.push_body(&ExtendedMasterSecret).unwrap();
    extensions.push_body(&RenegotiationInfo::default()).unwrap();
    extensions
        .push_body(&ServerNameList::host_name(b"a.example"))
        .unwrap();
    let ch = ClientHello {
        client_version: ProtocolVersion::DTLS1_2,
        random: [7; 32],
        session_id: vec![],
        cookie: vec![0xde, 0xad, 0xbe, 0xef],
        cipher_suites: vec![
            CipherSuite::TLS_PSK_WITH_AES_128_CCM_8,
            CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
        ],
        compression_methods: vec![CompressionMethod::NULL],
        extensions: Some(extensions),
    };
    let body = ch.to_vec().unwrap();
    let mut typed = vec![HandshakeType::CLIENT_HELLO.0];
    typed.extend_from_slice(&body);
    let mut hs = Vec::new();
    HandshakeMessage::ClientHello(ch)
        .emit_unfragmented(0, &mut hs)
        .unwrap();
    let header = RecordHeader {
        content_type: ContentType::HANDSHAKE,
        version: ProtocolVersion::DTLS1_0,
        epoch: 0,
        sequence_number: 0,
        length: hs.len() as u16,
    };
    let mut record = Vec::new();
    Record {
        header,
        cid: &[],
        fragment: &hs,
    }
    .emit(&mut record)
    .unwrap();
    vec![
        body,
        typed,
        record,
        hs,
        hex::decode("00000b0000033001000000023000").unwrap(),
        hex::decode("0240010004040304010007000530033101ff").unwrap(),
        hex::decode("030017030401020403000130").unwrap(),
        hex::decode("000003001703040102").unwrap(),
    ]
}

fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (
        0..8usize,
        vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(i, edits, cut)| {
            let mut bytes = seeds().swap_remove(i);
            for (at, v) in edits {
                let at = at.index(bytes.len());
                bytes[at] = v;
            }
            let keep = cut.index(bytes.len() + 1);
            bytes.truncate(keep.max(bytes.len() / 2));
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn random_bytes_never_panic(bytes in vec(any::<u8>(), 0..300)) {
        every_parser(&bytes);
    }

    #[test]
    fn mutated_encodings_never_panic(bytes in mutated()) {
        every_parser(&bytes);
        if bytes.len() > 1 {
            every_parser(&bytes[1..]);
        }
    }
}

#[test]
fn seeds_are_valid() {
    let seeds = seeds();
    assert!(ClientHello::parse(&seeds[0]).is_ok());
    let frag = split_datagram(&seeds[2]).next().unwrap().unwrap();
    let hs = HandshakeFragment::parse(frag.fragment).unwrap();
    assert!(HandshakeMessage::parse(hs.header.msg_type, hs.body, None).is_ok());
    assert!(Certificate::parse(&seeds[4]).is_ok());
    assert!(CertificateRequest::parse(&seeds[5]).is_ok());
    assert!(EcdheServerKeyExchange::parse(&seeds[6]).is_ok());
    assert!(EcdhePskServerKeyExchange::parse(&seeds[7]).is_ok());
}

#[test]
fn every_short_input_never_panics() {
    // Exhaustive over all inputs of up to two bytes.
    every_parser(&[]);
    for a in 0..=255u8 {
        every_parser(&[a]);
        for b in 0..=255u8 {
            every_parser(&[a, b]);
        }
    }
}
