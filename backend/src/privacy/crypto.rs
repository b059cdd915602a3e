//! Sealing personal data at rest: XChaCha20-Poly1305 under the key file's key, a fresh random
//! nonce each time, and the owning row's id as associated data so a sealed value cannot be
//! moved to another row. The database only ever sees `base64(nonce || ciphertext)`.

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use super::keyfile::SecretKey;

const NONCE_BYTES: usize = 24;

/// Seal `plaintext` for the row `row_id`.
pub fn seal(key: &SecretKey, row_id: &str, plaintext: &str) -> anyhow::Result<String> {
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let mut nonce = [0u8; NONCE_BYTES];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext.as_bytes(),
                aad: row_id.as_bytes(),
            },
        )
        .map_err(|_| anyhow::anyhow!("sealing failed"))?;
    let mut out = Vec::with_capacity(NONCE_BYTES + sealed.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(STANDARD_NO_PAD.encode(out))
}

/// Open a value sealed for `row_id`; fails if it was altered, moved, or sealed under another key.
pub fn open(key: &SecretKey, row_id: &str, sealed: &str) -> anyhow::Result<String> {
    let bytes = STANDARD_NO_PAD
        .decode(sealed)
        .map_err(|_| anyhow::anyhow!("sealed value is not base64"))?;
    if bytes.len() <= NONCE_BYTES {
        anyhow::bail!("sealed value is too short");
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let plain = cipher
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: row_id.as_bytes(),
            },
        )
        .map_err(|_| anyhow::anyhow!("sealed value could not be opened"))?;
    Ok(String::from_utf8(plain)?)
}

/// A keyed hash of `value` (labelled SHA-256 over the key and the value, in hex): a stable
/// name for a secret value, to find its row again, that nobody without the key can compute or
/// test a guess against.
pub fn keyed_hash(key: &SecretKey, label: &str, value: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::new()
        .chain_update(label.as_bytes())
        .chain_update([0u8])
        .chain_update(key.bytes())
        .chain_update(value.as_bytes())
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::from_raw([7u8; 32])
    }

    #[test]
    fn seals_and_opens_with_a_fresh_nonce_each_time() {
        let a = seal(&key(), "row-1", "canary@example.org").expect("sealed");
        let b = seal(&key(), "row-1", "canary@example.org").expect("sealed");
        assert_ne!(a, b, "a fresh nonce each time");
        assert!(!a.contains("canary"));
        assert_eq!(
            open(&key(), "row-1", &a).expect("opens"),
            "canary@example.org"
        );
    }

    #[test]
    fn keyed_hashes_need_the_key() {
        let one = keyed_hash(&key(), "push endpoint", "https://push.example/abc");
        assert_eq!(
            one,
            keyed_hash(&key(), "push endpoint", "https://push.example/abc")
        );
        assert_ne!(
            one,
            keyed_hash(
                &SecretKey::from_raw([8u8; 32]),
                "push endpoint",
                "https://push.example/abc"
            )
        );
        assert_ne!(one, keyed_hash(&key(), "other", "https://push.example/abc"));
        assert!(!one.contains("push.example"));
    }

    #[test]
    fn refuses_moved_altered_or_foreign_values() {
        let sealed = seal(&key(), "row-1", "canary@example.org").expect("sealed");
        assert!(open(&key(), "row-2", &sealed).is_err(), "bound to its row");
        assert!(open(&SecretKey::from_raw([8u8; 32]), "row-1", &sealed).is_err());
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert!(open(&key(), "row-1", &String::from_utf8(altered).expect("ascii")).is_err());
        assert!(open(&key(), "row-1", "short").is_err());
    }
}
