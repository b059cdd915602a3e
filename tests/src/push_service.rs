//! A push service double on 127.0.0.1, as strict as a real one about what it is handed: each
//! push must carry `TTL`, `Content-Encoding: aes128gcm` and a VAPID authorization (RFC 8292)
//! whose JWT verifies against the server's public key with `aud` this service's origin. It holds
//! the phones' private keys, so it decrypts each payload (RFC 8291) as the phone would, and it
//! answers as told (`201` unless a phone was told to answer `410`, say).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use rand::RngCore;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// One phone: its endpoint on this service and the keys only it holds.
#[derive(Clone)]
pub struct Phone {
    pub endpoint: String,
    secret: web_push_native::p256::SecretKey,
    auth: [u8; 16],
}

impl Phone {
    /// The body a browser's `PushSubscription.toJSON()` gives, with the lock-screen detail.
    pub fn subscription(&self, detail: &str) -> Value {
        json!({
            "endpoint": self.endpoint,
            "keys": {"p256dh": self.p256dh(), "auth": URL_SAFE_NO_PAD.encode(self.auth)},
            "detail": detail,
        })
    }

    pub fn p256dh(&self) -> String {
        use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint;
        URL_SAFE_NO_PAD.encode(self.secret.public_key().to_encoded_point(false).as_bytes())
    }

    pub fn auth(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.auth)
    }

    fn path(&self) -> String {
        url::Url::parse(&self.endpoint)
            .map(|url| url.path().to_string())
            .unwrap_or_default()
    }
}

/// One push as the service received it, checked and decrypted.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HashMap<String, String>,
    /// The VAPID check: `Ok` or why it failed.
    pub vapid: Result<(), String>,
    /// The decrypted payload, or why it could not be read.
    pub payload: Result<Value, String>,
    /// The status the service answered.
    pub status: u16,
}

#[derive(Default)]
struct State {
    server_key: Option<String>,
    phones: HashMap<String, Phone>,
    answers: HashMap<String, u16>,
    received: Vec<Received>,
    count: usize,
    /// Check, decrypt and keep every push received (tests), or only count them (the benchmark).
    keep: bool,
}

/// The running double.
#[derive(Clone)]
pub struct PushService {
    /// `http://127.0.0.1:PORT`, the origin VAPID tokens must name.
    pub origin: String,
    state: Arc<Mutex<State>>,
}

impl PushService {
    /// Start on a free port; pushes are checked against `server_key` (the server's
    /// `GET /api/v1/push`), which may also be given later with `expect_key`.
    pub async fn start() -> PushService {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the push service binds");
        let port = listener.local_addr().expect("an address").port();
        let service = PushService {
            origin: format!("http://127.0.0.1:{port}"),
            state: Arc::new(Mutex::new(State {
                keep: true,
                ..State::default()
            })),
        };
        let serving = service.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let connection = serving.clone();
                tokio::spawn(async move { connection.serve(stream).await });
            }
        });
        service
    }

    /// The server's public VAPID key that every push must be signed with.
    pub fn expect_key(&self, public_key: &str) {
        self.lock().server_key = Some(public_key.to_string());
    }

    /// Only count pushes from now on, without checking or decrypting them (the benchmark).
    pub fn count_only(&self) {
        self.lock().keep = false;
    }

    /// A new phone subscribed on this service.
    pub fn phone(&self) -> Phone {
        let secret = loop {
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            if let Ok(secret) = web_push_native::p256::SecretKey::from_slice(&bytes) {
                break secret;
            }
        };
        let mut auth = [0u8; 16];
        rand::rng().fill_bytes(&mut auth);
        let phone = Phone {
            endpoint: format!("{}/push/{}", self.origin, uuid::Uuid::new_v4().simple()),
            secret,
            auth,
        };
        self.lock().phones.insert(phone.path(), phone.clone());
        phone
    }

    /// Answer pushes to `phone` with `status` from now on (e.g. `410`: unsubscribed).
    pub fn answer(&self, phone: &Phone, status: u16) {
        self.lock().answers.insert(phone.path(), status);
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    /// How many pushes have been received.
    pub fn count(&self) -> usize {
        self.lock().count
    }

    /// What `phone` received so far.
    pub fn received_by(&self, phone: &Phone) -> Vec<Received> {
        let path = phone.path();
        self.received()
            .into_iter()
            .filter(|push| push.path == path)
            .collect()
    }

    /// Wait until `phone` has received `count` pushes (at most `within`); what it received.
    pub async fn wait_for(&self, phone: &Phone, count: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let received = self.received_by(phone);
            if received.len() >= count || tokio::time::Instant::now() >= deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// One keep-alive connection: requests one after another until the client closes it.
    async fn serve(&self, stream: tokio::net::TcpStream) {
        let (read, mut write) = stream.into_split();
        let mut reader = BufReader::new(read);
        loop {
            let mut request_line = String::new();
            match reader.read_line(&mut request_line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let path = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_string();
            let mut headers = HashMap::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
                }
            }
            let length: usize = headers
                .get("content-length")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0u8; length];
            if reader.read_exact(&mut body).await.is_err() {
                return;
            }
            let status = self.receive(path, headers, body);
            let answer = format!("HTTP/1.1 {status} Push\r\ncontent-length: 0\r\n\r\n");
            if write.write_all(answer.as_bytes()).await.is_err() {
                return;
            }
        }
    }

    fn receive(&self, path: String, headers: HashMap<String, String>, body: Vec<u8>) -> u16 {
        let mut state = self.lock();
        if !state.keep {
            // The benchmark: counted, not checked, so the double spends no time on the cores
            // the server is measured on.
            state.count += 1;
            return 201;
        }
        let vapid = check_vapid(&headers, state.server_key.as_deref(), &self.origin);
        let phone = state.phones.get(&path).cloned();
        let payload = match (&phone, headers.get("content-encoding").map(String::as_str)) {
            (None, _) => Err("no such subscription".to_string()),
            (Some(_), encoding) if encoding != Some("aes128gcm") => {
                Err(format!("content-encoding {encoding:?}"))
            }
            (Some(phone), _) => decrypt(phone, body),
        };
        let status = match (&vapid, &payload, headers.contains_key("ttl")) {
            (Err(_), _, _) => 401,
            (_, _, false) => 400,
            (Ok(()), Err(_), _) if phone.is_none() => 404,
            (Ok(()), Err(_), _) => 400,
            (Ok(()), Ok(_), true) => state.answers.get(&path).copied().unwrap_or(201),
        };
        state.count += 1;
        if state.keep {
            state.received.push(Received {
                path,
                headers,
                vapid,
                payload,
                status,
            });
        }
        status
    }
}

/// RFC 8292: `vapid t=<JWT>, k=<key>`; the key is the server's, the JWT's ES256 signature
/// verifies with it, `aud` is this service's origin and `exp` is at most 24 hours away.
fn check_vapid(
    headers: &HashMap<String, String>,
    server_key: Option<&str>,
    origin: &str,
) -> Result<(), String> {
    let header = headers
        .get("authorization")
        .ok_or("no Authorization header")?;
    let rest = header
        .strip_prefix("vapid ")
        .ok_or("not a vapid authorization")?;
    let mut token = None;
    let mut key = None;
    for part in rest.split(',').map(str::trim) {
        if let Some(t) = part.strip_prefix("t=") {
            token = Some(t);
        } else if let Some(k) = part.strip_prefix("k=") {
            key = Some(k);
        }
    }
    let (token, key) = (token.ok_or("no t=")?, key.ok_or("no k=")?);
    let expected = server_key.ok_or("the server's key was not given to the double")?;
    if key != expected {
        return Err("k= is not the server's public key".into());
    }
    let raw = URL_SAFE_NO_PAD
        .decode(key)
        .map_err(|_| "k= is not base64url")?;
    let public = VerifyingKey::from_sec1_bytes(&raw).map_err(|_| "k= is not a P-256 key")?;
    let parts: Vec<&str> = token.split('.').collect();
    let [header, claims, signature] = parts.as_slice() else {
        return Err("the JWT is not three parts".into());
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| "a JWT part is not base64url")
    };
    let header: Value = serde_json::from_slice(&decode(header)?).map_err(|e| e.to_string())?;
    if header["alg"] != "ES256" {
        return Err(format!("alg {}", header["alg"]));
    }
    let signature =
        Signature::from_slice(&decode(signature)?).map_err(|_| "not an ES256 signature")?;
    let signed = &token[..token.rfind('.').unwrap_or(0)];
    public
        .verify(signed.as_bytes(), &signature)
        .map_err(|_| "the JWT's signature does not verify with k=")?;
    let claims: Value = serde_json::from_slice(&decode(claims)?).map_err(|e| e.to_string())?;
    if claims["aud"] != origin {
        return Err(format!("aud {} is not {origin}", claims["aud"]));
    }
    let now = chrono::Utc::now().timestamp();
    let expires = claims["exp"].as_i64().ok_or("no exp")?;
    if expires <= now || expires > now + 24 * 3600 {
        return Err(format!("exp {expires} is not within the next 24 hours"));
    }
    if !claims["sub"].is_string() {
        return Err("no sub".into());
    }
    Ok(())
}

fn decrypt(phone: &Phone, body: Vec<u8>) -> Result<Value, String> {
    let plain = web_push_native::decrypt(body, &phone.secret, &phone.auth.into())
        .map_err(|error| format!("could not decrypt: {error}"))?;
    serde_json::from_slice(&plain).map_err(|error| format!("not JSON: {error}"))
}
