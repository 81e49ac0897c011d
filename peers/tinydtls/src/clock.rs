//! tinydtls's platform clock and random source, supplied from Rust so that they are the
//! caller's virtual time and a seeded stream.
//!
//! tinydtls calls four platform functions: `dtls_clock_init`, `dtls_ticks` (milliseconds,
//! `CLOCK_SECOND` = 1000 on POSIX), `dtls_prng_init` and `dtls_prng`. They live in two objects
//! of `libtinydtls.a` (`dtls_time.o`, `dtls_prng.o`) that define nothing else anyone uses, so
//! when this crate defines all four, a static link never pulls those objects in. The values
//! are thread-local: [`Scope`] installs a context's time and RNG for the duration of one call
//! into tinydtls on the calling thread, so contexts on different threads (parallel tests,
//! simulator sweeps) never see each other's clock or stream.

use std::cell::{Cell, RefCell};
use std::sync::OnceLock;

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

thread_local! {
    /// tinydtls's notion of "now", in ticks (ms), for the call in progress on this thread.
    static TICKS: Cell<u32> = const { Cell::new(0) };
    /// The random stream of the context whose call is in progress on this thread.
    static RNG: RefCell<Option<ChaCha20Rng>> = const { RefCell::new(None) };
    /// Random bytes requested while no context was installed (must stay zero; checked by tests).
    static STRAY_RANDOM: Cell<u64> = const { Cell::new(0) };
}

/// The clock for one call into tinydtls: sets the thread's ticks and lends it the context's
/// RNG, which it hands back when dropped.
pub(crate) struct Scope<'a> {
    rng: &'a mut Option<ChaCha20Rng>,
}

impl<'a> Scope<'a> {
    pub(crate) fn enter(ticks: u32, rng: &'a mut Option<ChaCha20Rng>) -> Self {
        TICKS.with(|t| t.set(ticks));
        let lent = rng.take();
        RNG.with(|r| *r.borrow_mut() = lent);
        Scope { rng }
    }
}

impl Drop for Scope<'_> {
    fn drop(&mut self) {
        *self.rng = RNG.with(|r| r.borrow_mut().take());
    }
}

/// How many random bytes tinydtls asked for on this thread while no context was installed
/// (they came from a fixed fallback stream; a non-zero value means a call escaped [`Scope`]).
pub fn stray_random_bytes() -> u64 {
    STRAY_RANDOM.with(Cell::get)
}

/// tinydtls platform hook: nothing to initialise, the clock is the caller's.
#[unsafe(no_mangle)]
pub extern "C" fn dtls_clock_init() {}

/// tinydtls platform hook: the current time in ticks (milliseconds).
///
/// # Safety
/// tinydtls passes a valid pointer to a `dtls_tick_t` (a `u32` on POSIX builds).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dtls_ticks(t: *mut u32) {
    if !t.is_null() {
        // SAFETY: tinydtls passes a pointer to a live, aligned `clock_time_t` (u32).
        unsafe { t.write(TICKS.with(Cell::get)) };
    }
}

/// tinydtls platform hook: the seed it offers (its clock) is ignored; each context's stream is
/// seeded by its configuration.
#[unsafe(no_mangle)]
pub extern "C" fn dtls_prng_init(_seed: core::ffi::c_uint) {}

/// tinydtls platform hook: fills `buf` with `len` random bytes, returns `len` (non-zero means
/// success to tinydtls).
///
/// # Safety
/// tinydtls passes a buffer of at least `len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dtls_prng(buf: *mut u8, len: usize) -> core::ffi::c_int {
    if buf.is_null() || len == 0 {
        return 0;
    }
    // SAFETY: tinydtls passes `len` writable bytes at `buf`, not aliased during this call.
    let out = unsafe { std::slice::from_raw_parts_mut(buf, len) };
    RNG.with(|r| match r.borrow_mut().as_mut() {
        Some(rng) => rng.fill_bytes(out),
        None => {
            // Only reachable if a tinydtls call escaped `Scope`; stay deterministic and count.
            STRAY_RANDOM.with(|s| s.set(s.get() + len as u64));
            ChaCha20Rng::seed_from_u64(0).fill_bytes(out);
        }
    });
    core::ffi::c_int::try_from(len).unwrap_or(core::ffi::c_int::MAX)
}

// The symbols as the linker resolved them for tinydtls (not the Rust items above by path).
unsafe extern "C" {
    #[link_name = "dtls_ticks"]
    fn linked_dtls_ticks(t: *mut u32);
    #[link_name = "dtls_prng"]
    fn linked_dtls_prng(buf: *mut u8, len: usize) -> core::ffi::c_int;
}

/// Checks that tinydtls really uses this crate's clock and random source (that the linker did
/// not take the library's own `dtls_time.o`/`dtls_prng.o`). Run once; every constructor
/// returns its result.
pub fn self_check() -> Result<(), String> {
    static RESULT: OnceLock<Result<(), String>> = OnceLock::new();
    RESULT
        .get_or_init(|| {
            let mut rng = Some(ChaCha20Rng::seed_from_u64(7));
            let mut expected = [0u8; 16];
            ChaCha20Rng::seed_from_u64(7).fill_bytes(&mut expected);
            let _scope = Scope::enter(123_456, &mut rng);
            let mut t: u32 = 0;
            // SAFETY: `t` is a valid u32 for the call; the symbol is the one tinydtls links.
            unsafe { linked_dtls_ticks(&mut t) };
            let mut got = [0u8; 16];
            // SAFETY: `got` has 16 writable bytes.
            let n = unsafe { linked_dtls_prng(got.as_mut_ptr(), got.len()) };
            if t != 123_456 {
                Err(format!(
                    "tinydtls reads its own clock (dtls_ticks gave {t}, expected the virtual 123456)"
                ))
            } else if n <= 0 || got != expected {
                Err("tinydtls uses its own random source, not the seeded stream".to_string())
            } else {
                Ok(())
            }
        })
        .clone()
}
