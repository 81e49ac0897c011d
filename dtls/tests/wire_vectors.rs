//! Byte-exact vectors for every wire structure, written by hand from the RFC layouts: parse,
//! check the fields, re-emit and compare; every proper prefix must be rejected. Also the
//! negative cases from DTLS advisories (malformed hellos, bad ChangeCipherSpec, …).

use dtls::codec::{Codec, DecodeErrorKind, Reader};
use dtls::wire::*;

/// Hex laid out field by field: whitespace is ignored and `//` starts a comment to end of line.
fn h(s: &str) -> Vec<u8> {
    let clean: String = s
        .lines()
        .map(|line| line.split("//").next().unwrap())
        .flat_map(|part| part.chars().filter(|c| !c.is_whitespace()))
        .collect();
    hex::decode(clean).unwrap()
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Every proper prefix of `bytes` fails to parse as `T` (and nothing panics).
fn assert_prefixes_fail<T: Codec + std::fmt::Debug>(bytes: &[u8]) {
    for n in 0..bytes.len() {
        let r = T::parse(&bytes[..n]);
        assert!(r.is_err(), "prefix of {n}/{} bytes parsed as {r:?}", bytes.len());
    }
}

/// Parses, re-emits byte for byte, checks `encoded_len` and rejects every proper prefix.
fn round_trip<T: Codec + PartialEq + std::fmt::Debug>(bytes: &[u8]) -> T {
    let v = T::parse(bytes).unwrap();
    assert_eq!(v.to_vec().unwrap(), bytes, "re-encoding of {v:?}");
    assert_eq!(v.encoded_len(), bytes.len());
    assert_prefixes_fail::<T>(bytes);
    v
}

/// Like `round_trip`, for hellos: the one prefix that ends exactly where the extension block
/// starts is a valid hello without extensions (RFC 5246 7.4.1.2); every other prefix fails.
fn round_trip_hello<T: Codec + PartialEq + std::fmt::Debug>(
    bytes: &[u8],
    ext_start: usize,
    without_ext: impl Fn(&T) -> T,
) -> T {
    let v = T::parse(bytes).unwrap();
    assert_eq!(v.to_vec().unwrap(), bytes);
    assert_eq!(v.encoded_len(), bytes.len());
    for n in 0..bytes.len() {
        let r = T::parse(&bytes[..n]);
        if n == ext_start {
            assert_eq!(r.unwrap(), without_ext(&v));
        } else {
            assert!(r.is_err(), "prefix {n} parsed as {r:?}");
        }
    }
    v
}

fn kind<T: std::fmt::Debug>(r: Result<T, dtls::codec::DecodeError>) -> DecodeErrorKind {
    r.unwrap_err().kind
}

// ---------------------------------------------------------------------------------------------
// Record layer (RFC 6347 4.1)

#[test]
fn record_header() {
    let bytes = h("16            // type: handshake(22)
                   fefd          // version: DTLS 1.2
                   0001          // epoch 1
                   000000000105  // sequence_number 261
                   0010          // length 16");
    let hdr: RecordHeader = round_trip(&bytes);
    assert_eq!(hdr.content_type, ContentType::HANDSHAKE);
    assert_eq!(hdr.version, ProtocolVersion::DTLS1_2);
    assert_eq!(hdr.epoch, 1);
    assert_eq!(hdr.sequence_number, 0x105);
    assert_eq!(hdr.length, 16);
    assert_eq!(hdr.to_array().unwrap().as_slice(), bytes.as_slice());
}

#[test]
fn record_header_rejects_49_bit_sequence_numbers() {
    let hdr = RecordHeader {
        content_type: ContentType::APPLICATION_DATA,
        version: ProtocolVersion::DTLS1_2,
        epoch: 1,
        sequence_number: 1 << 48,
        length: 0,
    };
    assert!(hdr.to_vec().is_err());
    assert!(hdr.to_array().is_err());
    let max = RecordHeader {
        sequence_number: RecordHeader::MAX_SEQUENCE_NUMBER,
        ..hdr
    };
    assert_eq!(max.to_vec().unwrap(), h("17 fefd 0001 ffffffffffff 0000"));
}

/// Two records in one datagram (RFC 6347 4.1): a handshake record in epoch 0, then an
/// encrypted alert in epoch 1.
fn two_record_datagram() -> Vec<u8> {
    h(
        "16 fefd 0000 000000000000 0003  // handshake, epoch 0, seq 0, length 3
       aabbcc                          // fragment
       15 fefd 0001 000000000007 0002  // alert, epoch 1, seq 7, length 2
       0102                            // fragment",
    )
}

#[test]
fn split_datagram_walks_every_record() {
    let dgram = two_record_datagram();
    let records: Vec<_> = split_datagram(&dgram).map(Result::unwrap).collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].header.content_type, ContentType::HANDSHAKE);
    assert_eq!(records[0].fragment, &[0xaa, 0xbb, 0xcc]);
    assert!(records[0].cid.is_empty());
    assert_eq!(records[1].header.content_type, ContentType::ALERT);
    assert_eq!(records[1].header.epoch, 1);
    assert_eq!(records[1].header.sequence_number, 7);
    assert_eq!(records[1].fragment, &[1, 2]);

    let mut out = Vec::new();
    for r in &records {
        r.emit(&mut out).unwrap();
    }
    assert_eq!(out, dgram);
    assert_eq!(
        records.iter().map(Record::encoded_len).sum::<usize>(),
        dgram.len()
    );

    let spans: Vec<_> = record_spans(&dgram).map(Result::unwrap).collect();
    assert_eq!(spans[0].header_range, 0..13);
    assert_eq!(spans[0].fragment_range, 13..16);
    assert_eq!(spans[0].cid_range.len(), 0);
    assert_eq!(spans[1].header_range, 16..29);
    assert_eq!(spans[1].fragment_range, 29..31);
    assert_eq!(spans[1].record_range(), 16..31);
    assert_eq!(spans[1].header, records[1].header);

    assert_eq!(split_datagram(&[]).count(), 0);
    let single = Record::parse(&dgram[..16]).unwrap();
    assert_eq!(single, records[0]);
    assert_prefixes_fail_record(&dgram[..16]);
}

fn assert_prefixes_fail_record(bytes: &[u8]) {
    for n in 0..bytes.len() {
        assert!(Record::parse(&bytes[..n]).is_err());
        if n > 0 {
            let items: Vec<_> = split_datagram(&bytes[..n]).collect();
            assert_eq!(items.len(), 1);
            assert!(items[0].is_err());
        }
    }
}

#[test]
fn split_datagram_stops_at_first_malformed_record() {
    let mut dgram = two_record_datagram();
    // The second record claims 3 bytes but only 2 remain.
    dgram[27..29].copy_from_slice(&[0, 3]);
    let mut it = split_datagram(&dgram);
    assert!(it.next().unwrap().is_ok());
    assert_eq!(kind(it.next().unwrap()), DecodeErrorKind::Truncated);
    assert!(it.next().is_none());

    let mut spans = record_spans(&dgram);
    assert!(spans.next().unwrap().is_ok());
    assert!(spans.next().unwrap().is_err());
    assert!(spans.next().is_none());

    // A header cut short is malformed too.
    let short = &two_record_datagram()[..16 + 5];
    let items: Vec<_> = split_datagram(short).collect();
    assert!(items[0].is_ok() && items[1].is_err() && items.len() == 2);
}

#[test]
fn split_datagram_with_connection_id() {
    let dgram = h("19 fefd 0001 000000000002  // tls12_cid, epoch 1, seq 2
                   c0ffee01                   // cid (4 bytes, negotiated length)
                   0002 abcd                  // length 2, fragment
                   15 fefd 0000 000000000003 0002 0128  // plain alert, no cid");
    let records: Vec<_> = split_datagram_with_cid(&dgram, 4).map(Result::unwrap).collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].cid, &[0xc0, 0xff, 0xee, 0x01]);
    assert_eq!(records[0].fragment, &[0xab, 0xcd]);
    assert!(records[1].cid.is_empty());
    assert_eq!(records[1].fragment, &[0x01, 0x28]);
    let mut out = Vec::new();
    records[0].emit(&mut out).unwrap();
    assert_eq!(out, &dgram[..19]);

    let spans: Vec<_> = record_spans_with_cid(&dgram, 4).map(Result::unwrap).collect();
    assert_eq!(spans[0].header_range, 0..17);
    assert_eq!(spans[0].cid_range, 11..15);
    assert_eq!(spans[0].fragment_range, 17..19);
    assert_eq!(spans[1].header_range, 19..32);
    assert_eq!(spans[1].cid_range, 30..30);
}

#[test]
fn record_emit_rejects_a_length_that_disagrees_with_the_fragment() {
    let header = RecordHeader {
        content_type: ContentType::APPLICATION_DATA,
        version: ProtocolVersion::DTLS1_2,
        epoch: 1,
        sequence_number: 1,
        length: 5,
    };
    let record = Record {
        header,
        cid: &[],
        fragment: &[1, 2, 3],
    };
    assert!(record.emit(&mut Vec::new()).is_err());
}

// ---------------------------------------------------------------------------------------------
// Handshake framing (RFC 6347 4.2.2)

#[test]
fn handshake_header_and_fragment() {
    let bytes = h("0b       // msg_type: certificate(11)
                   00000a   // length 10
                   0003     // message_seq 3
                   000004   // fragment_offset 4
                   000003   // fragment_length 3
                   414243   // body");
    let hdr: HandshakeHeader = round_trip(&bytes[..12]);
    assert_eq!(hdr.msg_type, HandshakeType::CERTIFICATE);
    assert_eq!((hdr.length, hdr.message_seq), (10, 3));
    assert_eq!((hdr.fragment_offset, hdr.fragment_length), (4, 3));
    assert!(hdr.is_consistent());
    assert!(!hdr.is_complete());
    assert_eq!(hdr.to_array().unwrap().as_slice(), &bytes[..12]);

    let frag = HandshakeFragment::parse(&bytes).unwrap();
    assert_eq!(frag.header, hdr);
    assert_eq!(frag.body, b"ABC");
    let mut out = Vec::new();
    frag.emit(&mut out).unwrap();
    assert_eq!(out, bytes);
    assert_eq!(frag.encoded_len(), bytes.len());
    for n in 0..bytes.len() {
        assert!(HandshakeFragment::parse(&bytes[..n]).is_err());
    }
    // Trailing bytes after one fragment are an error for `parse`.
    assert!(HandshakeFragment::parse(&[bytes.as_slice(), &[0]].concat()).is_err());
}

#[test]
fn handshake_fragment_offsets_are_parsed_as_is() {
    // offset 9 + length 3 > total 10: decodable, but not consistent.
    let bytes = h("14 00000a 0000 000009 000003 010203");
    let frag = HandshakeFragment::parse(&bytes).unwrap();
    assert!(!frag.header.is_consistent());
    // Fragment length running past the record is a decode error.
    assert_eq!(
        kind(HandshakeFragment::parse(&h("14 00000c 0000 000000 00000c 0102"))),
        DecodeErrorKind::Truncated
    );
}

#[test]
fn split_handshake_walks_packed_messages() {
    let bytes = h("0e 000000 0002 000000 000000         // ServerHelloDone, seq 2
                   14 00000c 0003 000000 00000c         // Finished, seq 3
                   000102030405060708090a0b");
    let frags: Vec<_> = split_handshake(&bytes).map(Result::unwrap).collect();
    assert_eq!(frags.len(), 2);
    assert_eq!(frags[0].header.msg_type, HandshakeType::SERVER_HELLO_DONE);
    assert!(frags[0].body.is_empty() && frags[0].header.is_complete());
    assert_eq!(frags[1].header.message_seq, 3);
    assert_eq!(frags[1].body.len(), 12);
    let bad = &bytes[..bytes.len() - 1];
    let items: Vec<_> = split_handshake(bad).collect();
    assert!(items[0].is_ok() && items[1].is_err() && items.len() == 2);
}

#[test]
fn handshake_fragment_emit_checks_fragment_length() {
    let frag = HandshakeFragment {
        header: HandshakeHeader::unfragmented(HandshakeType::FINISHED, 0, 12),
        body: &[0; 11],
    };
    assert!(frag.emit(&mut Vec::new()).is_err());
    let whole = HandshakeFragment::whole(HandshakeType::FINISHED, 4, &[0; 12]);
    assert!(whole.header.is_complete());
    assert_eq!(whole.header.message_seq, 4);
    let big = HandshakeHeader::unfragmented(HandshakeType::CERTIFICATE, 0, 1 << 24);
    assert!(big.to_vec().is_err());
    assert!(big.to_array().is_err());
}

// ---------------------------------------------------------------------------------------------
// Hellos (RFC 5246 7.4.1, RFC 6347 4.2.1)

fn random(start: u8) -> Vec<u8> {
    (start..start + 32).collect()
}

fn client_hello_bytes() -> (Vec<u8>, usize) {
    let fixed = cat(&[
        &h("fefd"), // client_version: DTLS 1.2
        &random(0), // random
        &h("00      // session_id: empty
            04 deadbeef                // cookie: 4 bytes
            0006 c0a8 c0ae 00ff        // cipher_suites: PSK_CCM_8, ECDHE_ECDSA_CCM_8, SCSV
            01 00                      // compression_methods: null"),
    ]);
    let ext = h("0024                           // extensions: 36 bytes
                 000a 0004 0002 0017            // supported_groups: secp256r1
                 000b 0002 01 00                // ec_point_formats: uncompressed
                 000d 0004 0002 0403            // signature_algorithms: ecdsa_secp256r1_sha256
                 0017 0000                      // extended_master_secret
                 ff01 0001 00                   // renegotiation_info: empty
                 fafa 0001 ff                   // unknown (GREASE) type, preserved");
    (cat(&[&fixed, &ext]), fixed.len())
}

#[test]
fn client_hello_with_extensions() {
    let (bytes, ext_start) = client_hello_bytes();
    let ch: ClientHello = round_trip_hello(&bytes, ext_start, |c: &ClientHello| ClientHello {
        extensions: None,
        ..c.clone()
    });
    assert_eq!(ch.client_version, ProtocolVersion::DTLS1_2);
    assert_eq!(ch.random.to_vec(), random(0));
    assert!(ch.session_id.is_empty());
    assert_eq!(ch.cookie, h("deadbeef"));
    assert_eq!(
        ch.cipher_suites,
        [
            CipherSuite::TLS_PSK_WITH_AES_128_CCM_8,
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
            CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV
        ]
    );
    assert!(ch.offers(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV));
    assert_eq!(ch.compression_methods, [CompressionMethod::NULL]);
    let ext = ch.extensions.as_ref().unwrap();
    assert_eq!(ext.0.len(), 6);
    ext.check_unique().unwrap();
    assert_eq!(
        ext.find::<SupportedGroups>().unwrap().unwrap().groups,
        [NamedGroup::SECP256R1]
    );
    assert_eq!(
        ext.find::<EcPointFormats>().unwrap().unwrap().formats,
        [ECPointFormat::UNCOMPRESSED]
    );
    assert_eq!(
        ext.find::<SignatureAlgorithms>().unwrap().unwrap().schemes,
        [SignatureScheme::ECDSA_SECP256R1_SHA256]
    );
    assert_eq!(
        ext.find::<ExtendedMasterSecret>().unwrap().unwrap(),
        ExtendedMasterSecret
    );
    assert!(
        ext.find::<RenegotiationInfo>()
            .unwrap()
            .unwrap()
            .renegotiated_connection
            .is_empty()
    );
    assert!(ext.find::<EncryptThenMac>().is_none());
    let unknown = &ext.0[5];
    assert_eq!(unknown.typ, ExtensionType(0xfafa));
    assert!(!unknown.typ.is_known());
    assert_eq!(unknown.data, [0xff]);
    assert_eq!(ch.extension_list().len(), 6);

    let msg = HandshakeMessage::parse(HandshakeType::CLIENT_HELLO, &bytes, None).unwrap();
    assert_eq!(msg, HandshakeMessage::ClientHello(ch));
}

#[test]
fn client_hello_absent_and_empty_extensions_differ() {
    let (bytes, ext_start) = client_hello_bytes();
    let absent = ClientHello::parse(&bytes[..ext_start]).unwrap();
    assert_eq!(absent.extensions, None);
    assert_eq!(absent.to_vec().unwrap(), &bytes[..ext_start]);
    assert!(absent.extension_list().is_empty());

    let empty_bytes = cat(&[&bytes[..ext_start], &h("0000")]);
    let empty = round_trip_hello(&empty_bytes, ext_start, |c: &ClientHello| ClientHello {
        extensions: None,
        ..c.clone()
    });
    assert_eq!(empty.extensions, Some(Extensions::new()));
}

#[test]
fn client_hello_with_session_id_and_max_cookie() {
    let bytes = cat(&[
        &h("fefd"),
        &random(0x40),
        &h("20"), // session_id: 32 bytes
        &[0x5a; 32],
        &h("ff"), // cookie: 255 bytes (the RFC 6347 ceiling)
        &[0xc5; 255],
        &h("0002 c0a8 02 01 00"), // one suite; deflate and null
    ]);
    let ch: ClientHello = round_trip(&bytes);
    assert_eq!(ch.session_id, [0x5a; 32]);
    assert_eq!(ch.cookie.len(), 255);
    assert_eq!(
        ch.compression_methods,
        [CompressionMethod::DEFLATE, CompressionMethod::NULL]
    );
    assert_eq!(ch.extensions, None);
}

#[test]
fn hello_verify_request() {
    let bytes = h(
        "feff              // server_version: DTLS 1.0 (RFC 6347 4.2.1 SHOULD)
                   08                // cookie length
                   0102030405060708  // cookie",
    );
    let hvr: HelloVerifyRequest = round_trip(&bytes);
    assert_eq!(hvr.server_version, ProtocolVersion::DTLS1_0);
    assert_eq!(hvr.cookie, (1..=8).collect::<Vec<u8>>());
    let empty: HelloVerifyRequest = round_trip(&h("fefd 00"));
    assert!(empty.cookie.is_empty());
    assert_eq!(
        HandshakeMessage::parse(HandshakeType::HELLO_VERIFY_REQUEST, &bytes, None).unwrap(),
        HandshakeMessage::HelloVerifyRequest(hvr)
    );
}

fn server_hello_bytes() -> (Vec<u8>, usize) {
    let fixed = cat(&[
        &h("fefd"),    // server_version
        &random(0x80), // random
        &h("20"),      // session_id: 32 bytes
        &[0x11; 32],
        &h("c0ae       // cipher_suite: TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8
            00         // compression_method: null"),
    ]);
    let ext = h("0013              // extensions: 19 bytes
                 0017 0000         // extended_master_secret
                 ff01 0001 00      // renegotiation_info: empty
                 000b 0002 01 00   // ec_point_formats: uncompressed
                 0000 0000         // server_name acknowledgement: empty (RFC 6066 3)");
    (cat(&[&fixed, &ext]), fixed.len())
}

#[test]
fn server_hello() {
    let (bytes, ext_start) = server_hello_bytes();
    let sh: ServerHello = round_trip_hello(&bytes, ext_start, |s: &ServerHello| ServerHello {
        extensions: None,
        ..s.clone()
    });
    assert_eq!(sh.server_version, ProtocolVersion::DTLS1_2);
    assert_eq!(sh.random.to_vec(), random(0x80));
    assert_eq!(sh.session_id, [0x11; 32]);
    assert_eq!(sh.cipher_suite, CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8);
    assert_eq!(sh.compression_method, CompressionMethod::NULL);
    let ext = sh.extensions.as_ref().unwrap();
    assert!(ext.contains(ExtensionType::EXTENDED_MASTER_SECRET));
    assert_eq!(
        ext.get(ExtensionType::SERVER_NAME),
        Some(&Extension::empty(ExtensionType::SERVER_NAME))
    );
    assert_eq!(sh.extension_list().len(), 4);

    let plain: ServerHello = round_trip(&bytes[..ext_start]);
    assert_eq!(plain.extensions, None);
}

// ---------------------------------------------------------------------------------------------
// Certificates (RFC 5246 7.4.2, 7.4.4, 7.4.8)

#[test]
fn certificate() {
    let bytes = h("00000b            // certificate_list: 11 bytes
                   000003 300100     // ASN.1Cert, 3 bytes
                   000002 3000       // ASN.1Cert, 2 bytes");
    let cert: Certificate = round_trip(&bytes);
    assert_eq!(cert.certificate_list, [h("300100"), h("3000")]);
    let empty: Certificate = round_trip(&h("000000"));
    assert!(empty.certificate_list.is_empty());
    assert_eq!(
        HandshakeMessage::parse(HandshakeType::CERTIFICATE, &bytes, None).unwrap(),
        HandshakeMessage::Certificate(cert)
    );
}

#[test]
fn certificate_request() {
    let bytes = h("02 40 01              // certificate_types: ecdsa_sign, rsa_sign
                   0004 0403 0401        // supported_signature_algorithms
                   0007                  // certificate_authorities: 7 bytes
                   0005 3003310100       // DistinguishedName, 5 bytes");
    let req: CertificateRequest = round_trip(&bytes);
    assert_eq!(
        req.certificate_types,
        [ClientCertificateType::ECDSA_SIGN, ClientCertificateType::RSA_SIGN]
    );
    assert_eq!(
        req.supported_signature_algorithms,
        [
            SignatureScheme::ECDSA_SECP256R1_SHA256,
            SignatureScheme::RSA_PKCS1_SHA256
        ]
    );
    assert_eq!(req.certificate_authorities, [h("3003310100")]);
    let no_cas: CertificateRequest = round_trip(&h("01 40 0002 0403 0000"));
    assert!(no_cas.certificate_authorities.is_empty());
    assert_eq!(
        HandshakeMessage::parse(HandshakeType::CERTIFICATE_REQUEST, &bytes, None).unwrap(),
        HandshakeMessage::CertificateRequest(req)
    );
}

#[test]
fn certificate_verify() {
    let bytes = h("0403       // algorithm: ecdsa_secp256r1_sha256
                   0004       // signature length
                   deadbeef   // signature");
    let cv: CertificateVerify = round_trip(&bytes);
    assert_eq!(cv.algorithm, SignatureScheme::ECDSA_SECP256R1_SHA256);
    assert_eq!(cv.signature, h("deadbeef"));
    assert_eq!(
        HandshakeMessage::parse(HandshakeType::CERTIFICATE_VERIFY, &bytes, None).unwrap(),
        HandshakeMessage::CertificateVerify(cv)
    );
}

// ---------------------------------------------------------------------------------------------
// Key exchange (RFC 4279, RFC 5489, RFC 8422, RFC 5246 7.4.7.1)

#[test]
fn server_key_exchange_psk() {
    let bytes = h("0004 68696e74  // psk_identity_hint: \"hint\"");
    let ske: PskServerKeyExchange = round_trip(&bytes);
    assert_eq!(ske.identity_hint, b"hint");
    let empty: PskServerKeyExchange = round_trip(&h("0000"));
    assert!(empty.identity_hint.is_empty());
    let msg = HandshakeMessage::parse(
        HandshakeType::SERVER_KEY_EXCHANGE,
        &bytes,
        Some(KeyExchangeKind::Psk),
    )
    .unwrap();
    assert_eq!(
        msg,
        HandshakeMessage::ServerKeyExchange(ServerKeyExchange::Psk(ske))
    );
}

fn ecdhe_ske_bytes() -> Vec<u8> {
    cat(&[
        &h("03      // curve_type: named_curve
            0017    // namedcurve: secp256r1
            41 04   // point: 65 bytes, uncompressed"),
        &[0x11; 64],
        &h("0403    // algorithm: ecdsa_secp256r1_sha256
            0008    // signature length"),
        &[0x22; 8],
    ])
}

#[test]
fn server_key_exchange_ecdhe() {
    let bytes = ecdhe_ske_bytes();
    let ske: EcdheServerKeyExchange = round_trip(&bytes);
    assert_eq!(ske.params.named_group, NamedGroup::SECP256R1);
    assert_eq!(ske.params.public.len(), 65);
    assert_eq!(ske.params.public[0], 4);
    assert_eq!(ske.signed.algorithm, SignatureScheme::ECDSA_SECP256R1_SHA256);
    assert_eq!(ske.signed.signature, [0x22; 8]);

    let (again, params) = EcdheServerKeyExchange::parse_with_params(&bytes).unwrap();
    assert_eq!(again, ske);
    assert_eq!(params, &bytes[..69]);
    let signed = ske.signed_message(&[1; 32], &[2; 32]).unwrap();
    assert_eq!(signed, cat(&[&[1; 32], &[2; 32], params]));

    let msg = ServerKeyExchange::parse_with(KeyExchangeKind::Ecdhe, &bytes).unwrap();
    assert_eq!(msg.kind(), KeyExchangeKind::Ecdhe);
    assert_eq!(msg.encoded_len(), bytes.len());
    let mut out = Vec::new();
    msg.emit(&mut out).unwrap();
    assert_eq!(out, bytes);
}

#[test]
fn server_key_exchange_ecdhe_psk() {
    let bytes = cat(&[
        &h("0000     // psk_identity_hint: empty
            03 001d  // named_curve x25519
            20       // point: 32 bytes"),
        &[0x33; 32],
    ]);
    let ske: EcdhePskServerKeyExchange = round_trip(&bytes);
    assert!(ske.identity_hint.is_empty());
    assert_eq!(ske.params.named_group, NamedGroup::X25519);
    assert_eq!(ske.params.public, [0x33; 32]);
    let msg = ServerKeyExchange::parse_with(KeyExchangeKind::EcdhePsk, &bytes).unwrap();
    assert_eq!(msg, ServerKeyExchange::EcdhePsk(ske));
}

#[test]
fn server_key_exchange_needs_a_key_exchange() {
    let bytes = h("0000");
    assert_eq!(
        kind(ServerKeyExchange::parse_with(KeyExchangeKind::Rsa, &bytes)),
        DecodeErrorKind::InvalidValue
    );
    assert_eq!(
        kind(HandshakeMessage::parse(
            HandshakeType::SERVER_KEY_EXCHANGE,
            &bytes,
            None
        )),
        DecodeErrorKind::InvalidValue
    );
    assert_eq!(
        kind(HandshakeMessage::parse(
            HandshakeType::CLIENT_KEY_EXCHANGE,
            &bytes,
            None
        )),
        DecodeErrorKind::InvalidValue
    );
    // Explicit curves (RFC 8422 5.4 deprecates them) have another layout.
    let explicit = cat(&[&h("01 0017 41"), &[4; 65], &h("0403 0000")]);
    assert_eq!(
        kind(EcdheServerKeyExchange::parse(&explicit)),
        DecodeErrorKind::InvalidValue
    );
}

#[test]
fn client_key_exchange_forms() {
    let psk = h("0008 636c69656e745f31  // psk_identity: \"client_1\"");
    let m: PskClientKeyExchange = round_trip(&psk);
    assert_eq!(m.identity, b"client_1");
    assert_eq!(
        ClientKeyExchange::parse_with(KeyExchangeKind::Psk, &psk).unwrap(),
        ClientKeyExchange::Psk(m)
    );

    let ecdh = cat(&[&h("41 04  // point: 65 bytes"), &[0x44; 64]]);
    let m: EcdhClientKeyExchange = round_trip(&ecdh);
    assert_eq!(m.public.len(), 65);
    let msg = HandshakeMessage::parse(
        HandshakeType::CLIENT_KEY_EXCHANGE,
        &ecdh,
        Some(KeyExchangeKind::Ecdhe),
    )
    .unwrap();
    assert_eq!(
        msg,
        HandshakeMessage::ClientKeyExchange(ClientKeyExchange::Ecdhe(m))
    );

    let rsa = cat(&[&h("0080  // EncryptedPreMasterSecret: 128 bytes"), &[0x55; 128]]);
    let m: RsaClientKeyExchange = round_trip(&rsa);
    assert_eq!(m.encrypted_pre_master_secret, [0x55; 128]);
    let cke = ClientKeyExchange::parse_with(KeyExchangeKind::Rsa, &rsa).unwrap();
    assert_eq!(cke.kind(), KeyExchangeKind::Rsa);
    assert_eq!(cke.encoded_len(), rsa.len());

    let ecdhe_psk = cat(&[
        &h("0002 6964  // psk_identity: \"id\"
                              20         // point: 32 bytes"),
        &[0x66; 32],
    ]);
    let m: EcdhePskClientKeyExchange = round_trip(&ecdhe_psk);
    assert_eq!(m.identity, b"id");
    assert_eq!(m.public, [0x66; 32]);
    let cke = ClientKeyExchange::parse_with(KeyExchangeKind::EcdhePsk, &ecdhe_psk).unwrap();
    let mut out = Vec::new();
    cke.emit(&mut out).unwrap();
    assert_eq!(out, ecdhe_psk);
    // An empty point is the implicit form, which we do not accept (RFC 8422 5.7).
    assert_eq!(
        kind(EcdhClientKeyExchange::parse(&h("00"))),
        DecodeErrorKind::LengthOutOfRange
    );
}

// ---------------------------------------------------------------------------------------------
// Empty bodies, Finished, ChangeCipherSpec, Alert

#[test]
fn empty_bodies_and_finished() {
    let _: HelloRequest = round_trip(&[]);
    let _: ServerHelloDone = round_trip(&[]);
    assert!(ServerHelloDone::parse(&[0]).is_err());
    assert!(HelloRequest::parse(&[0]).is_err());

    let verify_data = h("0102030405060708090a0b0c  // verify_data: 12 bytes");
    let fin = Finished::parse(&verify_data).unwrap();
    assert_eq!(fin.verify_data, verify_data);
    assert_eq!(fin.to_vec().unwrap(), verify_data);
    assert_eq!(fin.encoded_len(), 12);

    for (t, body) in [
        (
            HandshakeType::HELLO_REQUEST,
            HandshakeMessage::HelloRequest(HelloRequest),
        ),
        (
            HandshakeType::SERVER_HELLO_DONE,
            HandshakeMessage::ServerHelloDone(ServerHelloDone),
        ),
    ] {
        assert_eq!(HandshakeMessage::parse(t, &[], None).unwrap(), body);
        assert!(HandshakeMessage::parse(t, &[1], None).is_err());
    }
}

#[test]
fn handshake_message_emits_unfragmented_frames() {
    let fin = HandshakeMessage::Finished(Finished {
        verify_data: vec![7; 12],
    });
    let mut out = vec![0xee];
    fin.emit_unfragmented(5, &mut out).unwrap();
    let expected = cat(&[
        &h("ee                    // pre-existing byte
            14 00000c 0005 000000 00000c  // finished, length 12, seq 5, whole"),
        &[7; 12],
    ]);
    assert_eq!(out, expected);
    assert_eq!(fin.msg_type(), HandshakeType::FINISHED);
    assert_eq!(fin.body_len(), 12);

    let frag = HandshakeFragment::parse(&out[1..]).unwrap();
    let back = HandshakeMessage::parse(frag.header.msg_type, frag.body, None).unwrap();
    assert_eq!(back, fin);

    // Unmodelled types keep their raw body.
    let other = HandshakeMessage::parse(HandshakeType::NEW_SESSION_TICKET, &[1, 2, 3], None).unwrap();
    assert_eq!(
        other,
        HandshakeMessage::Other {
            msg_type: HandshakeType::NEW_SESSION_TICKET,
            body: vec![1, 2, 3]
        }
    );
    let mut out = Vec::new();
    other.emit_body(&mut out).unwrap();
    assert_eq!(out, [1, 2, 3]);

    // An encoding error leaves the output untouched.
    let bad = HandshakeMessage::HelloVerifyRequest(HelloVerifyRequest {
        server_version: ProtocolVersion::DTLS1_0,
        cookie: vec![0; 256],
    });
    let mut out = vec![1, 2];
    assert!(bad.emit_unfragmented(0, &mut out).is_err());
    assert_eq!(out, [1, 2]);
}

#[test]
fn change_cipher_spec() {
    let _: ChangeCipherSpec = round_trip(&h("01"));
    for v in [0u8, 2, 0xff] {
        assert_eq!(
            kind(ChangeCipherSpec::parse(&[v])),
            DecodeErrorKind::InvalidValue,
            "value {v}"
        );
    }
    assert_eq!(
        kind(ChangeCipherSpec::parse(&h("0101"))),
        DecodeErrorKind::TrailingBytes
    );
    assert_eq!(kind(ChangeCipherSpec::parse(&[])), DecodeErrorKind::Truncated);
}

#[test]
fn alert() {
    let a: Alert = round_trip(&h("02 28  // fatal, handshake_failure(40)"));
    assert_eq!(a, Alert::fatal(AlertDescription::HANDSHAKE_FAILURE));
    let c: Alert = round_trip(&h("01 00  // warning, close_notify"));
    assert_eq!(c, Alert::close_notify());
    assert_eq!(c.to_array(), [1, 0]);
    let psk: Alert = round_trip(&h("02 73  // fatal, unknown_psk_identity(115)"));
    assert_eq!(psk.description, AlertDescription::UNKNOWN_PSK_IDENTITY);
    let unknown: Alert = round_trip(&h("07 c8"));
    assert_eq!(
        format!("{unknown:?}"),
        "Alert { level: Unknown(0x07), description: Unknown(0xc8) }"
    );
    assert_eq!(kind(Alert::parse(&h("0100 00"))), DecodeErrorKind::TrailingBytes);
}

// ---------------------------------------------------------------------------------------------
// Extensions

fn ext_round_trip<T: ExtensionBody + PartialEq + std::fmt::Debug>(typ: u16, data: &[u8]) -> T {
    let body: T = round_trip(data);
    let ext = Extension::from_body(&body).unwrap();
    assert_eq!(ext.typ, ExtensionType(typ));
    assert_eq!(ext.data, data);
    let framed = cat(&[&typ.to_be_bytes(), &(data.len() as u16).to_be_bytes(), data]);
    let parsed: Extension = round_trip(&framed);
    assert_eq!(parsed, ext);
    assert_eq!(parsed.body::<T>().unwrap(), body);
    body
}

#[test]
fn extension_server_name() {
    let data = h("0016                        // server_name_list: 22 bytes
                  00 000b 6578616d706c652e636f6d  // host_name \"example.com\"
                  07 0005 0102030405          // unknown name type 7, preserved");
    let list: ServerNameList = ext_round_trip(0, &data);
    assert_eq!(list.first_host_name(), Some(&b"example.com"[..]));
    assert_eq!(list.names[1].name_type, NameType(7));
    assert_eq!(list.names[1].name, [1, 2, 3, 4, 5]);
    assert_eq!(ServerNameList::host_name(b"example.com").names[0], list.names[0]);
    // An empty list is not allowed (RFC 6066 3: <1..2^16-1>).
    assert_eq!(
        kind(ServerNameList::parse(&h("0000"))),
        DecodeErrorKind::LengthOutOfRange
    );
}

#[test]
fn extension_simple_bodies() {
    let mfl: MaxFragmentLength = ext_round_trip(1, &h("02  // 2^10"));
    assert_eq!(mfl.bytes(), Some(1024));
    assert_eq!(MaxFragmentLength(9).bytes(), None);

    let groups: SupportedGroups = ext_round_trip(10, &h("0006 0017 0018 001d"));
    assert_eq!(
        groups.groups,
        [NamedGroup::SECP256R1, NamedGroup::SECP384R1, NamedGroup::X25519]
    );

    let formats: EcPointFormats = ext_round_trip(11, &h("02 00 01"));
    assert_eq!(
        formats.formats,
        [
            ECPointFormat::UNCOMPRESSED,
            ECPointFormat::ANSIX962_COMPRESSED_PRIME
        ]
    );

    let algs: SignatureAlgorithms = ext_round_trip(13, &h("0006 0403 0804 0401"));
    assert_eq!(
        algs.schemes,
        [
            SignatureScheme::ECDSA_SECP256R1_SHA256,
            SignatureScheme::RSA_PSS_RSAE_SHA256,
            SignatureScheme::RSA_PKCS1_SHA256
        ]
    );

    let _: EncryptThenMac = ext_round_trip(22, &[]);
    let _: ExtendedMasterSecret = ext_round_trip(23, &[]);
    assert_eq!(
        kind(ExtendedMasterSecret::parse(&[0])),
        DecodeErrorKind::TrailingBytes
    );

    let limit: RecordSizeLimit = ext_round_trip(28, &h("4000  // 2^14"));
    assert_eq!(limit, RecordSizeLimit(0x4000));

    let cid: ConnectionId = ext_round_trip(54, &h("04 01020304"));
    assert_eq!(cid.cid, [1, 2, 3, 4]);
    let no_cid: ConnectionId = ext_round_trip(54, &h("00"));
    assert!(no_cid.cid.is_empty());

    let reneg: RenegotiationInfo = ext_round_trip(0xff01, &cat(&[&h("0c"), &[9; 12]]));
    assert_eq!(reneg.renegotiated_connection, [9; 12]);
}

#[test]
fn extension_body_checks_the_type() {
    let ext = Extension::new(ExtensionType::SUPPORTED_GROUPS, h("0002 0017"));
    assert_eq!(
        kind(ext.body::<SignatureAlgorithms>()),
        DecodeErrorKind::InvalidValue
    );
    assert!(ext.body::<SupportedGroups>().is_ok());
}

#[test]
fn extension_list_and_duplicates() {
    let bytes = h("000c                 // extensions: 12 bytes
                   000a 0004 0002 0017  // supported_groups
                   0017 0000            // extended_master_secret");
    let mut list: Extensions = round_trip(&bytes);
    assert_eq!(list.first_duplicate(), None);
    list.push_body(&SupportedGroups {
        groups: vec![NamedGroup::X25519],
    })
    .unwrap();
    assert_eq!(list.first_duplicate(), Some(ExtensionType::SUPPORTED_GROUPS));
    assert_eq!(kind(list.check_unique()), DecodeErrorKind::InvalidValue);

    let dup = h("000d                // extensions: 13 bytes
                 0017 0000           // extended_master_secret
                 ff01 0001 00        // renegotiation_info
                 0017 0000           // extended_master_secret again");
    let dup_list: Extensions = round_trip(&dup);
    assert_eq!(
        dup_list.first_duplicate(),
        Some(ExtensionType::EXTENDED_MASTER_SECRET)
    );
    let empty: Extensions = round_trip(&h("0000"));
    assert!(empty.0.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Enums

#[test]
fn enums_print_names_or_hex() {
    assert_eq!(format!("{:?}", ContentType::HANDSHAKE), "handshake");
    assert_eq!(format!("{:?}", ContentType(99)), "Unknown(0x63)");
    assert_eq!(format!("{:?}", CipherSuite(0x1234)), "Unknown(0x1234)");
    assert_eq!(format!("{}", ProtocolVersion::DTLS1_2), "DTLSv1.2");
    assert_eq!(
        CipherSuite::TLS_PSK_WITH_AES_128_CCM_8.iana_name(),
        Some("TLS_PSK_WITH_AES_128_CCM_8")
    );
    assert_eq!(CipherSuite(0xbeef).iana_name(), None);
    assert_eq!(
        format!("{:?}", AlertDescription::NO_RENEGOTIATION),
        "no_renegotiation"
    );
    assert_eq!(AlertDescription::UNKNOWN_PSK_IDENTITY.0, 115);
    assert_eq!(SignatureScheme::ECDSA_SECP256R1_SHA256.hash_byte(), 4);
    assert_eq!(SignatureScheme::ECDSA_SECP256R1_SHA256.signature_byte(), 3);
    assert!(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV.is_scsv());
    assert_eq!(
        CipherSuite::TLS_PSK_WITH_AES_128_CCM_8.key_exchange(),
        Some(KeyExchangeKind::Psk)
    );
    assert_eq!(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256.key_exchange(),
        Some(KeyExchangeKind::Ecdhe)
    );
    assert_eq!(
        CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256.key_exchange(),
        Some(KeyExchangeKind::Rsa)
    );
    assert_eq!(
        CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV.key_exchange(),
        None
    );
    // Every named suite except the SCSVs and the null suite has a key exchange.
    for s in CipherSuite::KNOWN {
        assert_eq!(s.key_exchange().is_some(), !s.is_scsv() && s.0 != 0, "{s:?}");
    }
    // Names are unique within each enum.
    let names: Vec<_> = AlertDescription::KNOWN
        .iter()
        .map(|a| a.name().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len());
}

#[test]
fn unknown_enum_values_round_trip() {
    for v in 0..=255u8 {
        let b = [v];
        assert_eq!(ContentType::parse(&b).unwrap().to_vec().unwrap(), b);
        assert_eq!(HandshakeType::parse(&b).unwrap().to_vec().unwrap(), b);
    }
    assert_eq!(CipherSuite::parse(&h("abcd")).unwrap(), CipherSuite(0xabcd));
    assert_eq!(NamedGroup::parse(&h("0017")).unwrap(), NamedGroup::SECP256R1);
}

// ---------------------------------------------------------------------------------------------
// Negative cases from DTLS advisories (malformed hellos and friends)

/// A ClientHello with a configurable middle, for the malformed-hello cases.
fn client_hello_with(suites: &str, compression: &str) -> Vec<u8> {
    cat(&[&h("fefd"), &[0; 32], &h("00 00"), &h(suites), &h(compression)])
}

#[test]
fn odd_length_cipher_suites_are_rejected() {
    let bytes = client_hello_with("0003 c0a8 00", "01 00");
    assert!(ClientHello::parse(&bytes).is_err());
}

#[test]
fn empty_cipher_suites_and_compression_methods_are_rejected() {
    let no_suites = client_hello_with("0000", "01 00");
    assert_eq!(
        kind(ClientHello::parse(&no_suites)),
        DecodeErrorKind::LengthOutOfRange
    );
    let no_compression = client_hello_with("0002 c0a8", "00");
    assert_eq!(
        kind(ClientHello::parse(&no_compression)),
        DecodeErrorKind::LengthOutOfRange
    );
    let ok = client_hello_with("0002 c0a8", "01 00");
    assert!(ClientHello::parse(&ok).is_ok());
}

#[test]
fn trailing_bytes_after_a_message_are_rejected() {
    let ok = client_hello_with("0002 c0a8", "01 00");
    // One extra byte cannot be an extension block.
    assert!(ClientHello::parse(&cat(&[&ok, &[0]])).is_err());
    // An extension block followed by garbage.
    assert_eq!(
        kind(ClientHello::parse(&cat(&[&ok, &h("0000 ff")]))),
        DecodeErrorKind::TrailingBytes
    );
    let (sh, _) = server_hello_bytes();
    assert_eq!(
        kind(ServerHello::parse(&cat(&[&sh, &[0]]))),
        DecodeErrorKind::TrailingBytes
    );
    assert_eq!(
        kind(HelloVerifyRequest::parse(&h("fefd 01 aa bb"))),
        DecodeErrorKind::TrailingBytes
    );
    assert_eq!(
        kind(Certificate::parse(&h("000000 00"))),
        DecodeErrorKind::TrailingBytes
    );
    assert_eq!(
        kind(PskClientKeyExchange::parse(&h("0001 61 62"))),
        DecodeErrorKind::TrailingBytes
    );
    assert_eq!(
        kind(CertificateVerify::parse(&h("0403 0000 00"))),
        DecodeErrorKind::TrailingBytes
    );
    let mut ske = ecdhe_ske_bytes();
    ske.push(0);
    assert!(EcdheServerKeyExchange::parse_with_params(&ske).is_err());
    assert!(ServerKeyExchange::parse_with(KeyExchangeKind::Ecdhe, &ske).is_err());
    // An extension whose data runs past the block.
    assert!(Extensions::parse(&h("0004 0017 0001")).is_err());
    assert!(Extensions::parse(&h("0001 00")).is_err());
}

#[test]
fn cookie_running_past_the_end_is_rejected() {
    let bytes = cat(&[&h("fefd"), &[0; 32], &h("00 ff 0102 0002 c0a8 01 00")]);
    assert_eq!(kind(ClientHello::parse(&bytes)), DecodeErrorKind::Truncated);
    assert_eq!(
        kind(HelloVerifyRequest::parse(&h("fefd 20 0102"))),
        DecodeErrorKind::Truncated
    );
}

#[test]
fn oversized_session_id_is_rejected() {
    let bytes = cat(&[&h("fefd"), &[0; 32], &h("21"), &[0; 33], &h("00 0002 c0a8 01 00")]);
    assert_eq!(
        kind(ClientHello::parse(&bytes)),
        DecodeErrorKind::LengthOutOfRange
    );
    let too_long = ClientHello {
        client_version: ProtocolVersion::DTLS1_2,
        random: [0; 32],
        session_id: vec![0; 33],
        cookie: vec![],
        cipher_suites: vec![CipherSuite::TLS_PSK_WITH_AES_128_CCM_8],
        compression_methods: vec![CompressionMethod::NULL],
        extensions: None,
    };
    assert!(too_long.to_vec().is_err());
    let no_suites = ClientHello {
        session_id: vec![],
        cipher_suites: vec![],
        ..too_long
    };
    assert!(no_suites.to_vec().is_err());
}

#[test]
fn empty_client_hello_is_rejected() {
    assert_eq!(kind(ClientHello::parse(&[])), DecodeErrorKind::Truncated);
    assert!(HandshakeMessage::parse(HandshakeType::CLIENT_HELLO, &[], None).is_err());
    assert!(HandshakeMessage::parse(HandshakeType::SERVER_HELLO, &[], None).is_err());
    // And framed: a ClientHello header announcing length 0.
    let bytes = h("01 000000 0000 000000 000000");
    let frag = HandshakeFragment::parse(&bytes).unwrap();
    assert!(HandshakeMessage::parse(frag.header.msg_type, frag.body, None).is_err());
}

#[test]
fn reader_level_use_leaves_following_bytes() {
    // `read` (as opposed to `parse`) stops after a fixed-shape structure.
    let bytes = h("02 28 01 00");
    let mut r = Reader::new(&bytes);
    assert_eq!(
        Alert::read(&mut r).unwrap(),
        Alert::fatal(AlertDescription::HANDSHAKE_FAILURE)
    );
    assert_eq!(Alert::read(&mut r).unwrap(), Alert::close_notify());
    assert!(r.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Certificate suites and their messages (issue 11)

#[test]
fn certificate_suites_have_their_names_and_key_exchange() {
    for (suite, name, kx) in [
        (0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", KeyExchangeKind::Rsa),
        (0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", KeyExchangeKind::Rsa),
        (
            0xC027,
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
            KeyExchangeKind::Ecdhe,
        ),
        (
            0xC02F,
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            KeyExchangeKind::Ecdhe,
        ),
        (
            0xC02C,
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            KeyExchangeKind::Ecdhe,
        ),
        (
            0xC030,
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            KeyExchangeKind::Ecdhe,
        ),
    ] {
        let s = CipherSuite(suite);
        assert_eq!(s.iana_name(), Some(name));
        assert_eq!(s.key_exchange(), Some(kx), "{name}");
        let _: CipherSuite = round_trip(&s.to_vec().unwrap());
    }
}

#[test]
fn rsa_client_key_exchange_carries_a_two_byte_length() {
    // RFC 5246 7.4.7.1: since TLS 1.0 the EncryptedPreMasterSecret has a 2-byte length; a
    // 2048-bit key gives 256 bytes.
    let body = cat(&[&h("0100"), &[0xab; 256]]);
    let m: RsaClientKeyExchange = round_trip(&body);
    assert_eq!(m.encrypted_pre_master_secret.len(), 256);
    // The SSLv3 form (no length) is not accepted: its first two bytes would be read as a
    // length that does not match.
    assert!(RsaClientKeyExchange::parse(&[0xab; 256]).is_err());
    // Trailing bytes after the vector are an error.
    let mut long = body.clone();
    long.push(0);
    assert!(ClientKeyExchange::parse_with(KeyExchangeKind::Rsa, &long).is_err());
}

#[test]
fn certificate_verify_with_an_rsa_pss_signature_round_trips() {
    let body = cat(&[&h("0804 0100"), &[0x5c; 256]]);
    let cv: CertificateVerify = round_trip(&body);
    assert_eq!(cv.algorithm, SignatureScheme::RSA_PSS_RSAE_SHA256);
    assert_eq!(cv.signature.len(), 256);
    assert_eq!(
        HandshakeMessage::parse(HandshakeType::CERTIFICATE_VERIFY, &body, None).unwrap(),
        HandshakeMessage::CertificateVerify(cv)
    );
}

#[test]
fn certificate_request_needs_a_certificate_type_and_a_signature_algorithm() {
    // certificate_types<1..2^8-1> and supported_signature_algorithms<2..2^16-2>.
    assert!(CertificateRequest::parse(&h("00 0002 0403 0000")).is_err());
    assert!(CertificateRequest::parse(&h("01 40 0000 0000")).is_err());
    // A DistinguishedName may not be empty (<1..2^16-1>).
    assert!(CertificateRequest::parse(&h("01 40 0002 0403 0002 0000")).is_err());
    let every_scheme = h("02 40 01 000c 0403 0503 0804 0805 0401 0501 0000");
    let req: CertificateRequest = round_trip(&every_scheme);
    assert_eq!(req.supported_signature_algorithms.len(), 6);
}
