//! Organizers: pseudonymous handles, passwords and their hashing (argon2id).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::{Rng, RngCore};

use super::FieldError;

/// An organizer's handle: 2–32 characters of `a-z`, `0-9`, `.`, `_`, `-`, stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handle(String);

impl Handle {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let handle = raw.trim().to_lowercase();
        let length = handle.chars().count();
        if !(2..=32).contains(&length) {
            return Err(FieldError::new(
                "handle",
                "a handle is 2 to 32 characters long",
            ));
        }
        if !handle
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
        {
            return Err(FieldError::new(
                "handle",
                "a handle uses only letters, digits, '.', '_' and '-'",
            ));
        }
        Ok(Handle(handle))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The shortest password an organizer may choose.
pub const MIN_PASSWORD_CHARS: usize = 12;
const MAX_PASSWORD_CHARS: usize = 256;

/// A password an organizer chose, checked for length.
pub fn check_new_password(password: &str) -> Result<(), FieldError> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(
            "password",
            format!("choose a password of at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if length > MAX_PASSWORD_CHARS {
        return Err(FieldError::new("password", "that password is too long"));
    }
    Ok(())
}

/// A one-time password: 20 characters from an alphabet without look-alikes (about 100 bits),
/// grouped for reading aloud.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(5)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Hash a password with argon2id and a fresh salt, in PHC string form.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|error| anyhow::anyhow!("could not encode a salt: {error}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| anyhow::anyhow!("could not hash the password: {error}"))
}

/// Check a password against a stored hash. A malformed hash never verifies.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of nothing anyone can type, checked when the handle is unknown so that a failed
/// login takes as long whether or not the handle exists.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&generate_password()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_normalised_and_bounded() {
        assert_eq!(
            Handle::parse("  Rosa_M ").map(|h| h.0),
            Ok("rosa_m".to_string())
        );
        assert!(Handle::parse("x").is_err());
        assert!(Handle::parse("has space").is_err());
        assert!(Handle::parse(&"a".repeat(33)).is_err());
    }

    #[test]
    fn passwords_hash_and_verify() {
        let password = generate_password();
        assert_eq!(password.len(), 23, "four groups of five, joined by dashes");
        let hash = hash_password(&password).expect("hashes");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&password, &hash));
        assert!(!verify_password("wrong password", &hash));
        assert!(!verify_password(&password, "not a hash"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("a long enough passphrase").is_ok());
    }
}
