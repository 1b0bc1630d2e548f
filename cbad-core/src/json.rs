//! Canonical JSON: a small parser (depth-limited, never panics) and an emitter with keys in
//! byte order and no insignificant whitespace. String values are masked like log text; numeric
//! leaves are replaced by a symbol chosen by the caller from the value and its key path.

use crate::mask::{push_masked, SegMap};
use alloc::vec::Vec;

const MAX_DEPTH: usize = 64;

enum Node {
    Obj(Vec<((u32, u32), usize)>),
    Arr(Vec<usize>),
    Str(u32, u32),
    Num(u32, u32),
    Lit(u32, u32),
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    nodes: Vec<Node>,
}

impl<'a> Parser<'a> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\r' | b'\n') {
            self.i += 1;
        }
    }

    fn string(&mut self) -> Option<(u32, u32)> {
        // at opening quote
        self.i += 1;
        let start = self.i;
        while self.i < self.s.len() {
            match self.s[self.i] {
                b'"' => {
                    self.i += 1;
                    return Some((start as u32, (self.i - 1) as u32));
                }
                b'\\' => self.i += 2,
                c if c < 0x20 => return None,
                _ => self.i += 1,
            }
        }
        None
    }

    fn value(&mut self, depth: usize) -> Option<usize> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        let c = *self.s.get(self.i)?;
        let node = match c {
            b'{' => {
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        if self.s.get(self.i) != Some(&b'"') {
                            return None;
                        }
                        let key = self.string()?;
                        self.ws();
                        if self.s.get(self.i) != Some(&b':') {
                            return None;
                        }
                        self.i += 1;
                        let v = self.value(depth + 1)?;
                        members.push((key, v));
                        self.ws();
                        match self.s.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                Node::Obj(members)
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    loop {
                        items.push(self.value(depth + 1)?);
                        self.ws();
                        match self.s.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b']') => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                Node::Arr(items)
            }
            b'"' => {
                let (a, b) = self.string()?;
                Node::Str(a, b)
            }
            b't' | b'f' | b'n' => {
                let start = self.i;
                for lit in [&b"true"[..], b"false", b"null"] {
                    if self.s[self.i..].starts_with(lit) {
                        self.i += lit.len();
                        break;
                    }
                }
                if self.i == start {
                    return None;
                }
                Node::Lit(start as u32, self.i as u32)
            }
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                while self.i < self.s.len() && matches!(self.s[self.i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
                    self.i += 1;
                }
                core::str::from_utf8(&self.s[start..self.i]).ok()?.parse::<f64>().ok()?;
                Node::Num(start as u32, self.i as u32)
            }
            _ => return None,
        };
        self.nodes.push(node);
        Some(self.nodes.len() - 1)
    }
}

/// FNV-1a step over a key path.
#[inline]
fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// Where the emitter sends its output.
pub(crate) struct Sink<'o> {
    pub out: &'o mut Vec<u8>,
    pub map: &'o mut SegMap,
    /// Numeric leaves seen: (key-path hash, value).
    pub numbers: &'o mut Vec<(u64, f64)>,
    pub mask: bool,
}

/// Canonicalizes `src` into the sink; `symbol(path, value)` gives the byte for a number.
/// Returns `false` (and leaves partial output the caller must discard) if `src` is not JSON.
pub(crate) fn canonicalize(src: &str, sink: &mut Sink<'_>, symbol: &dyn Fn(u64, f64) -> u8) -> bool {
    let mut p = Parser { s: src.as_bytes(), i: 0, nodes: Vec::new() };
    let Some(root) = p.value(0) else { return false };
    p.ws();
    if p.i != p.s.len() {
        return false;
    }
    emit(&p.nodes, p.s, root, 0xcbf2_9ce4_8422_2325, sink, symbol);
    true
}

fn emit(nodes: &[Node], s: &[u8], at: usize, path: u64, sink: &mut Sink<'_>, symbol: &dyn Fn(u64, f64) -> u8) {
    let push = |sink: &mut Sink<'_>, b: u8, off: u32| {
        sink.map.copy(sink.out.len() as u32, off, 1);
        sink.out.push(b);
    };
    match &nodes[at] {
        Node::Obj(members) => {
            let mut order: Vec<usize> = (0..members.len()).collect();
            order.sort_by(|&a, &b| {
                let ka = &s[members[a].0 .0 as usize..members[a].0 .1 as usize];
                let kb = &s[members[b].0 .0 as usize..members[b].0 .1 as usize];
                ka.cmp(kb)
            });
            let open = members.first().map_or(0, |m| m.0 .0.saturating_sub(1));
            push(sink, b'{', open);
            for (k, &m) in order.iter().enumerate() {
                let ((ks, ke), v) = members[m];
                if k > 0 {
                    push(sink, b',', ks.saturating_sub(1));
                }
                push(sink, b'"', ks.saturating_sub(1));
                sink.map.copy(sink.out.len() as u32, ks, ke - ks);
                sink.out.extend_from_slice(&s[ks as usize..ke as usize]);
                push(sink, b'"', ke);
                push(sink, b':', ke);
                let child = fnv(fnv(path, b"."), &s[ks as usize..ke as usize]);
                emit(nodes, s, v, child, sink, symbol);
            }
            push(sink, b'}', open);
        }
        Node::Arr(items) => {
            sink.out.push(b'[');
            let child = fnv(path, b"[]");
            for (k, &v) in items.iter().enumerate() {
                if k > 0 {
                    sink.out.push(b',');
                }
                emit(nodes, s, v, child, sink, symbol);
            }
            sink.out.push(b']');
        }
        Node::Str(a, b) => {
            push(sink, b'"', a.saturating_sub(1));
            push_masked(&s[*a as usize..*b as usize], *a, sink.mask, sink.out, Some(&mut *sink.map));
            push(sink, b'"', *b);
        }
        Node::Num(a, b) => {
            let text = core::str::from_utf8(&s[*a as usize..*b as usize]).unwrap_or("0");
            let v: f64 = text.parse().unwrap_or(f64::NAN);
            sink.numbers.push((path, v));
            sink.map.masked(sink.out.len() as u32, *a, *b - *a);
            sink.out.push(symbol(path, v));
        }
        Node::Lit(a, b) => {
            sink.map.copy(sink.out.len() as u32, *a, *b - *a);
            sink.out.extend_from_slice(&s[*a as usize..*b as usize]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    fn canon(src: &str) -> Option<(String, Vec<(u64, f64)>)> {
        let (mut out, mut map, mut numbers) = (Vec::new(), SegMap::default(), Vec::new());
        let mut sink = Sink { out: &mut out, map: &mut map, numbers: &mut numbers, mask: true };
        if !canonicalize(src, &mut sink, &|_, _| b'n') {
            return None;
        }
        let mut spans = Vec::new();
        map.map_span(0, out.len() as u32, &mut spans);
        assert!(spans.iter().all(|&(a, b)| a <= b && (b as usize) <= src.len()));
        Some((String::from_utf8(out).unwrap(), numbers))
    }

    #[test]
    fn keys_come_out_in_canonical_order_whatever_the_input_order() {
        let a = canon(r#"{"b": 1, "a": {"y": "x", "x": [true, null]}}"#).unwrap();
        let b = canon(r#"{ "a":{"x":[true,null],"y":"x"},"b":2.5 }"#).unwrap();
        assert_eq!(a.0, r#"{"a":{"x":[true,null],"y":"x"},"b":n}"#);
        assert_eq!(a.0, b.0);
        assert_eq!(a.1[0].0, b.1[0].0, "same key path, same path hash");
    }

    #[test]
    fn string_values_are_masked() {
        let (s, _) = canon(r#"{"msg":"user 4412 from 10.0.0.7"}"#).unwrap();
        assert_eq!(s, r#"{"msg":"user # from #.#.#.#"}"#);
    }

    #[test]
    fn malformed_json_is_refused_without_panicking() {
        for bad in ["", "{", r#"{"a"}"#, r#"{"a":1,}"#, "[1 2]", "tru", r#""abc"#, "{}x", "-", "\"\\"] {
            assert!(canon(bad).is_none(), "{bad}");
        }
        let deep = "[".repeat(10_000);
        assert!(canon(&deep).is_none());
    }
}
