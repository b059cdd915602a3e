//! A phone's Web Push subscription as its browser hands it over (an RFC 8030 endpoint and the
//! RFC 8291 keys), checked before anything is stored or sent. The endpoint comes from the
//! client, so it must name a push service the site allows: without the allow-list a
//! subscription would make the server post to any address, its own network included.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use url::{Host, Url};

use super::FieldError;

/// The longest endpoint taken, in characters (the browsers' are a few hundred).
pub const MAX_ENDPOINT_CHARS: usize = 2048;

/// The major browsers' push services, allowed when `--push-endpoints` is not set: Chrome and
/// Android (FCM), Firefox (Mozilla autopush), Safari and iOS (Apple), Edge (Windows).
pub const DEFAULT_PUSH_SERVICES: &[&str] = &[
    "fcm.googleapis.com",
    "push.services.mozilla.com",
    "push.apple.com",
    "notify.windows.com",
];

/// The one address that may be allowed for a test push service on the same machine.
pub const LOOPBACK: &str = "127.0.0.1";

/// Bytes in an uncompressed P-256 public key (`p256dh`) and in the auth secret (`auth`).
const P256DH_BYTES: usize = 65;
const AUTH_BYTES: usize = 16;

/// How much a push shows on a lock screen: neutral words (the default), or the update's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PushDetail {
    #[default]
    Neutral,
    Full,
}

impl PushDetail {
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "neutral" => Some(PushDetail::Neutral),
            "full" => Some(PushDetail::Full),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PushDetail::Neutral => "neutral",
            PushDetail::Full => "full",
        }
    }
}

/// What one push tells its subscriber. The words are stored in the push outbox; what the
/// message says is decided when it is sent (the access policy, as things stand then).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushTopic {
    /// A live update, by its sequence number within the event.
    Update(i32),
    /// "Are you home safe?": the home-safe deadline passed and this RSVP has not checked out.
    SafeByNudge,
    /// For organizers and responders: people who arrived have not checked out in time.
    NotYetSafe,
}

impl PushTopic {
    /// The word stored for it (an update's `seq` is stored beside it).
    pub fn word(self) -> &'static str {
        match self {
            PushTopic::Update(_) => "update",
            PushTopic::SafeByNudge => "safe_by_nudge",
            PushTopic::NotYetSafe => "not_yet_safe",
        }
    }

    /// The `seq` stored beside the word (0 for topics that are not updates).
    pub fn seq(self) -> i32 {
        match self {
            PushTopic::Update(seq) => seq,
            _ => 0,
        }
    }

    pub fn parse(word: &str, seq: i32) -> Option<Self> {
        match word {
            "update" => Some(PushTopic::Update(seq)),
            "safe_by_nudge" => Some(PushTopic::SafeByNudge),
            "not_yet_safe" => Some(PushTopic::NotYetSafe),
            _ => None,
        }
    }
}

/// The push services the site sends to (`--push-endpoints`): host suffixes, matched on whole
/// labels, plus `127.0.0.1` where a test push service runs beside the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushServices {
    suffixes: Vec<String>,
    loopback: bool,
}

impl Default for PushServices {
    fn default() -> Self {
        PushServices {
            suffixes: DEFAULT_PUSH_SERVICES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            loopback: false,
        }
    }
}

impl PushServices {
    /// A comma-separated list of host suffixes (`push.example.org`) and `127.0.0.1`.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut services = PushServices {
            suffixes: Vec::new(),
            loopback: false,
        };
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if item == LOOPBACK {
                services.loopback = true;
                continue;
            }
            let suffix = item.trim_start_matches('.').to_ascii_lowercase();
            if !is_host_name(&suffix) {
                return Err(format!(
                    "{item:?} is not a push service's host name (e.g. push.example.org) \
                     or {LOOPBACK}"
                ));
            }
            services.suffixes.push(suffix);
        }
        if services.suffixes.is_empty() && !services.loopback {
            return Err("name at least one push service".into());
        }
        Ok(services)
    }

    /// Whether a host name is one of the services or under one of them.
    pub fn allows_domain(&self, host: &str) -> bool {
        self.suffixes.iter().any(|suffix| {
            host == suffix
                || host
                    .strip_suffix(suffix.as_str())
                    .is_some_and(|rest| rest.ends_with('.'))
        })
    }

    pub fn allows_loopback(&self) -> bool {
        self.loopback
    }
}

/// A DNS name of two labels or more, each of letters, digits and inner hyphens, not all digits
/// (an address is not a name).
fn is_host_name(name: &str) -> bool {
    let labels: Vec<&str> = name.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
        && !labels
            .iter()
            .all(|label| label.bytes().all(|b| b.is_ascii_digit()))
}

/// A subscription that may be stored and pushed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSubscription {
    /// The endpoint as the URL parser writes it.
    pub endpoint: String,
    /// The browser's P-256 public key, uncompressed.
    pub p256dh: Vec<u8>,
    /// The shared authentication secret.
    pub auth: Vec<u8>,
    pub detail: PushDetail,
}

impl PushSubscription {
    /// Check what a browser's `PushSubscription.toJSON()` gives, and the detail asked for.
    pub fn parse(
        endpoint: &str,
        p256dh: &str,
        auth: &str,
        detail: Option<&str>,
        services: &PushServices,
    ) -> Result<Self, FieldError> {
        let endpoint = parse_endpoint(endpoint, services)?;
        let p256dh = decode_key(p256dh, "keys.p256dh", P256DH_BYTES)?;
        if p256::PublicKey::from_sec1_bytes(&p256dh).is_err() || p256dh[0] != 0x04 {
            return Err(FieldError::new(
                "keys.p256dh",
                "keys.p256dh must be an uncompressed P-256 public key",
            ));
        }
        let auth = decode_key(auth, "keys.auth", AUTH_BYTES)?;
        let detail = match detail {
            None => PushDetail::default(),
            Some(word) => PushDetail::parse(word).ok_or_else(|| {
                FieldError::new("detail", "detail must be \"neutral\" or \"full\"")
            })?,
        };
        Ok(PushSubscription {
            endpoint,
            p256dh,
            auth,
            detail,
        })
    }

    /// The keys as the browser sent them (base64url without padding), for the push itself.
    pub fn p256dh_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.p256dh)
    }

    pub fn auth_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.auth)
    }
}

/// An endpoint on an allowed push service: `https` on an allowed host and the standard port, or
/// `http`/`https` on `127.0.0.1` when the list names it. No user name, password or fragment.
fn parse_endpoint(raw: &str, services: &PushServices) -> Result<String, FieldError> {
    let refuse = |why: &str| Err(FieldError::new("endpoint", format!("endpoint {why}")));
    if raw.chars().count() > MAX_ENDPOINT_CHARS {
        return refuse(&format!("is at most {MAX_ENDPOINT_CHARS} characters"));
    }
    if raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return refuse("must be one URL, without spaces or control characters");
    }
    let Ok(url) = Url::parse(raw) else {
        return refuse("must be a URL");
    };
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return refuse("must not carry a user name, password or fragment");
    }
    let allowed = match url.host() {
        Some(Host::Domain(host)) => {
            url.scheme() == "https" && url.port().is_none() && services.allows_domain(host)
        }
        Some(Host::Ipv4(address)) => {
            address.is_loopback()
                && address.to_string() == LOOPBACK
                && matches!(url.scheme(), "http" | "https")
                && services.allows_loopback()
        }
        _ => false,
    };
    if !allowed {
        return refuse("must be https on a push service this site allows");
    }
    Ok(url.into())
}

/// A key in base64url (padding tolerated) of exactly `bytes` bytes.
fn decode_key(raw: &str, field: &'static str, bytes: usize) -> Result<Vec<u8>, FieldError> {
    URL_SAFE_NO_PAD
        .decode(raw.trim_end_matches('='))
        .ok()
        .filter(|key| key.len() == bytes)
        .ok_or_else(|| {
            FieldError::new(field, format!("{field} must be {bytes} bytes in base64url"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real browser key (RFC 8291's example, section 5) and auth secret.
    const P256DH: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";

    fn parse(endpoint: &str, services: &PushServices) -> Result<PushSubscription, FieldError> {
        PushSubscription::parse(endpoint, P256DH, AUTH, None, services)
    }

    #[test]
    fn topics_are_stored_as_a_word_and_a_seq() {
        for topic in [
            PushTopic::Update(7),
            PushTopic::SafeByNudge,
            PushTopic::NotYetSafe,
        ] {
            assert_eq!(PushTopic::parse(topic.word(), topic.seq()), Some(topic));
        }
        assert_eq!(PushTopic::parse("shout", 0), None);
    }

    #[test]
    fn the_browsers_push_services_are_allowed_by_default() {
        let services = PushServices::default();
        for endpoint in [
            "https://fcm.googleapis.com/fcm/send/abc:APA91b",
            "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
            "https://web.push.apple.com/QGuQyavXutnMotGCo1Ph",
            "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAD",
        ] {
            let subscription = parse(endpoint, &services).expect(endpoint);
            assert_eq!(subscription.endpoint, endpoint);
            assert_eq!(subscription.detail, PushDetail::Neutral);
            assert_eq!(subscription.p256dh_text(), P256DH);
            assert_eq!(subscription.auth_text(), AUTH);
        }
    }

    #[test]
    fn anything_else_is_refused_naming_the_endpoint() {
        let services = PushServices::default();
        for endpoint in [
            "http://fcm.googleapis.com/fcm/send/x",
            "https://fcm.googleapis.com:8443/fcm/send/x",
            "https://evilfcm.googleapis.com.example.org/x",
            "https://notfcm.googleapis.com.attacker.net/x",
            "https://googleapis.com/x",
            "https://user:pw@fcm.googleapis.com/x",
            "https://fcm.googleapis.com/x#frag",
            "https://127.0.0.1/x",
            "http://127.0.0.1:9999/x",
            "http://2130706433/x",
            "https://[::1]/x",
            "https://169.254.169.254/latest/meta-data",
            "https://localhost/x",
            "fcm.googleapis.com/x",
            "https://fcm.googleapis.com/x y",
            "",
        ] {
            let refused = parse(endpoint, &services).expect_err(endpoint);
            assert_eq!(refused.field, "endpoint", "{endpoint}");
        }
    }

    #[test]
    fn a_test_push_service_on_loopback_only_when_the_list_names_it() {
        let services = PushServices::parse("127.0.0.1, push.example.org").expect("a list");
        assert!(parse("http://127.0.0.1:9999/push/1", &services).is_ok());
        assert!(parse("https://a.push.example.org/1", &services).is_ok());
        assert!(parse("https://fcm.googleapis.com/1", &services).is_err());
        assert!(parse("http://127.0.0.2:9999/push/1", &services).is_err());
        assert!(parse("http://127.0.0.1:9999/push/1", &PushServices::default()).is_err());
    }

    #[test]
    fn the_list_takes_host_names_and_loopback_only() {
        for bad in [
            "",
            " , ",
            "*.example.org",
            "https://push.example.org",
            "10.0.0.1",
            "org",
        ] {
            assert!(PushServices::parse(bad).is_err(), "{bad:?}");
        }
        let services = PushServices::parse(".Push.Example.org").expect("a suffix");
        assert!(services.allows_domain("push.example.org"));
        assert!(services.allows_domain("eu.push.example.org"));
        assert!(!services.allows_domain("xpush.example.org"));
    }

    #[test]
    fn keys_must_be_a_p256_point_and_a_16_byte_secret() {
        let services = PushServices::default();
        let endpoint = "https://fcm.googleapis.com/fcm/send/x";
        let on_curve_but_compressed = URL_SAFE_NO_PAD.encode({
            let key = URL_SAFE_NO_PAD.decode(P256DH).expect("base64");
            let mut compressed = vec![0x02 | (key[64] & 1)];
            compressed.extend_from_slice(&key[1..33]);
            compressed
        });
        let off_curve = URL_SAFE_NO_PAD.encode([4u8; 65]);
        for p256dh in [
            off_curve.as_str(),
            &on_curve_but_compressed,
            "",
            "not base64!",
        ] {
            let refused =
                PushSubscription::parse(endpoint, p256dh, AUTH, None, &services).expect_err(p256dh);
            assert_eq!(refused.field, "keys.p256dh");
        }
        let padded = format!("{AUTH}==");
        assert!(PushSubscription::parse(endpoint, P256DH, &padded, None, &services).is_ok());
        let refused = PushSubscription::parse(endpoint, P256DH, "AAAA", None, &services)
            .expect_err("4 bytes");
        assert_eq!(refused.field, "keys.auth");
        let refused = PushSubscription::parse(endpoint, P256DH, AUTH, Some("loud"), &services)
            .expect_err("an unknown detail");
        assert_eq!(refused.field, "detail");
        let full = PushSubscription::parse(endpoint, P256DH, AUTH, Some("full"), &services);
        assert_eq!(full.map(|s| s.detail), Ok(PushDetail::Full));
    }
}
