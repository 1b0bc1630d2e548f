//! The Worker's pure modules, compiled in from edge-worker/src by path so the fuzz targets need
//! neither the `worker` crate nor wasm. The module tree mirrors the Worker's own.
#![allow(dead_code, unused_imports)]

#[path = "../../src/domain"]
pub mod domain {
    pub mod batch;
    pub mod echo;
    pub mod stream;
}

#[path = "../../src/auth"]
pub mod auth {
    pub mod jwt;
}

#[path = "../../src/stripe"]
pub mod stripe {
    pub mod signature;
}

#[path = "../../src/objects"]
pub mod objects {
    pub mod protocol;
}

#[path = "../../src/json_writer.rs"]
pub mod json_writer;
