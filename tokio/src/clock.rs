//! Engine time: milliseconds since the endpoint started, on the tokio clock.

use tokio::time::Instant;

/// Converts between the tokio clock and the engine's integer time line.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    origin: Instant,
}

impl Clock {
    pub(crate) fn start() -> Self {
        Clock {
            origin: Instant::now(),
        }
    }

    /// Engine time now (rounded down, so a deadline converted by [`Clock::deadline`] has
    /// always been reached once tokio wakes us for it).
    pub(crate) fn now(&self) -> dtls::Instant {
        let ms = self.origin.elapsed().as_millis();
        dtls::Instant::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
    }

    /// The tokio instant of an engine deadline.
    pub(crate) fn deadline(&self, at: dtls::Instant) -> Instant {
        self.origin + std::time::Duration::from_millis(at.as_millis())
    }
}
