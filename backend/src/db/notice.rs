//! News every instance hears: on PostgreSQL a `NOTIFY` on one channel, sent inside the
//! transaction that made the change (so it is delivered when, and only if, it commits). SQLite
//! runs one instance, whose hub hears the news directly (`live::news`): nothing to send.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::DbConnection;

/// The PostgreSQL channel that carries live news between instances.
pub const CHANNEL: &str = "umbrella_live";

/// What changed, as the payload of a `NOTIFY` (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "news", rename_all = "snake_case")]
pub enum Notice {
    /// An update was posted with this sequence number.
    Update { event_id: String, seq: i32 },
    /// Someone checked in or home safe: organizers' counts change.
    Presence { event_id: String },
    /// An organizer's sessions or tokens changed: their live connections re-check.
    Credentials { organizer_id: String },
    /// RSVPs to an event changed (status, approval, role, deleted, purged): followers holding a
    /// manage link judge themselves again.
    Rsvps { event_id: String },
    /// An event was edited or cancelled: followers judge updates by it anew.
    Event { event_id: String },
    /// An action's "home safe by" time passed: organizers and jail support hear who is missing.
    Safety { event_id: String },
}

impl Notice {
    /// A payload as sent by `send`; `None` for anything else on the channel.
    pub fn parse(payload: &str) -> Option<Notice> {
        serde_json::from_str(payload).ok()
    }
}

/// Tell every instance (PostgreSQL only).
pub fn send(conn: &mut DbConnection, notice: &Notice) -> QueryResult<()> {
    if let DbConnection::Postgres(pg) = conn {
        let payload = serde_json::to_string(notice)
            .map_err(|error| diesel::result::Error::SerializationError(Box::new(error)))?;
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<diesel::sql_types::Text, _>(CHANNEL)
            .bind::<diesel::sql_types::Text, _>(payload)
            .execute(pg)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notice_reads_back_as_sent() {
        let notices = [
            Notice::Update {
                event_id: "e:1".into(),
                seq: 7,
            },
            Notice::Presence {
                event_id: "e".into(),
            },
            Notice::Credentials {
                organizer_id: "o".into(),
            },
            Notice::Rsvps {
                event_id: "e".into(),
            },
            Notice::Event {
                event_id: "e".into(),
            },
            Notice::Safety {
                event_id: "e".into(),
            },
        ];
        for notice in notices {
            let payload = serde_json::to_string(&notice).expect("serializes");
            assert!(payload.len() < 8000, "NOTIFY payloads are under 8000 bytes");
            assert_eq!(Notice::parse(&payload), Some(notice));
        }
        assert_eq!(Notice::parse("update:e:1"), None);
    }
}
