//! Every bound the handshake layer enforces, with its default and the reason for it.
//!
//! Nothing the engine keeps for a peer grows without one of these limits: an unauthenticated
//! peer can make it buffer at most `max_reassembly_bytes` of handshake data and
//! `max_early_record_bytes` of next-epoch records per connection, and a server at most
//! `max_sessions` connections.

use alloc::vec::Vec;
use core::fmt;

use crate::error::{CertificateError, CertificateErrorKind};
use crate::time::Duration;

/// Largest value a 24-bit handshake length field can carry (RFC 6347 4.2.2, `uint24 length`).
pub const MAX_U24: u32 = 0x00FF_FFFF;

/// Bounds on a peer's certificate chain, checked before anything in it is parsed (the
/// engine applies [`Limits::chain`] to every chain a peer sends, before the certificate
/// verifier sees it; `pki::WebPkiVerifier` applies its own copy to chains it is given).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainLimits {
    /// Most certificates accepted in a chain, leaf included (default 6).
    ///
    /// Real chains are a leaf and one or two intermediates; 6 leaves room for cross-signing.
    /// webpki itself refuses paths of more than 6 intermediates and bounds its path search
    /// (100 signature checks); this bound also caps what we parse and hash.
    pub max_chain_len: usize,
    /// Most bytes of DER certificates accepted in a chain (default 16 KiB).
    ///
    /// The Certificate message is bounded by `Limits::max_handshake_message_len` (16 KiB by
    /// default); this keeps chain validation within the same budget when that is raised.
    pub max_chain_bytes: usize,
}

impl ChainLimits {
    /// The defaults documented on each field.
    pub const DEFAULT: ChainLimits = ChainLimits {
        max_chain_len: 6,
        max_chain_bytes: 16 * 1024,
    };

    /// Refuses a chain with more certificates or bytes than allowed (`bad_certificate`), or
    /// an empty one (`handshake_failure`: no certificate where one is required).
    pub fn check(&self, chain: &[Vec<u8>]) -> Result<(), CertificateError> {
        if chain.is_empty() {
            return Err(CertificateError::new(
                CertificateErrorKind::Missing,
                "the peer sent no certificate",
            ));
        }
        if chain.len() > self.max_chain_len {
            return Err(CertificateError::new(
                CertificateErrorKind::TooLarge,
                "chain has more certificates than ChainLimits allows",
            ));
        }
        let total = chain.iter().try_fold(0usize, |sum, c| sum.checked_add(c.len()));
        if total.is_none_or(|t| t > self.max_chain_bytes) {
            return Err(CertificateError::new(
                CertificateErrorKind::TooLarge,
                "chain is larger than ChainLimits allows",
            ));
        }
        Ok(())
    }
}

impl Default for ChainLimits {
    fn default() -> Self {
        ChainLimits::DEFAULT
    }
}

/// The bounds of one endpoint's handshake machinery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest handshake message body accepted, in bytes (default 16 KiB).
    ///
    /// The largest message in practice is a Certificate carrying a chain: two or three DER
    /// certificates of about 1-4 KiB each. 16 KiB leaves room for RSA chains while keeping one
    /// message's buffer small enough for a microcontroller. A fragment that declares a larger
    /// total length is dropped before anything is allocated (a forged 16 MiB length must not
    /// reserve 16 MiB). Must not exceed [`MAX_U24`].
    pub max_handshake_message_len: u32,

    /// How many messages beyond the next expected `message_seq` may be buffered (default 4).
    ///
    /// RFC 6347 4.2.2 lets a receiver buffer future messages or discard them. The largest
    /// flight is the server's ServerHello, Certificate, ServerKeyExchange, CertificateRequest,
    /// ServerHelloDone: five messages, so a window of the next one plus four lets a whole
    /// reordered flight be kept. Fragments further ahead are dropped (the peer retransmits).
    pub max_buffered_messages: u16,

    /// Bytes of handshake message bodies buffered for reassembly per connection (default
    /// 24 KiB).
    ///
    /// One maximum-size message (the Certificate) plus the rest of its flight. Each buffered
    /// message is charged its declared length when its first fragment arrives, because that is
    /// what is allocated; a later fragment can never grow it (a length mismatch is dropped).
    pub max_reassembly_bytes: usize,

    /// Disjoint byte ranges tracked per message under reassembly (default 32).
    ///
    /// Reassembly records which bytes have arrived as a sorted list of ranges; a hostile
    /// peer sending every other byte would otherwise grow that list with the message length.
    /// Fragments that touch a held range always merge; a new disjoint range beyond this count
    /// replaces the highest held range if it lies below it, and is dropped otherwise. So one
    /// in-order retransmission of a message always completes it.
    pub max_fragment_ranges: usize,

    /// Records of the next epoch buffered before its keys are installed (default 8).
    ///
    /// The peer's Finished (and application data sent right after it) can overtake its
    /// ChangeCipherSpec or our processing of the previous flight (RFC 6347 4.1: such records
    /// may be queued or discarded). Queuing a few avoids a full retransmission round trip;
    /// more than a handful is never needed by an honest peer.
    pub max_early_records: usize,

    /// Bytes of next-epoch records buffered before their keys are installed (default 8 KiB).
    ///
    /// A sealed Finished is well under 100 bytes; the rest is headroom for early application
    /// data. Bounded separately from the count because one record may be 16 KiB + 2 KiB.
    pub max_early_record_bytes: usize,

    /// Connections a server keeps at once, established or half-open (default 1024).
    ///
    /// Entries are only created after a valid cookie (RFC 6347 4.2.1), so the table cannot be
    /// filled from spoofed addresses, but it still needs a ceiling against many real peers.
    pub max_sessions: usize,

    /// Retransmission timeout for a fresh flight (default 1 s, RFC 6347 4.2.4.1: "an initial
    /// timer value of 1 second (the minimum defined in RFC 6298)").
    pub retransmit_initial: Duration,

    /// Ceiling of the doubling retransmission timeout (default 60 s, RFC 6347 4.2.4.1: "up to
    /// no less than the RFC 6298 maximum of 60 seconds").
    pub retransmit_max: Duration,

    /// Retransmissions of one flight before the handshake is abandoned (default 12).
    ///
    /// Precisely: a flight is sent once, then re-sent at each of the first
    /// `max_retransmissions` timer expiries; the next expiry gives up. With the defaults the
    /// flight goes out at 0, 1, 3, 7, 15, 31, 63, 123, 183, 243, 303, 363 and 423 s (the
    /// timeout doubles 1, 2, 4 … 32, then is capped at 60) and the handshake fails at 483 s
    /// ([`Limits::retransmit_give_up_after`]). RFC 6347 sets no count. Twelve is OpenSSL's
    /// budget (Mbed TLS stops once the timer would exceed 60 s, after six): under 30% loss
    /// each way a flight exchange succeeds with probability ~0.49 per attempt, so seven
    /// re-sends leave ~0.5% of exchanges failed and twelve ~0.02% (measured: 99.93% of
    /// simulated handshakes complete at 30% loss, against 99.25% with seven). A dead peer
    /// then holds a half-open session for about eight minutes, bounded by `max_sessions`.
    pub max_retransmissions: u8,

    /// Longest a handshake may take from its first message to completion (default 600 s).
    ///
    /// Bounds how long a half-open session holds a table slot, even against a peer that keeps
    /// the handshake alive by answering just before each give-up. Longer than the default
    /// give-up time (483 s) so that, for a silent peer, the retransmission count is what ends
    /// the handshake. A server also keeps its final flight for re-sending this long after the
    /// handshake completed (unless the peer's application data acknowledges it first): a
    /// peer that still lacks it by then has given up.
    pub handshake_timeout: Duration,

    /// Time without an authenticated record after which an established session is dropped
    /// (default 5 minutes; `None` keeps sessions until closed).
    ///
    /// DTLS has no keep-alive of its own (RFC 6520 heartbeats are not implemented), and a
    /// server cannot tell a silent peer from a vanished one; NAT bindings typically expire
    /// within a few minutes anyway.
    pub idle_timeout: Option<Duration>,

    /// How long a connection keeps answering a re-sent close_notify after answering the
    /// peer's first one, and how long a graceful close of ours waits for the answer (default
    /// 30 s).
    ///
    /// Without the linger, one lost answer leaves the peer re-sending close_notify into the
    /// void until it gives up and reports the close as failed. The closing side re-sends its
    /// close_notify on the retransmission schedule (1, 3, 7, 15 s ...) and reports
    /// `CloseFailed` once this much time passed without an answer: later re-sends would reach a
    /// peer that no longer lingers. A server's table slot stays taken for the linger.
    pub close_linger: Duration,

    /// How long epoch-0 records are still read after the handshake completed (default 60 s).
    ///
    /// Once connected nothing in epoch 0 is needed: the peer's retransmission of its final
    /// flight (if our final flight was lost) mixes epoch-0 records (ClientKeyExchange,
    /// ChangeCipherSpec) with the authenticated Finished, and the Finished alone is what makes
    /// us re-send ours. The linger lets such retransmissions be read whole for a while; after
    /// it, or as soon as the peer's first authenticated application data shows the handshake
    /// is over for it too, epoch-0 records are dropped as an unknown epoch, so unauthenticated
    /// cleartext cannot reach the connection at all. (Our stored final flight is kept, for
    /// re-sending, until that application data arrives or `handshake_timeout` has passed.)
    pub epoch0_linger: Duration,

    /// HelloVerifyRequests a client answers before a ServerHello (default 4).
    ///
    /// RFC 6347 4.2.1 expects one. A second one is legitimate when the server restarted (its
    /// new cookie secret rejects the cookie we echo) or when the cookie expired while our
    /// second ClientHello kept getting lost; a small bound keeps a forged stream of them from
    /// holding the client in the hello exchange forever.
    pub max_hello_verify_requests: u8,

    /// Retransmissions of a flight after which it is re-fragmented for a smaller path MTU
    /// (default 2; 0 turns the back-off off).
    ///
    /// RFC 6347 4.1.1.1: repeated retransmissions without an answer may mean the path drops
    /// datagrams of our size (an MTU black hole), so the implementation should back off.
    /// After this many re-sends the flight goes out at 576 bytes (the IPv4 minimum
    /// reassembly size), after twice as many at the configured `min_mtu`; a size that got an
    /// answer is kept for the rest of the connection.
    pub pmtu_backoff_after: u8,

    /// Anti-amplification factor for answers to unauthenticated input (default 3).
    ///
    /// During the handshake a retransmission triggered by a datagram from the peer's address
    /// (not by our own timer) is sent only while the bytes sent that way stay within this
    /// multiple of the bytes received from that address, as QUIC does before address
    /// validation (RFC 9000 8.1). A spoofed stream of small fragments can therefore never make
    /// us send more than three times what it costs the attacker.
    pub amplification_factor: u8,

    /// Handshake records of the new epoch that must fail to authenticate, while the peer's
    /// Finished is expected, before the handshake ends with a fatal bad_record_mac (default 2).
    ///
    /// With different keys on the two sides (a wrong PSK, an unknown identity) the peer's
    /// Finished never authenticates; failing fast beats a retransmission timeout of minutes
    /// (RFC 6347 4.1.2.7 allows the alert). One failing record may be a forgery, though, and
    /// must be dropped like any invalid record, so the decision waits for the second: with the
    /// peer's retransmission that is about one second.
    pub key_mismatch_after: u8,

    /// Bounds on the certificate chain a peer sends (default: 6 certificates, 16 KiB; see
    /// [`ChainLimits`]). Applied before the chain is parsed or given to the verifier.
    pub chain: ChainLimits,
}

impl Limits {
    /// The defaults documented on each field.
    pub const DEFAULT: Limits = Limits {
        max_handshake_message_len: 16 * 1024,
        max_buffered_messages: 4,
        max_reassembly_bytes: 24 * 1024,
        max_fragment_ranges: 32,
        max_early_records: 8,
        max_early_record_bytes: 8 * 1024,
        max_sessions: 1024,
        // catalogue: RFC6347-4.2.4.1-1
        retransmit_initial: Duration::from_secs(1),
        retransmit_max: Duration::from_secs(60),
        max_retransmissions: 12,
        handshake_timeout: Duration::from_secs(600),
        idle_timeout: Some(Duration::from_secs(300)),
        close_linger: Duration::from_secs(30),
        epoch0_linger: Duration::from_secs(60),
        max_hello_verify_requests: 4,
        pmtu_backoff_after: 2,
        amplification_factor: 3,
        key_mismatch_after: 2,
        chain: ChainLimits::DEFAULT,
    };

    /// Checks that the limits are usable together.
    pub fn validate(&self) -> Result<(), InvalidLimits> {
        let fail = |what| Err(InvalidLimits { what });
        if self.max_handshake_message_len > MAX_U24 {
            return fail("max_handshake_message_len exceeds the 24-bit length field");
        }
        if usize::try_from(self.max_handshake_message_len).map_or(true, |m| m > self.max_reassembly_bytes) {
            // Otherwise a maximum-size message could never be reassembled.
            return fail("max_reassembly_bytes is smaller than max_handshake_message_len");
        }
        if self.max_fragment_ranges == 0 {
            return fail("max_fragment_ranges must be at least 1");
        }
        if self.retransmit_initial == Duration::ZERO {
            // A zero timeout would retransmit in a busy loop.
            return fail("retransmit_initial must be positive");
        }
        if self.retransmit_max < self.retransmit_initial {
            return fail("retransmit_max is below retransmit_initial");
        }
        if self.max_sessions == 0 {
            return fail("max_sessions must be at least 1");
        }
        if self.handshake_timeout == Duration::ZERO {
            return fail("handshake_timeout must be positive");
        }
        if self.idle_timeout == Some(Duration::ZERO) {
            return fail("idle_timeout must be positive (or None for no idle timeout)");
        }
        if self.max_early_records > 0 && self.max_early_record_bytes == 0 {
            return fail("max_early_record_bytes is 0 while max_early_records allows records");
        }
        if self.max_hello_verify_requests == 0 {
            // RFC 6347 4.2.1: a client must be able to answer at least one.
            return fail("max_hello_verify_requests must be at least 1");
        }
        if self.key_mismatch_after == 0 {
            return fail("key_mismatch_after must be at least 1");
        }
        if self.amplification_factor == 0 {
            return fail("amplification_factor must be at least 1");
        }
        if self.chain.max_chain_len == 0 {
            // A certificate suite could never complete.
            return fail("chain.max_chain_len must be at least 1");
        }
        if self.chain.max_chain_bytes == 0 {
            return fail("chain.max_chain_bytes must be positive");
        }
        Ok(())
    }

    /// Time from a flight's first transmission until its retransmission timer gives up, if
    /// no answer ever arrives (483 s with the defaults).
    pub fn retransmit_give_up_after(&self) -> Duration {
        let mut total = 0u64;
        let mut timeout = self.retransmit_initial.as_millis();
        let max = self.retransmit_max.as_millis();
        // One wait per retransmission, plus the final wait that ends in giving up.
        for _ in 0..=self.max_retransmissions {
            total = total.saturating_add(timeout);
            timeout = timeout.saturating_mul(2).min(max);
        }
        Duration::from_millis(total)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// A [`Limits`] value whose bounds contradict each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidLimits {
    /// Which bound is wrong.
    pub what: &'static str,
}

impl fmt::Display for InvalidLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid limits: {}", self.what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(Limits::default(), Limits::DEFAULT);
        assert_eq!(Limits::DEFAULT.validate(), Ok(()));
    }

    #[test]
    fn default_give_up_is_483_seconds() {
        // 1 + 2 + 4 + 8 + 16 + 32 + 60 (64 capped) + 6 x 60 = 483.
        assert_eq!(
            Limits::DEFAULT.retransmit_give_up_after(),
            Duration::from_secs(483)
        );
    }

    #[test]
    fn handshake_timeout_outlasts_retransmission_give_up() {
        let l = Limits::DEFAULT;
        assert!(l.handshake_timeout > l.retransmit_give_up_after());
    }

    #[test]
    fn default_window_holds_the_largest_flight() {
        // ServerHello .. ServerHelloDone: the next expected message plus four more.
        assert!(usize::from(Limits::DEFAULT.max_buffered_messages) + 1 >= 5);
    }

    #[test]
    fn contradictory_limits_are_rejected() {
        let bad = [
            Limits {
                max_handshake_message_len: MAX_U24 + 1,
                ..Limits::DEFAULT
            },
            Limits {
                max_reassembly_bytes: 100,
                ..Limits::DEFAULT
            },
            Limits {
                max_fragment_ranges: 0,
                ..Limits::DEFAULT
            },
            Limits {
                retransmit_initial: Duration::ZERO,
                ..Limits::DEFAULT
            },
            Limits {
                retransmit_max: Duration::from_millis(500),
                ..Limits::DEFAULT
            },
            Limits {
                max_sessions: 0,
                ..Limits::DEFAULT
            },
            Limits {
                chain: ChainLimits {
                    max_chain_len: 0,
                    ..ChainLimits::DEFAULT
                },
                ..Limits::DEFAULT
            },
            Limits {
                chain: ChainLimits {
                    max_chain_bytes: 0,
                    ..ChainLimits::DEFAULT
                },
                ..Limits::DEFAULT
            },
        ];
        for l in bad {
            assert!(l.validate().is_err(), "{l:?}");
        }
    }

    #[test]
    fn give_up_time_saturates() {
        let l = Limits {
            retransmit_initial: Duration::from_millis(u64::MAX / 2),
            retransmit_max: Duration::from_millis(u64::MAX),
            max_retransmissions: u8::MAX,
            ..Limits::DEFAULT
        };
        assert_eq!(l.retransmit_give_up_after(), Duration::from_millis(u64::MAX));
    }
}
