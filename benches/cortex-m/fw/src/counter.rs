//! Deterministic instruction counts from the CMSDK APB timer 0 under `qemu -icount shift=5`.

use core::ptr::{read_volatile, write_volatile};

/// CMSDK APB timer 0 on mps2-an386.
const TIMER0: usize = 0x4000_0000;
const CTRL: usize = TIMER0;
const VALUE: usize = TIMER0 + 0x4;
const RELOAD: usize = TIMER0 + 0x8;

/// Virtual nanoseconds per instruction at `-icount shift=5`.
pub const NS_PER_INSTRUCTION: u64 = 32;
/// Nanoseconds per timer tick (the board's 25 MHz peripheral clock).
pub const NS_PER_TICK: u64 = 40;

/// Starts the 32-bit down-counter from its top; it wraps after 2^32 ticks (about 5.4 billion
/// instructions), far beyond any measured region.
pub fn init() {
    // SAFETY: the timer's registers at their documented addresses; nothing else uses them.
    unsafe {
        write_volatile(CTRL as *mut u32, 0);
        write_volatile(RELOAD as *mut u32, u32::MAX);
        write_volatile(VALUE as *mut u32, u32::MAX);
        write_volatile(CTRL as *mut u32, 1);
    }
}

/// Ticks since [`init`].
#[inline(always)]
pub fn ticks() -> u32 {
    // SAFETY: a read of the timer's current value register.
    u32::MAX - unsafe { read_volatile(VALUE as *const u32) }
}

/// Converts ticks to instructions (rounded to the nearest).
pub fn to_instructions(ticks: u64) -> u64 {
    (ticks * NS_PER_TICK + NS_PER_INSTRUCTION / 2) / NS_PER_INSTRUCTION
}

static mut OVERHEAD: u64 = 0;

/// Instructions spent in `f`, minus the cost of an empty measurement.
#[inline(never)]
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let start = ticks();
    let r = f();
    let end = ticks();
    let raw = to_instructions(u64::from(end.wrapping_sub(start)));
    // SAFETY: single-threaded firmware; written once by `calibrate` before any measurement.
    let overhead = unsafe { OVERHEAD };
    (r, raw.saturating_sub(overhead))
}

/// A loop of exactly `1 + 2 * n` instructions (one `movs`... plus `subs` + `bne` per turn).
#[inline(never)]
fn known_loop(n: u32) {
    // SAFETY: register-only arithmetic.
    unsafe {
        core::arch::asm!(
            "2:",
            "subs {0}, {0}, #1",
            "bne 2b",
            inout(reg) n => _,
            options(nomem, nostack),
        );
    }
}

/// What [`calibrate`] found.
#[derive(Debug, Clone, Copy)]
pub struct Calibration {
    /// Instructions of the empty measurement (subtracted from every figure).
    pub overhead: u64,
    /// Instructions counted for the known loop of `expected` instructions (overhead removed).
    pub counted: u64,
    /// What the loop executes.
    pub expected: u64,
}

/// Measures the overhead of an empty region and checks the tick-to-instruction ratio on a
/// loop of known length (200,001 instructions plus call overhead).
pub fn calibrate() -> Calibration {
    let (_, overhead) = measure(|| ());
    // SAFETY: single-threaded; no measurement runs concurrently.
    unsafe { OVERHEAD = overhead };
    let n = 100_000u32;
    let (_, with_call) = measure(|| known_loop(n));
    let (_, empty_call) = measure(|| known_loop(1));
    Calibration {
        overhead,
        counted: with_call - empty_call,
        expected: 2 * u64::from(n - 1),
    }
}
