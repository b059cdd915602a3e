//! Privacy machinery: the secret key file (`keyfile`, checked at start by `unlock`) and sealing
//! with it (`crypto`), secret tokens and their hashes, the in-memory client key used for rate
//! limiting, the guessing throttle, and the purge of personal data.

pub mod client_address;
pub mod client_key;
pub mod crypto;
pub mod guessing;
pub mod keyfile;
pub mod purge;
pub mod secrets;
pub mod unlock;
