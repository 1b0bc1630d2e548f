//! JSON written by hand where serde's per-field machinery shows in a profile: the verdicts of a
//! batch (1,000 per batch) and the anomaly rows sent to the database. Each writer produces
//! byte for byte what `serde_json` writes for the same value (tested beside each writer);
//! numbers and strings that need it still go through `serde_json` (shortest floats, escaping).

use serde::Serialize;

/// Appends `x` as `serde_json` writes it (writing into a `Vec` cannot fail).
fn value(out: &mut Vec<u8>, x: &impl Serialize) {
    serde_json::to_writer(&mut *out, x).expect("writing JSON into a Vec");
}

/// An unsigned integer, as serde writes it. Digit by digit in u32 where it fits (every span,
/// index and metric here): in wasm32 a u64 division by a constant is a 128-bit multiply call.
pub fn uint(out: &mut Vec<u8>, n: u64) {
    let Ok(mut n) = u32::try_from(n) else {
        return value(out, &n);
    };
    let mut digits = [0u8; 10];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

/// A float in its shortest form; `null` when absent or not finite (as serde writes them).
pub fn float(out: &mut Vec<u8>, x: Option<f64>) {
    match x {
        Some(x) if x.is_finite() => value(out, &x),
        _ => out.extend_from_slice(b"null"),
    }
}

/// A value with at most four decimals (a reported metric) by integer arithmetic, else [`float`].
pub fn metric(out: &mut Vec<u8>, x: Option<f64>) {
    match x {
        Some(x) if write_four_decimals(out, x) => {}
        _ => float(out, x),
    }
}

/// `true` or `false`.
pub fn flag(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

/// True when no byte of `t` needs escaping in a JSON string (a control byte, `"` or `\\`),
/// eight bytes at a time.
fn needs_no_escape(t: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // The classic SWAR tests: `(w - 0x0101..) & !w & 0x8080..` is non-zero exactly when some
    // byte of `w` is zero, and with 0x2020.. subtracted when some byte is below 0x20 (a borrow
    // can mark a byte beside a match, never make one up; only "any" is asked).
    let has_zero = |w: u64| w.wrapping_sub(ONES) & !w & HIGHS != 0;
    let has_below_space = |w: u64| w.wrapping_sub(ONES * 0x20) & !w & HIGHS != 0;
    let mut chunks = t.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_ne_bytes(c.try_into().expect("eight bytes"));
        if has_below_space(w) || has_zero(w ^ (ONES * b'"' as u64)) || has_zero(w ^ (ONES * b'\\' as u64)) {
            return false;
        }
    }
    chunks.remainder().iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\')
}

/// A string. Explanations and most log lines need no escaping and are copied as they are.
pub fn text(out: &mut Vec<u8>, t: &str) {
    if needs_no_escape(t.as_bytes()) {
        out.reserve(t.len() + 2);
        out.push(b'"');
        out.extend_from_slice(t.as_bytes());
        out.push(b'"');
    } else {
        value(out, &t);
    }
}

/// Byte spans as `[[start,end],...]`.
pub fn spans(out: &mut Vec<u8>, spans: &[[u32; 2]]) {
    out.push(b'[');
    for (i, [a, b]) in spans.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'[');
        uint(out, u64::from(*a));
        out.push(b',');
        uint(out, u64::from(*b));
        out.push(b']');
    }
    out.push(b']');
}

/// `{...fields}` and a field already written as JSON text -> `{...fields,"name":<raw>}`, so that
/// a large part written once (a batch's verdicts, its anomaly rows) is not parsed or copied
/// through serde again. `None` when `fields` does not serialize to a JSON object.
pub fn object_with_raw_field(fields: &impl Serialize, name: &str, raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = serde_json::to_vec(fields).ok()?;
    if out.pop() != Some(b'}') {
        return None;
    }
    out.reserve(raw.len() + name.len() + 5);
    if out.len() > 1 {
        out.push(b',');
    }
    text(&mut out, name);
    out.push(b':');
    out.extend_from_slice(raw);
    out.push(b'}');
    Some(out)
}

/// Appends `x` as serde_json writes it when `x` is a value with at most four decimals (what the
/// object reports as metrics) of magnitude 0.0001 to 1e11, by integer arithmetic instead of the
/// shortest-float search (3,000 of these per batch); `false`, writing nothing, for anything else.
/// Exact because such a decimal has at most 15 significant digits: the double nearest to it
/// prints as that decimal.
pub fn write_four_decimals(out: &mut Vec<u8>, x: f64) -> bool {
    // Ties to even is one wasm instruction (`f64.nearest`), `round` a call; which way a tie
    // goes does not matter: a tie has a fifth decimal, which the check below turns away.
    let scaled = (x * 1e4).round_ties_even();
    if !(1.0..1e15).contains(&scaled.abs()) || scaled / 1e4 != x {
        return false;
    }
    let units = scaled.abs() as u64;
    if x < 0.0 {
        out.push(b'-');
    }
    // The whole part is an integer, which serde_json writes without any float formatting. In
    // u32 where it fits (metrics do): in wasm32 a u64 division by a constant is a call to a
    // 128-bit multiply, and these run 4,000 times per batch.
    let frac = match u32::try_from(units) {
        Ok(u) => {
            uint(out, u64::from(u / 10_000));
            u % 10_000
        }
        Err(_) => {
            value(out, &(units / 10_000));
            (units % 10_000) as u32
        }
    };
    out.push(b'.');
    if frac == 0 {
        out.push(b'0');
        return true;
    }
    let digits = [frac / 1000, frac / 100 % 10, frac / 10 % 10, frac % 10].map(|d| b'0' + d as u8);
    let trailing_zeros = digits.iter().rev().take_while(|&&d| d == b'0').count();
    out.extend_from_slice(&digits[..4 - trailing_zeros]);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_written_as_serde_writes_them() {
        let mut cases = vec![0.0001, 0.0005, 0.001, 0.01, 0.1, 0.5, 1.0, 4.4321, 36.48, 99.9999, 100.0, 1234.5, 1e10 + 0.1234, 99_999_999_999.9999, -0.0001, -2.5];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let magnitude = 10f64.powi((x % 16) as i32 - 4);
            let v = (x >> 11) as f64 / (1u64 << 53) as f64 * magnitude;
            cases.push(((if x & 1 == 1 { -v } else { v }) * 1e4).round() / 1e4);
        }
        let mut wrote = 0;
        for v in cases {
            let mut ours = Vec::new();
            if write_four_decimals(&mut ours, v) {
                wrote += 1;
                assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(&v).unwrap(), "{v:e}");
            } else {
                assert!(ours.is_empty());
            }
        }
        assert!(wrote > 150_000, "only {wrote} written");
        for v in [0.0, -0.0, 0.00001, 1e11, 0.1 + 0.2, f64::NAN, f64::INFINITY] {
            assert!(!write_four_decimals(&mut Vec::new(), v), "{v}");
        }
    }

    #[test]
    fn a_raw_field_is_spliced_into_the_object() {
        #[derive(Serialize)]
        struct Fields {
            stream: &'static str,
            replayed: bool,
        }
        #[derive(Serialize)]
        struct Empty {}
        let body = object_with_raw_field(&Fields { stream: "api", replayed: false }, "verdicts", br#"[{"index":0}]"#).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v, serde_json::json!({"stream": "api", "replayed": false, "verdicts": [{"index": 0}]}));
        assert_eq!(object_with_raw_field(&Empty {}, "a", b"1").unwrap(), br#"{"a":1}"#);
        assert!(object_with_raw_field(&[1, 2], "a", b"1").is_none());
    }

    #[test]
    fn the_escape_check_is_the_byte_by_byte_rule() {
        let naive = |t: &[u8]| t.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\');
        let alphabet: &[u8] = b"\x00\x01\x1f\x20!\"#[\\]\x7f\x80\xc3\xa9\xffaZ09";
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for round in 0..20_000 {
            let len = round % 40;
            let t: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Mostly plain bytes, so that strings needing no escape are common.
                    if x % 16 == 0 { alphabet[(x >> 8) as usize % alphabet.len()] } else { b'a' + (x >> 8) as u8 % 26 }
                })
                .collect();
            assert_eq!(needs_no_escape(&t), naive(&t), "{t:?}");
        }
        for b in 0..=255u8 {
            for at in 0..17 {
                let mut t = [b'a'; 17];
                t[at] = b;
                assert_eq!(needs_no_escape(&t), naive(&t), "{b} at {at}");
            }
        }
    }

    #[test]
    fn integers_are_written_as_serde_writes_them() {
        for n in [0, 1, 9, 10, 99, 100, 12_345, u64::from(u32::MAX), u64::from(u32::MAX) + 1, u64::MAX] {
            let mut ours = Vec::new();
            uint(&mut ours, n);
            assert_eq!(String::from_utf8(ours).unwrap(), n.to_string());
        }
    }

    #[test]
    fn strings_and_spans_are_written_as_serde_writes_them() {
        for t in ["", "plain words", "quote \" backslash \\ tab \t nl \n \u{1} é \u{7f}", "\u{2028}"] {
            let mut ours = Vec::new();
            text(&mut ours, t);
            assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(t).unwrap());
        }
        for s in [&[][..], &[[0, 1]], &[[1, 2], [7, u32::MAX]]] {
            let mut ours = Vec::new();
            spans(&mut ours, s);
            assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(s).unwrap());
        }
    }
}
