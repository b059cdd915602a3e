//! A Web Push subscription as a browser's `PushSubscription.toJSON()` gives it (plus the lock
//! screen detail asked for), parsed into the domain's `PushSubscription` before anything else
//! runs: the body of `PUT /api/v1/rsvps/{token}/push` and `PUT /api/v1/organizer/push`.

use serde::Deserialize;

use crate::domain::push::{PushServices, PushSubscription};
use crate::domain::FieldError;

/// The JSON body, as browsers send it.
#[derive(Debug, Deserialize)]
pub struct PushSubscriptionInput {
    pub endpoint: String,
    pub keys: PushKeys,
    #[serde(default)]
    pub detail: Option<String>,
}

/// `keys` of a browser's subscription (base64url).
#[derive(Debug, Deserialize)]
pub struct PushKeys {
    pub p256dh: String,
    pub auth: String,
}

impl PushSubscriptionInput {
    /// Checked against the push services this site allows.
    pub fn into_subscription(
        self,
        services: &PushServices,
    ) -> Result<PushSubscription, FieldError> {
        PushSubscription::parse(
            &self.endpoint,
            &self.keys.p256dh,
            &self.keys.auth,
            self.detail.as_deref(),
            services,
        )
    }
}
