//! Facts this instance's database keeps about itself: for now the fingerprint of the key file it
//! was used with, so a start with another key file is refused (never the key itself).

use diesel::prelude::*;

use super::schema::{instance_settings, organizers, rsvps};
use super::DbConnection;

const KEY_FINGERPRINT: &str = "key_fingerprint";

/// The fingerprint of the key file this database was used with, if it was used with one yet.
pub fn key_fingerprint(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    instance_settings::table
        .find(KEY_FINGERPRINT)
        .select(instance_settings::value)
        .first(conn)
        .optional()
}

/// Remember `fingerprint` unless a fingerprint is already remembered; returns the one that
/// stands. Two instances starting together with different keys: the first wins, and the other
/// sees a fingerprint that is not its own.
pub fn remember_key_fingerprint(conn: &mut DbConnection, fingerprint: &str) -> QueryResult<String> {
    let inserted = diesel::insert_into(instance_settings::table)
        .values((
            instance_settings::name.eq(KEY_FINGERPRINT),
            instance_settings::value.eq(fingerprint),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => {}
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => {}
        Err(other) => return Err(other),
    }
    key_fingerprint(conn)?.ok_or(diesel::result::Error::NotFound)
}

/// Whether anything in the database was sealed with a key: an email, a token copy for emails,
/// or a two-step sign-in secret. A database from before fingerprints were kept has no
/// fingerprint, but its sealed data still needs the key it was sealed with.
pub fn holds_sealed_data(conn: &mut DbConnection) -> QueryResult<bool> {
    let rsvp = diesel::select(diesel::dsl::exists(
        rsvps::table.filter(
            rsvps::email_sealed
                .is_not_null()
                .or(rsvps::token_sealed.is_not_null()),
        ),
    ))
    .get_result::<bool>(conn)?;
    let organizer = diesel::select(diesel::dsl::exists(
        organizers::table.filter(
            organizers::totp_secret_sealed
                .is_not_null()
                .or(organizers::totp_pending_sealed.is_not_null()),
        ),
    ))
    .get_result::<bool>(conn)?;
    Ok(rsvp || organizer)
}
