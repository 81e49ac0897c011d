//! Example firmware: a PSK-AES128-CCM_8 client that talks to a DTLS server on the host through
//! UART0 (SLIP frames, bridged to UDP by `dtls-benches`' `slip-bridge` program), sends one
//! message, waits for its echo, closes and reports over semihosting. Built with only the
//! `rustcrypto` + `ccm` features of `dtls`, it is also the image whose flash is reported.
//!
//! PSK identity `device-17`, key 0x1a repeated 16 times (the README's example).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec;

use cortex_m_rt::entry;
use dtls::config::{ClientConfig, Psk};
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{DeterministicRandom, SecureRandom};
use dtls::wire::CipherSuite;
use dtls::{Client, Event, Instant};
use dtls_cortex_m::heap::CountingHeap;
use dtls_cortex_m::uart::{self, FrameReader};
use dtls_cortex_m::{counter, io, out, stack};

#[global_allocator]
static HEAP: CountingHeap = CountingHeap::new();

// No `Debug` formatting anywhere in this image (panic message, enums, errors): it is the
// flash figure of a client, and core::fmt's Debug machinery would be a large part of it.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    out!("panic");
    io::exit(false)
}

const MESSAGE: &[u8] = b"hello from a Cortex-M4";
/// Give up after this much virtual time.
const DEADLINE_MS: u64 = 120_000;

/// Milliseconds of virtual time since start (the timer runs at 25 MHz).
fn now() -> Instant {
    Instant::from_millis(u64::from(counter::ticks()) / 25_000)
}

#[entry]
fn main() -> ! {
    HEAP.init();
    counter::init();
    uart::init();
    // A device would seed from its TRNG; the example's runs are reproducible on purpose.
    let rng: Box<dyn SecureRandom + Send> = Box::new(DeterministicRandom::from_u64(0x5eed));
    let mut config = ClientConfig::new(Arc::new(RustCrypto));
    config.common.cipher_suites = vec![CipherSuite::TLS_PSK_WITH_AES_128_CCM_8];
    let Ok(psk) = Psk::new(b"device-17", &[0x1a; 16]) else {
        io::exit(false)
    };
    config.psk = Some(psk);
    let (ok, stack_used) = stack::peak(|| run(Arc::new(config), rng));
    out!("heap peak {} bytes, stack peak {} bytes", HEAP.peak(), stack_used);
    io::exit(ok)
}

fn run(config: Arc<ClientConfig>, rng: Box<dyn SecureRandom + Send>) -> bool {
    let mut client = match Client::new(config, rng, now()) {
        Ok(c) => c,
        Err(_) => {
            out!("client: configuration refused");
            return false;
        }
    };
    let mut buf = [0u8; 1500];
    let mut rx: FrameReader<1500> = FrameReader::default();
    let mut echoed = false;
    loop {
        while let Some(n) = client.poll_transmit(&mut buf).unwrap_or(None) {
            uart::send_frame(&buf[..n]);
        }
        while let Some(event) = client.poll_event() {
            match event {
                Event::Connected { suite, .. } => {
                    out!("connected: suite 0x{:04x} at {} ms", suite.0, now().as_millis());
                    if client.send(MESSAGE).is_err() {
                        return false;
                    }
                }
                Event::Data(data) => {
                    echoed = data == MESSAGE;
                    out!(
                        "received {} bytes{}",
                        data.len(),
                        if echoed { " (echo matches)" } else { "" }
                    );
                    client.close(now());
                }
                Event::Closed(reason) => {
                    let graceful = matches!(
                        reason,
                        dtls::CloseReason::Graceful | dtls::CloseReason::PeerClosed
                    );
                    out!(
                        "closed: {}",
                        if graceful { "gracefully" } else { "with an error" }
                    );
                    return echoed && graceful;
                }
                _ => {}
            }
        }
        if client.is_closed() {
            return echoed;
        }
        if let Some(n) = rx.poll() {
            client.handle_datagram(now(), &rx.frame()[..n]);
            rx.consume();
            continue;
        }
        let t = now();
        if t.as_millis() > DEADLINE_MS {
            out!("gave up after {} ms", t.as_millis());
            return false;
        }
        if client.poll_timeout().is_some_and(|d| d <= t) {
            client.handle_timeout(t);
        }
    }
}
