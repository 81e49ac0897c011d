//! Drives a `Server<u8>` (on the insecure fuzzing provider) through an arbitrary script of
//! datagrams from arbitrary addresses, typed records, time steps, sends, closes and cookie
//! rotations. Checks: no panic, the session table stays within `Limits::max_sessions`, and
//! per peer the events are in order (no Data before Connected, Connected at most once per
//! connection, nothing but a new connection after Closed).
#![no_main]

use dtls::{Duration, Instant};
use dtls_fuzz::{Action, Script, ServerLives};
use libfuzzer_sys::fuzz_target;

/// Few addresses, so scripts revisit the same sessions.
fn addr(peer: u8) -> u8 {
    peer % 4
}

fuzz_target!(|script: Script| {
    let mut server = dtls_fuzz::new_server(script.config);
    let max_sessions = dtls_fuzz::server_config(script.config).common.limits.max_sessions;
    let mtu = script.config.mtu();
    let mut now = Instant::ZERO;
    let mut lives = ServerLives::default();
    let mut buf = vec![0u8; 70_000];
    for action in script.actions {
        match action {
            Action::Datagram { peer, bytes } => server.handle_datagram(now, addr(peer), &bytes),
            Action::Typed { peer, record } => server.handle_datagram(now, addr(peer), &record.to_datagram()),
            Action::TimeStep(ms) => {
                now = now + Duration::from_millis(u64::from(ms));
                server.handle_timeout(now);
            }
            Action::Timeout => {
                if let Some(t) = server.poll_timeout() {
                    now = now.max(t);
                    server.handle_timeout(now);
                }
            }
            Action::Send { peer, bytes } => {
                let _ = server.send(&addr(peer), &bytes);
            }
            Action::Close { peer } => server.close(now, &addr(peer)),
            Action::Rotate => server.rotate_cookie_secret(),
        }
        assert!(
            server.session_count() <= max_sessions,
            "session table over its bound"
        );
        while let Some((_, n)) = server.poll_transmit(&mut buf).unwrap() {
            assert!(n <= mtu, "datagram of {n} bytes over the MTU {mtu}");
        }
        while let Some((peer, event)) = server.poll_event() {
            lives.observe(peer, &event);
        }
    }
});
