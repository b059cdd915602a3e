//! Live day-of coordination: audiences, resuming without gaps, presence counts, bad input, slow
//! and silent followers, and organizers whose access ends while they follow.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;
use umbrella_tests::{event_fields, on_both_databases, TestApp};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp, event_id: &str, after: i32) -> Socket {
    let url = format!(
        "{}/api/v1/events/{event_id}/live?after={after}",
        app.address.replace("http://", "ws://")
    );
    tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket connects")
        .0
}

async fn say(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .expect("sent");
}

/// The next JSON message, skipping pings; panics after 5 seconds of silence.
async fn next(socket: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
            .await
            .expect("a message within 5 s")
            .expect("the socket is open")
            .expect("a frame");
        match frame {
            Message::Text(text) => return serde_json::from_str(&text).expect("JSON"),
            Message::Close(_) => return json!({"type": "closed"}),
            _ => continue,
        }
    }
}

/// Nothing arrives within half a second.
async fn quiet(socket: &mut Socket) {
    if let Ok(Some(Ok(Message::Text(text)))) =
        tokio::time::timeout(std::time::Duration::from_millis(500), socket.next()).await
    {
        panic!("expected nothing, got {text}");
    }
}

async fn follow(app: &TestApp, event_id: &str, after: i32, token: Option<&str>) -> (Socket, Value) {
    let mut socket = connect(app, event_id, after).await;
    say(
        &mut socket,
        match token {
            Some(token) => json!({"type": "hello", "token": token}),
            None => json!({"type": "hello"}),
        },
    )
    .await;
    let welcome = next(&mut socket).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    (socket, welcome)
}

async fn post(app: &TestApp, token: &str, event_id: &str, body: Value) -> (u16, Value) {
    app.send_json(
        Method::POST,
        &format!("/api/v1/events/{event_id}/updates"),
        Some(token),
        &body,
    )
    .await
}

async fn announce(app: &TestApp, token: &str, event_id: &str, audience: &str, text: &str) -> i64 {
    let (status, body) = post(
        app,
        token,
        event_id,
        json!({"kind": "announcement", "audience": audience, "text": text}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["seq"].as_i64().expect("seq")
}

async fn action(app: &TestApp, token: &str) -> String {
    let event = app
        .create_event(token, event_fields("March", 0, json!({"kind": "action", "roles": ["medic", "marshal"], "starts_at": chrono::Utc::now().to_rfc3339(), "ends_at": (chrono::Utc::now() + chrono::Duration::hours(3)).to_rfc3339()})))
        .await;
    event["id"].as_str().expect("id").to_string()
}

async fn each_follower_gets_only_their_audiences(app: TestApp) {
    let organizer = app.organizer_token().await;
    let id = action(&app, &organizer).await;
    let medic = app
        .rsvp_api(&id, json!({"pseudonym": "Medic one", "role": "medic"}))
        .await;
    for (audience, text) in [
        ("public", "Gather at noon"),
        ("attendees", "Bring water"),
        ("medic", "Medic tent north"),
        ("marshal", "Marshals to the front"),
    ] {
        announce(&app, &organizer, &id, audience, text).await;
    }
    let (mut public, welcome) = follow(&app, &id, 0, None).await;
    assert_eq!(welcome["audiences"], json!(["public"]));
    assert_eq!(next(&mut public).await["seq"], 1);
    let (mut attendee, welcome) = follow(&app, &id, 0, Some(&medic)).await;
    assert_eq!(
        welcome["audiences"],
        json!(["public", "attendees", "medic", "responders"])
    );
    for seq in [1, 2, 3] {
        let update = next(&mut attendee).await;
        assert_eq!(
            (update["type"].as_str(), update["seq"].as_i64()),
            (Some("update"), Some(seq))
        );
    }
    let (mut lead, _) = follow(&app, &id, 0, Some(&organizer)).await;
    let mut seen = Vec::new();
    while seen.len() < 4 {
        let message = next(&mut lead).await;
        if message["type"] == "update" {
            seen.push(message["seq"].as_i64().expect("seq"));
        }
    }
    assert_eq!(seen, [1, 2, 3, 4], "organizers see everything, in order");

    announce(&app, &organizer, &id, "marshal", "Marshals only").await;
    announce(&app, &organizer, &id, "public", "Everyone: moving now").await;
    let update = next(&mut public).await;
    assert_eq!(
        (update["seq"].as_i64(), update["text"].as_str()),
        (Some(6), Some("Everyone: moving now")),
        "the marshal update never reached the public"
    );
    assert_eq!(update["audience"], "public");
    assert_eq!(update["kind"], "announcement");
    assert!(update["created_at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert_eq!(next(&mut attendee).await["seq"], 6);

    // The history answers the same way.
    let (_, history) = app
        .get_json(&format!("/api/v1/events/{id}/updates?after=0"), None)
        .await;
    let seqs: Vec<i64> = history["updates"]
        .as_array()
        .expect("list")
        .iter()
        .map(|u| u["seq"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(seqs, [1, 6]);
    let (_, history) = app
        .get_json(
            &format!("/api/v1/events/{id}/updates?after=2"),
            Some(&medic),
        )
        .await;
    let seqs: Vec<i64> = history["updates"]
        .as_array()
        .expect("list")
        .iter()
        .map(|u| u["seq"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(seqs, [3, 6]);

    // Another event's updates never arrive.
    let other = action(&app, &organizer).await;
    announce(&app, &organizer, &other, "public", "Elsewhere").await;
    quiet(&mut public).await;
}

async fn a_dropped_follower_resumes_without_gaps(app: TestApp) {
    let organizer = app.organizer_token().await;
    let id = action(&app, &organizer).await;
    for n in 1..=3 {
        announce(&app, &organizer, &id, "public", &format!("update {n}")).await;
    }
    let (mut socket, _) = follow(&app, &id, 0, None).await;
    for seq in 1..=3 {
        assert_eq!(next(&mut socket).await["seq"], seq);
    }
    drop(socket);
    announce(&app, &organizer, &id, "public", "update 4").await;
    announce(&app, &organizer, &id, "public", "update 5").await;
    let (mut socket, _) = follow(&app, &id, 3, None).await;
    assert_eq!(next(&mut socket).await["seq"], 4);
    assert_eq!(next(&mut socket).await["seq"], 5);
    announce(&app, &organizer, &id, "public", "update 6").await;
    assert_eq!(next(&mut socket).await["seq"], 6);
    quiet(&mut socket).await;

    // A burst while connected arrives complete and in order.
    for n in 7..=26 {
        announce(&app, &organizer, &id, "public", &format!("update {n}")).await;
    }
    for seq in 7..=26 {
        assert_eq!(next(&mut socket).await["seq"], seq);
    }
    // Operators see the open connection in /metrics.
    let (_, metrics) = app.metrics().await;
    assert!(metrics.contains("umbrella_live_connections 1"), "{metrics}");
}

async fn organizers_see_who_is_not_yet_home_safe(app: TestApp) {
    let organizer = app.organizer_token().await;
    let id = action(&app, &organizer).await;
    let rosa = app
        .rsvp_api(&id, json!({"pseudonym": "Rosa", "role": "medic"}))
        .await;
    let lupe = app.rsvp_api(&id, json!({"pseudonym": "Lupe"})).await;
    let (mut lead, _) = follow(&app, &id, 0, Some(&organizer)).await;
    let counts = next(&mut lead).await;
    assert_eq!(
        counts,
        json!({"type": "counts", "followers": 1, "checked_in": 0, "safe": 0, "not_yet_safe": 0})
    );
    let (_follower, _) = follow(&app, &id, 0, None).await;
    assert_eq!(next(&mut lead).await["followers"], 2);

    for token in [&rosa, &lupe] {
        let (status, body) = app
            .send_json(
                Method::POST,
                &format!("/api/v1/rsvps/{token}/checkin"),
                None,
                &json!({}),
            )
            .await;
        assert_eq!(
            (status, body["checked_in"].as_bool()),
            (200, Some(true)),
            "{body}"
        );
    }
    let mut counts = next(&mut lead).await;
    while counts["checked_in"] != 2 {
        counts = next(&mut lead).await;
    }
    assert_eq!(counts["not_yet_safe"], 2);
    let browser = app.browser();
    let response = app
        .post_form(&browser, &format!("/r/{rosa}"), &[("action", "safe")])
        .await;
    assert_eq!(response.status(), 303);
    let mut counts = next(&mut lead).await;
    while counts["safe"] != 1 {
        counts = next(&mut lead).await;
    }
    assert_eq!(counts["not_yet_safe"], 1);
    let (_, list) = app
        .get_json(&format!("/api/v1/events/{id}/rsvps"), Some(&organizer))
        .await;
    let missing: Vec<&str> = list["rsvps"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|r| r["checked_in"] == true && r["home_safe"] == false)
        .filter_map(|r| r["pseudonym"].as_str())
        .collect();
    assert_eq!(missing, ["Lupe"], "jail support knows who to look for");
    let (status, _) = app
        .send_json(
            Method::POST,
            "/api/v1/rsvps/not-a-token/safe",
            None,
            &json!({}),
        )
        .await;
    assert_eq!(status, 404);
}

async fn bad_updates_and_frames_are_refused_harmlessly(app: TestApp) {
    let organizer = app.organizer_token().await;
    let id = action(&app, &organizer).await;
    let cases = [
        (
            json!({"kind": "party", "audience": "public", "text": "x"}),
            422,
            "kind",
        ),
        (
            json!({"kind": "alert", "audience": "public", "text": ""}),
            422,
            "text",
        ),
        (
            json!({"kind": "alert", "audience": "everyone", "text": "x"}),
            422,
            "audience",
        ),
        (
            json!({"kind": "alert", "audience": "driver", "text": "x"}),
            422,
            "audience",
        ),
        (
            json!({"kind": "location", "audience": "public", "text": "Moving"}),
            422,
            "location",
        ),
        (json!({"kind": "alert", "text": "x"}), 422, "audience"),
    ];
    for (body, status, field) in cases {
        let (got, answer) = post(&app, &organizer, &id, body.clone()).await;
        assert_eq!(
            (got, answer["field"].as_str()),
            (status, Some(field)),
            "{body}: {answer}"
        );
    }
    let (status, _) = post(
        &app,
        &organizer,
        &id,
        json!({"kind": "alert", "audience": "public", "text": "x".repeat(100 * 1024)}),
    )
    .await;
    assert_eq!(status, 413);
    let (status, _) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{id}/updates"),
            None,
            &json!({"kind": "alert", "audience": "public", "text": "x"}),
        )
        .await;
    assert_eq!(status, 401);
    let (_, history) = app
        .get_json(&format!("/api/v1/events/{id}/updates"), Some(&organizer))
        .await;
    assert_eq!(history["updates"], json!([]), "nothing was stored");
    // A sequence number is digits only: schemathesis found "\r5" read as 5 (seed 12973).
    for bad in ["-1", "%0D5", "%205", "+5"] {
        let (status, _) = app
            .get_json(&format!("/api/v1/events/{id}/updates?after={bad}"), None)
            .await;
        assert_eq!(status, 422, "after={bad}");
    }

    let mut socket = connect(&app, &id, 0).await;
    say(&mut socket, json!({"type": "shout"})).await;
    assert_eq!(next(&mut socket).await["type"], "error");
    socket
        .send(Message::text("not json at all"))
        .await
        .expect("sent");
    assert_eq!(next(&mut socket).await["type"], "error");
    socket
        .send(Message::binary(vec![0u8, 1, 2]))
        .await
        .expect("sent");
    assert_eq!(next(&mut socket).await["type"], "error");
    say(
        &mut socket,
        json!({"type": "hello", "token": "not-a-real-token"}),
    )
    .await;
    let refused = next(&mut socket).await;
    assert_eq!(refused["type"], "error", "{refused}");
    say(&mut socket, json!({"type": "hello"})).await;
    assert_eq!(
        next(&mut socket).await["type"],
        "welcome",
        "the connection is unharmed"
    );
    announce(&app, &organizer, &id, "public", "still here").await;
    assert_eq!(next(&mut socket).await["seq"], 1);
    say(&mut socket, json!({"type": "hello"})).await;
    assert_eq!(next(&mut socket).await["type"], "error");
    socket
        .send(Message::text("x".repeat(64 * 1024)))
        .await
        .expect("sent");
    assert_eq!(
        next(&mut socket).await["type"],
        "closed",
        "an oversized frame ends the connection (close code 1009, see websocket_frames.rs)"
    );
    let (status, _) = app.get_text("/api/v1/events/no-such-event/live").await;
    assert_eq!(status, 404);
}

/// Send `request` as the whole of a new connection and read for up to 3 seconds: what came
/// back, and whether the server hung up.
async fn raw_exchange(app: &TestApp, request: String) -> (String, bool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    stream.write_all(request.as_bytes()).await.expect("sent");
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(3), stream.read_to_end(&mut answer))
        .await
        .is_ok();
    (String::from_utf8_lossy(&answer).into_owned(), closed)
}

/// Requests that ask for a websocket are served outside the HTTP/1 dispatcher (`live::takeover`):
/// a refused handshake still gets the application's whole answer (status, JSON, security
/// headers) and the connection closes; other paths answer as usual; a client's ping is
/// answered.
async fn websocket_requests_get_whole_answers(app: TestApp) {
    let organizer = app.organizer_token().await;
    let id = action(&app, &organizer).await;
    let host = app.address.trim_start_matches("http://").to_string();
    let ask =
        |path: &str, key: bool| {
            format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
             Sec-WebSocket-Version: 13\r\n{}\r\n",
            if key { "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" } else { "" }
        )
        };
    for (path, key, status, says) in [
        (
            "/api/v1/events/no-such-event/live".to_string(),
            true,
            "404",
            "\"error\"",
        ),
        (
            format!("/api/v1/events/{id}/live?after=-1"),
            true,
            "422",
            "\"field\"",
        ),
        (
            format!("/api/v1/events/{id}/live"),
            false,
            "400",
            "not a websocket handshake",
        ),
    ] {
        let (answer, closed) = raw_exchange(&app, ask(&path, key)).await;
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")),
            "{path}: {answer}"
        );
        assert!(closed, "{path}: the connection closes after the answer");
        assert!(answer.contains(says), "{path}: {answer}");
        assert!(
            answer
                .to_ascii_lowercase()
                .contains("x-content-type-options: nosniff"),
            "the middleware ran: {answer}"
        );
    }
    let (page, _) = raw_exchange(&app, ask("/", true)).await;
    assert!(page.starts_with("HTTP/1.1 200 "), "{page}");
    assert!(page
        .to_ascii_lowercase()
        .contains("content-security-policy"));

    let (accepted, _) = raw_exchange(&app, ask(&format!("/api/v1/events/{id}/live"), true)).await;
    assert!(
        accepted.starts_with("HTTP/1.1 101 ") && accepted.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        "the handshake is answered (RFC 6455's sample key): {accepted}"
    );

    let (mut socket, _) = follow(&app, &id, 0, None).await;
    socket
        .send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .expect("sent");
    let pong = loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next()).await {
            Ok(Some(Ok(Message::Pong(bytes)))) => break bytes,
            Ok(Some(Ok(_))) => continue,
            other => panic!("expected a pong, got {other:?}"),
        }
    };
    assert_eq!(&pong[..], b"are you there");
    announce(&app, &organizer, &id, "public", "After the ping").await;
    assert_eq!(next(&mut socket).await["seq"], 1, "still following");
}

async fn a_location_update_moves_the_event(app: TestApp) {
    let organizer = app.organizer_token().await;
    let id = action(&app, &organizer).await;
    let (status, update) = post(&app, &organizer, &id, json!({"kind": "location", "audience": "public", "text": "Route change", "location": "City hall steps"})).await;
    assert_eq!(status, 201, "{update}");
    assert_eq!(update["location"], "City hall steps");
    let (_, event) = app.get_json(&format!("/api/v1/events/{id}"), None).await;
    assert_eq!(event["location"], "City hall steps");
    let (_, page) = app.get_text(&format!("/events/{id}")).await;
    assert!(page.contains("City hall steps"));
}

async fn live_pages_work_without_javascript(app: TestApp) {
    let organizer = app.organizer_token().await;
    let id = action(&app, &organizer).await;
    let medic = app
        .rsvp_api(&id, json!({"pseudonym": "Medic", "role": "medic"}))
        .await;
    announce(&app, &organizer, &id, "public", "Meet by the fountain").await;
    announce(&app, &organizer, &id, "medic", "Medics carry extra water").await;
    let (status, page) = app.get_text(&format!("/events/{id}/live")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Meet by the fountain") && !page.contains("Medics carry extra water"));
    assert!(
        page.contains("<noscript><meta http-equiv=\"refresh\""),
        "refreshes itself without JavaScript"
    );
    assert!(page.contains("aria-live=\"polite\""));
    let response = app.get(&app.client(), &format!("/r/{medic}/live")).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let page = response.text().await.expect("body");
    assert!(
        page.contains("Medics carry extra water"),
        "the attendee's page has their role's updates"
    );
    assert!(
        page.contains("<title>Live updates · Umbrella</title>"),
        "a neutral title"
    );

    let browser = app.signed_in_browser("console").await;
    let console = app
        .get(&browser, &format!("/organize/events/{id}/live"))
        .await
        .text()
        .await
        .expect("body");
    assert!(console.contains("Post an update") && console.contains("value=\"medic\""));
    assert!(
        !console.contains("checked>"),
        "no audience is chosen for the organizer"
    );
    let (mut follower, _) = follow(&app, &id, 2, None).await;
    let path = format!("/organize/events/{id}/updates");
    let response = app
        .post_form(
            &browser,
            &path,
            &[("kind", "alert"), ("text", "Police ahead")],
        )
        .await;
    assert_eq!(response.status(), 422, "the audience must be chosen");
    let response = app
        .post_form(
            &browser,
            &path,
            &[
                ("kind", "alert"),
                ("audience", "public"),
                ("text", "Police ahead, turn left"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let update = next(&mut follower).await;
    assert_eq!(
        (update["kind"].as_str(), update["text"].as_str()),
        (Some("alert"), Some("Police ahead, turn left"))
    );
    let (_, page) = app.get_text(&format!("/events/{id}/live")).await;
    assert!(page.contains("role=\"alert\""), "alerts are announced");
    let (status, _) = app.get_text(&format!("/organize/events/{id}/live")).await;
    assert_eq!(status, 303, "the console needs a sign-in");
}

/// A follower whose TCP window is tiny (small segments, small receive buffer), so that once it
/// stops reading the server's queue for it fills after a few dozen updates rather than after
/// the megabytes a loopback connection would otherwise buffer.
async fn connect_through_small_window(app: &TestApp, event_id: &str, after: i32) -> Socket {
    let address: std::net::SocketAddr = app
        .address
        .trim_start_matches("http://")
        .parse()
        .expect("a socket address");
    let tcp = tokio::net::TcpSocket::new_v4().expect("a socket");
    tcp.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    socket2::SockRef::from(&tcp)
        .set_tcp_mss(536)
        .expect("TCP_MAXSEG");
    let stream = tcp.connect(address).await.expect("connects");
    let url = format!(
        "{}/api/v1/events/{event_id}/live?after={after}",
        app.address.replace("http://", "ws://")
    );
    tokio_tungstenite::client_async(url, tokio_tungstenite::MaybeTlsStream::Plain(stream))
        .await
        .expect("websocket handshake")
        .0
}

/// How many followers the server let go for `reason`, from `/metrics`.
async fn dropped(app: &TestApp, reason: &str) -> u64 {
    let (status, metrics) = app.metrics().await;
    assert_eq!(status, 200);
    let line = format!("umbrella_live_dropped_total{{reason=\"{reason}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&line))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// Run with `--live-buffer 4` (and a client timeout longer than the posting takes on a loaded
/// machine, so the follower is let go for falling behind, not for a send that timed out): a
/// follower that stops reading while many updates are posted is told to resync and let go (the server does not keep buffering for it); reconnecting
/// with `after` brings every missed update exactly once, in order.
async fn a_slow_follower_is_told_to_resync(app: TestApp) {
    let organizer = app.organizer_token().await;
    let id = action(&app, &organizer).await;
    let mut slow = connect_through_small_window(&app, &id, 0).await;
    say(&mut slow, json!({"type": "hello"})).await;
    assert_eq!(next(&mut slow).await["type"], "welcome");

    // It stops reading while the organizers post a long day's worth of long updates.
    const POSTED: i64 = 400;
    let filler = "Keep to the left side of the street. ".repeat(50);
    for n in 1..=POSTED {
        announce(&app, &organizer, &id, "public", &format!("{n}. {filler}")).await;
    }

    // Reading again: what was queued arrives in order, then `resync`, then the close. The
    // server waits 2 s for the queue to drain before it hangs up; through this 4 KiB window the
    // drain can take longer on a loaded machine, and then the connection is reset before the
    // `resync` is read (seen in CI on PostgreSQL, where the posting takes longer). Either way
    // the follower has every update up to where it stopped, in order, and resumes from there.
    let mut seen = 0;
    let told = loop {
        let message = match tokio::time::timeout(Duration::from_secs(5), slow.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                serde_json::from_str::<Value>(&text).expect("JSON")
            }
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(_)) | None) => break false,
            Err(_) => panic!("nothing within 5 s after {seen} updates"),
        };
        match message["type"].as_str() {
            Some("update") => {
                assert_eq!(message["seq"], seen + 1, "in order, no gap");
                seen += 1;
            }
            Some("resync") => break true,
            _ => panic!("expected updates then resync, got {message} after {seen} updates"),
        }
    };
    assert!(
        seen < POSTED,
        "the server stopped queueing for the slow follower"
    );
    if told {
        assert_eq!(next(&mut slow).await["type"], "closed");
    }
    assert_eq!(dropped(&app, "resync").await, 1);

    // Reconnecting where it left off: the rest, each once, in order, then live again.
    let (mut again, _) = follow(&app, &id, seen as i32, None).await;
    for seq in seen + 1..=POSTED {
        assert_eq!(next(&mut again).await["seq"], seq);
    }
    let last = announce(&app, &organizer, &id, "public", "Back in step").await;
    assert_eq!(next(&mut again).await["seq"], last);
    quiet(&mut again).await;
}

/// Run with a 1-second heartbeat and a 3-second client timeout: a follower that answers no
/// ping is let go; one that answers (tungstenite replies to pings as it reads) stays.
async fn a_follower_that_never_answers_pings_is_let_go(app: TestApp) {
    let organizer = app.organizer_token().await;
    let id = action(&app, &organizer).await;
    let (mut silent, _) = follow(&app, &id, 0, None).await;
    let (mut awake, _) = follow(&app, &id, 0, None).await;

    // The awake follower keeps reading (and so answering pings) for twice the timeout; the
    // silent one reads nothing and so answers nothing.
    let until = tokio::time::Instant::now() + Duration::from_secs(6);
    let mut pings = 0;
    while let Ok(frame) = tokio::time::timeout_at(until, awake.next()).await {
        match frame {
            Some(Ok(Message::Ping(_))) => pings += 1,
            other => panic!("the awake follower got {other:?}"),
        }
    }
    assert!(pings >= 3, "pinged every second, got {pings}");
    let seq = announce(&app, &organizer, &id, "public", "Still here?").await;
    assert_eq!(
        next(&mut awake).await["seq"],
        seq,
        "the awake follower stayed"
    );

    // The silent one finds only pings queued, then the close: not the update posted later.
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), silent.next())
            .await
            .expect("something within 5 s");
        match frame {
            Some(Ok(Message::Ping(_))) => continue,
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
            Some(Ok(other)) => panic!("the silent follower got {other:?} after its timeout"),
        }
    }
    assert_eq!(dropped(&app, "timeout").await, 1);
}

/// An organizer's connection says their access has ended and closes, within 2 s of `since`
/// (at once, not at the next periodic re-check), counted as `revoked`.
async fn access_ends_at_once(app: &TestApp, socket: &mut Socket, since: Instant) {
    let ending = next(socket).await;
    assert_eq!(ending["type"], "error", "{ending}");
    assert!(ending["message"]
        .as_str()
        .is_some_and(|m| m.contains("organizer access has ended")));
    assert_eq!(next(socket).await["type"], "closed");
    assert!(
        since.elapsed() < Duration::from_secs(2),
        "dropped at once, not at the next periodic check"
    );
    assert_eq!(dropped(app, "revoked").await, 1);
}

/// An organizer following with their API token hears organizer-only updates and counts;
/// when an admin disables them, the connection says why and closes at once.
async fn a_disabled_organizer_stops_hearing_at_once(app: TestApp) {
    let admin = app.signed_in_admin("chief").await;
    app.create_organizer("lead").await;
    let token = app.token_for("lead").await;
    let other = app.organizer_token().await;
    let id = action(&app, &other).await;
    let (mut lead, welcome) = follow(&app, &id, 0, Some(&token)).await;
    assert!(welcome["audiences"]
        .as_array()
        .expect("audiences")
        .contains(&json!("medic")));
    assert_eq!(next(&mut lead).await["type"], "counts");
    let seq = announce(&app, &other, &id, "medic", "Medic tent moved north").await;
    assert_eq!(next(&mut lead).await["seq"], seq);

    let lead_handle = umbrella::domain::organizer::Handle::parse("lead").expect("a handle");
    let lead_id = umbrella::db::organizers::find_by_handle(&mut app.database(), &lead_handle)
        .expect("query")
        .expect("lead exists")
        .id;
    let disabled_at = Instant::now();
    let response = app
        .post_form(
            &admin,
            &format!("/organize/organizers/{lead_id}/disable"),
            &[],
        )
        .await;
    assert_eq!(response.status(), 303);
    access_ends_at_once(&app, &mut lead, disabled_at).await;

    // Following again with the same token is refused; the public audience still works.
    let mut socket = connect(&app, &id, 0).await;
    say(&mut socket, json!({"type": "hello", "token": token})).await;
    assert_eq!(next(&mut socket).await["type"], "error");
    say(&mut socket, json!({"type": "hello"})).await;
    assert_eq!(next(&mut socket).await["audiences"], json!(["public"]));
    announce(&app, &other, &id, "medic", "Medics only").await;
    quiet(&mut socket).await;
}

/// A handshake carrying `cookie`, and optionally an `Origin`, as a browser sends it.
async fn connect_as_browser(
    app: &TestApp,
    event_id: &str,
    cookie: &str,
    origin: Option<&str>,
) -> Socket {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = format!(
        "{}/api/v1/events/{event_id}/live?after=0",
        app.address.replace("http://", "ws://")
    );
    let mut request = url.into_client_request().expect("a websocket request");
    let headers = request.headers_mut();
    headers.insert("cookie", cookie.parse().expect("a header value"));
    if let Some(origin) = origin {
        headers.insert("origin", origin.parse().expect("a header value"));
    }
    tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket connects")
        .0
}

/// An organizer follows from the console, signed in with a session: signing out (in another
/// tab, on a shared phone) ends that connection at once. A page on another site that opens the
/// socket in their browser gets only the public audience.
async fn signing_out_ends_the_consoles_live_connection(app: TestApp) {
    let other = app.organizer_token().await;
    let id = action(&app, &other).await;
    app.signed_in_browser("door").await;
    let browser = app.browser();
    let response = app
        .post_form(
            &browser,
            "/organize/login",
            &[("handle", "door"), ("password", TestApp::PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), 303);
    let session = response
        .cookies()
        .find(|c| c.name() == "umbrella_session")
        .map(|c| format!("umbrella_session={}", c.value()))
        .expect("a session cookie");

    let mut hijacked =
        connect_as_browser(&app, &id, &session, Some("http://elsewhere.example")).await;
    say(&mut hijacked, json!({"type": "hello"})).await;
    assert_eq!(next(&mut hijacked).await["audiences"], json!(["public"]));

    let mut console = connect_as_browser(&app, &id, &session, Some(&app.address)).await;
    say(&mut console, json!({"type": "hello"})).await;
    let welcome = next(&mut console).await;
    assert!(
        welcome["audiences"]
            .as_array()
            .is_some_and(|a| a.contains(&json!("jail_support"))),
        "{welcome}"
    );
    assert_eq!(next(&mut console).await["type"], "counts");
    let seq = announce(&app, &other, &id, "marshal", "Marshals to the north door").await;
    // The hijacked connection joins the hub in its own time, and its joining sends the console
    // fresh counts, before or after the update: counts are passed over, nothing else is.
    let update = loop {
        let message = next(&mut console).await;
        if message["type"] != "counts" {
            break message;
        }
    };
    assert_eq!(update["seq"], seq, "{update}");

    let signed_out_at = Instant::now();
    let response = app.post_form(&browser, "/organize/logout", &[]).await;
    assert_eq!(response.status(), 303);
    access_ends_at_once(&app, &mut console, signed_out_at).await;
}

/// Stopping the server (a restart, a deploy) sends every follower away at once with close code
/// 1001, so their pages reconnect, instead of holding them until the shutdown grace runs out.
async fn stopping_the_server_sends_followers_away(app: TestApp) {
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    let organizer = app.organizer_token().await;
    let id = action(&app, &organizer).await;
    let (following, _) = follow(&app, &id, 0, None).await;
    let greeting = connect(&app, &id, 0).await;
    let stopping = Instant::now();
    // Each socket is dropped once told, as a browser closes its end.
    let told = async {
        for mut socket in [following, greeting] {
            let mut told_away = false;
            // Read on after the close, so the client answers it and sees the server hang up.
            loop {
                let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
                    .await
                    .expect("told within 5 s");
                match frame {
                    Some(Ok(Message::Ping(_))) => continue,
                    Some(Ok(Message::Close(Some(close)))) => {
                        assert_eq!(close.code, CloseCode::Away, "{close:?}");
                        told_away = true;
                    }
                    None | Some(Err(_)) if told_away => break,
                    other => panic!("expected a close frame, got {other:?}"),
                }
            }
        }
    };
    tokio::join!(app.stop_gracefully(), told);
    assert!(
        stopping.elapsed() < Duration::from_secs(5),
        "stopped in {:?}, well within the 10-second grace",
        stopping.elapsed()
    );
}

/// Run with a 1-second credential re-check: `umbrella token revoke` from the command line
/// (another process: on PostgreSQL its NOTIFY reaches the server, on SQLite the periodic
/// re-check does) ends the organizer's live connection.
async fn a_revoked_token_ends_the_live_connection(app: TestApp) {
    app.create_organizer("scout").await;
    let token = app.token_for("scout").await;
    let id = action(&app, &token).await;
    let (mut scout, _) = follow(&app, &id, 0, Some(&token)).await;
    assert_eq!(next(&mut scout).await["type"], "counts");
    let out = app
        .cli(&["token", "revoke", "scout"])
        .await
        .expect("revoked");
    assert!(out.contains("Revoked 1"), "{out}");
    let ending = next(&mut scout).await;
    assert_eq!(ending["type"], "error", "{ending}");
    assert_eq!(next(&mut scout).await["type"], "closed");
}

/// The live page keeps its plan on the device: live.js and the service worker it registers
/// come from this origin as JavaScript, the worker may control the live pages (and is
/// revalidated every time), the page loads no inline script, and the quick exit and "delete me
/// now" wipe what was saved.
async fn the_live_page_can_keep_its_plan_offline(app: TestApp) {
    let organizer = app.organizer_token().await;
    let id = action(&app, &organizer).await;
    let medic = app
        .rsvp_api(&id, json!({"pseudonym": "Medic", "role": "medic"}))
        .await;
    let client = app.client();
    for path in [format!("/events/{id}/live"), format!("/r/{medic}/live")] {
        let response = app.get(&client, &path).await;
        assert_eq!(response.status(), 200);
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .expect("ASCII")
            .to_string();
        assert!(csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"));
        let page = response.text().await.expect("body");
        assert!(page.contains(r#"<script src="/static/live.js" defer></script>"#));
        assert!(page.contains(r#"<script src="/static/quick-exit.js" defer></script>"#));
        assert!(
            !page.contains("<script>"),
            "no inline script on a live page"
        );
    }

    let script = app.get(&client, "/static/live.js").await;
    assert_eq!(script.status(), 200);
    assert!(script.headers()["content-type"]
        .to_str()
        .expect("ASCII")
        .contains("javascript"));
    let script = script.text().await.expect("body");
    assert!(script.contains("localStorage") && script.contains("Offline"));
    assert!(
        script.contains(r#"register("/static/live-sw.js", { scope: location.pathname })"#),
        "the worker is registered for the live page alone"
    );

    let worker = app.get(&client, "/static/live-sw.js").await;
    assert_eq!(worker.status(), 200);
    let headers = worker.headers().clone();
    assert!(headers["content-type"]
        .to_str()
        .expect("ASCII")
        .contains("javascript"));
    assert_eq!(
        headers["service-worker-allowed"], "/",
        "it may control /events/…/live and /r/…/live"
    );
    assert_eq!(headers["cache-control"], "no-cache");
    assert!(headers.contains_key("content-security-policy"));
    let worker = worker.text().await.expect("body");
    assert!(
        worker.contains("caches") && worker.contains(r"/^\/(events|r)\/[^/]+\/live$/"),
        "it caches the live pages only"
    );
    let etag = headers["etag"].to_str().expect("ASCII").to_string();
    let again = client
        .get(app.url("/static/live-sw.js"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["service-worker-allowed"], "/");

    let exit = app.get(&client, "/static/quick-exit.js").await;
    let exit = exit.text().await.expect("body");
    assert!(
        exit.contains("umbrella-live-")
            && exit.contains("caches.delete")
            && exit.contains("unregister"),
        "the quick exit wipes the saved plan, the cache and the worker"
    );
    let (_, manage) = app.get_text(&format!("/r/{medic}")).await;
    assert!(
        manage.contains("data-forget-device"),
        "delete me now wipes the device too"
    );
}

on_both_databases!(with ["--live-buffer", "4", "--live-client-timeout-seconds", "600"] => a_slow_follower_is_told_to_resync);
on_both_databases!(with ["--live-heartbeat-seconds", "1", "--live-client-timeout-seconds", "3"] => a_follower_that_never_answers_pings_is_let_go);
on_both_databases!(with ["--live-recheck-seconds", "1"] => a_revoked_token_ends_the_live_connection);

on_both_databases!(
    a_disabled_organizer_stops_hearing_at_once,
    signing_out_ends_the_consoles_live_connection,
    stopping_the_server_sends_followers_away,
    the_live_page_can_keep_its_plan_offline,
    live_pages_work_without_javascript,
    each_follower_gets_only_their_audiences,
    a_dropped_follower_resumes_without_gaps,
    organizers_see_who_is_not_yet_home_safe,
    bad_updates_and_frames_are_refused_harmlessly,
    websocket_requests_get_whole_answers,
    a_location_update_moves_the_event,
);

/// Two instances on one PostgreSQL, a follower on each: an update posted to either reaches
/// both, and one posted while the listeners are cut off arrives once they reconnect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_live_updates() {
    let Some(first) = TestApp::spawn(umbrella_tests::Backend::Postgres).await else {
        return;
    };
    let database = first.settings.database();
    let Some(url) = database.postgres_url().map(str::to_string) else {
        panic!("expected PostgreSQL")
    };
    // Instances of one site share the key file, as the database remembers which key it uses.
    let keys = first.data_dir.display().to_string();
    let second = TestApp::spawn_with(
        umbrella_tests::Backend::Postgres,
        &["--database-url", &url, "--data-dir", &keys],
    )
    .await
    .expect("a second instance on the same database");
    let organizer = first.organizer_token().await;
    let id = action(&first, &organizer).await;
    let (mut on_first, _) = follow(&first, &id, 0, None).await;
    let (mut on_second, _) = follow(&second, &id, 0, None).await;
    announce(&first, &organizer, &id, "public", "posted to the first").await;
    announce(&second, &organizer, &id, "public", "posted to the second").await;
    for socket in [&mut on_first, &mut on_second] {
        assert_eq!(next(socket).await["seq"], 1);
        assert_eq!(next(socket).await["seq"], 2);
    }

    let database = url.rsplit('/').next().expect("a database name").to_string();
    let cut = std::process::Command::new("psql")
        .args([&format!("{}/postgres", umbrella_tests::postgres::server_url()), "-Atc"])
        .arg(format!(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '{}' AND datname = '{database}'",
            umbrella::live::relay::APPLICATION_NAME
        ))
        .output()
        .expect("psql runs");
    assert_eq!(
        String::from_utf8_lossy(&cut.stdout).trim(),
        "2",
        "both listeners were cut off"
    );
    announce(
        &first,
        &organizer,
        &id,
        "public",
        "posted while nobody listened",
    )
    .await;
    for socket in [&mut on_first, &mut on_second] {
        let update = next(socket).await;
        assert_eq!(
            (update["seq"].as_i64(), update["text"].as_str()),
            (Some(3), Some("posted while nobody listened"))
        );
    }
    quiet(&mut on_second).await;
}
