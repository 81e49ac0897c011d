//! Every timer of one connection in one table: the flight retransmission timer (RFC 6347
//! 4.2.4) and the lifecycle deadlines (handshake, idle, close linger, epoch-0 retirement).
//!
//! Nothing else in the engine keeps a deadline, so "when must `handle_timeout` be called" has
//! one answer ([`TimerTable::next_deadline`]) and "what expired" another ([`TimerTable::due`]).

use crate::handshake::limits::Limits;
use crate::handshake::timer::FlightTimer;
use crate::time::Instant;

/// The lifecycle deadlines beside the retransmission timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timer {
    /// The flight we sent is due for retransmission (or the handshake gives up).
    Retransmit,
    /// The handshake has taken `Limits::handshake_timeout`.
    Handshake,
    /// No authenticated record for `Limits::idle_timeout`.
    Idle,
    /// The close linger after answering close_notify is over.
    CloseLinger,
    /// Epoch-0 records stop being read (`Limits::epoch0_linger`).
    Epoch0Retire,
    /// The stored final flight is freed: a peer that has not received it by its own
    /// handshake deadline has given up (`Limits::handshake_timeout` after we connected).
    FinalFlightRelease,
}

/// Lifecycle deadlines, in the order they are checked when several expire at once.
const DEADLINES: [Timer; 5] = [
    Timer::Handshake,
    Timer::Idle,
    Timer::CloseLinger,
    Timer::Epoch0Retire,
    Timer::FinalFlightRelease,
];

/// The connection's timers.
#[derive(Clone, Debug)]
pub(crate) struct TimerTable {
    /// Retransmission timer with its RFC 6347 4.2.4.1 back-off.
    pub(crate) flight: FlightTimer,
    /// Deadlines indexed like [`DEADLINES`].
    at: [Option<Instant>; 5],
}

fn slot(timer: Timer) -> Option<usize> {
    DEADLINES.iter().position(|t| *t == timer)
}

impl TimerTable {
    pub(crate) fn new(limits: &Limits) -> Self {
        TimerTable {
            flight: FlightTimer::new(limits),
            at: [None; 5],
        }
    }

    /// Arms a lifecycle deadline (the retransmission timer is armed through `flight`).
    pub(crate) fn set(&mut self, timer: Timer, at: Instant) {
        if let Some(s) = slot(timer).and_then(|i| self.at.get_mut(i)) {
            *s = Some(at);
        }
    }

    /// Disarms a lifecycle deadline.
    pub(crate) fn clear(&mut self, timer: Timer) {
        if let Some(s) = slot(timer).and_then(|i| self.at.get_mut(i)) {
            *s = None;
        }
    }

    /// When `timer` fires, if armed.
    pub(crate) fn get(&self, timer: Timer) -> Option<Instant> {
        match timer {
            Timer::Retransmit => self.flight.deadline(),
            other => slot(other).and_then(|i| self.at.get(i).copied().flatten()),
        }
    }

    /// Disarms everything (the connection is over).
    pub(crate) fn clear_all(&mut self) {
        self.flight.reset();
        self.at = [None; 5];
    }

    /// The earliest armed deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.at
            .iter()
            .copied()
            .flatten()
            .chain(self.flight.deadline())
            .min()
    }

    /// The first timer that has expired at `now`, lifecycle deadlines first (a handshake
    /// that timed out must not retransmit once more), and disarms it unless it is the
    /// retransmission timer (whose expiry the flight timer itself handles).
    pub(crate) fn due(&mut self, now: Instant) -> Option<Timer> {
        for (i, timer) in DEADLINES.iter().enumerate() {
            if let Some(s) = self.at.get_mut(i)
                && s.is_some_and(|at| at <= now)
            {
                *s = None;
                return Some(*timer);
            }
        }
        self.flight
            .deadline()
            .is_some_and(|at| at <= now)
            .then_some(Timer::Retransmit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Duration;

    #[test]
    fn next_deadline_is_the_minimum_and_due_reports_in_order() {
        let mut t = TimerTable::new(&Limits::DEFAULT);
        assert_eq!(t.next_deadline(), None);
        t.flight.start(Instant::ZERO);
        t.set(Timer::Idle, Instant::from_millis(5000));
        t.set(Timer::Handshake, Instant::from_millis(500));
        assert_eq!(t.next_deadline(), Some(Instant::from_millis(500)));
        assert_eq!(t.due(Instant::from_millis(499)), None);
        assert_eq!(t.due(Instant::from_millis(2000)), Some(Timer::Handshake));
        // The handshake deadline is disarmed once reported; the retransmission timer stays
        // armed until the flight timer handles it.
        assert_eq!(t.due(Instant::from_millis(2000)), Some(Timer::Retransmit));
        assert_eq!(t.get(Timer::Handshake), None);
        t.clear_all();
        assert_eq!(t.next_deadline(), None);
        t.set(Timer::CloseLinger, Instant::ZERO + Duration::from_secs(1));
        assert_eq!(t.get(Timer::CloseLinger), Some(Instant::from_millis(1000)));
        t.clear(Timer::CloseLinger);
        assert_eq!(t.next_deadline(), None);
    }
}
