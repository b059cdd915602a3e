//! Door links: rows that let a door volunteer open one event's door list. Only the token's hash
//! is stored; a revoked link's row is deleted, an expired one opens nothing (and is swept).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::events as event_queries;
use super::schema::door_links;
use super::{DbConnection, Error};
use crate::domain::door::{DoorLink, DoorToken};
use crate::domain::event::{from_naive, to_naive, Event};
use crate::privacy::secrets::{hash_token, new_token};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = door_links)]
struct LinkRow {
    id: String,
    event_id: String,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

impl LinkRow {
    fn into_link(self) -> DoorLink {
        DoorLink {
            id: self.id,
            event_id: self.event_id,
            created_at: from_naive(self.created_at),
            expires_at: from_naive(self.expires_at),
        }
    }
}

/// A new link and its token, which exists only in this value and the answer to the organizer.
pub struct NewDoorLink {
    pub link: DoorLink,
    pub token: String,
}

/// Make a link to `event_id`'s door list that works until `expires_at` (decided by
/// `domain::door::expiry`).
pub fn create(
    conn: &mut DbConnection,
    event_id: &str,
    created_by: Option<&str>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<NewDoorLink, Error> {
    let token = new_token();
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(door_links::table)
        .values((
            door_links::id.eq(&id),
            door_links::event_id.eq(event_id),
            door_links::token_hash.eq(hash_token(&token)),
            door_links::created_by.eq(created_by),
            door_links::created_at.eq(to_naive(now)),
            door_links::expires_at.eq(to_naive(expires_at)),
        ))
        .execute(conn)?;
    Ok(NewDoorLink {
        link: DoorLink {
            id,
            event_id: event_id.to_string(),
            created_at: now,
            expires_at,
        },
        token,
    })
}

/// The links to one event's door list, newest first, expired ones included until swept.
pub fn list(conn: &mut DbConnection, event_id: &str) -> Result<Vec<DoorLink>, Error> {
    Ok(door_links::table
        .filter(door_links::event_id.eq(event_id))
        .order((door_links::created_at.desc(), door_links::id.desc()))
        .select(LinkRow::as_select())
        .load(conn)?
        .into_iter()
        .map(LinkRow::into_link)
        .collect())
}

/// Revoke a link: its row goes, so the token opens nothing from now on.
pub fn revoke(conn: &mut DbConnection, event_id: &str, link_id: &str) -> Result<(), Error> {
    // PostgreSQL refuses text with a NUL, and no id has one: nothing to revoke.
    if link_id.contains('\0') {
        return Err(Error::NotFound);
    }
    let deleted = diesel::delete(
        door_links::table
            .filter(door_links::id.eq(link_id))
            .filter(door_links::event_id.eq(event_id)),
    )
    .execute(conn)?;
    if deleted == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// The link behind `token` and its event, if the link exists and has not expired at `now`.
pub fn open(
    conn: &mut DbConnection,
    token: &DoorToken,
    now: DateTime<Utc>,
) -> Result<Option<(DoorLink, Event)>, Error> {
    let row = door_links::table
        .filter(door_links::token_hash.eq(hash_token(token.as_str())))
        .select(LinkRow::as_select())
        .first(conn)
        .optional()?;
    let Some(link) = row.map(LinkRow::into_link) else {
        return Ok(None);
    };
    if !crate::domain::door::is_open(link.expires_at, now) {
        return Ok(None);
    }
    let event = event_queries::get(conn, &link.event_id)?;
    Ok(Some((link, event)))
}

/// Delete links that expired before `now`; returns how many.
pub fn delete_expired(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<usize, Error> {
    Ok(
        diesel::delete(door_links::table.filter(door_links::expires_at.le(to_naive(now))))
            .execute(conn)?,
    )
}
