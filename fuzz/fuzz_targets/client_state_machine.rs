//! Drives a `Client` (on the insecure fuzzing provider) through an arbitrary script of
//! datagrams, typed records, time steps, sends and closes. Checks: no panic, events in order
//! (no Data before Connected, Connected at most once, nothing after Closed), the state flags
//! agree with the events, and every datagram fits the MTU.
#![no_main]

use dtls::{Duration, Instant};
use dtls_fuzz::{Action, Life, Script};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|script: Script| {
    let mut client = dtls_fuzz::new_client(script.config);
    let mtu = script.config.mtu();
    let mut now = Instant::ZERO;
    let mut life = Life::default();
    let mut buf = vec![0u8; 70_000];
    for action in script.actions {
        match action {
            Action::Datagram { bytes, .. } => client.handle_datagram(now, &bytes),
            Action::Typed { record, .. } => client.handle_datagram(now, &record.to_datagram()),
            Action::TimeStep(ms) => {
                now = now + Duration::from_millis(u64::from(ms));
                client.handle_timeout(now);
            }
            Action::Timeout => {
                if let Some(t) = client.poll_timeout() {
                    now = now.max(t);
                    client.handle_timeout(now);
                }
            }
            Action::Send { bytes, .. } => {
                let fits = bytes.len() <= client.max_payload();
                if client.send(&bytes).is_ok() {
                    assert!(client.is_connected(), "send succeeded while not connected");
                    assert!(fits, "send of {} bytes over max_payload succeeded", bytes.len());
                }
            }
            Action::Close { .. } => client.close(now),
            Action::Rotate => {}
        }
        while let Some(n) = client.poll_transmit(&mut buf).unwrap() {
            assert!(n <= mtu, "datagram of {n} bytes over the MTU {mtu}");
        }
        while let Some(event) = client.poll_event() {
            life.observe(&event, "client");
        }
        if client.is_connected() {
            assert_eq!(life, Life::Connected, "is_connected without a Connected event");
        }
    }
});
