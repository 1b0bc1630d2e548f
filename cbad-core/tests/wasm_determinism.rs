//! The same events and config give the same verdicts natively and in wasm: the probe
//! (benches/wasm) is built for wasm32-unknown-unknown and run by Node, and its hash of every
//! verdict and snapshot of a mixed scenario must equal the native one.
//! Skipped (with a message) only when Node or the wasm target is not installed.

#[path = "../benches/corpus.rs"]
#[allow(dead_code)]
mod corpus;

use std::path::PathBuf;
use std::process::Command;

#[test]
fn native_and_wasm_verdicts_are_bit_identical() {
    let native = corpus::scenario_hash();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let have_node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    let have_target = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l == "wasm32-unknown-unknown"));
    if !have_node || !have_target {
        eprintln!("SKIPPED: needs node and the wasm32-unknown-unknown target (node: {have_node}, target: {have_target})");
        return;
    }
    let target_dir = root.join("../target/wasm-probe");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = Command::new(cargo)
        .current_dir(root.join("benches/wasm"))
        .args(["build", "--offline", "--release", "--target", "wasm32-unknown-unknown", "--target-dir"])
        .arg(&target_dir)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("running cargo for the wasm probe");
    assert!(build.status.success(), "building the wasm probe failed:\n{}", String::from_utf8_lossy(&build.stderr));
    let wasm = target_dir.join("wasm32-unknown-unknown/release/cbad_wasm_probe.wasm");
    let js = "const fs=require('fs');const m=new WebAssembly.Module(fs.readFileSync(process.argv[1]));\
              const x=new WebAssembly.Instance(m,{}).exports;console.log(BigInt.asUintN(64,x.probe_hash()).toString());";
    let out = Command::new("node").arg("-e").arg(js).arg(&wasm).output().expect("running node");
    assert!(out.status.success(), "node failed: {}", String::from_utf8_lossy(&out.stderr));
    let wasm_hash: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().expect("a u64 from node");
    assert_eq!(wasm_hash, native, "wasm and native verdicts differ");
}
