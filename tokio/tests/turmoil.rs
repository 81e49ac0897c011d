//! The adapter under turmoil's simulated network: several clients and one server as simulated
//! hosts, with latency, random link failures, a partition and held messages during the
//! handshake, and a server restart. Every run is seeded (turmoil's `rng_seed` and the engine
//! RNGs), so a failure replays exactly; one test checks that two runs agree.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dtls::config::{Psk, PskTable};
use dtls::crypto::DeterministicRandom;
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::{ClientConfig, ServerConfig};
use dtls_tokio::{ClientConnection, DatagramSocket, Error, Listener, Options};

const PORT: u16 = 4433;
const PSK_KEY: [u8; 16] = [0x1a; 16];

/// turmoil's UDP socket behind the adapter's trait, counting datagrams sent.
struct SimSocket {
    inner: turmoil::net::UdpSocket,
    sent: Arc<AtomicUsize>,
}

impl DatagramSocket for SimSocket {
    async fn send_to(&self, buf: &[u8], to: SocketAddr) -> std::io::Result<usize> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.inner.send_to(buf, to).await
    }
    async fn recv_from(&self, buf: &mut [u8]) -> std::io::Result<(usize, SocketAddr)> {
        self.inner.recv_from(buf).await
    }
    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

async fn bind(port: u16, sent: Arc<AtomicUsize>) -> std::io::Result<SimSocket> {
    let inner = turmoil::net::UdpSocket::bind((IpAddr::from([0, 0, 0, 0]), port)).await?;
    Ok(SimSocket { inner, sent })
}

fn psk() -> Psk {
    Psk::new(b"device-17", &PSK_KEY).unwrap()
}

fn client_config() -> Arc<ClientConfig> {
    let mut c = ClientConfig::new(Arc::new(RustCrypto));
    c.psk = Some(psk());
    Arc::new(c)
}

fn server_config() -> Arc<ServerConfig> {
    let mut s = ServerConfig::new(Arc::new(RustCrypto));
    s.psk_store = Some(Arc::new(PskTable::new().with(psk())));
    Arc::new(s)
}

fn server_addr() -> SocketAddr {
    SocketAddr::new(turmoil::lookup("server"), PORT)
}

/// The server host: accepts sessions and echoes every datagram, forever.
async fn echo_server() -> turmoil::Result {
    let socket = bind(PORT, Arc::default()).await?;
    let mut listener = Listener::bind_with(
        socket,
        server_config(),
        Box::new(DeterministicRandom::from_u64(1)),
        Options::default(),
    )?;
    loop {
        let mut conn = listener.accept().await?;
        tokio::spawn(async move {
            while let Ok(d) = conn.recv().await {
                if conn.send(&d).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// Sends `msg` until its echo arrives (application data is not retransmitted by DTLS).
async fn echo(conn: &mut ClientConnection, msg: &[u8]) -> Result<(), Error> {
    loop {
        conn.send(msg).await?;
        // recv is cancellation safe: a timed-out recv loses nothing.
        match tokio::time::timeout(Duration::from_millis(800), conn.recv()).await {
            Ok(Ok(d)) if d == msg => return Ok(()),
            // A late echo of an earlier attempt: keep waiting for this one.
            Ok(Ok(_)) => continue,
            Ok(Err(e)) => return Err(e),
            Err(_) => continue,
        }
    }
}

type Log = Arc<Mutex<Vec<String>>>;

fn log(log: &Log, line: String) {
    log.lock()
        .unwrap()
        .push(format!("{:>8} ms {line}", turmoil::elapsed().as_millis()));
}

/// Three clients against one server over lossy, slow links; returns what happened, when.
fn lossy_run(seed: u64) -> Vec<String> {
    let mut sim = turmoil::Builder::new()
        .rng_seed(seed)
        .min_message_latency(Duration::from_millis(5))
        .max_message_latency(Duration::from_millis(80))
        .fail_rate(0.05)
        .repair_rate(0.5)
        .simulation_duration(Duration::from_secs(300))
        .build();
    sim.host("server", echo_server);
    let events: Log = Arc::default();
    for i in 0..3u64 {
        let events = events.clone();
        sim.client(format!("client{i}"), async move {
            let socket = bind(0, Arc::default()).await?;
            let rng = Box::new(DeterministicRandom::from_u64(100 + i));
            let mut conn = ClientConnection::connect_with(
                socket,
                server_addr(),
                client_config(),
                rng,
                Options::default(),
            )
            .await?;
            log(&events, format!("client{i} connected {:?}", conn.suite()));
            for n in 0..10 {
                echo(&mut conn, format!("client{i} message {n}").as_bytes()).await?;
            }
            log(&events, format!("client{i} echoed 10"));
            // The close itself may be lost, answered late or not at all: any outcome but a hang.
            let closed = tokio::time::timeout(Duration::from_secs(200), conn.close()).await;
            log(
                &events,
                format!("client{i} closed {:?}", closed.map(|r| r.is_ok())),
            );
            Ok(())
        });
    }
    sim.run().unwrap();
    let lines = events.lock().unwrap();
    lines.clone()
}

#[test]
fn several_clients_over_lossy_links_complete_and_echo() {
    let lines = lossy_run(7);
    for i in 0..3 {
        assert!(
            lines.iter().any(|l| l.ends_with(&format!("client{i} echoed 10"))),
            "{lines:#?}"
        );
    }
}

#[test]
fn same_seed_same_run() {
    assert_eq!(lossy_run(11), lossy_run(11));
}

/// The link is cut right after the client's first flights; the handshake stalls, retransmits,
/// and completes once the partition heals.
#[test]
fn partition_during_the_handshake_heals_and_the_handshake_completes() {
    let mut sim = turmoil::Builder::new()
        .rng_seed(3)
        .simulation_duration(Duration::from_secs(120))
        .build();
    sim.host("server", echo_server);
    let sent = Arc::new(AtomicUsize::new(0));
    let connected_at: Arc<Mutex<Option<Duration>>> = Arc::default();
    {
        let (sent, connected_at) = (sent.clone(), connected_at.clone());
        sim.client("client", async move {
            let socket = bind(0, sent).await?;
            let mut conn = ClientConnection::connect_with(
                socket,
                server_addr(),
                client_config(),
                Box::new(DeterministicRandom::from_u64(5)),
                Options::default(),
            )
            .await?;
            *connected_at.lock().unwrap() = Some(turmoil::elapsed());
            echo(&mut conn, b"after the partition").await?;
            conn.close().await?;
            Ok(())
        });
    }
    // ClientHello, then ClientHello with the cookie: cut the link mid-handshake.
    while sent.load(Ordering::Relaxed) < 2 {
        sim.step().unwrap();
    }
    sim.partition("client", "server");
    let cut_at = sim.elapsed();
    while sim.elapsed() < cut_at + Duration::from_secs(6) {
        sim.step().unwrap();
    }
    assert!(
        connected_at.lock().unwrap().is_none(),
        "no handshake through a partition"
    );
    let during = sent.load(Ordering::Relaxed);
    assert!(
        during >= 4,
        "the client retransmitted during the partition: {during} datagrams"
    );
    sim.repair("client", "server");
    sim.run().unwrap();
    let at = connected_at
        .lock()
        .unwrap()
        .expect("connected after the partition healed");
    assert!(at >= cut_at + Duration::from_secs(6), "{at:?}");
}

/// Messages held on the link during the handshake are released all at once (with the
/// retransmissions they provoked, so duplicates arrive together): the handshake completes.
#[test]
fn held_messages_released_late_complete_the_handshake() {
    let mut sim = turmoil::Builder::new()
        .rng_seed(4)
        .min_message_latency(Duration::from_millis(2))
        .max_message_latency(Duration::from_millis(20))
        .simulation_duration(Duration::from_secs(120))
        .build();
    sim.host("server", echo_server);
    let sent = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    for i in 0..2u64 {
        let (sent, done) = (sent.clone(), done.clone());
        sim.client(format!("client{i}"), async move {
            let socket = bind(0, sent).await?;
            let mut conn = ClientConnection::connect_with(
                socket,
                server_addr(),
                client_config(),
                Box::new(DeterministicRandom::from_u64(50 + i)),
                Options::default(),
            )
            .await?;
            echo(&mut conn, b"held").await?;
            conn.close().await?;
            if i == 0 {
                done.store(true, Ordering::Relaxed);
            }
            Ok(())
        });
    }
    while sent.load(Ordering::Relaxed) < 2 {
        sim.step().unwrap();
    }
    sim.hold("client0", "server");
    let held_at = sim.elapsed();
    while sim.elapsed() < held_at + Duration::from_secs(4) {
        sim.step().unwrap();
    }
    assert!(!done.load(Ordering::Relaxed));
    sim.release("client0", "server");
    sim.run().unwrap();
    assert!(done.load(Ordering::Relaxed));
}

/// A restarted server has forgotten every session and drops their records silently (RFC 6347
/// 4.1.2.7). A client must see that as an error, not hang: with an idle timeout `recv` fails
/// with `IdleTimeout`; without one, `close` fails with `CloseFailed` once close_notify goes
/// unanswered. Both clients then reconnect to the new server.
#[test]
fn server_restart_is_an_error_for_clients_not_a_hang() {
    let mut sim = turmoil::Builder::new()
        .rng_seed(9)
        .min_message_latency(Duration::from_millis(5))
        .max_message_latency(Duration::from_millis(10))
        .simulation_duration(Duration::from_secs(400))
        .build();
    sim.host("server", echo_server);
    let ready = Arc::new(AtomicUsize::new(0));
    let restarted = Arc::new(AtomicBool::new(false));
    let outcomes: Log = Arc::default();
    for i in 0..2u64 {
        let (ready, restarted, outcomes) = (ready.clone(), restarted.clone(), outcomes.clone());
        sim.client(format!("client{i}"), async move {
            let options = Options::default();
            let mut config = (*client_config()).clone();
            // The engine's own idle timeout ends client 0's silent connection.
            if i == 0 {
                config.common.limits.idle_timeout = Some(dtls::Duration::from_secs(5));
            }
            let socket = bind(0, Arc::default()).await?;
            let mut conn = ClientConnection::connect_with(
                socket,
                server_addr(),
                Arc::new(config),
                Box::new(DeterministicRandom::from_u64(i)),
                options,
            )
            .await?;
            echo(&mut conn, b"before").await?;
            ready.fetch_add(1, Ordering::Relaxed);
            while !restarted.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            conn.send(b"after the restart").await?;
            if i == 0 {
                let r = conn.recv().await;
                assert!(matches!(r, Err(Error::IdleTimeout)), "{r:?}");
                log(&outcomes, "client0 recv: IdleTimeout".into());
            } else {
                let r = tokio::time::timeout(Duration::from_secs(1), conn.recv()).await;
                assert!(r.is_err(), "nothing comes back: {r:?}");
                let r = conn.close().await;
                assert!(matches!(r, Err(Error::CloseFailed)), "{r:?}");
                log(&outcomes, "client1 close: CloseFailed".into());
            }
            // A new handshake with the restarted server works.
            let socket = bind(0, Arc::default()).await?;
            let mut conn = ClientConnection::connect_with(
                socket,
                server_addr(),
                client_config(),
                Box::new(DeterministicRandom::from_u64(10 + i)),
                Options::default(),
            )
            .await?;
            echo(&mut conn, b"reconnected").await?;
            conn.close().await?;
            log(&outcomes, format!("client{i} reconnected"));
            Ok(())
        });
    }
    while ready.load(Ordering::Relaxed) < 2 {
        sim.step().unwrap();
    }
    sim.bounce("server");
    restarted.store(true, Ordering::Relaxed);
    sim.run().unwrap();
    let lines = outcomes.lock().unwrap().clone();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    for want in [
        "client0 recv: IdleTimeout",
        "client1 close: CloseFailed",
        "client0 reconnected",
        "client1 reconnected",
    ] {
        assert!(lines.iter().any(|l| l.ends_with(want)), "{want}: {lines:#?}");
    }
}
