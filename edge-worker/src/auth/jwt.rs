//! Supabase user JWT verification (HS256 secret, ES256 via JWKS); pure, time passed in.
