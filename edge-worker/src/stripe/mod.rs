//! Stripe: webhook signature verification and the events we handle; pure, time passed in.

pub mod signature;
pub mod event;
