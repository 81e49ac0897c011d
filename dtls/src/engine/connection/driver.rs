//! What both roles do with what the record layer opened and with time: alerts, application
//! data, close, renegotiation refusal, retransmission, the lifecycle timers; handshake
//! messages and ChangeCipherSpec go to the role.

use alloc::vec::Vec;

use super::flight::Evidence;
use super::timers::Timer;
use super::{Core, Incoming, PeerMessage, Phase};
use crate::crypto::SecureRandom;
use crate::engine::CloseReason;
use crate::engine::Event;
use crate::error::{CallError, Error};
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

impl Message {
    fn peer_message(&self) -> PeerMessage {
        PeerMessage {
            epoch: self.epoch,
            msg_type: self.msg_type,
            message_seq: self.message_seq,
            length: u32::try_from(self.body.len()).unwrap_or(u32::MAX),
        }
    }
}

/// The part of a connection that differs between client and server: its handshake states.
pub(crate) trait Role {
    /// A complete handshake message arrived, in order, during the handshake.
    fn on_handshake(
        &mut self,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        message: Message,
    ) -> Result<(), Error>;

    /// The peer's ChangeCipherSpec arrived in epoch 0 during the handshake. A role that holds
    /// the next epoch's read keys and waits for it switches the read epoch
    /// ([`Core::switch_read_epoch`]); any other role ignores it.
    fn on_change_cipher_spec(&mut self, core: &mut Core) -> Result<(), Error>;

    /// Whether the peer's Finished is the next handshake message.
    fn expects_finished(&self) -> bool;

    /// The handshake message that asks to renegotiate when it arrives on an established
    /// connection (HelloRequest for a client, ClientHello for a server).
    fn renegotiation_trigger(&self) -> HandshakeType;

    /// Whether a renegotiation request on an established connection is answered with a
    /// no_renegotiation warning (otherwise it is ignored).
    fn alerts_renegotiation(&self) -> bool;
}

/// Processes everything the last datagram queued.
pub(crate) fn drive(core: &mut Core, role: &mut dyn Role, now: Instant, rng: &mut dyn SecureRandom) {
    while let Some(item) = core.incoming.pop_front() {
        if core.phase == Phase::Closed {
            answer_resent_close(core, &item, rng);
            continue;
        }
        if let Err(e) = handle(core, role, now, rng, item) {
            fail(core, e, rng);
        }
    }
}

/// Nothing is delivered after close. While the close linger lasts, the one thing still
/// answered is a re-sent close_notify whose answer was lost (authenticated, in the current
/// epoch): otherwise one lost answer turns the peer's graceful close into a failed one.
fn answer_resent_close(core: &mut Core, item: &Incoming, rng: &mut dyn SecureRandom) {
    let resent_close = matches!(item, Incoming::Alert { alert, epoch }
        if alert.description == AlertDescription::CLOSE_NOTIFY && *epoch == core.records.read_epoch());
    if resent_close && core.is_lingering() {
        let _ = core.send_record(ContentType::ALERT, &Alert::close_notify().to_array(), rng);
    }
}

fn handle(
    core: &mut Core,
    role: &mut dyn Role,
    now: Instant,
    rng: &mut dyn SecureRandom,
    item: Incoming,
) -> Result<(), Error> {
    match item {
        Incoming::Handshake(message) => {
            if core.phase == Phase::Handshaking {
                if message.msg_type == HandshakeType::HELLO_REQUEST {
                    // RFC 5246 7.4.1.1: ignored while a handshake is under way (and a server
                    // has no use for one at all); never part of a flight.
                    return Ok(());
                }
                core.note_peer_message(message.peer_message());
                return role.on_handshake(core, now, rng, message);
            }
            // Renegotiation is not supported: a request is refused with a no_renegotiation
            // warning and the connection carries on (RFC 5246 7.2.2; RFC 5746 does not oblige
            // support), or ignored where the role says so (a client facing a server that
            // signalled secure renegotiation; RFC 5246 7.4.1.1).
            // catalogue: RFC5246-7.4.1.1-1, RFC5746-4.2-2
            if message.msg_type == role.renegotiation_trigger()
                && role.alerts_renegotiation()
                && message.epoch == core.records.read_epoch()
                && message.epoch > 0
            {
                let alert = Alert {
                    level: AlertLevel::WARNING,
                    description: AlertDescription::NO_RENEGOTIATION,
                };
                core.send_record(ContentType::ALERT, &alert.to_array(), rng)?;
            }
            Ok(())
        }
        // The peer re-sent a flight: re-send ours (RFC 6347 4.2.4), as `Flight::on_old_fragment`
        // allows.
        // catalogue: RFC6347-4.2.4-1
        Incoming::Old(fragment) => {
            let connected = match core.phase {
                Phase::Handshaking => false,
                Phase::Connected => true,
                Phase::Closing | Phase::Closed => return Ok(()),
            };
            let period = core.timers.flight.current_timeout();
            let outcome = core.flight.on_old_fragment(
                &fragment,
                connected,
                now,
                period,
                &core.limits,
                &mut core.records,
                rng,
                &mut core.tx,
            )?;
            if outcome == Evidence::Resent {
                core.retransmissions = core.retransmissions.saturating_add(1);
            }
            Ok(())
        }
        // ChangeCipherSpec is unprotected: one that arrives without the messages that give it
        // keys (lost or reordered), a retransmitted one or a forged one is ignored, and the
        // peer's retransmission sorts things out. It never switches keys early (TESTING.md
        // section 2: CCS before CertificateVerify/Finished, multiple CCS).
        Incoming::ChangeCipherSpec { epoch } => {
            if core.phase == Phase::Handshaking && epoch == 0 {
                role.on_change_cipher_spec(core)?;
            }
            Ok(())
        }
        Incoming::BadRecordMac { epoch, content_type } => {
            // While we wait for the peer's Finished, handshake records of the new epoch that
            // fail to authenticate mean the two sides derived different keys (wrong PSK,
            // unknown identity, tampered hello). RFC 6347 4.1.2.7 allows ending with a fatal
            // bad_record_mac instead of discarding, which turns a minutes-long timeout into a
            // clean failure. But one such record may just as well be forged (an off-path
            // attacker can inject an epoch-1 record before our keys exist), and a single
            // forged record must not end a handshake: the failure is fatal only once
            // `Limits::key_mismatch_after` of them failed — the peer's Finished and its
            // retransmission. Anything else that fails (stale application data of a previous
            // session, records once connected) is only dropped and counted.
            // catalogue: RFC6347-4.1.2.1-4, RFC6347-4.1.2.7-2, RFC6347-4.1.2.7-3
            let finished_failed = core.phase == Phase::Handshaking
                && role.expects_finished()
                && epoch == core.records.read_epoch()
                && epoch > 0
                && content_type == ContentType::HANDSHAKE;
            if finished_failed {
                core.bad_finished_records = core.bad_finished_records.saturating_add(1);
                if core.bad_finished_records >= core.limits.key_mismatch_after {
                    return Err(Error::protocol(
                        AlertDescription::BAD_RECORD_MAC,
                        "the peer's Finished records failed to authenticate: the keys differ",
                    ));
                }
            }
            Ok(())
        }
        Incoming::Alert { alert, epoch } => {
            on_alert(core, alert, epoch, now, rng);
            Ok(())
        }
        Incoming::ApplicationData { data, epoch } => {
            // Never deliver epoch-0 (unprotected) data, and never before Finished verified.
            // catalogue: RFC6347-4.1-5, RFC6347-4.2.4-2
            if epoch == 0 || epoch != core.records.read_epoch() {
                return Ok(());
            }
            match core.phase {
                Phase::Handshaking => core.hold(data),
                Phase::Connected => {
                    core.peer_completed();
                    core.events.push_back(Event::Data(data));
                }
                Phase::Closing | Phase::Closed => {}
            }
            Ok(())
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
            core.finish(CloseReason::Graceful, None);
        } else {
            // RFC 5246 7.2.1: answer close_notify with close_notify, then linger to answer a
            // re-sent one if our answer is lost.
            // catalogue: RFC5246-7.2.1-1
            let _ = core.send_record(ContentType::ALERT, &Alert::close_notify().to_array(), rng);
            core.finish(CloseReason::PeerClosed, Some(now));
        }
    } else if alert.level != AlertLevel::WARNING {
        // Fatal, or a level we do not know: either way the peer has given up.
        core.finish(CloseReason::Error(Error::PeerAlert(alert.description)), None);
    }
    // Other warnings (e.g. no_renegotiation) need no action.
}

/// Ends the connection with a fatal error, sending the matching alert if there is one
/// (encrypted if keys are in use).
// catalogue: RFC5246-7.2.2-3, RFC5246-7.2.2-4
pub(crate) fn fail(core: &mut Core, error: Error, rng: &mut dyn SecureRandom) {
    if core.phase == Phase::Closed {
        return;
    }
    if let Some(description) = error.alert() {
        let _ = core.send_record(ContentType::ALERT, &Alert::fatal(description).to_array(), rng);
    }
    core.finish(CloseReason::Error(error), None);
}

/// Starts a graceful close: close_notify now, re-sent on the retransmission schedule until the
/// peer answers or the budget runs out (then the close is reported as failed).
pub(crate) fn close(core: &mut Core, now: Instant, rng: &mut dyn SecureRandom) {
    match core.phase {
        Phase::Closed | Phase::Closing => {}
        Phase::Handshaking => {
            let _ = core.send_record(ContentType::ALERT, &Alert::close_notify().to_array(), rng);
            core.finish(CloseReason::Graceful, None);
        }
        Phase::Connected => {
            let _ = core.send_record(ContentType::ALERT, &Alert::close_notify().to_array(), rng);
            core.phase = Phase::Closing;
            core.flight.release();
            core.timers.clear(Timer::Epoch0Retire);
            core.timers.clear(Timer::FinalFlightRelease);
            // The close has its own deadline instead of the idle timeout: the peer answers
            // a re-sent close_notify for `close_linger` after its first answer, so re-sending
            // longer than that cannot help.
            core.timers.clear(Timer::Idle);
            core.timers
                .set(Timer::CloseLinger, now + core.limits.close_linger);
            core.timers.flight.start(now);
        }
    }
}

/// Handles every timer that has expired at `now`.
pub(crate) fn on_timeout(core: &mut Core, now: Instant, rng: &mut dyn SecureRandom) {
    while let Some(timer) = core.timers.due(now) {
        match timer {
            Timer::Handshake => {
                if core.phase == Phase::Handshaking {
                    fail(core, Error::HandshakeTimeout, rng);
                }
            }
            Timer::Idle => {
                if matches!(core.phase, Phase::Connected | Phase::Closing) {
                    core.finish(CloseReason::IdleTimeout, None);
                }
            }
            Timer::CloseLinger => {
                if core.phase == Phase::Closing {
                    // Our close_notify (or every answer to it) was lost for as long as the
                    // peer would have answered.
                    core.finish(CloseReason::CloseFailed, None);
                }
                // Otherwise the linger after answering the peer's close_notify is over: the
                // connection is gone for good.
            }
            Timer::Epoch0Retire => core.retire_epoch0(),
            Timer::FinalFlightRelease => core.release_final_flight(),
            Timer::Retransmit => {
                if !on_retransmit_timer(core, now, rng) {
                    break;
                }
            }
        }
    }
}

/// Returns `false` if the timer had not in fact expired (nothing more to do now).
fn on_retransmit_timer(core: &mut Core, now: Instant, rng: &mut dyn SecureRandom) -> bool {
    match (core.timers.flight.on_timeout(now), core.phase) {
        (TimerOutcome::NotExpired, _) => return false,
        (TimerOutcome::Retransmit, Phase::Closing) => {
            let _ = core.send_record(ContentType::ALERT, &Alert::close_notify().to_array(), rng);
        }
        (TimerOutcome::Retransmit, _) => {
            let retransmissions = core.timers.flight.retransmissions();
            core.flight.back_off(retransmissions, &core.limits);
            core.retransmissions = core.retransmissions.saturating_add(1);
            if let Err(e) = core.flight.transmit(&mut core.records, rng, &mut core.tx) {
                fail(core, e, rng);
            }
        }
        (TimerOutcome::GiveUp, Phase::Closing) => core.finish(CloseReason::CloseFailed, None),
        (TimerOutcome::GiveUp, _) => fail(core, Error::HandshakeTimeout, rng),
    }
    true
}

/// Sends one datagram of application data. A failure that ends the connection (the epoch's
/// sequence numbers are exhausted) is reported as its `Closed` event, and the call as `Closed`.
pub(crate) fn send(core: &mut Core, data: &[u8], rng: &mut dyn SecureRandom) -> Result<(), CallError> {
    match core.phase {
        Phase::Connected => {}
        // catalogue: RFC5246-7.3-2
        Phase::Handshaking => return Err(CallError::NotConnected),
        Phase::Closing | Phase::Closed => return Err(CallError::Closed),
    }
    // catalogue: RFC6347-4.1.1.1-4
    let max = core.max_payload();
    if data.len() > max {
        return Err(CallError::MessageTooLarge { max });
    }
    if let Err(e) = core.send_record(ContentType::APPLICATION_DATA, data, rng) {
        fail(core, e, rng);
        return Err(CallError::Closed);
    }
    Ok(())
}

/// Moves the next queued datagram into `buf`. One that does not fit stays queued and the call
/// says how large it is: a datagram is never truncated or silently dropped.
pub(crate) fn poll_transmit(core: &mut Core, buf: &mut [u8]) -> Result<Option<usize>, CallError> {
    let Some(needed) = core.peek_transmit_len() else {
        return Ok(None);
    };
    let Some(slot) = buf.get_mut(..needed) else {
        return Err(CallError::BufferTooSmall { needed });
    };
    if let Some(d) = core.pop_transmit() {
        slot.copy_from_slice(&d);
    }
    Ok(Some(needed))
}
