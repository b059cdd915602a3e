//! Event rows and their queries: insert, find, update, cancel, and the listings with filters
//! and keyset paging.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::notice::{self, Notice};
use super::schema::{event_tags, events, rsvps};
use super::DbConnection;
use super::Error;
use crate::domain::event::RoleNumbers;
use crate::domain::event::{
    from_naive, to_naive, Access, CountDisplay, Cursor, Event, EventDraft, EventKind, EventStatus,
    LocationPrivacy, Role, Visibility,
};
use crate::domain::question::Question;
use crate::domain::rsvp::RsvpStatus;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = events, treat_none_as_null = true)]
pub(super) struct EventRow {
    id: String,
    kind: EventKind,
    title: String,
    cover_title: Option<String>,
    description: String,
    description_html: String,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    location: String,
    location_privacy: LocationPrivacy,
    location_reveal_at: Option<NaiveDateTime>,
    capacity: Option<i32>,
    accessibility: String,
    language: String,
    visibility: Visibility,
    status: EventStatus,
    approval_required: bool,
    roles: String,
    reminder_offsets_minutes: String,
    count_display: CountDisplay,
    safe_by: Option<NaiveDateTime>,
    sequence: i32,
    created_by: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    access: Access,
    who_for: String,
    /// The questions as JSON.
    questions: String,
    series_id: Option<String>,
    roles_needed: String,
}

impl EventRow {
    fn from_event(event: &Event, created_by: Option<String>) -> Result<Self, Error> {
        let d = &event.draft;
        let roles: Vec<&str> = d.roles.iter().map(|r| r.as_str()).collect();
        Ok(EventRow {
            id: event.id.clone(),
            kind: d.kind,
            title: d.title.clone(),
            cover_title: d.cover_title.clone(),
            description: d.description.clone(),
            description_html: event.description_html.clone(),
            starts_at: to_naive(d.starts_at),
            ends_at: to_naive(d.ends_at),
            location: d.location.clone(),
            location_privacy: d.location_privacy,
            location_reveal_at: d.location_reveal_at.map(to_naive),
            capacity: d.capacity,
            accessibility: d.accessibility.clone(),
            language: d.language.clone(),
            visibility: d.visibility,
            status: event.status,
            approval_required: d.approval_required,
            roles: serde_json::to_string(&roles).map_err(Error::internal)?,
            reminder_offsets_minutes: serde_json::to_string(&d.reminder_offsets_minutes)
                .map_err(Error::internal)?,
            count_display: d.count_display,
            safe_by: d.safe_by.map(to_naive),
            sequence: event.sequence,
            created_by,
            created_at: to_naive(event.created_at),
            updated_at: to_naive(event.updated_at),
            access: d.access,
            who_for: d.who_for.clone(),
            questions: serde_json::to_string(&d.questions).map_err(Error::internal)?,
            series_id: event.series_id.clone(),
            roles_needed: serde_json::to_string(&d.roles_needed.to_map())
                .map_err(Error::internal)?,
        })
    }

    fn into_event(
        self,
        places_taken: i32,
        tags: Vec<String>,
        roles_filled: RoleNumbers,
    ) -> Result<Event, Error> {
        // A list of role words: serde refuses a word this version does not know.
        let roles: Vec<Role> =
            serde_json::from_str(&self.roles).map_err(|_| Error::unexpected("events", "roles"))?;
        let questions: Vec<Question> = serde_json::from_str(&self.questions)
            .map_err(|_| Error::unexpected("events", "questions"))?;
        Ok(Event {
            draft: EventDraft {
                kind: self.kind,
                title: self.title,
                cover_title: self.cover_title,
                description: self.description,
                starts_at: from_naive(self.starts_at),
                ends_at: from_naive(self.ends_at),
                location: self.location,
                location_privacy: self.location_privacy,
                location_reveal_at: self.location_reveal_at.map(from_naive),
                capacity: self.capacity,
                tags,
                accessibility: self.accessibility,
                language: self.language,
                visibility: self.visibility,
                approval_required: self.approval_required,
                roles,
                reminder_offsets_minutes: serde_json::from_str(&self.reminder_offsets_minutes)
                    .map_err(Error::internal)?,
                count_display: self.count_display,
                safe_by: self.safe_by.map(from_naive),
                access: self.access,
                who_for: self.who_for,
                questions,
                roles_needed: serde_json::from_str(&self.roles_needed)
                    .ok()
                    .and_then(|map| RoleNumbers::parse(&map).ok())
                    .ok_or_else(|| Error::unexpected("events", "roles_needed"))?,
            },
            id: self.id,
            series_id: self.series_id,
            roles_filled,
            description_html: self.description_html,
            status: self.status,
            sequence: self.sequence,
            places_taken,
            created_at: from_naive(self.created_at),
            updated_at: from_naive(self.updated_at),
        })
    }
}

fn save_tags(conn: &mut DbConnection, event_id: &str, tags: &[String]) -> QueryResult<()> {
    diesel::delete(event_tags::table.filter(event_tags::event_id.eq(event_id))).execute(conn)?;
    for tag in tags {
        diesel::insert_into(event_tags::table)
            .values((event_tags::event_id.eq(event_id), event_tags::tag.eq(tag)))
            .execute(conn)?;
    }
    Ok(())
}

/// Store a new event and its tags.
pub fn insert(
    conn: &mut DbConnection,
    event: &Event,
    created_by: Option<&str>,
) -> Result<(), Error> {
    let row = EventRow::from_event(event, created_by.map(str::to_owned))?;
    super::write_transaction(conn, |conn| {
        diesel::insert_into(events::table)
            .values(&row)
            .execute(conn)?;
        Ok(save_tags(conn, &event.id, &event.draft.tags)?)
    })?;
    Ok(())
}

/// Replace an event's fields and tags (the caller has bumped `sequence` and `updated_at`).
pub fn update(conn: &mut DbConnection, event: &Event) -> Result<(), Error> {
    let mut row = EventRow::from_event(event, None)?;
    conn.transaction(|conn| {
        // Keep who created it: read it back rather than overwrite it.
        row.created_by = events::table
            .find(&event.id)
            .select(events::created_by)
            .first::<Option<String>>(conn)?;
        diesel::update(events::table.find(&event.id))
            .set(&row)
            .execute(conn)?;
        // Its privacy may have changed: every instance's live followers judge updates anew.
        notice::send(
            conn,
            &Notice::Event {
                event_id: event.id.clone(),
            },
        )?;
        save_tags(conn, &event.id, &event.draft.tags)
    })?;
    Ok(())
}

/// Find one event by id, whatever its visibility.
pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<Event>, Error> {
    let Some((row, places_taken, tags)) = stored(conn, id)? else {
        return Ok(None);
    };
    let filled = roles_filled(conn, &[id.to_string()])?
        .remove(id)
        .unwrap_or_default();
    Ok(Some(row.into_event(places_taken, tags, filled)?))
}

/// Find one event by id, or `NotFound`.
pub fn get(conn: &mut DbConnection, id: &str) -> Result<Event, Error> {
    find(conn, id)?.ok_or(Error::NotFound)
}

/// One event by id as a new RSVP is judged against, or `NotFound`, in one query: everything but
/// its tags and the count of filled roles (left empty), which admission does not use (quotas are
/// goals, not caps) and which cost a read of every going RSVP of the event. Never for showing it.
pub fn get_to_admit(conn: &mut DbConnection, id: &str) -> Result<Event, Error> {
    let (row, places_taken) = row_of(conn, id)?.ok_or(Error::NotFound)?;
    row.into_event(places_taken, Vec::new(), RoleNumbers::default())
}

/// An event's row and its places taken.
fn row_of(conn: &mut DbConnection, id: &str) -> Result<Option<(EventRow, i32)>, Error> {
    // PostgreSQL text cannot hold NUL and refuses a query with one; no id has one, on either
    // database, so there is nothing to find.
    if id.contains('\0') {
        return Ok(None);
    }
    Ok(events::table
        .find(id)
        .select((EventRow::as_select(), events::places_taken))
        .first::<(EventRow, i32)>(conn)
        .optional()?)
}

/// An event's row, its places taken and its tags.
fn stored(
    conn: &mut DbConnection,
    id: &str,
) -> Result<Option<(EventRow, i32, Vec<String>)>, Error> {
    let Some((row, places_taken)) = row_of(conn, id)? else {
        return Ok(None);
    };
    let tags = event_tags::table
        .filter(event_tags::event_id.eq(id))
        .select(event_tags::tag)
        .order(event_tags::tag)
        .load(conn)?;
    Ok(Some((row, places_taken, tags)))
}

/// What a listing shows.
#[derive(Debug, Clone)]
pub struct Listing {
    pub kind: Option<EventKind>,
    pub tag: Option<String>,
    pub include_unlisted: bool,
    /// Events that end at or after this time.
    pub ending_after: DateTime<Utc>,
    pub after: Option<Cursor>,
    pub limit: i64,
}

impl Listing {
    /// The listed events anyone may see (the home page, the feeds, the embed), filtered, from
    /// those ending at or after `ending_after`, at most `limit`.
    pub fn listed(
        kind: Option<EventKind>,
        tag: Option<String>,
        ending_after: DateTime<Utc>,
        limit: i64,
    ) -> Self {
        Listing {
            kind,
            tag,
            include_unlisted: false,
            ending_after,
            after: None,
            limit,
        }
    }
}

/// Events in start order, filtered and paged by a keyset cursor.
pub fn list(conn: &mut DbConnection, listing: &Listing) -> Result<Vec<Event>, Error> {
    // No stored tag has a NUL (PostgreSQL would refuse the query): none matches.
    if listing.tag.as_deref().is_some_and(|tag| tag.contains('\0')) {
        return Ok(Vec::new());
    }
    let mut query = events::table
        .select((EventRow::as_select(), events::places_taken))
        .filter(events::ends_at.ge(to_naive(listing.ending_after)))
        .order((events::starts_at.asc(), events::id.asc()))
        .limit(listing.limit)
        .into_boxed();
    if !listing.include_unlisted {
        // Invitation-only events are never listed (`access::publicly_listed`).
        query = query
            .filter(events::visibility.eq(Visibility::Listed))
            .filter(events::access.eq(Access::Open));
    }
    if let Some(kind) = listing.kind {
        query = query.filter(events::kind.eq(kind));
    }
    if let Some(tag) = &listing.tag {
        let tagged = event_tags::table
            .filter(event_tags::tag.eq(tag.clone()))
            .select(event_tags::event_id);
        query = query.filter(events::id.eq_any(tagged));
    }
    if let Some(cursor) = &listing.after {
        let start = to_naive(cursor.starts_at);
        query = query.filter(
            events::starts_at.gt(start).or(events::starts_at
                .eq(start)
                .and(events::id.gt(cursor.id.clone()))),
        );
    }
    let rows = query.load(conn)?;
    with_tags(conn, rows)
}

/// Events that have already ended, newest first, `limit` from `offset` (the organizer's past
/// events).
pub fn list_past(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    offset: i64,
    limit: i64,
) -> Result<Vec<Event>, Error> {
    let rows = events::table
        .select((EventRow::as_select(), events::places_taken))
        .filter(events::ends_at.lt(to_naive(now)))
        .order((events::starts_at.desc(), events::id.asc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    with_tags(conn, rows)
}

/// Going RSVPs in each role, for each of these events that has any.
fn roles_filled(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<std::collections::HashMap<String, RoleNumbers>, Error> {
    let counts: Vec<(String, Option<Role>, i64)> = rsvps::table
        .filter(rsvps::event_id.eq_any(ids))
        .filter(rsvps::status.eq(RsvpStatus::Going))
        .filter(rsvps::role.is_not_null())
        .group_by((rsvps::event_id, rsvps::role))
        .select((rsvps::event_id, rsvps::role, diesel::dsl::count_star()))
        .load(conn)?;
    let mut filled: std::collections::HashMap<String, Vec<(Role, i64)>> = Default::default();
    for (event_id, role, count) in counts {
        if let Some(role) = role {
            filled.entry(event_id).or_default().push((role, count));
        }
    }
    Ok(filled
        .into_iter()
        .map(|(id, pairs)| (id, RoleNumbers::from_pairs(pairs)))
        .collect())
}

/// Rows with their tags and filled roles, as events.
pub(super) fn with_tags(
    conn: &mut DbConnection,
    rows: Vec<(EventRow, i32)>,
) -> Result<Vec<Event>, Error> {
    let ids: Vec<String> = rows.iter().map(|(row, _)| row.id.clone()).collect();
    let mut filled = roles_filled(conn, &ids)?;
    let pairs: Vec<(String, String)> = event_tags::table
        .filter(event_tags::event_id.eq_any(&ids))
        .select((event_tags::event_id, event_tags::tag))
        .order(event_tags::tag)
        .load(conn)?;
    rows.into_iter()
        .map(|(row, places_taken)| {
            let tags = pairs
                .iter()
                .filter(|(event_id, _)| *event_id == row.id)
                .map(|(_, tag)| tag.clone())
                .collect();
            let roles = filled.remove(&row.id).unwrap_or_default();
            row.into_event(places_taken, tags, roles)
        })
        .collect()
}

/// Every tag on a listed event that has not ended, for the filter links.
pub fn listed_tags(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<Vec<String>, Error> {
    let upcoming = events::table
        .filter(events::visibility.eq(Visibility::Listed))
        .filter(events::access.eq(Access::Open))
        .filter(events::ends_at.ge(to_naive(now)))
        .select(events::id);
    let tags = event_tags::table
        .filter(event_tags::event_id.eq_any(upcoming))
        .select(event_tags::tag)
        .distinct()
        .order(event_tags::tag)
        .load(conn)?;
    Ok(tags)
}

/// Take the event's lock for a change to it or its RSVPs: a no-op write as the transaction's first statement
/// (a row lock on PostgreSQL, the write lock on SQLite), then read the event as it now is.
pub fn lock(conn: &mut DbConnection, event_id: &str) -> Result<Event, Error> {
    if event_id.contains('\0') {
        return Err(Error::NotFound); // as in `find`
    }
    let touched = diesel::update(events::table.find(event_id))
        .set(events::places_taken.eq(events::places_taken))
        .execute(conn)?;
    if touched == 0 {
        return Err(Error::NotFound);
    }
    get(conn, event_id)
}

/// What changed in the database, read cheaply: public outputs are rebuilt when it moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Changes {
    /// The latest change to any event.
    pub last_change: Option<NaiveDateTime>,
    pub events: i64,
    /// Places taken across all events: moves with (nearly) every RSVP change. Two changes on
    /// other instances that cancel out within a second go unseen until the next change or the
    /// output's time window ends.
    pub places: i64,
}

/// What public outputs depend on: the latest change to any event, the number of events, and
/// the places taken across them (which RSVP changes move).
pub fn changes(conn: &mut DbConnection) -> Result<Changes, Error> {
    let (last_change, events, places): (Option<NaiveDateTime>, i64, Option<i64>) = events::table
        .select((
            diesel::dsl::max(events::updated_at),
            diesel::dsl::count_star(),
            diesel::dsl::sum(events::places_taken),
        ))
        .first(conn)?;
    Ok(Changes {
        last_change,
        events,
        places: places.unwrap_or(0),
    })
}
