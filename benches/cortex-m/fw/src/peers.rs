//! The C peers in the same image: Mbed TLS 2.28 AES-CCM / AES-GCM and tinydtls AES-CCM, built by
//! build.rs with arm-none-eabi-gcc -O2. Each peer is wrapped as a [`Peer`] that seals and opens
//! the DTLS record shape (12-byte nonce, 13-byte additional data, detached tag) in place.

use alloc::alloc::{Layout, alloc_zeroed, dealloc};
use alloc::boxed::Box;
use core::ffi::{c_int, c_long, c_uint, c_void};

const MBEDTLS_CIPHER_ID_AES: c_int = 2;
const MBEDTLS_GCM_ENCRYPT: c_int = 1;

/// Opaque storage for a C context (larger than Mbed TLS's CCM/GCM and tinydtls's contexts).
#[repr(C, align(8))]
struct Opaque([u8; 1024]);

unsafe extern "C" {
    fn mbedtls_ccm_init(ctx: *mut Opaque);
    fn mbedtls_ccm_setkey(ctx: *mut Opaque, cipher: c_int, key: *const u8, bits: c_uint) -> c_int;
    fn mbedtls_ccm_encrypt_and_tag(
        ctx: *mut Opaque,
        len: usize,
        iv: *const u8,
        iv_len: usize,
        add: *const u8,
        add_len: usize,
        input: *const u8,
        output: *mut u8,
        tag: *mut u8,
        tag_len: usize,
    ) -> c_int;
    fn mbedtls_ccm_auth_decrypt(
        ctx: *mut Opaque,
        len: usize,
        iv: *const u8,
        iv_len: usize,
        add: *const u8,
        add_len: usize,
        input: *const u8,
        output: *mut u8,
        tag: *const u8,
        tag_len: usize,
    ) -> c_int;
    fn mbedtls_gcm_init(ctx: *mut Opaque);
    fn mbedtls_gcm_setkey(ctx: *mut Opaque, cipher: c_int, key: *const u8, bits: c_uint) -> c_int;
    fn mbedtls_gcm_crypt_and_tag(
        ctx: *mut Opaque,
        mode: c_int,
        len: usize,
        iv: *const u8,
        iv_len: usize,
        add: *const u8,
        add_len: usize,
        input: *const u8,
        output: *mut u8,
        tag_len: usize,
        tag: *mut u8,
    ) -> c_int;
    fn mbedtls_gcm_auth_decrypt(
        ctx: *mut Opaque,
        len: usize,
        iv: *const u8,
        iv_len: usize,
        add: *const u8,
        add_len: usize,
        tag: *const u8,
        tag_len: usize,
        input: *const u8,
        output: *mut u8,
    ) -> c_int;

    fn rijndael_set_key_enc_only(ctx: *mut Opaque, key: *const u8, bits: c_int) -> c_int;
    fn dtls_ccm_encrypt_message(
        ctx: *mut Opaque,
        m: usize,
        l: usize,
        nonce: *const u8,
        msg: *mut u8,
        lm: usize,
        aad: *const u8,
        la: usize,
    ) -> c_long;
    fn dtls_ccm_decrypt_message(
        ctx: *mut Opaque,
        m: usize,
        l: usize,
        nonce: *const u8,
        msg: *mut u8,
        lm: usize,
        aad: *const u8,
        la: usize,
    ) -> c_long;
}

/// Mbed TLS's heap goes through the firmware's counting allocator; an 8-byte header keeps the
/// size for `fw_free`.
#[unsafe(no_mangle)]
extern "C" fn fw_calloc(n: usize, size: usize) -> *mut c_void {
    let Some(bytes) = n.checked_mul(size).and_then(|b| b.checked_add(8)) else {
        return core::ptr::null_mut();
    };
    let Ok(layout) = Layout::from_size_align(bytes, 8) else {
        return core::ptr::null_mut();
    };
    // SAFETY: non-zero size layout.
    let p = unsafe { alloc_zeroed(layout) };
    if p.is_null() {
        return p.cast();
    }
    // SAFETY: `p` has room for the header, 8-aligned.
    unsafe {
        p.cast::<usize>().write(bytes);
        p.add(8).cast()
    }
}

#[unsafe(no_mangle)]
extern "C" fn fw_free(ptr: *mut c_void) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: `ptr` came from fw_calloc, which put the size 8 bytes before it.
    unsafe {
        let base = ptr.cast::<u8>().sub(8);
        let bytes = base.cast::<usize>().read();
        dealloc(base, Layout::from_size_align_unchecked(bytes, 8));
    }
}

/// Which C implementation and algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerAlg {
    /// Mbed TLS AES-128-CCM with an 8-byte tag.
    MbedCcm8,
    /// Mbed TLS AES-128-CCM with a 16-byte tag.
    MbedCcm16,
    /// Mbed TLS AES-128-GCM.
    MbedGcm,
    /// tinydtls AES-128-CCM with an 8-byte tag.
    TinyCcm8,
}

impl PeerAlg {
    /// Name in the results.
    pub fn implementation(self) -> &'static str {
        match self {
            PeerAlg::TinyCcm8 => "tinydtls",
            _ => "mbedtls",
        }
    }

    /// Tag length.
    pub fn tag_len(self) -> usize {
        match self {
            PeerAlg::MbedCcm8 | PeerAlg::TinyCcm8 => 8,
            _ => 16,
        }
    }
}

/// A keyed C AEAD.
pub struct Peer {
    alg: PeerAlg,
    ctx: Box<Opaque>,
}

impl Peer {
    /// Expands a 16-byte key.
    pub fn new(alg: PeerAlg, key: &[u8; 16]) -> Peer {
        let mut ctx = Box::new(Opaque([0; 1024]));
        let c: *mut Opaque = &mut *ctx;
        // SAFETY: `c` points to zeroed storage larger than the C context.
        let r = unsafe {
            match alg {
                PeerAlg::MbedCcm8 | PeerAlg::MbedCcm16 => {
                    mbedtls_ccm_init(c);
                    mbedtls_ccm_setkey(c, MBEDTLS_CIPHER_ID_AES, key.as_ptr(), 128)
                }
                PeerAlg::MbedGcm => {
                    mbedtls_gcm_init(c);
                    mbedtls_gcm_setkey(c, MBEDTLS_CIPHER_ID_AES, key.as_ptr(), 128)
                }
                PeerAlg::TinyCcm8 => i32::from(rijndael_set_key_enc_only(c, key.as_ptr(), 128) < 0),
            }
        };
        assert_eq!(r, 0, "{alg:?} setkey");
        Peer { alg, ctx }
    }

    /// Seals `buf[..len]` in place and writes the tag at `buf[len..len + tag_len]`.
    pub fn seal(&mut self, nonce: &[u8; 12], aad: &[u8; 13], buf: &mut [u8], len: usize) -> usize {
        let tag_len = self.alg.tag_len();
        assert!(buf.len() >= len + tag_len);
        let c: *mut Opaque = &mut *self.ctx;
        let p = buf.as_mut_ptr();
        // SAFETY: `buf` holds `len + tag_len` bytes; the C functions allow in-place operation.
        let ok = unsafe {
            match self.alg {
                PeerAlg::MbedCcm8 | PeerAlg::MbedCcm16 => {
                    mbedtls_ccm_encrypt_and_tag(
                        c,
                        len,
                        nonce.as_ptr(),
                        12,
                        aad.as_ptr(),
                        13,
                        p,
                        p,
                        p.add(len),
                        tag_len,
                    ) == 0
                }
                PeerAlg::MbedGcm => {
                    mbedtls_gcm_crypt_and_tag(
                        c,
                        MBEDTLS_GCM_ENCRYPT,
                        len,
                        nonce.as_ptr(),
                        12,
                        aad.as_ptr(),
                        13,
                        p,
                        p,
                        tag_len,
                        p.add(len),
                    ) == 0
                }
                PeerAlg::TinyCcm8 => {
                    let mut n = [0u8; 16];
                    n[..12].copy_from_slice(nonce);
                    dtls_ccm_encrypt_message(c, 8, 3, n.as_ptr(), p, len, aad.as_ptr(), 13)
                        == (len + 8) as c_long
                }
            }
        };
        assert!(ok, "{:?} seal", self.alg);
        len + tag_len
    }

    /// Opens `buf` (ciphertext then tag) in place; returns the plaintext length or `None`.
    pub fn open(&mut self, nonce: &[u8; 12], aad: &[u8; 13], buf: &mut [u8]) -> Option<usize> {
        let tag_len = self.alg.tag_len();
        let len = buf.len().checked_sub(tag_len)?;
        let c: *mut Opaque = &mut *self.ctx;
        let p = buf.as_mut_ptr();
        // SAFETY: as in `seal`.
        let ok = unsafe {
            match self.alg {
                PeerAlg::MbedCcm8 | PeerAlg::MbedCcm16 => {
                    mbedtls_ccm_auth_decrypt(
                        c,
                        len,
                        nonce.as_ptr(),
                        12,
                        aad.as_ptr(),
                        13,
                        p,
                        p,
                        p.add(len),
                        tag_len,
                    ) == 0
                }
                PeerAlg::MbedGcm => {
                    mbedtls_gcm_auth_decrypt(
                        c,
                        len,
                        nonce.as_ptr(),
                        12,
                        aad.as_ptr(),
                        13,
                        p.add(len),
                        tag_len,
                        p,
                        p,
                    ) == 0
                }
                PeerAlg::TinyCcm8 => {
                    let mut n = [0u8; 16];
                    n[..12].copy_from_slice(nonce);
                    dtls_ccm_decrypt_message(c, 8, 3, n.as_ptr(), p, buf.len(), aad.as_ptr(), 13)
                        == len as c_long
                }
            }
        };
        ok.then_some(len)
    }
}

unsafe extern "C" {
    fn mbhs_setup(side: c_int) -> c_int;
    fn mbhs_step(side: c_int) -> c_int;
    fn mbhs_wire_bytes() -> usize;
    fn mbhs_free(side: c_int);
}

/// One side of the Mbed TLS DTLS handshake in `c/mbedtls_hs.c` (PSK-AES128-CCM8, cookies,
/// extended master secret; client and server in this image over in-memory datagram queues).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MbedSide {
    /// The client.
    Client = 0,
    /// The server.
    Server = 1,
}

/// Prepares a side (`mbedtls_ssl_setup` and its configuration); the client first, which also
/// empties the queues. Err carries Mbed TLS's error code.
pub fn mbed_setup(side: MbedSide) -> Result<(), i32> {
    // SAFETY: the C side keeps its state in statics; `side` is 0 or 1.
    match unsafe { mbhs_setup(side as c_int) } {
        0 => Ok(()),
        e => Err(e),
    }
}

/// Runs a side until it waits for its peer: Ok(true) once its handshake is complete.
pub fn mbed_step(side: MbedSide) -> Result<bool, i32> {
    // SAFETY: as for `mbed_setup`, after it.
    match unsafe { mbhs_step(side as c_int) } {
        1 => Ok(true),
        0 => Ok(false),
        e => Err(e),
    }
}

/// Bytes of every datagram both sides sent.
pub fn mbed_wire_bytes() -> usize {
    // SAFETY: reads a counter.
    unsafe { mbhs_wire_bytes() }
}

/// Frees a side's Mbed TLS state.
pub fn mbed_free(side: MbedSide) {
    // SAFETY: frees what `mbed_setup` allocated; the state is initialised by then.
    unsafe { mbhs_free(side as c_int) }
}
