//! The emails Umbrella sends: reminders before an event, notices when something changes, an
//! organizer's announcement, and the home-safe nudge after an action's "home safe by" time.

use super::word_enum;

word_enum!(
    /// Why a message is sent; each kind has its own wording in `mail::compose`.
    MessageKind {
        Reminder => "reminder",
        Changed => "changed",
        Cancelled => "cancelled",
        Promoted => "promoted",
        Approved => "approved",
        Declined => "declined",
        Revealed => "revealed",
        Announcement => "announcement",
        Nudge => "nudge",
    }
);

word_enum!(
    /// Where an outbox row stands. `Skipped`: it no longer applied when its turn came (RSVP
    /// cancelled, address removed); `Failed`: every retry failed.
    MessageState {
        Pending => "pending",
        Sent => "sent",
        Skipped => "skipped",
        Failed => "failed",
    }
);

/// A reminder sent at least this many minutes before the start is "the day-ahead reminder":
/// early enough that a place someone gives up can still go to the waitlist.
pub const RECONFIRM_FROM_MINUTES: i32 = 12 * 60;

/// Whether a message asks "still coming?" and links to the confirm page (`/r/{token}?confirm`):
/// reminders sent half a day or more ahead (the default 24-hour one), not the last-minute ones.
pub fn asks_reconfirmation(kind: MessageKind, offset_minutes: i32) -> bool {
    kind == MessageKind::Reminder && offset_minutes >= RECONFIRM_FROM_MINUTES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_day_ahead_reminder_asks_to_reconfirm() {
        assert!(asks_reconfirmation(MessageKind::Reminder, 1440));
        assert!(asks_reconfirmation(MessageKind::Reminder, 2880));
        assert!(!asks_reconfirmation(MessageKind::Reminder, 120));
        assert!(!asks_reconfirmation(MessageKind::Promoted, 0));
        assert!(!asks_reconfirmation(MessageKind::Changed, 1440));
    }
}
