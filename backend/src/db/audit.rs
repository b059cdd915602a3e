//! The audit log: which organizer did what to which event or organizer, and when. It never
//! holds attendee data (no pseudonym, RSVP token or email): RSVP decisions name the event.
//!
//! An entry is written in the transaction of the action it records: `recorded` wraps the
//! action's own query (whose transaction becomes a savepoint of this one), so either both are
//! stored or neither is.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{audit_log, organizers};
use super::DbConnection;
use super::Error;
use crate::domain::audit::Action;
use crate::domain::event::to_naive;

/// Who did it: an organizer's id, or `None` for the command line.
pub type Actor<'a> = Option<&'a str>;

/// Write one entry (inside the caller's transaction).
pub fn record(
    conn: &mut DbConnection,
    actor: Actor<'_>,
    action: Action,
    target_id: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(uuid::Uuid::new_v4().to_string()),
            audit_log::at.eq(to_naive(now)),
            audit_log::actor_id.eq(actor),
            audit_log::action.eq(action.as_str()),
            audit_log::target_kind.eq(action.target_kind()),
            audit_log::target_id.eq(target_id),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Run `work` and record `action` in the same transaction; nothing is recorded if it fails.
pub fn recorded<T>(
    conn: &mut DbConnection,
    actor: Actor<'_>,
    action: Action,
    target_id: &str,
    work: impl FnOnce(&mut DbConnection) -> Result<T, Error>,
) -> Result<T, Error> {
    super::write_transaction(conn, |conn| {
        let outcome = work(conn)?;
        record(conn, actor, action, target_id, Utc::now())?;
        Ok(outcome)
    })
}

/// One entry as the audit page shows it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct Entry {
    pub at: NaiveDateTime,
    /// The organizer's handle (the log joined with organizers); `None` for the command line.
    #[diesel(select_expression = organizers::handle.nullable())]
    #[diesel(select_expression_type = diesel::dsl::Nullable<organizers::handle>)]
    pub actor_handle: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
}

/// Entries newest first, `limit` from `offset`.
pub fn newest(conn: &mut DbConnection, offset: i64, limit: i64) -> QueryResult<Vec<Entry>> {
    audit_log::table
        .left_join(organizers::table)
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(Entry::as_select())
        .load(conn)
}

/// The entries about one target (an event's changes, say), newest first, at most `limit`.
pub fn about(
    conn: &mut DbConnection,
    target_kind: &str,
    target_id: &str,
    limit: i64,
) -> QueryResult<Vec<Entry>> {
    if target_id.contains('\0') {
        return Ok(Vec::new()); // no id has one, and PostgreSQL refuses the query
    }
    audit_log::table
        .left_join(organizers::table)
        .filter(audit_log::target_kind.eq(target_kind))
        .filter(audit_log::target_id.eq(target_id))
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(limit)
        .select(Entry::as_select())
        .load(conn)
}
