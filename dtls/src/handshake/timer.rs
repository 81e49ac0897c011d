//! The flight retransmission timer (RFC 6347 4.2.4 and 4.2.4.1).
//!
//! A flight is sent, the timer armed; at each expiry the flight is re-sent and the timeout
//! doubles, up to `retransmit_max`; after `max_retransmissions` re-sends the next expiry gives
//! up. With the default [`Limits`] the transmissions happen at 0, 1, 3, 7, 15, 31, 63, 123,
//! 183, 243, 303, 363 and 423 s and the timer gives up at 483 s.
//!
//! Timer value across flights (RFC 6347 4.2.4.1: "Implementations SHOULD retain the current
//! timer value until a transmission without loss occurs, at which time the value may be reset
//! to the initial value. After a long period of idleness, no less than 10 times the current
//! timer value, implementations may reset the timer to the initial value."). We follow that
//! SHOULD: when [`FlightTimer::stop`] reports that the peer answered a flight
//! that was never retransmitted, the next flight starts from the initial value; if it had to
//! be retransmitted, the next flight keeps the doubled value (the path is lossy or slow, and
//! hammering it at 1 s would add congestion). A [`FlightTimer::start`] at least ten current
//! timeouts after the last stop resets to the initial value as well, and
//! [`FlightTimer::reset`] does so explicitly (a new handshake).

use super::limits::Limits;
use crate::time::{Duration, Instant};

/// What an expiry of the [`FlightTimer`] asks the engine to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerOutcome {
    /// The deadline has not passed (or the timer is stopped): nothing to do.
    NotExpired,
    /// Re-send the current flight; the timer is re-armed with a doubled timeout.
    Retransmit,
    /// The flight was re-sent `max_retransmissions` times without an answer: abandon the
    /// handshake. The timer is stopped.
    GiveUp,
}

/// The retransmission timer of the flight currently awaiting an answer (RFC 6347 4.2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlightTimer {
    initial: Duration,
    max: Duration,
    max_retransmissions: u8,
    /// The timeout the current (or next) flight waits for.
    current: Duration,
    deadline: Option<Instant>,
    /// Re-sends of the current flight so far.
    retransmissions: u8,
    /// When the timer was last stopped, for the idleness reset.
    stopped_at: Option<Instant>,
}

impl FlightTimer {
    /// A stopped timer using the retransmission bounds of `limits`.
    pub fn new(limits: &Limits) -> Self {
        let initial = if limits.retransmit_initial == Duration::ZERO {
            // Never spin: a zero timeout would retransmit in a loop.
            Duration::from_millis(1)
        } else {
            limits.retransmit_initial
        };
        FlightTimer {
            initial,
            max: limits.retransmit_max.max(initial),
            max_retransmissions: limits.max_retransmissions,
            current: initial,
            deadline: None,
            retransmissions: 0,
            stopped_at: None,
        }
    }

    /// Arms the timer for a flight that has just been sent for the first time at `now`.
    pub fn start(&mut self, now: Instant) {
        if let Some(stopped) = self.stopped_at {
            let idle = now.saturating_since(stopped).as_millis();
            if idle >= self.current.as_millis().saturating_mul(10) {
                self.current = self.initial;
            }
        }
        self.retransmissions = 0;
        self.stopped_at = None;
        self.deadline = Some(now + self.current);
    }

    /// When [`on_timeout`](Self::on_timeout) must next be called, if the timer is armed.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The timeout the current flight is waiting for (or the next flight will start with).
    pub fn current_timeout(&self) -> Duration {
        self.current
    }

    /// Re-sends of the current flight so far.
    pub fn retransmissions(&self) -> u8 {
        self.retransmissions
    }

    /// Handles the clock reaching `now`: retransmit (and re-arm with a doubled timeout), give
    /// up, or nothing if the deadline has not passed.
    // catalogue: RFC6347-4.2.4.1-1
    pub fn on_timeout(&mut self, now: Instant) -> TimerOutcome {
        match self.deadline {
            Some(deadline) if now >= deadline => {}
            _ => return TimerOutcome::NotExpired,
        }
        if self.retransmissions >= self.max_retransmissions {
            self.deadline = None;
            self.stopped_at = Some(now);
            return TimerOutcome::GiveUp;
        }
        self.retransmissions = self.retransmissions.saturating_add(1);
        self.current = Duration::from_millis(self.current.as_millis().saturating_mul(2)).min(self.max);
        // From `now`, not from the missed deadline: the re-send happens now, and a caller that
        // polls late must not get a burst of catch-up retransmissions.
        self.deadline = Some(now + self.current);
        TimerOutcome::Retransmit
    }

    /// Disarms the timer because the peer's next flight arrived (the current flight was
    /// answered), or because the handshake ended. If the flight was answered without any
    /// retransmission, the next flight starts from the initial timeout; otherwise the current,
    /// doubled value is kept (RFC 6347 4.2.4.1).
    // catalogue: RFC6347-4.2.4.1-2
    pub fn stop(&mut self, now: Instant) {
        if self.deadline.is_some() && self.retransmissions == 0 {
            self.current = self.initial;
        }
        self.deadline = None;
        self.stopped_at = Some(now);
    }

    /// Disarms the timer and returns it to the initial timeout (a new handshake).
    pub fn reset(&mut self) {
        self.current = self.initial;
        self.deadline = None;
        self.retransmissions = 0;
        self.stopped_at = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    fn secs(s: u64) -> Instant {
        Instant::from_millis(s * 1000)
    }

    /// Runs a flight with no answer, calling the timer exactly at each deadline; returns the
    /// transmission times in seconds and the give-up time.
    fn schedule(limits: &Limits) -> (Vec<u64>, u64) {
        let mut t = FlightTimer::new(limits);
        t.start(Instant::ZERO);
        let mut sent = vec![0];
        loop {
            let now = t.deadline().expect("armed");
            match t.on_timeout(now) {
                TimerOutcome::Retransmit => sent.push(now.as_millis() / 1000),
                TimerOutcome::GiveUp => return (sent, now.as_millis() / 1000),
                TimerOutcome::NotExpired => panic!("deadline not honoured"),
            }
        }
    }

    #[test]
    fn default_schedule_is_exact() {
        let (sent, give_up) = schedule(&Limits::DEFAULT);
        assert_eq!(sent, [0, 1, 3, 7, 15, 31, 63, 123, 183, 243, 303, 363, 423]);
        assert_eq!(give_up, 483);
        assert_eq!(
            Duration::from_secs(give_up),
            Limits::DEFAULT.retransmit_give_up_after()
        );
    }

    #[test]
    fn cap_holds_for_long_schedules() {
        let limits = Limits {
            max_retransmissions: 10,
            ..Limits::DEFAULT
        };
        let (sent, give_up) = schedule(&limits);
        assert_eq!(sent, [0, 1, 3, 7, 15, 31, 63, 123, 183, 243, 303]);
        assert_eq!(give_up, 363);
        assert_eq!(Duration::from_secs(give_up), limits.retransmit_give_up_after());
    }

    #[test]
    fn give_up_count_is_configurable() {
        for n in 0..=9u8 {
            let limits = Limits {
                max_retransmissions: n,
                ..Limits::DEFAULT
            };
            let (sent, _) = schedule(&limits);
            assert_eq!(
                sent.len(),
                usize::from(n) + 1,
                "one transmission plus {n} re-sends"
            );
        }
        let (sent, give_up) = schedule(&Limits {
            max_retransmissions: 0,
            ..Limits::DEFAULT
        });
        assert_eq!((sent.as_slice(), give_up), (&[0][..], 1));
    }

    #[test]
    fn early_or_stopped_calls_do_nothing() {
        let mut t = FlightTimer::new(&Limits::DEFAULT);
        assert_eq!(t.on_timeout(secs(100)), TimerOutcome::NotExpired);
        assert_eq!(t.deadline(), None);
        t.start(secs(10));
        assert_eq!(t.deadline(), Some(secs(11)));
        assert_eq!(
            t.on_timeout(Instant::from_millis(10_999)),
            TimerOutcome::NotExpired
        );
        assert_eq!(t.retransmissions(), 0);
        assert_eq!(t.on_timeout(secs(11)), TimerOutcome::Retransmit);
        t.stop(secs(12));
        assert_eq!(t.deadline(), None);
        assert_eq!(t.on_timeout(secs(1000)), TimerOutcome::NotExpired);
    }

    #[test]
    fn late_handling_rearms_from_now() {
        let mut t = FlightTimer::new(&Limits::DEFAULT);
        t.start(Instant::ZERO);
        assert_eq!(t.on_timeout(secs(5)), TimerOutcome::Retransmit);
        assert_eq!(t.deadline(), Some(secs(7)));
    }

    #[test]
    fn answered_without_loss_resets_to_initial() {
        let mut t = FlightTimer::new(&Limits::DEFAULT);
        t.start(Instant::ZERO);
        t.on_timeout(secs(1));
        t.on_timeout(secs(3));
        assert_eq!(t.current_timeout(), Duration::from_secs(4));
        // Answered after two re-sends: the next flight keeps the doubled value.
        t.stop(secs(4));
        t.start(secs(4));
        assert_eq!(t.deadline(), Some(secs(8)));
        assert_eq!(t.retransmissions(), 0);
        // Answered without a re-send: back to 1 s.
        t.stop(secs(5));
        assert_eq!(t.current_timeout(), Duration::from_secs(1));
        t.start(secs(5));
        assert_eq!(t.deadline(), Some(secs(6)));
    }

    #[test]
    fn long_idleness_resets_to_initial() {
        let mut t = FlightTimer::new(&Limits::DEFAULT);
        t.start(Instant::ZERO);
        for now in [1, 3, 7] {
            t.on_timeout(secs(now));
        }
        t.stop(secs(8));
        assert_eq!(t.current_timeout(), Duration::from_secs(8));
        // Less than 10 x 8 s idle: kept.
        t.start(secs(87));
        assert_eq!(t.deadline(), Some(secs(95)));
        t.on_timeout(secs(95));
        t.stop(secs(96));
        assert_eq!(t.current_timeout(), Duration::from_secs(16));
        // 10 x 16 s idle: reset.
        t.start(secs(256));
        assert_eq!(t.deadline(), Some(secs(257)));
    }

    #[test]
    fn give_up_stops_the_timer_and_reset_restores_it() {
        let mut t = FlightTimer::new(&Limits {
            max_retransmissions: 1,
            ..Limits::DEFAULT
        });
        t.start(Instant::ZERO);
        assert_eq!(t.on_timeout(secs(1)), TimerOutcome::Retransmit);
        assert_eq!(t.on_timeout(secs(3)), TimerOutcome::GiveUp);
        assert_eq!(t.deadline(), None);
        assert_eq!(t.on_timeout(secs(10)), TimerOutcome::NotExpired);
        t.reset();
        assert_eq!(t.current_timeout(), Duration::from_secs(1));
        t.start(secs(20));
        assert_eq!(t.deadline(), Some(secs(21)));
    }

    #[test]
    fn zero_initial_timeout_never_spins() {
        let limits = Limits {
            retransmit_initial: Duration::ZERO,
            retransmit_max: Duration::ZERO,
            ..Limits::DEFAULT
        };
        let mut t = FlightTimer::new(&limits);
        t.start(Instant::ZERO);
        assert_eq!(t.deadline(), Some(Instant::from_millis(1)));
    }
}
