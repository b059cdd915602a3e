//! The emails Umbrella sends: reminders before an event and notices when something changes.

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
