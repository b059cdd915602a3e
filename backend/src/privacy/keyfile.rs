//! The secret key file in the data directory: 32 random bytes, created once with mode 0600.
//! Personal data is sealed with it; it never enters the database, which keeps only its
//! fingerprint, so that a start with a different or missing key file is refused (`unlock`).

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox};
use sha2::{Digest, Sha256};

pub const KEY_FILE_NAME: &str = "umbrella.key";
const KEY_BYTES: usize = 32;
/// What the fingerprint hashes before the key, so it is not a hash of the bare key that any
/// other use of SHA-256 over it could match.
const FINGERPRINT_LABEL: &[u8] = b"umbrella key fingerprint v1\n";

/// The instance's secret key: never printed, and wiped from memory when dropped.
#[derive(Debug)]
pub struct SecretKey(SecretBox<[u8; KEY_BYTES]>);

impl SecretKey {
    /// The key in the file at `path`, or `None` if there is no file.
    pub fn read(path: &Path) -> anyhow::Result<Option<Self>> {
        match std::fs::read(path) {
            Ok(bytes) => Self::from_bytes(&bytes, path).map(Some),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
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
        Ok(SecretKey::from_raw(key))
    }

    /// Write a new key file, whole or not at all: written beside it and then linked into place,
    /// so instances starting together on one data directory all end up with the same key.
    pub fn create(path: &Path) -> anyhow::Result<Self> {
        let mut key = [0u8; KEY_BYTES];
        rand::rng().fill_bytes(&mut key);
        let draft = path.with_extension(format!("key.new-{}", uuid::Uuid::new_v4().simple()));
        let written = Self::write_new(&draft, &key).and_then(|()| {
            std::fs::hard_link(&draft, path)
                .with_context(|| format!("could not create the key file {}", path.display()))
        });
        let _ = std::fs::remove_file(&draft);
        match written {
            Ok(()) => {
                tracing::info!(path = %path.display(), "created a new secret key file; back it up");
                Ok(SecretKey::from_raw(key))
            }
            // Another instance made it first: use that one.
            Err(_) if path.exists() => Self::read(path)?
                .ok_or_else(|| anyhow::anyhow!("the key file {} vanished", path.display())),
            Err(error) => Err(error),
        }
    }

    fn write_new(path: &Path, key: &[u8; KEY_BYTES]) -> anyhow::Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(path)
            .with_context(|| format!("could not create the key file {}", path.display()))?;
        file.write_all(key)?;
        file.sync_all()?;
        Ok(())
    }

    /// What the database remembers of the key: a labelled SHA-256, in hex. It tells keys apart
    /// and reveals nothing of them.
    pub fn fingerprint(&self) -> String {
        Sha256::new()
            .chain_update(FINGERPRINT_LABEL)
            .chain_update(self.0.expose_secret())
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// A key from raw bytes (tests and tools; the server reads the key file).
    pub fn from_raw(bytes: [u8; KEY_BYTES]) -> Self {
        SecretKey(SecretBox::new(Box::new(bytes)))
    }

    pub fn bytes(&self) -> &[u8; KEY_BYTES] {
        self.0.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_created_private_and_then_reused() {
        let dir = std::env::temp_dir().join(format!("umbrella-key-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("folder");
        let path = dir.join(KEY_FILE_NAME);
        assert!(SecretKey::read(&path)
            .expect("no file is no error")
            .is_none());
        let first = SecretKey::create(&path).expect("created");
        let second = SecretKey::read(&path).expect("read").expect("there");
        assert_eq!(first.bytes(), second.bytes());
        let again = SecretKey::create(&path).expect("the existing key");
        assert_eq!(
            again.bytes(),
            first.bytes(),
            "a second start keeps the first key"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let names: Vec<_> = std::fs::read_dir(&dir)
            .expect("listed")
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name())
            .collect();
        assert_eq!(names.len(), 1, "no draft is left behind: {names:?}");
        std::fs::write(&path, b"short").expect("written");
        assert!(SecretKey::read(&path).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn fingerprints_tell_keys_apart_and_are_not_the_key() {
        let one = SecretKey::from_raw([1; KEY_BYTES]);
        let other = SecretKey::from_raw([2; KEY_BYTES]);
        assert_eq!(
            one.fingerprint(),
            SecretKey::from_raw([1; KEY_BYTES]).fingerprint()
        );
        assert_ne!(one.fingerprint(), other.fingerprint());
        assert_eq!(one.fingerprint().len(), 64);
        let bare: String = Sha256::digest([1u8; KEY_BYTES])
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert_ne!(
            one.fingerprint(),
            bare,
            "labelled, not a hash of the bare key"
        );
    }
}
