//! A ClientHello flood from 10,000 spoofed addresses: the server answers each statelessly and
//! its memory stays flat (no per-peer allocation survives the answer). Its own binary because it
//! installs a counting global allocator.

mod common;

use std::alloc::System;
use std::sync::Arc;

use common::*;
use dtls::wire::CipherSuite;
use dtls::{Client, Instant, Server};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn main() {
    let mut server: Server<u32> =
        Server::new(Arc::new(server_config(true, 1200)), Box::new(TestRng(3))).unwrap();
    // Real ClientHellos (without cookies) from 100 different clients, replayed from 10,000
    // spoofed addresses.
    let hellos: Vec<Vec<u8>> = (0..100)
        .map(|i| {
            let mut c = Client::new(
                Arc::new(client_config(CipherSuite::TLS_PSK_WITH_AES_128_CCM_8, 1200)),
                Box::new(TestRng(1000 + i)),
                Instant::ZERO,
            )
            .unwrap();
            let mut buf = vec![0u8; 2000];
            let n = c.poll_transmit(&mut buf).unwrap().unwrap();
            buf[..n].to_vec()
        })
        .collect();
    let mut out = vec![0u8; 2000];
    let mut answered = 0u64;
    let mut flood = |server: &mut Server<u32>, from: u32, to: u32| {
        for addr in from..to {
            server.handle_datagram(Instant::ZERO, addr, &hellos[addr as usize % hellos.len()]);
            while server.poll_transmit(&mut out).unwrap().is_some() {
                answered += 1;
            }
        }
    };
    // Warm up (lazily grown queues reach their working size), then measure.
    flood(&mut server, 0, 100);
    let region = Region::new(GLOBAL);
    flood(&mut server, 100, 10_000);
    let change = region.change();
    let net = change.bytes_allocated as i64 - change.bytes_deallocated as i64;
    assert_eq!(server.session_count(), 0, "no session without a valid cookie");
    assert_eq!(server.stats().hello_verify_requests, 10_000);
    assert_eq!(answered, 10_000);
    assert!(
        net <= 0,
        "memory grew by {net} bytes over 9,900 spoofed hellos: {change:?}"
    );
    println!("flood_memory: 9,900 spoofed ClientHellos, 0 sessions, net heap change {net} bytes: ok");
}
