//! RFC 6347 4.2.3-4.2.6: fragmentation, flights and retransmission, and the Finished
//! computation, checked on the wire between our client and server.

mod common;

use std::collections::BTreeMap;

use common::*;
use dtls::Duration;
use dtls::wire::{CipherSuite, ContentType, split_datagram, split_handshake};

const PSK: CipherSuite = CipherSuite::TLS_PSK_WITH_AES_128_CCM_8;
const ECDHE: CipherSuite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;

/// Fragments of cleartext handshake messages sent by one side, by message_seq: (message
/// length, every (offset, length) seen, in order).
fn fragments(wire: &[(bool, Vec<u8>)], side: bool) -> BTreeMap<u16, (u32, Vec<(u32, u32)>)> {
    let mut out: BTreeMap<u16, (u32, Vec<(u32, u32)>)> = BTreeMap::new();
    for (from_client, d) in wire {
        if *from_client != side {
            continue;
        }
        for r in split_datagram(d).filter_map(Result::ok) {
            if r.header.epoch != 0 || r.header.content_type != ContentType::HANDSHAKE {
                continue;
            }
            for h in split_handshake(r.fragment).filter_map(Result::ok) {
                let e = out
                    .entry(h.header.message_seq)
                    .or_insert((h.header.length, vec![]));
                e.1.push((h.header.fragment_offset, h.header.fragment_length));
            }
        }
    }
    out
}

// catalogue: RFC6347-4.2.3-2, RFC6347-4.2.3-3, RFC6347-4.2.3-4
#[test]
fn fragments_fit_the_mtu_and_cover_each_message_exactly_once() {
    for mtu in [160, 200, 300] {
        let mut c = client_config(ECDHE);
        c.common.mtu = mtu;
        let mut s = server_config(false);
        s.common.mtu = mtu;
        let mut p = Pair::new(c, s, 31);
        p.handshake();
        let mut split = 0;
        for side in [true, false] {
            for (seq, (len, frags)) in fragments(&p.wire, side) {
                // Only the first transmission of each message (no loss here, so all of them).
                let mut covered = vec![0u8; len as usize];
                for (off, flen) in &frags {
                    assert!((*flen as usize) < mtu, "fragment larger than the datagram");
                    for b in &mut covered[*off as usize..(*off + *flen) as usize] {
                        *b += 1;
                    }
                }
                assert!(
                    covered.iter().all(|c| *c == 1),
                    "message {seq} of client={side}: fragments do not cover it exactly once"
                );
                split += usize::from(frags.len() > 1);
            }
        }
        assert!(split > 0, "nothing was fragmented at MTU {mtu}");
    }
}

/// The two sides fragment differently (the server at a small MTU, the client not at all); the
/// handshake completes only if both compute Finished over the messages as if unfragmented.
// catalogue: RFC6347-4.2.6-1
#[test]
fn finished_is_computed_as_if_every_message_were_one_fragment() {
    let c = client_config(ECDHE);
    let mut s = server_config(true);
    s.common.mtu = 180;
    let mut p = Pair::new(c, s, 32);
    p.handshake();
    let server_split = fragments(&p.wire, false).values().any(|(_, f)| f.len() > 1);
    let client_split = fragments(&p.wire, true).values().any(|(_, f)| f.len() > 1);
    assert!(server_split && !client_split);
}

/// ChangeCipherSpec belongs to the flight of its Finished: when the client's final flight is
/// lost, the retransmission carries the ChangeCipherSpec again, with the Finished.
// catalogue: RFC6347-4.2.5-1
#[test]
fn change_cipher_spec_is_retransmitted_with_its_finished() {
    for suite in [PSK, ECDHE] {
        let mut p = Pair::new(client_config(suite), server_config(false), 33);
        let mut dropped = 0;
        p.run(Duration::from_secs(30), &mut |from_client, d| {
            let ccs = headers(d)
                .iter()
                .any(|h| h.content_type == ContentType::CHANGE_CIPHER_SPEC);
            if from_client && ccs && dropped < 2 {
                dropped += 1;
                return false;
            }
            true
        });
        assert!(p.client.is_connected());
        let sent: Vec<_> = p
            .wire
            .iter()
            .filter(|(c, _)| *c)
            .map(|(_, d)| headers(d))
            .filter(|h| {
                h.iter()
                    .any(|h| h.content_type == ContentType::CHANGE_CIPHER_SPEC)
            })
            .collect();
        assert_eq!(
            sent.len(),
            3,
            "the flight with the ChangeCipherSpec, sent three times"
        );
        for h in sent {
            let ccs = h
                .iter()
                .position(|h| h.content_type == ContentType::CHANGE_CIPHER_SPEC)
                .unwrap();
            assert!(
                h[ccs + 1..]
                    .iter()
                    .any(|h| h.epoch == 1 && h.content_type == ContentType::HANDSHAKE),
                "ChangeCipherSpec re-sent without the Finished after it: {h:?}"
            );
        }
    }
}
