//! Where email goes: an SMTP server (`smtp://` with STARTTLS when the server offers it, or as
//! the URL's `?tls=` says; `smtps://` with TLS from the start) or `.eml` files in a folder
//! (`file://`, the default, so a new install works with no mail server). The setting is checked
//! when it is read, so a broken one stops the start with a one-line message.

use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncFileTransport, AsyncTransport, Message, Tokio1Executor};

/// How long one SMTP exchange may take before it counts as failed (and is retried).
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// SMTP connections kept open and used at once. lettre 0.11.23 leaves Nagle's algorithm on, so
/// each message waits out the server's delayed ACK (about 40 ms) before its final dot goes
/// (fixed upstream in lettre PR #1159, not yet released); 16 connections keep 10,000 reminders
/// within a minute even so.
pub const SMTP_CONNECTIONS: u32 = 16;

/// The `--mail-url` setting, checked.
#[derive(Clone, PartialEq, Eq)]
pub enum MailUrl {
    /// Write each message as a `.eml` file into this folder.
    Folder(PathBuf),
    /// An SMTP URL as lettre reads it (`?tls=opportunistic` added when the URL says nothing).
    Smtp(String),
}

impl std::fmt::Debug for MailUrl {
    // An SMTP URL may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MailUrl::Folder(path) => write!(f, "file://{}", path.display()),
            MailUrl::Smtp(url) if url.starts_with("smtps:") => f.write_str("smtps://…"),
            MailUrl::Smtp(_) => f.write_str("smtp://…"),
        }
    }
}

/// Read `--mail-url`: `file:///PATH`, `smtp://[USER:PASS@]HOST[:PORT][?tls=required|opportunistic|none]`
/// or `smtps://[USER:PASS@]HOST[:PORT]`.
pub fn parse_mail_url(raw: &str) -> Result<MailUrl, String> {
    let raw = raw.trim();
    if let Some(path) = raw.strip_prefix("file://") {
        if path.is_empty() {
            return Err("the folder after file:// is empty".into());
        }
        return Ok(MailUrl::Folder(PathBuf::from(path)));
    }
    let mut url = url::Url::parse(raw).map_err(|error| format!("not a URL: {error}"))?;
    match url.scheme() {
        "smtp" => {
            let tls = url
                .query_pairs()
                .find(|(key, _)| key == "tls")
                .map(|(_, value)| value.into_owned());
            match tls.as_deref() {
                // The default: STARTTLS whenever the server offers it.
                None => {
                    url.query_pairs_mut().append_pair("tls", "opportunistic");
                }
                Some("required" | "opportunistic") => {}
                // Plain text, e.g. to a relay on the same machine.
                Some("none") => url.set_query(None),
                Some(other) => {
                    return Err(format!(
                        "tls={other} is not understood (use required, opportunistic or none)"
                    ))
                }
            }
        }
        "smtps" => {}
        other => {
            return Err(format!(
                "{other}:// is not a mail URL (use file:///PATH, smtp://… or smtps://…)"
            ))
        }
    }
    let url = url.to_string();
    AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
        .map_err(|error| format!("the SMTP URL is not usable: {error}"))?;
    Ok(MailUrl::Smtp(url))
}

/// Why a message did not go. The text never holds the server's reply, which may quote the
/// recipient's address: only its code.
#[derive(Debug)]
pub enum SendError {
    /// Worth trying again later (a 4xx reply, a dropped connection, a timeout).
    Transient(String),
    /// Trying again will not help (a 5xx reply).
    Permanent(String),
}

/// A configured mail transport, shared by the outbox worker.
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(AsyncFileTransport<Tokio1Executor>),
}

impl Transport {
    /// Build the transport; `default_folder` is used when no mail URL is set.
    pub fn new(url: Option<&MailUrl>, default_folder: PathBuf) -> anyhow::Result<Self> {
        match url {
            Some(MailUrl::Smtp(url)) => {
                let pool = lettre::transport::smtp::PoolConfig::new().max_size(SMTP_CONNECTIONS);
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|error| anyhow::anyhow!("--mail-url is not usable: {error}"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .pool_config(pool)
                    .build();
                Ok(Transport::Smtp(transport))
            }
            Some(MailUrl::Folder(folder)) => Self::folder(folder.clone()),
            None => Self::folder(default_folder),
        }
    }

    fn folder(folder: PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&folder).map_err(|error| {
            anyhow::anyhow!(
                "cannot create the mail folder {}: {error}",
                folder.display()
            )
        })?;
        tracing::warn!(
            folder = %folder.display(),
            "email is written to files, not sent (set --mail-url to an SMTP server); \
             the files hold addresses and manage links in plain text, so delete them"
        );
        Ok(Transport::Folder(AsyncFileTransport::new(folder)))
    }

    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|error| {
                let code = error
                    .status()
                    .map(|code| code.to_string())
                    .unwrap_or_else(|| "no reply".into());
                if error.is_permanent() {
                    SendError::Permanent(format!("SMTP refused it ({code})"))
                } else {
                    SendError::Transient(format!("SMTP did not take it ({code})"))
                }
            }),
            Transport::Folder(folder) => folder.send(message).await.map(|_| ()).map_err(|error| {
                SendError::Transient(format!("could not write the file: {error}"))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_kind_of_mail_url() {
        assert_eq!(
            parse_mail_url("file:///var/mail/out"),
            Ok(MailUrl::Folder(PathBuf::from("/var/mail/out")))
        );
        let MailUrl::Smtp(plain) =
            parse_mail_url("smtp://user:pw@mail.example.org:587").expect("smtp")
        else {
            panic!("not smtp")
        };
        assert!(plain.ends_with("?tls=opportunistic"), "{plain}");
        let MailUrl::Smtp(required) =
            parse_mail_url("smtp://mail.example.org?tls=required").expect("smtp")
        else {
            panic!("not smtp")
        };
        assert!(required.ends_with("?tls=required"), "{required}");
        let MailUrl::Smtp(none) = parse_mail_url("smtp://127.0.0.1:2525?tls=none").expect("smtp")
        else {
            panic!("not smtp")
        };
        assert!(!none.contains("tls"), "{none}");
        assert!(parse_mail_url("smtps://mail.example.org").is_ok());
    }

    #[test]
    fn refuses_broken_mail_urls_and_hides_passwords() {
        assert!(parse_mail_url("ftp://mail.example.org").is_err());
        assert!(parse_mail_url("file://").is_err());
        assert!(parse_mail_url("smtp://mail.example.org?tls=maybe").is_err());
        assert!(parse_mail_url("smtp://").is_err());
        let url = parse_mail_url("smtp://user:secret@mail.example.org").expect("smtp");
        assert!(!format!("{url:?}").contains("secret"));
    }
}
