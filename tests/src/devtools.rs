//! Chromium's DevTools protocol spoken directly, beside chromedriver, for what WebDriver cannot
//! reach: a service worker's own context, and a push delivered to it as the browser's push
//! service would (`ServiceWorker.deliverPushMessage`). One connection to the whole browser of a
//! `Session`; commands to one target go through a flat session attached to it.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::browser::Session;

/// How long a command's answer or an awaited event may take.
const WAIT: Duration = Duration::from_secs(20);

/// The DevTools connection to one `Session`'s Chromium.
pub struct DevTools {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Events read while waiting for an answer, kept for `event`.
    events: Vec<Value>,
}

impl DevTools {
    /// Connect to the browser of `session`: Chromium writes the port and path of its DevTools
    /// endpoint to `DevToolsActivePort` in the profile chromedriver started it with.
    pub async fn connect(session: &Session) -> DevTools {
        let file = session.profile().join("DevToolsActivePort");
        let deadline = Instant::now() + WAIT;
        let text = loop {
            match std::fs::read_to_string(&file) {
                Ok(text) if text.lines().count() >= 2 => break text,
                _ => {
                    assert!(Instant::now() < deadline, "no {}", file.display());
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        };
        let mut lines = text.lines();
        let port = lines.next().unwrap_or_default().trim();
        let path = lines.next().unwrap_or_default().trim();
        let (socket, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}{path}"))
            .await
            .expect("Chromium's DevTools endpoint answers");
        DevTools {
            socket,
            next_id: 1,
            events: Vec::new(),
        }
    }

    /// Send `method` to the browser (`target: None`) or to an attached target's session; its
    /// result, or the test fails with the protocol's error.
    pub async fn call(&mut self, target: Option<&str>, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut command = json!({"id": id, "method": method, "params": params});
        if let Some(session) = target {
            command["sessionId"] = json!(session);
        }
        self.socket
            .send(Message::Text(command.to_string().into()))
            .await
            .expect("DevTools command sent");
        let deadline = Instant::now() + WAIT;
        loop {
            let message = self.read(deadline, method).await;
            if message["id"] == json!(id) {
                if let Some(error) = message.get("error") {
                    panic!("{method} failed: {error}");
                }
                return message["result"].clone();
            }
            if message.get("method").is_some() {
                self.events.push(message);
            }
        }
    }

    /// The first event named `method` whose `params` satisfy `wanted` (kept or still to come).
    pub async fn event(&mut self, method: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let matches =
            |message: &Value| message["method"] == json!(method) && wanted(&message["params"]);
        if let Some(at) = self.events.iter().position(matches) {
            return self.events.remove(at)["params"].clone();
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let message = self.read(deadline, method).await;
            if matches(&message) {
                return message["params"].clone();
            }
            if message.get("method").is_some() {
                self.events.push(message);
            }
        }
    }

    /// Attach to the first target of `kind` (`"page"`, `"service_worker"`) whose address ends with
    /// `url_end`, waiting for it to appear; the session id to `call` it with.
    pub async fn attach(&mut self, kind: &str, url_end: &str) -> String {
        let deadline = Instant::now() + WAIT;
        let target = loop {
            let targets = self.call(None, "Target.getTargets", json!({})).await;
            let found = targets["targetInfos"].as_array().and_then(|all| {
                all.iter().find(|t| {
                    t["type"] == json!(kind)
                        && t["url"].as_str().is_some_and(|url| url.ends_with(url_end))
                })
            });
            if let Some(target) = found {
                break target["targetId"].clone();
            }
            assert!(Instant::now() < deadline, "no {kind} at …{url_end}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let attached = self
            .call(
                None,
                "Target.attachToTarget",
                json!({"targetId": target, "flatten": true}),
            )
            .await;
        attached["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string()
    }

    /// Evaluate `expression` in an attached target, waiting for a promise it returns; its value.
    pub async fn evaluate(&mut self, target: &str, expression: &str) -> Value {
        let result = self
            .call(
                Some(target),
                "Runtime.evaluate",
                json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
            )
            .await;
        if let Some(thrown) = result.get("exceptionDetails") {
            panic!("{expression} threw: {thrown}");
        }
        result["result"]["value"].clone()
    }

    async fn read(&mut self, deadline: Instant, waiting_for: &str) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        let next = tokio::time::timeout(left, self.socket.next())
            .await
            .unwrap_or_else(|_| panic!("no answer to {waiting_for} in {WAIT:?}"));
        match next {
            Some(Ok(Message::Text(text))) => {
                serde_json::from_str(text.as_str()).expect("DevTools sends JSON")
            }
            Some(Ok(_)) => Value::Null,
            other => panic!("DevTools connection ended: {other:?}"),
        }
    }
}
