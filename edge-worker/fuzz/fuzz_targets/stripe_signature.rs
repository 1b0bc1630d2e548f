//! `stripe::signature::verify_stripe_signature` on arbitrary headers and bodies: no panic, and
//! anything it accepts is within the tolerance. Half the inputs carry a correct v1 signature
//! among fuzz-chosen elements, so the paths after the HMAC check are reached too.
#![no_main]
use edge_worker_fuzz::stripe::signature::{verify_stripe_signature, DEFAULT_TOLERANCE_SECS};
use hmac::{Hmac, KeyInit, Mac};
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;

const SECRET: &str = "whsec_fuzz_secret";
const NOW: i64 = 1_764_410_100;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    let junk = String::from_utf8_lossy(&rest[..split]);
    let body = rest.get(split + 1..).unwrap_or(&[]);
    let header = if mode & 1 == 0 {
        junk.into_owned()
    } else {
        // t chosen near NOW by the mode byte; a real v1 for it, then the fuzz elements.
        let t = NOW + (i64::from(mode as i8) * 7);
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(format!("{t}.").as_bytes());
        mac.update(body);
        let sig: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        format!("t={t},v1={sig},{junk}")
    };
    if let Ok(t) = verify_stripe_signature(&header, body, SECRET, NOW, DEFAULT_TOLERANCE_SECS) {
        assert!((NOW - t).abs() <= DEFAULT_TOLERANCE_SECS, "accepted t={t}, outside the tolerance");
    }
});
