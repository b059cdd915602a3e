//! Facts this instance's database keeps about itself: the fingerprint of the key file it was
//! used with, so a start with another key file is refused (never the key itself), and the public
//! half of the Web Push (VAPID) key, so a start with another VAPID key file is refused too.

use diesel::prelude::*;

use super::schema::{instance_settings, organizers, rsvps};
use super::DbConnection;

const KEY_FINGERPRINT: &str = "key_fingerprint";
const VAPID_PUBLIC_KEY: &str = "vapid_public_key";

/// The public VAPID key phones were subscribed with, if one was used yet.
pub fn vapid_public_key(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    instance_settings::table
        .find(VAPID_PUBLIC_KEY)
        .select(instance_settings::value)
        .first(conn)
        .optional()
}

/// Remember the public VAPID key unless one is remembered already; returns the one that stands.
pub fn remember_vapid_public_key(conn: &mut DbConnection, public_key: &str) -> QueryResult<String> {
    insert_unless_present(conn, VAPID_PUBLIC_KEY, public_key)?;
    vapid_public_key(conn)?.ok_or(diesel::result::Error::NotFound)
}

/// Replace the remembered public VAPID key (only when no phone was subscribed with the old one).
pub fn replace_vapid_public_key(conn: &mut DbConnection, public_key: &str) -> QueryResult<()> {
    diesel::delete(instance_settings::table.find(VAPID_PUBLIC_KEY)).execute(conn)?;
    insert_unless_present(conn, VAPID_PUBLIC_KEY, public_key)
}

fn insert_unless_present(conn: &mut DbConnection, name: &str, value: &str) -> QueryResult<()> {
    let inserted = diesel::insert_into(instance_settings::table)
        .values((
            instance_settings::name.eq(name),
            instance_settings::value.eq(value),
        ))
        .execute(conn);
    match inserted {
        Ok(_)
        | Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(()),
        Err(other) => Err(other),
    }
}

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
/// a two-step sign-in secret, or a phone's push subscription. A database from before
/// fingerprints were kept has no fingerprint, but its sealed data still needs the key it was
/// sealed with.
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
    let push = super::push::any(conn)?;
    Ok(rsvp || organizer || push)
}
