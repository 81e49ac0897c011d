//! What one run is: the seed, the endpoints' settings, the link profile and the targeted
//! faults ([`RunSpec`]), and the one-line command that replays it exactly.

use std::fmt::Write as _;

use dtls::Duration;
use dtls::config::Limits;
use dtls::wire::CipherSuite;

use crate::faults::Fault;
use crate::link::{LinkProfile, Partition};

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
    /// The run seed: engine randomness and every link decision derive from it.
    pub seed: u64,
    /// The one suite both sides offer.
    pub suite: CipherSuite,
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
    /// Override of `Limits::max_retransmissions`.
    pub max_retransmissions: Option<u8>,
    /// Override of `Limits::handshake_timeout`, in seconds.
    pub handshake_timeout_s: Option<u64>,
    /// Virtual time after which the run fails, in ms.
    pub time_limit_ms: u64,
    /// Record a trace.
    pub trace: bool,
    /// Record every delivered datagram for pcap export.
    pub capture: bool,
}

/// The suite of the built-in default run.
pub const DEFAULT_SUITE: CipherSuite = CipherSuite::TLS_PSK_WITH_AES_128_CCM_8;

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
            max_retransmissions: None,
            handshake_timeout_s: None,
            time_limit_ms: 1_200_000,
            trace: false,
            capture: false,
        }
    }
}

/// Suites the simulator knows by short name as well as by IANA name.
pub fn parse_suite(s: &str) -> Result<CipherSuite, String> {
    let short = match s.to_ascii_lowercase().as_str() {
        "psk-ccm8" | "psk-ccm_8" => Some(CipherSuite::TLS_PSK_WITH_AES_128_CCM_8),
        "psk-gcm" => Some(CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256),
        "ecdhe-ecdsa-gcm" | "ecdhe-gcm" => Some(CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256),
        "ecdhe-ecdsa-ccm8" | "ecdhe-ccm8" => Some(CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8),
        _ => None,
    };
    if let Some(s) = short {
        return Ok(s);
    }
    dtls::suite::SUPPORTED
        .iter()
        .map(|p| p.suite)
        .find(|c| c.iana_name().is_some_and(|n| n.eq_ignore_ascii_case(s)))
        .ok_or_else(|| {
            let names: Vec<&str> = dtls::suite::SUPPORTED
                .iter()
                .filter_map(|p| p.suite.iana_name())
                .collect();
            format!(
                "unknown or unsupported suite {s:?}; supported: {}",
                names.join(", ")
            )
        })
}

/// The IANA name of a suite (or its hex code).
pub fn suite_name(s: CipherSuite) -> String {
    s.iana_name()
        .map_or_else(|| format!("{:#06x}", s.0), str::to_string)
}

impl RunSpec {
    /// A run over a perfect link (20 ms latency), for targeted and exhaustive scenarios.
    pub fn perfect() -> Self {
        RunSpec {
            link: LinkProfile::perfect(20),
            ..RunSpec::default()
        }
    }

    /// The engine limits this run uses.
    pub fn limits(&self) -> Limits {
        let mut l = Limits::DEFAULT;
        if let Some(n) = self.max_retransmissions {
            l.max_retransmissions = n;
        }
        if let Some(s) = self.handshake_timeout_s {
            l.handshake_timeout = Duration::from_secs(s);
        }
        l
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
