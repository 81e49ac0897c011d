//! What one run is: the implementations on each side, the seed, the endpoints' settings, the
//! link profile and the targeted faults ([`RunSpec`]), and the one-line command that replays
//! it exactly.

use std::fmt::Write as _;

use crate::faults::Fault;
use crate::implementation::{
    CertSpec, EndpointSpec, PSK_IDENTITY, PSK_KEY, PskSpec, RetransmitSpec, Role, SERVER_CERT_DER,
    SERVER_KEY_DER, SERVER_RSA_CHAIN_DER, SERVER_RSA_KEY_DER, SuiteId,
};
use crate::link::{LinkProfile, Partition};
use crate::rng::stream_seed;

/// The implementation both sides use unless told otherwise.
pub const OURS: &str = "ours";

/// Which way a partition cuts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client to server.
    Up,
    /// Server to client.
    Down,
    /// Both ways.
    Both,
}

/// Everything that determines a run. Same spec, same trace, byte for byte.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    /// The implementation of the client nodes (a name in the registry).
    pub client_impl: String,
    /// The implementation of the server node.
    pub server_impl: String,
    /// The run seed: engine randomness and every link decision derive from it.
    pub seed: u64,
    /// The one suite both sides offer.
    pub suite: SuiteId,
    /// HelloVerifyRequest cookies on the server.
    pub cookies: bool,
    /// Path MTU configured in both endpoints.
    pub mtu: usize,
    /// Number of client nodes (all talk to the one server).
    pub clients: u16,
    /// Messages each client sends and expects echoed.
    pub messages: u32,
    /// Size of each message in bytes.
    pub message_size: usize,
    /// Random faults, the same profile in both directions.
    pub link: LinkProfile,
    /// Partition windows and the directions they cut.
    pub partitions: Vec<(Partition, Direction)>,
    /// Targeted faults.
    pub faults: Vec<Fault>,
    /// A bug pattern (a scripted hostile peer plays one side; see
    /// [`crate::scenarios::patterns`]).
    pub pattern: Option<String>,
    /// Override of [`RetransmitSpec::max_retransmissions`].
    pub max_retransmissions: Option<u8>,
    /// Override of [`RetransmitSpec::handshake_timeout_ms`], in seconds.
    pub handshake_timeout_s: Option<u64>,
    /// Whether both sides require the extended master secret (RFC 7627).
    pub require_ems: bool,
    /// Virtual time after which the run fails, in ms.
    pub time_limit_ms: u64,
    /// Record a trace.
    pub trace: bool,
    /// Record every delivered datagram for pcap export.
    pub capture: bool,
}

/// The suite of the built-in default run.
pub const DEFAULT_SUITE: SuiteId = SuiteId::PSK_WITH_AES_128_CCM_8;

/// The built-in default link: 20% loss each way, 20 ms latency with up to 30 ms of jitter
/// (so datagrams sent together get reordered), 5% duplication.
pub fn default_link() -> LinkProfile {
    LinkProfile {
        loss: 0.2,
        jitter_ms: 30,
        duplicate: 0.05,
        ..LinkProfile::perfect(20)
    }
}

impl Default for RunSpec {
    /// The built-in default run: PSK with AES-128-CCM_8, cookies on, over the default link.
    fn default() -> Self {
        RunSpec {
            client_impl: OURS.to_string(),
            server_impl: OURS.to_string(),
            seed: 1,
            suite: DEFAULT_SUITE,
            cookies: true,
            mtu: 1200,
            clients: 1,
            messages: 3,
            message_size: 48,
            link: default_link(),
            partitions: Vec::new(),
            faults: Vec::new(),
            pattern: None,
            max_retransmissions: None,
            handshake_timeout_s: None,
            require_ems: true,
            time_limit_ms: 1_200_000,
            trace: false,
            capture: false,
        }
    }
}

/// Suites the simulator knows by short name as well as by IANA name.
pub fn parse_suite(s: &str) -> Result<SuiteId, String> {
    SuiteId::parse(s)
}

/// The IANA name of a suite.
pub fn suite_name(s: SuiteId) -> String {
    s.name.to_string()
}

impl RunSpec {
    /// A run over a perfect link (20 ms latency), for targeted and exhaustive scenarios.
    pub fn perfect() -> Self {
        RunSpec {
            link: LinkProfile::perfect(20),
            ..RunSpec::default()
        }
    }

    /// The retransmission schedule both sides are asked to use.
    pub fn retransmit(&self) -> RetransmitSpec {
        let mut r = RetransmitSpec::DEFAULT;
        if let Some(n) = self.max_retransmissions {
            r.max_retransmissions = n;
        }
        if let Some(s) = self.handshake_timeout_s {
            r.handshake_timeout_ms = s.saturating_mul(1000);
        }
        r
    }

    /// What this run asks of the endpoint playing `role`, whose randomness is the stream
    /// named `rng_label` of the run seed (`engine s`, `engine c1`, ...). Both sides get every
    /// credential the simulator has (the PSK, the server certificate as key or trust anchor);
    /// the suite decides which is used.
    pub fn endpoint_spec(&self, role: Role, rng_label: &str) -> EndpointSpec {
        // RSA suites get the RSA chain (leaf + intermediate), the others the P-256 leaf; the
        // client pins the server's leaf either way.
        let (chain_der, key_der) = if self.suite.auth.rsa() {
            (
                SERVER_RSA_CHAIN_DER.iter().map(|c| c.to_vec()).collect(),
                SERVER_RSA_KEY_DER.to_vec(),
            )
        } else {
            (vec![SERVER_CERT_DER.to_vec()], SERVER_KEY_DER.to_vec())
        };
        let (credentials, trust_der) = match role {
            Role::Server => (
                Some(CertSpec {
                    chain_der,
                    key_pkcs8_der: key_der,
                }),
                Vec::new(),
            ),
            Role::Client => (None, chain_der.into_iter().take(1).collect()),
        };
        EndpointSpec {
            suite: self.suite,
            psk: Some(PskSpec {
                identity: PSK_IDENTITY.to_vec(),
                key: PSK_KEY.to_vec(),
            }),
            credentials,
            trust_der,
            server_name: None,
            cookies: self.cookies,
            mtu: self.mtu,
            require_extended_master_secret: self.require_ems,
            seed: stream_seed(self.seed, rng_label),
            retransmit: self.retransmit(),
        }
    }

    /// The implementation name of `role`.
    pub fn implementation(&self, role: Role) -> &str {
        match role {
            Role::Client => &self.client_impl,
            Role::Server => &self.server_impl,
        }
    }

    /// The link profile of one direction, partitions included.
    pub fn profile(&self, up: bool) -> LinkProfile {
        let mut p = self.link.clone();
        p.partitions = self
            .partitions
            .iter()
            .filter(|(_, d)| *d == Direction::Both || (*d == Direction::Up) == up)
            .map(|(w, _)| *w)
            .collect();
        p
    }

    /// The flags that reproduce this spec (without the seed), in a fixed order.
    pub fn flags(&self) -> String {
        let d = RunSpec::default();
        let mut s = String::new();
        if self.client_impl != d.client_impl {
            let _ = write!(s, " --client {}", self.client_impl);
        }
        if self.server_impl != d.server_impl {
            let _ = write!(s, " --server {}", self.server_impl);
        }
        if self.suite != d.suite {
            let _ = write!(s, " --suite {}", suite_name(self.suite));
        }
        if !self.cookies {
            s.push_str(" --no-cookie");
        }
        if self.mtu != d.mtu {
            let _ = write!(s, " --mtu {}", self.mtu);
        }
        if self.clients != d.clients {
            let _ = write!(s, " --clients {}", self.clients);
        }
        if self.messages != d.messages {
            let _ = write!(s, " --messages {}", self.messages);
        }
        if self.message_size != d.message_size {
            let _ = write!(s, " --message-size {}", self.message_size);
        }
        if let Some(n) = self.max_retransmissions {
            let _ = write!(s, " --max-retransmissions {n}");
        }
        if let Some(n) = self.handshake_timeout_s {
            let _ = write!(s, " --handshake-timeout {n}");
        }
        if !self.require_ems {
            s.push_str(" --ems offer");
        }
        if self.time_limit_ms != d.time_limit_ms {
            let _ = write!(s, " --time-limit {}", self.time_limit_ms / 1000);
        }
        // Any link flag replaces the default link by a perfect one, so a link other than the
        // default is spelled out in full against the perfect link.
        let p = LinkProfile::perfect(20);
        let l = &self.link;
        if *l == default_link() && self.partitions.is_empty() {
            // Nothing to say: the default link is what no link flag means.
        } else if *l == p && self.partitions.is_empty() {
            s.push_str(" --loss 0");
        } else {
            if l.loss != p.loss {
                let _ = write!(s, " --loss {}", l.loss);
            }
            if let Some(b) = l.burst {
                let _ = write!(
                    s,
                    " --burst {},{},{}",
                    b.p_enter_bad, b.p_leave_bad, b.loss_in_bad
                );
            }
            if l.latency_ms != p.latency_ms {
                let _ = write!(s, " --latency {}", l.latency_ms);
            }
            if l.jitter_ms != p.jitter_ms {
                let _ = write!(s, " --jitter {}", l.jitter_ms);
            }
            for (name, v) in [
                ("duplicate", l.duplicate),
                ("replay", l.replay),
                ("corrupt", l.corrupt),
                ("truncate", l.truncate),
                ("extend", l.extend),
                ("pack", l.pack),
            ] {
                if v != 0.0 {
                    let _ = write!(s, " --{name} {v}");
                }
            }
            if let Some(m) = l.mtu_black_hole {
                let _ = write!(s, " --black-hole {m}");
            }
            for (w, dir) in &self.partitions {
                let dir = match dir {
                    Direction::Up => "up",
                    Direction::Down => "down",
                    Direction::Both => "both",
                };
                let _ = write!(s, " --partition {}-{}:{dir}", w.from_ms, w.to_ms);
            }
        }
        for f in &self.faults {
            let _ = write!(s, " --scenario {f}");
        }
        if let Some(p) = &self.pattern {
            let _ = write!(s, " --scenario {p}");
        }
        s
    }

    /// The one-line command that replays this run exactly.
    pub fn command(&self) -> String {
        format!(
            "cargo run --release -p dtls-sim -- --seed {}{}",
            self.seed,
            self.flags()
        )
    }

    /// A one-line description of the fault profile, for failure reports.
    pub fn profile_line(&self) -> String {
        let f = self.flags();
        if f.is_empty() {
            "built-in default".to_string()
        } else {
            f.trim().to_string()
        }
    }
}
