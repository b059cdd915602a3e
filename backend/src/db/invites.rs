//! Invite codes for invitation-only events: only a code's hash is stored. A use is taken with
//! the RSVP it admits, in the same transaction under the event's lock, by a conditional update
//! (so a code never admits more people than its uses, however many try at once). A revoked
//! code keeps its row, marked, so its holder is told it was withdrawn.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::invites;
use super::{DbConnection, Error};
use crate::domain::event::{from_naive, to_naive};
use crate::domain::invite::{Invite, InviteCode, InviteProblem, CODE_BYTES};
use crate::privacy::secrets::hash_token;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invites)]
struct InviteRow {
    id: String,
    event_id: String,
    uses_left: Option<i32>,
    expires_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

impl InviteRow {
    fn into_invite(self) -> Invite {
        Invite {
            id: self.id,
            event_id: self.event_id,
            uses_left: self.uses_left,
            expires_at: self.expires_at.map(from_naive),
            revoked: self.revoked_at.is_some(),
            created_at: from_naive(self.created_at),
        }
    }
}

/// A new invite and its code, which exists only in this value and the answer to the organizer.
pub struct NewInvite {
    pub invite: Invite,
    pub code: InviteCode,
}

/// Make a code for `event_id` (the caller checked `uses` and `expires_at` with
/// `domain::invite::check_new`).
pub fn create(
    conn: &mut DbConnection,
    event_id: &str,
    created_by: Option<&str>,
    uses: Option<i32>,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<NewInvite, Error> {
    let mut bytes = [0u8; CODE_BYTES];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let code = InviteCode::from_random(bytes);
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(invites::table)
        .values((
            invites::id.eq(&id),
            invites::event_id.eq(event_id),
            invites::code_hash.eq(hash_token(code.as_str())),
            invites::uses_left.eq(uses),
            invites::expires_at.eq(expires_at.map(to_naive)),
            invites::created_by.eq(created_by),
            invites::created_at.eq(to_naive(now)),
        ))
        .execute(conn)?;
    Ok(NewInvite {
        invite: Invite {
            id,
            event_id: event_id.to_string(),
            uses_left: uses,
            expires_at,
            revoked: false,
            created_at: now,
        },
        code,
    })
}

/// One event's invites, newest first, revoked and expired ones included.
pub fn list(conn: &mut DbConnection, event_id: &str) -> Result<Vec<Invite>, Error> {
    Ok(invites::table
        .filter(invites::event_id.eq(event_id))
        .order((invites::created_at.desc(), invites::id.desc()))
        .select(InviteRow::as_select())
        .load(conn)?
        .into_iter()
        .map(InviteRow::into_invite)
        .collect())
}

/// Revoke an invite: its code admits nobody from now on.
pub fn revoke(
    conn: &mut DbConnection,
    event_id: &str,
    invite_id: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    // PostgreSQL refuses text with a NUL, and no id has one: nothing to revoke.
    if invite_id.contains('\0') || event_id.contains('\0') {
        return Err(Error::NotFound);
    }
    let of_event = || {
        invites::table
            .filter(invites::id.eq(invite_id))
            .filter(invites::event_id.eq(event_id))
    };
    // Revoked once: a second revoke keeps the first time.
    diesel::update(of_event().filter(invites::revoked_at.is_null()))
        .set(invites::revoked_at.eq(Some(to_naive(now))))
        .execute(conn)?;
    let found: i64 = of_event().count().get_result(conn)?;
    if found == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

fn find(
    conn: &mut DbConnection,
    event_id: &str,
    code: &InviteCode,
) -> Result<Option<Invite>, Error> {
    Ok(invites::table
        .filter(invites::code_hash.eq(hash_token(code.as_str())))
        .filter(invites::event_id.eq(event_id))
        .select(InviteRow::as_select())
        .first(conn)
        .optional()?
        .map(InviteRow::into_invite))
}

/// Whether `code` lets someone into `event_id` at `now` (without taking a use).
pub fn check(
    conn: &mut DbConnection,
    event_id: &str,
    code: &InviteCode,
    now: DateTime<Utc>,
) -> Result<Result<Invite, InviteProblem>, Error> {
    Ok(match find(conn, event_id, code)? {
        None => Err(InviteProblem::Unknown),
        Some(invite) => invite.check(now).map(|()| invite),
    })
}

/// Take one use of `code` for an RSVP to `event_id`, inside the RSVP's transaction (which holds
/// the event's lock). The update only touches a code that still admits, so two people racing
/// for its last use cannot both have it.
pub fn take_use(
    conn: &mut DbConnection,
    event_id: &str,
    code: &InviteCode,
    now: DateTime<Utc>,
) -> Result<Result<(), InviteProblem>, Error> {
    let invite = match check(conn, event_id, code, now)? {
        Ok(invite) => invite,
        Err(problem) => return Ok(Err(problem)),
    };
    if invite.uses_left.is_none() {
        return Ok(Ok(()));
    }
    let taken = diesel::update(
        invites::table
            .filter(invites::id.eq(&invite.id))
            .filter(invites::revoked_at.is_null())
            .filter(invites::uses_left.gt(0)),
    )
    .set(invites::uses_left.eq(invites::uses_left - 1))
    .execute(conn)?;
    Ok(if taken == 1 {
        Ok(())
    } else {
        Err(InviteProblem::UsedUp)
    })
}
