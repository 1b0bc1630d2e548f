//! The Worker <-> Durable Object frames (`objects::protocol`) on arbitrary bytes: decoding a
//! score request or a score answer never panics; a request that decodes encodes back to the
//! same events; an answer that decodes takes anomaly ids into its slots without panicking.
#![no_main]
use edge_worker_fuzz::objects::protocol::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = decode_request(data) {
        let again = encode_request(&req.header, req.events.iter().copied());
        let back = decode_request(&again).expect("a re-encoded request decodes");
        assert_eq!(back.events.len(), req.events.len());
        for (a, b) in back.events.iter().zip(&req.events) {
            match (a.body, b.body) {
                (EventRef::Number(x), EventRef::Number(y)) => assert_eq!(x.to_bits(), y.to_bits()),
                _ => assert_eq!(a.body, b.body),
            }
            assert_eq!((a.event_type, a.metadata, a.number_text), (b.event_type, b.metadata, b.number_text));
        }
    }
    if let Ok(mut answer) = ScoreAnswer::decode(data.to_vec()) {
        let ids = vec![Some("0b6f3c1e-2a4d-4c8e-9f10-123456789abc"); answer.flagged.len()];
        answer.fill_anomaly_ids(&ids);
        let _ = answer.encode();
    }
});
