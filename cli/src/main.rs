//! `dtls`: a DTLS 1.2 client and server over UDP, for interop testing and debugging, modelled
//! on `openssl s_server` / `openssl s_client -dtls1_2`.

mod client;
mod credentials;
mod server;
mod trace;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};
use dtls::config::CommonConfig;
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::wire::CipherSuite;

#[derive(Debug, Parser)]
#[command(
    name = "dtls",
    version,
    about = "DTLS 1.2 client and server over UDP (like openssl s_server/s_client -dtls1_2)",
    long_about = "DTLS 1.2 client and server over UDP, for interop testing and debugging.\n\n\
        Modelled on `openssl s_server -dtls1_2` / `openssl s_client -dtls1_2`. Diagnostics go to \
        stderr: always one `connected: ...` line when the handshake completes, the handshake \
        record by record with -v, hex dumps with --trace. Received application data goes to \
        stdout. Exit status: 0 on success, 1 when the connection fails (with a one-line reason), \
        2 for bad arguments or unreadable credentials."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Accept DTLS sessions on a UDP port; print what arrives (or echo it back).
    Server(ServerArgs),
    /// Connect to a DTLS server; send stdin line by line (or --message), print what arrives.
    Client(ClientArgs),
}

/// Options both sides take.
#[derive(Debug, Args)]
struct CommonArgs {
    /// Pre-shared key, hex (as openssl's -psk). Enables the PSK suites.
    #[arg(long, value_name = "HEX")]
    psk: Option<String>,
    /// PSK identity: the client sends it (default `Client_identity`, as openssl); the server
    /// accepts only it (default: any identity, with the one --psk key).
    #[arg(long, value_name = "ID")]
    psk_identity: Option<String>,
    /// Comma-separated IANA cipher suite names, in order of preference, e.g.
    /// TLS_PSK_WITH_AES_128_CCM_8,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (default: every
    /// supported suite the credentials allow).
    #[arg(long, value_name = "LIST")]
    cipher_suites: Option<String>,
    /// Path MTU: largest datagram sent, in bytes of UDP payload.
    #[arg(long, value_name = "N", default_value_t = 1200)]
    mtu: usize,
    /// Do not require the extended master secret (RFC 7627); for old peers only.
    #[arg(long)]
    no_ems: bool,
    /// Write NSS key log lines (CLIENT_RANDOM <client_random> <master_secret>) to FILE, for
    /// Wireshark (one line per connection, on either side).
    #[arg(long, value_name = "FILE")]
    keylog: Option<PathBuf>,
    /// Print the handshake record by record on stderr.
    #[arg(short, long)]
    verbose: bool,
    /// Also dump every record in hex (implies -v).
    #[arg(long)]
    trace: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum VerifyClient {
    /// Do not ask for a client certificate.
    None,
    /// Ask for one; a client without one is served anonymously, a chain it sends must
    /// validate against --ca.
    Request,
    /// Require one that validates against --ca (handshake_failure without one).
    Require,
}

#[derive(Debug, Args)]
struct ServerArgs {
    /// Address and port to listen on (port 0 picks a free one; see the `listening:` line).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4433")]
    listen: String,
    /// PSK identity hint sent in ServerKeyExchange.
    #[arg(long, value_name = "HINT")]
    psk_hint: Option<String>,
    /// Certificate chain, leaf first (PEM or DER), paired with the --key at the same
    /// position. Repeat the pair for several identities (say RSA and ECDSA): each handshake
    /// uses the first that fits the suite, the client's signature algorithms and curves, and
    /// its server name. An EC key enables the ECDHE_ECDSA suites, an RSA key the ECDHE_RSA
    /// and RSA suites.
    #[arg(long, value_name = "FILE", requires = "key", action = clap::ArgAction::Append)]
    cert: Vec<PathBuf>,
    /// The private key of the --cert at the same position: PKCS#1, PKCS#8 or SEC1, PEM or DER;
    /// RSA (2048 to 4096 bits) or EC P-256/P-384.
    #[arg(long, value_name = "FILE", requires = "cert", action = clap::ArgAction::Append)]
    key: Vec<PathBuf>,
    /// Trust anchors for client certificates (PEM or DER), with --verify-client: client
    /// chains must validate to one of them in full (signatures, validity at the system clock,
    /// CA constraints, keyUsage, extendedKeyUsage clientAuth); a client leaf that is one of
    /// them byte for byte is trusted as pinned.
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// Client certificate authentication (needs --ca for request and require).
    #[arg(long, value_enum, default_value_t = VerifyClient::None)]
    verify_client: VerifyClient,
    /// List the subjects of the --ca certificates in CertificateRequest (helps clients with
    /// several identities choose; costs bytes in the server's flight).
    #[arg(long, requires = "ca")]
    ca_names: bool,
    /// Answer ClientHellos directly, without a HelloVerifyRequest cookie exchange.
    #[arg(long)]
    no_cookie: bool,
    /// Send every received datagram back to its sender instead of printing it.
    #[arg(long)]
    echo: bool,
    /// Exit after N connections have been accepted and have ended.
    #[arg(long, value_name = "N")]
    naccept: Option<u64>,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Args)]
struct ClientArgs {
    /// Server address and port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4433")]
    connect: String,
    /// Trust anchors (PEM or DER). Enables the certificate suites. The server's chain must
    /// validate to one of them in full: every signature, validity at the system clock, CA
    /// constraints and path length, keyUsage, extendedKeyUsage serverAuth and, with
    /// --server-name, the name against the leaf's subjectAltName. A server leaf that is one
    /// of them byte for byte is trusted as pinned (a self-signed device certificate; no name
    /// check then).
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// Client certificate chain, leaf first (PEM or DER), sent when the server asks for one;
    /// paired with the --key at the same position (repeatable: the first identity the
    /// server's CertificateRequest allows is sent).
    #[arg(long, value_name = "FILE", requires = "key", action = clap::ArgAction::Append)]
    cert: Vec<PathBuf>,
    /// The private key of the --cert at the same position (PKCS#1, PKCS#8 or SEC1; PEM or
    /// DER; RSA or EC P-256/P-384).
    #[arg(long, value_name = "FILE", requires = "cert", action = clap::ArgAction::Append)]
    key: Vec<PathBuf>,
    /// Server name: sent in the server_name extension and checked against the server
    /// certificate's subjectAltName (see --ca).
    #[arg(long, value_name = "NAME")]
    server_name: Option<String>,
    /// Send TEXT as one datagram (repeatable) instead of reading stdin.
    #[arg(long, value_name = "TEXT")]
    message: Vec<String>,
    /// Exit 0 after receiving N datagrams (and closing); keep reading until then.
    #[arg(long, value_name = "N")]
    count: Option<u64>,
    /// Give up after S seconds (handshake included): exit 1 if --count datagrams have not
    /// arrived by then, 0 otherwise.
    #[arg(long, value_name = "S")]
    timeout: Option<f64>,
    #[command(flatten)]
    common: CommonArgs,
}

/// Why the command failed, and its exit status.
#[derive(Debug)]
enum Failure {
    /// Bad arguments or credentials (exit 2).
    Usage(String),
    /// The connection failed (exit 1).
    Runtime(String),
}

impl CommonArgs {
    fn level(&self) -> trace::Level {
        if self.trace {
            trace::Level::Hex
        } else if self.verbose {
            trace::Level::Records
        } else {
            trace::Level::Quiet
        }
    }

    /// The settings shared by both sides.
    fn common_config(&self) -> Result<CommonConfig, Failure> {
        let mut c = CommonConfig::new(Arc::new(RustCrypto));
        if let Some(list) = &self.cipher_suites {
            c.cipher_suites = parse_suites(list).map_err(Failure::Usage)?;
        }
        if !(dtls::config::MIN_MTU..=dtls::config::MAX_MTU).contains(&self.mtu) {
            return Err(Failure::Usage(format!(
                "--mtu: must be between {} and {}",
                dtls::config::MIN_MTU,
                dtls::config::MAX_MTU
            )));
        }
        c.mtu = self.mtu;
        c.require_extended_master_secret = !self.no_ems;
        Ok(c)
    }
}

/// Suites by IANA name, each one the engine supports.
fn parse_suites(list: &str) -> Result<Vec<CipherSuite>, String> {
    let supported: Vec<&str> = dtls::suite::SUPPORTED
        .iter()
        .filter_map(|s| s.suite.name())
        .collect();
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| {
            dtls::suite::SUPPORTED
                .iter()
                .map(|p| p.suite)
                .find(|s| s.name().is_some_and(|n| n.eq_ignore_ascii_case(name)))
                .ok_or_else(|| {
                    format!(
                        "--cipher-suites: unknown or unsupported suite `{name}`; supported: {}",
                        supported.join(", ")
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()
        .and_then(|v| {
            if v.is_empty() {
                Err("--cipher-suites: empty list".to_string())
            } else {
                Ok(v)
            }
        })
}

/// Resolves `host:port`.
async fn resolve(addr: &str, flag: &str) -> Result<SocketAddr, Failure> {
    let mut addrs = tokio::net::lookup_host(addr)
        .await
        .map_err(|e| Failure::Usage(format!("{flag}: cannot resolve `{addr}` (want HOST:PORT): {e}")))?;
    addrs
        .next()
        .ok_or_else(|| Failure::Usage(format!("{flag}: `{addr}` resolves to no address")))
}

/// The IANA name of a suite, or its hex code.
fn suite_name(s: CipherSuite) -> String {
    s.name().map_or_else(|| format!("{s:?}"), str::to_string)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("dtls: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Server(args) => server::run(args).await,
            Command::Client(args) => client::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("dtls: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Runtime(msg)) => {
            eprintln!("dtls: {msg}");
            ExitCode::from(1)
        }
    }
}
