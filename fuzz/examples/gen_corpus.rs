//! Writes seed corpora from real handshakes on the fuzzing provider: for each configuration,
//! a client and a server complete a handshake, exchange data and close; every datagram one
//! side received becomes a step of that side's state-machine script (so the seed replays the
//! whole handshake in the target), and every datagram, handshake fragment and message body
//! becomes a `wire_parsers` seed.
//!
//! Run through `gen_corpus.sh` (it passes `--cfg fuzzing`, without which the fuzzing provider
//! does not exist).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use dtls::Event;
use dtls::Instant;
use dtls::wire::{split_datagram, split_handshake};
use dtls_fuzz::{Action, ConfigByte, Script};

/// Suites 0..9 at the default MTU, a small-MTU run, a run without cookies, one without EMS.
const CONFIGS: [u8; 14] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0f, 0x10, 0x45, 0x80,
];

fn write(dir: &Path, name: &str, bytes: &[u8], seen: &mut BTreeSet<Vec<u8>>) {
    if seen.insert(bytes.to_vec()) {
        fs::write(dir.join(name), bytes).expect("write seed");
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for t in ["client_state_machine", "server_state_machine", "wire_parsers"] {
        fs::create_dir_all(root.join(t)).expect("corpus dir");
    }
    let mut seen = BTreeSet::new();
    let mut wire_count = 0;
    for cfg in CONFIGS.map(ConfigByte) {
        let mut client = dtls_fuzz::new_client(cfg);
        let mut server = dtls_fuzz::new_server(cfg);
        let now = Instant::ZERO;
        let mut to_client = Vec::new();
        let mut to_server = Vec::new();
        let mut datagrams = Vec::new();
        let mut buf = vec![0u8; 70_000];
        let (mut client_connected, mut server_connected) = (false, false);
        let (mut sent_client_data, mut sent_server_data, mut closed) = (false, false, false);
        for _round in 0..64 {
            let mut moved = false;
            while let Some(n) = client.poll_transmit(&mut buf).unwrap() {
                let d = buf[..n].to_vec();
                server.handle_datagram(now, 0, &d);
                to_server.push(Action::Datagram {
                    peer: 0,
                    bytes: d.clone(),
                });
                datagrams.push(d);
                moved = true;
            }
            while let Some((_, n)) = server.poll_transmit(&mut buf).unwrap() {
                let d = buf[..n].to_vec();
                client.handle_datagram(now, &d);
                to_client.push(Action::Datagram {
                    peer: 0,
                    bytes: d.clone(),
                });
                datagrams.push(d);
                moved = true;
            }
            while let Some(e) = client.poll_event() {
                client_connected |= matches!(e, Event::Connected { .. });
            }
            while let Some((_, e)) = server.poll_event() {
                server_connected |= matches!(e, Event::Connected { .. });
            }
            if moved {
                continue;
            }
            if client_connected && server_connected && !sent_client_data {
                client.send(b"ping from the client").expect("client send");
                to_client.push(Action::Send {
                    peer: 0,
                    bytes: b"ping from the client".to_vec(),
                });
                sent_client_data = true;
            } else if sent_client_data && !sent_server_data {
                server.send(&0, b"pong from the server").expect("server send");
                to_server.push(Action::Send {
                    peer: 0,
                    bytes: b"pong from the server".to_vec(),
                });
                sent_server_data = true;
            } else if sent_server_data && !closed {
                client.close(now);
                to_client.push(Action::Close { peer: 0 });
                closed = true;
            } else {
                break;
            }
        }
        assert!(
            client_connected && server_connected,
            "config {cfg:?} did not connect"
        );
        let c = Script {
            config: cfg,
            actions: to_client,
        }
        .encode();
        let s = Script {
            config: cfg,
            actions: to_server,
        }
        .encode();
        write(
            &root.join("client_state_machine"),
            &format!("handshake-{:02x}", cfg.0),
            &c,
            &mut seen,
        );
        write(
            &root.join("server_state_machine"),
            &format!("handshake-{:02x}", cfg.0),
            &s,
            &mut seen,
        );

        // wire_parsers seeds: selector byte, then the input (see the target).
        let dir = root.join("wire_parsers");
        for d in &datagrams {
            let mut seed = vec![0u8];
            seed.extend_from_slice(d);
            write(&dir, &format!("datagram-{wire_count:03}"), &seed, &mut seen);
            wire_count += 1;
            for rec in split_datagram(d).map_while(Result::ok) {
                // Epoch > 0 records are transparent: 8-byte nonce, plaintext, 16-byte tag.
                let plain = if rec.header.epoch == 0 {
                    rec.fragment
                } else {
                    let end = rec.fragment.len().saturating_sub(16);
                    rec.fragment.get(8..end).unwrap_or(&[])
                };
                if rec.header.content_type.0 != 22 {
                    continue;
                }
                let mut seed = vec![2u8];
                seed.extend_from_slice(plain);
                write(&dir, &format!("fragments-{wire_count:03}"), &seed, &mut seen);
                wire_count += 1;
                for frag in split_handshake(plain).map_while(Result::ok) {
                    if !frag.header.is_consistent() || frag.header.fragment_offset != 0 {
                        continue;
                    }
                    // Message body with every key exchange selector that parses it.
                    for kx in 0..5u8 {
                        let mut seed = vec![3u8, frag.header.msg_type.0, kx];
                        seed.extend_from_slice(frag.body);
                        if dtls::wire::HandshakeMessage::parse(
                            frag.header.msg_type,
                            frag.body,
                            [
                                None,
                                Some(dtls::wire::KeyExchangeKind::Psk),
                                Some(dtls::wire::KeyExchangeKind::Ecdhe),
                                Some(dtls::wire::KeyExchangeKind::EcdhePsk),
                                Some(dtls::wire::KeyExchangeKind::Rsa),
                            ][usize::from(kx)],
                        )
                        .is_ok()
                        {
                            write(&dir, &format!("message-{wire_count:03}"), &seed, &mut seen);
                            wire_count += 1;
                        }
                    }
                    let typed = match frag.header.msg_type.0 {
                        1 => Some(8u8),
                        2 => Some(9),
                        3 => Some(10),
                        11 => Some(11),
                        13 => Some(12),
                        20 => Some(17),
                        _ => None,
                    };
                    if let Some(sel) = typed {
                        let mut seed = vec![sel];
                        seed.extend_from_slice(frag.body);
                        write(&dir, &format!("body-{wire_count:03}"), &seed, &mut seen);
                        wire_count += 1;
                    }
                }
            }
        }
        println!(
            "config {:02x}: client seed {} bytes, server seed {} bytes",
            cfg.0,
            c.len(),
            s.len()
        );
    }
}
