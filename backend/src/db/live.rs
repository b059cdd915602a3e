//! Live updates and presence. An update gets the event's next sequence number inside a write
//! transaction that holds the event's lock, so numbers are dense and never reused; a location
//! update also becomes the event's location (calendars see the change) when the access policy
//! says everyone who may see that location hears the update (safety rule 10). An attendee's "I
//! need help" is an update too (kind `help`, audience `responders`), at most one a minute per
//! RSVP, showing the RSVP's pseudonym while it has one; deleting or purging the RSVP blanks it.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::notice::{self, Notice};
use super::schema::{events, live_updates, rsvps};
use super::DbConnection;
use super::Error;
use crate::domain::access;
use crate::domain::event::{from_naive, to_naive, Role};
use crate::domain::live::{Audience, HelpText, LiveUpdate, UpdateDraft, UpdateKind};
use crate::domain::rsvp::RsvpStatus;
use crate::privacy::secrets::hash_token;

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
    rsvp_id: Option<String>,
}

impl UpdateRow {
    fn into_update(self) -> Result<LiveUpdate, Error> {
        self.into_update_by(None)
    }

    /// With the pseudonym of the RSVP that asked for help, as it stands now.
    fn into_update_by(self, pseudonym: Option<String>) -> Result<LiveUpdate, Error> {
        let unexpected = |column: &str| Error::unexpected("live_updates", column);
        Ok(LiveUpdate {
            kind: self.kind,
            audience: Audience::parse(&self.audience).ok_or_else(|| unexpected("audience"))?,
            event_id: self.event_id,
            seq: self.seq,
            text: self.text,
            location: self.location,
            created_at: from_naive(self.created_at),
            pseudonym,
        })
    }
}

/// Store an update with the next sequence number for its event; with `email`, queue it by email
/// too, in the same transaction, to everyone in its audience who left an address.
pub fn post(
    conn: &mut DbConnection,
    event_id: &str,
    draft: UpdateDraft,
    email: bool,
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
            rsvp_id: None,
        };
        diesel::insert_into(live_updates::table)
            .values(&row)
            .execute(conn)?;
        if email {
            super::outbox::announce(conn, &event, row.seq, draft_audience, now)?;
        }
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

/// Updates after `after` in sequence order, only those for `audiences` (all for `None`); a help
/// request with the pseudonym of who asked, as their RSVP has it now.
pub fn after(
    conn: &mut DbConnection,
    event_id: &str,
    after: i32,
    audiences: Option<&[Audience]>,
) -> Result<Vec<LiveUpdate>, Error> {
    let mut query = live_updates::table
        .left_join(rsvps::table.on(live_updates::rsvp_id.eq(rsvps::id.nullable())))
        .filter(live_updates::event_id.eq(event_id))
        .filter(live_updates::seq.gt(after))
        .order(live_updates::seq.asc())
        .select((UpdateRow::as_select(), rsvps::pseudonym.nullable()))
        .into_boxed();
    if let Some(audiences) = audiences {
        let words: Vec<&str> = audiences.iter().map(|a| a.as_str()).collect();
        query = query.filter(live_updates::audience.eq_any(words));
    }
    query
        .load::<(UpdateRow, Option<String>)>(conn)?
        .into_iter()
        .map(|(row, pseudonym)| row.into_update_by(pseudonym))
        .collect()
}

/// How long after one help request the same RSVP may send the next.
pub const HELP_INTERVAL: chrono::Duration = chrono::Duration::seconds(60);

/// What asking for help came to.
#[derive(Debug)]
pub enum Helped {
    /// Stored, and to be sent to the responders.
    Posted(LiveUpdate),
    /// This RSVP asked less than a minute ago: it may ask again in this many seconds.
    TooSoon(u64),
}

/// "I need help" from the RSVP holding `token`: an update of kind `help` to the responders,
/// at most one a minute per RSVP. Only someone going to an event not cancelled may ask (as for
/// checking in).
pub fn post_help(
    conn: &mut DbConnection,
    token: &str,
    text: HelpText,
    now: DateTime<Utc>,
) -> Result<Helped, Error> {
    type Asker = (String, String, RsvpStatus, Option<String>);
    let hash = hash_token(token);
    let asker = |conn: &mut DbConnection| -> Result<Asker, Error> {
        rsvps::table
            .filter(rsvps::token_hash.eq(&hash))
            .select((rsvps::id, rsvps::event_id, rsvps::status, rsvps::pseudonym))
            .first(conn)
            .optional()?
            .ok_or(Error::NotFound)
    };
    let (_, event_id, _, _) = asker(conn)?;
    super::write_transaction(conn, |conn| {
        let event = super::events::lock(conn, &event_id)?;
        // Read again under the event's lock: it may have changed in between.
        let (rsvp_id, _, status, pseudonym) = asker(conn)?;
        crate::domain::admission::allow_presence(&event, status)?;
        let asked: Option<NaiveDateTime> = live_updates::table
            .filter(live_updates::rsvp_id.eq(&rsvp_id))
            .select(diesel::dsl::max(live_updates::created_at))
            .first(conn)?;
        if let Some(asked) = asked.map(from_naive) {
            let wait = asked + HELP_INTERVAL - now;
            if wait > chrono::Duration::zero() {
                let seconds = u64::try_from(wait.num_seconds()).unwrap_or(0) + 1;
                return Ok(Helped::TooSoon(seconds.min(60)));
            }
        }
        let last: Option<i32> = live_updates::table
            .filter(live_updates::event_id.eq(&event.id))
            .select(diesel::dsl::max(live_updates::seq))
            .first(conn)?;
        let row = UpdateRow {
            event_id: event.id.clone(),
            seq: last.unwrap_or(0) + 1,
            kind: UpdateKind::Help,
            audience: Audience::Responders.as_str().to_string(),
            text: text.into_inner(),
            location: None,
            created_at: to_naive(now),
            rsvp_id: Some(rsvp_id.clone()),
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
        let update = row.into_update_by(pseudonym)?;
        // Responders' phones hear of it with the update, or neither is stored.
        super::push::queue_update(conn, &event, &update, None, now)?;
        Ok(Helped::Posted(update))
    })
}

/// Blank what help requests said and whose they were, for the RSVPs `rsvp_ids` (deleted or
/// purged): the responders' history keeps that someone asked, not who or what.
pub fn forget_help(conn: &mut DbConnection, rsvp_ids: &[String]) -> QueryResult<()> {
    for slice in rsvp_ids.chunks(500) {
        diesel::update(live_updates::table.filter(live_updates::rsvp_id.eq_any(slice)))
            .set((
                live_updates::text.eq(""),
                live_updates::rsvp_id.eq(None::<String>),
            ))
            .execute(conn)?;
    }
    Ok(())
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
