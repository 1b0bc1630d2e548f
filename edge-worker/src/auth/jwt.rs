//! Supabase user access tokens (JWTs), verified in the Worker before anything trusts their claims.
//!
//! Two signing schemes, each only when configured: HS256 with the project's JWT secret (local and
//! legacy projects) and ES256 with the keys of the project's JWKS (`/auth/v1/.well-known/jwks.json`).
//! The token's `alg` must be one we were configured for, so an HS256 token "signed" with the
//! public ES256 key (algorithm confusion) and `alg: none` both fail. Time is passed in.

use core::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use serde::Deserialize;
use sha2::Sha256;

use crate::domain::echo::quoted;

/// The audience Supabase puts in user access tokens.
pub const AUDIENCE: &str = "authenticated";
/// The role a signed-in user's token carries; `anon` and `service_role` tokens are not users.
pub const USER_ROLE: &str = "authenticated";
/// Clock skew allowed on `exp`, `nbf` and `iat`, in seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;
/// Longest token accepted. Supabase tokens are around 1 KB; the cap bounds decoding work.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

/// The verified claims of a user access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserClaims {
    /// The user's id (`auth.users.id`), a lowercase UUID.
    pub sub: String,
    /// The user's email, when the token has a non-empty one.
    pub email: Option<String>,
    /// Always [`USER_ROLE`] for tokens this module accepts.
    pub role: String,
    /// Expiry, Unix seconds.
    pub exp: u64,
}

/// Why a token was refused. Messages say what was seen and what was needed; they never contain
/// the token, its signature or a key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtError {
    /// Longer than [`MAX_TOKEN_LEN`].
    TooLong {
        /// Length seen, in bytes.
        len: usize,
    },
    /// Not three base64url segments of JSON, or a claim of the wrong type.
    Malformed {
        /// Which part is wrong.
        reason: &'static str,
    },
    /// `alg: none`: unsigned tokens are never accepted.
    Unsigned,
    /// An algorithm other than HS256 or ES256.
    UnsupportedAlgorithm {
        /// The `alg` seen, quoted and shortened.
        alg: String,
    },
    /// HS256 or ES256, but this deployment has no key of that kind.
    AlgorithmNotAllowed {
        /// The `alg` seen.
        alg: &'static str,
    },
    /// The header names critical extensions (`crit`), which we do not implement.
    CriticalExtension,
    /// No configured ES256 key has the token's `kid`.
    UnknownKeyId {
        /// The `kid` seen, quoted and shortened.
        kid: String,
    },
    /// The signature does not verify.
    BadSignature,
    /// `exp` is in the past (beyond the leeway).
    Expired {
        /// Seconds since expiry.
        ago_secs: u64,
    },
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid {
        /// Seconds until the token becomes valid.
        in_secs: u64,
    },
    /// `iat` is in the future (beyond the leeway).
    IssuedInFuture {
        /// Seconds ahead of now.
        ahead_secs: u64,
    },
    /// A required claim is absent.
    MissingClaim {
        /// The claim's name.
        claim: &'static str,
    },
    /// `aud` is not (or does not include) [`AUDIENCE`].
    WrongAudience {
        /// The audience seen, quoted and shortened.
        seen: String,
    },
    /// `iss` differs from the configured issuer.
    WrongIssuer {
        /// The issuer seen, quoted and shortened.
        seen: String,
        /// The configured issuer, quoted.
        expected: String,
    },
    /// `role` is not [`USER_ROLE`].
    WrongRole {
        /// The role seen, quoted and shortened.
        seen: String,
    },
    /// `sub` is not a UUID.
    BadSubject,
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { len } => write!(
                f,
                "token has {len} bytes, at most {MAX_TOKEN_LEN} are accepted"
            ),
            Self::Malformed { reason } => write!(f, "token is malformed: {reason}"),
            Self::Unsigned => write!(f, "unsigned tokens (alg 'none') are not accepted"),
            Self::UnsupportedAlgorithm { alg } => {
                write!(
                    f,
                    "token algorithm {alg} is not supported, need HS256 or ES256"
                )
            }
            Self::AlgorithmNotAllowed { alg } => {
                write!(
                    f,
                    "token algorithm '{alg}' is not accepted by this deployment"
                )
            }
            Self::CriticalExtension => write!(
                f,
                "token header lists critical extensions, none are supported"
            ),
            Self::UnknownKeyId { kid } => {
                write!(f, "token key id {kid} is not in the project's JWKS")
            }
            Self::BadSignature => write!(f, "token signature does not verify"),
            Self::Expired { ago_secs } => write!(f, "token expired {ago_secs} s ago"),
            Self::NotYetValid { in_secs } => {
                write!(f, "token is not valid for another {in_secs} s")
            }
            Self::IssuedInFuture { ahead_secs } => {
                write!(f, "token was issued {ahead_secs} s in the future")
            }
            Self::MissingClaim { claim } => write!(f, "token has no '{claim}' claim"),
            Self::WrongAudience { seen } => write!(f, "audience {seen} is not '{AUDIENCE}'"),
            Self::WrongIssuer { seen, expected } => write!(f, "issuer {seen} is not {expected}"),
            Self::WrongRole { seen } => write!(
                f,
                "role {seen} is not '{USER_ROLE}': not a signed-in user's token"
            ),
            Self::BadSubject => write!(f, "token subject is not a user id (UUID)"),
        }
    }
}

impl std::error::Error for JwtError {}

/// Why a JWKS document or verifier configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtConfigError {
    /// The JWKS is not a JSON object with a `keys` array.
    BadJwks {
        /// What serde saw.
        detail: String,
    },
    /// A P-256 key in the JWKS has bad coordinates.
    BadKey {
        /// The key's `kid`, quoted, or `(no kid)`.
        kid: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The HS256 secret is empty.
    EmptySecret,
    /// Neither an HS256 secret nor an ES256 key was configured: no token could ever pass.
    NoKeys,
}

impl fmt::Display for JwtConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadJwks { detail } => {
                write!(f, "JWKS is not a JSON object with a 'keys' array: {detail}")
            }
            Self::BadKey { kid, reason } => write!(f, "JWKS key {kid}: {reason}"),
            Self::EmptySecret => write!(f, "the HS256 JWT secret is empty"),
            Self::NoKeys => write!(
                f,
                "no JWT secret and no ES256 key in the JWKS: configure at least one"
            ),
        }
    }
}

impl std::error::Error for JwtConfigError {}

/// The ES256 keys of a JWKS document. Keys of other types, curves or uses are skipped, because
/// a project's JWKS may list keys we do not verify with.
#[derive(Debug, Clone, Default)]
pub struct Jwks {
    keys: Vec<Es256Key>,
}

#[derive(Debug, Clone)]
struct Es256Key {
    kid: Option<String>,
    key: VerifyingKey,
}

impl Jwks {
    /// Parses a JWKS JSON document (`{"keys": [...]}`), keeping its P-256 signing keys.
    pub fn parse(json: &str) -> Result<Jwks, JwtConfigError> {
        #[derive(Deserialize)]
        struct Doc {
            keys: Vec<Jwk>,
        }
        #[derive(Deserialize)]
        struct Jwk {
            kty: Option<String>,
            crv: Option<String>,
            alg: Option<String>,
            #[serde(rename = "use")]
            use_: Option<String>,
            kid: Option<String>,
            x: Option<String>,
            y: Option<String>,
        }
        let doc: Doc = serde_json::from_str(json).map_err(|e| JwtConfigError::BadJwks {
            detail: e.to_string(),
        })?;
        let mut keys = Vec::new();
        for jwk in doc.keys {
            let is_ec_p256 =
                jwk.kty.as_deref() == Some("EC") && jwk.crv.as_deref() == Some("P-256");
            let alg_ok = jwk.alg.as_deref().is_none_or(|a| a == "ES256");
            let use_ok = jwk.use_.as_deref().is_none_or(|u| u == "sig");
            if !(is_ec_p256 && alg_ok && use_ok) {
                continue;
            }
            let bad = |reason| JwtConfigError::BadKey {
                kid: jwk
                    .kid
                    .as_deref()
                    .map_or_else(|| "(no kid)".to_owned(), quoted),
                reason,
            };
            let coord = |c: &Option<String>| -> Option<[u8; 32]> {
                URL_SAFE_NO_PAD.decode(c.as_deref()?).ok()?.try_into().ok()
            };
            let (Some(x), Some(y)) = (coord(&jwk.x), coord(&jwk.y)) else {
                return Err(bad("x and y must be 32-byte base64url coordinates"));
            };
            let mut sec1 = [0u8; 65];
            sec1[0] = 0x04; // uncompressed point
            sec1[1..33].copy_from_slice(&x);
            sec1[33..].copy_from_slice(&y);
            let key = VerifyingKey::from_sec1_bytes(&sec1)
                .map_err(|_| bad("the point is not on the P-256 curve"))?;
            keys.push(Es256Key { kid: jwk.kid, key });
        }
        Ok(Jwks { keys })
    }

    /// How many ES256 keys were kept.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the document held no usable ES256 key (legacy HS256 projects publish `[]`).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Checks user access tokens. Build it once per isolate with [`JwtVerifier::builder`].
#[derive(Clone)]
pub struct JwtVerifier {
    hs256_secret: Option<Vec<u8>>,
    jwks: Jwks,
    issuer: Option<String>,
    leeway_secs: u64,
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtVerifier")
            .field(
                "hs256_secret",
                &self.hs256_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("es256_keys", &self.jwks.len())
            .field("issuer", &self.issuer)
            .field("leeway_secs", &self.leeway_secs)
            .finish()
    }
}

/// Collects the verifier's settings; [`JwtVerifierBuilder::build`] refuses a verifier that could
/// accept nothing.
#[derive(Default)]
pub struct JwtVerifierBuilder {
    hs256_secret: Option<Vec<u8>>,
    jwks: Option<Jwks>,
    issuer: Option<String>,
    leeway_secs: Option<u64>,
}

impl JwtVerifierBuilder {
    /// Accept HS256 tokens signed with this secret (used as its UTF-8 bytes, as Supabase does).
    pub fn hs256_secret(mut self, secret: &str) -> Self {
        self.hs256_secret = Some(secret.as_bytes().to_vec());
        self
    }

    /// Accept ES256 tokens signed by a key of this JWKS.
    pub fn jwks(mut self, jwks: Jwks) -> Self {
        self.jwks = Some(jwks);
        self
    }

    /// Require `iss` to equal this (e.g. `https://<project>.supabase.co/auth/v1`).
    pub fn issuer(mut self, issuer: &str) -> Self {
        self.issuer = Some(issuer.to_owned());
        self
    }

#[cfg(test)]
    /// Clock skew allowed on `exp`/`nbf`/`iat`; [`DEFAULT_LEEWAY_SECS`] when not set.
    pub fn leeway_secs(mut self, secs: u64) -> Self {
        self.leeway_secs = Some(secs);
        self
    }

    /// The verifier, or why it would be useless.
    pub fn build(self) -> Result<JwtVerifier, JwtConfigError> {
        if self.hs256_secret.as_ref().is_some_and(Vec::is_empty) {
            return Err(JwtConfigError::EmptySecret);
        }
        let jwks = self.jwks.unwrap_or_default();
        if self.hs256_secret.is_none() && jwks.is_empty() {
            return Err(JwtConfigError::NoKeys);
        }
        Ok(JwtVerifier {
            hs256_secret: self.hs256_secret,
            jwks,
            issuer: self.issuer.filter(|i| !i.is_empty()),
            leeway_secs: self.leeway_secs.unwrap_or(DEFAULT_LEEWAY_SECS),
        })
    }
}

#[derive(Deserialize)]
struct Header {
    alg: Option<String>,
    kid: Option<String>,
    crit: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
struct Claims {
    sub: Option<String>,
    email: Option<String>,
    role: Option<String>,
    aud: Option<Audience>,
    iss: Option<String>,
    exp: Option<serde_json::Number>,
    nbf: Option<serde_json::Number>,
    iat: Option<serde_json::Number>,
}

impl JwtVerifier {
    /// Starts a verifier configuration.
    pub fn builder() -> JwtVerifierBuilder {
        JwtVerifierBuilder::default()
    }

#[cfg(test)]
    /// True when HS256 tokens can pass.
    pub fn accepts_hs256(&self) -> bool {
        self.hs256_secret.is_some()
    }

#[cfg(test)]
    /// True when ES256 tokens can pass.
    pub fn accepts_es256(&self) -> bool {
        !self.jwks.is_empty()
    }

    /// Verifies `token` (without the `Bearer ` prefix) at time `now_unix` and returns its claims.
    /// Order: shape, header, algorithm, signature, then claims: nothing in the payload is looked
    /// at before the signature holds.
    pub fn verify(&self, token: &str, now_unix: u64) -> Result<UserClaims, JwtError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(JwtError::TooLong { len: token.len() });
        }
        let mut parts = token.split('.');
        let (Some(head_b64), Some(body_b64), Some(sig_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed {
                reason: "need three '.'-separated segments",
            });
        };
        let header: Header = decode_json(head_b64, "header")?;
        if header.crit.is_some() {
            return Err(JwtError::CriticalExtension);
        }
        let signing_input = &token.as_bytes()[..head_b64.len() + 1 + body_b64.len()];
        let signature = URL_SAFE_NO_PAD
            .decode(sig_b64)
            .map_err(|_| JwtError::Malformed {
                reason: "signature is not base64url",
            })?;

        match header.alg.as_deref() {
            Some("HS256") => {
                let secret = self
                    .hs256_secret
                    .as_ref()
                    .ok_or(JwtError::AlgorithmNotAllowed { alg: "HS256" })?;
                let mut mac =
                    Hmac::<Sha256>::new_from_slice(secret).map_err(|_| JwtError::BadSignature)?;
                mac.update(signing_input);
                mac.verify_slice(&signature)
                    .map_err(|_| JwtError::BadSignature)?;
            }
            Some("ES256") => {
                if self.jwks.is_empty() {
                    return Err(JwtError::AlgorithmNotAllowed { alg: "ES256" });
                }
                // JWS carries ES256 signatures as raw r || s (64 bytes), not DER.
                let sig = Signature::from_slice(&signature).map_err(|_| JwtError::BadSignature)?;
                let candidates = self.candidate_keys(header.kid.as_deref())?;
                if !candidates
                    .iter()
                    .any(|k| k.verify(signing_input, &sig).is_ok())
                {
                    return Err(JwtError::BadSignature);
                }
            }
            Some(alg) if alg.eq_ignore_ascii_case("none") => return Err(JwtError::Unsigned),
            Some(alg) => return Err(JwtError::UnsupportedAlgorithm { alg: quoted(alg) }),
            None => {
                return Err(JwtError::Malformed {
                    reason: "header has no 'alg'",
                })
            }
        }

        let claims: Claims = decode_json(body_b64, "payload")?;
        self.check_claims(claims, now_unix)
    }

    /// The keys a token may be signed with: those with its `kid`, else those without a `kid`.
    fn candidate_keys(&self, kid: Option<&str>) -> Result<Vec<&VerifyingKey>, JwtError> {
        let keys = &self.jwks.keys;
        let chosen: Vec<&VerifyingKey> = match kid {
            None => keys.iter().map(|k| &k.key).collect(),
            Some(kid) => {
                let exact: Vec<_> = keys
                    .iter()
                    .filter(|k| k.kid.as_deref() == Some(kid))
                    .map(|k| &k.key)
                    .collect();
                if exact.is_empty() {
                    keys.iter()
                        .filter(|k| k.kid.is_none())
                        .map(|k| &k.key)
                        .collect()
                } else {
                    exact
                }
            }
        };
        if chosen.is_empty() {
            return Err(JwtError::UnknownKeyId {
                kid: quoted(kid.unwrap_or_default()),
            });
        }
        Ok(chosen)
    }

    fn check_claims(&self, c: Claims, now: u64) -> Result<UserClaims, JwtError> {
        let leeway = self.leeway_secs;
        let exp = numeric_date(c.exp, "'exp' is not a Unix time")?
            .ok_or(JwtError::MissingClaim { claim: "exp" })?;
        if now > exp.saturating_add(leeway) {
            return Err(JwtError::Expired {
                ago_secs: now - exp,
            });
        }
        if let Some(nbf) = numeric_date(c.nbf, "'nbf' is not a Unix time")? {
            if nbf > now.saturating_add(leeway) {
                return Err(JwtError::NotYetValid { in_secs: nbf - now });
            }
        }
        if let Some(iat) = numeric_date(c.iat, "'iat' is not a Unix time")? {
            if iat > now.saturating_add(leeway) {
                return Err(JwtError::IssuedInFuture {
                    ahead_secs: iat - now,
                });
            }
        }
        match c.aud {
            None => return Err(JwtError::MissingClaim { claim: "aud" }),
            Some(Audience::One(a)) if a == AUDIENCE => {}
            Some(Audience::Many(list)) if list.iter().any(|a| a == AUDIENCE) => {}
            Some(Audience::One(a)) => return Err(JwtError::WrongAudience { seen: quoted(&a) }),
            Some(Audience::Many(list)) => {
                return Err(JwtError::WrongAudience {
                    seen: quoted(&list.join(",")),
                })
            }
        }
        if let Some(expected) = &self.issuer {
            match c.iss {
                None => return Err(JwtError::MissingClaim { claim: "iss" }),
                Some(iss) if iss.trim_end_matches('/') == expected.trim_end_matches('/') => {}
                Some(iss) => {
                    return Err(JwtError::WrongIssuer {
                        seen: quoted(&iss),
                        expected: quoted(expected),
                    })
                }
            }
        }
        let role = c.role.ok_or(JwtError::MissingClaim { claim: "role" })?;
        if role != USER_ROLE {
            return Err(JwtError::WrongRole {
                seen: quoted(&role),
            });
        }
        let sub = c.sub.ok_or(JwtError::MissingClaim { claim: "sub" })?;
        if !is_uuid(&sub) {
            return Err(JwtError::BadSubject);
        }
        Ok(UserClaims {
            sub: sub.to_ascii_lowercase(),
            email: c.email.filter(|e| !e.is_empty()),
            role,
            exp,
        })
    }
}

fn decode_json<T: for<'de> Deserialize<'de>>(
    segment: &str,
    which: &'static str,
) -> Result<T, JwtError> {
    let reason = if which == "header" {
        "header is not base64url JSON"
    } else {
        "payload is not base64url JSON claims"
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| JwtError::Malformed { reason })?;
    serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed { reason })
}

/// A JWT NumericDate: non-negative seconds, possibly fractional (the fraction is dropped).
fn numeric_date(
    n: Option<serde_json::Number>,
    reason: &'static str,
) -> Result<Option<u64>, JwtError> {
    let Some(n) = n else { return Ok(None) };
    if let Some(u) = n.as_u64() {
        return Ok(Some(u));
    }
    match n.as_f64() {
        Some(f) if (0.0..1e15).contains(&f) => Ok(Some(f as u64)),
        _ => Err(JwtError::Malformed { reason }),
    }
}

/// 8-4-4-4-12 hex digits, either case.
fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer as _;
    use p256::ecdsa::SigningKey;
    use serde_json::json;

    /// Tokens made by Node's crypto (tests/fixtures/generate_jwt.mjs), independent of this code.
    const VECTORS: &str = include_str!("../../tests/fixtures/jwt_vectors.json");
    const USER: &str = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    const ISSUER: &str = "http://127.0.0.1:54321/auth/v1";
    const NOW: u64 = 1_764_410_100;
    const SECRET: &str = "super-secret-jwt-token-with-at-least-32-characters-long";

    fn vectors() -> serde_json::Value {
        serde_json::from_str(VECTORS).unwrap()
    }

    fn b64(v: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    }

    fn claims() -> serde_json::Value {
        json!({"iss": ISSUER, "aud": "authenticated", "role": "authenticated", "sub": USER,
               "email": "demo@driftlock.dev", "iat": NOW - 100, "exp": NOW + 3500,
               "aal": "aal1", "session_id": "00000000-0000-4000-8000-000000000000"})
    }

    fn hs256(claims: &serde_json::Value, secret: &[u8], header: serde_json::Value) -> String {
        let input = format!("{}.{}", b64(&header), b64(claims));
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(input.as_bytes());
        format!(
            "{input}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    fn signing_key() -> SigningKey {
        SigningKey::from_slice(&[0x11; 32]).unwrap()
    }

    fn jwk_of(key: &SigningKey, kid: &str) -> serde_json::Value {
        let point = key.verifying_key().to_sec1_point(false);
        let bytes = point.as_bytes();
        json!({"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid,
               "x": URL_SAFE_NO_PAD.encode(&bytes[1..33]), "y": URL_SAFE_NO_PAD.encode(&bytes[33..65])})
    }

    fn es256(claims: &serde_json::Value, key: &SigningKey, kid: Option<&str>) -> String {
        let header = match kid {
            Some(kid) => json!({"alg": "ES256", "typ": "JWT", "kid": kid}),
            None => json!({"alg": "ES256", "typ": "JWT"}),
        };
        let input = format!("{}.{}", b64(&header), b64(claims));
        let sig: Signature = key.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
    }

    fn hs_verifier() -> JwtVerifier {
        JwtVerifier::builder()
            .hs256_secret(SECRET)
            .issuer(ISSUER)
            .build()
            .unwrap()
    }

    fn es_verifier() -> JwtVerifier {
        let jwks = json!({"keys": [jwk_of(&signing_key(), "k1"), {"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "rsa"}]});
        JwtVerifier::builder()
            .jwks(Jwks::parse(&jwks.to_string()).unwrap())
            .issuer(ISSUER)
            .build()
            .unwrap()
    }

    fn hs(claims: &serde_json::Value) -> String {
        hs256(
            claims,
            SECRET.as_bytes(),
            json!({"alg": "HS256", "typ": "JWT"}),
        )
    }

    #[test]
    fn node_made_tokens_verify() {
        let v = vectors();
        let now = v["now"].as_u64().unwrap();
        let es = JwtVerifier::builder()
            .jwks(Jwks::parse(v["jwks"].as_str().unwrap()).unwrap())
            .issuer(ISSUER)
            .build()
            .unwrap();
        let got = es.verify(v["es256"].as_str().unwrap(), now).unwrap();
        assert_eq!(
            got,
            UserClaims {
                sub: USER.into(),
                email: Some("demo@driftlock.dev".into()),
                role: "authenticated".into(),
                exp: 1764413600
            }
        );
        let hs = JwtVerifier::builder()
            .hs256_secret(v["hs256_secret"].as_str().unwrap())
            .build()
            .unwrap();
        assert_eq!(
            hs.verify(v["hs256"].as_str().unwrap(), now).unwrap().sub,
            USER
        );
    }

    #[test]
    fn algorithm_confusion_with_the_public_key_fails() {
        let v = vectors();
        let now = v["now"].as_u64().unwrap();
        let jwks = Jwks::parse(v["jwks"].as_str().unwrap()).unwrap();
        let es_only = JwtVerifier::builder().jwks(jwks.clone()).build().unwrap();
        for name in ["confused_pem", "confused_jwks"] {
            let token = v[name].as_str().unwrap();
            assert_eq!(
                es_only.verify(token, now),
                Err(JwtError::AlgorithmNotAllowed { alg: "HS256" }),
                "{name}"
            );
        }
        // Even when both kinds are configured, the HMAC key is the secret, never the public key.
        let both = JwtVerifier::builder()
            .jwks(jwks)
            .hs256_secret(SECRET)
            .build()
            .unwrap();
        assert_eq!(
            both.verify(v["confused_pem"].as_str().unwrap(), now),
            Err(JwtError::BadSignature)
        );
        // And the other way round: an ES256 token when only the HS256 secret is configured.
        assert_eq!(
            hs_verifier().verify(v["es256"].as_str().unwrap(), now),
            Err(JwtError::AlgorithmNotAllowed { alg: "ES256" })
        );
    }

    #[test]
    fn alg_none_and_unknown_algorithms_fail() {
        let body = b64(&claims());
        for alg in ["none", "None", "NONE"] {
            let t = format!("{}.{body}.", b64(&json!({"alg": alg, "typ": "JWT"})));
            assert_eq!(hs_verifier().verify(&t, NOW), Err(JwtError::Unsigned));
        }
        let t = format!("{}.{body}.c2ln", b64(&json!({"alg": "RS256"})));
        assert_eq!(
            hs_verifier().verify(&t, NOW).unwrap_err().to_string(),
            "token algorithm 'RS256' is not supported, need HS256 or ES256"
        );
        let t = format!("{}.{body}.c2ln", b64(&json!({"typ": "JWT"})));
        assert_eq!(
            hs_verifier().verify(&t, NOW),
            Err(JwtError::Malformed {
                reason: "header has no 'alg'"
            })
        );
        let t = hs256(
            &claims(),
            SECRET.as_bytes(),
            json!({"alg": "HS256", "crit": ["exp"]}),
        );
        assert_eq!(
            hs_verifier().verify(&t, NOW),
            Err(JwtError::CriticalExtension)
        );
    }

    #[test]
    fn hs256_and_es256_tokens_made_here_verify() {
        assert_eq!(hs_verifier().verify(&hs(&claims()), NOW).unwrap().sub, USER);
        let es = es_verifier();
        assert_eq!(
            es.verify(&es256(&claims(), &signing_key(), Some("k1")), NOW)
                .unwrap()
                .sub,
            USER
        );
        // No kid: every key is tried.
        assert_eq!(
            es.verify(&es256(&claims(), &signing_key(), None), NOW)
                .unwrap()
                .sub,
            USER
        );
        assert!(es.accepts_es256() && !es.accepts_hs256());
    }

    #[test]
    fn wrong_keys_and_tampering_fail() {
        let es = es_verifier();
        let other = SigningKey::from_slice(&[0x22; 32]).unwrap();
        assert_eq!(
            es.verify(&es256(&claims(), &other, Some("k1")), NOW),
            Err(JwtError::BadSignature)
        );
        assert_eq!(
            es.verify(&es256(&claims(), &signing_key(), Some("rotated\r\n")), NOW)
                .unwrap_err()
                .to_string(),
            "token key id 'rotated??' is not in the project's JWKS"
        );
        assert_eq!(
            hs_verifier().verify(
                &hs256(&claims(), b"another-secret", json!({"alg": "HS256"})),
                NOW
            ),
            Err(JwtError::BadSignature)
        );
        // Swap in a different payload under the original signature.
        let good = hs(&claims());
        let mut evil = claims();
        evil["sub"] = json!("bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb");
        let parts: Vec<&str> = good.split('.').collect();
        let forged = format!("{}.{}.{}", parts[0], b64(&evil), parts[2]);
        assert_eq!(
            hs_verifier().verify(&forged, NOW),
            Err(JwtError::BadSignature)
        );
        // JWS ES256 signatures are exactly 64 bytes of r || s: other lengths and zeros fail.
        let t = es256(&claims(), &signing_key(), Some("k1"));
        let (input, sig) = t.rsplit_once('.').unwrap();
        let mut raw = URL_SAFE_NO_PAD.decode(sig).unwrap();
        raw.push(0);
        assert_eq!(
            es.verify(&format!("{input}.{}", URL_SAFE_NO_PAD.encode(&raw)), NOW),
            Err(JwtError::BadSignature)
        );
        assert_eq!(
            es.verify(
                &format!("{input}.{}", URL_SAFE_NO_PAD.encode([0u8; 64])),
                NOW
            ),
            Err(JwtError::BadSignature)
        );
    }

    #[test]
    fn time_claims_are_checked_with_leeway() {
        let v = hs_verifier();
        let mut c = claims();
        c["exp"] = json!(NOW - 35);
        let err = v.verify(&hs(&c), NOW).unwrap_err();
        assert_eq!(err, JwtError::Expired { ago_secs: 35 });
        assert_eq!(err.to_string(), "token expired 35 s ago");
        c["exp"] = json!(NOW - 29); // inside the 30 s leeway
        assert!(v.verify(&hs(&c), NOW).is_ok());
        c["exp"] = json!((NOW + 10) as f64 + 0.5); // fractional NumericDate
        assert!(v.verify(&hs(&c), NOW).is_ok());
        c["exp"] = json!("tomorrow");
        assert_eq!(
            v.verify(&hs(&c), NOW),
            Err(JwtError::Malformed {
                reason: "payload is not base64url JSON claims"
            })
        );
        c["exp"] = json!(-5);
        assert_eq!(
            v.verify(&hs(&c), NOW),
            Err(JwtError::Malformed {
                reason: "'exp' is not a Unix time"
            })
        );
        let mut c = claims();
        c.as_object_mut().unwrap().remove("exp");
        assert_eq!(
            v.verify(&hs(&c), NOW),
            Err(JwtError::MissingClaim { claim: "exp" })
        );
        let mut c = claims();
        c["nbf"] = json!(NOW + 600);
        assert_eq!(
            v.verify(&hs(&c), NOW),
            Err(JwtError::NotYetValid { in_secs: 600 })
        );
        let mut c = claims();
        c["iat"] = json!(NOW + 3600);
        assert_eq!(
            v.verify(&hs(&c), NOW),
            Err(JwtError::IssuedInFuture { ahead_secs: 3600 })
        );
        let strict = JwtVerifier::builder()
            .hs256_secret(SECRET)
            .leeway_secs(0)
            .build()
            .unwrap();
        let mut c = claims();
        c["exp"] = json!(NOW - 1);
        assert_eq!(
            strict.verify(&hs(&c), NOW),
            Err(JwtError::Expired { ago_secs: 1 })
        );
    }

    #[test]
    fn audience_issuer_role_and_subject_are_checked() {
        let v = hs_verifier();
        let with = |k: &str, val: serde_json::Value| {
            let mut c = claims();
            c[k] = val;
            v.verify(&hs(&c), NOW)
        };
        assert_eq!(
            with("aud", json!("x")).unwrap_err().to_string(),
            "audience 'x' is not 'authenticated'"
        );
        assert!(with("aud", json!(["other", "authenticated"])).is_ok());
        assert!(matches!(
            with("aud", json!(["other"])),
            Err(JwtError::WrongAudience { .. })
        ));
        assert_eq!(
            with("iss", json!("https://evil.example/auth/v1"))
                .unwrap_err()
                .to_string(),
            "issuer 'https://evil.example/auth/v1' is not 'http://127.0.0.1:54321/auth/v1'"
        );
        assert!(with("iss", json!(format!("{ISSUER}/"))).is_ok());
        assert!(matches!(
            with("role", json!("service_role")),
            Err(JwtError::WrongRole { .. })
        ));
        assert!(matches!(
            with("role", json!("anon")),
            Err(JwtError::WrongRole { .. })
        ));
        assert_eq!(with("sub", json!("not-a-uuid")), Err(JwtError::BadSubject));
        assert_eq!(
            with("sub", json!("AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA"))
                .unwrap()
                .sub,
            USER
        );
        assert_eq!(with("email", json!("")).unwrap().email, None);
        let mut c = claims();
        c.as_object_mut().unwrap().remove("aud");
        assert_eq!(
            v.verify(&hs(&c), NOW),
            Err(JwtError::MissingClaim { claim: "aud" })
        );
        // The service-role token from tests/support/stack.mjs is not a user token.
        let service =
            json!({"iss": "supabase", "role": "service_role", "iat": NOW, "exp": NOW + 3600});
        let no_iss_check = JwtVerifier::builder().hs256_secret(SECRET).build().unwrap();
        assert_eq!(
            no_iss_check.verify(&hs(&service), NOW),
            Err(JwtError::MissingClaim { claim: "aud" })
        );
    }

    #[test]
    fn malformed_tokens_are_errors_not_panics() {
        let v = hs_verifier();
        for t in [
            "",
            ".",
            "..",
            "a.b",
            "a.b.c.d",
            "!!!.e30.e30",
            "e30.e30.!!!",
            "e30.e30.",
            "bnVsbA.bnVsbA.",
            "eyJhbGciOiJIUzI1NiJ9..",
            "é.é.é",
        ] {
            assert!(
                matches!(
                    v.verify(t, NOW),
                    Err(JwtError::Malformed { .. } | JwtError::BadSignature)
                ),
                "{t:?}: {:?}",
                v.verify(t, NOW)
            );
        }
        // Padded base64 is not base64url JWS.
        let padded = format!("{}=", hs(&claims()));
        assert!(v.verify(&padded, NOW).is_err());
        let huge = "a".repeat(MAX_TOKEN_LEN + 1);
        assert_eq!(
            v.verify(&huge, NOW),
            Err(JwtError::TooLong {
                len: MAX_TOKEN_LEN + 1
            })
        );
    }

    #[test]
    fn errors_and_debug_never_show_tokens_or_secrets() {
        let v = hs_verifier();
        assert!(!format!("{v:?}").contains(SECRET));
        let token = hs256(&claims(), b"wrong", json!({"alg": "HS256"}));
        let sig = token.rsplit('.').next().unwrap();
        let msg = v.verify(&token, NOW).unwrap_err().to_string();
        assert!(!msg.contains(sig) && !msg.contains(&token), "{msg}");
    }

    #[test]
    fn configurations_that_accept_nothing_are_refused() {
        assert_eq!(
            JwtVerifier::builder().build().unwrap_err(),
            JwtConfigError::NoKeys
        );
        assert_eq!(
            JwtVerifier::builder().hs256_secret("").build().unwrap_err(),
            JwtConfigError::EmptySecret
        );
        let empty = Jwks::parse(r#"{"keys": []}"#).unwrap();
        assert!(empty.is_empty());
        assert_eq!(
            JwtVerifier::builder().jwks(empty).build().unwrap_err(),
            JwtConfigError::NoKeys
        );
        assert!(matches!(
            Jwks::parse("[]"),
            Err(JwtConfigError::BadJwks { .. })
        ));
        let bad_point = r#"{"keys": [{"kty": "EC", "crv": "P-256", "kid": "k", "x": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "y": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}"#;
        assert_eq!(
            Jwks::parse(bad_point).unwrap_err(),
            JwtConfigError::BadKey {
                kid: "'k'".into(),
                reason: "the point is not on the P-256 curve"
            }
        );
        let short = r#"{"keys": [{"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}]}"#;
        assert!(matches!(
            Jwks::parse(short),
            Err(JwtConfigError::BadKey { .. })
        ));
        // Keys for other curves or uses are skipped, not fatal.
        let other = r#"{"keys": [{"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}, {"kty": "oct", "k": "c2VjcmV0"}, {"kty": "EC", "crv": "P-256", "use": "enc", "x": "AA", "y": "AA"}]}"#;
        assert!(Jwks::parse(other).unwrap().is_empty());
    }
}
