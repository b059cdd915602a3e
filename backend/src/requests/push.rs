//! A Web Push subscription as a browser's `PushSubscription.toJSON()` gives it (plus the lock
//! screen detail asked for), parsed into the domain's `PushSubscription` before anything else
//! runs: the body of `PUT /api/v1/rsvps/{token}/push` and `PUT /api/v1/organizer/push`; and the
//! optional body of their `DELETE`, naming the one phone to forget.

use serde::Deserialize;

use crate::domain::push::{PushServices, PushSubscription};
use crate::domain::FieldError;

/// The JSON body, as browsers send it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"endpoint": "https://fcm.googleapis.com/fcm/send/abc123",
    "keys": {"p256dh": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
             "auth": "BTBZMqHH6r4Tts7J_aSIgg"},
    "detail": "neutral"}))]
pub struct PushSubscriptionInput {
    /// The push service's URL for this phone: `https` on a host `--push-endpoints` allows
    /// (else `422` naming `endpoint`); at most 2048 characters.
    #[schema(max_length = 2048)]
    pub endpoint: String,
    pub keys: PushKeys,
    /// What the lock screen shows: `neutral` (the default: neutral words, never the text or a
    /// location) or `full` (the update's text).
    #[serde(default)]
    #[schema(value_type = Option<DetailWord>)]
    pub detail: Option<String>,
}

/// `keys` of a browser's subscription (base64url).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PushKeys {
    /// The phone's P-256 public key, uncompressed (65 bytes), base64url.
    pub p256dh: String,
    /// The 16-byte authentication secret, base64url.
    pub auth: String,
}

/// `neutral` or `full`. Only a schema.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DetailWord {
    Neutral,
    Full,
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

/// The optional body of `DELETE …/push`: which phone to forget (any other field is ignored, so
/// the same body as the `PUT` does). Without a body, every phone subscribed for the caller.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PushEndpointInput {
    /// The endpoint as it was subscribed.
    #[schema(max_length = 2048)]
    pub endpoint: String,
}
