//! Organizer sessions and API tokens. Both are stored only as hashes of the secret the
//! organizer holds, so a copy of the database cannot be used to sign in.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::organizers::Organizer;
use super::schema::{api_tokens, organizer_sessions, organizers};
use super::DbConnection;
use crate::domain::event::to_naive;

pub fn create_session(
    conn: &mut DbConnection,
    token_hash: &str,
    organizer_id: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(organizer_sessions::table)
        .values((
            organizer_sessions::token_hash.eq(token_hash),
            organizer_sessions::organizer_id.eq(organizer_id),
            organizer_sessions::created_at.eq(to_naive(now)),
            organizer_sessions::expires_at.eq(to_naive(expires_at)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The enabled organizer whose unexpired session has this hash.
pub fn organizer_for_session(
    conn: &mut DbConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<Organizer>> {
    organizer_sessions::table
        .inner_join(organizers::table)
        .filter(organizer_sessions::token_hash.eq(token_hash))
        .filter(organizer_sessions::expires_at.gt(to_naive(now)))
        .filter(organizers::disabled.eq(false))
        .select(Organizer::as_select())
        .first(conn)
        .optional()
}

/// End one session (signing out) and tell live connections on every instance to re-check.
/// Returns whose session it was, if it still existed.
pub fn delete_session(conn: &mut DbConnection, token_hash: &str) -> QueryResult<Option<String>> {
    let organizer_id = organizer_sessions::table
        .find(token_hash)
        .select(organizer_sessions::organizer_id)
        .first::<String>(conn)
        .optional()?;
    if let Some(organizer_id) = &organizer_id {
        diesel::delete(organizer_sessions::table.find(token_hash)).execute(conn)?;
        super::notice::send(
            conn,
            &super::notice::Notice::Credentials {
                organizer_id: organizer_id.to_string(),
            },
        )?;
    }
    Ok(organizer_id)
}

/// End every session of an organizer except, optionally, the one in use (and tell live
/// connections on every instance to re-check).
pub fn delete_other_sessions(
    conn: &mut DbConnection,
    organizer_id: &str,
    keep_hash: &str,
) -> QueryResult<()> {
    diesel::delete(
        organizer_sessions::table
            .filter(organizer_sessions::organizer_id.eq(organizer_id))
            .filter(organizer_sessions::token_hash.ne(keep_hash)),
    )
    .execute(conn)?;
    super::notice::send(
        conn,
        &super::notice::Notice::Credentials {
            organizer_id: organizer_id.to_string(),
        },
    )
}

pub fn delete_expired_sessions(conn: &mut DbConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(
        organizer_sessions::table.filter(organizer_sessions::expires_at.le(to_naive(now))),
    )
    .execute(conn)
}

pub fn create_api_token(
    conn: &mut DbConnection,
    token_hash: &str,
    organizer_id: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::token_hash.eq(token_hash),
            api_tokens::organizer_id.eq(organizer_id),
            api_tokens::created_at.eq(to_naive(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The enabled organizer holding the API token with this hash.
pub fn organizer_for_api_token(
    conn: &mut DbConnection,
    token_hash: &str,
) -> QueryResult<Option<Organizer>> {
    api_tokens::table
        .inner_join(organizers::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(organizers::disabled.eq(false))
        .select(Organizer::as_select())
        .first(conn)
        .optional()
}
