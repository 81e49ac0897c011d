//! One-connection wrappers for tests: a tinydtls client or server with a single peer, the
//! events folded into `is_connected`, `poll_data` and `closed`.
//!
//! ```no_run
//! use dtls_peer_tinydtls::TinyDtlsClient;
//! let mut client = TinyDtlsClient::new(b"device-17", &[0x1a; 16]).unwrap();
//! let mut now = 0;
//! while !client.is_connected() && client.closed().is_none() {
//!     while let Some(datagram) = client.poll_transmit() { /* to the server */ }
//!     // a datagram from the server: client.handle_datagram(now, &bytes);
//!     // or, at client.poll_timeout(): client.handle_timeout(now);
//!     now += 1;
//! }
//! ```

use std::collections::VecDeque;

use crate::context::{CloseOutcome, Config, Error, Event, PeerId, Role, Suite, TinyDtls};

/// The peer id the one-connection wrappers use for their single peer.
const PEER: PeerId = 1;

#[derive(Debug)]
struct Single {
    inner: TinyDtls,
    connected: Option<Suite>,
    data: VecDeque<Vec<u8>>,
    closed: Option<CloseOutcome>,
    warnings: Vec<u8>,
}

impl Single {
    fn drain(&mut self) {
        while let Some(ev) = self.inner.poll_event() {
            match ev {
                Event::Connected(_, s) => self.connected = Some(s),
                Event::Data(_, d) => self.data.push_back(d),
                Event::Warning(_, w) => self.warnings.push(w),
                Event::Closed(_, outcome) => {
                    self.connected = None;
                    self.closed.get_or_insert(outcome);
                }
            }
        }
    }
}

macro_rules! single_api {
    ($t:ident) => {
        impl $t {
            /// Feeds a datagram from the peer at virtual time `now_ms`.
            pub fn handle_datagram(&mut self, now_ms: u64, datagram: &[u8]) {
                self.0.inner.handle_datagram(now_ms, PEER, datagram);
                self.0.drain();
            }

            /// Runs the retransmission timer at `now_ms`.
            pub fn handle_timeout(&mut self, now_ms: u64) {
                self.0.inner.handle_timeout(now_ms);
                self.0.drain();
            }

            /// When [`Self::handle_timeout`] is due, in virtual ms.
            pub fn poll_timeout(&self) -> Option<u64> {
                self.0.inner.poll_timeout()
            }

            /// The next datagram for the peer (tinydtls sends one record per datagram).
            pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
                self.0.inner.poll_transmit().map(|(_, d)| d)
            }

            /// Whether the handshake completed and the connection is open.
            pub fn is_connected(&self) -> bool {
                self.0.connected.is_some()
            }

            /// The suite of the open connection.
            pub fn suite(&self) -> Option<Suite> {
                self.0.connected
            }

            /// Sends application data (one record).
            pub fn send(&mut self, now_ms: u64, data: &[u8]) -> Result<(), Error> {
                let r = self.0.inner.send(now_ms, PEER, data);
                self.0.drain();
                r
            }

            /// The next application data received.
            pub fn poll_data(&mut self) -> Option<Vec<u8>> {
                self.0.data.pop_front()
            }

            /// Sends close_notify.
            pub fn close(&mut self, now_ms: u64) {
                self.0.inner.close(now_ms, PEER);
                self.0.drain();
            }

            /// How the connection ended, once it has: for example
            /// `SentFatal(50)` when tinydtls rejected a record with a decode_error alert.
            pub fn closed(&self) -> Option<&CloseOutcome> {
                self.0.closed.as_ref()
            }

            /// Descriptions of warning alerts received.
            pub fn warnings(&self) -> &[u8] {
                &self.0.warnings
            }

            /// The underlying context.
            pub fn context(&mut self) -> &mut TinyDtls {
                &mut self.0.inner
            }
        }
    };
}

/// A tinydtls client with one server. It sends its ClientHello when created.
#[derive(Debug)]
pub struct TinyDtlsClient(Single);

impl TinyDtlsClient {
    /// A PSK client (TLS_PSK_WITH_AES_128_CCM_8), seed 0, started at virtual time 0.
    pub fn new(psk_identity: &[u8], psk_key: &[u8]) -> Result<TinyDtlsClient, Error> {
        Self::with_config(Config::psk(Role::Client, psk_identity, psk_key, 0), 0)
    }

    /// A client with any configuration (its role is forced to client), started at `now_ms`.
    pub fn with_config(mut config: Config, now_ms: u64) -> Result<TinyDtlsClient, Error> {
        config.role = Role::Client;
        let mut inner = TinyDtls::new(config, now_ms)?;
        inner.connect(now_ms, PEER)?;
        let mut s = Single {
            inner,
            connected: None,
            data: VecDeque::new(),
            closed: None,
            warnings: Vec::new(),
        };
        s.drain();
        Ok(TinyDtlsClient(s))
    }
}

single_api!(TinyDtlsClient);

/// A tinydtls server with one client (every datagram is taken to come from it).
#[derive(Debug)]
pub struct TinyDtlsServer(Single);

impl TinyDtlsServer {
    /// A PSK server (TLS_PSK_WITH_AES_128_CCM_8) knowing one identity, seed 0, time 0.
    pub fn new(psk_identity: &[u8], psk_key: &[u8]) -> Result<TinyDtlsServer, Error> {
        Self::with_config(Config::psk(Role::Server, psk_identity, psk_key, 0), 0)
    }

    /// A server with any configuration (its role is forced to server), created at `now_ms`.
    pub fn with_config(mut config: Config, now_ms: u64) -> Result<TinyDtlsServer, Error> {
        config.role = Role::Server;
        let inner = TinyDtls::new(config, now_ms)?;
        Ok(TinyDtlsServer(Single {
            inner,
            connected: None,
            data: VecDeque::new(),
            closed: None,
            warnings: Vec::new(),
        }))
    }
}

single_api!(TinyDtlsServer);
