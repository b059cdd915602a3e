//! Privacy machinery: the secret key file, secret tokens and their hashes, the in-memory
//! client key used for rate limiting, and the one rule for who sees an event's location.

pub mod client_key;
pub mod keyfile;
pub mod location;
pub mod secrets;
