//! The world of one run: the nodes (endpoints from the run's implementations), the links
//! between them, the virtual clock and its event queue, and the loop that moves datagrams and
//! time. The world knows no DTLS type and interprets no fault: it asks the endpoints
//! ([`Endpoint`]), the fault hooks ([`Hooks`]), the application ([`Workload`]) and the
//! invariant checks ([`Oracle`]) what to do, and does it.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::classify::{self, Shape};
use crate::endpoint::CloseKind;
use crate::endpoint::{AppEvent, Endpoint, Instant, NodeId, RECORD_DROP_REASONS};
use crate::faults::{Action, ConvEvent, FaultContext, Hooks, Position, Toward, Verdict};
use crate::hostile::{self, Hostile};
use crate::implementation::{Pairing, Role};
use crate::link::{DropReason, Link, Origin};
use crate::oracle::{Cause, Oracle, Provenance, Violation};
use crate::pcap::Captured;
use crate::queue::EventQueue;
use crate::report::{Failure, FailureKind, FlightInfo, RunReport};
use crate::rng::SimRng;
use crate::scenario::{OURS, RunSpec};
use crate::scenarios::{self, Observed, patterns::Pattern};
use crate::trace::Trace;
use crate::workload::{APP_RTO_MS, AppAction, Workload, printable};

/// The server's node id; clients are 1..=n.
pub const SERVER: NodeId = 0;

/// Engine time at the start of a run. Not zero, so that nothing can depend on time starting
/// at zero; traces print time relative to it.
const ORIGIN_MS: u64 = 1_000_000;
/// Loop iterations after which a run is declared a livelock.
const STEP_BUDGET: u64 = 500_000;
/// Largest datagram packing may build (a UDP payload over a 1500-byte Ethernet MTU).
const MAX_PACKED: usize = 1472;
/// How long a pattern run goes on after its script has finished: long enough for the
/// implementation under test to answer the last deviation (its retransmissions need no
/// answer from the script to end).
const PATTERN_SETTLE_MS: u64 = 5_000;

/// A bug-pattern run: which node is the hostile script, which the implementation under test.
struct PatternRun {
    pattern: &'static Pattern,
    handle: hostile::Handle,
    hostile: NodeId,
    under_test: NodeId,
    observed: Observed,
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

impl Tag {
    fn name(self) -> &'static str {
        match self {
            Tag::Normal => "Normal",
            Tag::Duplicate => "Duplicate",
            Tag::Replay => "Replay",
            Tag::Injected { must_reject: true } => "Injected { must_reject: true }",
            Tag::Injected { must_reject: false } => "Injected { must_reject: false }",
        }
    }
}

/// A datagram on its way from a sender to the link: extra delay, bytes, trace note,
/// position, and its shape when the bytes are still those the endpoint produced.
type Outgoing = (u64, Vec<u8>, Option<String>, Position, Option<Shape>);

#[derive(Debug, Default)]
struct Conversation {
    last_from_client: Option<bool>,
    flight: u32,
    index: u32,
}

fn node_name(n: NodeId) -> String {
    if n == SERVER {
        "s".to_string()
    } else {
        format!("c{n}")
    }
}

struct World<'a> {
    spec: &'a RunSpec,
    pairing: &'a Pairing,
    now: u64,
    nodes: Vec<Box<dyn Endpoint>>,
    /// (from, to) → link direction.
    links: HashMap<(NodeId, NodeId), Link>,
    /// Targeted faults, per conversation (by client).
    hooks: HashMap<NodeId, Hooks>,
    conv: HashMap<NodeId, Conversation>,
    queue: EventQueue<Pending>,
    trace: Trace,
    report: RunReport,
    workload: Workload,
    oracle: Oracle,
    next_id: u64,
    /// Per (sender, receiver): retransmission keys of handshake datagrams already sent.
    sent_keys: HashMap<(NodeId, NodeId), HashSet<u64>>,
    /// The node whose timer fired, while the world collects what that made it send.
    timer_node: Option<NodeId>,
    /// The handshake messages of client 1's conversation, accumulated.
    handshake_seen: Shape,
    /// Set when the run plays a bug pattern.
    pattern: Option<PatternRun>,
    failure: Option<Failure>,
    buf: Vec<u8>,
}

/// What the fault hooks of one conversation may ask of the world.
struct Ctx<'b> {
    spec: &'b RunSpec,
    pairing: &'b Pairing,
    client: NodeId,
    now: Instant,
    buf: &'b mut Vec<u8>,
}

impl FaultContext for Ctx<'_> {
    fn seed(&self) -> u64 {
        self.spec.seed
    }

    fn fresh_client_hello(&mut self, label: &str) -> Option<Vec<u8>> {
        let spec = self
            .spec
            .endpoint_spec(Role::Client, &format!("{label} c{}", self.client));
        let mut fresh = self
            .pairing
            .client
            .client(&spec, self.client, SERVER, self.now)
            .ok()?;
        let (_, n) = fresh.poll_transmit(self.buf)?;
        self.buf.get(..n).map(<[u8]>::to_vec)
    }
}

impl<'a> World<'a> {
    fn new(spec: &'a RunSpec, pairing: &'a Pairing) -> Result<Self, String> {
        let origin = Instant::from_millis(ORIGIN_MS);
        let mut nodes: Vec<Box<dyn Endpoint>> = Vec::new();
        let mut pattern = None;
        let hostile_role = match &spec.pattern {
            Some(name) => {
                let p = scenarios::patterns::find(name)
                    .ok_or_else(|| format!("unknown bug pattern {name:?} (see --list-scenarios)"))?;
                if !scenarios::applies(p, spec.suite) {
                    return Err(format!("pattern {name} does not apply to {}", spec.suite));
                }
                if spec.clients != 1 {
                    return Err("a bug pattern runs with one client".into());
                }
                Some(p)
            }
            None => None,
        };
        let mut hostile_endpoint =
            |role: Role, me: NodeId, peer: NodeId| -> Result<Box<dyn Endpoint>, String> {
                let p = hostile_role.ok_or("no pattern")?;
                let es = spec.endpoint_spec(role, "hostile");
                let (h, handle) = Hostile::new(role, &es, peer, (p.script)(), role == Role::Server, origin)?;
                let under_test = peer;
                pattern = Some(PatternRun {
                    pattern: p,
                    handle,
                    hostile: me,
                    under_test,
                    observed: Observed::default(),
                });
                Ok(Box::new(h))
            };
        let server_spec = spec.endpoint_spec(Role::Server, "engine s");
        // Implementations that cannot apply the run's retransmission count declare theirs.
        let default_bound = server_spec.retransmit.max_retransmissions;
        let mut bounds = Vec::new();
        let sb = pairing.server.max_retransmissions(&server_spec);
        if sb != default_bound {
            bounds.push((SERVER, sb));
        }
        match hostile_role {
            Some(p) if p.hostile == Role::Server => nodes.push(hostile_endpoint(Role::Server, SERVER, 1)?),
            _ => nodes.push(pairing.server.server(&server_spec, SERVER, origin)?),
        }
        let mut links = HashMap::new();
        let mut hooks = HashMap::new();
        for c in 1..=spec.clients {
            let client_spec = spec.endpoint_spec(Role::Client, &format!("engine c{c}"));
            let cb = pairing.client.max_retransmissions(&client_spec);
            if cb != default_bound {
                bounds.push((c, cb));
            }
            match hostile_role {
                Some(p) if p.hostile == Role::Client => {
                    nodes.push(hostile_endpoint(Role::Client, c, SERVER)?)
                }
                _ => nodes.push(pairing.client.client(&client_spec, c, SERVER, origin)?),
            }
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
            hooks.insert(c, Hooks::new(spec.faults.clone()));
        }
        let mut workload = Workload::new(SERVER, 1..=spec.clients, spec.messages, spec.message_size);
        let mut oracle = Oracle::new(SERVER, spec.cookies, spec.retransmit().max_retransmissions);
        for (node, b) in bounds {
            oracle.set_retransmission_bound(node, b);
        }
        if let Some(pr) = &pattern {
            // The verdict, not the application, judges how a pattern's handshake ends.
            workload.expect_rejection(1, &format!("pattern {}", pr.pattern.name));
            oracle.exempt(pr.hostile);
        }
        Ok(World {
            spec,
            pairing,
            now: 0,
            nodes,
            links,
            hooks,
            conv: HashMap::new(),
            queue: EventQueue::default(),
            trace: Trace::new(spec.trace),
            report: RunReport {
                seed: spec.seed,
                ..RunReport::default()
            },
            workload,
            oracle,
            next_id: 0,
            sent_keys: HashMap::new(),
            timer_node: None,
            handshake_seen: Shape::default(),
            pattern,
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

    fn violated(&mut self, v: Option<Violation>) -> bool {
        match v {
            Some(v) => {
                self.fail(FailureKind::Violation, format!("{}: {}", v.invariant, v.message));
                true
            }
            None => false,
        }
    }

    fn client_of(from: NodeId, to: NodeId) -> NodeId {
        if from == SERVER { to } else { from }
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
            if !self.workload.knows(client) || !self.links.contains_key(&(from, to)) {
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
            let shape = classify::shape(&bytes);
            if client == 1 {
                if conv.index == 1 {
                    self.report.flights.push(FlightInfo {
                        from_client,
                        datagrams: 0,
                        handshake: false,
                    });
                }
                if let Some(fi) = self.report.flights.last_mut() {
                    fi.datagrams += 1;
                    fi.handshake |= shape.handshake;
                }
                if shape.handshake {
                    self.handshake_seen.messages |= shape.messages;
                    self.handshake_seen.encrypted_handshake |= shape.encrypted_handshake;
                }
            }
            let pos = Position {
                from_client,
                flight: conv.flight,
                index: conv.index,
            };
            let verdict = match self.hooks.get_mut(&client) {
                Some(h) if !h.is_empty() => h.on_send(pos, bytes),
                _ => {
                    last_pos = pos;
                    by_dest
                        .entry(to)
                        .or_default()
                        .push((0, bytes, None, pos, Some(shape)));
                    continue;
                }
            };
            self.apply_verdict(from, to, client, pos, verdict, &mut by_dest);
            last_pos = pos;
        }
        // Held datagrams are released at the end of the burst that held them.
        let dests: Vec<NodeId> = by_dest.keys().copied().collect();
        for to in dests {
            let client = Self::client_of(from, to);
            if let Some(h) = self.hooks.get_mut(&client) {
                for o in h.flush() {
                    by_dest
                        .entry(to)
                        .or_default()
                        .push((o.delay_ms, o.bytes, o.note, last_pos, None));
                }
            }
        }
        for (to, items) in by_dest {
            // Packing: coalesce datagrams leaving at the same moment.
            let mut packed: Vec<Outgoing> = Vec::new();
            for (delay, bytes, note, pos, shape) in items {
                let pack = self
                    .links
                    .get_mut(&(from, to))
                    .is_some_and(|l| l.profile().pack > 0.0 && l.pack_next());
                match packed.last_mut() {
                    Some(last) if pack && last.0 == delay && last.1.len() + bytes.len() <= MAX_PACKED => {
                        last.1.extend_from_slice(&bytes);
                        last.2 = Some("packed".into());
                        last.4 = None;
                    }
                    _ => packed.push((delay, bytes, note, pos, shape)),
                }
            }
            for (delay, bytes, note, pos, shape) in packed {
                let id = self.next_id;
                self.next_id += 1;
                let shape = shape.unwrap_or_else(|| classify::shape(&bytes));
                self.account_send(from, to, id, &bytes, &shape, note, pos);
                if delay > 0 {
                    self.queue
                        .push(self.now + delay, Pending::Launch { id, from, to, bytes });
                } else {
                    self.launch(id, from, to, bytes);
                }
            }
        }
    }

    fn apply_verdict(
        &mut self,
        from: NodeId,
        to: NodeId,
        client: NodeId,
        pos: Position,
        verdict: Verdict,
        by_dest: &mut BTreeMap<NodeId, Vec<Outgoing>>,
    ) {
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
        if let Some(name) = verdict.tampered {
            let what = format!("tampered {name}");
            self.oracle.on_tampered(client, name);
            self.workload.expect_rejection(client, &what);
        }
        let list = by_dest.entry(to).or_default();
        for o in verdict.out {
            list.push((o.delay_ms, o.bytes, o.note, pos, None));
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn account_send(
        &mut self,
        from: NodeId,
        to: NodeId,
        id: u64,
        bytes: &[u8],
        shape: &Shape,
        note: Option<String>,
        pos: Position,
    ) {
        self.report.datagrams += 1;
        self.report.bytes += bytes.len() as u64;
        let mut again = false;
        if shape.handshake {
            again = !self.sent_keys.entry((from, to)).or_default().insert(shape.key);
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
        let cause = if self.timer_node == Some(from) {
            Cause::Timer
        } else {
            Cause::Other
        };
        let v = self.oracle.on_send(from, to, bytes, shape, cause, again);
        self.violated(v);
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

    /// Schedules an attacker's datagram: it skips the link's faults and arrives one latency
    /// (plus `extra_ms`) from now.
    fn inject(
        &mut self,
        from: NodeId,
        to: NodeId,
        bytes: Vec<u8>,
        must_reject: bool,
        what: &str,
        extra_ms: u64,
    ) {
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
        let at = self.now + self.spec.link.latency_ms + extra_ms;
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
        self.oracle.before_delivery(from, to, &bytes);
        let now = self.instant();
        self.nodes[to as usize].handle_datagram(now, from, &bytes);
        let after = self.nodes[to as usize].accepted_protected_total();
        let accepted = match (before, after) {
            (Some(b), Some(a)) => Some(a > b),
            _ => None,
        };
        let provenance = match tag {
            Tag::Injected { must_reject } => Provenance::Injected { forged: must_reject },
            _ => Provenance::Network,
        };
        let v = self
            .oracle
            .after_delivery(from, to, digest, accepted, provenance, id, tag.name());
        self.violated(v);
        let client = Self::client_of(from, to);
        let toward = if to == SERVER {
            Toward::Server
        } else {
            Toward::Client
        };
        let actions = match self.hooks.get_mut(&client) {
            Some(h) if !h.is_empty() => h.on_delivery(toward, &bytes, self.spec.seed),
            _ => Vec::new(),
        };
        self.fault_actions(client, actions);
    }

    fn fault_actions(&mut self, client: NodeId, actions: Vec<Action>) {
        for a in actions {
            match a {
                Action::Inject {
                    toward,
                    bytes,
                    must_reject,
                    what,
                    extra_delay_ms,
                } => {
                    let (from, to) = match toward {
                        Toward::Server => (client, SERVER),
                        Toward::Client => (SERVER, client),
                    };
                    self.inject(from, to, bytes, must_reject, what, extra_delay_ms);
                }
                Action::Greet => {
                    let acts = self.workload.greet(client);
                    self.app_actions(acts);
                }
            }
        }
    }

    fn app_actions(&mut self, actions: Vec<AppAction>) {
        for a in actions {
            match a {
                AppAction::Send {
                    from,
                    to,
                    data,
                    purpose,
                } => {
                    if let Err(e) = self.nodes[from as usize].send(to, &data) {
                        self.fail(FailureKind::Connection, purpose.refused(from, to, &e));
                    }
                    self.oracle.on_app_send(from, to, data);
                }
                AppAction::Close { client } => {
                    let t = self.instant();
                    self.nodes[client as usize].close(t, SERVER);
                }
                AppAction::Timer { client, generation } => {
                    self.queue
                        .push(self.now + APP_RTO_MS, Pending::AppTimer { client, generation });
                }
                AppAction::Fail { kind, message } => {
                    if self.pattern.is_some() && kind == FailureKind::Connection {
                        // A pattern's verdict decides; the application only notes it.
                        self.trace.log(self.now, || format!("note: {message}"));
                    } else {
                        self.fail(kind, message);
                    }
                }
            }
        }
    }

    /// Tells the fault hooks of `client`'s conversation about an event.
    fn conv_event(&mut self, client: NodeId, ev: ConvEvent) {
        let now = self.instant();
        let Some(h) = self.hooks.get_mut(&client) else {
            return;
        };
        if h.is_empty() {
            return;
        }
        let mut ctx = Ctx {
            spec: self.spec,
            pairing: self.pairing,
            client,
            now,
            buf: &mut self.buf,
        };
        let actions = h.on_event(ev, &mut ctx);
        self.fault_actions(client, actions);
    }

    fn after_connect(&mut self, client: NodeId) {
        if self.workload.both_connected(client) {
            self.conv_event(client, ConvEvent::BothConnected);
        }
    }

    /// Pattern-run bookkeeping for an event of the implementation under test; `false` when
    /// the event broke the pattern's rules (the run has failed).
    fn pattern_event(&mut self, node: NodeId, ev: &AppEvent) -> bool {
        let Some(pr) = self.pattern.as_mut() else {
            return true;
        };
        if node != pr.under_test {
            return true;
        }
        let name = pr.pattern.name;
        // What the hostile peer sent as legitimate data may be delivered; the oracle must
        // know it before judging a delivery.
        let (legit, forbidden) = {
            let mut sh = pr.handle.borrow_mut();
            let legit = std::mem::take(&mut sh.session.legit_unreported);
            (legit, sh.session.forbidden.clone())
        };
        let (from, to) = (pr.hostile, pr.under_test);
        let mut problem = None;
        match ev {
            AppEvent::Connected(_) => {
                pr.observed.connected += 1;
                if matches!(pr.pattern.expect, scenarios::patterns::Expect::Refuse(_)) {
                    problem = Some(format!(
                        "pattern {name}: the implementation under test completed the handshake"
                    ));
                } else if pr.observed.connected > 1 {
                    problem = Some(format!(
                        "pattern {name}: a second handshake completed on the same connection"
                    ));
                }
            }
            AppEvent::Data(d) if forbidden.contains(d) => {
                problem = Some(format!(
                    "pattern {name}: delivered data the scenario forbids: {}",
                    printable(d)
                ));
            }
            AppEvent::Closed(CloseKind::Error(e)) => {
                pr.observed.error_close.get_or_insert_with(|| e.clone());
            }
            _ => {}
        }
        for d in legit {
            self.oracle.on_app_send(from, to, d);
        }
        match problem {
            Some(p) => {
                self.fail(FailureKind::Violation, p);
                false
            }
            None => true,
        }
    }

    fn on_event(&mut self, node: NodeId, peer: NodeId, ev: AppEvent) {
        let now = self.now;
        if !self.pattern_event(node, &ev) {
            return;
        }
        if node == SERVER {
            let client = peer;
            match ev {
                AppEvent::Connected(suite) => {
                    self.trace
                        .log(now, || format!("s  connected to c{client} ({suite})"));
                    let v = self.oracle.on_connected(SERVER, client);
                    self.violated(v);
                    self.workload.on_server_connected(client);
                    self.conv_event(client, ConvEvent::ServerConnected);
                    self.after_connect(client);
                }
                AppEvent::Data(d) => {
                    self.trace
                        .log(now, || format!("s  data from c{client} {}", printable(&d)));
                    if !self.workload.knows(client) {
                        return;
                    }
                    let v = self.oracle.on_data(SERVER, client, &d, || printable(&d));
                    if self.violated(v) {
                        return;
                    }
                    let acts = self.workload.on_server_data(client, &d);
                    self.app_actions(acts);
                }
                AppEvent::Closed(kind) => {
                    let k = kind.clone();
                    self.trace.log(now, || format!("s  closed c{client}: {k:?}"));
                    self.oracle.on_closed(SERVER, client);
                    let acts = self.workload.on_server_closed(client, &kind);
                    self.app_actions(acts);
                }
            }
            return;
        }
        let client = node;
        match ev {
            AppEvent::Connected(suite) => {
                self.trace.log(now, || format!("c{client} connected ({suite})"));
                let v = self.oracle.on_connected(client, SERVER);
                self.violated(v);
                self.report.handshake_ms = Some(self.report.handshake_ms.unwrap_or(0).max(now));
                let acts = self.workload.on_client_connected(client, now, &mut self.trace);
                self.app_actions(acts);
                self.after_connect(client);
            }
            AppEvent::Data(d) => {
                self.trace
                    .log(now, || format!("c{client} data {}", printable(&d)));
                if !self.workload.knows(client) {
                    return;
                }
                let v = self.oracle.on_data(client, SERVER, &d, || printable(&d));
                if self.violated(v) {
                    return;
                }
                let acts = self.workload.on_client_data(client, &d, now, &mut self.trace);
                self.app_actions(acts);
            }
            AppEvent::Closed(kind) => {
                let k = kind.clone();
                self.trace.log(now, || format!("c{client} closed: {k:?}"));
                self.oracle.on_closed(client, SERVER);
                let acts = self.workload.on_client_closed(client, kind, now, &mut self.trace);
                self.app_actions(acts);
            }
        }
    }

    fn run(&mut self) {
        let limit = self.spec.time_limit_ms;
        self.trace.log(0, || {
            let impls = if self.spec.client_impl == OURS && self.spec.server_impl == OURS {
                String::new()
            } else {
                format!(
                    " client {} server {}",
                    self.spec.client_impl, self.spec.server_impl
                )
            };
            format!(
                "start seed {} suite {} cookies {} mtu {} clients {}{impls}",
                self.spec.seed,
                crate::scenario::suite_name(self.spec.suite),
                if self.spec.cookies { "on" } else { "off" },
                self.spec.mtu,
                self.spec.clients
            )
        });
        for c in 1..=self.spec.clients {
            let actions = match self.hooks.get_mut(&c) {
                Some(h) if !h.is_empty() => h.at_start(self.spec.seed),
                _ => Vec::new(),
            };
            self.fault_actions(c, actions);
        }
        self.pump();
        let mut steps = 0u64;
        // A pattern run ends with its script (and settling time), not with the application:
        // the last alert may still be on its way when the client's application gives up.
        while self.failure.is_none()
            && !(self.pattern.is_none() && self.workload.done())
            && !self.pattern_done()
        {
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
                (None, None) if self.pattern.is_some() => break,
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
            if let Some(end) = self.pattern_end() {
                // A pattern run ends when its script has had its answers; what the
                // implementation does long after (idle timers) is not part of the verdict.
                if next > end.min(limit) {
                    self.now = end.min(limit).max(self.now);
                    break;
                }
            }
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
                    Pending::AppTimer { client, generation } => {
                        let acts = self
                            .workload
                            .on_timer(client, generation, self.now, &mut self.trace);
                        self.app_actions(acts);
                    }
                    Pending::Launch { id, from, to, bytes } => self.launch(id, from, to, bytes),
                }
                self.pump();
            } else if let Some((_, n)) = node_next {
                self.trace
                    .log(self.now, || format!("{} timer", node_name(n as NodeId)));
                let t = self.instant();
                self.nodes[n].handle_timeout(t);
                self.timer_node = Some(n as NodeId);
                self.pump();
                self.timer_node = None;
            }
        }
        self.report.end_ms = self.now;
        self.judge_pattern();
        self.report.closes = self.workload.closes();
        self.report.rejected = self.workload.rejected();
        self.report.handshake_messages = self.handshake_seen.message_names();
        for c in 1..=self.spec.clients {
            let mut r = self.nodes[c as usize].records(SERVER);
            r.add(&self.nodes[SERVER as usize].records(c));
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

impl World<'_> {
    fn pattern_done(&self) -> bool {
        self.pattern_end().is_some_and(|end| self.now >= end)
    }

    /// When a pattern run ends (ms since the start), once its script has finished; a run
    /// without a pattern has no such end. Until the script finishes, the time limit applies.
    fn pattern_end(&self) -> Option<u64> {
        let pr = self.pattern.as_ref()?;
        let sh = pr.handle.borrow();
        match sh.finished_at {
            Some(t) => Some(t.saturating_sub(ORIGIN_MS) + PATTERN_SETTLE_MS),
            None => Some(self.spec.time_limit_ms),
        }
    }

    fn judge_pattern(&mut self) {
        let Some(pr) = self.pattern.as_mut() else {
            return;
        };
        let sh = pr.handle.borrow();
        pr.observed.stuck = sh.stuck;
        let seen = scenarios::seen_summary(&sh.session);
        let verdict = scenarios::judge(pr.pattern, &sh.session, &pr.observed);
        let name = pr.pattern.name;
        drop(sh);
        self.trace.log(self.now, || {
            format!("pattern {name}: the hostile peer received: {seen}")
        });
        match verdict {
            Ok(how) => {
                self.trace.log(self.now, || format!("pattern {name}: {how}"));
                self.report.pattern_outcome = Some(how);
            }
            Err(why) => {
                if self.failure.is_none() {
                    self.fail(FailureKind::Expectation, format!("pattern {name}: {why}"));
                }
            }
        }
    }
}

fn setup_failure(spec: &RunSpec, e: String) -> RunReport {
    RunReport {
        seed: spec.seed,
        failure: Some(Failure {
            kind: FailureKind::Connection,
            message: format!("setup: {e}"),
        }),
        ..RunReport::default()
    }
}

/// Runs one simulation with the implementations already resolved (see [`pairing_for`]).
pub fn run_with(spec: &RunSpec, pairing: &Pairing) -> RunReport {
    let mut world = match World::new(spec, pairing) {
        Ok(w) => w,
        Err(e) => return setup_failure(spec, e),
    };
    world.run();
    let mut report = std::mem::take(&mut world.report);
    report.failure = world.failure.take();
    report.trace = world.trace.lines().to_vec();
    report
}

/// Resolves the implementations `spec` names.
pub fn pairing_for(spec: &RunSpec) -> Result<Pairing, String> {
    Pairing::named(&spec.client_impl, &spec.server_impl)
}

/// Runs one simulation.
pub fn run(spec: &RunSpec) -> RunReport {
    match pairing_for(spec) {
        Ok(p) => run_with(spec, &p),
        Err(e) => setup_failure(spec, e),
    }
}
