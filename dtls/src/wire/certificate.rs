//! Certificate-related handshake bodies: Certificate (RFC 5246 7.4.2, 7.4.6),
//! CertificateRequest (RFC 5246 7.4.4), and the `digitally-signed` element (RFC 5246 4.7) used
//! by CertificateVerify (7.4.8) and ServerKeyExchange (7.4.3).

use alloc::vec::Vec;

use crate::codec::{Codec, DecodeError, Prefix, Reader, VecSpec, Writer};

use super::enums::{ClientCertificateType, SignatureScheme};
use super::extensions::SIGNATURE_ALGORITHM_LIST;
use super::{read_list, write_list};

/// RFC 5246 7.4.2: `ASN.1Cert certificate_list<0..2^24-1>`.
const CERTIFICATE_LIST: VecSpec = VecSpec::new(Prefix::U24, 0, 0xff_ffff, "certificate_list");
/// RFC 5246 7.4.2: `opaque ASN.1Cert<1..2^24-1>`.
const ASN1_CERT: VecSpec = VecSpec::new(Prefix::U24, 1, 0xff_ffff, "ASN.1Cert");

/// The Certificate message (RFC 5246 7.4.2): a chain of DER certificates, sender's first.
/// A client without a suitable certificate sends an empty list (RFC 5246 7.4.6).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Certificate {
    /// DER-encoded certificates, kept as raw bytes; `pki` parses them.
    pub certificate_list: Vec<Vec<u8>>,
}

impl Codec for Certificate {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let certificate_list =
            r.vec_items(CERTIFICATE_LIST, |r| r.vec_bytes(ASN1_CERT).map(<[u8]>::to_vec))?;
        Ok(Certificate { certificate_list })
    }

    fn write(&self, w: &mut Writer<'_>) {
        w.vec(CERTIFICATE_LIST, |w| {
            for cert in &self.certificate_list {
                w.vec_bytes(ASN1_CERT, cert);
            }
        });
    }

    fn encoded_len(&self) -> usize {
        3 + self.certificate_list.iter().map(|c| 3 + c.len()).sum::<usize>()
    }
}

/// RFC 5246 7.4.4: `ClientCertificateType certificate_types<1..2^8-1>`.
const CERTIFICATE_TYPES: VecSpec = VecSpec::new(Prefix::U8, 1, 0xff, "certificate_types");
/// RFC 5246 7.4.4: `DistinguishedName certificate_authorities<0..2^16-1>`.
const CERTIFICATE_AUTHORITIES: VecSpec = VecSpec::new(Prefix::U16, 0, 0xffff, "certificate_authorities");
/// RFC 5246 7.4.4: `opaque DistinguishedName<1..2^16-1>`.
const DISTINGUISHED_NAME: VecSpec = VecSpec::new(Prefix::U16, 1, 0xffff, "DistinguishedName");

/// The CertificateRequest message (RFC 5246 7.4.4).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CertificateRequest {
    /// Certificate types the server accepts.
    pub certificate_types: Vec<ClientCertificateType>,
    /// Signature algorithms the server can verify. RFC 5246 7.4.4 prints the bound as
    /// `<2^16-1>`; we use the `<2..2^16-2>` of 7.4.1.4.1, as every implementation does.
    pub supported_signature_algorithms: Vec<SignatureScheme>,
    /// DER-encoded distinguished names of acceptable CAs (may be empty).
    pub certificate_authorities: Vec<Vec<u8>>,
}

impl Codec for CertificateRequest {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let certificate_types = read_list(r, CERTIFICATE_TYPES)?;
        let supported_signature_algorithms = read_list(r, SIGNATURE_ALGORITHM_LIST)?;
        let certificate_authorities = r.vec_items(CERTIFICATE_AUTHORITIES, |r| {
            r.vec_bytes(DISTINGUISHED_NAME).map(<[u8]>::to_vec)
        })?;
        Ok(CertificateRequest {
            certificate_types,
            supported_signature_algorithms,
            certificate_authorities,
        })
    }

    fn write(&self, w: &mut Writer<'_>) {
        write_list(w, CERTIFICATE_TYPES, &self.certificate_types);
        write_list(w, SIGNATURE_ALGORITHM_LIST, &self.supported_signature_algorithms);
        w.vec(CERTIFICATE_AUTHORITIES, |w| {
            for dn in &self.certificate_authorities {
                w.vec_bytes(DISTINGUISHED_NAME, dn);
            }
        });
    }

    fn encoded_len(&self) -> usize {
        1 + self.certificate_types.len()
            + 2
            + 2 * self.supported_signature_algorithms.len()
            + 2
            + self
                .certificate_authorities
                .iter()
                .map(|dn| 2 + dn.len())
                .sum::<usize>()
    }
}

/// RFC 5246 4.7: `opaque signature<0..2^16-1>` inside a `digitally-signed` element.
const SIGNATURE: VecSpec = VecSpec::new(Prefix::U16, 0, 0xffff, "signature");

/// A `digitally-signed` element (RFC 5246 4.7): the algorithm, then the signature bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DigitallySigned {
    /// The signature and hash algorithm.
    pub algorithm: SignatureScheme,
    /// The signature (DER ECDSA-Sig-Value or RSA signature bytes).
    pub signature: Vec<u8>,
}

impl Codec for DigitallySigned {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let algorithm = SignatureScheme::read(r)?;
        let signature = r.vec_bytes(SIGNATURE)?.to_vec();
        Ok(DigitallySigned { algorithm, signature })
    }

    fn write(&self, w: &mut Writer<'_>) {
        self.algorithm.write(w);
        w.vec_bytes(SIGNATURE, &self.signature);
    }

    fn encoded_len(&self) -> usize {
        4 + self.signature.len()
    }
}

/// The CertificateVerify message (RFC 5246 7.4.8): one `digitally-signed` element over the
/// handshake transcript.
pub type CertificateVerify = DigitallySigned;
