//! `dtls client`.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use dtls::ClientConfig;
use dtls::config::Psk;
use dtls_tokio::{ClientConnection, Options, OsRng};
use tokio::io::AsyncBufReadExt;
use tokio::time::Instant;

use crate::credentials::{CaVerifier, load_identities, parse_psk};
use crate::trace::Traced;
use crate::{ClientArgs, Failure, resolve, suite_name};

/// How long a close waits for the peer's close_notify before the command exits anyway.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

fn config(args: &ClientArgs) -> Result<ClientConfig, Failure> {
    let common = args.common.common_config()?;
    let mut c = ClientConfig::new(common.provider.clone());
    c.common = common;
    if let Some(hex_key) = &args.common.psk {
        let key = parse_psk(hex_key).map_err(Failure::Usage)?;
        let identity = args.common.psk_identity.as_deref().unwrap_or("Client_identity");
        c.psk = Some(
            Psk::new(identity.as_bytes(), &key)
                .map_err(|e| Failure::Usage(format!("--psk-identity: {e}")))?,
        );
    }
    if let Some(ca) = &args.ca {
        c.verifier = Some(CaVerifier::load(ca).map_err(Failure::Usage)?);
    }
    c.identities = load_identities(&args.cert, &args.key)
        .map_err(Failure::Usage)?
        .map(Arc::new);
    if c.psk.is_none() && c.verifier.is_none() {
        return Err(Failure::Usage(
            "the client needs credentials: --psk HEX for PSK suites and/or --ca FILE for certificate suites"
                .into(),
        ));
    }
    c.server_name = args.server_name.clone();
    Ok(c)
}

/// Runs the client to completion.
pub async fn run(args: ClientArgs) -> Result<(), Failure> {
    let config = config(&args)?;
    if let Some(t) = args.timeout
        && !(t.is_finite() && t > 0.0)
    {
        return Err(Failure::Usage(
            "--timeout: must be a positive number of seconds".into(),
        ));
    }
    let deadline = args.timeout.map(|t| Instant::now() + Duration::from_secs_f64(t));
    let server = resolve(&args.connect, "--connect").await?;
    let bind = if server.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
    let socket = tokio::net::UdpSocket::bind(bind)
        .await
        .map_err(|e| Failure::Runtime(format!("cannot bind a UDP socket: {e}")))?;
    let level = args.common.level();
    let socket = Traced::new(socket, level, false);
    let connect = ClientConnection::connect_with(
        socket,
        server,
        Arc::new(config),
        Box::new(OsRng),
        Options::default(),
    );
    let mut conn = match deadline {
        Some(d) => tokio::time::timeout_at(d, connect).await.map_err(|_| {
            Failure::Runtime(format!(
                "handshake failed: no answer from {server} within the --timeout"
            ))
        })?,
        None => connect.await,
    }
    .map_err(|e| Failure::Runtime(e.to_string()))?;

    eprintln!("connected: {}", suite_name(conn.suite()));
    if level > crate::trace::Level::Quiet {
        eprintln!("peer: {}", describe_peer(&conn.info().peer_identity));
    }
    if let Some(path) = &args.common.keylog {
        write_keylog(path, &conn).map_err(Failure::Runtime)?;
    }

    let result = exchange(&args, &mut conn, deadline).await;
    // Close in every case; a peer that does not answer close_notify does not hold us up.
    let closed = tokio::time::timeout(CLOSE_WAIT, conn.close()).await;
    result?;
    if level > crate::trace::Level::Quiet {
        match closed {
            Ok(Ok(())) => eprintln!("closed"),
            Ok(Err(e)) => eprintln!("close: {e}"),
            Err(_) => eprintln!("close: no close_notify from the peer"),
        }
    }
    Ok(())
}

pub(crate) fn describe_peer(id: &dtls::PeerIdentity) -> String {
    // Not a `match`: the engine may grow identities (and the adapter passes them through).
    if let dtls::PeerIdentity::Psk { identity } = id {
        format!("PSK identity {}", String::from_utf8_lossy(identity))
    } else if let dtls::PeerIdentity::Certificate { chain } = id {
        format!("certificate chain of {}", chain.len())
    } else {
        "anonymous".to_string()
    }
}

fn write_keylog(path: &std::path::Path, conn: &ClientConnection) -> Result<(), String> {
    let keys = conn.keylog().ok_or("no key material for the key log")?;
    append_keylog(path, keys)
}

/// Appends one NSS key log line, `CLIENT_RANDOM <client_random> <master_secret>`.
pub(crate) fn append_keylog(
    path: &std::path::Path,
    (client_random, master): ([u8; 32], [u8; 48]),
) -> Result<(), String> {
    let line = format!(
        "CLIENT_RANDOM {} {}\n",
        hex::encode(client_random),
        hex::encode(master)
    );
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(line.as_bytes()))
        .map_err(|e| format!("cannot write the key log {}: {e}", path.display()))
}

/// Sends the input and prints what arrives until --count, the deadline, the end of input (when
/// no --count is given) or the end of the connection.
async fn exchange(
    args: &ClientArgs,
    conn: &mut ClientConnection,
    deadline: Option<Instant>,
) -> Result<(), Failure> {
    let mut messages = args.message.iter();
    let use_stdin = args.message.is_empty();
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut input_done = false;
    let mut received: u64 = 0;
    let mut stdout = std::io::stdout();
    let sleep = tokio::time::sleep_until(
        deadline.unwrap_or_else(|| Instant::now() + Duration::from_secs(86400 * 365)),
    );
    tokio::pin!(sleep);
    // --message: everything is sent up front.
    if !use_stdin {
        for m in messages.by_ref() {
            conn.send(m.as_bytes())
                .await
                .map_err(|e| Failure::Runtime(format!("send failed: {e}")))?;
        }
        input_done = true;
    }
    loop {
        if args.count.is_some_and(|n| received >= n) {
            return Ok(());
        }
        if input_done && args.count.is_none() {
            return Ok(());
        }
        tokio::select! {
            line = stdin.next_line(), if !input_done => match line {
                Ok(Some(line)) => {
                    let mut d = line.into_bytes();
                    d.push(b'\n');
                    conn.send(&d).await.map_err(|e| Failure::Runtime(format!("send failed: {e}")))?;
                }
                Ok(None) => input_done = true,
                Err(e) => return Err(Failure::Runtime(format!("cannot read stdin: {e}"))),
            },
            d = conn.recv() => match d {
                Ok(d) => {
                    received += 1;
                    let _ = stdout.write_all(&d).and_then(|()| stdout.flush());
                }
                Err(dtls_tokio::Error::Closed) => {
                    return match args.count {
                        Some(n) if received < n => Err(Failure::Runtime(format!(
                            "connection closed by the peer after {received} of {n} datagrams"
                        ))),
                        _ => Ok(()),
                    };
                }
                Err(e) => return Err(Failure::Runtime(e.to_string())),
            },
            () = &mut sleep => {
                return match args.count {
                    Some(n) => Err(Failure::Runtime(format!(
                        "timed out: received {received} of {n} datagrams"
                    ))),
                    None => Ok(()),
                };
            }
        }
    }
}
