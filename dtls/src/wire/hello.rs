//! The hello messages: ClientHello and ServerHello (RFC 5246 7.4.1.2-3) with the DTLS cookie
//! (RFC 6347 4.2.1), and HelloVerifyRequest (RFC 6347 4.2.1).

use alloc::vec::Vec;

use crate::codec::{Codec, DecodeError, Prefix, Reader, VecSpec, Writer};

use super::enums::{CipherSuite, CompressionMethod, ProtocolVersion};
use super::extensions::Extensions;
use super::{read_list, write_list};

/// RFC 5246 7.4.1.2: `opaque SessionID<0..32>`.
const SESSION_ID: VecSpec = VecSpec::new(Prefix::U8, 0, 32, "session_id");
/// RFC 6347 4.2.1: `opaque cookie<0..2^8-1>` (both in ClientHello and HelloVerifyRequest).
const COOKIE: VecSpec = VecSpec::new(Prefix::U8, 0, 0xff, "cookie");
/// RFC 5246 7.4.1.2: `CipherSuite cipher_suites<2..2^16-2>`.
const CIPHER_SUITES: VecSpec = VecSpec::new(Prefix::U16, 2, 0xfffe, "cipher_suites");
/// RFC 5246 7.4.1.2: `CompressionMethod compression_methods<1..2^8-1>`.
const COMPRESSION_METHODS: VecSpec = VecSpec::new(Prefix::U8, 1, 0xff, "compression_methods");

/// Reads the optional extension block that ends a hello: present iff bytes remain after the
/// fixed fields (RFC 5246 7.4.1.2), so "absent" and "present but empty" stay distinct.
fn read_trailing_extensions(r: &mut Reader<'_>) -> Result<Option<Extensions>, DecodeError> {
    if r.is_empty() {
        Ok(None)
    } else {
        Extensions::read(r).map(Some)
    }
}

/// The ClientHello (RFC 5246 7.4.1.2 with the `cookie` field of RFC 6347 4.2.1).
///
/// `read` treats any bytes after `compression_methods` as the extension block, so it expects
/// a reader over exactly one message body.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientHello {
    /// The highest version the client supports.
    pub client_version: ProtocolVersion,
    /// 32 bytes of client randomness.
    pub random: [u8; 32],
    /// A session to resume, or empty.
    pub session_id: Vec<u8>,
    /// The cookie from the server's HelloVerifyRequest, or empty.
    pub cookie: Vec<u8>,
    /// Offered suites, most preferred first.
    pub cipher_suites: Vec<CipherSuite>,
    /// Offered compression methods (must include `null`).
    pub compression_methods: Vec<CompressionMethod>,
    /// The extension block; `None` when the message ends after compression_methods.
    pub extensions: Option<Extensions>,
}

impl ClientHello {
    /// Whether the client offers `suite`.
    pub fn offers(&self, suite: CipherSuite) -> bool {
        self.cipher_suites.contains(&suite)
    }

    /// The extension block, or an empty one when absent.
    pub fn extension_list(&self) -> &[super::Extension] {
        self.extensions.as_ref().map_or(&[], |e| e.0.as_slice())
    }
}

impl Codec for ClientHello {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let client_version = ProtocolVersion::read(r)?;
        let random = r.array("client random")?;
        let session_id = r.vec_bytes(SESSION_ID)?.to_vec();
        let cookie = r.vec_bytes(COOKIE)?.to_vec();
        let cipher_suites = read_list(r, CIPHER_SUITES)?;
        let compression_methods = read_list(r, COMPRESSION_METHODS)?;
        let extensions = read_trailing_extensions(r)?;
        Ok(ClientHello {
            client_version,
            random,
            session_id,
            cookie,
            cipher_suites,
            compression_methods,
            extensions,
        })
    }

    fn write(&self, w: &mut Writer<'_>) {
        self.client_version.write(w);
        w.bytes(&self.random);
        w.vec_bytes(SESSION_ID, &self.session_id);
        w.vec_bytes(COOKIE, &self.cookie);
        write_list(w, CIPHER_SUITES, &self.cipher_suites);
        write_list(w, COMPRESSION_METHODS, &self.compression_methods);
        if let Some(ext) = &self.extensions {
            ext.write(w);
        }
    }

    fn encoded_len(&self) -> usize {
        2 + 32
            + 1
            + self.session_id.len()
            + 1
            + self.cookie.len()
            + 2
            + 2 * self.cipher_suites.len()
            + 1
            + self.compression_methods.len()
            + self.extensions.as_ref().map_or(0, Codec::encoded_len)
    }
}

/// The HelloVerifyRequest (RFC 6347 4.2.1): the server's stateless cookie challenge.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HelloVerifyRequest {
    /// RFC 6347 4.2.1 says DTLS 1.2 servers SHOULD send DTLS 1.0 here.
    pub server_version: ProtocolVersion,
    /// The cookie the client must echo.
    pub cookie: Vec<u8>,
}

impl Codec for HelloVerifyRequest {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let server_version = ProtocolVersion::read(r)?;
        let cookie = r.vec_bytes(COOKIE)?.to_vec();
        Ok(HelloVerifyRequest {
            server_version,
            cookie,
        })
    }

    fn write(&self, w: &mut Writer<'_>) {
        self.server_version.write(w);
        w.vec_bytes(COOKIE, &self.cookie);
    }

    fn encoded_len(&self) -> usize {
        3 + self.cookie.len()
    }
}

/// The ServerHello (RFC 5246 7.4.1.3).
///
/// Like [`ClientHello`], `read` treats any bytes after `compression_method` as the extension
/// block.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServerHello {
    /// The negotiated version.
    pub server_version: ProtocolVersion,
    /// 32 bytes of server randomness.
    pub random: [u8; 32],
    /// The session identifier (empty if the session will not be cached).
    pub session_id: Vec<u8>,
    /// The chosen suite.
    pub cipher_suite: CipherSuite,
    /// The chosen compression method.
    pub compression_method: CompressionMethod,
    /// The extension block; `None` when the message ends after compression_method.
    pub extensions: Option<Extensions>,
}

impl ServerHello {
    /// The extension block, or an empty one when absent.
    pub fn extension_list(&self) -> &[super::Extension] {
        self.extensions.as_ref().map_or(&[], |e| e.0.as_slice())
    }
}

impl Codec for ServerHello {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let server_version = ProtocolVersion::read(r)?;
        let random = r.array("server random")?;
        let session_id = r.vec_bytes(SESSION_ID)?.to_vec();
        let cipher_suite = CipherSuite::read(r)?;
        let compression_method = CompressionMethod::read(r)?;
        let extensions = read_trailing_extensions(r)?;
        Ok(ServerHello {
            server_version,
            random,
            session_id,
            cipher_suite,
            compression_method,
            extensions,
        })
    }

    fn write(&self, w: &mut Writer<'_>) {
        self.server_version.write(w);
        w.bytes(&self.random);
        w.vec_bytes(SESSION_ID, &self.session_id);
        self.cipher_suite.write(w);
        self.compression_method.write(w);
        if let Some(ext) = &self.extensions {
            ext.write(w);
        }
    }

    fn encoded_len(&self) -> usize {
        2 + 32 + 1 + self.session_id.len() + 2 + 1 + self.extensions.as_ref().map_or(0, Codec::encoded_len)
    }
}
