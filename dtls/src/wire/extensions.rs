//! Hello extensions: the generic list (RFC 5246 7.4.1.4) and typed bodies for the ones the
//! engine understands. Unknown extensions stay as raw bytes and re-encode untouched.

use alloc::vec::Vec;

use crate::codec::{Codec, DecodeError, DecodeErrorKind, EncodeError, Prefix, Reader, VecSpec, Writer};

use super::enums::{ECPointFormat, ExtensionType, MaxFragmentLength, NameType, NamedGroup, SignatureScheme};
use super::{read_list, write_list};

/// RFC 5246 7.4.1.4: `opaque extension_data<0..2^16-1>`.
const EXTENSION_DATA: VecSpec = VecSpec::new(Prefix::U16, 0, 0xffff, "extension_data");
/// RFC 5246 7.4.1.2: `Extension extensions<0..2^16-1>`.
const EXTENSION_LIST: VecSpec = VecSpec::new(Prefix::U16, 0, 0xffff, "extensions");

/// One hello extension with its body kept as raw bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Extension {
    /// The extension type.
    pub typ: ExtensionType,
    /// The `extension_data` body.
    pub data: Vec<u8>,
}

impl Extension {
    /// An extension with the given body.
    pub fn new(typ: ExtensionType, data: Vec<u8>) -> Self {
        Extension { typ, data }
    }

    /// An extension with an empty body (e.g. the server's server_name acknowledgement, RFC 6066
    /// 3, or extended_master_secret).
    pub fn empty(typ: ExtensionType) -> Self {
        Extension {
            typ,
            data: Vec::new(),
        }
    }

    /// An extension carrying the encoding of a typed body.
    pub fn from_body<T: ExtensionBody>(body: &T) -> Result<Self, EncodeError> {
        Ok(Extension {
            typ: T::TYPE,
            data: body.to_vec()?,
        })
    }

    /// Decodes the body as `T`; fails with `InvalidValue` if the type does not match and with
    /// the body's own error if it is malformed (the body must fill `data` exactly).
    pub fn body<T: ExtensionBody>(&self) -> Result<T, DecodeError> {
        if self.typ != T::TYPE {
            return Err(DecodeError::new(DecodeErrorKind::InvalidValue, "extension type"));
        }
        T::parse(&self.data)
    }
}

impl Codec for Extension {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let typ = ExtensionType::read(r)?;
        let data = r.vec_bytes(EXTENSION_DATA)?.to_vec();
        Ok(Extension { typ, data })
    }

    fn write(&self, w: &mut Writer<'_>) {
        self.typ.write(w);
        w.vec_bytes(EXTENSION_DATA, &self.data);
    }

    fn encoded_len(&self) -> usize {
        4 + self.data.len()
    }
}

/// The typed body of an extension, with its code point.
pub trait ExtensionBody: Codec {
    /// The extension type this body belongs to.
    const TYPE: ExtensionType;
}

/// The extension block of a hello: a `<0..2^16-1>` list of extensions, in wire order.
///
/// Duplicates are kept as sent so the block re-encodes exactly; RFC 5246 7.4.1.4 forbids them,
/// so the engine calls [`Extensions::check_unique`] on every received hello.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Extensions(pub Vec<Extension>);

impl Extensions {
    /// An empty block.
    pub fn new() -> Self {
        Extensions(Vec::new())
    }

    /// The first extension of type `typ`.
    pub fn get(&self, typ: ExtensionType) -> Option<&Extension> {
        self.0.iter().find(|e| e.typ == typ)
    }

    /// Whether an extension of type `typ` is present.
    pub fn contains(&self, typ: ExtensionType) -> bool {
        self.get(typ).is_some()
    }

    /// The first extension of `T`'s type, decoded; `None` if absent.
    pub fn find<T: ExtensionBody>(&self) -> Option<Result<T, DecodeError>> {
        self.get(T::TYPE).map(Extension::body)
    }

    /// Appends an extension.
    pub fn push(&mut self, ext: Extension) {
        self.0.push(ext);
    }

    /// Appends a typed extension.
    pub fn push_body<T: ExtensionBody>(&mut self, body: &T) -> Result<(), EncodeError> {
        self.0.push(Extension::from_body(body)?);
        Ok(())
    }

    /// Iterates over the extensions in wire order.
    pub fn iter(&self) -> core::slice::Iter<'_, Extension> {
        self.0.iter()
    }

    /// The smallest extension type that appears more than once, if any. Sorting keeps this
    /// O(n log n) even for a block of 16k empty extensions.
    pub fn first_duplicate(&self) -> Option<ExtensionType> {
        let mut types: Vec<u16> = self.0.iter().map(|e| e.typ.0).collect();
        types.sort_unstable();
        types.windows(2).find_map(|pair| match pair {
            [a, b] if a == b => Some(ExtensionType(*a)),
            _ => None,
        })
    }

    /// Fails with `InvalidValue` if any extension type appears twice ("There MUST NOT be more
    /// than one extension of the same type", RFC 5246 7.4.1.4).
    pub fn check_unique(&self) -> Result<(), DecodeError> {
        match self.first_duplicate() {
            Some(_) => Err(DecodeError::new(
                DecodeErrorKind::InvalidValue,
                "duplicate extension",
            )),
            None => Ok(()),
        }
    }
}

impl From<Vec<Extension>> for Extensions {
    fn from(list: Vec<Extension>) -> Self {
        Extensions(list)
    }
}

impl Codec for Extensions {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        read_list(r, EXTENSION_LIST).map(Extensions)
    }

    fn write(&self, w: &mut Writer<'_>) {
        write_list(w, EXTENSION_LIST, &self.0);
    }

    fn encoded_len(&self) -> usize {
        2 + self.0.iter().map(Codec::encoded_len).sum::<usize>()
    }
}

/// RFC 6066 3: `ServerName server_name_list<1..2^16-1>`.
const SERVER_NAME_LIST: VecSpec = VecSpec::new(Prefix::U16, 1, 0xffff, "server_name_list");
/// RFC 6066 3: `opaque HostName<1..2^16-1>`.
const HOST_NAME: VecSpec = VecSpec::new(Prefix::U16, 1, 0xffff, "server_name name");

/// One entry of the server_name list (RFC 6066 3).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServerName {
    /// The name type; only `host_name` is defined.
    pub name_type: NameType,
    /// The name. Entries of unknown types are read with the HostName layout
    /// (`opaque<1..2^16-1>`, as RFC 3546 defined the extension point) and preserved.
    pub name: Vec<u8>,
}

impl Codec for ServerName {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let name_type = NameType::read(r)?;
        let name = r.vec_bytes(HOST_NAME)?.to_vec();
        Ok(ServerName { name_type, name })
    }

    fn write(&self, w: &mut Writer<'_>) {
        self.name_type.write(w);
        w.vec_bytes(HOST_NAME, &self.name);
    }

    fn encoded_len(&self) -> usize {
        3 + self.name.len()
    }
}

/// The client's server_name extension body (RFC 6066 3). The server's acknowledgement has an
/// empty body instead: use [`Extension::empty`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServerNameList {
    /// The names, in wire order.
    pub names: Vec<ServerName>,
}

impl ServerNameList {
    /// A list holding one host name.
    pub fn host_name(name: &[u8]) -> Self {
        ServerNameList {
            names: alloc::vec![ServerName {
                name_type: NameType::HOST_NAME,
                name: name.to_vec()
            }],
        }
    }

    /// The first host name in the list.
    pub fn first_host_name(&self) -> Option<&[u8]> {
        self.names
            .iter()
            .find(|n| n.name_type == NameType::HOST_NAME)
            .map(|n| n.name.as_slice())
    }
}

impl Codec for ServerNameList {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        read_list(r, SERVER_NAME_LIST).map(|names| ServerNameList { names })
    }

    fn write(&self, w: &mut Writer<'_>) {
        write_list(w, SERVER_NAME_LIST, &self.names);
    }
}

impl ExtensionBody for ServerNameList {
    const TYPE: ExtensionType = ExtensionType::SERVER_NAME;
}

/// RFC 6066 4: the body is a single `MaxFragmentLength` byte.
impl ExtensionBody for MaxFragmentLength {
    const TYPE: ExtensionType = ExtensionType::MAX_FRAGMENT_LENGTH;
}

/// RFC 8422 5.1.1: `NamedCurve named_curve_list<2..2^16-1>` (at least one group).
const NAMED_GROUP_LIST: VecSpec = VecSpec::new(Prefix::U16, 2, 0xffff, "named_group_list");

/// The supported_groups extension body (RFC 8422 5.1.1, RFC 7919).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SupportedGroups {
    /// The groups, most preferred first.
    pub groups: Vec<NamedGroup>,
}

impl Codec for SupportedGroups {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        read_list(r, NAMED_GROUP_LIST).map(|groups| SupportedGroups { groups })
    }

    fn write(&self, w: &mut Writer<'_>) {
        write_list(w, NAMED_GROUP_LIST, &self.groups);
    }

    fn encoded_len(&self) -> usize {
        2 + 2 * self.groups.len()
    }
}

impl ExtensionBody for SupportedGroups {
    const TYPE: ExtensionType = ExtensionType::SUPPORTED_GROUPS;
}

/// RFC 8422 5.1.2: `ECPointFormat ec_point_format_list<1..2^8-1>`.
const EC_POINT_FORMAT_LIST: VecSpec = VecSpec::new(Prefix::U8, 1, 0xff, "ec_point_format_list");

/// The ec_point_formats extension body (RFC 8422 5.1.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EcPointFormats {
    /// The formats; RFC 8422 requires `uncompressed` to be among them.
    pub formats: Vec<ECPointFormat>,
}

impl Codec for EcPointFormats {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        read_list(r, EC_POINT_FORMAT_LIST).map(|formats| EcPointFormats { formats })
    }

    fn write(&self, w: &mut Writer<'_>) {
        write_list(w, EC_POINT_FORMAT_LIST, &self.formats);
    }

    fn encoded_len(&self) -> usize {
        1 + self.formats.len()
    }
}

impl ExtensionBody for EcPointFormats {
    const TYPE: ExtensionType = ExtensionType::EC_POINT_FORMATS;
}

/// RFC 5246 7.4.1.4.1: `SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>`.
pub(crate) const SIGNATURE_ALGORITHM_LIST: VecSpec =
    VecSpec::new(Prefix::U16, 2, 0xfffe, "supported_signature_algorithms");

/// The signature_algorithms extension body (RFC 5246 7.4.1.4.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SignatureAlgorithms {
    /// The algorithms, most preferred first.
    pub schemes: Vec<SignatureScheme>,
}

impl Codec for SignatureAlgorithms {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        read_list(r, SIGNATURE_ALGORITHM_LIST).map(|schemes| SignatureAlgorithms { schemes })
    }

    fn write(&self, w: &mut Writer<'_>) {
        write_list(w, SIGNATURE_ALGORITHM_LIST, &self.schemes);
    }

    fn encoded_len(&self) -> usize {
        2 + 2 * self.schemes.len()
    }
}

impl ExtensionBody for SignatureAlgorithms {
    const TYPE: ExtensionType = ExtensionType::SIGNATURE_ALGORITHMS;
}

/// Declares an extension whose body is empty in both hellos.
macro_rules! empty_extension {
    ($(#[$meta:meta])* $name:ident = $typ:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl Codec for $name {
            fn read(_: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok($name)
            }

            fn write(&self, _: &mut Writer<'_>) {}

            fn encoded_len(&self) -> usize {
                0
            }
        }

        impl ExtensionBody for $name {
            const TYPE: ExtensionType = ExtensionType::$typ;
        }
    };
}

empty_extension! {
    /// The encrypt_then_mac extension (RFC 7366 2): its `extension_data` is empty.
    EncryptThenMac = ENCRYPT_THEN_MAC
}

empty_extension! {
    /// The extended_master_secret extension (RFC 7627 5.1): its `extension_data` is empty.
    ExtendedMasterSecret = EXTENDED_MASTER_SECRET
}

/// The record_size_limit extension body (RFC 8449 4): the largest plaintext the sender is
/// willing to receive. Values below 64 are decodable; rejecting them with illegal_parameter is
/// the engine's job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecordSizeLimit(pub u16);

impl Codec for RecordSizeLimit {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.u16("record_size_limit").map(RecordSizeLimit)
    }

    fn write(&self, w: &mut Writer<'_>) {
        w.u16(self.0);
    }

    fn encoded_len(&self) -> usize {
        2
    }
}

impl ExtensionBody for RecordSizeLimit {
    const TYPE: ExtensionType = ExtensionType::RECORD_SIZE_LIMIT;
}

/// RFC 9146 3: `opaque cid<0..2^8-1>`.
const CID: VecSpec = VecSpec::new(Prefix::U8, 0, 0xff, "cid");

/// The connection_id extension body (RFC 9146 3): the CID the sender wants to receive; empty
/// means "I support CIDs but do not want one".
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConnectionId {
    /// The connection ID.
    pub cid: Vec<u8>,
}

impl Codec for ConnectionId {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ConnectionId {
            cid: r.vec_bytes(CID)?.to_vec(),
        })
    }

    fn write(&self, w: &mut Writer<'_>) {
        w.vec_bytes(CID, &self.cid);
    }

    fn encoded_len(&self) -> usize {
        1 + self.cid.len()
    }
}

impl ExtensionBody for ConnectionId {
    const TYPE: ExtensionType = ExtensionType::CONNECTION_ID;
}

/// RFC 5746 3.2: `opaque renegotiated_connection<0..255>`.
const RENEGOTIATED_CONNECTION: VecSpec = VecSpec::new(Prefix::U8, 0, 0xff, "renegotiated_connection");

/// The renegotiation_info extension body (RFC 5746 3.2): empty on an initial handshake, the
/// previous verify_data when renegotiating.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RenegotiationInfo {
    /// The previous handshake's verify_data (client's, or client's then server's).
    pub renegotiated_connection: Vec<u8>,
}

impl Codec for RenegotiationInfo {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let renegotiated_connection = r.vec_bytes(RENEGOTIATED_CONNECTION)?.to_vec();
        Ok(RenegotiationInfo {
            renegotiated_connection,
        })
    }

    fn write(&self, w: &mut Writer<'_>) {
        w.vec_bytes(RENEGOTIATED_CONNECTION, &self.renegotiated_connection);
    }

    fn encoded_len(&self) -> usize {
        1 + self.renegotiated_connection.len()
    }
}

impl ExtensionBody for RenegotiationInfo {
    const TYPE: ExtensionType = ExtensionType::RENEGOTIATION_INFO;
}
