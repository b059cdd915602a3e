//! Handing one push to a push service (RFC 8030): the payload encrypted for that subscription
//! alone (RFC 8291 `aes128gcm`, a fresh key and salt each time), the VAPID authorization for the
//! endpoint's origin (RFC 8292), `TTL` and `Urgency`. The endpoint is checked against the
//! allow-list again before anything is sent, and redirects are never followed.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::compose::Message;
use super::vapid::VapidKey;
use crate::db::push::SealedSubscription;
use crate::domain::push::{PushServices, PushSubscription};

/// The longest a push service gets to answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A push ready to post: everything computed, nothing secret left but the ciphertext.
#[derive(Debug)]
pub struct Request {
    pub endpoint: String,
    pub body: Vec<u8>,
    pub authorization: String,
    pub urgent: bool,
    pub ttl: Duration,
}

/// How the push service answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Accepted (2xx).
    Accepted,
    /// The subscription no longer exists (404, 410).
    Gone,
    /// Try again later (429, 5xx, no answer).
    Later(String),
    /// Refused for good (another 4xx).
    Refused(String),
}

/// Encrypts and signs pushes, and posts them.
pub struct Sender {
    client: reqwest::Client,
    vapid: Arc<VapidKey>,
    /// How push services may reach whoever runs this site (VAPID `sub`): its public URL.
    subject: String,
    services: PushServices,
}

impl Sender {
    pub fn new(
        vapid: Arc<VapidKey>,
        subject: String,
        services: PushServices,
    ) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .pool_max_idle_per_host(64)
            .build()?;
        Ok(Sender {
            client,
            vapid,
            subject,
            services,
        })
    }

    /// Encrypt `message` for one subscription and sign for its push service. `signed` keeps
    /// the authorization made for each origin in this batch (a token holds for hours).
    pub fn prepare(
        &self,
        subscription: &SealedSubscription,
        message: &Message,
        signed: &mut HashMap<String, String>,
    ) -> anyhow::Result<Request> {
        // Checked again: the list may have narrowed since the phone subscribed.
        let checked = PushSubscription::parse(
            &subscription.endpoint,
            &subscription.p256dh,
            &subscription.auth,
            Some(&subscription.detail),
            &self.services,
        )
        .map_err(|refused| anyhow::anyhow!("{}", refused.message))?;
        let origin = url::Url::parse(&checked.endpoint)?
            .origin()
            .ascii_serialization();
        let authorization = match signed.get(&origin) {
            Some(header) => header.clone(),
            None => {
                let header = self.vapid.authorization(&origin, &self.subject)?;
                signed.insert(origin, header.clone());
                header
            }
        };
        let plain = serde_json::to_vec(&message.payload)?;
        let ua_public = web_push_native::p256::PublicKey::from_sec1_bytes(&checked.p256dh)
            .map_err(|_| anyhow::anyhow!("keys.p256dh is not a P-256 point"))?;
        let auth: [u8; 16] = checked
            .auth
            .as_slice()
            .try_into()
            .map_err(|_| anyhow::anyhow!("keys.auth is not 16 bytes"))?;
        let body = web_push_native::encrypt(plain, &ua_public, &auth.into())
            .map_err(|error| anyhow::anyhow!("encryption failed: {error}"))?;
        Ok(Request {
            endpoint: checked.endpoint,
            body,
            authorization,
            urgent: message.delivery.urgent,
            ttl: message.delivery.ttl,
        })
    }

    /// Post one push and read the service's answer.
    pub async fn post(&self, request: Request) -> Answer {
        let sent = self
            .client
            .post(&request.endpoint)
            .header("TTL", request.ttl.as_secs().to_string())
            .header("Urgency", if request.urgent { "high" } else { "normal" })
            .header("Content-Encoding", "aes128gcm")
            .header("Content-Type", "application/octet-stream")
            .header("Authorization", request.authorization)
            .body(request.body)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => return Answer::Later(format!("no answer: {}", without_url(&error))),
        };
        let status = response.status().as_u16();
        match status {
            200..=299 => Answer::Accepted,
            404 | 410 => Answer::Gone,
            429 | 500..=599 => Answer::Later(format!("status {status}")),
            _ => Answer::Refused(format!("status {status}")),
        }
    }

    /// The public VAPID key, as `GET /api/v1/push` gives it.
    pub fn public_key(&self) -> &str {
        self.vapid.public_key()
    }
}

/// An HTTP error's words without the endpoint (a subscription's secret address).
fn without_url(error: &reqwest::Error) -> String {
    let mut words = error.to_string();
    if let Some(url) = error.url() {
        words = words.replace(url.as_str(), "the push service");
    }
    words
}
