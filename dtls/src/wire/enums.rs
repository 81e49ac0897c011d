//! Protocol enums as open newtypes: unknown values survive a parse → emit round trip and print
//! as hex, so a peer's new code point is never lost or silently rewritten.

use core::fmt;

use crate::codec::{Codec, DecodeError, Reader, Writer};

/// Declares an open newtype enum over `u8` or `u16` with named constants, a `name()` lookup,
/// a `Debug` that prints the name (or `Unknown(0x..)`), conversions and a [`Codec`] impl.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub struct $name:ident($repr:ident) {
            $(
                $(#[$cmeta:meta])*
                $konst:ident = $val:literal => $text:literal,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub $repr);

        impl $name {
            $(
                $(#[$cmeta])*
                pub const $konst: Self = Self($val);
            )*

            /// Every named constant, in declaration order.
            pub const KNOWN: &'static [Self] = &[$(Self::$konst),*];

            /// The registry name of the value, or `None` if it is not one we know.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($val => Some($text),)*
                    _ => None,
                }
            }

            /// Whether the value is one of the named constants.
            pub const fn is_known(self) -> bool {
                self.name().is_some()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None => write!(
                        f,
                        "Unknown({:#0width$x})",
                        self.0,
                        width = 2 + 2 * core::mem::size_of::<$repr>()
                    ),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self, f)
            }
        }

        impl From<$repr> for $name {
            fn from(v: $repr) -> Self {
                Self(v)
            }
        }

        impl From<$name> for $repr {
            fn from(v: $name) -> Self {
                v.0
            }
        }

        impl Codec for $name {
            fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                r.$repr(stringify!($name)).map(Self)
            }

            fn write(&self, w: &mut Writer<'_>) {
                w.$repr(self.0);
            }

            fn encoded_len(&self) -> usize {
                core::mem::size_of::<$repr>()
            }
        }
    };
}

open_enum! {
    /// The record layer's content type (RFC 5246 6.2.1, RFC 6520, RFC 9146).
    pub struct ContentType(u8) {
        /// `change_cipher_spec(20)`.
        CHANGE_CIPHER_SPEC = 20 => "change_cipher_spec",
        /// `alert(21)`.
        ALERT = 21 => "alert",
        /// `handshake(22)`.
        HANDSHAKE = 22 => "handshake",
        /// `application_data(23)`.
        APPLICATION_DATA = 23 => "application_data",
        /// `heartbeat(24)` (RFC 6520).
        HEARTBEAT = 24 => "heartbeat",
        /// `tls12_cid(25)`: a record carrying a connection ID (RFC 9146 4).
        TLS12_CID = 25 => "tls12_cid",
    }
}

open_enum! {
    /// A protocol version on the wire; DTLS versions are the one's complement of the TLS
    /// version they are based on (RFC 6347 4.1).
    pub struct ProtocolVersion(u16) {
        /// DTLS 1.0 (RFC 4347), `{254, 255}`.
        DTLS1_0 = 0xFEFF => "DTLSv1.0",
        /// DTLS 1.2 (RFC 6347), `{254, 253}`.
        DTLS1_2 = 0xFEFD => "DTLSv1.2",
        /// DTLS 1.3 (RFC 9147), `{254, 252}`; only seen in `supported_versions`.
        DTLS1_3 = 0xFEFC => "DTLSv1.3",
    }
}

open_enum! {
    /// The handshake message type (RFC 5246 7.4, RFC 6347 4.3.2).
    pub struct HandshakeType(u8) {
        /// `hello_request(0)`.
        HELLO_REQUEST = 0 => "hello_request",
        /// `client_hello(1)`.
        CLIENT_HELLO = 1 => "client_hello",
        /// `server_hello(2)`.
        SERVER_HELLO = 2 => "server_hello",
        /// `hello_verify_request(3)` (RFC 6347 4.2.1).
        HELLO_VERIFY_REQUEST = 3 => "hello_verify_request",
        /// `new_session_ticket(4)` (RFC 5077).
        NEW_SESSION_TICKET = 4 => "new_session_ticket",
        /// `certificate(11)`.
        CERTIFICATE = 11 => "certificate",
        /// `server_key_exchange(12)`.
        SERVER_KEY_EXCHANGE = 12 => "server_key_exchange",
        /// `certificate_request(13)`.
        CERTIFICATE_REQUEST = 13 => "certificate_request",
        /// `server_hello_done(14)`.
        SERVER_HELLO_DONE = 14 => "server_hello_done",
        /// `certificate_verify(15)`.
        CERTIFICATE_VERIFY = 15 => "certificate_verify",
        /// `client_key_exchange(16)`.
        CLIENT_KEY_EXCHANGE = 16 => "client_key_exchange",
        /// `finished(20)`.
        FINISHED = 20 => "finished",
        /// `certificate_url(21)` (RFC 6066).
        CERTIFICATE_URL = 21 => "certificate_url",
        /// `certificate_status(22)` (RFC 6066).
        CERTIFICATE_STATUS = 22 => "certificate_status",
    }
}

open_enum! {
    /// A cipher suite code point (IANA TLS Cipher Suites registry).
    pub struct CipherSuite(u16) {
        /// The initial state: no cipher (RFC 5246 A.5).
        TLS_NULL_WITH_NULL_NULL = 0x0000 => "TLS_NULL_WITH_NULL_NULL",
        /// RFC 5246.
        TLS_RSA_WITH_AES_128_CBC_SHA = 0x002F => "TLS_RSA_WITH_AES_128_CBC_SHA",
        /// RFC 5246.
        TLS_RSA_WITH_AES_256_CBC_SHA = 0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        /// RFC 5246.
        TLS_RSA_WITH_AES_128_CBC_SHA256 = 0x003C => "TLS_RSA_WITH_AES_128_CBC_SHA256",
        /// RFC 4279.
        TLS_PSK_WITH_AES_128_CBC_SHA = 0x008C => "TLS_PSK_WITH_AES_128_CBC_SHA",
        /// RFC 4279.
        TLS_PSK_WITH_AES_256_CBC_SHA = 0x008D => "TLS_PSK_WITH_AES_256_CBC_SHA",
        /// RFC 5288.
        TLS_RSA_WITH_AES_128_GCM_SHA256 = 0x009C => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        /// RFC 5487.
        TLS_PSK_WITH_AES_128_GCM_SHA256 = 0x00A8 => "TLS_PSK_WITH_AES_128_GCM_SHA256",
        /// RFC 5487.
        TLS_PSK_WITH_AES_256_GCM_SHA384 = 0x00A9 => "TLS_PSK_WITH_AES_256_GCM_SHA384",
        /// RFC 5487.
        TLS_PSK_WITH_AES_128_CBC_SHA256 = 0x00AE => "TLS_PSK_WITH_AES_128_CBC_SHA256",
        /// Signalling value for secure renegotiation (RFC 5746 3.3).
        TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00FF => "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
        /// Signalling value for a fallback connection (RFC 7507).
        TLS_FALLBACK_SCSV = 0x5600 => "TLS_FALLBACK_SCSV",
        /// RFC 8422.
        TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA = 0xC009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        /// RFC 8422.
        TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA = 0xC00A => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        /// RFC 5289.
        TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 = 0xC023 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        /// RFC 5289.
        TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 = 0xC027 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        /// RFC 5289.
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xC02B => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        /// RFC 5289.
        TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = 0xC02C => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        /// RFC 5289.
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xC02F => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        /// RFC 5289.
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xC030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        /// RFC 5489.
        TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256 = 0xC037 => "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256",
        /// RFC 6655.
        TLS_PSK_WITH_AES_128_CCM = 0xC0A4 => "TLS_PSK_WITH_AES_128_CCM",
        /// RFC 6655.
        TLS_PSK_WITH_AES_256_CCM = 0xC0A5 => "TLS_PSK_WITH_AES_256_CCM",
        /// RFC 6655.
        TLS_PSK_WITH_AES_128_CCM_8 = 0xC0A8 => "TLS_PSK_WITH_AES_128_CCM_8",
        /// RFC 6655.
        TLS_PSK_WITH_AES_256_CCM_8 = 0xC0A9 => "TLS_PSK_WITH_AES_256_CCM_8",
        /// RFC 7251.
        TLS_ECDHE_ECDSA_WITH_AES_128_CCM = 0xC0AC => "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
        /// RFC 7251.
        TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 = 0xC0AE => "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
        /// RFC 7251.
        TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8 = 0xC0AF => "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8",
        /// RFC 7905.
        TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = 0xCCA9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        /// RFC 7905.
        TLS_PSK_WITH_CHACHA20_POLY1305_SHA256 = 0xCCAB => "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256",
        /// RFC 8442.
        TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256 = 0xD001 => "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256",
        /// RFC 8442.
        TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256 = 0xD003 => "TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256",
    }
}

impl CipherSuite {
    /// The IANA registry name of the suite, if known.
    pub const fn iana_name(self) -> Option<&'static str> {
        self.name()
    }

    /// Whether the value is a signalling cipher suite value, not a real suite (RFC 5746 3.3,
    /// RFC 7507).
    pub const fn is_scsv(self) -> bool {
        matches!(self.0, 0x00FF | 0x5600)
    }

    /// The key exchange a known suite uses, which decides the form of ServerKeyExchange and
    /// ClientKeyExchange; `None` for unknown suites, SCSVs and the null suite.
    pub const fn key_exchange(self) -> Option<super::KeyExchangeKind> {
        use super::KeyExchangeKind as Kx;
        match self.0 {
            0x002F | 0x0035 | 0x003C | 0x009C => Some(Kx::Rsa),
            0x008C | 0x008D | 0x00A8 | 0x00A9 | 0x00AE | 0xC0A4 | 0xC0A5 | 0xC0A8 | 0xC0A9 | 0xCCAB => {
                Some(Kx::Psk)
            }
            0xC009 | 0xC00A | 0xC023 | 0xC027 | 0xC02B | 0xC02C | 0xC02F | 0xC030 | 0xC0AC | 0xC0AE
            | 0xC0AF | 0xCCA9 => Some(Kx::Ecdhe),
            0xC037 | 0xD001 | 0xD003 => Some(Kx::EcdhePsk),
            _ => None,
        }
    }
}

open_enum! {
    /// A hello extension type (IANA TLS ExtensionType Values registry).
    pub struct ExtensionType(u16) {
        /// RFC 6066 3.
        SERVER_NAME = 0 => "server_name",
        /// RFC 6066 4.
        MAX_FRAGMENT_LENGTH = 1 => "max_fragment_length",
        /// RFC 6066 5.
        CLIENT_CERTIFICATE_URL = 2 => "client_certificate_url",
        /// RFC 6066 6.
        TRUSTED_CA_KEYS = 3 => "trusted_ca_keys",
        /// RFC 6066 7.
        TRUNCATED_HMAC = 4 => "truncated_hmac",
        /// RFC 6066 8.
        STATUS_REQUEST = 5 => "status_request",
        /// RFC 8422 5.1.1 (formerly `elliptic_curves`).
        SUPPORTED_GROUPS = 10 => "supported_groups",
        /// RFC 8422 5.1.2.
        EC_POINT_FORMATS = 11 => "ec_point_formats",
        /// RFC 5246 7.4.1.4.1.
        SIGNATURE_ALGORITHMS = 13 => "signature_algorithms",
        /// RFC 5764.
        USE_SRTP = 14 => "use_srtp",
        /// RFC 6520.
        HEARTBEAT = 15 => "heartbeat",
        /// RFC 7301.
        APPLICATION_LAYER_PROTOCOL_NEGOTIATION = 16 => "application_layer_protocol_negotiation",
        /// RFC 6962.
        SIGNED_CERTIFICATE_TIMESTAMP = 18 => "signed_certificate_timestamp",
        /// RFC 7250.
        CLIENT_CERTIFICATE_TYPE = 19 => "client_certificate_type",
        /// RFC 7250.
        SERVER_CERTIFICATE_TYPE = 20 => "server_certificate_type",
        /// RFC 7685.
        PADDING = 21 => "padding",
        /// RFC 7366.
        ENCRYPT_THEN_MAC = 22 => "encrypt_then_mac",
        /// RFC 7627.
        EXTENDED_MASTER_SECRET = 23 => "extended_master_secret",
        /// RFC 8449.
        RECORD_SIZE_LIMIT = 28 => "record_size_limit",
        /// RFC 5077.
        SESSION_TICKET = 35 => "session_ticket",
        /// The pre-standard connection ID code point (draft-ietf-tls-dtls-connection-id).
        CONNECTION_ID_DEPRECATED = 53 => "connection_id (deprecated)",
        /// RFC 9146 3.
        CONNECTION_ID = 54 => "connection_id",
        /// RFC 5746 3.2.
        RENEGOTIATION_INFO = 0xFF01 => "renegotiation_info",
    }
}

open_enum! {
    /// A named group for key exchange (RFC 8422 5.1.1, RFC 7919).
    pub struct NamedGroup(u16) {
        /// NIST P-256.
        SECP256R1 = 23 => "secp256r1",
        /// NIST P-384.
        SECP384R1 = 24 => "secp384r1",
        /// NIST P-521.
        SECP521R1 = 25 => "secp521r1",
        /// Curve25519 (RFC 8422).
        X25519 = 29 => "x25519",
        /// Curve448 (RFC 8422).
        X448 = 30 => "x448",
        /// RFC 7919.
        FFDHE2048 = 0x0100 => "ffdhe2048",
        /// RFC 7919.
        FFDHE3072 = 0x0101 => "ffdhe3072",
    }
}

open_enum! {
    /// A signature algorithm: TLS 1.2's `SignatureAndHashAlgorithm` (RFC 5246 7.4.1.4.1) read as
    /// one 16-bit code point, hash byte first, as the IANA SignatureScheme registry does.
    pub struct SignatureScheme(u16) {
        /// `{sha1, rsa}`.
        RSA_PKCS1_SHA1 = 0x0201 => "rsa_pkcs1_sha1",
        /// `{sha1, ecdsa}`.
        ECDSA_SHA1 = 0x0203 => "ecdsa_sha1",
        /// `{sha256, rsa}`.
        RSA_PKCS1_SHA256 = 0x0401 => "rsa_pkcs1_sha256",
        /// `{sha256, ecdsa}`.
        ECDSA_SECP256R1_SHA256 = 0x0403 => "ecdsa_secp256r1_sha256",
        /// `{sha384, rsa}`.
        RSA_PKCS1_SHA384 = 0x0501 => "rsa_pkcs1_sha384",
        /// `{sha384, ecdsa}`.
        ECDSA_SECP384R1_SHA384 = 0x0503 => "ecdsa_secp384r1_sha384",
        /// `{sha512, rsa}`.
        RSA_PKCS1_SHA512 = 0x0601 => "rsa_pkcs1_sha512",
        /// `{sha512, ecdsa}`.
        ECDSA_SECP521R1_SHA512 = 0x0603 => "ecdsa_secp521r1_sha512",
        /// RSASSA-PSS with an rsaEncryption key (RFC 8446 4.2.3, usable in TLS 1.2).
        RSA_PSS_RSAE_SHA256 = 0x0804 => "rsa_pss_rsae_sha256",
        /// RSASSA-PSS with an rsaEncryption key.
        RSA_PSS_RSAE_SHA384 = 0x0805 => "rsa_pss_rsae_sha384",
        /// RSASSA-PSS with an rsaEncryption key.
        RSA_PSS_RSAE_SHA512 = 0x0806 => "rsa_pss_rsae_sha512",
        /// EdDSA over Curve25519 (RFC 8422).
        ED25519 = 0x0807 => "ed25519",
        /// EdDSA over Curve448 (RFC 8422).
        ED448 = 0x0808 => "ed448",
        /// RSASSA-PSS with an RSASSA-PSS key.
        RSA_PSS_PSS_SHA256 = 0x0809 => "rsa_pss_pss_sha256",
    }
}

impl SignatureScheme {
    /// The `HashAlgorithm` byte of the TLS 1.2 pair (RFC 5246 7.4.1.4.1).
    pub const fn hash_byte(self) -> u8 {
        (self.0 >> 8) as u8
    }

    /// The `SignatureAlgorithm` byte of the TLS 1.2 pair (RFC 5246 7.4.1.4.1).
    pub const fn signature_byte(self) -> u8 {
        (self.0 & 0xff) as u8
    }
}

open_enum! {
    /// The level of an alert (RFC 5246 7.2).
    pub struct AlertLevel(u8) {
        /// `warning(1)`.
        WARNING = 1 => "warning",
        /// `fatal(2)`.
        FATAL = 2 => "fatal",
    }
}

open_enum! {
    /// The description of an alert (RFC 5246 7.2, RFC 6066 9, RFC 4279 6, RFC 7507, RFC 7301,
    /// RFC 8446).
    pub struct AlertDescription(u8) {
        /// RFC 5246 7.2.1.
        CLOSE_NOTIFY = 0 => "close_notify",
        /// RFC 5246 7.2.2.
        UNEXPECTED_MESSAGE = 10 => "unexpected_message",
        /// RFC 5246 7.2.2.
        BAD_RECORD_MAC = 20 => "bad_record_mac",
        /// Reserved; never sent by TLS 1.2 (RFC 5246 7.2.2).
        DECRYPTION_FAILED_RESERVED = 21 => "decryption_failed_RESERVED",
        /// RFC 5246 7.2.2.
        RECORD_OVERFLOW = 22 => "record_overflow",
        /// Reserved (RFC 5246 7.2.2).
        DECOMPRESSION_FAILURE_RESERVED = 30 => "decompression_failure_RESERVED",
        /// RFC 5246 7.2.2.
        HANDSHAKE_FAILURE = 40 => "handshake_failure",
        /// Reserved; SSLv3 only (RFC 5246 7.2.2).
        NO_CERTIFICATE_RESERVED = 41 => "no_certificate_RESERVED",
        /// RFC 5246 7.2.2.
        BAD_CERTIFICATE = 42 => "bad_certificate",
        /// RFC 5246 7.2.2.
        UNSUPPORTED_CERTIFICATE = 43 => "unsupported_certificate",
        /// RFC 5246 7.2.2.
        CERTIFICATE_REVOKED = 44 => "certificate_revoked",
        /// RFC 5246 7.2.2.
        CERTIFICATE_EXPIRED = 45 => "certificate_expired",
        /// RFC 5246 7.2.2.
        CERTIFICATE_UNKNOWN = 46 => "certificate_unknown",
        /// RFC 5246 7.2.2.
        ILLEGAL_PARAMETER = 47 => "illegal_parameter",
        /// RFC 5246 7.2.2.
        UNKNOWN_CA = 48 => "unknown_ca",
        /// RFC 5246 7.2.2.
        ACCESS_DENIED = 49 => "access_denied",
        /// RFC 5246 7.2.2.
        DECODE_ERROR = 50 => "decode_error",
        /// RFC 5246 7.2.2.
        DECRYPT_ERROR = 51 => "decrypt_error",
        /// Reserved (RFC 5246 7.2.2).
        EXPORT_RESTRICTION_RESERVED = 60 => "export_restriction_RESERVED",
        /// RFC 5246 7.2.2.
        PROTOCOL_VERSION = 70 => "protocol_version",
        /// RFC 5246 7.2.2.
        INSUFFICIENT_SECURITY = 71 => "insufficient_security",
        /// RFC 5246 7.2.2.
        INTERNAL_ERROR = 80 => "internal_error",
        /// RFC 7507 2.
        INAPPROPRIATE_FALLBACK = 86 => "inappropriate_fallback",
        /// RFC 5246 7.2.2.
        USER_CANCELED = 90 => "user_canceled",
        /// RFC 5246 7.2.2.
        NO_RENEGOTIATION = 100 => "no_renegotiation",
        /// RFC 5246 7.2.2.
        UNSUPPORTED_EXTENSION = 110 => "unsupported_extension",
        /// RFC 6066 9.
        CERTIFICATE_UNOBTAINABLE = 111 => "certificate_unobtainable",
        /// RFC 6066 9.
        UNRECOGNIZED_NAME = 112 => "unrecognized_name",
        /// RFC 6066 9.
        BAD_CERTIFICATE_STATUS_RESPONSE = 113 => "bad_certificate_status_response",
        /// RFC 6066 9.
        BAD_CERTIFICATE_HASH_VALUE = 114 => "bad_certificate_hash_value",
        /// RFC 4279 6.
        UNKNOWN_PSK_IDENTITY = 115 => "unknown_psk_identity",
        /// RFC 8446 6.2 (TLS 1.3; listed so it prints by name).
        CERTIFICATE_REQUIRED = 116 => "certificate_required",
        /// RFC 7301 3.2.
        NO_APPLICATION_PROTOCOL = 120 => "no_application_protocol",
    }
}

open_enum! {
    /// A compression method (RFC 5246 7.4.1.2, RFC 3749).
    pub struct CompressionMethod(u8) {
        /// `null(0)`: the only method DTLS 1.2 peers should offer.
        NULL = 0 => "null",
        /// `DEFLATE(1)` (RFC 3749).
        DEFLATE = 1 => "deflate",
    }
}

open_enum! {
    /// An elliptic curve point format (RFC 8422 5.1.2).
    pub struct ECPointFormat(u8) {
        /// `uncompressed(0)`: the only format RFC 8422 still allows.
        UNCOMPRESSED = 0 => "uncompressed",
        /// Deprecated by RFC 8422.
        ANSIX962_COMPRESSED_PRIME = 1 => "ansiX962_compressed_prime",
        /// Deprecated by RFC 8422.
        ANSIX962_COMPRESSED_CHAR2 = 2 => "ansiX962_compressed_char2",
    }
}

open_enum! {
    /// The type of curve description in ServerECDHParams (RFC 8422 5.4).
    pub struct ECCurveType(u8) {
        /// Deprecated by RFC 8422.
        EXPLICIT_PRIME = 1 => "explicit_prime",
        /// Deprecated by RFC 8422.
        EXPLICIT_CHAR2 = 2 => "explicit_char2",
        /// `named_curve(3)`: the only curve type RFC 8422 allows.
        NAMED_CURVE = 3 => "named_curve",
    }
}

open_enum! {
    /// A certificate type the server accepts from the client (RFC 5246 7.4.4, RFC 8422 5.5).
    pub struct ClientCertificateType(u8) {
        /// RFC 5246.
        RSA_SIGN = 1 => "rsa_sign",
        /// RFC 5246.
        DSS_SIGN = 2 => "dss_sign",
        /// RFC 5246.
        RSA_FIXED_DH = 3 => "rsa_fixed_dh",
        /// RFC 5246.
        DSS_FIXED_DH = 4 => "dss_fixed_dh",
        /// RFC 8422 5.5.
        ECDSA_SIGN = 64 => "ecdsa_sign",
        /// RFC 4492 (deprecated by RFC 8422).
        RSA_FIXED_ECDH = 65 => "rsa_fixed_ecdh",
        /// RFC 4492 (deprecated by RFC 8422).
        ECDSA_FIXED_ECDH = 66 => "ecdsa_fixed_ecdh",
    }
}

open_enum! {
    /// The type of a name in the server_name extension (RFC 6066 3).
    pub struct NameType(u8) {
        /// `host_name(0)`: a DNS host name in ASCII, without a trailing dot.
        HOST_NAME = 0 => "host_name",
    }
}

open_enum! {
    /// A maximum fragment length the client asks for (RFC 6066 4).
    pub struct MaxFragmentLength(u8) {
        /// 2^9 bytes.
        LEN_512 = 1 => "2^9",
        /// 2^10 bytes.
        LEN_1024 = 2 => "2^10",
        /// 2^11 bytes.
        LEN_2048 = 3 => "2^11",
        /// 2^12 bytes.
        LEN_4096 = 4 => "2^12",
    }
}

impl MaxFragmentLength {
    /// The limit in bytes, or `None` for a value RFC 6066 does not define (which the server
    /// must answer with illegal_parameter).
    pub const fn bytes(self) -> Option<usize> {
        match self.0 {
            1..=4 => Some(1 << (8 + self.0 as usize)),
            _ => None,
        }
    }
}
