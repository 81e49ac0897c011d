//! Host side of the Cortex-M example: runs our DTLS server (`dtls server --echo`) on a loopback
//! UDP port, starts the PSK client firmware in QEMU with its UART0 on a loopback TCP socket, and
//! carries datagrams between them: SLIP frames (RFC 1055) from the UART become UDP datagrams to
//! the server, and the server's datagrams go back as frames. Exits with the firmware's status.
//!
//! ```text
//! slip_bridge --server target/release/dtls --firmware <psk_client ELF> [--timeout-secs 60]
//! ```
//!
//! `benches/cortex-m/run.sh --example` builds both and runs this.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

const END: u8 = 0xC0;
const ESC: u8 = 0xDB;
const ESC_END: u8 = 0xDC;
const ESC_ESC: u8 = 0xDD;
/// The example's PSK (identity `device-17`), as the firmware has it.
const PSK_HEX: &str = "1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a";

fn slip_encode(datagram: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(datagram.len() + 8);
    out.push(END);
    for &b in datagram {
        match b {
            END => out.extend_from_slice(&[ESC, ESC_END]),
            ESC => out.extend_from_slice(&[ESC, ESC_ESC]),
            _ => out.push(b),
        }
    }
    out.push(END);
    out
}

/// SLIP decoder state: feeds bytes, yields whole frames.
#[derive(Default)]
struct SlipDecoder {
    frame: Vec<u8>,
    escaped: bool,
}

impl SlipDecoder {
    fn feed(&mut self, byte: u8) -> Option<Vec<u8>> {
        match (byte, self.escaped) {
            (END, _) => {
                self.escaped = false;
                (!self.frame.is_empty()).then(|| std::mem::take(&mut self.frame))
            }
            (ESC, false) => {
                self.escaped = true;
                None
            }
            (b, escaped) => {
                self.escaped = false;
                self.frame.push(match (b, escaped) {
                    (ESC_END, true) => END,
                    (ESC_ESC, true) => ESC,
                    (b, _) => b,
                });
                None
            }
        }
    }
}

struct Args {
    server: String,
    firmware: String,
    timeout: Duration,
}

fn parse_args() -> Result<Args, String> {
    let (mut server, mut firmware, mut timeout) = (None, None, Duration::from_secs(60));
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut v = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--server" => server = Some(v()?),
            "--firmware" => firmware = Some(v()?),
            "--timeout-secs" => timeout = Duration::from_secs(v()?.parse().map_err(|e| format!("{e}"))?),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    Ok(Args {
        server: server.ok_or("--server is required")?,
        firmware: firmware.ok_or("--firmware is required")?,
        timeout,
    })
}

/// Starts `dtls server` on a free loopback port; returns it and its address.
fn start_server(path: &str) -> Result<(Child, String), String> {
    let mut child = Command::new(path)
        .args([
            "server",
            "--listen",
            "127.0.0.1:0",
            "--psk",
            PSK_HEX,
            "--echo",
            "--naccept",
            "1",
        ])
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{path}: {e}"))?;
    let stderr = child.stderr.take().ok_or("no server stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        match lines.next() {
            Some(Ok(line)) => {
                eprintln!("server: {line}");
                if let Some(a) = line.strip_prefix("listening: ") {
                    break a.trim().to_string();
                }
            }
            _ => return Err("the server exited before listening".into()),
        }
    };
    // Keep echoing the server's log.
    thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            eprintln!("server: {line}");
        }
    });
    Ok((child, addr))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("slip_bridge: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("slip_bridge: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<bool, String> {
    let (mut server, server_addr) = start_server(&args.server)?;
    let uart = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let uart_addr = uart.local_addr().map_err(|e| e.to_string())?;
    // No -icount here: the firmware's clock follows host time, so its retransmission timer
    // and the server's agree.
    let mut qemu = Command::new("qemu-system-arm")
        .args([
            "-cpu",
            "cortex-m4",
            "-machine",
            "mps2-an386",
            "-nographic",
            "-monitor",
            "none",
        ])
        .args(["-semihosting-config", "enable=on,target=native"])
        .args(["-serial", &format!("tcp:{uart_addr}")])
        .arg("-kernel")
        .arg(&args.firmware)
        .stdout(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("qemu-system-arm: {e}"))?;
    let (tcp, _) = uart.accept().map_err(|e| e.to_string())?;
    let udp = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    udp.connect(&server_addr).map_err(|e| e.to_string())?;
    let frames_up = Arc::new(AtomicU64::new(0));
    let frames_down = Arc::new(AtomicU64::new(0));

    // UART -> UDP.
    {
        let mut tcp = tcp.try_clone().map_err(|e| e.to_string())?;
        let udp = udp.try_clone().map_err(|e| e.to_string())?;
        let count = frames_up.clone();
        thread::spawn(move || {
            let mut decoder = SlipDecoder::default();
            let mut buf = [0u8; 2048];
            while let Ok(n) = tcp.read(&mut buf) {
                if n == 0 {
                    break;
                }
                for &b in &buf[..n] {
                    if let Some(frame) = decoder.feed(b) {
                        count.fetch_add(1, Ordering::Relaxed);
                        let _ = udp.send(&frame);
                    }
                }
            }
        });
    }
    // UDP -> UART.
    {
        let mut tcp = tcp.try_clone().map_err(|e| e.to_string())?;
        let count = frames_down.clone();
        udp.set_read_timeout(Some(Duration::from_millis(200)))
            .map_err(|e| e.to_string())?;
        thread::spawn(move || {
            let mut buf = [0u8; 2048];
            loop {
                match udp.recv(&mut buf) {
                    Ok(n) => {
                        count.fetch_add(1, Ordering::Relaxed);
                        if tcp.write_all(&slip_encode(&buf[..n])).is_err() {
                            break;
                        }
                    }
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) => {}
                    Err(_) => break,
                }
            }
        });
    }

    let start = Instant::now();
    let status = loop {
        if let Some(status) = qemu.try_wait().map_err(|e| e.to_string())? {
            break Some(status);
        }
        if start.elapsed() > args.timeout {
            let _ = qemu.kill();
            let _ = qemu.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(50));
    };
    let _ = server.kill();
    let _ = server.wait();
    eprintln!(
        "slip_bridge: {} datagrams firmware -> server, {} server -> firmware, {:.1} s",
        frames_up.load(Ordering::Relaxed),
        frames_down.load(Ordering::Relaxed),
        start.elapsed().as_secs_f64()
    );
    match status {
        Some(s) if s.success() => {
            eprintln!("slip_bridge: the firmware completed the handshake and the echo");
            Ok(true)
        }
        Some(s) => {
            eprintln!("slip_bridge: the firmware failed ({s})");
            Ok(false)
        }
        None => {
            eprintln!("slip_bridge: timed out after {:?}", args.timeout);
            Ok(false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slip_round_trip_with_escapes() {
        let datagram = [1, END, 2, ESC, 3, ESC_END, ESC_ESC];
        let mut d = SlipDecoder::default();
        let frames: Vec<Vec<u8>> = slip_encode(&datagram)
            .into_iter()
            .filter_map(|b| d.feed(b))
            .collect();
        assert_eq!(frames, vec![datagram.to_vec()]);
    }
}
