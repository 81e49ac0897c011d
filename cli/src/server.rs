//! `dtls server`.

use std::io::Write;
use std::sync::Arc;

use dtls::ServerConfig;
use dtls::config::{ClientAuth, PskStore};
use dtls_tokio::{Listener, Options, OsRng, ServerConnection};
use zeroize::Zeroizing;

use crate::credentials::{CaVerifier, load_identities, parse_psk};
use crate::trace::Traced;
use crate::{Failure, ServerArgs, VerifyClient, resolve, suite_name};

/// The one `--psk` key, for the `--psk-identity` given or, without one, for any identity (as
/// `openssl s_server` does).
#[derive(Debug)]
struct OneKey {
    identity: Option<Vec<u8>>,
    key: Zeroizing<Vec<u8>>,
}

impl PskStore for OneKey {
    fn key_for(&self, identity: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        match &self.identity {
            Some(expected) if expected != identity => None,
            _ => Some(self.key.clone()),
        }
    }
}

fn config(args: &ServerArgs) -> Result<ServerConfig, Failure> {
    let common = args.common.common_config()?;
    let mut c = ServerConfig::new(common.provider.clone());
    c.common = common;
    c.cookies = !args.no_cookie;
    if let Some(hex_key) = &args.common.psk {
        let key = parse_psk(hex_key).map_err(Failure::Usage)?;
        let identity = args.common.psk_identity.as_ref().map(|i| i.as_bytes().to_vec());
        if identity
            .as_ref()
            .is_some_and(|i| i.len() > dtls::config::MAX_PSK_IDENTITY_LEN)
        {
            return Err(Failure::Usage("--psk-identity: longer than 128 bytes".into()));
        }
        c.psk_store = Some(Arc::new(OneKey { identity, key }));
    } else if args.common.psk_identity.is_some() {
        return Err(Failure::Usage("--psk-identity needs --psk".into()));
    }
    c.psk_hint = args.psk_hint.as_ref().map(|h| h.as_bytes().to_vec());
    c.identities = load_identities(&args.cert, &args.key)
        .map_err(Failure::Usage)?
        .map(Arc::new);
    if c.psk_store.is_none() && c.identities.is_none() {
        return Err(Failure::Usage(
            "the server needs credentials: --psk HEX and/or --cert FILE --key FILE".into(),
        ));
    }
    c.client_auth = match args.verify_client {
        VerifyClient::None => ClientAuth::None,
        VerifyClient::Request => ClientAuth::Request,
        VerifyClient::Require => ClientAuth::Require,
    };
    match (&args.ca, args.verify_client) {
        (Some(ca), VerifyClient::Request | VerifyClient::Require) => {
            let verifier = CaVerifier::load(ca).map_err(Failure::Usage)?;
            if args.ca_names {
                c.client_ca_names = verifier.subjects();
            }
            c.client_verifier = Some(verifier);
        }
        (None, VerifyClient::Request | VerifyClient::Require) => {
            return Err(Failure::Usage(
                "--verify-client request/require needs --ca FILE to validate client certificates".into(),
            ));
        }
        (Some(_), VerifyClient::None) => {
            return Err(Failure::Usage(
                "--ca on the server validates client certificates: add --verify-client request or require"
                    .into(),
            ));
        }
        (None, VerifyClient::None) => {}
    }
    Ok(c)
}

/// Runs the server until --naccept connections have ended, or forever.
pub async fn run(args: ServerArgs) -> Result<(), Failure> {
    let config = config(&args)?;
    let addr = resolve(&args.listen, "--listen").await?;
    let socket = tokio::net::UdpSocket::bind(addr)
        .await
        .map_err(|e| Failure::Runtime(format!("cannot listen on {addr}: {e}")))?;
    let level = args.common.level();
    let socket = Traced::new(socket, level, true);
    let mut listener = Listener::bind_with(socket, Arc::new(config), Box::new(OsRng), Options::default())
        .map_err(|e| Failure::Usage(e.to_string()))?;
    eprintln!("listening: {}", listener.local_addr());

    let mut handlers = tokio::task::JoinSet::new();
    let mut accepted: u64 = 0;
    loop {
        if args.naccept.is_some_and(|n| accepted >= n) {
            break;
        }
        tokio::select! {
            conn = listener.accept() => {
                let conn = conn.map_err(|e| Failure::Runtime(e.to_string()))?;
                accepted += 1;
                eprintln!("connected: {} {}", conn.peer_addr(), suite_name(conn.suite()));
                if level > crate::trace::Level::Quiet {
                    eprintln!(
                        "peer: {} {}",
                        conn.peer_addr(),
                        crate::client::describe_peer(&conn.info().peer_identity)
                    );
                }
                if let Some(path) = &args.common.keylog {
                    let keys = conn.keylog().ok_or_else(|| Failure::Runtime("no key material for the key log".into()))?;
                    crate::client::append_keylog(path, keys).map_err(Failure::Runtime)?;
                }
                handlers.spawn(serve(conn, args.echo, level > crate::trace::Level::Quiet));
            }
            Some(_) = handlers.join_next(), if !handlers.is_empty() => {}
            r = tokio::signal::ctrl_c() => {
                return r.map_err(|e| Failure::Runtime(format!("cannot wait for ctrl-c: {e}")));
            }
        }
    }
    while handlers.join_next().await.is_some() {}
    Ok(())
}

/// One connection: print or echo each datagram until the connection ends.
async fn serve(mut conn: ServerConnection, echo: bool, verbose: bool) {
    let peer = conn.peer_addr();
    loop {
        match conn.recv().await {
            Ok(d) => {
                if echo {
                    if let Err(e) = conn.send(&d).await {
                        eprintln!("{peer}: echo failed: {e}");
                        return;
                    }
                } else {
                    let mut out = std::io::stdout().lock();
                    let _ = out.write_all(&d).and_then(|()| out.flush());
                }
            }
            Err(dtls_tokio::Error::Closed) => {
                if verbose {
                    eprintln!("closed: {peer}");
                }
                return;
            }
            Err(e) => {
                eprintln!("{peer}: {e}");
                return;
            }
        }
    }
}
