//! What both roles do with incoming records once the record layer has opened them: alerts,
//! application data, close, renegotiation refusal and retransmission; handshake messages and
//! ChangeCipherSpec go to the role.

use alloc::vec::Vec;

use super::core::{Core, Incoming, Phase};
use super::{CloseReason, Event};
use crate::crypto::SecureRandom;
use crate::error::Error;
use crate::handshake::timer::TimerOutcome;
use crate::time::Instant;
use crate::wire::{Alert, AlertDescription, AlertLevel, ContentType, HandshakeType};

/// A complete, reassembled handshake message.
#[derive(Debug)]
pub(crate) struct Message {
    pub(crate) msg_type: HandshakeType,
    pub(crate) message_seq: u16,
    pub(crate) body: Vec<u8>,
    /// The epoch of the record that completed it.
    pub(crate) epoch: u16,
}

/// The part of a connection that differs between client and server.
pub(crate) trait Role {
    /// A complete handshake message arrived, in order.
    fn on_handshake(
        &mut self,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        message: Message,
    ) -> Result<(), Error>;

    /// Whether the role has the next epoch's read keys and waits for the peer's
    /// ChangeCipherSpec.
    fn awaiting_change_cipher_spec(&self) -> bool;

    /// The read epoch switched: the peer's Finished comes next.
    fn expect_finished(&mut self);

    /// The handshake message that asks to renegotiate when it arrives on an established
    /// connection (HelloRequest for a client, ClientHello for a server).
    fn renegotiation_trigger(&self) -> HandshakeType;
}

/// Processes everything queued on `core.incoming`.
pub(crate) fn drive(
    core: &mut Core,
    role: &mut dyn Role,
    now: Instant,
    rng: &mut dyn SecureRandom,
    held: &mut Vec<Vec<u8>>,
) {
    // A retransmitted flight is several records; answer it with one retransmission.
    let mut retransmitted = false;
    while let Some(item) = core.incoming.pop_front() {
        if core.phase == Phase::Closed {
            // Nothing is delivered after close. The one thing still answered is a re-sent
            // close_notify whose answer was lost (authenticated, in the current epoch).
            let resent_close = matches!(&item, Incoming::Alert { alert, epoch }
                if alert.description == AlertDescription::CLOSE_NOTIFY && *epoch == core.records.read_epoch());
            if resent_close && core.answered_close_at.is_some() && !retransmitted {
                retransmitted = true;
                let _ = core.send_record(ContentType::ALERT, &Alert::close_notify().to_array(), rng);
            }
            continue;
        }
        let result = match item {
            Incoming::Handshake {
                msg_type,
                message_seq,
                body,
                epoch,
            } => {
                if core.phase != Phase::Handshaking {
                    if msg_type == role.renegotiation_trigger() && epoch == core.records.read_epoch() {
                        // Renegotiation is not supported: refuse politely and carry on
                        // (RFC 5246 7.2.2 no_renegotiation is a warning).
                        let alert = Alert {
                            level: AlertLevel::WARNING,
                            description: AlertDescription::NO_RENEGOTIATION,
                        };
                        core.send_record(ContentType::ALERT, &alert.to_array(), rng)
                    } else {
                        Ok(())
                    }
                } else {
                    role.on_handshake(
                        core,
                        now,
                        rng,
                        Message {
                            msg_type,
                            message_seq,
                            body,
                            epoch,
                        },
                    )
                }
            }
            Incoming::Retransmission { message_seq } => {
                // The peer re-sent an old flight: ours was lost. Re-send it, whether we are
                // mid-handshake or finished and holding the final flight (RFC 6347 4.2.4).
                // Only the holder of the final flight answers once connected; the other side's
                // last flight was acknowledged by that final flight, so re-sending it would
                // start an endless exchange of duplicates.
                let answer = match core.phase {
                    Phase::Handshaking => true,
                    Phase::Connected => core.final_flight,
                    Phase::Closing | Phase::Closed => false,
                };
                let previous_flight = core.answered_seq.is_some_and(|a| message_seq <= a);
                if answer && previous_flight && core.has_flight() && !retransmitted {
                    retransmitted = true;
                    core.retransmit(rng)
                } else {
                    Ok(())
                }
            }
            // ChangeCipherSpec is unprotected: one that arrives without the messages that give
            // it keys (lost or reordered), a retransmitted one or a forged one is ignored, and the
            // peer's retransmission sorts things out. It never switches keys early (TESTING.md
            // section 2: CCS before CertificateVerify/Finished, multiple CCS).
            Incoming::ChangeCipherSpec { epoch } => {
                if core.phase == Phase::Handshaking && epoch == 0 && role.awaiting_change_cipher_spec() {
                    role.expect_finished();
                    core.switch_read_epoch()
                } else {
                    Ok(())
                }
            }
            Incoming::BadRecordMac { epoch } => {
                // Mid-handshake, a record of the new epoch that fails authentication means the
                // two sides derived different keys (wrong PSK, unknown identity, tampered
                // hello). RFC 6347 4.1.2.7 allows ending with a fatal bad_record_mac instead of
                // discarding; doing so turns a three-minute retransmission timeout into a clean
                // failure. It gives an attacker nothing new: during the handshake it could as
                // well inject a cleartext fatal alert. Once connected, such records are only
                // dropped and counted.
                if core.phase == Phase::Handshaking && epoch == core.records.read_epoch() && epoch > 0 {
                    Err(Error::protocol(
                        AlertDescription::BAD_RECORD_MAC,
                        "record of the new epoch failed to authenticate",
                    ))
                } else {
                    Ok(())
                }
            }
            Incoming::Alert { alert, epoch } => {
                on_alert(core, alert, epoch, now, rng);
                Ok(())
            }
            Incoming::ApplicationData { data, epoch } => {
                // Never deliver epoch-0 (unprotected) data, and never before Finished verified.
                if epoch == 0 || epoch != core.records.read_epoch() {
                } else if core.phase == Phase::Handshaking {
                    // Application data between ChangeCipherSpec and a verified Finished is held,
                    // not delivered, until the Finished verifies; bounded like early records.
                    if held.len() < core.limits.max_early_records {
                        held.push(data);
                    }
                } else if core.phase == Phase::Connected {
                    core.events.push_back(Event::Data(data));
                }
                Ok(())
            }
        };
        if let Err(e) = result {
            fail(core, e, rng);
        }
    }
    if core.phase == Phase::Connected {
        for data in held.drain(..) {
            core.events.push_back(Event::Data(data));
        }
    }
}

fn on_alert(core: &mut Core, alert: Alert, epoch: u16, now: Instant, rng: &mut dyn SecureRandom) {
    // Once keys are in use, an unprotected alert could be forged by anyone on the path.
    if epoch != core.records.read_epoch() {
        return;
    }
    if alert.description == AlertDescription::CLOSE_NOTIFY {
        if core.phase == Phase::Closing {
            finish(core, CloseReason::Graceful);
        } else {
            // RFC 5246 7.2.1: answer close_notify with close_notify.
            let _ = core.send_record(ContentType::ALERT, &Alert::close_notify().to_array(), rng);
            finish(core, CloseReason::PeerClosed);
            core.answered_close_at = Some(now);
        }
    } else if alert.level != AlertLevel::WARNING {
        // Fatal, or a level we do not know: either way the peer has given up.
        finish(core, CloseReason::Error(Error::PeerAlert(alert.description)));
    }
    // Other warnings (e.g. no_renegotiation) need no action.
}

/// Ends the connection with a fatal error, sending the matching alert if there is one
/// (encrypted if keys are in use).
pub(crate) fn fail(core: &mut Core, error: Error, rng: &mut dyn SecureRandom) {
    if core.phase == Phase::Closed {
        return;
    }
    if let Some(description) = error.alert() {
        let _ = core.send_record(ContentType::ALERT, &Alert::fatal(description).to_array(), rng);
    }
    finish(core, CloseReason::Error(error));
}

/// Marks the connection closed and reports why.
pub(crate) fn finish(core: &mut Core, reason: CloseReason) {
    core.phase = Phase::Closed;
    core.timer.reset();
    core.incoming.clear();
    core.events.push_back(Event::Closed(reason));
}

/// Starts a graceful close: close_notify now, re-sent on the retransmission schedule until the
/// peer answers or the budget runs out (then the close is reported as failed).
pub(crate) fn close(core: &mut Core, now: Instant, rng: &mut dyn SecureRandom) {
    match core.phase {
        Phase::Closed | Phase::Closing => {}
        Phase::Handshaking => {
            let _ = core.send_record(ContentType::ALERT, &Alert::close_notify().to_array(), rng);
            finish(core, CloseReason::Graceful);
        }
        Phase::Connected => {
            let _ = core.send_record(ContentType::ALERT, &Alert::close_notify().to_array(), rng);
            core.phase = Phase::Closing;
            core.timer.start(now);
        }
    }
}

/// Handles an expired timer: retransmit, re-send close_notify, or give up.
pub(crate) fn on_timeout(core: &mut Core, now: Instant, rng: &mut dyn SecureRandom) {
    let due = core.timer.deadline().is_some_and(|d| d <= now);
    if !due {
        return;
    }
    match (core.timer.on_timeout(now), core.phase) {
        (TimerOutcome::NotExpired, _) => {}
        (TimerOutcome::Retransmit, Phase::Closing) => {
            let _ = core.send_record(ContentType::ALERT, &Alert::close_notify().to_array(), rng);
        }
        (TimerOutcome::Retransmit, _) => {
            if let Err(e) = core.retransmit(rng) {
                fail(core, e, rng);
            }
        }
        (TimerOutcome::GiveUp, Phase::Closing) => finish(core, CloseReason::CloseFailed),
        (TimerOutcome::GiveUp, _) => fail(core, Error::HandshakeTimeout, rng),
    }
}

/// Sends one datagram of application data.
pub(crate) fn send(core: &mut Core, data: &[u8], rng: &mut dyn SecureRandom) -> Result<(), Error> {
    match core.phase {
        Phase::Connected => {}
        Phase::Handshaking => return Err(Error::NotConnected),
        Phase::Closing | Phase::Closed => return Err(Error::Closed),
    }
    let max = core.max_payload();
    if data.len() > max {
        return Err(Error::MessageTooLarge { max });
    }
    core.send_record(ContentType::APPLICATION_DATA, data, rng)
}
