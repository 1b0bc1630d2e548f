//! DriftLock's Cloudflare Worker: entry points that build state and run the route table.
//!
//! Layers: [`routes`] -> [`handlers`] -> [`domain`] -> [`store`] (PostgREST) and
//! [`objects`] (one Durable Object per stream owns its detector).
#![deny(missing_docs)]

mod auth;
mod body;
mod config;
mod context;
mod domain;
mod error;
mod handlers;
mod ingest;
mod json_writer;
mod objects;
mod outbound;
mod routes;
mod store;
mod stripe;

pub use objects::StreamDetectorObject;

use worker::*;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Ok(routes::serve(req, env).await)
}

#[event(queue)]
async fn queue(batch: MessageBatch<String>, env: Env, _ctx: Context) -> Result<()> {
    handlers::ingest_queue::consume(batch, env).await;
    Ok(())
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    handlers::overage::report_pending(&env).await;
    handlers::notifications::deliver_due(env).await;
}
