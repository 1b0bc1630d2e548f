//! API keys: format, generation from caller-supplied randomness, hashing.
