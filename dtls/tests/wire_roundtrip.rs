//! Property tests over generated values: every wire structure emits, parses back to the same
//! value, reports its encoded length exactly, and rejects every proper prefix of its encoding.

use std::fmt::Debug;

use dtls::codec::Codec;
use dtls::wire::*;
use proptest::collection::vec;
use proptest::prelude::*;

fn bytes(min: usize, max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), min..=max)
}

fn random() -> impl Strategy<Value = [u8; 32]> {
    any::<[u8; 32]>()
}

/// How a structure's proper prefixes behave.
#[derive(Clone, Copy)]
enum Prefixes {
    /// Every proper prefix fails.
    AllFail,
    /// A hello: the prefix ending where the extension block starts is the same hello without
    /// extensions (RFC 5246 7.4.1.2); every other proper prefix fails.
    HelloExtensionsAt(usize),
}

fn check<T: Codec + PartialEq + Debug + Clone>(
    value: &T,
    prefixes: Prefixes,
    without_ext: impl Fn(&T) -> T,
) -> Result<(), TestCaseError> {
    let encoded = value
        .to_vec()
        .map_err(|e| TestCaseError::fail(format!("emit: {e}")))?;
    prop_assert_eq!(value.encoded_len(), encoded.len());
    let back = T::parse(&encoded).map_err(|e| TestCaseError::fail(format!("parse: {e}")))?;
    prop_assert_eq!(&back, value);
    for n in 0..encoded.len() {
        let r = T::parse(&encoded[..n]);
        match prefixes {
            Prefixes::HelloExtensionsAt(at) if n == at => {
                prop_assert_eq!(r.ok(), Some(without_ext(value)));
            }
            _ => prop_assert!(r.is_err(), "prefix {} of {} parsed: {:?}", n, encoded.len(), r),
        }
    }
    Ok(())
}

fn check_strict<T: Codec + PartialEq + Debug + Clone>(value: &T) -> Result<(), TestCaseError> {
    check(value, Prefixes::AllFail, T::clone)
}

// ---------------------------------------------------------------------------------------------
// Strategies

fn extension() -> impl Strategy<Value = Extension> {
    (any::<u16>(), bytes(0, 40)).prop_map(|(t, data)| Extension::new(ExtensionType(t), data))
}

fn extensions() -> impl Strategy<Value = Extensions> {
    vec(extension(), 0..6).prop_map(Extensions)
}

fn client_hello() -> impl Strategy<Value = ClientHello> {
    (
        any::<u16>(),
        random(),
        bytes(0, 32),
        bytes(0, 255),
        vec(any::<u16>().prop_map(CipherSuite), 1..40),
        vec(any::<u8>().prop_map(CompressionMethod), 1..4),
        proptest::option::of(extensions()),
    )
        .prop_map(
            |(v, random, session_id, cookie, cipher_suites, compression_methods, extensions)| ClientHello {
                client_version: ProtocolVersion(v),
                random,
                session_id,
                cookie,
                cipher_suites,
                compression_methods,
                extensions,
            },
        )
}

fn server_hello() -> impl Strategy<Value = ServerHello> {
    (
        any::<u16>(),
        random(),
        bytes(0, 32),
        any::<u16>(),
        any::<u8>(),
        proptest::option::of(extensions()),
    )
        .prop_map(|(v, random, session_id, suite, comp, extensions)| ServerHello {
            server_version: ProtocolVersion(v),
            random,
            session_id,
            cipher_suite: CipherSuite(suite),
            compression_method: CompressionMethod(comp),
            extensions,
        })
}

fn hello_verify_request() -> impl Strategy<Value = HelloVerifyRequest> {
    (any::<u16>(), bytes(0, 255)).prop_map(|(v, cookie)| HelloVerifyRequest {
        server_version: ProtocolVersion(v),
        cookie,
    })
}

fn certificate() -> impl Strategy<Value = Certificate> {
    vec(bytes(1, 300), 0..4).prop_map(|certificate_list| Certificate { certificate_list })
}

fn signature_schemes(min: usize) -> impl Strategy<Value = Vec<SignatureScheme>> {
    vec(any::<u16>().prop_map(SignatureScheme), min..20)
}

fn certificate_request() -> impl Strategy<Value = CertificateRequest> {
    (
        vec(any::<u8>().prop_map(ClientCertificateType), 1..5),
        signature_schemes(1),
        vec(bytes(1, 60), 0..4),
    )
        .prop_map(
            |(certificate_types, supported_signature_algorithms, certificate_authorities)| {
                CertificateRequest {
                    certificate_types,
                    supported_signature_algorithms,
                    certificate_authorities,
                }
            },
        )
}

fn digitally_signed() -> impl Strategy<Value = DigitallySigned> {
    (any::<u16>(), bytes(0, 300)).prop_map(|(a, signature)| DigitallySigned {
        algorithm: SignatureScheme(a),
        signature,
    })
}

fn ecdh_params() -> impl Strategy<Value = ServerEcdhParams> {
    (any::<u16>(), bytes(1, 255)).prop_map(|(g, public)| ServerEcdhParams {
        named_group: NamedGroup(g),
        public,
    })
}

fn record_header() -> impl Strategy<Value = RecordHeader> {
    (
        any::<u8>(),
        any::<u16>(),
        any::<u16>(),
        0..=RecordHeader::MAX_SEQUENCE_NUMBER,
        any::<u16>(),
    )
        .prop_map(|(t, v, epoch, sequence_number, length)| RecordHeader {
            content_type: ContentType(t),
            version: ProtocolVersion(v),
            epoch,
            sequence_number,
            length,
        })
}

fn handshake_header() -> impl Strategy<Value = HandshakeHeader> {
    (
        any::<u8>(),
        0..=0xff_ffffu32,
        any::<u16>(),
        0..=0xff_ffffu32,
        0..=0xff_ffffu32,
    )
        .prop_map(
            |(t, length, message_seq, fragment_offset, fragment_length)| HandshakeHeader {
                msg_type: HandshakeType(t),
                length,
                message_seq,
                fragment_offset,
                fragment_length,
            },
        )
}

fn server_name_list() -> impl Strategy<Value = ServerNameList> {
    vec((any::<u8>(), bytes(1, 40)), 1..4).prop_map(|names| ServerNameList {
        names: names
            .into_iter()
            .map(|(t, name)| ServerName {
                name_type: NameType(t),
                name,
            })
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Properties

proptest! {
    #[test]
    fn client_hello_round_trips(ch in client_hello()) {
        let fixed = 2 + 32 + 1 + ch.session_id.len() + 1 + ch.cookie.len() + 2
            + 2 * ch.cipher_suites.len() + 1 + ch.compression_methods.len();
        let prefixes = if ch.extensions.is_some() { Prefixes::HelloExtensionsAt(fixed) } else { Prefixes::AllFail };
        check(&ch, prefixes, |c| ClientHello { extensions: None, ..c.clone() })?;
        let msg = HandshakeMessage::ClientHello(ch.clone());
        let mut framed = Vec::new();
        msg.emit_unfragmented(9, &mut framed).unwrap();
        let frag = HandshakeFragment::parse(&framed).unwrap();
        prop_assert!(frag.header.is_complete());
        prop_assert_eq!(HandshakeMessage::parse(frag.header.msg_type, frag.body, None).unwrap(), msg);
    }

    #[test]
    fn server_hello_round_trips(sh in server_hello()) {
        let fixed = 2 + 32 + 1 + sh.session_id.len() + 2 + 1;
        let prefixes = if sh.extensions.is_some() { Prefixes::HelloExtensionsAt(fixed) } else { Prefixes::AllFail };
        check(&sh, prefixes, |s| ServerHello { extensions: None, ..s.clone() })?;
    }

    #[test]
    fn hello_verify_request_round_trips(hvr in hello_verify_request()) {
        check_strict(&hvr)?;
    }

    #[test]
    fn certificate_round_trips(cert in certificate()) {
        check_strict(&cert)?;
    }

    #[test]
    fn certificate_request_round_trips(req in certificate_request()) {
        check_strict(&req)?;
    }

    #[test]
    fn digitally_signed_round_trips(ds in digitally_signed()) {
        check_strict(&ds)?;
    }

    #[test]
    fn server_key_exchanges_round_trip(
        hint in bytes(0, 64),
        params in ecdh_params(),
        signed in digitally_signed(),
    ) {
        let psk = PskServerKeyExchange { identity_hint: hint.clone() };
        check_strict(&psk)?;
        let ecdhe = EcdheServerKeyExchange { params: params.clone(), signed };
        check_strict(&ecdhe)?;
        let ecdhe_psk = EcdhePskServerKeyExchange { identity_hint: hint, params: params.clone() };
        check_strict(&ecdhe_psk)?;
        check_strict(&params)?;

        let encoded = ecdhe.to_vec().unwrap();
        let (_, params_bytes) = EcdheServerKeyExchange::parse_with_params(&encoded).unwrap();
        prop_assert_eq!(params_bytes.to_vec(), params.to_vec().unwrap());

        for (kx, ske) in [
            (KeyExchangeKind::Psk, ServerKeyExchange::Psk(psk)),
            (KeyExchangeKind::Ecdhe, ServerKeyExchange::Ecdhe(ecdhe)),
            (KeyExchangeKind::EcdhePsk, ServerKeyExchange::EcdhePsk(ecdhe_psk)),
        ] {
            let mut out = Vec::new();
            ske.emit(&mut out).unwrap();
            prop_assert_eq!(ske.encoded_len(), out.len());
            prop_assert_eq!(ServerKeyExchange::parse_with(kx, &out).unwrap(), ske.clone());
            let msg = HandshakeMessage::parse(HandshakeType::SERVER_KEY_EXCHANGE, &out, Some(kx)).unwrap();
            prop_assert_eq!(msg, HandshakeMessage::ServerKeyExchange(ske));
        }
    }

    #[test]
    fn client_key_exchanges_round_trip(
        identity in bytes(0, 64),
        public in bytes(1, 255),
        encrypted in bytes(0, 512),
    ) {
        let psk = PskClientKeyExchange { identity: identity.clone() };
        check_strict(&psk)?;
        let ecdh = EcdhClientKeyExchange { public: public.clone() };
        check_strict(&ecdh)?;
        let rsa = RsaClientKeyExchange { encrypted_pre_master_secret: encrypted };
        check_strict(&rsa)?;
        let ecdhe_psk = EcdhePskClientKeyExchange { identity, public };
        check_strict(&ecdhe_psk)?;
        for (kx, cke) in [
            (KeyExchangeKind::Psk, ClientKeyExchange::Psk(psk)),
            (KeyExchangeKind::Ecdhe, ClientKeyExchange::Ecdhe(ecdh)),
            (KeyExchangeKind::Rsa, ClientKeyExchange::Rsa(rsa)),
            (KeyExchangeKind::EcdhePsk, ClientKeyExchange::EcdhePsk(ecdhe_psk)),
        ] {
            let mut out = Vec::new();
            cke.emit(&mut out).unwrap();
            prop_assert_eq!(cke.encoded_len(), out.len());
            prop_assert_eq!(cke.kind(), kx);
            prop_assert_eq!(ClientKeyExchange::parse_with(kx, &out).unwrap(), cke);
        }
    }

    #[test]
    fn finished_and_other_messages_round_trip(verify_data in bytes(0, 64), t in any::<u8>()) {
        let fin = Finished { verify_data };
        let out = fin.to_vec().unwrap();
        prop_assert_eq!(fin.encoded_len(), out.len());
        prop_assert_eq!(Finished::parse(&out).unwrap(), fin.clone());
        // Framed, every proper prefix of a Finished is rejected by the fragment layer.
        let mut framed = Vec::new();
        HandshakeMessage::Finished(fin).emit_unfragmented(1, &mut framed).unwrap();
        for n in 0..framed.len() {
            prop_assert!(HandshakeFragment::parse(&framed[..n]).is_err());
        }
        let other = HandshakeMessage::Other { msg_type: HandshakeType(t), body: out.clone() };
        let mut body = Vec::new();
        other.emit_body(&mut body).unwrap();
        prop_assert_eq!(body, out);
    }

    #[test]
    fn alert_round_trips(level in any::<u8>(), description in any::<u8>()) {
        check_strict(&Alert { level: AlertLevel(level), description: AlertDescription(description) })?;
        check_strict(&ChangeCipherSpec)?;
    }

    #[test]
    fn record_header_round_trips(hdr in record_header()) {
        check_strict(&hdr)?;
        prop_assert_eq!(hdr.to_array().unwrap().to_vec(), hdr.to_vec().unwrap());
    }

    #[test]
    fn records_round_trip(
        headers in vec(record_header(), 1..4),
        fragments in vec(bytes(0, 100), 4),
    ) {
        let mut dgram = Vec::new();
        let mut expected = Vec::new();
        for (hdr, frag) in headers.iter().zip(&fragments) {
            let header = RecordHeader { length: frag.len() as u16, ..*hdr };
            Record { header, cid: &[], fragment: frag }.emit(&mut dgram).unwrap();
            expected.push((header, frag.clone()));
        }
        let records: Vec<_> = split_datagram(&dgram).map(Result::unwrap).collect();
        prop_assert_eq!(records.len(), expected.len());
        let spans: Vec<_> = record_spans(&dgram).map(Result::unwrap).collect();
        for ((rec, span), (hdr, frag)) in records.iter().zip(&spans).zip(&expected) {
            prop_assert_eq!(&rec.header, hdr);
            prop_assert_eq!(rec.fragment, frag.as_slice());
            prop_assert_eq!(&span.header, hdr);
            prop_assert_eq!(&dgram[span.fragment_range.clone()], frag.as_slice());
        }
        // Cutting the last record short makes exactly that record fail.
        let cut = &dgram[..dgram.len() - 1];
        let items: Vec<_> = split_datagram(cut).collect();
        prop_assert_eq!(items.len(), expected.len());
        prop_assert!(items.last().unwrap().is_err());
    }

    #[test]
    fn handshake_header_round_trips(hdr in handshake_header()) {
        check_strict(&hdr)?;
        prop_assert_eq!(hdr.to_array().unwrap().to_vec(), hdr.to_vec().unwrap());
        let consistent = u64::from(hdr.fragment_offset) + u64::from(hdr.fragment_length) <= u64::from(hdr.length);
        prop_assert_eq!(hdr.is_consistent(), consistent);
    }

    #[test]
    fn handshake_fragments_round_trip(
        t in any::<u8>(), seq in any::<u16>(), offset in 0..=0xff_ffffu32, length in 0..=0xff_ffffu32,
        body in bytes(0, 100),
    ) {
        let header = HandshakeHeader {
            msg_type: HandshakeType(t),
            length,
            message_seq: seq,
            fragment_offset: offset,
            fragment_length: body.len() as u32,
        };
        let frag = HandshakeFragment { header, body: &body };
        let mut out = Vec::new();
        frag.emit(&mut out).unwrap();
        prop_assert_eq!(frag.encoded_len(), out.len());
        prop_assert_eq!(HandshakeFragment::parse(&out).unwrap(), frag);
        for n in 0..out.len() {
            prop_assert!(HandshakeFragment::parse(&out[..n]).is_err());
        }
    }

    #[test]
    fn extension_list_round_trips(list in extensions()) {
        check_strict(&list)?;
        for ext in &list.0 {
            check_strict(ext)?;
        }
        let mut seen = std::collections::HashSet::new();
        let has_dup = list.0.iter().any(|e| !seen.insert(e.typ));
        prop_assert_eq!(list.first_duplicate().is_some(), has_dup);
        prop_assert_eq!(list.check_unique().is_err(), has_dup);
    }

    #[test]
    fn typed_extensions_round_trip(
        names in server_name_list(),
        mfl in any::<u8>(),
        groups in vec(any::<u16>().prop_map(NamedGroup), 1..20),
        formats in vec(any::<u8>().prop_map(ECPointFormat), 1..10),
        schemes in signature_schemes(1),
        limit in any::<u16>(),
        cid in bytes(0, 255),
        reneg in bytes(0, 255),
    ) {
        fn typed<T: ExtensionBody + PartialEq + Debug + Clone>(v: &T) -> Result<(), TestCaseError> {
            check_strict(v)?;
            let ext = Extension::from_body(v).unwrap();
            prop_assert_eq!(ext.typ, T::TYPE);
            prop_assert_eq!(&ext.body::<T>().unwrap(), v);
            Ok(())
        }
        typed(&names)?;
        typed(&MaxFragmentLength(mfl))?;
        typed(&SupportedGroups { groups })?;
        typed(&EcPointFormats { formats })?;
        typed(&SignatureAlgorithms { schemes })?;
        typed(&RecordSizeLimit(limit))?;
        typed(&ConnectionId { cid })?;
        typed(&RenegotiationInfo { renegotiated_connection: reneg })?;
        typed(&EncryptThenMac)?;
        typed(&ExtendedMasterSecret)?;
    }

    #[test]
    fn enums_round_trip_and_print(v8 in any::<u8>(), v16 in any::<u16>()) {
        check_strict(&ContentType(v8))?;
        check_strict(&HandshakeType(v8))?;
        check_strict(&AlertLevel(v8))?;
        check_strict(&AlertDescription(v8))?;
        check_strict(&CompressionMethod(v8))?;
        check_strict(&ECPointFormat(v8))?;
        check_strict(&ClientCertificateType(v8))?;
        check_strict(&ECCurveType(v8))?;
        check_strict(&NameType(v8))?;
        check_strict(&ProtocolVersion(v16))?;
        check_strict(&CipherSuite(v16))?;
        check_strict(&ExtensionType(v16))?;
        check_strict(&NamedGroup(v16))?;
        check_strict(&SignatureScheme(v16))?;
        let suite = CipherSuite(v16);
        let printed = format!("{suite:?}");
        match suite.iana_name() {
            Some(name) => prop_assert_eq!(printed, name),
            None => prop_assert_eq!(printed, format!("Unknown({v16:#06x})")),
        }
        let ct = ContentType(v8);
        if !ct.is_known() {
            prop_assert_eq!(format!("{ct:?}"), format!("Unknown({v8:#04x})"));
        }
    }
}
