//! The optional second factor: TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of
//! clock drift either way, each step's code accepted once) with `totp-rs`, and ten single-use
//! recovery codes. The secret is stored sealed under the key file with the organizer's id as
//! associated data; recovery codes are long random strings stored only as SHA-256 hashes.
//!
//! Bearer API tokens are not affected: a token is its own credential, created by an admin on
//! the command line, and skips this step.

use chrono::{DateTime, Utc};
use rand::{Rng, RngCore};
use secrecy::{ExposeSecret, SecretString};
use totp_rs::{Builder, Secret, Totp};

use super::Error;
use crate::db::{organizers, DbConnection};
use crate::privacy::crypto;
use crate::privacy::keyfile::SecretKey;
use crate::privacy::secrets::hash_token;

/// The name authenticator apps show beside the handle.
pub const ISSUER: &str = "Umbrella";
/// How many recovery codes an organizer gets.
pub const RECOVERY_CODES: usize = 10;
const SECRET_BYTES: usize = 20;

/// A fresh 160-bit secret, as base32 (the form sealed and shown).
pub fn new_secret() -> SecretString {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    Secret::from(bytes).to_base32().into()
}

/// A sealed secret opened with the key, for the organizer `organizer_id` it was sealed for.
pub fn open_secret(
    key: &SecretKey,
    organizer_id: &str,
    sealed: &str,
) -> Result<SecretString, Error> {
    crypto::open(key, organizer_id, sealed)
        .map(SecretString::from)
        .map_err(Error::Internal)
}

fn totp(secret_base32: &SecretString, handle: &str) -> Result<Totp, Error> {
    let secret = Secret::try_from_base32(secret_base32.expose_secret())
        .map_err(|_| Error::internal(anyhow::anyhow!("stored TOTP secret is not base32")))?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(handle)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|error| Error::internal(anyhow::anyhow!("TOTP setup failed: {error}")))
}

/// The time step a code belongs to, if it is valid at `now` (allowing one step of drift).
pub fn matching_step(secret_base32: &SecretString, code: &str, now: DateTime<Utc>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let totp = totp(secret_base32, "x").ok()?;
    let seconds = u64::try_from(now.timestamp()).ok()?;
    totp.check(&code, seconds)
        .and_then(|step| i64::try_from(step).ok())
}

/// What the setup page shows: the secret in groups of four and the `otpauth://` URI (which the
/// page also draws as a QR code).
#[derive(Debug)]
pub struct Setup {
    pub secret_grouped: SecretString,
    pub uri: SecretString,
}

pub fn setup(secret_base32: &SecretString, handle: &str) -> Result<Setup, Error> {
    let uri = totp(secret_base32, handle)?
        .to_url()
        .map_err(|error| Error::internal(anyhow::anyhow!("TOTP URI failed: {error}")))?;
    let secret_grouped = secret_base32
        .expose_secret()
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Setup {
        secret_grouped: secret_grouped.into(),
        uri: uri.into(),
    })
}

/// Ten recovery codes: 16 characters each from an alphabet without look-alikes (about 79
/// bits), in groups of four.
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: Vec<char> = (0..16)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect();
            chars
                .chunks(4)
                .map(|group| group.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// The stored form of a recovery code: SHA-256 of it without spaces or dashes, lower-case.
pub fn recovery_hash(code: &str) -> String {
    let normalised: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hash_token(&normalised)
}

fn looks_like_totp(code: &str) -> bool {
    let digits: Vec<char> = code.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == 6 && digits.iter().all(char::is_ascii_digit)
}

/// Check a second-factor answer, a current code or an unused recovery code, and use it up.
/// Call inside a write transaction.
pub fn accept(
    conn: &mut DbConnection,
    key: &SecretKey,
    organizer: &organizers::Organizer,
    answer: &str,
    now: DateTime<Utc>,
) -> Result<bool, crate::db::Error> {
    let Some(sealed) = &organizer.totp_secret_sealed else {
        return Ok(false);
    };
    let answer = answer.trim();
    if answer.is_empty() {
        return Ok(false);
    }
    if looks_like_totp(answer) {
        let secret = crypto::open(key, &organizer.id, sealed)
            .map(SecretString::from)
            .map_err(crate::db::Error::Internal)?;
        return match matching_step(&secret, answer, now) {
            Some(step) => Ok(organizers::accept_totp_step(conn, &organizer.id, step)?),
            None => Ok(false),
        };
    }
    Ok(organizers::use_recovery_code(
        conn,
        &organizer.id,
        &recovery_hash(answer),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_current_code_matches_its_step_and_a_wrong_one_does_not() {
        let secret = new_secret();
        assert_eq!(
            secret.expose_secret().len(),
            32,
            "160 bits in base32 without padding"
        );
        let now = Utc::now();
        let code = totp(&secret, "rosa")
            .expect("builds")
            .generate(now.timestamp() as u64)
            .to_string();
        let step = matching_step(&secret, &code, now).expect("matches");
        assert_eq!(step, now.timestamp() / 30);
        let wrong = format!(
            "{:06}",
            (code.parse::<u32>().expect("digits") + 1) % 1_000_000
        );
        assert_eq!(matching_step(&secret, &wrong, now), None);
        assert_eq!(
            matching_step(&secret, &code, now + chrono::Duration::minutes(5)),
            None,
            "codes expire"
        );
    }

    #[test]
    fn setup_gives_a_uri_and_the_grouped_secret_and_prints_neither() {
        let secret = new_secret();
        let setup = setup(&secret, "rosa").expect("setup");
        let uri = setup.uri.expose_secret();
        assert!(uri.starts_with("otpauth://totp/"));
        assert!(uri.contains(&format!("secret={}", secret.expose_secret())));
        assert_eq!(
            setup.secret_grouped.expose_secret().replace(' ', ""),
            secret.expose_secret()
        );
        assert!(!format!("{setup:?}").contains(&secret.expose_secret()[..8]));
    }

    #[test]
    fn recovery_codes_are_long_distinct_and_hash_alike_however_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(codes[0].len(), 19);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        assert_eq!(
            recovery_hash(&codes[0]),
            recovery_hash(&codes[0].replace('-', " ").to_uppercase())
        );
        assert!(!looks_like_totp(&codes[0]));
        assert!(looks_like_totp("123 456"));
    }
}
