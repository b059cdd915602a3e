//! Organizer accounts: create, find by handle or id, change password.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::organizers;
use super::DbConnection;
use crate::domain::organizer::Handle;
use crate::error::AppError;

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
}

/// Create an organizer who must choose a new password at first login.
pub fn create(
    conn: &mut DbConnection,
    handle: &Handle,
    password_hash: &str,
    is_admin: bool,
) -> Result<Organizer, AppError> {
    super::write_transaction(conn, |conn| {
        if find_by_handle(conn, handle.as_str())?.is_some() {
            return Err(AppError::Conflict(format!(
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

pub fn find_by_handle(conn: &mut DbConnection, handle: &str) -> QueryResult<Option<Organizer>> {
    organizers::table
        .filter(organizers::handle.eq(handle))
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
