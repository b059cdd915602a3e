//! The secret key file in the data directory: 32 random bytes, created once with mode 0600.
//! Later features seal personal data and sign links with it; it never enters the database.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use rand::RngCore;

pub const KEY_FILE_NAME: &str = "umbrella.key";
const KEY_BYTES: usize = 32;

/// The instance's secret key. Its `Debug` never prints the bytes.
#[derive(Clone)]
pub struct SecretKey([u8; KEY_BYTES]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl SecretKey {
    /// Read the key file, creating the data directory and a fresh key if they are missing.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir).with_context(|| {
            format!("could not create the data directory {}", data_dir.display())
        })?;
        let path = data_dir.join(KEY_FILE_NAME);
        match std::fs::read(&path) {
            Ok(bytes) => Self::from_bytes(&bytes, &path),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Self::create(&path),
            Err(error) => Err(error).with_context(|| format!("could not read {}", path.display())),
        }
    }

    fn from_bytes(bytes: &[u8], path: &Path) -> anyhow::Result<Self> {
        let key: [u8; KEY_BYTES] = bytes.try_into().map_err(|_| {
            anyhow::anyhow!(
                "the key file {} is damaged (expected {KEY_BYTES} bytes); restore it from a backup",
                path.display()
            )
        })?;
        Ok(SecretKey(key))
    }

    fn create(path: &Path) -> anyhow::Result<Self> {
        let mut key = [0u8; KEY_BYTES];
        rand::rng().fill_bytes(&mut key);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(path)
            .with_context(|| format!("could not create the key file {}", path.display()))?;
        file.write_all(&key)?;
        file.sync_all()?;
        tracing::info!(path = %path.display(), "created a new secret key file; back it up");
        Ok(SecretKey(key))
    }

    /// A key from raw bytes (tests and tools; the server reads the key file).
    pub fn from_raw(bytes: [u8; KEY_BYTES]) -> Self {
        SecretKey(bytes)
    }

    pub fn bytes(&self) -> &[u8; KEY_BYTES] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_created_private_and_then_reused() {
        let dir = std::env::temp_dir().join(format!("umbrella-key-{}", uuid::Uuid::new_v4()));
        let first = SecretKey::load_or_create(&dir).expect("created");
        let second = SecretKey::load_or_create(&dir).expect("read back");
        assert_eq!(first.bytes(), second.bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(KEY_FILE_NAME))
                .expect("exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(dir.join(KEY_FILE_NAME), b"short").expect("written");
        assert!(SecretKey::load_or_create(&dir).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
