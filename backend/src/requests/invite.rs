//! What organizers send to make an invite code: through the API (`InviteInput`) or the
//! organizer page's form (`InviteForm`), both checked by `domain::invite::check_new`.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::domain::FieldError;

/// `POST /api/v1/events/{id}/invites`. Both fields may be left out: no limit, no expiry.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct InviteInput {
    /// How many RSVPs the code admits (1 to 10,000); left out or `null`, no limit.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 10_000)]
    pub uses: Option<i32>,
    /// When the code stops working (in the future); left out or `null`, never.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// The organizer page's form: the uses as typed (blank: no limit) and an optional end typed in
/// the group's time zone.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InviteForm {
    pub uses: String,
    pub expires_at: String,
}

impl InviteForm {
    /// The uses as a number, blank for none.
    pub fn uses(&self) -> Result<Option<i32>, FieldError> {
        match self.uses.trim() {
            "" => Ok(None),
            typed => typed.parse().map(Some).map_err(|_| {
                FieldError::new("uses", "uses is a whole number, or empty for no limit")
            }),
        }
    }
}
