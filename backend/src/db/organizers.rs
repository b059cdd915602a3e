//! Organizer accounts: create, find by handle or id, change password, disable; the TOTP
//! second factor (sealed secret, last accepted step) and its hashed recovery codes.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{api_tokens, organizer_recovery_codes, organizer_sessions, organizers};
use super::DbConnection;
use super::Error;
use crate::domain::organizer::Handle;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizers)]
pub struct Organizer {
    pub id: String,
    pub handle: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    /// The TOTP secret, sealed; `Some` when two-step sign-in is on.
    pub totp_secret_sealed: Option<String>,
    /// A TOTP secret being set up, sealed, until a code confirms it.
    pub totp_pending_sealed: Option<String>,
    /// The last time step whose code was accepted.
    pub totp_last_step: Option<i64>,
}

impl Organizer {
    pub fn has_totp(&self) -> bool {
        self.totp_secret_sealed.is_some()
    }
}

/// Create an organizer who must choose a new password at first login.
pub fn create(
    conn: &mut DbConnection,
    handle: &Handle,
    password_hash: &str,
    is_admin: bool,
) -> Result<Organizer, Error> {
    super::write_transaction(conn, |conn| {
        if find_by_handle(conn, handle)?.is_some() {
            return Err(Error::Taken(format!(
                "an organizer called {} already exists",
                handle.as_str()
            )));
        }
        let organizer = Organizer {
            id: uuid::Uuid::new_v4().to_string(),
            handle: handle.as_str().to_string(),
            password_hash: password_hash.to_string(),
            is_admin,
            must_change_password: true,
            disabled: false,
            created_at: Utc::now().naive_utc(),
            totp_secret_sealed: None,
            totp_pending_sealed: None,
            totp_last_step: None,
        };
        diesel::insert_into(organizers::table)
            .values((
                organizers::id.eq(&organizer.id),
                organizers::handle.eq(&organizer.handle),
                organizers::password_hash.eq(&organizer.password_hash),
                organizers::is_admin.eq(organizer.is_admin),
                organizers::must_change_password.eq(organizer.must_change_password),
                organizers::disabled.eq(organizer.disabled),
                organizers::created_at.eq(organizer.created_at),
            ))
            .execute(conn)?;
        Ok(organizer)
    })
}

/// The organizer with this handle. Handles are stored as `Handle` parses them (trimmed and
/// case-folded), so a parsed handle compares as every other lookup does.
pub fn find_by_handle(conn: &mut DbConnection, handle: &Handle) -> QueryResult<Option<Organizer>> {
    organizers::table
        .filter(organizers::handle.eq(handle.as_str()))
        .select(Organizer::as_select())
        .first(conn)
        .optional()
}

/// Store a password the organizer chose, which ends the one-time-password state.
pub fn set_password(
    conn: &mut DbConnection,
    organizer_id: &str,
    password_hash: &str,
) -> QueryResult<()> {
    diesel::update(organizers::table.find(organizer_id))
        .set((
            organizers::password_hash.eq(password_hash),
            organizers::must_change_password.eq(false),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Organizer>> {
    organizers::table
        .find(id)
        .select(Organizer::as_select())
        .first(conn)
        .optional()
}

/// An organizer as the admin page lists them.
#[derive(Debug, Clone)]
pub struct Listed {
    pub organizer: Organizer,
    pub api_tokens: i64,
}

/// Every organizer by handle, with how many API tokens each holds.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Listed>> {
    let all = organizers::table
        .order(organizers::handle)
        .select(Organizer::as_select())
        .load(conn)?;
    let counts: Vec<(String, i64)> = api_tokens::table
        .group_by(api_tokens::organizer_id)
        .select((api_tokens::organizer_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(all
        .into_iter()
        .map(|organizer| Listed {
            api_tokens: counts
                .iter()
                .find(|(id, _)| *id == organizer.id)
                .map_or(0, |(_, n)| *n),
            organizer,
        })
        .collect())
}

/// Disable or enable an organizer. Disabling ends their sessions; their API tokens stop working
/// at once because every credential lookup skips disabled organizers.
pub fn set_disabled(
    conn: &mut DbConnection,
    organizer_id: &str,
    disabled: bool,
) -> Result<(), Error> {
    super::write_transaction(conn, |conn| {
        let changed = diesel::update(organizers::table.find(organizer_id))
            .set(organizers::disabled.eq(disabled))
            .execute(conn)?;
        if changed == 0 {
            return Err(Error::NotFound);
        }
        if disabled {
            diesel::delete(
                organizer_sessions::table.filter(organizer_sessions::organizer_id.eq(organizer_id)),
            )
            .execute(conn)?;
            super::notice::send(
                conn,
                &super::notice::Notice::Credentials {
                    organizer_id: organizer_id.to_string(),
                },
            )?;
        }
        Ok(())
    })
}

/// Delete every API token of an organizer; returns how many there were.
/// Open live connections of that organizer are told to re-check (on every instance, on
/// PostgreSQL).
pub fn revoke_api_tokens(conn: &mut DbConnection, organizer_id: &str) -> QueryResult<usize> {
    let revoked =
        diesel::delete(api_tokens::table.filter(api_tokens::organizer_id.eq(organizer_id)))
            .execute(conn)?;
    super::notice::send(
        conn,
        &super::notice::Notice::Credentials {
            organizer_id: organizer_id.to_string(),
        },
    )?;
    Ok(revoked)
}

/// Keep a TOTP secret being set up (sealed) until a code confirms it.
pub fn set_pending_totp(
    conn: &mut DbConnection,
    organizer_id: &str,
    sealed: Option<&str>,
) -> QueryResult<()> {
    diesel::update(organizers::table.find(organizer_id))
        .set(organizers::totp_pending_sealed.eq(sealed))
        .execute(conn)
        .map(|_| ())
}

/// Accept a TOTP code's time step once: true only if no code of this step or a later one was
/// accepted before (a conditional update, so two requests racing cannot both use one code).
pub fn accept_totp_step(
    conn: &mut DbConnection,
    organizer_id: &str,
    step: i64,
) -> QueryResult<bool> {
    let changed = diesel::update(
        organizers::table.find(organizer_id).filter(
            organizers::totp_last_step
                .is_null()
                .or(organizers::totp_last_step.lt(step)),
        ),
    )
    .set(organizers::totp_last_step.eq(step))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Turn two-step sign-in on: the confirmed secret (sealed), the step of the code that
/// confirmed it, and the hashes of fresh recovery codes (replacing any older ones).
pub fn enable_totp(
    conn: &mut DbConnection,
    organizer_id: &str,
    sealed_secret: &str,
    step: i64,
    recovery_hashes: &[String],
    now: NaiveDateTime,
) -> Result<(), Error> {
    super::write_transaction(conn, |conn| {
        diesel::update(organizers::table.find(organizer_id))
            .set((
                organizers::totp_secret_sealed.eq(sealed_secret),
                organizers::totp_pending_sealed.eq(None::<String>),
                organizers::totp_last_step.eq(step),
            ))
            .execute(conn)?;
        diesel::delete(
            organizer_recovery_codes::table
                .filter(organizer_recovery_codes::organizer_id.eq(organizer_id)),
        )
        .execute(conn)?;
        for hash in recovery_hashes {
            diesel::insert_into(organizer_recovery_codes::table)
                .values((
                    organizer_recovery_codes::code_hash.eq(hash),
                    organizer_recovery_codes::organizer_id.eq(organizer_id),
                    organizer_recovery_codes::created_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Turn two-step sign-in off: forget the secret and the recovery codes.
pub fn disable_totp(conn: &mut DbConnection, organizer_id: &str) -> Result<(), Error> {
    super::write_transaction(conn, |conn| {
        diesel::update(organizers::table.find(organizer_id))
            .set((
                organizers::totp_secret_sealed.eq(None::<String>),
                organizers::totp_pending_sealed.eq(None::<String>),
                organizers::totp_last_step.eq(None::<i64>),
            ))
            .execute(conn)?;
        diesel::delete(
            organizer_recovery_codes::table
                .filter(organizer_recovery_codes::organizer_id.eq(organizer_id)),
        )
        .execute(conn)?;
        Ok(())
    })
}

/// Use up a recovery code: true if it was one of this organizer's, now deleted.
pub fn use_recovery_code(
    conn: &mut DbConnection,
    organizer_id: &str,
    code_hash: &str,
) -> QueryResult<bool> {
    let deleted = diesel::delete(
        organizer_recovery_codes::table
            .filter(organizer_recovery_codes::organizer_id.eq(organizer_id))
            .filter(organizer_recovery_codes::code_hash.eq(code_hash)),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

/// How many unused recovery codes an organizer has left.
pub fn recovery_codes_left(conn: &mut DbConnection, organizer_id: &str) -> QueryResult<i64> {
    organizer_recovery_codes::table
        .filter(organizer_recovery_codes::organizer_id.eq(organizer_id))
        .count()
        .get_result(conn)
}
