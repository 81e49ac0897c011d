//! The scenario library: every named scenario the simulator can run against any pairing of
//! implementations, and where it comes from. Three kinds:
//!
//! - targeted scenarios: a fault schedule ([`crate::faults`]) over an honest handshake and
//!   echo, which must complete (or, for tampering, be rejected);
//! - explorer families ([`crate::explore`]): every case of a family, each a targeted fault;
//! - bug patterns ([`patterns`]): a scripted hostile peer on one side.
//!
//! Each item of TESTING.md sections 2 and 3 is one of these; [`TESTING_ITEMS`] maps the
//! section 3 items the simulator covers with targeted faults, the patterns name their item
//! themselves.

pub mod patterns;

use dtls::wire::AlertDescription;

use crate::explore::Family;
use crate::hostile::{Seen, Session};
use crate::implementation::SuiteId;
use patterns::{Expect, Pattern};

/// A targeted scenario: a fault schedule, the TESTING.md item it covers.
#[derive(Debug, Clone, Copy)]
pub struct Targeted {
    /// The scenario (a `--scenario` fault spelling, or `default` for the lossy default link).
    pub name: &'static str,
    /// What it checks.
    pub what: &'static str,
}

/// The targeted scenarios the matrix runs, with the TESTING.md items they answer.
pub const TARGETED: &[Targeted] = &[
    Targeted {
        name: "default",
        what: "1: the built-in lossy link (20% loss, jitter, duplication), seeds 1..=20",
    },
    Targeted {
        name: "delay-ccs:300",
        what: "1 targeted delay: ChangeCipherSpec always delayed",
    },
    Targeted {
        name: "finished-before-ccs",
        what: "1 swap: Finished before ChangeCipherSpec",
    },
    Targeted {
        name: "hold-message:ServerHello",
        what: "1 targeted delay: a named message held until after the next datagram",
    },
    Targeted {
        name: "drop-message:Finished:2",
        what: "1 targeted drop: message type X the first n times",
    },
    Targeted {
        name: "drop-epoch:1:2",
        what: "1 targeted drop: all records of epoch e once (twice)",
    },
    Targeted {
        name: "appdata-before-finished",
        what: "1 swap: ApplicationData before Finished; 3 record: data between ChangeCipherSpec and Finished not delivered before Finished verifies",
    },
    Targeted {
        name: "stray-client-hello",
        what: "1 inject: stray ClientHello after the connection is up; 3 cookies: a same-port reconnect does not kill the live session",
    },
    Targeted {
        name: "replayed-client-hello",
        what: "1 replay: the first ClientHello re-injected after the connection is up",
    },
    Targeted {
        name: "inject-huge-seq",
        what: "1 inject: next-epoch records with a huge sequence number; 3 record: a bad MAC there must not move the replay window",
    },
    Targeted {
        name: "inject-epoch0-data",
        what: "1 inject / 3 record: cleartext epoch-0 ApplicationData after the handshake is never delivered",
    },
    Targeted {
        name: "inject-epoch0-data-early",
        what: "3 record: cleartext epoch-0 ApplicationData before the handshake is never delivered",
    },
    Targeted {
        name: "inject-early-ccs",
        what: "3 record: a ChangeCipherSpec before any ClientHello is ignored or fatal, never a crash",
    },
    Targeted {
        name: "inject-early-high-epoch",
        what: "3 record: a large epoch on an early record does not poison later legitimate records",
    },
    Targeted {
        name: "inject-next-epoch-early",
        what: "3 reassembly/record: forged next-epoch records while a side waits for ChangeCipherSpec are discarded (bounded buffering, RFC 6347 4.1.2.7)",
    },
    Targeted {
        name: "repeat-final-flight",
        what: "2 client: the server's final flight arriving again (as duplicated on the wire)",
    },
];

/// Section 3 items the oracle checks in every run rather than one scenario.
pub const ORACLE_ITEMS: &[(&str, &str)] = &[
    (
        "3 cookies: no amplification",
        "Invariant::Amplification, every run with cookies on",
    ),
    (
        "3 record: a next-epoch record with a huge sequence number must not move the replay window",
        "Invariant::Replay, every run (and inject-huge-seq)",
    ),
];

/// Whether `pattern` applies to `suite`. The hostile peer speaks PSK and ECDHE_ECDSA only, so
/// no pattern applies to the RSA-authenticated suites (ECDHE_RSA, RSA key transport); the
/// certificate bug patterns for those are the engine's own tests (`dtls/tests/client_auth.rs`).
pub fn applies(p: &Pattern, suite: SuiteId) -> bool {
    if suite.auth.rsa() {
        return false;
    }
    let auth_ok = p.auth.is_none_or(|a| a == suite.auth);
    let cbc = suite.name.contains("_CBC_");
    auth_ok && (!p.cbc_only || cbc)
}

/// The explorer families the matrix runs.
pub const FAMILIES: [Family; 4] = Family::ALL;

/// What the world tells the verdict about the implementation under test.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// How many times it reported the handshake complete.
    pub connected: u32,
    /// The error it closed with, if any.
    pub error_close: Option<String>,
    /// What the hostile script was waiting for when it gave up, if it did.
    pub stuck: Option<&'static str>,
}

fn alert_name(d: u8) -> String {
    AlertDescription(d)
        .name()
        .map_or_else(|| format!("alert {d}"), str::to_string)
}

fn names(list: &[AlertDescription]) -> String {
    if list.is_empty() {
        return "none".into();
    }
    list.iter()
        .map(|a| alert_name(a.0))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Judges a pattern run: `Ok(what happened)` if the implementation under test did what the
/// pattern requires, `Err(why not)` otherwise.
pub fn judge(p: &Pattern, s: &Session, o: &Observed) -> Result<String, String> {
    let role = p.under_test();
    let fatal = s.fatal_alerts();
    let allowed: &[AlertDescription] = match p.expect {
        Expect::Refuse(a) | Expect::Survive(a) => a,
        Expect::Ends => &[],
    };
    if let Some(bad) = fatal.iter().find(|d| !allowed.iter().any(|a| a.0 == **d)) {
        return Err(format!(
            "the {role} answered with a fatal {}; allowed: silence or {}",
            alert_name(*bad),
            names(allowed)
        ));
    }
    let how = match fatal.first() {
        Some(d) => format!("fatal {}", alert_name(*d)),
        None => "silently".to_string(),
    };
    let result = match p.expect {
        Expect::Refuse(_) => {
            if o.connected > 0 {
                Err(format!("the {role} completed the handshake"))
            } else if let Some(what) = o.stuck {
                Err(format!(
                    "inconclusive: the {role} never sent {what}, so the pattern could not be played"
                ))
            } else {
                Ok(format!("refused {how}"))
            }
        }
        Expect::Survive(_) => {
            if !fatal.is_empty() {
                Ok(format!("ended the connection with {how}"))
            } else if let Some(what) = o.stuck {
                Err(format!(
                    "the connection stopped working: the {role} never sent {what}"
                ))
            } else if let Some(e) = &o.error_close {
                Err(format!("the {role} closed with an error and no alert: {e}"))
            } else if o.connected > 1 {
                Err(format!("the {role} reported a second completed handshake"))
            } else {
                Ok("discarded the deviation and kept working".to_string())
            }
        }
        Expect::Ends => {
            if let Some(what) = o.stuck {
                Err(format!("inconclusive: the {role} never sent {what}"))
            } else {
                Ok("delivered nothing after the end of the connection".to_string())
            }
        }
    };
    let result = result?;
    if let Some(check) = p.check {
        check(s)?;
    }
    Ok(result)
}

/// A summary of what the hostile peer received, for traces.
pub fn seen_summary(s: &Session) -> String {
    let mut out = Vec::new();
    for x in &s.seen {
        out.push(match x {
            Seen::Handshake { msg_type, epoch, .. } => {
                let n = dtls::wire::HandshakeType(*msg_type)
                    .name()
                    .map_or_else(|| format!("hs{msg_type}"), str::to_string);
                if *epoch > 0 { format!("{n}(e{epoch})") } else { n }
            }
            Seen::ChangeCipherSpec => "ccs".into(),
            Seen::Alert { level, description } => format!(
                "alert({}, {})",
                if *level == 2 { "fatal" } else { "warning" },
                alert_name(*description)
            ),
            Seen::AppData(d) => format!("data({}B)", d.len()),
            Seen::Unreadable => "unreadable".into(),
            Seen::Marker(m) => format!("[{m}]"),
        });
    }
    out.join(" ")
}
