//! Just enough CoAP (RFC 7252) to talk to libcoap over DTLS: build a confirmable GET, parse a
//! message, build the piggybacked response to a request.

/// A parsed CoAP message (options skipped, not kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// 0 confirmable, 1 non-confirmable, 2 acknowledgement, 3 reset (RFC 7252 3).
    pub kind: u8,
    /// Class and detail, e.g. 0x01 GET, 0x45 2.05 Content.
    pub code: u8,
    /// The message ID.
    pub message_id: u16,
    /// The token (0 to 8 bytes).
    pub token: Vec<u8>,
    /// The payload after the 0xFF marker.
    pub payload: Vec<u8>,
}

/// Code of a GET request.
pub const GET: u8 = 0x01;
/// Code of a 2.05 Content response.
pub const CONTENT: u8 = 0x45;
/// Uri-Path option number (RFC 7252 5.10).
const URI_PATH: u16 = 11;

fn push_option(out: &mut Vec<u8>, delta: u16, value: &[u8]) {
    // RFC 7252 3.1: 4-bit delta and length nibbles, 13 and 14 announce 1- and 2-byte extensions.
    fn nibble(v: usize) -> (u8, Vec<u8>) {
        match v {
            0..=12 => (v as u8, Vec::new()),
            13..=268 => (13, vec![(v - 13) as u8]),
            _ => (14, ((v - 269) as u16).to_be_bytes().to_vec()),
        }
    }
    let (d, dx) = nibble(usize::from(delta));
    let (l, lx) = nibble(value.len());
    out.push((d << 4) | l);
    out.extend(dx);
    out.extend(lx);
    out.extend_from_slice(value);
}

/// A confirmable GET for `path` (segments, e.g. `[".well-known", "core"]`).
pub fn get(message_id: u16, token: &[u8], path: &[&str]) -> Vec<u8> {
    let mut out = vec![0x40 | (token.len().min(8) as u8), GET];
    out.extend_from_slice(&message_id.to_be_bytes());
    out.extend_from_slice(&token[..token.len().min(8)]);
    let mut last = 0u16;
    for seg in path {
        push_option(&mut out, URI_PATH - last, seg.as_bytes());
        last = URI_PATH;
    }
    out
}

/// The acknowledgement that answers confirmable request `req` with `code` and `payload`.
pub fn response(req: &Message, code: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0x60 | (req.token.len() as u8), code];
    out.extend_from_slice(&req.message_id.to_be_bytes());
    out.extend_from_slice(&req.token);
    if !payload.is_empty() {
        out.push(0xFF);
        out.extend_from_slice(payload);
    }
    out
}

/// Parses a CoAP message; `None` if it is not one.
pub fn parse(b: &[u8]) -> Option<Message> {
    let (&first, rest) = b.split_first()?;
    if first >> 6 != 1 {
        return None; // version 1 only
    }
    let tkl = usize::from(first & 0x0F);
    if tkl > 8 || rest.len() < 3 + tkl {
        return None;
    }
    let code = rest[0];
    let message_id = u16::from_be_bytes([rest[1], rest[2]]);
    let token = rest[3..3 + tkl].to_vec();
    let mut p = &rest[3 + tkl..];
    // Skip options up to the payload marker.
    while let Some((&h, tail)) = p.split_first() {
        if h == 0xFF {
            return Some(Message {
                kind: (first >> 4) & 3,
                code,
                message_id,
                token,
                payload: tail.to_vec(),
            });
        }
        let mut tail = tail;
        let mut ext = |n: u8| -> Option<usize> {
            match n {
                0..=12 => Some(usize::from(n)),
                13 => {
                    let (&x, t) = tail.split_first()?;
                    tail = t;
                    Some(usize::from(x) + 13)
                }
                14 => {
                    let v = tail.get(..2)?;
                    let x = usize::from(u16::from_be_bytes([v[0], v[1]])) + 269;
                    tail = &tail[2..];
                    Some(x)
                }
                _ => None,
            }
        };
        ext(h >> 4)?;
        let len = ext(h & 0x0F)?;
        p = tail.get(len..)?;
    }
    Some(Message {
        kind: (first >> 4) & 3,
        code,
        message_id,
        token,
        payload: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_and_response_round_trip() {
        let g = get(0x1234, b"tk", &[".well-known", "core"]);
        let m = parse(&g).unwrap();
        assert_eq!(
            (m.kind, m.code, m.message_id, m.token.as_slice()),
            (0, GET, 0x1234, &b"tk"[..])
        );
        let r = parse(&response(&m, CONTENT, b"hi")).unwrap();
        assert_eq!(
            (r.kind, r.code, r.message_id, r.payload.as_slice()),
            (2, CONTENT, 0x1234, &b"hi"[..])
        );
        assert!(parse(&[0x80]).is_none());
    }
}
