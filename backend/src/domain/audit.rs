//! What the audit log records: the actions organizers take, by the word stored for each.

use super::word_enum;

word_enum!(
    /// What an organizer did.
    Action {
        EventCreated => "event_created",
        EventEdited => "event_edited",
        EventCancelled => "event_cancelled",
        UpdatePosted => "update_posted",
        RsvpApproved => "rsvp_approved",
        RsvpDeclined => "rsvp_declined",
        DoorLinkCreated => "door_link_created",
        DoorLinkRevoked => "door_link_revoked",
        InviteCreated => "invite_created",
        InviteRevoked => "invite_revoked",
        OrganizerCreated => "organizer_created",
        OrganizerDisabled => "organizer_disabled",
        OrganizerEnabled => "organizer_enabled",
        TokenCreated => "token_created",
        TokensRevoked => "tokens_revoked",
        TotpEnabled => "totp_enabled",
        TotpDisabled => "totp_disabled",
    }
);

impl Action {
    /// What the target id names.
    pub fn target_kind(self) -> &'static str {
        match self {
            Action::EventCreated
            | Action::EventEdited
            | Action::EventCancelled
            | Action::UpdatePosted
            | Action::RsvpApproved
            | Action::RsvpDeclined
            | Action::DoorLinkCreated
            | Action::DoorLinkRevoked
            | Action::InviteCreated
            | Action::InviteRevoked => "event",
            _ => "organizer",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_words_round_trip() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(*action));
        }
    }
}
