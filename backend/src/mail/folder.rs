//! The `file://` mail transport, chosen on purpose (tests, a trial install): each message is one
//! `.eml` file that only the server's user may read (files 0600 in a 0700 folder), named after
//! the RSVP it was for, so that its files go when that RSVP's personal data goes (delete me,
//! cancel, a removed address, purge).

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;

use crate::db::{self, DbConnection};

/// A folder of messages named `<rsvp id>.<outbox id>.eml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFolder {
    path: PathBuf,
}

impl MailFolder {
    /// The folder at `path`, not touched yet (for removing files).
    pub fn at(path: PathBuf) -> Self {
        MailFolder { path }
    }

    /// Create the folder if it is missing, and make it the server user's alone.
    pub fn open(path: PathBuf) -> anyhow::Result<Self> {
        let cannot = |error: std::io::Error| {
            anyhow::anyhow!("cannot prepare the mail folder {}: {error}", path.display())
        };
        std::fs::create_dir_all(&path).map_err(cannot)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))
                .map_err(cannot)?;
        }
        Ok(MailFolder { path })
    }

    /// Write one message. It is written under a dot name and renamed, so that a reader never
    /// sees half a file; the file is 0600 from its creation, never readable by others.
    pub fn write(&self, rsvp_id: &str, outbox_id: &str, message: &[u8]) -> std::io::Result<()> {
        let name = format!("{rsvp_id}.{outbox_id}.eml");
        let partial = self.path.join(format!(".{name}"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&partial)?;
        file.write_all(message)?;
        file.sync_all()?;
        std::fs::rename(&partial, self.path.join(name))
    }

    /// Remove every message written for one RSVP; returns how many went.
    pub fn forget(&self, rsvp_id: &str) -> std::io::Result<usize> {
        self.remove_where(|id| id == rsvp_id)
    }

    /// Remove the messages of every RSVP that is gone, purged or cancelled; returns how many
    /// went. Catches what no request removed: the purge, or a server stopped mid-way.
    pub fn sweep(&self, conn: &mut DbConnection) -> anyhow::Result<usize> {
        let ids: Vec<String> = self.rsvp_ids()?.into_iter().collect();
        if ids.is_empty() {
            return Ok(0);
        }
        let kept = db::outbox::still_current(conn, &ids)?;
        Ok(self.remove_where(|id| !kept.contains(id))?)
    }

    /// The RSVPs that have messages in the folder.
    fn rsvp_ids(&self) -> std::io::Result<HashSet<String>> {
        let mut ids = HashSet::new();
        for entry in self.entries()? {
            if let Some(id) = rsvp_of(&entry) {
                ids.insert(id.to_string());
            }
        }
        Ok(ids)
    }

    fn entries(&self) -> std::io::Result<Vec<String>> {
        let listing = match std::fs::read_dir(&self.path) {
            Ok(listing) => listing,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(error),
        };
        let mut names = Vec::new();
        for entry in listing {
            names.push(entry?.file_name().to_string_lossy().into_owned());
        }
        Ok(names)
    }

    fn remove_where(&self, doomed: impl Fn(&str) -> bool) -> std::io::Result<usize> {
        let mut removed = 0;
        for name in self.entries()? {
            if rsvp_of(&name).is_some_and(&doomed) {
                match std::fs::remove_file(self.path.join(&name)) {
                    Ok(()) => removed += 1,
                    // Removed meanwhile by another request or instance.
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                    Err(error) => return Err(error),
                }
            }
        }
        Ok(removed)
    }
}

/// The RSVP id a message file (or a half-written one) is named after.
fn rsvp_of(name: &str) -> Option<&str> {
    let name = name.strip_prefix('.').unwrap_or(name);
    let rest = name.strip_suffix(".eml")?;
    rest.split_once('.').map(|(rsvp_id, _)| rsvp_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> MailFolder {
        let path =
            std::env::temp_dir().join(format!("umbrella-mail-{}", uuid::Uuid::new_v4().simple()));
        MailFolder::open(path).expect("folder")
    }

    #[test]
    fn files_are_private_and_go_with_their_rsvp() {
        let folder = folder();
        folder.write("rsvp-a", "row-1", b"one").expect("written");
        folder.write("rsvp-a", "row-2", b"two").expect("written");
        folder.write("rsvp-b", "row-3", b"three").expect("written");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |path: &std::path::Path| {
                std::fs::metadata(path)
                    .expect("metadata")
                    .permissions()
                    .mode()
                    & 0o777
            };
            assert_eq!(mode(&folder.path), 0o700);
            assert_eq!(mode(&folder.path.join("rsvp-a.row-1.eml")), 0o600);
        }
        assert_eq!(folder.forget("rsvp-a").expect("removed"), 2);
        let left = folder.entries().expect("listed");
        assert_eq!(left, vec!["rsvp-b.row-3.eml".to_string()]);
        assert_eq!(folder.forget("rsvp-a").expect("nothing left"), 0);
        std::fs::remove_dir_all(&folder.path).expect("cleaned up");
    }

    #[test]
    fn only_message_files_name_an_rsvp() {
        assert_eq!(rsvp_of("abc.def.eml"), Some("abc"));
        assert_eq!(rsvp_of(".abc.def.eml"), Some("abc"));
        assert_eq!(rsvp_of("notes.txt"), None);
        assert_eq!(rsvp_of("plain.eml"), None);
    }
}
