//! API keys for machines: `dl_<8 lowercase letters or digits>_<32 lowercase hex digits>`.
//!
//! Only the SHA-256 of the full key is stored (`api_keys.key_hash`), so a database leak does not
//! leak usable keys; the visible prefix (`dl_demo0001`) lets people tell their keys apart.
//! Randomness is handed in so this module stays pure and testable; the Worker uses `getrandom`.

use core::fmt;

use sha2::{Digest, Sha256};

/// The scheme every key starts with; also how [`looks_like_api_key`] tells keys from JWTs.
pub const KEY_SCHEME: &str = "dl_";
/// Characters in the visible prefix after `dl_`.
pub const PREFIX_CHARS: usize = 8;
/// Lowercase hex characters in the secret part (128 bits).
pub const SECRET_HEX_CHARS: usize = 32;
/// Length of a whole key: `dl_` + 8 + `_` + 32.
pub const KEY_LEN: usize = KEY_SCHEME.len() + PREFIX_CHARS + 1 + SECRET_HEX_CHARS;

/// A syntactically valid API key. Holds the secret: its `Debug` shows only the prefix and it has
/// no `Display`, so it cannot end up in a log line by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    full: String,
}

/// A freshly generated key: the secret is shown to the user once, the prefix and hash are stored.
#[derive(Clone, PartialEq, Eq)]
pub struct GeneratedKey {
    /// The whole key, `dl_xxxxxxxx_<32 hex>`; return it once, never store or log it.
    pub secret: String,
    /// The visible prefix, `dl_xxxxxxxx`.
    pub prefix: String,
    /// Lowercase hex SHA-256 of `secret`, the value stored in the database.
    pub hash: String,
}

/// Why a string is not an API key. Messages never repeat the key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiKeyError {
    /// The string is empty.
    Empty,
    /// The length is not [`KEY_LEN`].
    WrongLength {
        /// Length seen, in bytes.
        len: usize,
    },
    /// It does not start with `dl_`.
    WrongScheme,
    /// The 8-character prefix holds something other than `a-z0-9`.
    BadPrefix,
    /// The separator `_` between prefix and secret is missing.
    MissingSeparator,
    /// The secret holds something other than lowercase hex digits.
    BadSecret,
}

impl fmt::Display for ApiKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHAPE: &str =
            "an API key looks like dl_<8 lowercase letters or digits>_<32 lowercase hex digits>";
        match self {
            Self::Empty => write!(f, "the API key is empty; {SHAPE}"),
            Self::WrongLength { len } => {
                write!(
                    f,
                    "the API key has {len} characters, need {KEY_LEN}; {SHAPE}"
                )
            }
            Self::WrongScheme => write!(f, "the API key does not start with 'dl_'; {SHAPE}"),
            Self::BadPrefix => write!(
                f,
                "the API key prefix is not 8 lowercase letters or digits; {SHAPE}"
            ),
            Self::MissingSeparator => {
                write!(f, "the API key lacks the '_' after its prefix; {SHAPE}")
            }
            Self::BadSecret => write!(
                f,
                "the API key secret is not 32 lowercase hex digits; {SHAPE}"
            ),
        }
    }
}

impl std::error::Error for ApiKeyError {}

impl ApiKey {
    /// Checks the shape of `s` (no trimming, no case folding: keys are copied, not typed).
    pub fn parse(s: &str) -> Result<ApiKey, ApiKeyError> {
        if s.is_empty() {
            return Err(ApiKeyError::Empty);
        }
        if s.len() != KEY_LEN {
            return Err(ApiKeyError::WrongLength { len: s.len() });
        }
        let b = s.as_bytes();
        if !s.starts_with(KEY_SCHEME) {
            return Err(ApiKeyError::WrongScheme);
        }
        let prefix_end = KEY_SCHEME.len() + PREFIX_CHARS;
        if !b[KEY_SCHEME.len()..prefix_end]
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            return Err(ApiKeyError::BadPrefix);
        }
        if b[prefix_end] != b'_' {
            return Err(ApiKeyError::MissingSeparator);
        }
        if !b[prefix_end + 1..]
            .iter()
            .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(ApiKeyError::BadSecret);
        }
        Ok(ApiKey { full: s.to_owned() })
    }

    /// Makes a new key from 20 random bytes: 4 for the prefix (as 8 hex digits, which are valid
    /// prefix characters) and 16 for the secret (128 bits).
    pub fn generate(random: [u8; 20]) -> GeneratedKey {
        let mut full = String::with_capacity(KEY_LEN);
        full.push_str(KEY_SCHEME);
        push_hex(&mut full, &random[..4]);
        full.push('_');
        push_hex(&mut full, &random[4..]);
        let key = ApiKey { full };
        GeneratedKey {
            prefix: key.prefix().to_owned(),
            hash: key.hash(),
            secret: key.full,
        }
    }

    /// The visible prefix, e.g. `dl_demo0001`; safe to show and log.
    pub fn prefix(&self) -> &str {
        &self.full[..KEY_SCHEME.len() + PREFIX_CHARS]
    }

    /// Lowercase hex SHA-256 of the whole key, equal to Postgres
    /// `encode(sha256(secret::bytea), 'hex')`: the value to look the key up by.
    pub fn hash(&self) -> String {
        hash_hex(self.full.as_bytes())
    }

#[cfg(test)]
    /// The whole key. Named so that every use of the secret is easy to find in review.
    pub fn expose_secret(&self) -> &str {
        &self.full
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("prefix", &self.prefix())
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("prefix", &self.prefix)
            .field("secret", &"<redacted>")
            .field("hash", &self.hash)
            .finish()
    }
}

/// True when a bearer token is meant as an API key rather than a JWT. It only looks at the shape
/// (`dl_` and no `.`; JWTs always hold two dots), so a malformed key still gets the API key
/// error message instead of a confusing JWT one.
pub fn looks_like_api_key(token: &str) -> bool {
    token.starts_with(KEY_SCHEME) && !token.contains('.')
}

/// Lowercase hex SHA-256 of `bytes`.
fn hash_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    push_hex(&mut out, &digest);
    out
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0x0f)] as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEEDED: &str = "dl_demo0001_0123456789abcdef0123456789abcdef";

    #[test]
    fn the_seeded_key_parses_and_hashes_like_postgres() {
        let key = ApiKey::parse(SEEDED).unwrap();
        assert_eq!(key.prefix(), "dl_demo0001");
        // printf %s dl_demo0001_0123456789abcdef0123456789abcdef | sha256sum
        assert_eq!(
            key.hash(),
            "f27e56f34981727532512b052832fef14e3614d284966910d73bd2aba79741a6"
        );
        assert_eq!(key.expose_secret(), SEEDED);
    }

    #[test]
    fn generated_keys_parse_back_and_their_hash_matches() {
        let mut random = [0u8; 20];
        for (i, b) in random.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(37).wrapping_add(0xa5);
        }
        let generated = ApiKey::generate(random);
        assert_eq!(generated.secret.len(), KEY_LEN);
        let parsed = ApiKey::parse(&generated.secret).unwrap();
        assert_eq!(parsed.prefix(), generated.prefix);
        assert_eq!(parsed.hash(), generated.hash);
        assert!(generated.secret.starts_with(&generated.prefix));
        assert_ne!(ApiKey::generate([0; 20]).hash, generated.hash);
        assert_eq!(
            ApiKey::generate([0; 20]).secret,
            "dl_00000000_00000000000000000000000000000000"
        );
    }

    #[test]
    fn anything_else_is_rejected() {
        let cases: &[(&str, ApiKeyError)] = &[
            ("", ApiKeyError::Empty),
            ("dl_demo0001_0123", ApiKeyError::WrongLength { len: 16 }),
            (
                "xx_demo0001_0123456789abcdef0123456789abcdef",
                ApiKeyError::WrongScheme,
            ),
            (
                "dl_Demo0001_0123456789abcdef0123456789abcdef",
                ApiKeyError::BadPrefix,
            ),
            (
                "dl_demo-001_0123456789abcdef0123456789abcdef",
                ApiKeyError::BadPrefix,
            ),
            (
                "dl_demo0001-0123456789abcdef0123456789abcdef",
                ApiKeyError::MissingSeparator,
            ),
            (
                "dl_demo0001_0123456789ABCDEF0123456789abcdef",
                ApiKeyError::BadSecret,
            ),
            (
                "dl_demo0001_0123456789abcdef0123456789abcdeg",
                ApiKeyError::BadSecret,
            ),
            (
                " dl_demo0001_0123456789abcdef0123456789abcde",
                ApiKeyError::WrongScheme,
            ),
            (
                "dl_demo0001_0123456789abcdef0123456789abcdef\n",
                ApiKeyError::WrongLength { len: 45 },
            ),
            (
                "dl_demo0001_0123456789abcdef0123456789abcdé",
                ApiKeyError::BadSecret,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                ApiKey::parse(input).as_ref().err(),
                Some(want),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn secrets_never_show_in_debug_or_error_messages() {
        let key = ApiKey::parse(SEEDED).unwrap();
        let debug = format!("{key:?}");
        assert!(
            debug.contains("dl_demo0001") && !debug.contains("0123456789abcdef"),
            "{debug}"
        );
        let generated = ApiKey::generate([7; 20]);
        assert!(!format!("{generated:?}").contains(&generated.secret[12..]));
        let err = ApiKey::parse("dl_demo0001_0123456789ABCDEF0123456789abcdef").unwrap_err();
        assert!(!err.to_string().contains("ABCDEF"), "{err}");
    }

    #[test]
    fn api_keys_are_told_apart_from_jwts() {
        assert!(looks_like_api_key(SEEDED));
        assert!(looks_like_api_key("dl_short"));
        assert!(!looks_like_api_key(
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
        ));
        assert!(!looks_like_api_key("dl_.x.y"));
        assert!(!looks_like_api_key(""));
    }
}
