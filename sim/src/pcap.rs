//! Export of a simulated run as a classic pcap file (LINKTYPE_RAW, IPv4), so Wireshark
//! dissects it as DTLS: every datagram gets synthesized IPv4 and UDP headers, clients at
//! 10.0.0.N port 40000+N, the server at 10.0.0.1 port 4433 (`-d udp.port==4433,dtls`, or
//! Wireshark's DTLS heuristics).

use crate::endpoint::NodeId;

/// The UDP port of the server node.
pub const SERVER_PORT: u16 = 4433;

/// One captured datagram.
#[derive(Debug, Clone)]
pub struct Captured {
    /// Virtual time since the start of the run, in ms.
    pub ms: u64,
    /// Source node.
    pub from: NodeId,
    /// Destination node.
    pub to: NodeId,
    /// UDP payload.
    pub bytes: Vec<u8>,
}

fn addr(node: NodeId) -> ([u8; 4], u16) {
    // Node 0 is the server; clients are 1, 2, ...
    let [hi, lo] = (node + 1).to_be_bytes();
    let port = if node == 0 { SERVER_PORT } else { 40000 + node };
    ([10, 0, hi, lo], port)
}

fn checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The bytes of a pcap file holding `packets`.
pub fn write(packets: &[Captured]) -> Vec<u8> {
    let mut out = Vec::new();
    // Global header: magic (microsecond timestamps), version 2.4, GMT offset, accuracy,
    // snaplen, link type 101 (raw IP).
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&101u32.to_le_bytes());
    for (i, p) in packets.iter().enumerate() {
        let payload = &p.bytes[..p.bytes.len().min(65507)];
        let total = 20 + 8 + payload.len();
        let (src, sport) = addr(p.from);
        let (dst, dport) = addr(p.to);
        let mut ip = Vec::with_capacity(total);
        ip.extend_from_slice(&[0x45, 0]);
        ip.extend_from_slice(&(total as u16).to_be_bytes());
        ip.extend_from_slice(&(i as u16).to_be_bytes()); // identification
        ip.extend_from_slice(&[0x40, 0, 64, 17, 0, 0]); // DF, TTL 64, UDP, checksum below
        ip.extend_from_slice(&src);
        ip.extend_from_slice(&dst);
        let sum = checksum(&ip);
        ip[10..12].copy_from_slice(&sum.to_be_bytes());
        ip.extend_from_slice(&sport.to_be_bytes());
        ip.extend_from_slice(&dport.to_be_bytes());
        ip.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
        ip.extend_from_slice(&[0, 0]); // UDP checksum optional over IPv4
        ip.extend_from_slice(payload);
        out.extend_from_slice(&((p.ms / 1000) as u32).to_le_bytes());
        out.extend_from_slice(&(((p.ms % 1000) * 1000) as u32).to_le_bytes());
        out.extend_from_slice(&(ip.len() as u32).to_le_bytes());
        out.extend_from_slice(&(ip.len() as u32).to_le_bytes());
        out.extend_from_slice(&ip);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_record_layout() {
        let f = write(&[Captured {
            ms: 1500,
            from: 1,
            to: 0,
            bytes: vec![22, 0xfe, 0xfd],
        }]);
        assert_eq!(&f[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
        assert_eq!(f.len(), 24 + 16 + 20 + 8 + 3);
        let ip = &f[40..];
        assert_eq!(checksum(&ip[..20]), 0, "IPv4 header checksum verifies");
        assert_eq!(u16::from_be_bytes([ip[22], ip[23]]), SERVER_PORT);
    }
}
