//! Privacy machinery: the secret key file and sealing with it, secret tokens and their hashes,
//! the in-memory client key used for rate limiting, the one rule for who sees an event's
//! location, and the purge of personal data.

pub mod client_address;
pub mod client_key;
pub mod crypto;
pub mod guessing;
pub mod keyfile;
pub mod purge;
pub mod secrets;
