//! Sign-in throttling: attempts are limited per client (by the salted in-memory client key, at
//! `--rate-limit-per-minute`), and wrong passwords or codes per handle, always: with the
//! per-client limit off (`0`, as behind an onion service) or guesses spread over many
//! addresses, an account still cannot be guessed quickly. A handle is keyed as it is compared,
//! trimmed and case-folded, so `" bob"` and `"BOB\t"` count against `bob`.

use crate::domain::organizer::Handle;
use crate::privacy::client_key::{ClientKey, Limiter};
use crate::privacy::guessing::GuessThrottle;

/// Wrong passwords or codes against one handle per minute, from anywhere, before it waits.
pub const WRONG_GUESSES_PER_HANDLE_PER_MINUTE: u32 = 10;

pub struct LoginThrottle {
    by_client: Limiter<ClientKey>,
    by_handle: GuessThrottle<String>,
}

impl LoginThrottle {
    /// `per_minute` is the configured per-client limit (0 turns that one off, not the
    /// per-handle one).
    pub fn new(per_minute: u32) -> Self {
        Self {
            by_client: Limiter::per_minute(per_minute),
            // A guess throttle blocks on the miss after its allowance; here the tenth wrong
            // guess itself ends the minute's guessing.
            by_handle: GuessThrottle::per_minute(WRONG_GUESSES_PER_HANDLE_PER_MINUTE - 1),
        }
    }

    /// Before a sign-in attempt (a password or a code): `Err(seconds to wait)` when the handle
    /// has had too many wrong guesses, or this client too many attempts.
    pub fn check(&self, client: &ClientKey, handle: &str) -> Result<(), u64> {
        self.check_handle(handle)?;
        self.by_client.check(client)
    }

    /// Before a signed-in organizer proves who they are again (changing the password, turning
    /// two-step sign-in off): only the handle's wrong guesses count.
    pub fn check_handle(&self, handle: &str) -> Result<(), u64> {
        match handle_key(handle) {
            Some(key) => self.by_handle.wait(&key).map_or(Ok(()), Err),
            None => Ok(()),
        }
    }

    /// A wrong password or code for `handle`.
    pub fn failed(&self, handle: &str) {
        if let Some(key) = handle_key(handle) {
            self.by_handle.missed(&key);
        }
    }
}

/// The handle as every lookup compares it; `None` for text that can be no one's handle (it
/// cannot be guessed, and keeping it would let a stranger fill memory with long keys).
fn handle_key(raw: &str) -> Option<String> {
    Handle::parse(raw)
        .ok()
        .map(|handle| handle.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handle_variants_share_one_allowance_even_with_the_client_limit_off() {
        let throttle = LoginThrottle::new(0);
        let client = [7u8; 16];
        for variant in [" bob", "BOB\t", "Bob"].iter().cycle().take(10) {
            assert_eq!(throttle.check(&client, variant), Ok(()));
            throttle.failed(variant);
        }
        assert!(
            throttle.check(&client, "bob").is_err(),
            "ten wrong, then wait"
        );
        assert!(throttle.check_handle("  BoB ").is_err());
        assert_eq!(
            throttle.check(&client, "ana"),
            Ok(()),
            "others are unaffected"
        );
    }

    #[test]
    fn right_attempts_do_not_use_up_the_handle_allowance() {
        let throttle = LoginThrottle::new(0);
        for _ in 0..50 {
            assert_eq!(throttle.check(&[1u8; 16], "bob"), Ok(()));
        }
    }
}
