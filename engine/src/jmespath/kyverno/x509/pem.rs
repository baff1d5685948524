//! Go's `encoding/pem.Decode`: the first well-formed block anywhere in the
//! input (text before it is skipped, malformed candidates are passed over).

use super::super::encoding::b64_decode;

pub(super) struct Block {
    pub kind: String,
    pub bytes: Vec<u8>,
}

const START: &[u8] = b"\n-----BEGIN ";
const END: &[u8] = b"\n-----END ";
const DASHES: &[u8] = b"-----";

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Go's `getLine`: up to the next `\n`, trailing spaces, tabs and `\r`
/// trimmed; the rest after the newline.
fn get_line(data: &[u8]) -> (&[u8], &[u8]) {
    let (mut line, rest): (&[u8], &[u8]) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => data.split_at(i),
        None => (data, &[]),
    };
    // `split_at` leaves the newline at the front of the rest.
    let rest = rest.split_first().map_or(rest, |(_, r)| r);
    while let Some((b' ' | b'\t' | b'\r', init)) = line.split_last() {
        line = init;
    }
    (line, rest)
}

pub(super) fn decode(data: &[u8]) -> Option<Block> {
    // The markers without their leading newline (a block may open the data).
    let start_tail = START.split_first().map_or(START, |(_, t)| t);
    let end_tail = END.split_first().map_or(END, |(_, t)| t);
    let mut rest = data;
    loop {
        if let Some(r) = rest.strip_prefix(start_tail) {
            rest = r;
        } else if let Some(i) = find(rest, START) {
            rest = rest.get(i + START.len()..).unwrap_or_default();
        } else {
            return None;
        }
        let (type_line, after) = get_line(rest);
        rest = after;
        let Some(kind) = type_line.strip_suffix(DASHES) else {
            continue;
        };
        // Headers (`Key: value` lines) end at the first line without ':'.
        let mut has_headers = false;
        loop {
            if rest.is_empty() {
                return None;
            }
            let (line, next) = get_line(rest);
            if !line.contains(&b':') {
                break;
            }
            has_headers = true;
            rest = next;
        }
        let (end_index, trailer_index) = if !has_headers && rest.starts_with(end_tail) {
            (0, END.len() - 1)
        } else {
            match find(rest, END) {
                Some(i) => (i, i + END.len()),
                None => continue,
            }
        };
        let trailer = rest.get(trailer_index..).unwrap_or_default();
        let trailer_len = kind.len() + DASHES.len();
        if trailer.len() < trailer_len {
            continue;
        }
        let (end_line, rest_of_end_line) = trailer.split_at(trailer_len);
        if !end_line.starts_with(kind) || !end_line.ends_with(DASHES) {
            continue;
        }
        if !get_line(rest_of_end_line).0.is_empty() {
            continue;
        }
        let body: Vec<u8> = rest
            .get(..end_index)
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(|b| *b != b' ' && *b != b'\t')
            .collect();
        match b64_decode(&body) {
            Ok(bytes) => {
                return Some(Block {
                    kind: String::from_utf8_lossy(kind).into_owned(),
                    bytes,
                })
            }
            Err(_) => continue,
        }
    }
}
