//! Live updates and presence. An update gets the event's next sequence number inside a write
//! transaction that holds the event's lock, so numbers are dense and never reused; a location
//! update also becomes the event's location (calendars see the change) when the access policy
//! says everyone who may see that location hears the update (safety rule 10).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::notice::{self, Notice};
use super::schema::{events, live_updates, rsvps};
use super::DbConnection;
use super::Error;
use crate::domain::access;
use crate::domain::event::{from_naive, to_naive, Role};
use crate::domain::live::{Audience, LiveUpdate, UpdateDraft, UpdateKind};
use crate::domain::rsvp::RsvpStatus;

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = live_updates)]
struct UpdateRow {
    event_id: String,
    seq: i32,
    kind: UpdateKind,
    audience: String,
    text: String,
    location: Option<String>,
    created_at: NaiveDateTime,
}

impl UpdateRow {
    fn into_update(self) -> Result<LiveUpdate, Error> {
        let unexpected = |column: &str| Error::unexpected("live_updates", column);
        Ok(LiveUpdate {
            kind: self.kind,
            audience: Audience::parse(&self.audience).ok_or_else(|| unexpected("audience"))?,
            event_id: self.event_id,
            seq: self.seq,
            text: self.text,
            location: self.location,
            created_at: from_naive(self.created_at),
        })
    }
}

/// Store an update with the next sequence number for its event.
pub fn post(
    conn: &mut DbConnection,
    event_id: &str,
    draft: UpdateDraft,
    now: DateTime<Utc>,
) -> Result<LiveUpdate, Error> {
    super::write_transaction(conn, |conn| {
        let event = super::events::lock(conn, event_id)?;
        let last: Option<i32> = live_updates::table
            .filter(live_updates::event_id.eq(event_id))
            .select(diesel::dsl::max(live_updates::seq))
            .first(conn)?;
        let draft_audience = draft.audience;
        let row = UpdateRow {
            event_id: event_id.to_string(),
            seq: last.unwrap_or(0) + 1,
            kind: draft.kind,
            audience: draft.audience.as_str().to_string(),
            text: draft.text,
            location: draft.location,
            created_at: to_naive(now),
        };
        diesel::insert_into(live_updates::table)
            .values(&row)
            .execute(conn)?;
        notice::send(
            conn,
            &Notice::Update {
                event_id: row.event_id.clone(),
                seq: row.seq,
            },
        )?;
        let moves = access::update_moves_location(&event, draft_audience);
        if let Some(location) = row.location.as_ref().filter(|_| moves) {
            // The new place becomes the event's location, shown as its privacy mode allows.
            diesel::update(events::table.find(&event.id))
                .set((
                    events::location.eq(location),
                    events::sequence.eq(event.sequence + 1),
                    events::updated_at.eq(to_naive(now)),
                ))
                .execute(conn)?;
        }
        row.into_update()
    })
}

/// Updates after `after` in sequence order, only those for `audiences` (all for `None`).
pub fn after(
    conn: &mut DbConnection,
    event_id: &str,
    after: i32,
    audiences: Option<&[Audience]>,
) -> Result<Vec<LiveUpdate>, Error> {
    let mut query = live_updates::table
        .filter(live_updates::event_id.eq(event_id))
        .filter(live_updates::seq.gt(after))
        .order(live_updates::seq.asc())
        .select(UpdateRow::as_select())
        .into_boxed();
    if let Some(audiences) = audiences {
        let words: Vec<&str> = audiences.iter().map(|a| a.as_str()).collect();
        query = query.filter(live_updates::audience.eq_any(words));
    }
    query
        .load(conn)?
        .into_iter()
        .map(UpdateRow::into_update)
        .collect()
}

/// Who has arrived and who has made it home, among people going.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Presence {
    pub checked_in: i64,
    pub safe: i64,
    /// Checked in and not yet home safe: pseudonym and role, for jail support.
    pub not_yet_safe: Vec<(String, Option<Role>)>,
}

pub fn presence(conn: &mut DbConnection, event_id: &str) -> Result<Presence, Error> {
    type Line = (Option<String>, Option<Role>, Option<NaiveDateTime>);
    let rows: Vec<Line> = rsvps::table
        .filter(rsvps::event_id.eq(event_id))
        .filter(rsvps::status.eq(RsvpStatus::Going))
        .filter(rsvps::checked_in_at.is_not_null())
        .order(rsvps::checked_in_at.asc())
        .select((rsvps::pseudonym, rsvps::role, rsvps::safe_at))
        .load(conn)?;
    let mut presence = Presence::default();
    for (pseudonym, role, safe_at) in rows {
        presence.checked_in += 1;
        if safe_at.is_some() {
            presence.safe += 1;
        } else {
            presence
                .not_yet_safe
                .push((pseudonym.unwrap_or_default(), role));
        }
    }
    Ok(presence)
}
