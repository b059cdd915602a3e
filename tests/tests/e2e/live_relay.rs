//! The PostgreSQL live relay between instances keeps track only of events followed on its
//! instance, and still replays to every follower what was posted while its listener was away.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;
use umbrella_tests::{event_fields, Backend, TestApp};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn follow(app: &TestApp, event_id: &str, after: i64) -> Socket {
    let url = format!(
        "{}/api/v1/events/{event_id}/live?after={after}",
        app.address.replace("http://", "ws://")
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket connects");
    socket
        .send(Message::text(json!({"type": "hello"}).to_string()))
        .await
        .expect("sent");
    assert_eq!(next(&mut socket).await["type"], "welcome");
    socket
}

/// The next JSON message, skipping pings; panics after 5 seconds of silence.
async fn next(socket: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a message within 5 s")
            .expect("the socket is open")
            .expect("a frame");
        if let Message::Text(text) = frame {
            return serde_json::from_str(&text).expect("JSON");
        }
    }
}

async fn announce(app: &TestApp, token: &str, event_id: &str, text: &str) -> i64 {
    let (status, body) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{event_id}/updates"),
            Some(token),
            &json!({"kind": "announcement", "audience": "public", "text": text}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["seq"].as_i64().expect("seq")
}

async fn action(app: &TestApp, token: &str, title: &str) -> String {
    let now = chrono::Utc::now();
    let event = app
        .create_event(
            token,
            event_fields(
                title,
                0,
                json!({"kind": "action", "starts_at": now.to_rfc3339(),
                       "ends_at": (now + chrono::Duration::hours(3)).to_rfc3339()}),
            ),
        )
        .await;
    event["id"].as_str().expect("id").to_string()
}

/// Cut every live listener on this database, as a network fault would.
fn cut_listeners(url: &str) {
    let database = url.rsplit('/').next().expect("a database name");
    let cut = std::process::Command::new("psql")
        .args([
            &format!("{}/postgres", umbrella_tests::postgres::server_url()),
            "-Atc",
        ])
        .arg(format!(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE application_name = '{}' AND datname = '{database}'",
            umbrella::live::relay::APPLICATION_NAME
        ))
        .output()
        .expect("psql runs");
    assert_eq!(
        String::from_utf8_lossy(&cut.stdout).trim(),
        "2",
        "both listeners were cut off"
    );
}

/// On the second of two instances: one event was relayed, then its follower left (the relay
/// forgets it); another was never updated. New followers of both still get what is posted
/// while the listeners are cut off, once they reconnect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_get_what_was_posted_while_the_relay_was_away() {
    let Some(first) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let database = first.settings.database();
    let Some(url) = database.postgres_url().map(str::to_string) else {
        panic!("expected PostgreSQL")
    };
    // Instances of one site share the key file, as the database remembers which key it uses.
    let keys = first.data_dir.display().to_string();
    let second = TestApp::spawn_with(
        Backend::Postgres,
        &["--database-url", &url, "--data-dir", &keys],
    )
    .await
    .expect("a second instance on the same database");
    let organizer = first.organizer_token().await;
    let relayed_once = action(&first, &organizer, "March").await;
    let never_updated = action(&first, &organizer, "Vigil").await;

    let mut leaving = follow(&second, &relayed_once, 0).await;
    announce(&first, &organizer, &relayed_once, "relayed, then forgotten").await;
    assert_eq!(next(&mut leaving).await["seq"], 1);
    drop(leaving);
    // The relay forgets an event nobody follows at its next quiet check (about a second).
    tokio::time::sleep(Duration::from_millis(2500)).await;

    let mut returning = follow(&second, &relayed_once, 1).await;
    let mut newcomer = follow(&second, &never_updated, 0).await;
    cut_listeners(&url);
    announce(&first, &organizer, &relayed_once, "posted while cut off").await;
    announce(&first, &organizer, &never_updated, "also while cut off").await;
    for (socket, seq, text) in [
        (&mut returning, 2, "posted while cut off"),
        (&mut newcomer, 1, "also while cut off"),
    ] {
        let update = next(socket).await;
        assert_eq!(
            (update["seq"].as_i64(), update["text"].as_str()),
            (Some(seq), Some(text)),
            "{update}"
        );
    }
}

/// An idle instance comes down to its pool's one idle connection and the relay's listener, and
/// news still reaches its followers at once: the listener waits on its socket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_instance_holds_two_connections_and_still_hears_news() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let database = app.settings.database();
    let url = database.postgres_url().expect("PostgreSQL").to_string();
    let organizer = app.organizer_token().await;
    let event = action(&app, &organizer, "Quiet vigil").await;
    // What startup and the requests above opened beyond the pool's one idle connection closes
    // once unused for 45 s, at the pool's next look (every 30 s), so within 75 s; the command
    // line's own connections (organizer, token) closed with it.
    let started = std::time::Instant::now();
    loop {
        let now = umbrella_tests::postgres::connections(&url);
        if now == (2, 1) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "still {now:?} (all, listeners) after 90 s idle"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let mut follower = follow(&app, &event, 0).await;
    let posted = std::time::Instant::now();
    announce(&app, &organizer, &event, "still listening").await;
    let update = next(&mut follower).await;
    assert_eq!(update["text"], "still listening");
    assert!(
        posted.elapsed() < Duration::from_secs(1),
        "the update arrived through NOTIFY in {:?}",
        posted.elapsed()
    );
}

/// Whether each live listener on `database` is encrypted (`t` or `f`), sorted.
fn listener_encryption(database: &str) -> Vec<String> {
    let listeners = std::process::Command::new("psql")
        .args([
            &format!("{}/postgres", umbrella_tests::postgres::server_url()),
            "-Atc",
        ])
        .arg(format!(
            "SELECT s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) \
             WHERE a.application_name = '{}' AND a.datname = '{database}' ORDER BY s.ssl",
            umbrella::live::relay::APPLICATION_NAME
        ))
        .output()
        .expect("psql runs");
    String::from_utf8_lossy(&listeners.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Wait (at most 10 s) until the listeners on `database` are encrypted as `expected`.
async fn listeners_become(database: &str, expected: &[&str]) {
    let mut seen = Vec::new();
    for _ in 0..40 {
        seen = listener_encryption(database);
        if seen == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("listeners encrypted {seen:?}, expected {expected:?}");
}

/// The listener encrypts as the database URL asks, as libpq does for the rest of the server:
/// `sslmode=disable` plainly, `require` over TLS (the test server's certificate is
/// self-signed, which `require` accepts), and with no `sslmode` (libpq's `prefer`) over TLS
/// when the server offers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_encrypts_as_the_database_url_asks() {
    let Some(first) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let database = first.settings.database();
    let url = database.postgres_url().expect("PostgreSQL").to_string();
    let name = url.rsplit('/').next().expect("a database name").to_string();
    let keys = first.data_dir.display().to_string();
    let ssl = std::process::Command::new("psql")
        .args([
            &format!("{}/postgres", umbrella_tests::postgres::server_url()),
            "-Atc",
            "show ssl",
        ])
        .output()
        .expect("psql runs");
    assert_eq!(
        String::from_utf8_lossy(&ssl.stdout).trim(),
        "on",
        "the test PostgreSQL serves TLS (Debian's default)"
    );
    listeners_become(&name, &["t"]).await;
    for (mode, expected) in [("disable", ["f", "t"]), ("require", ["t", "t"])] {
        let instance = TestApp::spawn_with(
            Backend::Postgres,
            &[
                "--database-url",
                &format!("{url}?sslmode={mode}"),
                "--data-dir",
                &keys,
            ],
        )
        .await
        .expect("an instance");
        listeners_become(&name, &expected).await;
        drop(instance);
        listeners_become(&name, &["t"]).await;
    }
}
