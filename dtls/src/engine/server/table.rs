//! The server's bounded session table: sessions boxed in a slab and named by a
//! [`SessionId`], an index from peer address to the sessions of that address, and one
//! ordered queue of session deadlines, so finding the next deadline and the sessions due are
//! O(log n) rather than a scan of every session.
//!
//! Sessions are found by id, not by address: the address index is one way in, and a later
//! Connection ID index (RFC 9146) is meant to be another, so a session can survive an address
//! change.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use crate::time::Instant;

/// A session's name in the table; stable while the session exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct SessionId(u32);

/// The sessions of one peer address. RFC 6347 4.2.8: a client that restarts from the same
/// address starts a new handshake while its old session is still established; the new one
/// is `pending` until it completes and replaces `current`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct AddressSessions {
    pub(crate) current: Option<SessionId>,
    pub(crate) pending: Option<SessionId>,
}

/// What the table needs to know of an entry.
pub(crate) trait Scheduled {
    /// The entry's next deadline, if any.
    fn next_deadline(&self) -> Option<Instant>;
}

struct Entry<A, S> {
    peer: A,
    /// The deadline the entry is filed under in the queue.
    filed: Option<Instant>,
    session: Box<S>,
}

/// Sessions by id, by address and by deadline.
pub(crate) struct SessionTable<A, S> {
    slots: Vec<Option<Entry<A, S>>>,
    free: Vec<u32>,
    by_address: BTreeMap<A, AddressSessions>,
    deadlines: BTreeSet<(Instant, SessionId)>,
    len: usize,
}

impl<A: Ord + Clone, S: Scheduled> SessionTable<A, S> {
    pub(crate) fn new() -> Self {
        SessionTable {
            slots: Vec::new(),
            free: Vec::new(),
            by_address: BTreeMap::new(),
            deadlines: BTreeSet::new(),
            len: 0,
        }
    }

    /// Sessions in the table.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The sessions of `peer`.
    pub(crate) fn at(&self, peer: &A) -> AddressSessions {
        self.by_address.get(peer).copied().unwrap_or_default()
    }

    /// Adds a session for `peer` (not yet attached to the address index; see
    /// [`set_current`](Self::set_current) and [`set_pending`](Self::set_pending)).
    pub(crate) fn insert(&mut self, peer: A, session: Box<S>) -> Option<SessionId> {
        let entry = Entry {
            peer,
            filed: None,
            session,
        };
        let id = match self.free.pop() {
            Some(i) => {
                let slot = self.slots.get_mut(usize::try_from(i).ok()?)?;
                *slot = Some(entry);
                SessionId(i)
            }
            None => {
                let i = u32::try_from(self.slots.len()).ok()?;
                self.slots.push(Some(entry));
                SessionId(i)
            }
        };
        self.len += 1;
        self.reschedule(id);
        Some(id)
    }

    pub(crate) fn set_current(&mut self, peer: &A, id: Option<SessionId>) {
        self.update_address(peer, |a| a.current = id);
    }

    pub(crate) fn set_pending(&mut self, peer: &A, id: Option<SessionId>) {
        self.update_address(peer, |a| a.pending = id);
    }

    fn update_address(&mut self, peer: &A, f: impl FnOnce(&mut AddressSessions)) {
        let entry = self.by_address.entry(peer.clone()).or_default();
        f(entry);
        if *entry == AddressSessions::default() {
            self.by_address.remove(peer);
        }
    }

    fn entry(&self, id: SessionId) -> Option<&Entry<A, S>> {
        self.slots.get(usize::try_from(id.0).ok()?)?.as_ref()
    }

    fn entry_mut(&mut self, id: SessionId) -> Option<&mut Entry<A, S>> {
        self.slots.get_mut(usize::try_from(id.0).ok()?)?.as_mut()
    }

    pub(crate) fn get(&self, id: SessionId) -> Option<&S> {
        self.entry(id).map(|e| &*e.session)
    }

    /// The session and its peer address. Call [`reschedule`](Self::reschedule) after
    /// anything that may move its deadline.
    pub(crate) fn get_mut(&mut self, id: SessionId) -> Option<(&A, &mut S)> {
        self.entry_mut(id).map(|e| (&e.peer, &mut *e.session))
    }

    /// Every session, for totals.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &S> {
        self.slots.iter().flatten().map(|e| &*e.session)
    }

    /// Removes a session, its deadline and its place in the address index.
    pub(crate) fn remove(&mut self, id: SessionId) -> Option<(A, Box<S>)> {
        let entry = self.slots.get_mut(usize::try_from(id.0).ok()?)?.take()?;
        if let Some(at) = entry.filed {
            self.deadlines.remove(&(at, id));
        }
        self.update_address(&entry.peer, |a| {
            if a.current == Some(id) {
                a.current = None;
            }
            if a.pending == Some(id) {
                a.pending = None;
            }
        });
        self.free.push(id.0);
        self.len = self.len.saturating_sub(1);
        Some((entry.peer, entry.session))
    }

    /// Files the session under its current next deadline.
    pub(crate) fn reschedule(&mut self, id: SessionId) {
        let Some(entry) = self.entry_mut(id) else {
            return;
        };
        let next = entry.session.next_deadline();
        let old = core::mem::replace(&mut entry.filed, next);
        if old == next {
            return;
        }
        if let Some(at) = old {
            self.deadlines.remove(&(at, id));
        }
        if let Some(at) = next {
            self.deadlines.insert((at, id));
        }
    }

    /// The earliest deadline of any session.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.first().map(|(at, _)| *at)
    }

    /// The sessions whose deadline has come, each once, earliest first.
    pub(crate) fn due(&self, now: Instant) -> Vec<SessionId> {
        self.deadlines
            .iter()
            .take_while(|(at, _)| *at <= now)
            .map(|(_, id)| *id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct S(Option<Instant>);
    impl Scheduled for S {
        fn next_deadline(&self) -> Option<Instant> {
            self.0
        }
    }

    fn t(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    #[test]
    fn deadlines_follow_sessions_through_updates_and_removal() {
        let mut table: SessionTable<u32, S> = SessionTable::new();
        let a = table.insert(1, Box::new(S(Some(t(30))))).unwrap();
        let b = table.insert(2, Box::new(S(Some(t(10))))).unwrap();
        let c = table.insert(3, Box::new(S(None))).unwrap();
        table.set_current(&1, Some(a));
        assert_eq!(table.next_deadline(), Some(t(10)));
        assert_eq!(table.due(t(30)), [b, a]);
        table.get_mut(b).unwrap().1.0 = Some(t(50));
        table.reschedule(b);
        assert_eq!(table.due(t(40)), [a]);
        assert_eq!(table.remove(a).map(|(p, _)| p), Some(1));
        assert_eq!(table.at(&1), AddressSessions::default());
        assert_eq!(table.next_deadline(), Some(t(50)));
        // Freed ids are reused.
        let d = table.insert(4, Box::new(S(Some(t(5))))).unwrap();
        assert_eq!(d, a);
        assert_eq!(table.len(), 3);
        assert_eq!(table.due(t(100)), [d, b]);
        assert!(table.get(c).is_some());
    }
}
