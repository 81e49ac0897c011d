//! What the in-process OpenSSL DTLS peer needs beyond the `openssl` crate: the DTLS timer
//! calls (`DTLSv1_get_timeout`, `DTLSv1_handle_timeout`) and a virtual clock for libssl.
//!
//! # The virtual clock
//! OpenSSL 3.0's DTLS timer reads the time with `gettimeofday` (ssl/d1_lib.c), with no hook to
//! supply it. This crate defines `gettimeofday` in the executable, which the dynamic linker
//! binds libssl's calls to (an executable's definitions come first in symbol lookup). While a
//! [`ClockScope`] is alive on a thread, `gettimeofday` on that thread returns the scope's
//! virtual time; everywhere else (other threads, other code, no scope) it returns the real
//! time, read with `clock_gettime(CLOCK_REALTIME)`. So OpenSSL's retransmission timer runs on
//! the simulator's clock during the calls the adapter makes, and nothing else changes.
//! [`clock_is_virtual`] checks at run time that the binding took effect (it does not when the
//! library is linked statically or the executable does not export the symbol).

use std::cell::Cell;
use std::time::Duration;

use foreign_types::ForeignTypeRef;
use openssl::ssl::SslRef;
use openssl_sys as ffi;

thread_local! {
    /// Virtual time in microseconds since the epoch, while a scope is alive.
    static VIRTUAL_US: Cell<Option<u64>> = const { Cell::new(None) };
}

/// While alive, `gettimeofday` on this thread returns this virtual time.
#[derive(Debug)]
pub struct ClockScope {
    previous: Option<u64>,
}

impl ClockScope {
    /// Makes `gettimeofday` on this thread return `ms` milliseconds (since the epoch).
    pub fn enter(ms: u64) -> ClockScope {
        let previous = VIRTUAL_US.with(|v| v.replace(Some(ms.saturating_mul(1000))));
        ClockScope { previous }
    }
}

impl Drop for ClockScope {
    fn drop(&mut self) {
        VIRTUAL_US.with(|v| v.set(self.previous));
    }
}

/// `gettimeofday(2)`, virtual inside a [`ClockScope`], real elsewhere.
///
/// # Safety
/// Called by C code with `tv` null or pointing to a writable `timeval` (the POSIX contract).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gettimeofday(tv: *mut libc::timeval, _tz: *mut libc::c_void) -> libc::c_int {
    if tv.is_null() {
        return 0;
    }
    let us = match VIRTUAL_US.with(Cell::get) {
        Some(us) => us,
        None => {
            let mut ts = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: `ts` is a valid out-pointer for clock_gettime.
            if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) } != 0 {
                return -1;
            }
            (ts.tv_sec as u64).saturating_mul(1_000_000) + (ts.tv_nsec as u64) / 1000
        }
    };
    // SAFETY: `tv` is non-null and points to a writable timeval (POSIX contract).
    unsafe {
        (*tv).tv_sec = (us / 1_000_000) as libc::time_t;
        (*tv).tv_usec = (us % 1_000_000) as libc::suseconds_t;
    }
    0
}

unsafe extern "C" {
    // The symbol as the dynamic linker resolves it for everyone (libssl included).
    #[link_name = "gettimeofday"]
    fn resolved_gettimeofday(tv: *mut libc::timeval, tz: *mut libc::c_void) -> libc::c_int;
}

/// Whether `gettimeofday`, as this process resolves it, follows [`ClockScope`].
pub fn clock_is_virtual() -> bool {
    let _scope = ClockScope::enter(86_400_000);
    let mut tv = libc::timeval {
        tv_sec: 0,
        tv_usec: 0,
    };
    // SAFETY: `tv` is a valid out-pointer.
    let r = unsafe { resolved_gettimeofday(&mut tv, std::ptr::null_mut()) };
    r == 0 && tv.tv_sec == 86_400 && tv.tv_usec == 0
}

const DTLS_CTRL_GET_TIMEOUT: libc::c_int = 73;
const DTLS_CTRL_HANDLE_TIMEOUT: libc::c_int = 74;

/// `DTLSv1_get_timeout`: time left on the DTLS retransmission timer, if it runs (as OpenSSL
/// computes it from `gettimeofday`: call it inside a [`ClockScope`]).
pub fn dtls_get_timeout(ssl: &SslRef) -> Option<Duration> {
    let mut tv = libc::timeval {
        tv_sec: 0,
        tv_usec: 0,
    };
    // SAFETY: `ssl` is a live SSL object; the control writes one timeval to `tv`.
    let r = unsafe {
        ffi::SSL_ctrl(
            ssl.as_ptr(),
            DTLS_CTRL_GET_TIMEOUT,
            0,
            (&mut tv as *mut libc::timeval).cast(),
        )
    };
    (r == 1).then(|| Duration::new(tv.tv_sec.max(0) as u64, (tv.tv_usec.max(0) as u32) * 1000))
}

/// `DTLSv1_handle_timeout`: retransmits if the timer has expired. Returns OpenSSL's result
/// (1: retransmitted, 0: nothing due, -1: error such as too many timeouts). Takes `&SslRef`
/// because that is all an `SslStream` lends; the SSL object is C state the `openssl` crate
/// treats as interior-mutable, and nothing else touches it during the call.
pub fn dtls_handle_timeout(ssl: &SslRef) -> i32 {
    // SAFETY: `ssl` is a live SSL object; the call is on this thread, with no other borrow
    // of the object in use while it runs.
    unsafe { ffi::SSL_ctrl(ssl.as_ptr(), DTLS_CTRL_HANDLE_TIMEOUT, 0, std::ptr::null_mut()) as i32 }
}
