//! Where email goes: an SMTP server (`smtp://` with STARTTLS required unless the URL's `?tls=`
//! says otherwise; `smtps://` with TLS from the start), `.eml` files in a folder chosen on
//! purpose (`file://`, see `folder`), or nowhere: with no mail URL this server sends no email.
//! The setting is checked when it is read, so a broken one stops the start with a one-line
//! message.

use std::time::Duration;

use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use super::folder::MailFolder;
use crate::config::MailUrl;

/// How long one SMTP exchange may take before it counts as failed (and is retried).
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// SMTP connections kept open and used at once. lettre 0.11.23 leaves Nagle's algorithm on, so
/// each message waits out the server's delayed ACK (about 40 ms) before its final dot goes
/// (fixed upstream in lettre PR #1159, not yet released); 16 connections keep 10,000 reminders
/// within a minute even so.
pub const SMTP_CONNECTIONS: u32 = 16;

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
    Folder(MailFolder),
    /// No mail URL: this server sends no email (and takes no addresses).
    Off,
}

impl Transport {
    pub fn new(url: Option<&MailUrl>) -> anyhow::Result<Self> {
        match url {
            Some(MailUrl::Smtp(url)) => {
                let pool = lettre::transport::smtp::PoolConfig::new().max_size(SMTP_CONNECTIONS);
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|error| anyhow::anyhow!("--mail-url is not usable: {error}"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .pool_config(pool)
                    .build();
                Ok(Transport::Smtp(transport))
            }
            Some(MailUrl::Folder(folder)) => {
                let folder = MailFolder::open(folder.clone())?;
                tracing::warn!(
                    "email is written to files, not sent (--mail-url file://); they hold \
                     addresses and manage links, and go with their RSVP"
                );
                Ok(Transport::Folder(folder))
            }
            None => Ok(Transport::Off),
        }
    }

    /// The folder messages are written to, when that is the transport.
    pub fn folder(&self) -> Option<&MailFolder> {
        match self {
            Transport::Folder(folder) => Some(folder),
            _ => None,
        }
    }

    /// Whether this server sends email at all.
    pub fn sends(&self) -> bool {
        !matches!(self, Transport::Off)
    }

    /// Send one message, written for the RSVP `rsvp_id` from the outbox row `outbox_id`.
    pub async fn send(
        &self,
        message: Message,
        rsvp_id: &str,
        outbox_id: &str,
    ) -> Result<(), SendError> {
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
            Transport::Folder(folder) => {
                let (folder, rsvp_id, outbox_id) =
                    (folder.clone(), rsvp_id.to_string(), outbox_id.to_string());
                let bytes = message.formatted();
                tokio::task::spawn_blocking(move || folder.write(&rsvp_id, &outbox_id, &bytes))
                    .await
                    .map_err(|error| SendError::Transient(format!("the writer stopped: {error}")))?
                    .map_err(|error| {
                        SendError::Transient(format!("could not write the file: {error}"))
                    })
            }
            Transport::Off => Err(SendError::Permanent("no mail server is configured".into())),
        }
    }
}

/// The folder a `file://` mail URL names, if that is the setting.
pub fn folder_of(url: Option<&MailUrl>) -> Option<MailFolder> {
    match url {
        Some(MailUrl::Folder(path)) => Some(MailFolder::at(path.clone())),
        _ => None,
    }
}

/// Remove one RSVP's message files when mail goes to a folder. A failure is logged, not raised:
/// the change it follows is already made, and the next purge sweeps again.
pub async fn forget_files(url: Option<&MailUrl>, rsvp_id: String) {
    let Some(folder) = folder_of(url) else {
        return;
    };
    let removed = tokio::task::spawn_blocking(move || folder.forget(&rsvp_id)).await;
    match removed {
        Ok(Ok(_)) => {}
        Ok(Err(error)) => tracing::warn!(error = %error, "could not remove an RSVP's mail files"),
        Err(error) => tracing::warn!(error = %error, "could not remove an RSVP's mail files"),
    }
}
