//! `cbad`: the command-line detector (placeholder until the CLI lands).
fn main() {}
