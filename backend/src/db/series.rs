//! Series: occurrences stored together, read in time order, and "this and following" edits and
//! cancellations written in one transaction (each occurrence through `event_changes`, so each
//! one's waitlist, notices and reminders move with it and only its own RSVPs hear of it).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::events;
use super::{audit, event_changes, DbConnection, Error};
use crate::domain::audit::Action;
use crate::domain::event::{to_naive, Event, EventDraft};

/// Store every occurrence of a new series (already carrying its `series_id`), with an audit
/// entry each, all or none.
pub fn insert(
    conn: &mut DbConnection,
    occurrences: &[Event],
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    super::write_transaction(conn, |conn| {
        for event in occurrences {
            super::events::insert(conn, event, Some(created_by))?;
            audit::record(conn, Some(created_by), Action::EventCreated, &event.id, now)?;
        }
        Ok(())
    })
}

/// Every occurrence of a series, in time order (empty for an unknown series).
pub fn occurrences(conn: &mut DbConnection, series_id: &str) -> Result<Vec<Event>, Error> {
    if series_id.contains('\0') {
        return Ok(Vec::new()); // as in `events::find`
    }
    let rows = events::table
        .select((super::events::EventRow::as_select(), events::places_taken))
        .filter(events::series_id.eq(series_id))
        .order((events::starts_at.asc(), events::id.asc()))
        .load(conn)?;
    super::events::with_tags(conn, rows)
}

/// `event` and the occurrences of its series that start after it (in time order); just
/// `event` when it is not part of a series.
pub fn this_and_following(conn: &mut DbConnection, event: &Event) -> Result<Vec<Event>, Error> {
    let Some(series_id) = &event.series_id else {
        return Ok(vec![event.clone()]);
    };
    let start = to_naive(event.draft.starts_at);
    let rows = events::table
        .select((super::events::EventRow::as_select(), events::places_taken))
        .filter(events::series_id.eq(series_id))
        .filter(
            events::starts_at.gt(start).or(events::starts_at
                .eq(start)
                .and(events::id.ge(event.id.clone()))),
        )
        .order((events::starts_at.asc(), events::id.asc()))
        .load(conn)?;
    super::events::with_tags(conn, rows)
}

/// One occurrence's edit: its id, the `sequence` it was made over, and its new draft.
pub struct Edit {
    pub id: String,
    pub sequence: i32,
    pub draft: EventDraft,
}

/// Store several occurrences' edits, all or none; `Error::Stale` if any changed meanwhile.
pub fn revise(
    conn: &mut DbConnection,
    actor: &str,
    edits: Vec<Edit>,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, Error> {
    super::write_transaction(conn, |conn| {
        let mut revised = Vec::with_capacity(edits.len());
        for edit in edits {
            let event = event_changes::revise(conn, &edit.id, edit.sequence, edit.draft, now)?;
            audit::record(conn, Some(actor), Action::EventEdited, &edit.id, now)?;
            revised.push(event);
        }
        Ok(revised)
    })
}

/// Cancel these occurrences, all or none (one already cancelled stays as it is).
pub fn cancel(
    conn: &mut DbConnection,
    actor: &str,
    ids: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<Event>, Error> {
    super::write_transaction(conn, |conn| {
        let mut cancelled = Vec::with_capacity(ids.len());
        for id in ids {
            cancelled.push(event_changes::cancel(conn, id, now)?);
            audit::record(conn, Some(actor), Action::EventCancelled, id, now)?;
        }
        Ok(cancelled)
    })
}
