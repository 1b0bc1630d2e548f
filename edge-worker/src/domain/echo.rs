//! Repeating a caller's value in an error message, safely.
//!
//! Error messages say what was seen ("audience 'x' is not 'authenticated'"), but what was seen
//! comes from the caller: it may be huge, or hold control characters that would split a log line
//! or a header if someone echoed it there. Every echoed value goes through [`quoted`].

/// The longest echoed value, in characters; longer values are cut and end with `…`.
pub const MAX_ECHO_CHARS: usize = 64;

/// `'value'` with control characters replaced by `?`, quotes escaped and at most
/// [`MAX_ECHO_CHARS`] characters kept.
pub fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(MAX_ECHO_CHARS * 4) + 2);
    out.push('\'');
    for (i, c) in value.chars().enumerate() {
        if i == MAX_ECHO_CHARS {
            out.push('…');
            break;
        }
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => out.push('?'),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoed_values_are_quoted_cleaned_and_bounded() {
        assert_eq!(quoted("checkout-api"), "'checkout-api'");
        assert_eq!(quoted("a\r\nSet-Cookie: x"), "'a??Set-Cookie: x'");
        assert_eq!(quoted("it's"), "'it\\'s'");
        let long = quoted(&"é".repeat(100));
        assert_eq!(long.chars().count(), MAX_ECHO_CHARS + 3);
        assert!(long.ends_with("…'"));
    }
}
