//! Command-line peers as child processes: `openssl s_server`/`s_client`, `gnutls-serv`/`-cli`.
//!
//! [`PeerProcess`] pipes stdin, collects stdout and stderr on background threads (so the child
//! never blocks on a full pipe), and kills the child when dropped, so a failing test cannot
//! leave a peer behind.

use std::io::{self, Read, Write};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Finds `program` on `PATH`.
pub fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Finds a peer program the interop tests need. In CI (the `CI` environment variable is set)
/// a missing program is a failure, because CI installs it; locally the test is skipped with a
/// message.
///
/// # Panics
/// If `program` is missing and `CI` is set.
pub fn require_program(program: &str) -> Option<PathBuf> {
    match find_program(program) {
        Some(p) => Some(p),
        None if std::env::var_os("CI").is_some() => {
            panic!("`{program}` is not installed, and CI is set: CI must install it (see .ci/run)")
        }
        None => {
            eprintln!("SKIPPED: `{program}` is not installed");
            None
        }
    }
}

/// A loopback UDP port that was free a moment ago (bound to port 0, then released). For peers
/// that must be told which port to listen on.
pub fn free_udp_port() -> io::Result<u16> {
    let s = UdpSocket::bind("127.0.0.1:0")?;
    Ok(s.local_addr()?.port())
}

/// Whether some socket is bound to UDP `port` on 127.0.0.1 or a wildcard address, read from
/// `/proc/net/udp{,6}`. `None` when `/proc` is not available.
pub fn udp_port_bound(port: u16) -> Option<bool> {
    let mut any_table = false;
    for table in ["/proc/net/udp", "/proc/net/udp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        any_table = true;
        let wanted = format!(":{port:04X}");
        // Lines: "  sl  local_address rem_address ...", local_address is ADDR:PORT in hex.
        if text.lines().skip(1).any(|line| {
            line.split_whitespace().nth(1).is_some_and(|local| {
                local.ends_with(&wanted) && {
                    let addr = &local[..local.len() - wanted.len()];
                    // 127.0.0.1 (little-endian hex), 0.0.0.0, ::, or ::ffff:127.0.0.1 / ::1.
                    addr == "0100007F"
                        || addr.chars().all(|c| c == '0')
                        || addr == "0000000000000000FFFF00000100007F"
                        || addr == "00000000000000000000000001000000"
                }
            })
        }) {
            return Some(true);
        }
    }
    any_table.then_some(false)
}

/// Waits until something is bound to UDP `port` on loopback (see [`udp_port_bound`]). Without
/// `/proc`, waits a fixed half second instead.
pub fn wait_for_udp_port(port: u16, timeout: Duration) -> io::Result<()> {
    let end = Instant::now() + timeout;
    loop {
        match udp_port_bound(port) {
            Some(true) => return Ok(()),
            None => {
                thread::sleep(Duration::from_millis(500));
                return Ok(());
            }
            Some(false) if Instant::now() >= end => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("nothing bound UDP port {port} within {timeout:?}"),
                ));
            }
            Some(false) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// A child process with piped stdio; killed (and reaped) on drop.
#[derive(Debug)]
pub struct PeerProcess {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

fn collect(mut from: impl Read + Send + 'static, into: Arc<Mutex<Vec<u8>>>) -> JoinHandle<()> {
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => match into.lock() {
                    Ok(mut v) => v.extend_from_slice(&buf[..n]),
                    Err(_) => return,
                },
            }
        }
    })
}

fn text(buf: &Mutex<Vec<u8>>) -> String {
    buf.lock()
        .map(|v| String::from_utf8_lossy(&v).into_owned())
        .unwrap_or_default()
}

impl PeerProcess {
    /// Starts `program` with `args`, stdin/stdout/stderr piped.
    pub fn spawn(program: impl AsRef<Path>, args: &[&str]) -> io::Result<PeerProcess> {
        let program = program.as_ref();
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut readers = Vec::new();
        if let Some(out) = child.stdout.take() {
            readers.push(collect(out, stdout.clone()));
        }
        if let Some(err) = child.stderr.take() {
            readers.push(collect(err, stderr.clone()));
        }
        let name = format!("{} {}", program.display(), args.join(" "));
        Ok(PeerProcess {
            name,
            stdin: child.stdin.take(),
            child,
            stdout,
            stderr,
            readers,
        })
    }

    /// The command line, for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Writes to the child's stdin.
    pub fn write_stdin(&mut self, data: &[u8]) -> io::Result<()> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| io::Error::new(io::ErrorKind::BrokenPipe, "stdin already closed"))?;
        stdin.write_all(data)?;
        stdin.flush()
    }

    /// Closes the child's stdin (end of file).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Everything the child wrote to stdout so far (lossy UTF-8).
    pub fn stdout(&self) -> String {
        text(&self.stdout)
    }

    /// Everything the child wrote to stderr so far (lossy UTF-8).
    pub fn stderr(&self) -> String {
        text(&self.stderr)
    }

    /// Waits until stdout contains `needle`; on timeout the error shows both streams.
    pub fn wait_for_stdout(&self, needle: &str, timeout: Duration) -> Result<(), String> {
        self.wait_for(needle, timeout, &self.stdout, "stdout")
    }

    /// Waits until stderr contains `needle`.
    pub fn wait_for_stderr(&self, needle: &str, timeout: Duration) -> Result<(), String> {
        self.wait_for(needle, timeout, &self.stderr, "stderr")
    }

    /// Waits until stderr holds a whole line (newline-terminated) starting with `prefix` and
    /// returns the rest of it. A child's line can arrive in two reads; waiting for the prefix
    /// alone could hand back half of it.
    pub fn wait_for_stderr_line(&self, prefix: &str, timeout: Duration) -> Result<String, String> {
        let end = Instant::now() + timeout;
        loop {
            let err = text(&self.stderr);
            let complete = err.rfind('\n').map_or("", |n| &err[..n]);
            if let Some(rest) = complete.lines().find_map(|l| l.strip_prefix(prefix)) {
                return Ok(rest.to_string());
            }
            if Instant::now() >= end {
                return Err(format!(
                    "no line `{prefix}..` on stderr of `{}` within {timeout:?}\n{}",
                    self.name,
                    self.dump()
                ));
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    fn wait_for(
        &self,
        needle: &str,
        timeout: Duration,
        buf: &Mutex<Vec<u8>>,
        which: &str,
    ) -> Result<(), String> {
        let end = Instant::now() + timeout;
        loop {
            if text(buf).contains(needle) {
                return Ok(());
            }
            if Instant::now() >= end {
                return Err(format!(
                    "`{needle}` not on {which} of `{}` within {timeout:?}\n{}",
                    self.name,
                    self.dump()
                ));
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits up to `timeout` for the child to exit by itself. Once it has, its output is
    /// complete: the collector threads are joined (the pipes are closed), so `stdout()` and
    /// `stderr()` cannot miss the last bytes it wrote.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let end = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    for r in self.readers.drain(..) {
                        let _ = r.join();
                    }
                    return Some(status);
                }
                Ok(None) if Instant::now() < end => thread::sleep(Duration::from_millis(10)),
                _ => return None,
            }
        }
    }

    /// Both output streams, for failure messages.
    pub fn dump(&self) -> String {
        format!(
            "--- stdout of `{}`:\n{}\n--- stderr:\n{}",
            self.name,
            self.stdout(),
            self.stderr()
        )
    }
}

impl Drop for PeerProcess {
    fn drop(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
    }
}
