//! `Reassembler` against a model. The input declares up to 16 messages (type and length; the
//! body bytes are a fixed function of message_seq and offset) and a sequence of fragments cut
//! from them, plus arbitrary "corrupt" fragments that taint the message_seq they name. Checks:
//! messages come out exactly once, in message_seq order; an untainted message comes out with
//! exactly its type and bytes; buffered bytes and messages never exceed `Limits`; and at the
//! end, a whole retransmission of each next message always completes it, even one a corrupt
//! fragment named first (liveness: a forged fragment cannot block the real message).
#![no_main]

use std::collections::BTreeSet;

use arbitrary::Arbitrary;
use dtls::handshake::{Fragment, Limits, Reassembler, Received};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct MessageSpec {
    msg_type: u8,
    length: u16,
}

#[derive(Arbitrary, Debug)]
enum Op {
    /// A fragment of declared message `msg` with its true bytes.
    Fragment { msg: u8, offset: u16, len: u16 },
    /// An arbitrary fragment; its message_seq is tainted.
    Corrupt {
        seq: u8,
        msg_type: u8,
        length: u16,
        offset: u16,
        body: Vec<u8>,
    },
}

#[derive(Arbitrary, Debug)]
struct Input {
    max_message_len: u16,
    window: u8,
    max_bytes: u16,
    max_ranges: u8,
    messages: Vec<MessageSpec>,
    ops: Vec<Op>,
}

fn byte_of(seq: usize, offset: usize) -> u8 {
    (seq.wrapping_mul(131) ^ offset.wrapping_mul(7) ^ (offset >> 8)) as u8
}

fn body_of(seq: usize, len: usize) -> Vec<u8> {
    (0..len).map(|o| byte_of(seq, o)).collect()
}

struct Checker {
    next: usize,
    tainted: BTreeSet<usize>,
    messages: Vec<(u8, usize)>,
}

impl Checker {
    fn deliver(&mut self, r: &mut Reassembler) {
        while let Some(m) = r.pop() {
            let seq = usize::from(m.message_seq);
            assert_eq!(seq, self.next, "delivered out of order");
            self.next += 1;
            if self.tainted.contains(&seq) {
                continue;
            }
            let &(msg_type, len) = self
                .messages
                .get(seq)
                .unwrap_or_else(|| panic!("message {seq} delivered but never sent"));
            assert_eq!(m.msg_type, msg_type, "type of message {seq}");
            assert_eq!(m.body, body_of(seq, len), "bytes of message {seq}");
        }
        assert_eq!(r.next_expected() as usize, self.next);
    }
}

fuzz_target!(|input: Input| {
    let limits = Limits {
        max_handshake_message_len: u32::from(input.max_message_len % 4097),
        max_buffered_messages: u16::from(input.window % 8),
        max_reassembly_bytes: usize::from(input.max_bytes % 8193),
        max_fragment_ranges: usize::from(input.max_ranges % 9),
        ..Limits::DEFAULT
    };
    let mut r = Reassembler::new(&limits);
    let messages: Vec<(u8, usize)> = input
        .messages
        .iter()
        .take(16)
        .map(|m| (m.msg_type, usize::from(m.length % 2049)))
        .collect();
    let bodies: Vec<Vec<u8>> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| body_of(i, m.1))
        .collect();
    let mut checker = Checker {
        next: 0,
        tainted: BTreeSet::new(),
        messages: messages.clone(),
    };
    for op in input.ops.iter().take(512) {
        match op {
            Op::Fragment { msg, offset, len } => {
                if messages.is_empty() {
                    continue;
                }
                let seq = usize::from(*msg) % messages.len();
                let (msg_type, length) = messages[seq];
                let start = usize::from(*offset).min(length);
                let end = start + usize::from(*len).min(length - start);
                r.insert(Fragment {
                    msg_type,
                    length: length as u32,
                    message_seq: seq as u16,
                    fragment_offset: start as u32,
                    body: &bodies[seq][start..end],
                });
            }
            Op::Corrupt {
                seq,
                msg_type,
                length,
                offset,
                body,
            } => {
                let seq = usize::from(*seq % 20);
                checker.tainted.insert(seq);
                r.insert(Fragment {
                    msg_type: *msg_type,
                    length: u32::from(*length),
                    message_seq: seq as u16,
                    fragment_offset: u32::from(*offset),
                    body,
                });
            }
        }
        assert!(
            r.buffered_bytes() <= limits.max_reassembly_bytes,
            "{} bytes buffered, limit {}",
            r.buffered_bytes(),
            limits.max_reassembly_bytes
        );
        assert!(r.buffered_messages() <= usize::from(limits.max_buffered_messages) + 1);
        checker.deliver(&mut r);
    }
    // Liveness: a whole copy of the next message always completes it, tainted or not.
    while let Some(&(msg_type, length)) = messages.get(checker.next) {
        let seq = checker.next;
        checker.tainted.remove(&seq);
        if length > limits.max_reassembly_bytes || length as u32 > limits.max_handshake_message_len {
            break;
        }
        let got = r.insert(Fragment {
            msg_type,
            length: length as u32,
            message_seq: seq as u16,
            fragment_offset: 0,
            body: &bodies[seq],
        });
        assert_eq!(got, Received::Ready, "whole message {seq} did not complete it");
        checker.deliver(&mut r);
        assert!(checker.next > seq, "message {seq} not delivered");
    }
});
