//! Auth core: how organizers prove who they are. Sessions (a cookie) and API tokens (a bearer
//! header) are stored only as hashes; passwords are checked off the database connection
//! (`passwords`); two-step sign-in (`totp`) and sign-in throttling (`throttle`). It takes
//! explicit handles (a connection, the key); what runs on a connection returns the database's
//! error, the rest auth's own `Error`. The actix extractors that ask it who is calling live at
//! the web edge (`extract::organizer`).

pub mod bearer;
pub mod passwords;
pub mod throttle;
pub mod totp;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::db::organizers::Organizer;
use crate::db::{credentials, DbConnection};
use crate::privacy::secrets::hash_token;

pub const SESSION_COOKIE: &str = "umbrella_session";
/// Sessions end this long after sign-in.
pub const SESSION_HOURS: i64 = 12;

/// Why auth could not answer off the database (never a refusal: a wrong password or code is
/// an answer): ours, such as a stored secret that does not read or a password worker that
/// stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0:#}")]
    Internal(anyhow::Error),
}

impl Error {
    pub(crate) fn internal(error: impl Into<anyhow::Error>) -> Self {
        Error::Internal(error.into())
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A session cookie; holds the session's stored hash.
    Session(String),
    ApiToken,
}

/// A signed-in organizer.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub organizer: Organizer,
    pub credential: Credential,
}

/// The credential a request carries.
#[derive(Debug)]
pub enum Presented {
    Bearer(SecretString),
    Cookie(SecretString),
    Nothing,
}

impl Presented {
    /// From the `Authorization` header's value and the session cookie's. A request with an
    /// `Authorization` header that holds no bearer token presents nothing: its cookie is not
    /// read either, so a client that meant to use a token is not signed in by a stray cookie.
    pub fn from_parts(authorization: Option<&str>, session_cookie: Option<&str>) -> Presented {
        if let Some(value) = authorization {
            return match bearer::token(value) {
                Some(token) => Presented::Bearer(token.into()),
                None => Presented::Nothing,
            };
        }
        match session_cookie {
            Some(value) => Presented::Cookie(value.into()),
            None => Presented::Nothing,
        }
    }
}

/// Whose credential this is: the enabled organizer holding this API token or this unexpired
/// session, or `None` (anonymous or not valid).
pub fn signed_in(
    conn: &mut DbConnection,
    presented: &Presented,
    now: DateTime<Utc>,
) -> Result<Option<SignedIn>, crate::db::Error> {
    let signed_in = match presented {
        Presented::Nothing => None,
        Presented::Bearer(token) => {
            let hash = hash_token(token.expose_secret());
            credentials::organizer_for_api_token(conn, &hash)?.map(|organizer| SignedIn {
                organizer,
                credential: Credential::ApiToken,
            })
        }
        Presented::Cookie(token) => {
            let hash = hash_token(token.expose_secret());
            credentials::organizer_for_session(conn, &hash, now)?.map(|organizer| SignedIn {
                organizer,
                credential: Credential::Session(hash),
            })
        }
    };
    Ok(signed_in)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(presented: &Presented) -> Option<(&'static str, &str)> {
        match presented {
            Presented::Bearer(token) => Some(("bearer", token.expose_secret())),
            Presented::Cookie(token) => Some(("cookie", token.expose_secret())),
            Presented::Nothing => None,
        }
    }

    #[test]
    fn a_bearer_header_decides_and_a_cookie_counts_only_without_one() {
        let both = Presented::from_parts(Some("Bearer tok"), Some("sess"));
        assert_eq!(shown(&both), Some(("bearer", "tok")));
        let cookie = Presented::from_parts(None, Some("sess"));
        assert_eq!(shown(&cookie), Some(("cookie", "sess")));
        let other_scheme = Presented::from_parts(Some("Basic dXNlcjpwdw=="), Some("sess"));
        assert_eq!(shown(&other_scheme), None, "the cookie is not read");
        assert_eq!(shown(&Presented::from_parts(None, None)), None);
    }

    #[test]
    fn presented_secrets_never_print() {
        let presented = Presented::from_parts(Some("Bearer umb_secret"), None);
        assert!(!format!("{presented:?}").contains("umb_secret"));
    }
}
