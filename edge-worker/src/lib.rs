//! DriftLock's Cloudflare Worker: entry points that build state and run the router.
#![deny(missing_docs)]

mod auth;
mod domain;
mod stripe;

use worker::*;

#[event(fetch)]
async fn fetch(_req: Request, _env: Env, _ctx: Context) -> Result<Response> {
    Response::ok("ok")
}
