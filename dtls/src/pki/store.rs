//! The trust store: the certificates whose keys end a valid chain (trust anchors).
//!
//! Anchors are kept as the DER certificate they came from (to remove them by value and to list
//! their subjects in CertificateRequest, RFC 5246 7.4.4) and as webpki trust anchors (subject,
//! key, name constraints). As in RFC 5280 6.1 and webpki, an anchor's own validity period and
//! extensions are not checked: putting a certificate here is the act of trusting its key.

use alloc::vec::Vec;

use der::{Decode, Encode};
use pki_types::{CertificateDer, TrustAnchor};

use super::load::load_certificates;
use crate::error::{CertificateError, CertificateErrorKind as Kind};

#[derive(Debug, Clone)]
struct Anchor {
    der: Vec<u8>,
    subject: Vec<u8>,
}

/// A set of trust anchors with add and remove.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    anchors: Vec<Anchor>,
    /// The same anchors in webpki's form, index for index, so validation borrows them as a
    /// slice without copying.
    webpki: Vec<TrustAnchor<'static>>,
}

impl TrustStore {
    /// An empty store (trusts nothing).
    pub fn new() -> Self {
        TrustStore::default()
    }

    /// Adds one DER certificate as a trust anchor. Adding a certificate already present does
    /// nothing. Fails if it does not parse.
    pub fn add(&mut self, der: &[u8]) -> Result<(), CertificateError> {
        if self.contains(der) {
            return Ok(());
        }
        let cert_der = CertificateDer::from(der);
        let anchor = webpki::anchor_from_trusted_cert(&cert_der)
            .map_err(|_| {
                CertificateError::new(Kind::Malformed, "trust anchor is not a valid X.509 certificate")
            })?
            .to_owned();
        let subject = x509_cert::Certificate::from_der(der)
            .ok()
            .and_then(|c| c.tbs_certificate().subject().to_der().ok())
            .ok_or(CertificateError::new(
                Kind::Malformed,
                "trust anchor subject does not parse",
            ))?;
        self.anchors.push(Anchor {
            der: der.to_vec(),
            subject,
        });
        self.webpki.push(anchor);
        Ok(())
    }

    /// Adds every certificate of a DER or PEM input (see [`load_certificates`]); returns how
    /// many were read. Nothing is added if any of them fails to parse.
    pub fn add_all(&mut self, input: &[u8]) -> Result<usize, CertificateError> {
        let certs = load_certificates(input)?;
        let mut staged = self.clone();
        for cert in &certs {
            staged.add(cert)?;
        }
        *self = staged;
        Ok(certs.len())
    }

    /// Removes the anchor with exactly these DER bytes; returns whether it was present.
    pub fn remove(&mut self, der: &[u8]) -> bool {
        self.remove_where(|a| a.der == der) > 0
    }

    /// Removes every anchor whose subject Name has this DER encoding; returns how many.
    pub fn remove_by_subject(&mut self, subject: &[u8]) -> usize {
        self.remove_where(|a| a.subject == subject)
    }

    fn remove_where(&mut self, doomed: impl Fn(&Anchor) -> bool) -> usize {
        let before = self.anchors.len();
        let mut i = 0;
        while i < self.anchors.len() {
            if self.anchors.get(i).is_some_and(&doomed) {
                self.anchors.remove(i);
                self.webpki.remove(i);
            } else {
                i += 1;
            }
        }
        before - self.anchors.len()
    }

    /// Whether a certificate with exactly these bytes is an anchor.
    pub fn contains(&self, der: &[u8]) -> bool {
        self.anchors.iter().any(|a| a.der == der)
    }

    /// Number of anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// The DER certificates of the anchors, in the order they were added.
    pub fn certificates(&self) -> impl Iterator<Item = &[u8]> {
        self.anchors.iter().map(|a| a.der.as_slice())
    }

    /// The anchors' subject Names (DER), for CertificateRequest.certificate_authorities,
    /// as many as fit in `max_bytes` of that vector (each entry costs 2 + its length; the
    /// vector itself is bounded by 2^16-1, RFC 5246 7.4.4). Duplicates are listed once.
    pub fn subjects(&self, max_bytes: usize) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = Vec::new();
        let mut used = 0usize;
        for a in &self.anchors {
            if out.contains(&a.subject) {
                continue;
            }
            let cost = 2 + a.subject.len();
            if used + cost > max_bytes.min(0xffff) {
                break;
            }
            used += cost;
            out.push(a.subject.clone());
        }
        out
    }

    pub(crate) fn webpki_anchors(&self) -> &[TrustAnchor<'static>] {
        &self.webpki
    }
}
