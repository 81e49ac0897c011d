//! `ReplayWindow` against a model: the set of sequence numbers received, with the RFC 6347
//! 4.1.2.6 window semantics (anything more than 63 below the highest received is too old,
//! anything received is a duplicate, everything else is fresh).
#![no_main]

use std::collections::BTreeSet;

use arbitrary::Arbitrary;
use dtls::record::{ReplayCheck, ReplayWindow, WINDOW_SIZE};
use libfuzzer_sys::fuzz_target;

/// Record sequence numbers are 48-bit.
const MAX_SEQ: u64 = (1 << 48) - 1;

#[derive(Arbitrary, Debug)]
enum Seq {
    /// Anywhere in the 48-bit space.
    Absolute(u64),
    /// Near the highest seen so far (where the interesting edges are).
    Relative(i8),
}

#[derive(Arbitrary, Debug)]
enum Op {
    /// Only classify.
    Check(Seq),
    /// Record as received (what the record layer does after a record authenticates).
    Update(Seq),
    /// Classify, and record if fresh (the record layer's normal path).
    Receive(Seq),
}

#[derive(Default)]
struct Model {
    seen: BTreeSet<u64>,
}

impl Model {
    fn highest(&self) -> Option<u64> {
        self.seen.last().copied()
    }

    fn check(&self, seq: u64) -> ReplayCheck {
        match self.highest() {
            None => ReplayCheck::Fresh,
            Some(h) if seq > h => ReplayCheck::Fresh,
            Some(h) if h - seq >= WINDOW_SIZE => ReplayCheck::TooOld,
            Some(_) if self.seen.contains(&seq) => ReplayCheck::Duplicate,
            Some(_) => ReplayCheck::Fresh,
        }
    }

    fn update(&mut self, seq: u64) {
        self.seen.insert(seq);
        // Entries that fell out of the window no longer change any answer.
        if let Some(h) = self.highest() {
            let floor = h.saturating_sub(WINDOW_SIZE);
            self.seen = self.seen.split_off(&floor);
        }
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let mut window = ReplayWindow::new();
    let mut model = Model::default();
    for op in ops.into_iter().take(4096) {
        let resolve = |s: &Seq| -> u64 {
            match s {
                Seq::Absolute(v) => v & MAX_SEQ,
                Seq::Relative(d) => {
                    let h = model.highest().unwrap_or(0) as i128;
                    (h + i128::from(*d)).clamp(0, i128::from(MAX_SEQ)) as u64
                }
            }
        };
        match &op {
            Op::Check(s) => {
                let seq = resolve(s);
                assert_eq!(
                    window.check(seq),
                    model.check(seq),
                    "check({seq}) after {:?}",
                    model.seen
                );
            }
            Op::Update(s) => {
                let seq = resolve(s);
                window.update(seq);
                model.update(seq);
            }
            Op::Receive(s) => {
                let seq = resolve(s);
                let got = window.check(seq);
                assert_eq!(got, model.check(seq), "receive({seq}) after {:?}", model.seen);
                if got == ReplayCheck::Fresh {
                    window.update(seq);
                    model.update(seq);
                    assert_eq!(window.check(seq), ReplayCheck::Duplicate, "{seq} accepted twice");
                }
            }
        }
        assert_eq!(window.highest(), model.highest(), "highest after {op:?}");
    }
});
