//! The `cbad detect` command as an operator uses it (built with `--features cli`).
#![cfg(feature = "cli")]

use std::io::Write;
use std::process::{Command, Stdio};

fn run(args: &[&str], input: &str) -> (i32, String, String) {
    run_bytes(args, input.as_bytes())
}

fn run_bytes(args: &[&str], input: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cbad"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

const GOOD: &str = r#"{"stream":"a","type":"log","body":"INFO ok 1"}"#;

#[test]
fn a_malformed_line_is_reported_with_its_number_and_skipped() {
    let input = format!("{GOOD}\nnot json\n{{\"stream\":\"a\",\"type\":\"bogus\",\"body\":\"x\"}}\n{GOOD}\n");
    let (code, out, err) = run(&["detect"], &input);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["index"], 0);
    assert_eq!(lines[1]["index"], 1);
    assert!(err.contains("line 2"), "{err}");
    assert!(err.contains("line 3") && err.contains("bogus"), "{err}");
    for key in ["stream", "index", "score", "p_value", "anomaly", "severity", "metrics", "novel", "explanation"] {
        assert!(lines[0].get(key).is_some(), "missing {key}");
    }
}

#[test]
fn a_line_that_is_not_utf8_is_one_malformed_line() {
    let mut input = format!("{GOOD}\r\n").into_bytes();
    input.extend_from_slice(b"{\"stream\":\"a\",\"type\":\"log\",\"body\":\"\xff\xfe\"}\n");
    input.extend_from_slice(format!("{GOOD}\n").as_bytes());
    let (code, out, err) = run_bytes(&["detect"], &input);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 2, "the lines around it are scored: {out}");
    assert!(err.contains("line 2") && err.contains("UTF-8"), "{err}");
    let (code, out, err) = run_bytes(&["detect", "--strict"], &input);
    assert_ne!(code, 0);
    assert_eq!(out.lines().count(), 1);
    assert!(err.contains("line 2") && err.contains("UTF-8"), "{err}");
}

#[test]
fn strict_mode_stops_at_the_first_malformed_line() {
    let (code, out, err) = run(&["detect", "--strict"], &format!("{GOOD}\n{{\"stream\": 1}}\n{GOOD}\n"));
    assert_ne!(code, 0);
    assert_eq!(out.lines().count(), 1);
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn streams_are_independent_and_bodies_of_every_shape_are_accepted() {
    let input = r#"{"stream":"m","type":"metric","body":42.5,"ts":"2024-01-01T00:00:00Z"}
{"stream":"j","type":"json","body":{"b":1,"a":[true,null,"x"]}}
{"stream":"m","type":"metric","body":43}
{"stream":"t","type":"trace","body":"span db.query 12ms"}
"#;
    let (code, out, err) = run(&["detect"], input);
    assert_eq!(code, 0, "{err}");
    let idx: Vec<(String, u64)> = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| (v["stream"].as_str().unwrap().to_string(), v["index"].as_u64().unwrap()))
        .collect();
    assert_eq!(idx, [("m".into(), 0), ("j".into(), 0), ("m".into(), 1), ("t".into(), 0)]);
}

#[test]
fn an_invalid_config_file_fails_before_reading_events() {
    let dir = std::env::temp_dir().join(format!("cbad-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("bad.json");
    std::fs::write(&cfg, r#"{"sensitivity": 3}"#).unwrap();
    let (code, out, err) = run(&["detect", "--config", cfg.to_str().unwrap()], &format!("{GOOD}\n"));
    assert_ne!(code, 0);
    assert!(out.is_empty());
    assert!(err.contains("sensitivity is 3"), "{err}");
    std::fs::write(&cfg, r#"{"sensitivty": 0.3}"#).unwrap();
    let (code, _, err) = run(&["detect", "--config", cfg.to_str().unwrap()], "");
    assert_ne!(code, 0);
    assert!(err.contains("sensitivty"), "{err}");
}
