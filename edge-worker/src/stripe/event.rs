//! The Stripe event envelope and the event types DriftLock acts on.
