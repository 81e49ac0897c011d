//! Sealing and opening records never touches the heap: ciphers are built once per epoch and
//! records are processed in the caller's buffers.
//!
//! A global allocator is per binary, so this is a test binary of its own, and it runs without
//! the libtest harness (`harness = false` in Cargo.toml): the harness's main thread allocates
//! while the test thread runs (it was seen to land 4 allocations inside the measured region),
//! and `stats_alloc` counts process-wide. `stats_alloc` wraps the system allocator and counts
//! every call; it is a safe `GlobalAlloc` wrapper, so this file needs no `unsafe`.

mod common;
mod record_support;

use std::alloc::System;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

use common::TestRng;
use record_support::{SUITES, payload};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const RECORDS: usize = 1000;
const APPLICATION_DATA: u8 = 23;

fn main() {
    sealing_and_opening_records_does_not_allocate();
    println!(
        "record_no_alloc: {} ciphers x {RECORDS} records sealed and opened without the heap: ok",
        SUITES.len()
    );
}

fn sealing_and_opening_records_does_not_allocate() {
    // Sanity check that the counter sees allocations at all.
    let region = Region::new(GLOBAL);
    let v = std::hint::black_box(vec![0u8; 100]);
    assert!(region.change().allocations >= 1, "stats_alloc is not counting");
    drop(v);

    for suite in SUITES {
        // Setup, outside the measured region: ciphers (key expansion, boxing) and buffers.
        let (mut sender, mut receiver) = suite.pair(1);
        let mut rng = TestRng(99);
        let sizes = [0usize, 1, 64, 1024, 1400];
        let payloads: Vec<Vec<u8>> = sizes.iter().map(|&n| payload(n, n as u8)).collect();
        let mut buf = vec![0u8; 2048];
        let offset = sender.plaintext_offset(1).unwrap();
        let mut opened_bytes = 0usize;

        let region = Region::new(GLOBAL);
        for i in 0..RECORDS {
            let data = &payloads[i % payloads.len()];
            // Alternate the copying and the in-place sealing APIs.
            let len = if i % 2 == 0 {
                sender
                    .seal(1, APPLICATION_DATA, data, &mut buf, &mut rng)
                    .unwrap()
            } else {
                buf[offset..offset + data.len()].copy_from_slice(data);
                sender
                    .seal_in_place(1, APPLICATION_DATA, &mut buf, data.len(), &mut rng)
                    .unwrap()
            };
            let opened = receiver.open(&mut buf[..len]).unwrap();
            assert!(buf[opened.plaintext.clone()] == data[..]);
            opened_bytes += opened.plaintext.len();
            // A dropped record (here a replay) must not allocate either.
            assert!(receiver.open(&mut buf[..len]).is_err());
        }
        let change = region.change();

        assert_eq!(receiver.stats().accepted, RECORDS as u64);
        assert_eq!(receiver.stats().replayed, RECORDS as u64);
        assert!(opened_bytes > 0);
        assert_eq!(
            (change.allocations, change.reallocations, change.deallocations),
            (0, 0, 0),
            "{}: heap used while sealing and opening {RECORDS} records: {change:?}",
            suite.name
        );
    }
}
