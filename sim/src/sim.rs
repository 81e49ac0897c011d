//! The discrete-event simulation of one run: endpoints, the application on top of them (a
//! handshake, an echo of application data, a close), the targeted faults and the links, all
//! on a virtual clock. Also the checks every run makes: data delivered exactly once, intact
//! and never before the handshake; no replayed or injected record accepted; no stall.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use crate::classify;
use crate::endpoint::{AppEvent, CloseKind, Endpoint, Instant, NodeId, RECORD_DROP_REASONS};
use crate::faults::{Fault, FaultState, Position};
use crate::implementation::{Pairing, Role};
use crate::link::{DropReason, Link, Origin};
use crate::pcap::Captured;
use crate::queue::EventQueue;
use crate::rng::SimRng;
use crate::scenario::RunSpec;
use crate::trace::Trace;

/// The server's node id; clients are 1..=n.
pub const SERVER: NodeId = 0;

/// Engine time at the start of a run. Not zero, so that nothing can depend on time starting
/// at zero; traces print time relative to it.
const ORIGIN_MS: u64 = 1_000_000;
/// Application retransmission timeout for an unanswered echo request (DTLS does not
/// retransmit application data; the application must, as CoAP does).
const APP_RTO_MS: u64 = 1_000;
/// Attempts per message before the application gives up.
const APP_ATTEMPTS: u32 = 20;
/// Loop iterations after which a run is declared a livelock.
const STEP_BUDGET: u64 = 500_000;
/// Trace lines shown with a failure.
const FAILURE_TAIL: usize = 25;

/// How a run failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// Nothing scheduled, no timer pending, and the work not done.
    Stall,
    /// The virtual time limit passed.
    TimeLimit,
    /// Too many steps without finishing.
    Livelock,
    /// A connection ended with an error, or the application gave up.
    Connection,
    /// An invariant was broken (data integrity, replay acceptance).
    Violation,
    /// The endpoint code panicked.
    Panic,
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FailureKind::Stall => "stall",
            FailureKind::TimeLimit => "time limit",
            FailureKind::Livelock => "livelock",
            FailureKind::Connection => "connection failed",
            FailureKind::Violation => "invariant violated",
            FailureKind::Panic => "panic",
        })
    }
}

/// Why a run failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The class of failure.
    pub kind: FailureKind,
    /// What happened.
    pub message: String,
}

/// Everything a run produced.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// The run's seed.
    pub seed: u64,
    /// `None` if the run passed.
    pub failure: Option<Failure>,
    /// Virtual time until the (last) client reported the handshake complete, in ms.
    pub handshake_ms: Option<u64>,
    /// Virtual time at the end of the run, in ms.
    pub end_ms: u64,
    /// Handshake datagrams sent again (recognised on the wire).
    pub retransmissions: u64,
    /// Datagrams sent by the endpoints.
    pub datagrams: u64,
    /// Bytes sent by the endpoints (UDP payload).
    pub bytes: u64,
    /// Datagrams lost on the links, by [`DropReason::index`].
    pub link_drops: [u64; 5],
    /// Records dropped inside the endpoints, by reason (see `RECORD_DROP_REASONS`).
    pub record_drops: [u64; 7],
    /// How the clients' connections ended.
    pub closes: Vec<CloseKind>,
    /// The trace, if it was on.
    pub trace: Vec<String>,
    /// Delivered datagrams, if capture was on.
    pub capture: Vec<Captured>,
    /// The flights of client 1's conversation, in order (the exhaustive explorers enumerate
    /// these).
    pub flights: Vec<FlightInfo>,
}

/// One flight of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlightInfo {
    /// Sent by the client.
    pub from_client: bool,
    /// Datagrams in the flight (after targeted faults, before the link).
    pub datagrams: u32,
    /// Whether any of them carries handshake records.
    pub handshake: bool,
}

impl RunReport {
    /// Whether the run passed.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }

    /// The closing verdict line.
    pub fn verdict(&self) -> String {
        let hs = self
            .handshake_ms
            .map_or("none".to_string(), |ms| format!("{:.3}s", ms as f64 / 1000.0));
        let lost: u64 = self.link_drops.iter().sum();
        let summary = format!(
            "seed {}, handshake {hs}, {} datagrams ({lost} lost), {} retransmissions, {} bytes, end {:.3}s",
            self.seed,
            self.datagrams,
            self.retransmissions,
            self.bytes,
            self.end_ms as f64 / 1000.0
        );
        match &self.failure {
            None => format!("verdict: PASS  {summary}"),
            Some(f) => format!("verdict: FAIL ({}): {}  [{summary}]", f.kind, f.message),
        }
    }
}

#[derive(Debug)]
enum Pending {
    Deliver {
        id: u64,
        from: NodeId,
        to: NodeId,
        bytes: Vec<u8>,
        tag: Tag,
    },
    AppTimer {
        client: NodeId,
        generation: u64,
    },
    /// A datagram released by a targeted delay, entering the link now.
    Launch {
        id: u64,
        from: NodeId,
        to: NodeId,
        bytes: Vec<u8>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Normal,
    Duplicate,
    Replay,
    /// Injected by a targeted fault; `must_reject` when it can never authenticate.
    Injected {
        must_reject: bool,
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
    injected: bool,
    first_datagram: Option<Vec<u8>>,
    /// Payloads the client sent / the server sent to it, and those delivered.
    sent_up: HashSet<Vec<u8>>,
    sent_down: HashSet<Vec<u8>>,
    got_up: HashSet<Vec<u8>>,
    got_down: HashSet<Vec<u8>>,
    greeting_seen: bool,
}

/// A datagram on its way from a sender to the link: extra delay, bytes, trace note, position.
type Outgoing = (u64, Vec<u8>, Option<String>, Position);

#[derive(Debug, Default)]
struct Conversation {
    last_from_client: Option<bool>,
    flight: u32,
    index: u32,
}

struct Sim<'a> {
    spec: &'a RunSpec,
    pairing: &'a Pairing,
    now: u64,
    nodes: Vec<Box<dyn Endpoint>>,
    apps: BTreeMap<NodeId, ClientApp>,
    /// (from, to) → link direction.
    links: HashMap<(NodeId, NodeId), Link>,
    faults: HashMap<NodeId, FaultState>,
    conv: HashMap<NodeId, Conversation>,
    queue: EventQueue<Pending>,
    trace: Trace,
    report: RunReport,
    next_id: u64,
    /// Per receiver: digests of datagrams delivered, and whether that delivery authenticated
    /// a record.
    seen: HashMap<NodeId, HashMap<u64, bool>>,
    /// Per sender: retransmission keys of handshake datagrams already sent.
    sent_keys: HashMap<NodeId, HashSet<u64>>,
    failure: Option<Failure>,
    buf: Vec<u8>,
}

fn node_name(n: NodeId) -> String {
    if n == SERVER {
        "s".to_string()
    } else {
        format!("c{n}")
    }
}

fn printable(d: &[u8]) -> String {
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

impl<'a> Sim<'a> {
    fn new(spec: &'a RunSpec, pairing: &'a Pairing) -> Result<Self, String> {
        let origin = Instant::from_millis(ORIGIN_MS);
        let mut nodes: Vec<Box<dyn Endpoint>> = Vec::new();
        let server_spec = spec.endpoint_spec(Role::Server, "engine s");
        nodes.push(pairing.server.server(&server_spec, SERVER, origin)?);
        let mut links = HashMap::new();
        let mut apps = BTreeMap::new();
        let mut faults = HashMap::new();
        for c in 1..=spec.clients {
            let client_spec = spec.endpoint_spec(Role::Client, &format!("engine c{c}"));
            nodes.push(pairing.client.client(&client_spec, c, SERVER, origin)?);
            let up = Link::new(
                spec.profile(true),
                SimRng::new(spec.seed, &format!("link c{c}>s")),
            );
            let down = Link::new(
                spec.profile(false),
                SimRng::new(spec.seed, &format!("link s>c{c}")),
            );
            links.insert((c, SERVER), up);
            links.insert((SERVER, c), down);
            apps.insert(c, ClientApp::default());
            faults.insert(c, FaultState::new(spec.faults.clone()));
        }
        Ok(Sim {
            spec,
            pairing,
            now: 0,
            nodes,
            apps,
            links,
            faults,
            conv: HashMap::new(),
            queue: EventQueue::default(),
            trace: Trace::new(spec.trace),
            report: RunReport {
                seed: spec.seed,
                ..RunReport::default()
            },
            next_id: 0,
            seen: HashMap::new(),
            sent_keys: HashMap::new(),
            failure: None,
            buf: vec![0u8; 70_000],
        })
    }

    fn instant(&self) -> Instant {
        Instant::from_millis(ORIGIN_MS + self.now)
    }

    fn fail(&mut self, kind: FailureKind, message: String) {
        if self.failure.is_none() {
            let m = message.clone();
            self.trace.log(self.now, || format!("FAIL {kind}: {m}"));
            self.failure = Some(Failure { kind, message });
        }
    }

    fn done(&self) -> bool {
        self.apps.values().all(|a| a.closing && a.closed.is_some())
    }

    /// Lets every node react until nobody has anything more to say at this instant: events
    /// first (the application may send), then each node's datagrams as one burst.
    fn pump(&mut self) {
        loop {
            let mut progress = false;
            for n in 0..self.nodes.len() {
                let node = n as NodeId;
                while let Some((peer, ev)) = self.nodes[n].poll_event() {
                    progress = true;
                    self.on_event(node, peer, ev);
                }
            }
            for n in 0..self.nodes.len() {
                let node = n as NodeId;
                let mut burst: Vec<(NodeId, Vec<u8>)> = Vec::new();
                while let Some((to, len)) = self.nodes[n].poll_transmit(&mut self.buf) {
                    burst.push((to, self.buf[..len].to_vec()));
                }
                if !burst.is_empty() {
                    progress = true;
                    self.route_burst(node, burst);
                }
            }
            if !progress {
                return;
            }
        }
    }

    fn client_of(from: NodeId, to: NodeId) -> NodeId {
        if from == SERVER { to } else { from }
    }

    /// Sends a burst of datagrams from one node: flight accounting, targeted faults, packing,
    /// then the link.
    fn route_burst(&mut self, from: NodeId, burst: Vec<(NodeId, Vec<u8>)>) {
        let mut by_dest: BTreeMap<NodeId, Vec<Outgoing>> = BTreeMap::new();
        let mut last_pos = Position {
            from_client: from != SERVER,
            flight: 0,
            index: 0,
        };
        for (to, bytes) in burst {
            let client = Self::client_of(from, to);
            if !self.apps.contains_key(&client) || !self.links.contains_key(&(from, to)) {
                continue; // addressed to no one
            }
            let from_client = from != SERVER;
            let conv = self.conv.entry(client).or_default();
            if conv.last_from_client != Some(from_client) {
                conv.last_from_client = Some(from_client);
                conv.flight += 1;
                conv.index = 0;
            }
            conv.index += 1;
            if client == 1 {
                let hs = classify::is_handshake(&bytes);
                if conv.index == 1 {
                    self.report.flights.push(FlightInfo {
                        from_client,
                        datagrams: 0,
                        handshake: false,
                    });
                }
                if let Some(fi) = self.report.flights.last_mut() {
                    fi.datagrams += 1;
                    fi.handshake |= hs;
                }
            }
            let pos = Position {
                from_client,
                flight: conv.flight,
                index: conv.index,
            };
            let app = self.apps.get_mut(&client);
            if let Some(app) = app {
                if from_client && app.first_datagram.is_none() {
                    app.first_datagram = Some(bytes.clone());
                }
            }
            let verdict = match self.faults.get_mut(&client) {
                Some(fs) if !fs.faults().is_empty() => fs.on_send(pos, bytes),
                _ => crate::faults::Verdict {
                    out: vec![crate::faults::Out {
                        delay_ms: 0,
                        bytes,
                        note: None,
                    }],
                    dropped: Vec::new(),
                },
            };
            for why in verdict.dropped {
                self.report.link_drops[DropReason::Targeted.index()] += 1;
                let (f, k) = (pos.flight, pos.index);
                self.trace.log(self.now, || {
                    format!(
                        "{}->{} drop f{f}.{k} targeted: {why}",
                        node_name(from),
                        node_name(to)
                    )
                });
            }
            last_pos = pos;
            let list = by_dest.entry(to).or_default();
            for o in verdict.out {
                list.push((o.delay_ms, o.bytes, o.note, pos));
            }
        }
        // Held datagrams are released at the end of the burst that held them.
        let dests: Vec<NodeId> = by_dest.keys().copied().collect();
        for to in dests {
            let client = Self::client_of(from, to);
            if let Some(fs) = self.faults.get_mut(&client) {
                for o in fs.flush() {
                    by_dest
                        .entry(to)
                        .or_default()
                        .push((o.delay_ms, o.bytes, o.note, last_pos));
                }
            }
        }
        for (to, items) in by_dest {
            // Packing: coalesce datagrams leaving at the same moment.
            let mut packed: Vec<Outgoing> = Vec::new();
            for (delay, bytes, note, pos) in items {
                let pack = self
                    .links
                    .get_mut(&(from, to))
                    .is_some_and(|l| l.profile().pack > 0.0 && l.pack_next());
                match packed.last_mut() {
                    Some(last) if pack && last.0 == delay && last.1.len() + bytes.len() <= 1472 => {
                        last.1.extend_from_slice(&bytes);
                        last.2 = Some("packed".into());
                    }
                    _ => packed.push((delay, bytes, note, pos)),
                }
            }
            for (delay, bytes, note, pos) in packed {
                let id = self.next_id;
                self.next_id += 1;
                self.account_send(from, to, id, &bytes, note, pos);
                if delay > 0 {
                    self.queue
                        .push(self.now + delay, Pending::Launch { id, from, to, bytes });
                } else {
                    self.launch(id, from, to, bytes);
                }
            }
        }
    }

    fn account_send(
        &mut self,
        from: NodeId,
        to: NodeId,
        id: u64,
        bytes: &[u8],
        note: Option<String>,
        pos: Position,
    ) {
        self.report.datagrams += 1;
        self.report.bytes += bytes.len() as u64;
        let mut again = false;
        if classify::is_handshake(bytes) {
            let key = classify::retransmission_key(bytes);
            again = !self.sent_keys.entry(from).or_default().insert(key);
            if again {
                self.report.retransmissions += 1;
            }
        }
        let (f, k) = (pos.flight, pos.index);
        self.trace.log(self.now, || {
            format!(
                "{}->{} send #{id} f{f}.{k} {}B {}{}{}",
                node_name(from),
                node_name(to),
                bytes.len(),
                classify::label(bytes),
                if again { " (again)" } else { "" },
                note.map(|n| format!(" [{n}]")).unwrap_or_default()
            )
        });
    }

    /// Puts a datagram on the link.
    fn launch(&mut self, id: u64, from: NodeId, to: NodeId, bytes: Vec<u8>) {
        let now = self.now;
        let Some(link) = self.links.get_mut(&(from, to)) else {
            return;
        };
        match link.transmit(now, &bytes) {
            Err(reason) => {
                self.report.link_drops[reason.index()] += 1;
                self.trace.log(now, || {
                    format!("{}->{} drop #{id} {reason}", node_name(from), node_name(to))
                });
            }
            Ok(deliveries) => {
                for d in deliveries {
                    let tag = match d.origin {
                        Origin::Original => Tag::Normal,
                        Origin::Duplicate => Tag::Duplicate,
                        Origin::Replay => Tag::Replay,
                    };
                    if let Some(dmg) = d.damage {
                        self.trace.log(now, || {
                            format!("{}->{} damage #{id} {dmg}", node_name(from), node_name(to))
                        });
                    }
                    self.queue.push(
                        now + d.delay_ms,
                        Pending::Deliver {
                            id,
                            from,
                            to,
                            bytes: d.bytes,
                            tag,
                        },
                    );
                }
            }
        }
    }

    fn inject(&mut self, from: NodeId, to: NodeId, bytes: Vec<u8>, must_reject: bool, what: &str) {
        let id = self.next_id;
        self.next_id += 1;
        let w = what.to_string();
        self.trace.log(self.now, || {
            format!(
                "{}->{} inject #{id} {}B {} ({w})",
                node_name(from),
                node_name(to),
                bytes.len(),
                classify::label(&bytes)
            )
        });
        let at = self.now + self.spec.link.latency_ms;
        self.queue.push(
            at,
            Pending::Deliver {
                id,
                from,
                to,
                bytes,
                tag: Tag::Injected { must_reject },
            },
        );
    }

    fn deliver(&mut self, id: u64, from: NodeId, to: NodeId, bytes: Vec<u8>, tag: Tag) {
        let digest = classify::digest(&bytes);
        let before = self.nodes[to as usize].accepted_protected_total();
        self.trace.log(self.now, || {
            let t = match tag {
                Tag::Normal => "",
                Tag::Duplicate => " [duplicate]",
                Tag::Replay => " [replayed by attacker]",
                Tag::Injected { .. } => " [injected]",
            };
            format!(
                "{}->{} recv #{id} {}{t}",
                node_name(from),
                node_name(to),
                classify::label(&bytes)
            )
        });
        if self.spec.capture {
            self.report.capture.push(Captured {
                ms: self.now,
                from,
                to,
                bytes: bytes.clone(),
            });
        }
        let now = self.instant();
        self.nodes[to as usize].handle_datagram(now, from, &bytes);
        let after = self.nodes[to as usize].accepted_protected_total();
        let accepted = matches!((before, after), (Some(b), Some(a)) if a > b);
        let seen = self.seen.entry(to).or_default();
        let earlier = seen.get(&digest).copied();
        seen.insert(digest, earlier.unwrap_or(false) || accepted);
        if accepted && earlier == Some(true) {
            self.fail(
                FailureKind::Violation,
                format!(
                    "{} accepted a record from a repeated datagram #{id} ({tag:?})",
                    node_name(to)
                ),
            );
        }
        if accepted && tag == (Tag::Injected { must_reject: true }) {
            self.fail(
                FailureKind::Violation,
                format!("{} accepted an injected forged record #{id}", node_name(to)),
            );
        }
    }

    fn app_send(&mut self, client: NodeId) {
        let Some(app) = self.apps.get_mut(&client) else {
            return;
        };
        let p = payload(client, app.message, app.attempt, self.spec.message_size);
        app.sent_up.insert(p.clone());
        app.generation += 1;
        let generation = app.generation;
        let (m, a) = (app.message, app.attempt);
        self.trace
            .log(self.now, || format!("c{client} app send m{m} a{a} {}B", p.len()));
        if let Err(e) = self.nodes[client as usize].send(SERVER, &p) {
            self.fail(FailureKind::Connection, format!("c{client} could not send: {e}"));
        }
        self.queue
            .push(self.now + APP_RTO_MS, Pending::AppTimer { client, generation });
    }

    fn on_app_timer(&mut self, client: NodeId, generation: u64) {
        let Some(app) = self.apps.get_mut(&client) else {
            return;
        };
        if app.generation != generation || app.closing || app.closed.is_some() {
            return;
        }
        app.attempt += 1;
        if app.attempt >= APP_ATTEMPTS {
            let m = app.message;
            self.fail(
                FailureKind::Connection,
                format!("c{client}: message {m} not echoed after {APP_ATTEMPTS} attempts"),
            );
            return;
        }
        self.app_send(client);
    }

    fn on_connected_both(&mut self, client: NodeId) {
        let Some(app) = self.apps.get_mut(&client) else {
            return;
        };
        if app.injected || app.connected_at.is_none() || !app.server_connected {
            return;
        }
        app.injected = true;
        let first = app.first_datagram.clone();
        let faults = self.spec.faults.clone();
        let mut garbage = vec![0u8; 48];
        SimRng::new(self.spec.seed, "attacker").fill(&mut garbage);
        for f in faults {
            match f {
                Fault::StrayClientHello => {
                    // A restarted client on the same address: a fresh ClientHello with a new
                    // random, which nobody will carry on with.
                    let stray_spec = self.spec.endpoint_spec(Role::Client, &format!("stray c{client}"));
                    if let Ok(mut stray) =
                        self.pairing
                            .client
                            .client(&stray_spec, client, SERVER, self.instant())
                    {
                        if let Some((_, n)) = stray.poll_transmit(&mut self.buf) {
                            let bytes = self.buf[..n].to_vec();
                            self.inject(client, SERVER, bytes, false, "stray ClientHello");
                        }
                    }
                }
                Fault::ReplayedClientHello => {
                    if let Some(b) = first.clone() {
                        // Not forged: its record was never accepted by a session (the cookie
                        // exchange is stateless), so only the exactly-once checks apply.
                        self.inject(client, SERVER, b, false, "replayed first ClientHello");
                    }
                }
                Fault::InjectHugeSequence => {
                    let huge = (1u64 << 48) - 2;
                    for (from, to) in [(client, SERVER), (SERVER, client)] {
                        for epoch in [1u16, 2] {
                            for ct in [23u8, 22] {
                                let r = classify::build_record(ct, epoch, huge, &garbage);
                                self.inject(from, to, r, true, "huge sequence number, bad MAC");
                            }
                        }
                    }
                }
                Fault::InjectEpoch0Data => self.inject_epoch0(client, 2000),
                _ => {}
            }
        }
    }

    fn inject_epoch0(&mut self, client: NodeId, seq: u64) {
        for (from, to) in [(client, SERVER), (SERVER, client)] {
            let r = classify::build_record(23, 0, seq, b"INJECTED cleartext epoch-0 data");
            self.inject(from, to, r, false, "cleartext application data");
        }
    }

    fn on_event(&mut self, node: NodeId, peer: NodeId, ev: AppEvent) {
        let now = self.now;
        if node == SERVER {
            let client = peer;
            match ev {
                AppEvent::Connected(suite) => {
                    self.trace
                        .log(now, || format!("s  connected to c{client} ({suite})"));
                    if let Some(app) = self.apps.get_mut(&client) {
                        app.server_connected = true;
                    }
                    if self.spec.faults.contains(&Fault::AppDataBeforeFinished) {
                        let g = format!("greeting c{client}").into_bytes();
                        if let Some(app) = self.apps.get_mut(&client) {
                            app.sent_down.insert(g.clone());
                        }
                        if let Err(e) = self.nodes[SERVER as usize].send(client, &g) {
                            self.fail(
                                FailureKind::Connection,
                                format!("s could not greet c{client}: {e}"),
                            );
                        }
                    }
                    self.on_connected_both(client);
                }
                AppEvent::Data(d) => {
                    self.trace
                        .log(now, || format!("s  data from c{client} {}", printable(&d)));
                    let Some(app) = self.apps.get_mut(&client) else {
                        return;
                    };
                    let problem = if !app.server_connected {
                        Some("delivered before the handshake completed")
                    } else if !app.sent_up.contains(&d) {
                        Some("never sent by the client (injected or altered)")
                    } else if !app.got_up.insert(d.clone()) {
                        Some("delivered twice")
                    } else {
                        None
                    };
                    if let Some(p) = problem {
                        self.fail(
                            FailureKind::Violation,
                            format!("s: data from c{client} {}: {p}", printable(&d)),
                        );
                        return;
                    }
                    let mut echo = b"echo ".to_vec();
                    echo.extend_from_slice(&d);
                    app.sent_down.insert(echo.clone());
                    if let Err(e) = self.nodes[SERVER as usize].send(client, &echo) {
                        self.fail(
                            FailureKind::Connection,
                            format!("s could not echo to c{client}: {e}"),
                        );
                    }
                }
                AppEvent::Closed(kind) => {
                    let k = kind.clone();
                    self.trace.log(now, || format!("s  closed c{client}: {k:?}"));
                    let done = self.apps.get(&client).is_some_and(|a| a.closing);
                    if let CloseKind::Error(e) = kind {
                        if !done {
                            self.fail(
                                FailureKind::Connection,
                                format!("server side of c{client} failed: {e}"),
                            );
                        }
                    }
                }
            }
            return;
        }
        let client = node;
        match ev {
            AppEvent::Connected(suite) => {
                self.trace.log(now, || format!("c{client} connected ({suite})"));
                if let Some(app) = self.apps.get_mut(&client) {
                    app.connected_at = Some(now);
                }
                self.report.handshake_ms = Some(self.report.handshake_ms.unwrap_or(0).max(now));
                self.app_send(client);
                self.on_connected_both(client);
            }
            AppEvent::Data(d) => {
                self.trace
                    .log(now, || format!("c{client} data {}", printable(&d)));
                let Some(app) = self.apps.get_mut(&client) else {
                    return;
                };
                let problem = if app.connected_at.is_none() {
                    Some("delivered before the handshake completed")
                } else if !app.sent_down.contains(&d) {
                    Some("never sent by the server (injected or altered)")
                } else if !app.got_down.insert(d.clone()) {
                    Some("delivered twice")
                } else {
                    None
                };
                if let Some(p) = problem {
                    self.fail(
                        FailureKind::Violation,
                        format!("c{client}: data {}: {p}", printable(&d)),
                    );
                    return;
                }
                if d.starts_with(b"greeting") {
                    app.greeting_seen = true;
                    return;
                }
                let expect = format!("echo c{client} m{} ", app.message);
                if d.starts_with(expect.as_bytes()) && !app.closing {
                    app.message += 1;
                    app.attempt = 0;
                    app.generation += 1; // cancels the pending application timer
                    if app.message >= self.spec.messages {
                        app.closing = true;
                        if self.spec.faults.contains(&Fault::AppDataBeforeFinished) && !app.greeting_seen {
                            self.fail(
                                FailureKind::Connection,
                                format!("c{client} never got the server's greeting"),
                            );
                        }
                        self.trace.log(now, || format!("c{client} app close"));
                        let t = self.instant();
                        self.nodes[client as usize].close(t, SERVER);
                    } else {
                        self.app_send(client);
                    }
                }
            }
            AppEvent::Closed(kind) => {
                let k = kind.clone();
                self.trace.log(now, || format!("c{client} closed: {k:?}"));
                let Some(app) = self.apps.get_mut(&client) else {
                    return;
                };
                app.closed = Some(kind.clone());
                if !app.closing {
                    app.closing = true;
                    let what = match kind {
                        CloseKind::Error(e) => e,
                        other => format!("{other:?}"),
                    };
                    let phase = if app.connected_at.is_some() {
                        "after"
                    } else {
                        "during"
                    };
                    self.fail(
                        FailureKind::Connection,
                        format!("c{client} connection ended {phase} the handshake: {what}"),
                    );
                }
            }
        }
    }

    fn run(&mut self) {
        let limit = self.spec.time_limit_ms;
        self.trace.log(0, || {
            format!(
                "start seed {} suite {} cookies {} mtu {} clients {}",
                self.spec.seed,
                crate::scenario::suite_name(self.spec.suite),
                if self.spec.cookies { "on" } else { "off" },
                self.spec.mtu,
                self.spec.clients
            )
        });
        if self.spec.faults.contains(&Fault::InjectEpoch0DataEarly) {
            for c in 1..=self.spec.clients {
                self.inject_epoch0(c, 1000);
            }
        }
        self.pump();
        let mut steps = 0u64;
        while self.failure.is_none() && !self.done() {
            steps += 1;
            if steps > STEP_BUDGET {
                self.fail(FailureKind::Livelock, format!("no end after {STEP_BUDGET} steps"));
                break;
            }
            let node_next = (0..self.nodes.len())
                .filter_map(|n| {
                    self.nodes[n]
                        .poll_timeout()
                        .map(|t| (t.as_millis().saturating_sub(ORIGIN_MS), n))
                })
                .min();
            let queue_next = self.queue.next_time();
            let next = match (queue_next, node_next) {
                (None, None) => {
                    self.fail(
                        FailureKind::Stall,
                        "nothing in flight and no timer pending".into(),
                    );
                    break;
                }
                (Some(q), Some((t, _))) => q.min(t),
                (Some(q), None) => q,
                (None, Some((t, _))) => t,
            };
            let next = next.max(self.now);
            if next > limit {
                self.now = limit;
                self.fail(
                    FailureKind::TimeLimit,
                    format!("virtual time limit of {}s reached", limit / 1000),
                );
                break;
            }
            self.now = next;
            if let Some((_, item)) = self.queue.pop_due(self.now) {
                match item {
                    Pending::Deliver {
                        id,
                        from,
                        to,
                        bytes,
                        tag,
                    } => self.deliver(id, from, to, bytes, tag),
                    Pending::AppTimer { client, generation } => self.on_app_timer(client, generation),
                    Pending::Launch { id, from, to, bytes } => self.launch(id, from, to, bytes),
                }
            } else if let Some((_, n)) = node_next {
                self.trace
                    .log(self.now, || format!("{} timer", node_name(n as NodeId)));
                let t = self.instant();
                self.nodes[n].handle_timeout(t);
            }
            self.pump();
        }
        self.report.end_ms = self.now;
        for (c, app) in &self.apps {
            self.report.closes.push(
                app.closed
                    .clone()
                    .unwrap_or(CloseKind::Error("still open".into())),
            );
            let mut r = self.nodes[*c as usize].records(SERVER);
            r.add(&self.nodes[SERVER as usize].records(*c));
            for (a, b) in self.report.record_drops.iter_mut().zip(r.dropped) {
                *a += b;
            }
        }
        if self.trace.is_on() {
            let drops: Vec<String> = RECORD_DROP_REASONS
                .iter()
                .zip(self.report.record_drops)
                .filter(|(_, n)| *n > 0)
                .map(|(r, n)| format!("{r} {n}"))
                .collect();
            let d = if drops.is_empty() {
                "none".to_string()
            } else {
                drops.join(", ")
            };
            self.trace
                .log(self.now, || format!("records dropped by the endpoints: {d}"));
        }
    }
}

/// Runs one simulation with the implementations already resolved (see [`pairing_for`]).
pub fn run_with(spec: &RunSpec, pairing: &Pairing) -> RunReport {
    let mut sim = match Sim::new(spec, pairing) {
        Ok(s) => s,
        Err(e) => {
            return RunReport {
                seed: spec.seed,
                failure: Some(Failure {
                    kind: FailureKind::Connection,
                    message: format!("setup: {e}"),
                }),
                ..RunReport::default()
            };
        }
    };
    sim.run();
    let mut report = std::mem::take(&mut sim.report);
    report.failure = sim.failure.take();
    report.trace = sim.trace.lines().to_vec();
    report
}

/// Resolves the implementations `spec` names.
pub fn pairing_for(spec: &RunSpec) -> Result<Pairing, String> {
    Pairing::named(&spec.client_impl, &spec.server_impl)
}

/// Runs one simulation.
pub fn run(spec: &RunSpec) -> RunReport {
    match pairing_for(spec) {
        Ok(c) => run_with(spec, &c),
        Err(e) => RunReport {
            seed: spec.seed,
            failure: Some(Failure {
                kind: FailureKind::Connection,
                message: format!("setup: {e}"),
            }),
            ..RunReport::default()
        },
    }
}

/// A failure report: the verdict, the replay command, the fault profile and the last trace
/// lines (the run is re-executed with tracing on if it was off, which is exact because runs
/// are deterministic).
pub fn failure_report(spec: &RunSpec, report: &RunReport) -> String {
    let traced = if report.trace.is_empty() {
        let mut s = spec.clone();
        s.trace = true;
        s.capture = false;
        run(&s)
    } else {
        report.clone()
    };
    let tail_start = traced.trace.len().saturating_sub(FAILURE_TAIL);
    let mut out = String::new();
    out.push_str(&report.verdict());
    out.push('\n');
    out.push_str(&format!(
        "  seed: {}\n  profile: {}\n  last events:\n",
        spec.seed,
        spec.profile_line()
    ));
    for l in &traced.trace[tail_start..] {
        out.push_str("    ");
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(&format!("  replay: {}\n", spec.command()));
    out
}
