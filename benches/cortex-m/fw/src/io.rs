//! Semihosting: figures out, arguments in, exit status.

use core::fmt::Write;

use cortex_m_semihosting::{debug, hio, nr};

/// Writes a line to the host's standard output.
pub fn line(args: core::fmt::Arguments<'_>) {
    if let Ok(mut out) = hio::hstdout() {
        let _ = out.write_fmt(args);
        let _ = out.write_str("\n");
    }
}

/// `println!` over semihosting.
#[macro_export]
macro_rules! out {
    ($($t:tt)*) => { $crate::io::line(format_args!($($t)*)) };
}

/// Ends QEMU with success or failure.
pub fn exit(ok: bool) -> ! {
    debug::exit(if ok {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    #[allow(clippy::empty_loop)]
    loop {}
}

/// The semihosting command line (QEMU's `-semihosting-config arg=...` joined by spaces).
pub fn cmdline(buf: &mut [u8]) -> &str {
    let mut block = [buf.as_mut_ptr() as usize, buf.len()];
    // SAFETY: SYS_GET_CMDLINE writes at most `len` bytes into `buf` and the length into block[1].
    let r = unsafe { cortex_m_semihosting::syscall(nr::GET_CMDLINE, &mut block) };
    if r != 0 {
        return "";
    }
    core::str::from_utf8(buf.get(..block[1]).unwrap_or(&[])).unwrap_or("")
}
