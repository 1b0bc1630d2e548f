//! Masking of volatile tokens (timestamps, UUIDs, hex ids, IPs, numbers) before compression, with
//! a map from normalized bytes back to the original text for explanations.

use alloc::vec::Vec;

/// The byte that replaces a masked run.
pub(crate) const MASK: u8 = b'#';

#[inline]
fn is_delim(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b',' | b';' | b'=' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'"' | b'\'' | b'<' | b'>' | b'|' | b':' | b'/')
}

/// Appends `src` (whose first byte is at original offset `base`) to `out`, masking volatile runs
/// when `mask` is set: in every token that contains a digit, each run of hex digits that contains
/// a decimal digit becomes one `#`. `map` gets, for each byte pushed, its original offset.
pub(crate) fn push_masked(src: &[u8], base: u32, mask: bool, out: &mut Vec<u8>, map: &mut Vec<u32>) {
    if !mask {
        out.extend_from_slice(src);
        map.extend((0..src.len() as u32).map(|i| base + i));
        return;
    }
    let mut i = 0;
    while i < src.len() {
        if is_delim(src[i]) {
            out.push(src[i]);
            map.push(base + i as u32);
            i += 1;
            continue;
        }
        let start = i;
        while i < src.len() && !is_delim(src[i]) {
            i += 1;
        }
        let token = &src[start..i];
        if !token.iter().any(u8::is_ascii_digit) {
            out.extend_from_slice(token);
            map.extend((start as u32..i as u32).map(|k| base + k));
            continue;
        }
        let mut j = 0;
        while j < token.len() {
            if token[j].is_ascii_hexdigit() {
                let s = j;
                let mut digit = false;
                while j < token.len() && token[j].is_ascii_hexdigit() {
                    digit |= token[j].is_ascii_digit();
                    j += 1;
                }
                if digit {
                    out.push(MASK);
                    map.push(base + (start + s) as u32);
                } else {
                    out.extend_from_slice(&token[s..j]);
                    map.extend(((start + s) as u32..(start + j) as u32).map(|k| base + k));
                }
            } else {
                out.push(token[j]);
                map.push(base + (start + j) as u32);
                j += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    fn masked(s: &str) -> String {
        let (mut out, mut map) = (Vec::new(), Vec::new());
        push_masked(s.as_bytes(), 0, true, &mut out, &mut map);
        assert_eq!(out.len(), map.len());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn volatile_tokens_are_masked_and_words_kept() {
        assert_eq!(
            masked("2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO cache parity error"),
            "#-#-#-#.#.#.# R#-M#-N#-C:J#-U# RAS KERNEL INFO cache parity error"
        );
        assert_eq!(masked("id=550e8400-e29b-41d4-a716-446655440000 ok"), "id=#-#-#-#-# ok");
        assert_eq!(masked("from 172.16.96.116:41554, type=42315"), "from #.#.#.#:#, type=#");
        assert_eq!(masked("softheader=00ce22e8 0x1f"), "softheader=# #x#");
        assert_eq!(masked("deadbeef cafe face"), "deadbeef cafe face");
    }

    #[test]
    fn map_points_back_to_original_offsets() {
        let (mut out, mut map) = (Vec::new(), Vec::new());
        push_masked(b"at 12345 x", 10, true, &mut out, &mut map);
        assert_eq!(out, b"at # x");
        assert_eq!(map, [10, 11, 12, 13, 18, 19]);
    }
}
