//! Typed clients for the outside systems that cannot run here: Stripe's API and the email
//! provider. Base URLs come from config, so tests point them at the local recorder.

pub mod email;
pub mod stripe_api;
