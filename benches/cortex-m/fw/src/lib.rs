//! Support for the firmware images: instruction counting, a counting heap, stack painting,
//! semihosting output and arguments. The binaries in `src/bin/` use it.
//!
//! Counting: QEMU runs with `-icount shift=5`, so every guest instruction advances virtual time
//! by 32 ns, and the CMSDK timer 0 of mps2-an386 (25 MHz, 40 ns per tick) counts that virtual
//! time. One tick is therefore 1.25 instructions; [`counter::calibrate`] checks the ratio on a
//! loop of known length at start-up. The figures are instruction counts, not cycles.
#![no_std]

extern crate alloc;

pub mod counter;
pub mod heap;
pub mod io;
#[cfg(feature = "c-peers")]
pub mod peers;
pub mod stack;
pub mod uart;
