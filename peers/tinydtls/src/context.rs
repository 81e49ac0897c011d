//! One tinydtls context (client or server) behind a safe, sans-IO interface.
//!
//! The context's callbacks (`write`, `read`, `event`, credentials) run inside the FFI calls
//! this module makes; they reach the Rust side through the context's `app` pointer, a
//! `RefCell<State>` that lives in a `Box` owned by [`TinyDtls`] for as long as the C context.
//! No Rust borrow of that state is held across an FFI call, so the callbacks' `borrow_mut`
//! never conflicts.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ffi::{c_int, c_uchar, c_ushort, c_void};
use std::fmt;
use std::ptr::NonNull;
use std::sync::Once;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tinydtls_sys as sys;

use crate::clock::Scope;

/// A peer of a context, as the caller names it (mapped to 192.0.2.1:`PeerId` inside tinydtls).
pub type PeerId = u16;

/// How long tinydtls waits for the answer to a close_notify before it drops the peer (it does
/// not retransmit alerts): `2 * CLOCK_SECOND` in `dtls_send_alert`.
pub const CLOSE_LINGER_MS: u64 = 2_000;

/// Largest datagram tinydtls accepts or produces (`DTLS_MAX_BUF` of this build).
pub const MAX_DATAGRAM: usize = sys::DTLS_MAX_BUF as usize;

/// Which side of the handshake this context plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sends the ClientHello ([`TinyDtls::connect`]).
    Client,
    /// Answers ClientHellos (always with a HelloVerifyRequest cookie exchange).
    Server,
}

/// The cipher suites this tinydtls build supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Suite {
    /// TLS_PSK_WITH_AES_128_CCM_8 (RFC 6655).
    PskAes128Ccm8,
    /// TLS_PSK_WITH_AES_128_CCM (RFC 6655).
    PskAes128Ccm,
    /// TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (RFC 7251), raw public keys only.
    EcdheEcdsaAes128Ccm8,
    /// TLS_ECDHE_ECDSA_WITH_AES_128_CCM (RFC 7251), raw public keys only.
    EcdheEcdsaAes128Ccm,
}

impl Suite {
    /// Every suite of this build.
    pub const ALL: [Suite; 4] = [
        Suite::PskAes128Ccm8,
        Suite::PskAes128Ccm,
        Suite::EcdheEcdsaAes128Ccm8,
        Suite::EcdheEcdsaAes128Ccm,
    ];

    fn raw(self) -> sys::dtls_cipher_t {
        match self {
            Suite::PskAes128Ccm8 => sys::dtls_cipher_t::TLS_PSK_WITH_AES_128_CCM_8,
            Suite::PskAes128Ccm => sys::dtls_cipher_t::TLS_PSK_WITH_AES_128_CCM,
            Suite::EcdheEcdsaAes128Ccm8 => sys::dtls_cipher_t::TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
            Suite::EcdheEcdsaAes128Ccm => sys::dtls_cipher_t::TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
        }
    }

    /// The IANA code point.
    pub fn code(self) -> u16 {
        self.raw() as u16
    }

    /// The suite with IANA code point `code`, if this build has it.
    pub fn from_code(code: u16) -> Option<Suite> {
        Suite::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The IANA name.
    pub fn name(self) -> &'static str {
        match self {
            Suite::PskAes128Ccm8 => "TLS_PSK_WITH_AES_128_CCM_8",
            Suite::PskAes128Ccm => "TLS_PSK_WITH_AES_128_CCM",
            Suite::EcdheEcdsaAes128Ccm8 => "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
            Suite::EcdheEcdsaAes128Ccm => "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
        }
    }

    /// Whether the suite authenticates with ECDSA (raw public keys in tinydtls).
    pub fn is_ecdsa(self) -> bool {
        matches!(self, Suite::EcdheEcdsaAes128Ccm8 | Suite::EcdheEcdsaAes128Ccm)
    }
}

/// A P-256 key pair as tinydtls takes it: the private scalar and the public point, big-endian.
#[derive(Clone, PartialEq, Eq)]
pub struct EcdsaKey {
    /// Private scalar.
    pub private: [u8; 32],
    /// Public point, x coordinate.
    pub public_x: [u8; 32],
    /// Public point, y coordinate.
    pub public_y: [u8; 32],
}

impl fmt::Debug for EcdsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcdsaKey")
            .field("public_x", &self.public_x)
            .finish_non_exhaustive()
    }
}

/// How a context is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// Client or server.
    pub role: Role,
    /// Suites offered (client) or accepted (server), in preference order; at most four.
    pub suites: Vec<Suite>,
    /// PSK identity (client: sent; server: the one identity it knows).
    pub psk_identity: Vec<u8>,
    /// The PSK.
    pub psk_key: Vec<u8>,
    /// Our ECDSA key (a server needs one for the ECDSA suites).
    pub ecdsa: Option<EcdsaKey>,
    /// The peer's raw public key (x, y) we accept for ECDSA; `None` accepts any key.
    pub peer_public_key: Option<([u8; 32], [u8; 32])>,
    /// Seed of the context's random stream.
    pub seed: u64,
}

impl Config {
    /// A PSK configuration offering TLS_PSK_WITH_AES_128_CCM_8.
    pub fn psk(role: Role, identity: &[u8], key: &[u8], seed: u64) -> Config {
        Config {
            role,
            suites: vec![Suite::PskAes128Ccm8],
            psk_identity: identity.to_vec(),
            psk_key: key.to_vec(),
            ecdsa: None,
            peer_public_key: None,
            seed,
        }
    }
}

/// How a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseOutcome {
    /// We sent close_notify and the peer answered.
    Graceful,
    /// The peer sent close_notify (tinydtls answered it).
    PeerClosed,
    /// We sent close_notify and no answer came within [`CLOSE_LINGER_MS`].
    Unconfirmed,
    /// The peer sent a fatal alert with this description.
    ReceivedFatal(u8),
    /// tinydtls rejected a record and sent a fatal alert with this description.
    SentFatal(u8),
    /// The client's handshake retransmissions ran out (tinydtls gives up silently after
    /// `DTLS_DEFAULT_MAX_RETRANSMIT` = 7 re-sends).
    GaveUp,
}

/// What a context reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The handshake with this peer completed (reported once per connection).
    Connected(PeerId, Suite),
    /// Application data arrived.
    Data(PeerId, Vec<u8>),
    /// A warning alert other than close_notify arrived.
    Warning(PeerId, u8),
    /// The connection with this peer ended.
    Closed(PeerId, CloseOutcome),
}

/// Errors of the API calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The configuration cannot work (message says why).
    Config(String),
    /// tinydtls could not be set up or did not link as this crate requires.
    Setup(String),
    /// The peer is not connected.
    NotConnected,
    /// tinydtls refused the call with this return code.
    Refused(i32),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(m) => write!(f, "tinydtls configuration: {m}"),
            Error::Setup(m) => write!(f, "tinydtls setup: {m}"),
            Error::NotConnected => f.write_str("tinydtls: not connected"),
            Error::Refused(c) => write!(f, "tinydtls refused the call ({c})"),
        }
    }
}

impl std::error::Error for Error {}

/// The leading fields of tinydtls's `netq_t` (netq.h): the queue is sorted by `t`.
#[repr(C)]
struct NetqPrefix {
    next: *mut c_void,
    t: sys::clock_time_t,
}

/// Per-peer bookkeeping on the Rust side.
#[derive(Debug, Default)]
struct PeerState {
    connected: bool,
    closing: bool,
    closed: bool,
}

/// What the callbacks read and write.
struct State {
    config: Config,
    /// Datagrams tinydtls wrote, in order.
    out: VecDeque<(PeerId, Vec<u8>)>,
    events: VecDeque<Event>,
    peers: BTreeMap<PeerId, PeerState>,
    /// The context's random stream, lent to the thread while a call runs.
    rng: Option<ChaCha20Rng>,
    /// Whether the call in progress is `dtls_check_retransmit` (an alert event there is our
    /// own alert timing out, not the peer's).
    in_timeout: bool,
    /// The ECDSA key as tinydtls reads it (pointers into `config.ecdsa`).
    ecdsa_key: Option<sys::dtls_ecdsa_key_t>,
}

impl State {
    fn peer(&mut self, id: PeerId) -> &mut PeerState {
        self.peers.entry(id).or_default()
    }

    fn close(&mut self, id: PeerId, outcome: CloseOutcome) {
        let p = self.peer(id);
        if !p.closed {
            p.closed = true;
            p.connected = false;
            self.events.push_back(Event::Closed(id, outcome));
        }
    }
}

/// A tinydtls context: one client connection, or a server for any number of peers.
pub struct TinyDtls {
    ctx: NonNull<sys::dtls_context_t>,
    /// Referenced by the context's `app` pointer; boxed so its address is stable.
    state: Box<RefCell<State>>,
    /// Referenced by the context's `h` pointer.
    _handler: Box<sys::dtls_handler_t>,
    /// Virtual time (ms) that tinydtls tick 1 corresponds to.
    origin_ms: u64,
    /// Latest time seen, so ticks never go backwards.
    last_ms: u64,
    /// The suite negotiated, per peer, as far as this side can tell (the first offered).
    suite: Suite,
    handshake_started: BTreeSet<PeerId>,
}

impl fmt::Debug for TinyDtls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TinyDtls")
            .field("role", &self.state.borrow().config.role)
            .field("origin_ms", &self.origin_ms)
            .finish_non_exhaustive()
    }
}

fn init_library() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // SAFETY: dtls_init sets up tinydtls's global tables once; `Once` serialises it.
        unsafe { sys::dtls_init() };
        let level = std::env::var("TINYDTLS_LOG")
            .ok()
            .and_then(|v| v.parse::<c_int>().ok())
            .unwrap_or(0); // DTLS_LOG_EMERG: tinydtls logs warnings to stdout by default
        // SAFETY: sets a global integer; called once, before any context exists.
        unsafe { dtls_set_log_level(level) };
    });
}

unsafe extern "C" {
    // In dtls_debug.h, which the sys crate's bindings do not cover. `log_t` is a C enum.
    fn dtls_set_log_level(level: c_int);
}

/// The session (address) tinydtls uses for `peer`: 192.0.2.1 (TEST-NET-1), port `peer`.
fn session_for(peer: PeerId) -> sys::session_t {
    // SAFETY: session_t is plain C data (a length, a sockaddr union, an int); all-zero is a
    // valid value, which dtls_session_init then sets up.
    let mut s: sys::session_t = unsafe { std::mem::zeroed() };
    // SAFETY: `s` is a valid, exclusively borrowed session_t.
    unsafe { sys::dtls_session_init(&mut s) };
    let sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: peer.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes([192, 0, 2, 1]),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: the union's `sin` member is a sockaddr_in, which we write whole.
    unsafe { *s.addr.sin.as_mut() = sin };
    s.size = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    s
}

/// The peer a session names (its port), as set by [`session_for`].
///
/// # Safety
/// `session` must be null or point to a session_t tinydtls built from one of ours.
unsafe fn peer_of(session: *const sys::session_t) -> PeerId {
    if session.is_null() {
        return 0;
    }
    // SAFETY: per the contract, a valid session_t whose address is the sockaddr_in we set.
    let port = unsafe { (*session).addr.sin.as_ref().sin_port };
    u16::from_be(port)
}

/// The state behind a context's `app` pointer.
///
/// # Safety
/// `ctx` must be a context created by [`TinyDtls::new`] that is still alive.
unsafe fn state_of<'a>(ctx: *mut sys::dtls_context_t) -> Option<&'a RefCell<State>> {
    if ctx.is_null() {
        return None;
    }
    // SAFETY: `app` was set to the address of the boxed RefCell<State>, which outlives the
    // context; only shared references to the RefCell are ever made.
    unsafe { ((*ctx).app as *const RefCell<State>).as_ref() }
}

unsafe extern "C" fn cb_write(
    ctx: *mut sys::dtls_context_t,
    session: *mut sys::session_t,
    buf: *mut sys::uint8,
    len: usize,
) -> c_int {
    // SAFETY: tinydtls calls this with its live context and a session of ours.
    let (Some(state), peer) = (unsafe { state_of(ctx) }, unsafe { peer_of(session) }) else {
        return -1;
    };
    if buf.is_null() {
        return -1;
    }
    // SAFETY: tinydtls passes `len` readable bytes at `buf` for the duration of the call.
    let bytes = unsafe { std::slice::from_raw_parts(buf, len) }.to_vec();
    state.borrow_mut().out.push_back((peer, bytes));
    c_int::try_from(len).unwrap_or(c_int::MAX)
}

unsafe extern "C" fn cb_read(
    ctx: *mut sys::dtls_context_t,
    session: *mut sys::session_t,
    buf: *mut sys::uint8,
    len: usize,
) -> c_int {
    // SAFETY: as in cb_write.
    let (Some(state), peer) = (unsafe { state_of(ctx) }, unsafe { peer_of(session) }) else {
        return -1;
    };
    if buf.is_null() {
        return -1;
    }
    // SAFETY: tinydtls passes `len` readable bytes of decrypted data at `buf`.
    let data = unsafe { std::slice::from_raw_parts(buf, len) }.to_vec();
    state.borrow_mut().events.push_back(Event::Data(peer, data));
    0
}

/// The event callback as tinydtls really calls it: `level` is 0 for its own events, which is
/// not a variant of the bindings' `dtls_alert_level_t` enum, so it is taken as a plain `u32`.
type RawEventFn = unsafe extern "C" fn(*mut sys::dtls_context_t, *mut sys::session_t, u32, c_ushort) -> c_int;
/// The type the handler struct declares.
type DeclaredEventFn = unsafe extern "C" fn(
    *mut sys::dtls_context_t,
    *mut sys::session_t,
    sys::dtls_alert_level_t,
    c_ushort,
) -> c_int;

unsafe extern "C" fn cb_event(
    ctx: *mut sys::dtls_context_t,
    session: *mut sys::session_t,
    level: u32,
    code: c_ushort,
) -> c_int {
    // SAFETY: as in cb_write.
    let (Some(state), peer) = (unsafe { state_of(ctx) }, unsafe { peer_of(session) }) else {
        return -1;
    };
    let mut st = state.borrow_mut();
    let suite = st.config.suites.first().copied().unwrap_or(Suite::PskAes128Ccm8);
    match (level, u32::from(code)) {
        (0, sys::DTLS_EVENT_CONNECTED) => {
            // tinydtls reports CONNECTED again for a retransmitted final flight; once only.
            let p = st.peer(peer);
            if !p.connected && !p.closed {
                p.connected = true;
                st.events.push_back(Event::Connected(peer, suite));
            }
        }
        (0, _) => {} // DTLS_EVENT_CONNECT (handshake started), renegotiation
        (_, 0) => {
            // close_notify: the peer's (during dtls_handle_message), or our own timing out.
            let outcome = if st.in_timeout {
                CloseOutcome::Unconfirmed
            } else if st.peer(peer).closing {
                CloseOutcome::Graceful
            } else {
                CloseOutcome::PeerClosed
            };
            st.close(peer, outcome);
        }
        (2, c) => {
            let c = u8::try_from(c).unwrap_or(u8::MAX);
            let outcome = if st.in_timeout {
                CloseOutcome::SentFatal(c)
            } else {
                CloseOutcome::ReceivedFatal(c)
            };
            st.close(peer, outcome);
        }
        (_, c) => {
            if !st.in_timeout {
                st.events
                    .push_back(Event::Warning(peer, u8::try_from(c).unwrap_or(u8::MAX)));
            }
        }
    }
    0
}

unsafe extern "C" fn cb_user_parameters(
    ctx: *mut sys::dtls_context_t,
    _session: *mut sys::session_t,
    params: *mut sys::dtls_user_parameters_t,
) {
    // SAFETY: tinydtls calls this with its live context.
    let Some(state) = (unsafe { state_of(ctx) }) else {
        return;
    };
    if params.is_null() {
        return;
    }
    let st = state.borrow();
    // SAFETY: tinydtls passes its session's user parameters, initialised to defaults, for us
    // to adjust during this call.
    let params = unsafe { &mut *params };
    let n = params.cipher_suites.len();
    for (i, slot) in params.cipher_suites.iter_mut().enumerate() {
        *slot = match st.config.suites.get(i) {
            Some(s) if i + 1 < n => s.raw(),
            _ => sys::dtls_cipher_t::TLS_NULL_WITH_NULL_NULL,
        };
    }
}

unsafe extern "C" fn cb_psk_info(
    ctx: *mut sys::dtls_context_t,
    _session: *const sys::session_t,
    kind: sys::dtls_credentials_type_t,
    desc: *const c_uchar,
    desc_len: usize,
    result: *mut c_uchar,
    result_length: usize,
) -> c_int {
    const HANDSHAKE_FAILURE: c_int = -((2 << 8) | 40);
    const INTERNAL_ERROR: c_int = -((2 << 8) | 80);
    // SAFETY: tinydtls calls this with its live context.
    let Some(state) = (unsafe { state_of(ctx) }) else {
        return INTERNAL_ERROR;
    };
    let st = state.borrow();
    let value: &[u8] = match kind {
        // No identity hint (RFC 4279 2: the server may omit it).
        sys::dtls_credentials_type_t::DTLS_PSK_HINT => return 0,
        sys::dtls_credentials_type_t::DTLS_PSK_IDENTITY => &st.config.psk_identity,
        sys::dtls_credentials_type_t::DTLS_PSK_KEY => {
            let asked: &[u8] = if desc.is_null() || desc_len == 0 {
                &[]
            } else {
                // SAFETY: tinydtls passes the identity (`desc_len` bytes) it wants a key for.
                unsafe { std::slice::from_raw_parts(desc, desc_len) }
            };
            if asked != st.config.psk_identity.as_slice() {
                return HANDSHAKE_FAILURE;
            }
            &st.config.psk_key
        }
        _ => return INTERNAL_ERROR,
    };
    if value.len() > result_length || result.is_null() {
        return INTERNAL_ERROR;
    }
    // SAFETY: `result` has `result_length` >= value.len() writable bytes, distinct from ours.
    unsafe { std::ptr::copy_nonoverlapping(value.as_ptr(), result, value.len()) };
    c_int::try_from(value.len()).unwrap_or(INTERNAL_ERROR)
}

unsafe extern "C" fn cb_get_ecdsa_key(
    ctx: *mut sys::dtls_context_t,
    _session: *const sys::session_t,
    result: *mut *const sys::dtls_ecdsa_key_t,
) -> c_int {
    // SAFETY: tinydtls calls this with its live context.
    let Some(state) = (unsafe { state_of(ctx) }) else {
        return -1;
    };
    let st = state.borrow();
    match (&st.ecdsa_key, result.is_null()) {
        (Some(k), false) => {
            // SAFETY: `result` is tinydtls's out-pointer; the key (and the bytes it points to)
            // live in the boxed state, which outlives the context.
            unsafe { *result = k as *const sys::dtls_ecdsa_key_t };
            0
        }
        _ => -1,
    }
}

unsafe extern "C" fn cb_verify_ecdsa_key(
    ctx: *mut sys::dtls_context_t,
    _session: *const sys::session_t,
    x: *const c_uchar,
    y: *const c_uchar,
    key_size: usize,
) -> c_int {
    const BAD_CERTIFICATE: c_int = -((2 << 8) | 42);
    // SAFETY: tinydtls calls this with its live context.
    let Some(state) = (unsafe { state_of(ctx) }) else {
        return BAD_CERTIFICATE;
    };
    let st = state.borrow();
    let Some((want_x, want_y)) = &st.config.peer_public_key else {
        return 0;
    };
    if x.is_null() || y.is_null() || key_size != 32 {
        return BAD_CERTIFICATE;
    }
    // SAFETY: tinydtls passes two coordinates of `key_size` bytes each.
    let (gx, gy) = unsafe {
        (
            std::slice::from_raw_parts(x, key_size),
            std::slice::from_raw_parts(y, key_size),
        )
    };
    if gx == want_x.as_slice() && gy == want_y.as_slice() {
        0
    } else {
        BAD_CERTIFICATE
    }
}

impl TinyDtls {
    /// A context at virtual time `now_ms`. A client does not send anything until
    /// [`TinyDtls::connect`].
    pub fn new(config: Config, now_ms: u64) -> Result<TinyDtls, Error> {
        crate::clock::self_check().map_err(Error::Setup)?;
        if config.suites.is_empty() || config.suites.len() > 4 {
            return Err(Error::Config("offer one to four suites".into()));
        }
        let ecdsa = config.suites.iter().any(|s| s.is_ecdsa());
        if ecdsa && config.role == Role::Server && config.ecdsa.is_none() {
            return Err(Error::Config("an ECDSA suite needs the server's key".into()));
        }
        if config.psk_key.len() > 64 || config.psk_identity.len() > 64 {
            return Err(Error::Config(
                "PSK identity and key are limited to 64 bytes".into(),
            ));
        }
        init_library();
        let suite = config.suites[0];
        let rng = Some(ChaCha20Rng::seed_from_u64(config.seed));
        let state = Box::new(RefCell::new(State {
            config,
            out: VecDeque::new(),
            events: VecDeque::new(),
            peers: BTreeMap::new(),
            rng,
            in_timeout: false,
            ecdsa_key: None,
        }));
        {
            let mut st = state.borrow_mut();
            let key = st.config.ecdsa.as_ref().map(|k| sys::dtls_ecdsa_key_t {
                curve: sys::dtls_ecdh_curve::DTLS_ECDH_CURVE_SECP256R1,
                priv_key: k.private.as_ptr(),
                pub_key_x: k.public_x.as_ptr(),
                pub_key_y: k.public_y.as_ptr(),
            });
            st.ecdsa_key = key;
        }
        let (has_key, is_client, pins_peer) = {
            let st = state.borrow();
            let c = &st.config;
            (
                c.ecdsa.is_some(),
                c.role == Role::Client,
                c.peer_public_key.is_some(),
            )
        };
        let mut handler = Box::new(sys::dtls_handler_t {
            write: Some(cb_write),
            read: Some(cb_read),
            // SAFETY: the two signatures differ only in `dtls_alert_level_t` (a `repr(u32)`
            // enum) versus `u32`, which have the same ABI; the callee accepts any value.
            event: Some(unsafe { std::mem::transmute::<RawEventFn, DeclaredEventFn>(cb_event) }),
            get_user_parameters: Some(cb_user_parameters),
            get_psk_info: Some(cb_psk_info),
            // Our key, when we have one. A server with a verify callback asks the client for a
            // certificate (dtls.h), so a server gets one only when it pins a client key.
            get_ecdsa_key: (ecdsa && has_key).then_some(cb_get_ecdsa_key as _),
            verify_ecdsa_key: (ecdsa && (is_client || pins_peer)).then_some(cb_verify_ecdsa_key as _),
        });
        let app = &*state as *const RefCell<State> as *mut c_void;
        let raw = {
            let mut st = state.borrow_mut();
            let _scope = Scope::enter(1, &mut st.rng);
            // SAFETY: `app` points to the boxed state, which the returned TinyDtls owns and
            // frees only after dtls_free_context. dtls_new_context draws the cookie secret
            // from dtls_prng, served by the scope's stream.
            unsafe { sys::dtls_new_context(app) }
        };
        let ctx = NonNull::new(raw).ok_or_else(|| Error::Setup("dtls_new_context failed".into()))?;
        // SAFETY: `ctx` is live; the handler box lives as long as the TinyDtls.
        unsafe { sys::dtls_set_handler(ctx.as_ptr(), &mut *handler) };
        Ok(TinyDtls {
            ctx,
            state,
            _handler: handler,
            origin_ms: now_ms,
            last_ms: now_ms,
            suite,
            handshake_started: BTreeSet::new(),
        })
    }

    /// The latest virtual time (ms) any call has passed in.
    pub fn last_ms(&self) -> u64 {
        self.last_ms
    }

    /// The configured role.
    pub fn role(&self) -> Role {
        self.state.borrow().config.role
    }

    /// The first configured suite (what a tinydtls peer negotiates when it is the only one).
    pub fn suite(&self) -> Suite {
        self.suite
    }

    fn ticks(&mut self, now_ms: u64) -> u32 {
        self.last_ms = self.last_ms.max(now_ms);
        // Tick 1 at creation: `dtls_check_retransmit` reports 0 for "nothing queued".
        (self.last_ms - self.origin_ms).wrapping_add(1) as u32
    }

    /// Runs `f` on the context with tinydtls's clock at `now_ms` and its RNG installed.
    fn call<R>(&mut self, now_ms: u64, f: impl FnOnce(*mut sys::dtls_context_t) -> R) -> R {
        let ticks = self.ticks(now_ms);
        // The RNG is moved out of the state for the call (and back by the scope's drop), so
        // no borrow of the state is held while tinydtls runs its callbacks.
        let mut rng = self.state.borrow_mut().rng.take();
        let r = {
            let _scope = Scope::enter(ticks, &mut rng);
            f(self.ctx.as_ptr())
        };
        self.state.borrow_mut().rng = rng;
        r
    }

    /// Starts a handshake with `peer` (client role).
    pub fn connect(&mut self, now_ms: u64, peer: PeerId) -> Result<(), Error> {
        if self.role() != Role::Client {
            return Err(Error::Config("only a client connects".into()));
        }
        let session = session_for(peer);
        {
            let mut st = self.state.borrow_mut();
            st.peers.insert(peer, PeerState::default());
        }
        self.handshake_started.insert(peer);
        // SAFETY: live context; `session` is a valid session_t for the call.
        let r = self.call(now_ms, |ctx| unsafe { sys::dtls_connect(ctx, &session) });
        if r < 0 { Err(Error::Refused(r)) } else { Ok(()) }
    }

    /// Feeds one datagram from `peer`.
    pub fn handle_datagram(&mut self, now_ms: u64, peer: PeerId, datagram: &[u8]) {
        if datagram.is_empty() {
            return;
        }
        // tinydtls decrypts in place, so it gets its own copy; larger datagrams than its
        // buffers are cut to what it can take, as a socket read into DTLS_MAX_BUF would.
        let mut copy = datagram[..datagram.len().min(MAX_DATAGRAM)].to_vec();
        let mut session = session_for(peer);
        let len = c_int::try_from(copy.len()).unwrap_or(c_int::MAX);
        // SAFETY: live context; `copy` is `len` writable bytes; `session` valid for the call.
        let r = self.call(now_ms, |ctx| unsafe {
            sys::dtls_handle_message(ctx, &mut session, copy.as_mut_ptr(), len)
        });
        if r < 0 {
            let code = -r;
            let (level, desc) = ((code >> 8) & 0xff, (code & 0xff) as u8);
            // A fatal error destroyed the peer after sending the alert (see dtls.c,
            // dtls_handle_message): report it as the end of the connection.
            if level == 2 || r == -1 {
                let desc = if r == -1 { 80 } else { desc };
                let mut st = self.state.borrow_mut();
                let known = st.peers.contains_key(&peer);
                if known || st.config.role == Role::Client {
                    st.close(peer, CloseOutcome::SentFatal(desc));
                }
            }
        }
    }

    /// Runs tinydtls's retransmission timer at `now_ms`.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        let had_queue = self.poll_timeout().is_some();
        self.state.borrow_mut().in_timeout = true;
        let mut next: sys::clock_time_t = 0;
        // SAFETY: live context; `next` is a valid out-pointer.
        self.call(now_ms, |ctx| unsafe {
            sys::dtls_check_retransmit(ctx, &mut next)
        });
        self.state.borrow_mut().in_timeout = false;
        if had_queue && self.poll_timeout().is_none() {
            self.gave_up();
        }
    }

    /// A client whose timer just dropped the last queued retransmission while its handshake
    /// is unfinished has given up (tinydtls drops it silently after 7 re-sends).
    fn gave_up(&mut self) {
        if self.role() != Role::Client {
            return;
        }
        let mut st = self.state.borrow_mut();
        let stuck: Vec<PeerId> = st
            .peers
            .iter()
            .filter(|(id, p)| !p.connected && !p.closed && self.handshake_started.contains(id))
            .map(|(id, _)| *id)
            .collect();
        for id in stuck {
            st.close(id, CloseOutcome::GaveUp);
        }
    }

    /// When [`TinyDtls::handle_timeout`] must run next, in virtual ms, if ever: the time of
    /// the head of tinydtls's send queue (kept sorted by due time), read without running it.
    pub fn poll_timeout(&self) -> Option<u64> {
        // SAFETY: the context is live; `sendqueue` is null or the head node of tinydtls's list,
        // whose first two fields are `next` and `t` (netq.h). Nothing runs concurrently.
        let due = unsafe {
            let head = (*self.ctx.as_ptr()).sendqueue as *const NetqPrefix;
            if head.is_null() { None } else { Some((*head).t) }
        }?;
        let now_ticks = (self.last_ms - self.origin_ms).wrapping_add(1) as u32;
        let ahead = due.wrapping_sub(now_ticks) as i32;
        Some(self.last_ms + u64::try_from(ahead.max(0)).unwrap_or(0))
    }

    /// The next datagram tinydtls wrote, and its destination.
    pub fn poll_transmit(&mut self) -> Option<(PeerId, Vec<u8>)> {
        self.state.borrow_mut().out.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.state.borrow_mut().events.pop_front()
    }

    /// Whether the handshake with `peer` has completed and the connection is open.
    pub fn is_connected(&self, peer: PeerId) -> bool {
        self.state.borrow().peers.get(&peer).is_some_and(|p| p.connected)
    }

    /// Sends one record of application data to a connected peer.
    pub fn send(&mut self, now_ms: u64, peer: PeerId, data: &[u8]) -> Result<(), Error> {
        if !self.is_connected(peer) {
            return Err(Error::NotConnected);
        }
        let mut copy = data.to_vec();
        let mut session = session_for(peer);
        // SAFETY: live context; `copy` has `copy.len()` bytes; `session` valid for the call.
        let r = self.call(now_ms, |ctx| unsafe {
            sys::dtls_write(ctx, &mut session, copy.as_mut_ptr(), copy.len())
        });
        if r < 0 {
            Err(Error::Refused(r))
        } else if r == 0 && !data.is_empty() {
            Err(Error::NotConnected)
        } else {
            Ok(())
        }
    }

    /// Sends close_notify to `peer`; the outcome is reported as [`Event::Closed`].
    pub fn close(&mut self, now_ms: u64, peer: PeerId) {
        {
            let mut st = self.state.borrow_mut();
            let p = st.peer(peer);
            if p.closed || p.closing {
                return;
            }
            p.closing = true;
        }
        let session = session_for(peer);
        // SAFETY: live context; `session` valid for the call.
        let r = self.call(now_ms, |ctx| unsafe { sys::dtls_close(ctx, &session) });
        if r < 0 {
            // No such peer in tinydtls (never connected or already gone).
            self.state.borrow_mut().close(peer, CloseOutcome::Unconfirmed);
        }
    }
}

impl Drop for TinyDtls {
    fn drop(&mut self) {
        // SAFETY: the context is live and freed once; the state and handler it points to are
        // dropped after this (fields drop after `drop` returns). dtls_free_context may send
        // close_notify alerts through the write callback, served by the still-live state.
        let ctx = self.ctx.as_ptr();
        let last = self.last_ms;
        self.call(last, |_| unsafe { sys::dtls_free_context(ctx) });
    }
}
