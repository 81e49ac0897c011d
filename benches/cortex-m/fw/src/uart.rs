//! CMSDK APB UART0 of mps2-an386 (QEMU connects it to `-serial`), polled, with SLIP framing
//! (RFC 1055) so that each DTLS datagram crosses the byte stream as one frame.

use core::ptr::{read_volatile, write_volatile};

const UART0: usize = 0x4000_4000;
const DATA: usize = UART0;
const STATE: usize = UART0 + 0x4;
const CTRL: usize = UART0 + 0x8;
const BAUDDIV: usize = UART0 + 0x10;
const TX_FULL: u32 = 1;
const RX_FULL: u32 = 2;

const END: u8 = 0xC0;
const ESC: u8 = 0xDB;
const ESC_END: u8 = 0xDC;
const ESC_ESC: u8 = 0xDD;

/// Enables the transmitter and the receiver.
pub fn init() {
    // SAFETY: UART0's registers at their documented addresses; nothing else drives UART0.
    unsafe {
        write_volatile(BAUDDIV as *mut u32, 16);
        write_volatile(CTRL as *mut u32, 0b11);
    }
}

fn put(b: u8) {
    // SAFETY: as in `init`.
    unsafe {
        while read_volatile(STATE as *const u32) & TX_FULL != 0 {}
        write_volatile(DATA as *mut u32, u32::from(b));
    }
}

fn get() -> Option<u8> {
    // SAFETY: as in `init`.
    unsafe {
        if read_volatile(STATE as *const u32) & RX_FULL == 0 {
            return None;
        }
        Some(read_volatile(DATA as *const u32) as u8)
    }
}

/// Sends one datagram as a SLIP frame.
pub fn send_frame(datagram: &[u8]) {
    put(END);
    for &b in datagram {
        match b {
            END => {
                put(ESC);
                put(ESC_END);
            }
            ESC => {
                put(ESC);
                put(ESC_ESC);
            }
            _ => put(b),
        }
    }
    put(END);
}

/// Reassembles SLIP frames from the received bytes; a frame longer than the buffer is dropped
/// whole.
#[derive(Debug)]
pub struct FrameReader<const N: usize> {
    buf: [u8; N],
    len: usize,
    escaped: bool,
    overflow: bool,
}

impl<const N: usize> Default for FrameReader<N> {
    fn default() -> Self {
        FrameReader {
            buf: [0; N],
            len: 0,
            escaped: false,
            overflow: false,
        }
    }
}

impl<const N: usize> FrameReader<N> {
    /// Reads what the UART has; returns the length of a complete frame in
    /// [`frame`](Self::frame) once one ends. Call [`consume`](Self::consume) after using it.
    pub fn poll(&mut self) -> Option<usize> {
        while let Some(b) = get() {
            match (b, self.escaped) {
                (END, _) => {
                    let done = self.len > 0 && !self.overflow;
                    let len = self.len;
                    if !done {
                        self.consume();
                        continue;
                    }
                    return Some(len);
                }
                (ESC, false) => self.escaped = true,
                (b, escaped) => {
                    let b = match (b, escaped) {
                        (ESC_END, true) => END,
                        (ESC_ESC, true) => ESC,
                        (b, _) => b,
                    };
                    self.escaped = false;
                    match self.buf.get_mut(self.len) {
                        Some(slot) => {
                            *slot = b;
                            self.len += 1;
                        }
                        None => self.overflow = true,
                    }
                }
            }
        }
        None
    }

    /// The frame `poll` reported.
    pub fn frame(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Starts the next frame.
    pub fn consume(&mut self) {
        self.len = 0;
        self.escaped = false;
        self.overflow = false;
    }
}
