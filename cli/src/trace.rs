//! `-v` and `--trace`: a socket wrapper that describes every datagram on stderr.

use std::future::Future;
use std::io;
use std::net::SocketAddr;

use dtls::record::{HEADER_LEN, RecordLayer};
use dtls::wire::RecordHeader;
use dtls::wire::{AlertDescription, AlertLevel, ContentType, split_handshake};
use dtls_tokio::DatagramSocket;

/// How much to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Nothing but the `connected:` line and errors.
    Quiet,
    /// One line per record.
    Records,
    /// And a hex dump of each record.
    Hex,
}

/// A socket that prints what passes through it.
#[derive(Debug)]
pub struct Traced<S> {
    inner: S,
    level: Level,
    /// Prefix every line with the peer's address (the server talks to many).
    show_peer: bool,
}

impl<S> Traced<S> {
    pub fn new(inner: S, level: Level, show_peer: bool) -> Self {
        Traced {
            inner,
            level,
            show_peer,
        }
    }

    fn log(&self, outgoing: bool, peer: SocketAddr, datagram: &[u8]) {
        if self.level == Level::Quiet {
            return;
        }
        let arrow = if outgoing { ">" } else { "<" };
        let who = if self.show_peer {
            format!(" {peer}")
        } else {
            String::new()
        };
        let mut lines = String::new();
        for line in describe(datagram, self.level == Level::Hex) {
            lines.push_str(&format!("{arrow}{who} {line}\n"));
        }
        eprint!("{lines}");
    }
}

impl DatagramSocket for Traced<tokio::net::UdpSocket> {
    fn send_to(&self, buf: &[u8], to: SocketAddr) -> impl Future<Output = io::Result<usize>> + Send {
        self.log(true, to, buf);
        self.inner.send_to(buf, to)
    }

    async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let (n, from) = self.inner.recv_from(buf).await?;
        self.log(false, from, buf.get(..n).unwrap_or_default());
        Ok((n, from))
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// One line per record of a datagram (and its hex dump if `hex`).
pub fn describe(datagram: &[u8], hex: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = datagram;
    while !rest.is_empty() {
        let (Some(len), Some(h)) = (RecordLayer::record_len(rest), RecordHeader::peek(rest)) else {
            out.push(format!("{} bytes that are not a DTLS record", rest.len()));
            break;
        };
        let (record, tail) = rest.split_at(len);
        let body = record.get(HEADER_LEN..).unwrap_or_default();
        out.push(format!(
            "{} (epoch {}, seq {}, {} bytes)",
            what(&h, body),
            h.epoch,
            h.sequence_number,
            h.length
        ));
        if hex {
            for chunk in record.chunks(32) {
                out.push(format!("    {}", hex::encode(chunk)));
            }
        }
        rest = tail;
    }
    out
}

fn what(h: &RecordHeader, body: &[u8]) -> String {
    let ct = h.content_type;
    let name = ct.name().unwrap_or("unknown content type");
    if h.epoch != 0 {
        return format!("{name} (encrypted)");
    }
    if ct == ContentType::HANDSHAKE {
        let messages: Vec<String> = split_handshake(body)
            .map(|f| match f {
                Ok(f) => {
                    let n = f.header.msg_type.name().unwrap_or("unknown").to_string();
                    if f.header.fragment_length == f.header.length {
                        n
                    } else {
                        format!(
                            "{n} [fragment {}..{} of {}]",
                            f.header.fragment_offset,
                            f.header.fragment_offset + f.header.fragment_length,
                            f.header.length
                        )
                    }
                }
                Err(_) => "malformed".to_string(),
            })
            .collect();
        return format!("handshake {}", messages.join(", "));
    }
    if ct == ContentType::ALERT
        && let [level, desc] = body
    {
        return format!(
            "alert {} {}",
            AlertLevel(*level).name().unwrap_or("?"),
            AlertDescription(*desc).name().unwrap_or("?")
        );
    }
    name.to_string()
}
