//! The public [`Client`]: one DTLS client connection, sans-IO. The handshake itself is the
//! chain of typed states in [`states`].

mod states;

use alloc::boxed::Box;
use alloc::sync::Arc;

use self::states::ClientHandshake;
use super::LifecycleStats;
use super::connection::{self as conn, Core, Phase, RxBuffer};
use crate::config::ClientConfig;
use crate::crypto::SecureRandom;
use crate::error::{CallError, Error};
use crate::time::Instant;

use super::Event;

/// A DTLS client connection, sans-IO.
///
/// Polling order: after creating the client and after every `handle_*` call, drain
/// [`poll_transmit`](Self::poll_transmit) (send each datagram), then
/// [`poll_event`](Self::poll_event); then wait for a datagram or until
/// [`poll_timeout`](Self::poll_timeout), whichever comes first, and call
/// [`handle_datagram`](Self::handle_datagram) or [`handle_timeout`](Self::handle_timeout).
#[derive(Debug)]
pub struct Client {
    core: Core,
    hs: ClientHandshake,
    rng: Box<dyn SecureRandom + Send>,
    rx: RxBuffer,
}

impl Client {
    /// Creates a client and its first flight (the ClientHello), ready to be polled. Refuses a
    /// configuration whose settings contradict each other with [`Error::Config`].
    pub fn new(
        config: Arc<ClientConfig>,
        mut rng: Box<dyn SecureRandom + Send>,
        now: Instant,
    ) -> Result<Self, Error> {
        config.validate()?;
        let mut core = Core::new(&config.common, now);
        let hs = ClientHandshake::start(config.clone(), &mut core, now, rng.as_mut())?;
        Ok(Client {
            core,
            hs,
            rng,
            rx: RxBuffer::default(),
        })
    }

    /// Feeds one received datagram.
    pub fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) {
        self.core.receive_datagram(now, datagram, &mut self.rx);
        conn::drive(&mut self.core, &mut self.hs, now, self.rng.as_mut());
    }

    /// Tells the client that `now` has been reached; call when `poll_timeout` expires.
    pub fn handle_timeout(&mut self, now: Instant) {
        conn::on_timeout(&mut self.core, now, self.rng.as_mut());
    }

    /// Copies the next datagram to send into `buf` and returns its length, or `None` when
    /// nothing is queued. A buffer too small for it is [`CallError::BufferTooSmall`] and the
    /// datagram stays queued (a buffer of the configured MTU always suffices).
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Result<Option<usize>, CallError> {
        conn::poll_transmit(&mut self.core, buf)
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.core.pop_event()
    }

    /// When `handle_timeout` must be called next, if ever: the retransmission timer, the
    /// handshake and idle deadlines, the close linger and epoch-0 retirement all count.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.core.next_deadline()
    }

    /// Sends one datagram of application data. The errors are about this call only; the
    /// connection goes on (or has already reported its end as an event).
    pub fn send(&mut self, data: &[u8]) -> Result<(), CallError> {
        conn::send(&mut self.core, data, self.rng.as_mut())
    }

    /// Starts a graceful close (close_notify).
    pub fn close(&mut self, now: Instant) {
        conn::close(&mut self.core, now, self.rng.as_mut());
    }

    /// Whether the handshake completed and the connection is open.
    pub fn is_connected(&self) -> bool {
        self.core.phase() == Phase::Connected
    }

    /// Whether the connection has ended (it may still answer a re-sent close_notify during
    /// the close linger; keep feeding it datagrams and timeouts until `poll_timeout` is
    /// `None` to give it that chance).
    pub fn is_closed(&self) -> bool {
        self.core.phase() == Phase::Closed
    }

    /// Whether a flight of ours awaits an answer (the retransmission timer runs).
    pub fn is_awaiting_flight(&self) -> bool {
        self.core.deadline(super::connection::Timer::Retransmit).is_some()
    }

    /// Largest application payload one `send` can carry.
    pub fn max_payload(&self) -> usize {
        self.core.max_payload()
    }

    /// The MTU datagrams are sized for: the configured one, or less after the path-MTU
    /// back-off (RFC 6347 4.1.1.1).
    pub fn path_mtu(&self) -> usize {
        self.core.path_mtu()
    }

    /// Record-layer counters (accepted and dropped records by reason).
    pub fn record_stats(&self) -> &crate::record::RecordStats {
        self.core.record_stats()
    }

    /// What the lifecycle rules refused or dropped (suppressed re-sends, stale records).
    pub fn lifecycle_stats(&self) -> LifecycleStats {
        self.core.lifecycle_stats()
    }

    /// Flights re-sent so far.
    pub fn retransmissions(&self) -> u64 {
        self.core.retransmissions()
    }

    /// The client random and master secret, for NSS key log lines, once keys exist.
    pub fn keylog(&self) -> Option<([u8; 32], [u8; 48])> {
        self.hs.keylog()
    }
}
