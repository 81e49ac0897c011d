//! The application on top of the endpoints: each client, once connected, sends `messages`
//! messages one at a time and waits for the server's echo (re-sending on its own timer, as
//! CoAP would: DTLS does not retransmit application data), then closes. The server echoes
//! whatever it receives. The workload only decides what to do next; the world carries its
//! [`AppAction`]s out and the oracle judges what is delivered.

use std::collections::BTreeMap;

use crate::endpoint::{CloseKind, NodeId};
use crate::report::FailureKind;
use crate::trace::Trace;

/// Application retransmission timeout for an unanswered echo request, in ms.
pub const APP_RTO_MS: u64 = 1_000;
/// Attempts per message before the application gives up.
pub const APP_ATTEMPTS: u32 = 20;

/// Why the application sends, for the failure message when the endpoint refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A client's request.
    Request,
    /// The server's echo.
    Echo,
    /// The server's greeting.
    Greeting,
}

impl Purpose {
    /// The failure message when `from`'s endpoint refuses to send to `to`.
    pub fn refused(self, from: NodeId, to: NodeId, error: &str) -> String {
        match self {
            Purpose::Request => format!("c{from} could not send: {error}"),
            Purpose::Echo => format!("s could not echo to c{to}: {error}"),
            Purpose::Greeting => format!("s could not greet c{to}: {error}"),
        }
    }
}

/// What the application asks the world to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppAction {
    /// `from` sends `data` to `to`; if the endpoint refuses, the run fails.
    Send {
        /// The sending node.
        from: NodeId,
        /// The receiving node.
        to: NodeId,
        /// The payload.
        data: Vec<u8>,
        /// What the send is, to describe a refusal.
        purpose: Purpose,
    },
    /// The client starts a graceful close.
    Close {
        /// The client node.
        client: NodeId,
    },
    /// Wake the client's application after [`APP_RTO_MS`] unless `generation` is stale by
    /// then.
    Timer {
        /// The client node.
        client: NodeId,
        /// The send this timer guards.
        generation: u64,
    },
    /// The run fails.
    Fail {
        /// The class of failure.
        kind: FailureKind,
        /// What happened.
        message: String,
    },
}

#[derive(Debug, Default)]
struct ClientApp {
    connected_at: Option<u64>,
    server_connected: bool,
    message: u32,
    attempt: u32,
    generation: u64,
    closing: bool,
    closed: Option<CloseKind>,
    greeted: bool,
    greeting_seen: bool,
    /// The handshake is expected to fail (a fault tampered with it): its failure is the
    /// expected outcome, not a failed run.
    expect_rejection: Option<String>,
    rejected: bool,
}

/// The application state of every client of a run.
#[derive(Debug)]
pub struct Workload {
    server: NodeId,
    messages: u32,
    message_size: usize,
    apps: BTreeMap<NodeId, ClientApp>,
}

/// A printable excerpt of a payload, for the trace.
pub fn printable(d: &[u8]) -> String {
    let s: String = d
        .iter()
        .take(24)
        .map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '.' })
        .collect();
    if d.len() > 24 {
        format!("'{s}...' ({}B)", d.len())
    } else {
        format!("'{s}'")
    }
}

/// The application payload of attempt `attempt` of message `message` from client `client`:
/// unique per attempt, so every delivery can be traced to exactly one send.
fn payload(client: NodeId, message: u32, attempt: u32, size: usize) -> Vec<u8> {
    let mut p = format!("c{client} m{message} a{attempt} ").into_bytes();
    let mut k = 0u32;
    while p.len() < size {
        p.push(b'a' + ((message * 7 + attempt * 3 + k) % 26) as u8);
        k += 1;
    }
    p
}

impl Workload {
    /// Clients `clients` talking to `server`, each sending `messages` messages of
    /// `message_size` bytes.
    pub fn new(
        server: NodeId,
        clients: impl IntoIterator<Item = NodeId>,
        messages: u32,
        message_size: usize,
    ) -> Self {
        Workload {
            server,
            messages,
            message_size,
            apps: clients.into_iter().map(|c| (c, ClientApp::default())).collect(),
        }
    }

    /// Whether `client` is one of the run's clients.
    pub fn knows(&self, client: NodeId) -> bool {
        self.apps.contains_key(&client)
    }

    /// Whether every client has closed (or given up) and heard the end of its connection.
    pub fn done(&self) -> bool {
        self.apps.values().all(|a| a.closing && a.closed.is_some())
    }

    /// Whether both sides of `client`'s conversation have reported the handshake complete.
    pub fn both_connected(&self, client: NodeId) -> bool {
        self.apps
            .get(&client)
            .is_some_and(|a| a.connected_at.is_some() && a.server_connected)
    }

    /// How each client's connection ended, in client order.
    pub fn closes(&self) -> Vec<CloseKind> {
        self.apps
            .values()
            .map(|a| a.closed.clone().unwrap_or(CloseKind::Error("still open".into())))
            .collect()
    }

    /// Clients whose handshake was rejected as expected.
    pub fn rejected(&self) -> Vec<NodeId> {
        self.apps
            .iter()
            .filter(|(_, a)| a.rejected)
            .map(|(c, _)| *c)
            .collect()
    }

    /// From now on `client`'s handshake is expected to fail, because of `why`.
    pub fn expect_rejection(&mut self, client: NodeId, why: &str) {
        if let Some(app) = self.apps.get_mut(&client)
            && app.connected_at.is_none()
            && app.expect_rejection.is_none()
        {
            app.expect_rejection = Some(why.to_string());
        }
    }

    fn send(&mut self, client: NodeId, now: u64, trace: &mut Trace) -> Vec<AppAction> {
        let Some(app) = self.apps.get_mut(&client) else {
            return Vec::new();
        };
        let p = payload(client, app.message, app.attempt, self.message_size);
        app.generation += 1;
        let generation = app.generation;
        let (m, a) = (app.message, app.attempt);
        trace.log(now, || format!("c{client} app send m{m} a{a} {}B", p.len()));
        vec![
            AppAction::Send {
                from: client,
                to: self.server,
                data: p,
                purpose: Purpose::Request,
            },
            AppAction::Timer { client, generation },
        ]
    }

    /// The server's application greets `client` first (a fault asked for it).
    pub fn greet(&mut self, client: NodeId) -> Vec<AppAction> {
        let Some(app) = self.apps.get_mut(&client) else {
            return Vec::new();
        };
        app.greeted = true;
        vec![AppAction::Send {
            from: self.server,
            to: client,
            data: format!("greeting c{client}").into_bytes(),
            purpose: Purpose::Greeting,
        }]
    }

    /// The server reported its connection with `client` established.
    pub fn on_server_connected(&mut self, client: NodeId) {
        if let Some(app) = self.apps.get_mut(&client) {
            app.server_connected = true;
        }
    }

    /// The server delivered `data` from `client` (already judged by the oracle): echo it.
    pub fn on_server_data(&mut self, client: NodeId, data: &[u8]) -> Vec<AppAction> {
        let mut echo = b"echo ".to_vec();
        echo.extend_from_slice(data);
        vec![AppAction::Send {
            from: self.server,
            to: client,
            data: echo,
            purpose: Purpose::Echo,
        }]
    }

    /// The server reported its connection with `client` closed.
    pub fn on_server_closed(&mut self, client: NodeId, kind: &CloseKind) -> Vec<AppAction> {
        let Some(app) = self.apps.get(&client) else {
            return Vec::new();
        };
        match kind {
            CloseKind::Error(e) if !app.closing && app.expect_rejection.is_none() => vec![AppAction::Fail {
                kind: FailureKind::Connection,
                message: format!("server side of c{client} failed: {e}"),
            }],
            _ => Vec::new(),
        }
    }

    /// `client` reported its handshake complete at `now`.
    pub fn on_client_connected(&mut self, client: NodeId, now: u64, trace: &mut Trace) -> Vec<AppAction> {
        if let Some(app) = self.apps.get_mut(&client) {
            app.connected_at = Some(now);
        }
        self.send(client, now, trace)
    }

    /// `client` delivered `data` (already judged by the oracle).
    pub fn on_client_data(
        &mut self,
        client: NodeId,
        data: &[u8],
        now: u64,
        trace: &mut Trace,
    ) -> Vec<AppAction> {
        let Some(app) = self.apps.get_mut(&client) else {
            return Vec::new();
        };
        if data.starts_with(b"greeting") {
            app.greeting_seen = true;
            return Vec::new();
        }
        let expect = format!("echo c{client} m{} ", app.message);
        if !data.starts_with(expect.as_bytes()) || app.closing {
            return Vec::new();
        }
        app.message += 1;
        app.attempt = 0;
        app.generation += 1; // cancels the pending application timer
        if app.message < self.messages {
            return self.send(client, now, trace);
        }
        app.closing = true;
        let mut out = Vec::new();
        if app.greeted && !app.greeting_seen {
            out.push(AppAction::Fail {
                kind: FailureKind::Connection,
                message: format!("c{client} never got the server's greeting"),
            });
        }
        trace.log(now, || format!("c{client} app close"));
        out.push(AppAction::Close { client });
        out
    }

    /// `client` reported its connection closed.
    pub fn on_client_closed(
        &mut self,
        client: NodeId,
        kind: CloseKind,
        now: u64,
        trace: &mut Trace,
    ) -> Vec<AppAction> {
        let Some(app) = self.apps.get_mut(&client) else {
            return Vec::new();
        };
        app.closed = Some(kind.clone());
        if app.closing {
            return Vec::new();
        }
        app.closing = true;
        let connected = app.connected_at.is_some();
        if let (false, Some(why)) = (connected, &app.expect_rejection) {
            app.rejected = true;
            let why = why.clone();
            trace.log(now, || {
                format!("c{client} handshake rejected as expected ({why})")
            });
            return Vec::new();
        }
        let what = match kind {
            CloseKind::Error(e) => e,
            other => format!("{other:?}"),
        };
        let phase = if connected { "after" } else { "during" };
        vec![AppAction::Fail {
            kind: FailureKind::Connection,
            message: format!("c{client} connection ended {phase} the handshake: {what}"),
        }]
    }

    /// The application timer of `client` for send `generation` fired.
    pub fn on_timer(
        &mut self,
        client: NodeId,
        generation: u64,
        now: u64,
        trace: &mut Trace,
    ) -> Vec<AppAction> {
        let Some(app) = self.apps.get_mut(&client) else {
            return Vec::new();
        };
        if app.generation != generation || app.closing || app.closed.is_some() {
            return Vec::new();
        }
        app.attempt += 1;
        if app.attempt >= APP_ATTEMPTS {
            return vec![AppAction::Fail {
                kind: FailureKind::Connection,
                message: format!(
                    "c{client}: message {} not echoed after {APP_ATTEMPTS} attempts",
                    app.message
                ),
            }];
        }
        self.send(client, now, trace)
    }
}
