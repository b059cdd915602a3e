//! Login throttling: attempts are limited per client (by the salted in-memory client key) and
//! per handle, so neither one address nor a spread of addresses can guess a password quickly.

use std::net::IpAddr;

use crate::privacy::client_key::{ClientKey, ClientKeys, Limiter};

/// Failed guesses against one handle per minute, from anywhere.
const PER_HANDLE_PER_MINUTE: u32 = 10;

pub struct LoginThrottle {
    by_client: Limiter<ClientKey>,
    by_handle: Limiter<String>,
}

impl LoginThrottle {
    /// `per_minute` is the configured per-client limit; 0 turns both limits off.
    pub fn new(per_minute: u32) -> Self {
        let per_handle = if per_minute == 0 {
            0
        } else {
            PER_HANDLE_PER_MINUTE
        };
        Self {
            by_client: Limiter::per_minute(per_minute),
            by_handle: Limiter::per_minute(per_handle),
        }
    }

    /// `Err(seconds to wait)` when this attempt is over either limit.
    pub fn check(
        &self,
        keys: &ClientKeys,
        address: Option<IpAddr>,
        handle: &str,
    ) -> Result<(), u64> {
        self.by_client.check(&keys.key_for(address))?;
        self.by_handle.check(&handle.to_lowercase())
    }
}
