//! RFC 6347 4.1 and RFC 5246 6: the record layer as seen on the wire between our client and
//! server: whole records per datagram, sequence numbers, the old epoch during the handshake,
//! application data of the new epoch held until Finished.

mod common;

use common::*;
use dtls::wire::{CipherSuite, ContentType, record_spans};
use dtls::{Duration, Event};

const PSK: CipherSuite = CipherSuite::TLS_PSK_WITH_AES_128_CCM_8;
const ECDHE: CipherSuite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;

fn pair(suite: CipherSuite, mtu: usize, cookies: bool, seed: u64) -> Pair {
    let mut c = client_config(suite);
    c.common.mtu = mtu;
    let mut s = server_config(cookies);
    s.common.mtu = mtu;
    Pair::new(c, s, seed)
}

// catalogue: RFC6347-4.1.1-1, RFC6347-4.2.3-1, RFC5246-6-1
#[test]
fn every_datagram_is_whole_records_within_the_mtu() {
    for suite in [PSK, ECDHE] {
        for mtu in [200, 576, 1200] {
            let mut p = pair(suite, mtu, true, 5);
            p.handshake();
            p.client.send(&vec![7; p.client.max_payload()]).unwrap();
            p.run(Duration::from_secs(1), &mut |_, _| true);
            for (from_client, d) in &p.wire {
                assert!(d.len() <= mtu, "{} > {mtu}", d.len());
                let spans: Vec<_> = record_spans(d).collect();
                assert!(
                    spans.iter().all(Result::is_ok),
                    "a record does not parse: client={from_client}"
                );
                let covered: usize = spans
                    .iter()
                    .map(|s| s.as_ref().unwrap().record_range().len())
                    .sum();
                assert_eq!(
                    covered,
                    d.len(),
                    "a record runs past its datagram or bytes are left over"
                );
            }
        }
    }
}

// catalogue: RFC5246-6.1-1, RFC5246-6.1-2, RFC5246-6.2.1-3, RFC6347-4.2.1-13
#[test]
fn record_sequence_numbers_never_repeat_and_start_at_zero_in_each_new_epoch() {
    for suite in [PSK, ECDHE] {
        // Lose every other datagram for a while so that flights are retransmitted.
        let mut p = pair(suite, 1200, true, 6);
        let mut n = 0;
        p.run(Duration::from_secs(60), &mut |_, _| {
            n += 1;
            n > 8 || n % 2 == 0
        });
        assert!(p.client.is_connected() && p.server_connected());
        assert!(
            p.client.retransmissions() > 0,
            "the lossy start caused no retransmission"
        );
        for side in [true, false] {
            let mut seen = std::collections::BTreeSet::new();
            let mut first_protected = None;
            let mut last: std::collections::BTreeMap<u16, u64> = Default::default();
            for (from_client, d) in &p.wire {
                if *from_client != side {
                    continue;
                }
                for h in headers(d) {
                    assert!(
                        seen.insert((h.epoch, h.sequence_number)),
                        "(epoch {}, sequence {}) sent twice by client={side}",
                        h.epoch,
                        h.sequence_number
                    );
                    // Records leave in the order they were protected: increasing numbers.
                    if let Some(prev) = last.insert(h.epoch, h.sequence_number) {
                        assert!(
                            h.sequence_number > prev,
                            "out of order: {prev} then {}",
                            h.sequence_number
                        );
                    }
                    if h.epoch == 1 && first_protected.is_none() {
                        first_protected = Some(h.sequence_number);
                    }
                }
            }
            assert_eq!(first_protected, Some(0), "first epoch-1 record of client={side}");
        }
    }
}

fn records_of(d: &[u8]) -> Vec<Vec<u8>> {
    record_spans(d)
        .map(|s| d[s.unwrap().record_range()].to_vec())
        .collect()
}

// catalogue: RFC6347-4.1-3
#[test]
fn old_epoch_records_are_accepted_until_the_handshake_completes() {
    let mut p = pair(PSK, 1200, false, 7);
    for d in p.client_sent() {
        p.deliver_to_server(&d);
    }
    for d in p.server_sent() {
        p.deliver_to_client(&d);
    }
    // The client's final flight: ClientKeyExchange (epoch 0), ChangeCipherSpec, Finished
    // (epoch 1). The server gets all but the Finished: it now reads epoch 1, not yet complete.
    let flight5: Vec<Vec<u8>> = p.client_sent().iter().flat_map(|d| records_of(d)).collect();
    for r in flight5.iter().filter(|r| r[3..5] == [0, 0]) {
        p.deliver_to_server(r);
    }
    assert!(!p.server_connected());
    // The client's timer re-sends the flight; its epoch-0 records (new sequence numbers) must
    // still be read by the server, not dropped as an old epoch.
    p.now = p.client.poll_timeout().unwrap();
    p.client.handle_timeout(p.now);
    let resent: Vec<Vec<u8>> = p.client_sent().iter().flat_map(|d| records_of(d)).collect();
    let before = p.server.record_stats(&CLIENT_ADDR).unwrap();
    for r in resent
        .iter()
        .filter(|r| r[3..5] == [0, 0] && r[0] == ContentType::HANDSHAKE.0)
    {
        p.deliver_to_server(r);
    }
    let after = p.server.record_stats(&CLIENT_ADDR).unwrap();
    assert_eq!(
        after.unknown_epoch, before.unknown_epoch,
        "epoch-0 record dropped mid-handshake"
    );
    assert_eq!(after.accepted, before.accepted + 1, "{after:?}");
    for r in resent.iter().filter(|r| r[3..5] != [0, 0]) {
        p.deliver_to_server(r);
    }
    assert!(p.server_connected(), "{:?}", p.server_events);
}

// catalogue: RFC6347-4.1-5, RFC6347-4.2.4-2
#[test]
fn application_data_of_the_new_epoch_waits_for_a_verified_finished() {
    for tamper in [false, true] {
        let mut p = pair(PSK, 1200, false, 8);
        for d in p.client_sent() {
            p.deliver_to_server(&d);
        }
        for d in p.server_sent() {
            p.deliver_to_client(&d);
        }
        for d in p.client_sent() {
            p.deliver_to_server(&d);
        }
        let flight6 = p.server_sent();
        assert!(p.server_connected());
        p.server.send(&CLIENT_ADDR, b"early").unwrap();
        let data = p.server_sent();
        let records: Vec<Vec<u8>> = flight6
            .iter()
            .flat_map(|d| {
                record_spans(d)
                    .map(|s| d[s.unwrap().record_range()].to_vec())
                    .collect::<Vec<_>>()
            })
            .collect();
        // ChangeCipherSpec, then the application data, then (maybe a forged) Finished.
        for r in records
            .iter()
            .filter(|r| r[0] == ContentType::CHANGE_CIPHER_SPEC.0)
        {
            p.deliver_to_client(r);
        }
        for d in &data {
            p.deliver_to_client(d);
        }
        assert!(
            !p.client_events.iter().any(|e| matches!(e, Event::Data(_))),
            "data delivered before Finished"
        );
        for r in records.iter().filter(|r| r[0] == ContentType::HANDSHAKE.0) {
            let mut r = r.clone();
            if tamper {
                let last = r.len() - 1;
                r[last] ^= 1;
            }
            p.deliver_to_client(&r);
        }
        let delivered = p
            .client_events
            .iter()
            .any(|e| *e == Event::Data(b"early".to_vec()));
        assert_eq!(delivered, !tamper, "{:?}", p.client_events);
        assert_eq!(p.client.is_connected(), !tamper);
    }
}

/// RFC 5246 6 asks for an unexpected_message alert on an unknown record type; DTLS drops
/// invalid records silently instead (RFC 6347 4.1.2.7), and so do we: the connection lives on.
// catalogue: RFC5246-6-2, RFC6347-4.1.2.7-1, RFC6347-5-3
#[test]
fn records_of_unknown_content_types_are_dropped_silently() {
    let mut p = pair(PSK, 1200, true, 9);
    p.handshake();
    for epoch in [0u16, 1] {
        let mut d = vec![99, 0xfe, 0xfd];
        d.extend_from_slice(&epoch.to_be_bytes());
        d.extend_from_slice(&[0, 0, 0, 0, 0, 50, 0, 4, 1, 2, 3, 4]);
        p.deliver_to_client(&d);
        p.deliver_to_server(&d);
    }
    assert!(p.client_sent().is_empty(), "no alert from the client");
    assert!(p.server_sent().is_empty(), "no alert from the server");
    p.client.send(b"alive").unwrap();
    p.run(Duration::from_secs(1), &mut |_, _| true);
    assert_eq!(p.server_events.last(), Some(&Event::Data(b"alive".to_vec())));
    assert!(p.client.is_connected());
}

// catalogue: RFC5246-6.2.1-2
#[test]
fn no_empty_handshake_alert_or_change_cipher_spec_record_is_sent() {
    for (suite, overhead) in [(PSK, 16), (ECDHE, 24)] {
        let mut p = pair(suite, 200, true, 10);
        p.handshake();
        p.client.close(p.now);
        p.run(Duration::from_secs(1), &mut |_, _| true);
        for (_, d) in &p.wire {
            for h in headers(d) {
                let min = if h.epoch == 0 { 1 } else { overhead + 1 };
                assert!(
                    usize::from(h.length) >= min,
                    "{} record of {} bytes in epoch {}",
                    h.content_type,
                    h.length,
                    h.epoch
                );
            }
        }
        // The handshake did fragment messages at this MTU, so the check saw fragments.
        let fragmented = p.wire.iter().any(|(_, d)| {
            dtls::wire::split_datagram(d).filter_map(Result::ok).any(|r| {
                r.header.epoch == 0
                    && dtls::wire::split_handshake(r.fragment)
                        .filter_map(Result::ok)
                        .any(|h| h.header.fragment_length < h.header.length)
            })
        });
        assert_eq!(fragmented, suite == ECDHE);
    }
}
