//! Secret tokens (sessions, API tokens, later manage links): 256 random bits, URL-safe, shown
//! once; only their SHA-256 hash is stored. They are random, not guessable, so a fast hash is
//! enough and lookups by hash leak nothing useful through timing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// API tokens start with this so that secret scanners and people can recognise them.
pub const API_TOKEN_PREFIX: &str = "umb_";

/// A new random token: 32 bytes, base64url without padding (43 characters).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token: hex SHA-256.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_url_safe() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }

    #[test]
    fn hashes_are_stable_and_hide_the_token() {
        let token = new_token();
        assert_eq!(hash_token(&token), hash_token(&token));
        assert!(!hash_token(&token).contains(&token));
        assert_eq!(hash_token(&token).len(), 64);
    }
}
