//! Verification of the `Stripe-Signature` header over the raw request body.
