//! Arbitrary bytes as Text, Json and Number event bodies through a `StreamDetector` of any kind
//! and compressor: no panic, every verdict within its documented contract, and a snapshot taken
//! midway restores to a detector that continues with identical verdicts.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let mut det = common::detector(sel);
    let events: Vec<(u8, &[u8])> = common::events(rest).take(200).collect();
    let half = events.len() / 2;
    for &(tag, body) in &events[..half] {
        common::score(&mut det, tag, body);
    }
    let mut again = cbad_core::StreamDetector::restore(&det.snapshot()).expect("a fresh snapshot restores");
    for &(tag, body) in &events[half..] {
        let a = common::score(&mut det, tag, body);
        let b = common::score(&mut again, tag, body);
        assert!(a == b || format!("{a:?}") == format!("{b:?}"), "restored detector diverged:\n{a:?}\n{b:?}");
    }
});
