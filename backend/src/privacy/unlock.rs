//! Unlocking the instance's key at start: the key file in the data directory, checked against
//! the fingerprint the database remembers, so a server never seals with a key that cannot open
//! what is already stored.

use std::path::Path;

use anyhow::Context;

use super::keyfile::{SecretKey, KEY_FILE_NAME};
use crate::db::{instance_settings, DbConnection};

/// The key file in `data_dir` for the database behind `conn`. A fresh database without a key
/// file gets a new key. Refused, with one line naming the file, and with nothing written: a
/// missing key file when the database remembers a key (or holds sealed data from before it
/// remembered one), and a key file other than the one the database remembers.
pub fn unlock(data_dir: &Path, conn: &mut DbConnection) -> anyhow::Result<SecretKey> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("could not create the data directory {}", data_dir.display()))?;
    let path = data_dir.join(KEY_FILE_NAME);
    let remembered = instance_settings::key_fingerprint(conn)?;
    let key = match SecretKey::read(&path)? {
        Some(key) => key,
        None if remembered.is_some() || instance_settings::holds_sealed_data(conn)? => {
            anyhow::bail!(
                "the key file {} is missing, and this database was used with one: restore it \
                 from a backup (a new key could not open what the old one sealed)",
                path.display()
            )
        }
        None => SecretKey::create(&path)?,
    };
    let fingerprint = key.fingerprint();
    let standing = match remembered {
        Some(remembered) => remembered,
        None => instance_settings::remember_key_fingerprint(conn, &fingerprint)?,
    };
    if standing != fingerprint {
        anyhow::bail!(
            "the key file {} is not the one this database was used with: restore the right one \
             from a backup",
            path.display()
        );
    }
    Ok(key)
}
