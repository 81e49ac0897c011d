//! A scripted hostile peer: an [`Endpoint`] that plays one side of a handshake by a script
//! (TESTING.md sections 2 and 3), to drive the implementation under test, whatever it is,
//! into a known bug pattern. The script is a list of [`Step`]s: send datagrams built by the
//! [`Session`], wait for the peer to send something, sleep. Everything the peer sends is
//! recorded for the scenario's verdict.

pub mod session;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use dtls::wire::{AlertDescription, AlertLevel};

use crate::endpoint::{AppEvent, Endpoint, Instant, NodeId};
use crate::implementation::{EndpointSpec, Role};

pub use session::{Seen, Session};

/// Builds the datagrams of one step (each inner vector is one datagram, records
/// concatenated).
pub type Build = Box<dyn FnMut(&mut Session) -> Vec<Vec<u8>>>;

/// One step of a script.
pub enum Step {
    /// Send what the closure builds.
    Send(Build),
    /// Send application data in the current epoch: `legit` data may be delivered, the rest
    /// must never be.
    App {
        /// The payload.
        payload: Vec<u8>,
        /// Whether the peer may deliver it.
        legit: bool,
    },
    /// Wait until `cond` holds; if it does not within `within_ms` and `required`, the script
    /// is stuck (the peer under test never got to the pattern), otherwise carry on.
    Until {
        /// What is awaited, for the report.
        what: &'static str,
        /// The condition.
        cond: fn(&Session) -> bool,
        /// How long to wait.
        within_ms: u64,
        /// Whether the scenario cannot go on without it.
        required: bool,
    },
    /// Wait this long.
    Sleep(u64),
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Send(_) => f.write_str("Send"),
            Step::App { legit, .. } => write!(f, "App(legit {legit})"),
            Step::Until { what, .. } => write!(f, "Until({what})"),
            Step::Sleep(ms) => write!(f, "Sleep({ms})"),
        }
    }
}

/// What the world and the verdict read of a hostile peer.
#[derive(Debug)]
pub struct Shared {
    /// The protocol state, including everything received and the data sent.
    pub session: Session,
    /// Set when a required step timed out: what was awaited.
    pub stuck: Option<&'static str>,
    /// Whether every step ran.
    pub finished: bool,
    /// Virtual time (ms since the run's origin instant) when the script finished.
    pub finished_at: Option<u64>,
}

/// A handle the world keeps to read a hostile peer after the run.
pub type Handle = Rc<RefCell<Shared>>;

/// The scripted peer as an [`Endpoint`].
pub struct Hostile {
    peer: NodeId,
    shared: Handle,
    script: VecDeque<Step>,
    deadline: Option<Instant>,
    out: VecDeque<Vec<u8>>,
    /// Answer application data with "echo " + data (a hostile server's application).
    echo: bool,
    echoed: usize,
    answered_close: bool,
}

impl std::fmt::Debug for Hostile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hostile({} steps left)", self.script.len())
    }
}

impl Hostile {
    /// A hostile peer playing `role` against `peer`, with the credentials of `spec`, running
    /// `script` from `now`. Returns the endpoint and the handle to read it afterwards.
    pub fn new(
        role: Role,
        spec: &EndpointSpec,
        peer: NodeId,
        script: Vec<Step>,
        echo: bool,
        now: Instant,
    ) -> Result<(Hostile, Handle), String> {
        let session = Session::new(role, spec, spec.seed)?;
        let shared = Rc::new(RefCell::new(Shared {
            session,
            stuck: None,
            finished: false,
            finished_at: None,
        }));
        let mut h = Hostile {
            peer,
            shared: shared.clone(),
            script: script.into(),
            deadline: None,
            out: VecDeque::new(),
            echo,
            echoed: 0,
            answered_close: false,
        };
        h.advance(now);
        Ok((h, shared))
    }

    fn advance(&mut self, now: Instant) {
        let mut sh = self.shared.borrow_mut();
        while let Some(step) = self.script.front_mut() {
            match step {
                Step::Send(build) => {
                    for d in build(&mut sh.session) {
                        if !d.is_empty() {
                            self.out.push_back(d);
                        }
                    }
                }
                Step::App { payload, legit } => {
                    let p = payload.clone();
                    let d = sh.session.app_data(&p);
                    self.out.push_back(d);
                    if *legit {
                        sh.session.legit_unreported.push(p);
                    } else {
                        sh.session.forbidden.push(p);
                    }
                }
                Step::Sleep(ms) => match self.deadline {
                    None => {
                        self.deadline = Some(Instant::from_millis(now.as_millis() + *ms));
                        return;
                    }
                    Some(d) if now < d => return,
                    Some(_) => self.deadline = None,
                },
                Step::Until {
                    what,
                    cond,
                    within_ms,
                    required,
                } => {
                    if cond(&sh.session) {
                        self.deadline = None;
                    } else {
                        match self.deadline {
                            None => {
                                self.deadline = Some(Instant::from_millis(now.as_millis() + *within_ms));
                                return;
                            }
                            Some(d) if now < d => return,
                            Some(_) => {
                                self.deadline = None;
                                if *required {
                                    sh.stuck = Some(*what);
                                    self.script.clear();
                                    break;
                                }
                            }
                        }
                    }
                }
            }
            self.script.pop_front();
        }
        if !sh.finished {
            sh.finished = true;
            sh.finished_at = Some(now.as_millis());
        }
    }

    /// The hostile server's application and courtesy: echo data, answer close_notify.
    fn respond(&mut self) {
        let mut sh = self.shared.borrow_mut();
        if !sh.session.has_keys() || sh.session.write_epoch == 0 {
            return;
        }
        if self.echo {
            let fresh: Vec<Vec<u8>> = sh
                .session
                .app_received()
                .into_iter()
                .skip(self.echoed)
                .map(<[u8]>::to_vec)
                .collect();
            self.echoed += fresh.len();
            for d in fresh {
                let mut e = b"echo ".to_vec();
                e.extend_from_slice(&d);
                let rec = sh.session.app_data(&e);
                self.out.push_back(rec);
                sh.session.legit_unreported.push(e);
            }
        }
        let close = sh.session.seen.iter().any(|s| {
            matches!(s, Seen::Alert { description, .. } if *description == AlertDescription::CLOSE_NOTIFY.0)
        });
        if close && !self.answered_close {
            self.answered_close = true;
            let rec = sh
                .session
                .alert(AlertLevel::WARNING, AlertDescription::CLOSE_NOTIFY);
            self.out.push_back(rec);
        }
    }
}

impl Endpoint for Hostile {
    fn handle_datagram(&mut self, now: Instant, from: NodeId, datagram: &[u8]) {
        if from != self.peer {
            return;
        }
        self.shared.borrow_mut().session.receive(datagram);
        // Answer what arrived before the script's next step, so an echo never trails a
        // close the script sends next.
        self.respond();
        self.advance(now);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.advance(now);
    }
    fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<(NodeId, usize)> {
        let d = self.out.pop_front()?;
        let n = d.len().min(buf.len());
        buf.get_mut(..n)?.copy_from_slice(d.get(..n)?);
        Some((self.peer, n))
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }
    fn poll_event(&mut self) -> Option<(NodeId, AppEvent)> {
        None
    }
    fn send(&mut self, _to: NodeId, _data: &[u8]) -> Result<(), String> {
        Err("the hostile peer has no application".into())
    }
    fn close(&mut self, _now: Instant, _peer: NodeId) {}
}
