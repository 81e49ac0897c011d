//! Peak stack by painting: fill the unused stack below the current frame with a pattern, run
//! the code, and find the lowest word that no longer holds the pattern.

/// How far below the caller's frame the paint goes (the deepest stack we can report).
pub const PAINT_BYTES: usize = 96 * 1024;
const PATTERN: u32 = 0xA5C3_5A3C;

fn sp() -> usize {
    let sp: usize;
    // SAFETY: reads the stack pointer.
    unsafe { core::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack)) };
    sp
}

/// Runs `f` and returns its result with the bytes of stack it used below this frame.
#[inline(never)]
pub fn peak<R>(f: impl FnOnce() -> R) -> (R, usize) {
    // Leave a margin for this function's own frame and the painting loop.
    let top = (sp() - 256) & !3;
    let bottom = top - PAINT_BYTES;
    let mut a = bottom;
    while a < top {
        // SAFETY: memory between the stack's current depth and PAINT_BYTES below it is unused
        // stack (the memory map leaves 4 MiB of RAM above the heap and statics); no interrupt
        // handler runs during measurements.
        unsafe { core::ptr::write_volatile(a as *mut u32, PATTERN) };
        a += 4;
    }
    let r = f();
    let mut low = bottom;
    // SAFETY: reads back the painted region.
    while low < top && unsafe { core::ptr::read_volatile(low as *const u32) } == PATTERN {
        low += 4;
    }
    (r, top + 256 - low)
}
