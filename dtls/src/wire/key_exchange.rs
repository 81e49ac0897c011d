//! ServerKeyExchange (RFC 5246 7.4.3) and ClientKeyExchange (RFC 5246 7.4.7) in the forms this
//! stack negotiates: PSK (RFC 4279 2), ECDHE (RFC 8422 5.4, 5.7), ECDHE_PSK (RFC 5489 2) and
//! RSA (RFC 5246 7.4.7.1).
//!
//! Their layout depends on the negotiated key exchange, which the bytes do not say, so each
//! form is its own [`Codec`] struct and the enums [`ServerKeyExchange`] and
//! [`ClientKeyExchange`] are parsed with [`ServerKeyExchange::parse_with`] and
//! [`ClientKeyExchange::parse_with`], given a [`KeyExchangeKind`].

use alloc::vec::Vec;

use crate::codec::{Codec, DecodeError, DecodeErrorKind, EncodeError, Prefix, Reader, VecSpec, Writer};

use super::certificate::DigitallySigned;
use super::enums::{ECCurveType, NamedGroup};

/// The key exchange algorithm of a cipher suite, which fixes the form of the key exchange
/// messages (see [`super::CipherSuite::key_exchange`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyExchangeKind {
    /// Plain PSK (RFC 4279 2).
    Psk,
    /// Ephemeral ECDH signed with the server's certificate key (RFC 8422: ECDHE_ECDSA and
    /// ECDHE_RSA have the same wire form).
    Ecdhe,
    /// Ephemeral ECDH authenticated by a PSK (RFC 5489 2).
    EcdhePsk,
    /// RSA key transport (RFC 5246 7.4.7.1): no ServerKeyExchange.
    Rsa,
}

/// RFC 4279 2: `opaque psk_identity_hint<0..2^16-1>`.
const PSK_IDENTITY_HINT: VecSpec = VecSpec::new(Prefix::U16, 0, 0xffff, "psk_identity_hint");
/// RFC 4279 2: `opaque psk_identity<0..2^16-1>`.
const PSK_IDENTITY: VecSpec = VecSpec::new(Prefix::U16, 0, 0xffff, "psk_identity");
/// RFC 8422 5.4 / 5.7: `opaque point <1..2^8-1>` (ECPoint).
const EC_POINT: VecSpec = VecSpec::new(Prefix::U8, 1, 0xff, "ECPoint");
/// RFC 5246 7.4.7.1: `public-key-encrypted PreMasterSecret`, an opaque vector with a two-byte
/// length since TLS 1.0, i.e. `<0..2^16-1>`.
const ENCRYPTED_PRE_MASTER_SECRET: VecSpec = VecSpec::new(Prefix::U16, 0, 0xffff, "EncryptedPreMasterSecret");

/// `ServerECDHParams` (RFC 8422 5.4): a named curve and the server's ephemeral public point.
/// Explicit curves are deprecated by RFC 8422 and have another layout, so any curve type other
/// than `named_curve` is an `InvalidValue` error.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServerEcdhParams {
    /// The group of the ephemeral key.
    pub named_group: NamedGroup,
    /// The encoded public point (uncompressed SEC1 for the NIST curves).
    pub public: Vec<u8>,
}

impl Codec for ServerEcdhParams {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        if ECCurveType::read(r)? != ECCurveType::NAMED_CURVE {
            return Err(DecodeError::new(DecodeErrorKind::InvalidValue, "ECCurveType"));
        }
        let named_group = NamedGroup::read(r)?;
        let public = r.vec_bytes(EC_POINT)?.to_vec();
        Ok(ServerEcdhParams { named_group, public })
    }

    fn write(&self, w: &mut Writer<'_>) {
        ECCurveType::NAMED_CURVE.write(w);
        self.named_group.write(w);
        w.vec_bytes(EC_POINT, &self.public);
    }

    fn encoded_len(&self) -> usize {
        4 + self.public.len()
    }
}

/// The PSK ServerKeyExchange (RFC 4279 2): an identity hint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PskServerKeyExchange {
    /// A hint to help the client choose an identity; may be empty.
    pub identity_hint: Vec<u8>,
}

impl Codec for PskServerKeyExchange {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(PskServerKeyExchange {
            identity_hint: r.vec_bytes(PSK_IDENTITY_HINT)?.to_vec(),
        })
    }

    fn write(&self, w: &mut Writer<'_>) {
        w.vec_bytes(PSK_IDENTITY_HINT, &self.identity_hint);
    }

    fn encoded_len(&self) -> usize {
        2 + self.identity_hint.len()
    }
}

/// The signed ECDHE ServerKeyExchange (RFC 8422 5.4): parameters, then a signature over
/// `client_random + server_random + params`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EcdheServerKeyExchange {
    /// The ephemeral key.
    pub params: ServerEcdhParams,
    /// The server's signature over the randoms and `params`.
    pub signed: DigitallySigned,
}

impl EcdheServerKeyExchange {
    /// Parses a body and also returns the exact bytes of `params` as received, which the
    /// signature covers.
    pub fn parse_with_params(bytes: &[u8]) -> Result<(Self, &[u8]), DecodeError> {
        let mut r = Reader::new(bytes);
        let params = ServerEcdhParams::read(&mut r)?;
        let params_len = bytes.len() - r.remaining();
        let params_bytes = bytes.get(..params_len).unwrap_or(&[]);
        let signed = DigitallySigned::read(&mut r)?;
        r.expect_end("ServerKeyExchange")?;
        Ok((EcdheServerKeyExchange { params, signed }, params_bytes))
    }

    /// The message the signature covers: `client_random + server_random + ServerECDHParams`
    /// (RFC 8422 5.4). Parsing is exact, so re-encoding `params` gives the received bytes.
    pub fn signed_message(
        &self,
        client_random: &[u8; 32],
        server_random: &[u8; 32],
    ) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(64 + self.params.encoded_len());
        out.extend_from_slice(client_random);
        out.extend_from_slice(server_random);
        self.params.emit(&mut out)?;
        Ok(out)
    }
}

impl Codec for EcdheServerKeyExchange {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let params = ServerEcdhParams::read(r)?;
        let signed = DigitallySigned::read(r)?;
        Ok(EcdheServerKeyExchange { params, signed })
    }

    fn write(&self, w: &mut Writer<'_>) {
        self.params.write(w);
        self.signed.write(w);
    }

    fn encoded_len(&self) -> usize {
        self.params.encoded_len() + self.signed.encoded_len()
    }
}

/// The ECDHE_PSK ServerKeyExchange (RFC 5489 2): an identity hint then unsigned parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EcdhePskServerKeyExchange {
    /// A hint to help the client choose an identity; may be empty.
    pub identity_hint: Vec<u8>,
    /// The ephemeral key.
    pub params: ServerEcdhParams,
}

impl Codec for EcdhePskServerKeyExchange {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let identity_hint = r.vec_bytes(PSK_IDENTITY_HINT)?.to_vec();
        let params = ServerEcdhParams::read(r)?;
        Ok(EcdhePskServerKeyExchange {
            identity_hint,
            params,
        })
    }

    fn write(&self, w: &mut Writer<'_>) {
        w.vec_bytes(PSK_IDENTITY_HINT, &self.identity_hint);
        self.params.write(w);
    }

    fn encoded_len(&self) -> usize {
        2 + self.identity_hint.len() + self.params.encoded_len()
    }
}

/// A ServerKeyExchange in the form of the negotiated key exchange.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ServerKeyExchange {
    /// RFC 4279 2.
    Psk(PskServerKeyExchange),
    /// RFC 8422 5.4.
    Ecdhe(EcdheServerKeyExchange),
    /// RFC 5489 2.
    EcdhePsk(EcdhePskServerKeyExchange),
}

impl ServerKeyExchange {
    /// Parses a full message body in the form `kx` prescribes. RSA key transport has no
    /// ServerKeyExchange, so `KeyExchangeKind::Rsa` is an `InvalidValue` error.
    pub fn parse_with(kx: KeyExchangeKind, bytes: &[u8]) -> Result<Self, DecodeError> {
        match kx {
            KeyExchangeKind::Psk => PskServerKeyExchange::parse(bytes).map(Self::Psk),
            KeyExchangeKind::Ecdhe => EcdheServerKeyExchange::parse(bytes).map(Self::Ecdhe),
            KeyExchangeKind::EcdhePsk => EcdhePskServerKeyExchange::parse(bytes).map(Self::EcdhePsk),
            KeyExchangeKind::Rsa => Err(DecodeError::new(
                DecodeErrorKind::InvalidValue,
                "ServerKeyExchange for RSA",
            )),
        }
    }

    /// The key exchange this form belongs to.
    pub fn kind(&self) -> KeyExchangeKind {
        match self {
            Self::Psk(_) => KeyExchangeKind::Psk,
            Self::Ecdhe(_) => KeyExchangeKind::Ecdhe,
            Self::EcdhePsk(_) => KeyExchangeKind::EcdhePsk,
        }
    }

    /// Appends the encoding.
    pub fn write(&self, w: &mut Writer<'_>) {
        match self {
            Self::Psk(m) => m.write(w),
            Self::Ecdhe(m) => m.write(w),
            Self::EcdhePsk(m) => m.write(w),
        }
    }

    /// Appends the encoding to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let mut w = Writer::new(out);
        self.write(&mut w);
        w.finish()
    }

    /// Length of the encoding in bytes.
    pub fn encoded_len(&self) -> usize {
        match self {
            Self::Psk(m) => m.encoded_len(),
            Self::Ecdhe(m) => m.encoded_len(),
            Self::EcdhePsk(m) => m.encoded_len(),
        }
    }
}

/// The PSK ClientKeyExchange (RFC 4279 2): the chosen identity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PskClientKeyExchange {
    /// The PSK identity (UTF-8 per RFC 4279 5.1, not checked here).
    pub identity: Vec<u8>,
}

impl Codec for PskClientKeyExchange {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(PskClientKeyExchange {
            identity: r.vec_bytes(PSK_IDENTITY)?.to_vec(),
        })
    }

    fn write(&self, w: &mut Writer<'_>) {
        w.vec_bytes(PSK_IDENTITY, &self.identity);
    }

    fn encoded_len(&self) -> usize {
        2 + self.identity.len()
    }
}

/// The ECDH(E) ClientKeyExchange (RFC 8422 5.7): the client's explicit ephemeral public point.
/// The implicit (empty) form belongs to fixed-ECDH client certificates, which RFC 8422
/// deprecates, so the point must be non-empty.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EcdhClientKeyExchange {
    /// The encoded public point.
    pub public: Vec<u8>,
}

impl Codec for EcdhClientKeyExchange {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(EcdhClientKeyExchange {
            public: r.vec_bytes(EC_POINT)?.to_vec(),
        })
    }

    fn write(&self, w: &mut Writer<'_>) {
        w.vec_bytes(EC_POINT, &self.public);
    }

    fn encoded_len(&self) -> usize {
        1 + self.public.len()
    }
}

/// The RSA ClientKeyExchange (RFC 5246 7.4.7.1): the encrypted premaster secret.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RsaClientKeyExchange {
    /// PKCS#1 v1.5 ciphertext of the 48-byte premaster secret.
    pub encrypted_pre_master_secret: Vec<u8>,
}

impl Codec for RsaClientKeyExchange {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let encrypted_pre_master_secret = r.vec_bytes(ENCRYPTED_PRE_MASTER_SECRET)?.to_vec();
        Ok(RsaClientKeyExchange {
            encrypted_pre_master_secret,
        })
    }

    fn write(&self, w: &mut Writer<'_>) {
        w.vec_bytes(ENCRYPTED_PRE_MASTER_SECRET, &self.encrypted_pre_master_secret);
    }

    fn encoded_len(&self) -> usize {
        2 + self.encrypted_pre_master_secret.len()
    }
}

/// The ECDHE_PSK ClientKeyExchange (RFC 5489 2): identity, then the client's public point.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EcdhePskClientKeyExchange {
    /// The PSK identity.
    pub identity: Vec<u8>,
    /// The encoded public point.
    pub public: Vec<u8>,
}

impl Codec for EcdhePskClientKeyExchange {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let identity = r.vec_bytes(PSK_IDENTITY)?.to_vec();
        let public = r.vec_bytes(EC_POINT)?.to_vec();
        Ok(EcdhePskClientKeyExchange { identity, public })
    }

    fn write(&self, w: &mut Writer<'_>) {
        w.vec_bytes(PSK_IDENTITY, &self.identity);
        w.vec_bytes(EC_POINT, &self.public);
    }

    fn encoded_len(&self) -> usize {
        2 + self.identity.len() + 1 + self.public.len()
    }
}

/// A ClientKeyExchange in the form of the negotiated key exchange.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClientKeyExchange {
    /// RFC 4279 2.
    Psk(PskClientKeyExchange),
    /// RFC 8422 5.7.
    Ecdhe(EcdhClientKeyExchange),
    /// RFC 5489 2.
    EcdhePsk(EcdhePskClientKeyExchange),
    /// RFC 5246 7.4.7.1.
    Rsa(RsaClientKeyExchange),
}

impl ClientKeyExchange {
    /// Parses a full message body in the form `kx` prescribes.
    pub fn parse_with(kx: KeyExchangeKind, bytes: &[u8]) -> Result<Self, DecodeError> {
        match kx {
            KeyExchangeKind::Psk => PskClientKeyExchange::parse(bytes).map(Self::Psk),
            KeyExchangeKind::Ecdhe => EcdhClientKeyExchange::parse(bytes).map(Self::Ecdhe),
            KeyExchangeKind::EcdhePsk => EcdhePskClientKeyExchange::parse(bytes).map(Self::EcdhePsk),
            KeyExchangeKind::Rsa => RsaClientKeyExchange::parse(bytes).map(Self::Rsa),
        }
    }

    /// The key exchange this form belongs to.
    pub fn kind(&self) -> KeyExchangeKind {
        match self {
            Self::Psk(_) => KeyExchangeKind::Psk,
            Self::Ecdhe(_) => KeyExchangeKind::Ecdhe,
            Self::EcdhePsk(_) => KeyExchangeKind::EcdhePsk,
            Self::Rsa(_) => KeyExchangeKind::Rsa,
        }
    }

    /// Appends the encoding.
    pub fn write(&self, w: &mut Writer<'_>) {
        match self {
            Self::Psk(m) => m.write(w),
            Self::Ecdhe(m) => m.write(w),
            Self::EcdhePsk(m) => m.write(w),
            Self::Rsa(m) => m.write(w),
        }
    }

    /// Appends the encoding to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let mut w = Writer::new(out);
        self.write(&mut w);
        w.finish()
    }

    /// Length of the encoding in bytes.
    pub fn encoded_len(&self) -> usize {
        match self {
            Self::Psk(m) => m.encoded_len(),
            Self::Ecdhe(m) => m.encoded_len(),
            Self::EcdhePsk(m) => m.encoded_len(),
            Self::Rsa(m) => m.encoded_len(),
        }
    }
}
