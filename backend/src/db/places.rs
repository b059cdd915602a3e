//! A going RSVP's places on PostgreSQL, taken by one prepared statement: the conditional update
//! of the event's count, the RSVP row and the reminders it is owed, together or not at all.
//! One round trip in autocommit, so the event's row is held only for that statement and its
//! commit; prepared once per connection, so PostgreSQL parses it once (and after five runs may
//! keep one generic plan).

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text, Timestamp};
use diesel::{PgConnection, QueryResult, RunQueryDsl};

use super::outbox::OwedColumns;
use crate::domain::message::MessageState;

/// What the statement writes. The places are taken only while the event is as it was read (the
/// same `sequence`) and the RSVP fits; the row is inserted only when they were; its messages
/// only when the row was.
pub struct TakePlaces<'a> {
    pub places: i32,
    pub event_id: &'a str,
    pub sequence: i32,
    pub rsvp_id: &'a str,
    pub token_hash: Option<&'a str>,
    pub pseudonym: Option<&'a str>,
    pub guests: i32,
    pub role: Option<&'a str>,
    pub needs: Option<&'a str>,
    pub email_sealed: Option<&'a str>,
    pub status: &'a str,
    pub created_at: NaiveDateTime,
    pub token_sealed: Option<&'a str>,
    pub language: &'a str,
    pub answers_sealed: Option<&'a str>,
    /// Empty for an RSVP that left no address.
    pub owed: &'a OwedColumns,
}

impl TakePlaces<'_> {
    /// `true` when the places were taken and everything written; `false`, with nothing written,
    /// when the event changed since it was read or the RSVP no longer fits.
    pub fn run(self, pg: &mut PgConnection) -> QueryResult<bool> {
        let stored: i64 = self.get_result(pg)?;
        Ok(stored == 1)
    }
}

impl QueryFragment<Pg> for TakePlaces<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH taken AS (UPDATE events SET places_taken = places_taken + ");
        out.push_bind_param::<Integer, _>(&self.places)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<Text, _>(&self.event_id)?;
        out.push_sql(" AND sequence = ");
        out.push_bind_param::<Integer, _>(&self.sequence)?;
        out.push_sql(" AND (capacity IS NULL OR places_taken + ");
        out.push_bind_param::<Integer, _>(&self.places)?;
        out.push_sql(
            " <= capacity) RETURNING id), \
             stored AS (INSERT INTO rsvps (id, event_id, token_hash, pseudonym, guests, role, \
             needs, email_sealed, status, approved, created_at, updated_at, purged, \
             token_sealed, language, answers_sealed) SELECT ",
        );
        out.push_bind_param::<Text, _>(&self.rsvp_id)?;
        out.push_sql(", taken.id, ");
        out.push_bind_param::<Nullable<Text>, _>(&self.token_hash)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&self.pseudonym)?;
        out.push_sql(", ");
        out.push_bind_param::<Integer, _>(&self.guests)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&self.role)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&self.needs)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&self.email_sealed)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&self.status)?;
        out.push_sql(", FALSE, ");
        out.push_bind_param::<Timestamp, _>(&self.created_at)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.created_at)?;
        out.push_sql(", FALSE, ");
        out.push_bind_param::<Nullable<Text>, _>(&self.token_sealed)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&self.language)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&self.answers_sealed)?;
        out.push_sql(
            " FROM taken RETURNING id, event_id), \
             owed AS (INSERT INTO outbox (id, rsvp_id, event_id, kind, offset_minutes, state, \
             due_at, next_attempt_at, attempts, created_at) SELECT message.id, stored.id, \
             stored.event_id, message.kind, message.offset_minutes, ",
        );
        out.push_bind_param::<Text, _>(MessageState::Pending.as_str())?;
        out.push_sql(", message.due_at, message.due_at, 0, ");
        out.push_bind_param::<Timestamp, _>(&self.created_at)?;
        out.push_sql(" FROM stored CROSS JOIN unnest(");
        out.push_bind_param::<Array<Text>, _>(&self.owed.ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.owed.kinds)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Integer>, _>(&self.owed.offsets)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Timestamp>, _>(&self.owed.dues)?;
        out.push_sql(
            ") AS message(id, kind, offset_minutes, due_at)) \
             SELECT count(*) FROM stored",
        );
        Ok(())
    }
}

/// The SQL is the same every time (only the bound values differ), so diesel keeps it prepared
/// per connection, keyed by its text.
impl QueryId for TakePlaces<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for TakePlaces<'_> {
    type SqlType = BigInt;
}

impl RunQueryDsl<PgConnection> for TakePlaces<'_> {}
