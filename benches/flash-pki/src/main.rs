//! A firmware image that links a DTLS client and server with certificate suites, and (with the
//! `x509` feature) chain validation as the client's verifier. Comparing `arm-none-eabi-size`
//! of the two builds gives the flash the X.509 path adds. It never runs; inputs go through
//! `black_box` so nothing is folded away.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec;
use core::hint::black_box;
use core::panic::PanicInfo;

// The critical-section implementation embedded-alloc needs.
use cortex_m as _;
use cortex_m_rt::entry;
use dtls::config::{CertifiedKey, ClientConfig, ServerConfig};
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{CryptoProvider, DeterministicRandom, SignatureScheme};
use dtls::{Client, Instant, Server};
use embedded_alloc::LlffHeap as Heap;

#[global_allocator]
static HEAP: Heap = Heap::empty();

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    loop {}
}

static INPUT: [u8; 64] = [0; 64];

fn bytes() -> alloc::vec::Vec<u8> {
    black_box(&INPUT[..]).to_vec()
}

#[cfg(feature = "x509")]
fn verifier(provider: Arc<RustCrypto>) -> Arc<dyn dtls::config::CertificateVerifier> {
    use dtls::pki::{FixedTime, TrustStore, ValidityCheck, WebPkiVerifier};
    let mut roots = TrustStore::new();
    let _ = roots.add(&bytes());
    Arc::new(WebPkiVerifier::new(
        provider,
        roots,
        ValidityCheck::at(FixedTime(black_box(0))),
    ))
}

#[cfg(not(feature = "x509"))]
fn verifier(_: Arc<RustCrypto>) -> Arc<dyn dtls::config::CertificateVerifier> {
    Arc::new(dtls::config::PinnedCertificates {
        leaves: vec![bytes()],
    })
}

#[entry]
fn main() -> ! {
    {
        use core::mem::MaybeUninit;
        const SIZE: usize = 64 * 1024;
        static mut MEMORY: [MaybeUninit<u8>; SIZE] = [MaybeUninit::uninit(); SIZE];
        // SAFETY: called once, before any allocation.
        unsafe { HEAP.init(&raw mut MEMORY as usize, SIZE) }
    }
    let provider = Arc::new(RustCrypto);
    let mut buf = [0u8; 1500];

    let mut client_config = ClientConfig::new(provider.clone());
    client_config.verifier = Some(verifier(provider.clone()));
    if let Ok(mut client) = Client::new(
        Arc::new(client_config),
        Box::new(DeterministicRandom::from_u64(black_box(1))),
        Instant::ZERO,
    ) {
        client.handle_datagram(Instant::ZERO, &bytes());
        while let Some(n) = client.poll_transmit(&mut buf).unwrap_or(None) {
            black_box(&buf[..n]);
        }
    }

    let mut server_config = ServerConfig::new(provider.clone());
    if let Ok(key) = provider.signing_key(SignatureScheme::EcdsaP256Sha256, &bytes()) {
        server_config.certificate = Some(Arc::new(CertifiedKey {
            chain: vec![bytes()],
            key,
        }));
    }
    if let Ok(mut server) = Server::<u32>::new(
        Arc::new(server_config),
        Box::new(DeterministicRandom::from_u64(black_box(2))),
    ) {
        server.handle_datagram(Instant::ZERO, 7, &bytes());
        while let Some((_, n)) = server.poll_transmit(&mut buf).unwrap_or(None) {
            black_box(&buf[..n]);
        }
    }
    loop {}
}
