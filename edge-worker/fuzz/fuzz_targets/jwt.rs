//! `auth::jwt::JwtVerifier::verify` (HS256 secret + one ES256 key configured): arbitrary token
//! strings never panic; and fuzz-chosen header and claims JSON, base64url-encoded and correctly
//! HS256-signed, reach the claim checks. Anything accepted is a user token: role
//! "authenticated", audience checked, a UUID subject, not expired.
#![no_main]
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use edge_worker_fuzz::auth::jwt::{Jwks, JwtVerifier, DEFAULT_LEEWAY_SECS, USER_ROLE};
use hmac::{Hmac, KeyInit, Mac};
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;
use std::sync::OnceLock;

const SECRET: &str = "super-secret-jwt-token-with-at-least-32-characters-long";
const NOW: u64 = 1_764_410_100;
const JWKS: &str = r#"{"keys":[{"kty":"EC","x":"W42ViKlyv6arqZG3YNs7hUCXZyI2F-bYlwctfe3_-Og","y":"qvsrwqf5UmxmChYZlfeZiwBh_PEszzmrnXNbl0jLkr4","crv":"P-256","kid":"7f0e3b52-node-vector","alg":"ES256","use":"sig"}]}"#;

fn verifier() -> &'static JwtVerifier {
    static V: OnceLock<JwtVerifier> = OnceLock::new();
    V.get_or_init(|| {
        JwtVerifier::builder()
            .hs256_secret(SECRET)
            .jwks(Jwks::parse(JWKS).expect("the fixture JWKS parses"))
            .issuer("http://127.0.0.1/auth/v1")
            .build()
            .expect("the verifier builds")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let token = if mode & 1 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        let head = URL_SAFE_NO_PAD.encode(&rest[..split]);
        let body = URL_SAFE_NO_PAD.encode(rest.get(split + 1..).unwrap_or(&[]));
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(format!("{head}.{body}").as_bytes());
        format!("{head}.{body}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    };
    if let Ok(claims) = verifier().verify(&token, NOW) {
        assert_eq!(claims.role, USER_ROLE);
        assert!(claims.exp + DEFAULT_LEEWAY_SECS >= NOW, "an expired token was accepted");
        assert_eq!(claims.sub.len(), 36);
    }
});
