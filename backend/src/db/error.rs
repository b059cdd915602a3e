//! `db::Error`: what a database call can fail with, in the store's own words. It knows nothing
//! of HTTP; the web edge maps it to a response in one place (`crate::error`).

use crate::domain::admission::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The row asked for is not there (or no longer there).
    #[error("not found")]
    NotFound,
    /// The product's rules refuse the change in the state the rows are in now.
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// The row changed after the caller read it; read it again and remake the change.
    #[error("this was changed meanwhile; try again")]
    Stale,
    /// A unique value is already taken (a handle, say).
    #[error("{0}")]
    Taken(String),
    /// No connection could be had in time.
    #[error("no database connection available: {0}")]
    Unavailable(#[from] r2d2::Error),
    /// A query failed, or a stored value is not one this version understands.
    #[error("database error: {0:#}")]
    Internal(anyhow::Error),
}

impl Error {
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Error::Internal(error.into())
    }

    /// A stored value this version does not understand: never coerced into something else.
    /// (The value itself stays out of the message: logs hold no row data.)
    pub fn unexpected(table: &str, column: &str) -> Self {
        Error::Internal(anyhow::anyhow!("unexpected value in {table}.{column}"))
    }
}

impl Error {
    /// For commands, which print the error: the cause itself when it is ours.
    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            Error::Internal(cause) => cause,
            other => anyhow::anyhow!("{other}"),
        }
    }
}

impl From<diesel::result::Error> for Error {
    fn from(error: diesel::result::Error) -> Self {
        match error {
            diesel::result::Error::NotFound => Error::NotFound,
            other => Error::Internal(other.into()),
        }
    }
}

impl From<actix_web::error::BlockingError> for Error {
    fn from(error: actix_web::error::BlockingError) -> Self {
        Error::Internal(anyhow::anyhow!("blocking task failed: {error}"))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
