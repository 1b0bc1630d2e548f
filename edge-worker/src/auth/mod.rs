//! Authentication: an API key or a Supabase user JWT becomes a principal.

pub mod api_key;
pub mod jwt;
pub mod principal;
pub mod verify;
