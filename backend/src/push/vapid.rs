//! The server's VAPID key (RFC 8292): a P-256 key pair made once, kept in `vapid.key` beside the
//! secret key file in the data directory (mode 0600, never in the database), and checked at
//! start against the public key the database remembers, so phones subscribed with it keep
//! working (a start with another key is refused while any phone is subscribed). It signs the
//! short-lived JWT each push carries.

use std::path::Path;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;

use crate::db::{instance_settings, DbConnection};
use crate::privacy::keyfile::SecretKey;

pub const VAPID_FILE_NAME: &str = "vapid.key";
/// How long a push's VAPID token holds (RFC 8292 allows at most 24 hours).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// The key pair, and its public half as browsers take it (`applicationServerKey`).
pub struct VapidKey {
    signing: SigningKey,
    public: String,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl VapidKey {
    /// The key from 32 secret bytes (the file's), as a P-256 private scalar.
    pub fn from_secret(secret: &SecretKey) -> anyhow::Result<Self> {
        let signing = SigningKey::from_slice(secret.bytes())
            .map_err(|_| anyhow::anyhow!("not a P-256 private key"))?;
        let public = URL_SAFE_NO_PAD.encode(
            signing
                .verifying_key()
                .as_affine()
                .to_encoded_point(false)
                .as_bytes(),
        );
        Ok(VapidKey { signing, public })
    }

    /// The public key, base64url without padding, uncompressed (65 bytes).
    pub fn public_key(&self) -> &str {
        &self.public
    }

    /// `Authorization: vapid t=<JWT>, k=<public key>` for a push service at `origin`
    /// (`https://host[:port]`); `subject` is how the push service may reach the site.
    /// The token is a JWT (RFC 7519) signed with ES256: `aud` the push service's origin, `exp`
    /// `TOKEN_LIFETIME` from now, `sub` the contact.
    pub fn authorization(&self, origin: &str, subject: &str) -> anyhow::Result<String> {
        let expires = chrono::Utc::now().timestamp() + TOKEN_LIFETIME.as_secs() as i64;
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&serde_json::json!({
            "aud": origin,
            "exp": expires,
            "sub": subject,
        }))?);
        let signed = format!("{header}.{claims}");
        // ES256: the signature is r and s, 32 bytes each (RFC 7518, section 3.4).
        let signature: Signature = self.signing.sign(signed.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(signature.to_bytes());
        Ok(format!("vapid t={signed}.{signature}, k={}", self.public))
    }
}

/// The VAPID key in `data_dir`, made on first use. Refused, with one line naming the file, when
/// the file is missing or another one while phones are subscribed with the key the database
/// remembers: they would silently stop getting alerts. With no phone subscribed, a missing or
/// other file is simply the key from now on (a restore without it loses nothing).
pub fn unlock(data_dir: &Path, conn: &mut DbConnection) -> anyhow::Result<VapidKey> {
    let path = data_dir.join(VAPID_FILE_NAME);
    let remembered = instance_settings::vapid_public_key(conn)?;
    let subscribed = crate::db::push::any(conn)?;
    let secret = match SecretKey::read(&path)? {
        Some(secret) => secret,
        None if remembered.is_some() && subscribed => anyhow::bail!(
            "the Web Push key file {} is missing, and phones subscribed with it: restore it from \
             a backup",
            path.display()
        ),
        None => SecretKey::create(&path)?,
    };
    let key = VapidKey::from_secret(&secret).map_err(|error| {
        anyhow::anyhow!(
            "the Web Push key file {} is damaged: {error}",
            path.display()
        )
    })?;
    let standing = match remembered {
        Some(remembered) if remembered != key.public_key() && !subscribed => {
            instance_settings::replace_vapid_public_key(conn, key.public_key())?;
            key.public_key().to_string()
        }
        Some(remembered) => remembered,
        None => instance_settings::remember_vapid_public_key(conn, key.public_key())?,
    };
    if standing != key.public_key() {
        anyhow::bail!(
            "the Web Push key file {} is not the one phones subscribed with: restore the right \
             one from a backup",
            path.display()
        );
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_key_is_an_uncompressed_point_and_the_token_names_the_origin() {
        let key = VapidKey::from_secret(&SecretKey::from_raw([3u8; 32])).expect("a key");
        let public = URL_SAFE_NO_PAD.decode(key.public_key()).expect("base64url");
        assert_eq!(public.len(), 65);
        assert_eq!(public[0], 4);
        let header = key
            .authorization("https://push.example.org", "https://events.example.org")
            .expect("signed");
        let token = header
            .strip_prefix("vapid t=")
            .and_then(|rest| rest.split(", k=").next())
            .expect("a token");
        assert_eq!(token.split('.').count(), 3, "header, claims, signature");
        let claims = token.split('.').nth(1).expect("claims");
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).expect("base64url"))
                .expect("JSON");
        assert_eq!(claims["aud"], "https://push.example.org");
        assert_eq!(claims["sub"], "https://events.example.org");
        assert!(header.ends_with(&format!(", k={}", key.public_key())));
        assert!(!format!("{key:?}").contains("signing"));
    }
}
