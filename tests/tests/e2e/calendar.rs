//! Calendar exports: valid iCalendar read by an independent parser, discreet titles, hidden
//! locations kept hidden, private feeds, and cheap polling.

use std::io::Read;

use reqwest::Method;
use serde_json::{json, Value};
use umbrella_tests::{event_fields, on_both_databases, parse_calendar, TestApp};

async fn fetch(app: &TestApp, path: &str) -> Vec<u8> {
    let response = app.get(&app.client(), path).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    response.bytes().await.expect("body").to_vec()
}

/// How soon a change reaches the public feed: whether it changed is read from the database at
/// most once a second.
const WITHIN: std::time::Duration = std::time::Duration::from_millis(1100);

/// The feed at `path`, parsed, as soon as `ready` holds for it; after `WITHIN` the last one read,
/// for the caller's assertions to judge (as strict as reading it once after `WITHIN`).
async fn feed_once(app: &TestApp, path: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + WITHIN;
    loop {
        // A read that started after the deadline is the last.
        let last = tokio::time::Instant::now() >= deadline;
        let parsed = parse_calendar(&fetch(app, path).await).expect("parses");
        if ready(&parsed) || last {
            return parsed;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// CRLF endings and lines of at most 75 octets, checked on the raw bytes.
fn assert_well_formed(bytes: &[u8]) {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    assert!(text.ends_with("\r\n"));
    for line in text.split("\r\n") {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare line break in {line:?}"
        );
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
}

fn events_of(parsed: &Value) -> &Vec<Value> {
    parsed["events"].as_array().expect("events")
}

fn find<'a>(parsed: &'a Value, uid_prefix: &str) -> Option<&'a Value> {
    events_of(parsed).iter().find(|e| {
        e["uid"]
            .as_str()
            .is_some_and(|uid| uid.starts_with(uid_prefix))
    })
}

async fn the_public_feed_is_valid_and_discreet(app: TestApp) {
    let token = app.organizer_token().await;
    // A title is one line (line breaks are refused); the description carries the line break.
    let nasty = "Rights, rent; and \\ backslashes ✊🏽 \"quoted\" — ünïcödé";
    let long = format!("{nasty}\nnew line; {}", "Long text ".repeat(40));
    let plain = app
        .create_event(&token, event_fields(nasty, 2, json!({"description": long})))
        .await;
    let covered = app
        .create_event(
            &token,
            event_fields("Decriminalization rally", 4, json!({"kind": "action", "cover_title": "Saturday picnic", "description": "March on city hall"})),
        )
        .await;
    let bytes = fetch(&app, "/calendar.ics").await;
    assert_well_formed(&bytes);
    let Some(parsed) = parse_calendar(&bytes) else {
        return;
    };
    assert_eq!(parsed["version"], "2.0");
    assert_eq!(parsed["method"], "PUBLISH");
    assert_eq!(parsed["name"], "Umbrella events");
    assert!(parsed["prodid"]
        .as_str()
        .is_some_and(|p| p.contains("Umbrella")));
    assert!(parsed["refresh"].is_string() && parsed["ttl"].is_string());
    assert_eq!(events_of(&parsed).len(), 2);

    let plain_id = plain["id"].as_str().expect("id");
    let event = find(&parsed, plain_id).expect("in the feed");
    assert_eq!(
        event["summary"], nasty,
        "text round-trips through escaping and folding"
    );
    assert!(
        event["description"]
            .as_str()
            .is_some_and(|d| d.starts_with(long.trim_end())),
        "so do several lines: {}",
        event["description"]
    );
    assert_eq!(event["status"], "CONFIRMED");
    assert_eq!(event["sequence"], 0);
    assert_eq!(event["url"], app.url(&format!("/events/{plain_id}")));
    assert!(
        event["dtstart"]
            .as_str()
            .is_some_and(|t| t.ends_with("+00:00")),
        "UTC times"
    );
    assert!(event["dtstamp"].is_string() && event["last_modified"].is_string());
    assert_eq!(event["location"], "Community room, 12 Main St");

    let covered_id = covered["id"].as_str().expect("id");
    let event = find(&parsed, covered_id).expect("in the feed");
    assert_eq!(
        event["summary"], "Saturday picnic",
        "the cover title, not the real one"
    );
    let raw = String::from_utf8_lossy(&bytes);
    assert!(
        !raw.contains("Decriminalization") && !raw.contains("March on city hall"),
        "nothing gives it away"
    );

    // The home page offers to subscribe.
    let (_, home) = app.get_text("/").await;
    assert!(
        home.contains("webcal://127.0.0.1:") && home.contains("/calendar.ics"),
        "subscribe links"
    );
}

async fn edits_and_cancellations_reach_subscribers(app: TestApp) {
    let token = app.organizer_token().await;
    let event = app
        .create_event(&token, event_fields("Workshop", 3, json!({})))
        .await;
    let id = event["id"].as_str().expect("id");
    let uid = |parsed: &Value| find(parsed, id).map(|e| e["uid"].clone());
    let Some(before) = parse_calendar(&fetch(&app, "/calendar.ics").await) else {
        return;
    };
    app.send_json(
        Method::PATCH,
        &format!("/api/v1/events/{id}"),
        Some(&token),
        &json!({"title": "Workshop, renamed"}),
    )
    .await;
    let after = feed_once(&app, "/calendar.ics", |feed| {
        find(feed, id).is_some_and(|e| e["summary"] == "Workshop, renamed")
    })
    .await;
    assert_eq!(uid(&before), uid(&after), "the UID never changes");
    assert_eq!(find(&after, id).expect("there")["sequence"], 1);
    assert_eq!(
        find(&after, id).expect("there")["summary"],
        "Workshop, renamed"
    );

    app.send_json(
        Method::POST,
        &format!("/api/v1/events/{id}/cancel"),
        Some(&token),
        &json!({}),
    )
    .await;
    let cancelled = feed_once(&app, "/calendar.ics", |feed| {
        find(feed, id).is_some_and(|e| e["status"] == "CANCELLED")
    })
    .await;
    let entry = find(&cancelled, id).expect("a cancelled event stays until it would have ended");
    assert_eq!(entry["status"], "CANCELLED");
    assert_eq!(entry["sequence"], 2);

    // Past events: kept for 30 days; a cancelled one leaves once it would have ended.
    let past = app
        .create_event(&token, event_fields("Last week", -7, json!({})))
        .await;
    let old = app
        .create_event(&token, event_fields("Long ago", -40, json!({})))
        .await;
    let gone = app
        .create_event(&token, event_fields("Called off", -2, json!({})))
        .await;
    let gone_id = gone["id"].as_str().expect("id");
    app.send_json(
        Method::POST,
        &format!("/api/v1/events/{gone_id}/cancel"),
        Some(&token),
        &json!({}),
    )
    .await;
    let past_id = past["id"].as_str().expect("id");
    let parsed = feed_once(&app, "/calendar.ics", |feed| {
        find(feed, past_id).is_some() && find(feed, gone_id).is_none()
    })
    .await;
    assert!(find(&parsed, past_id).is_some());
    assert!(find(&parsed, old["id"].as_str().expect("id")).is_none());
    assert!(find(&parsed, gone_id).is_none());
}

async fn filters_and_visibility_shape_the_feed(app: TestApp) {
    let token = app.organizer_token().await;
    let secret = "The back room at 9 Elm";
    let workshop = app
        .create_event(
            &token,
            event_fields("Skills", 2, json!({"tags": ["skills"]})),
        )
        .await;
    let action = app
        .create_event(
            &token,
            event_fields(
                "March",
                3,
                json!({"kind": "action", "location": secret, "location_privacy": "attendees"}),
            ),
        )
        .await;
    let unlisted = app
        .create_event(
            &token,
            event_fields("Quiet", 4, json!({"visibility": "unlisted"})),
        )
        .await;
    let ids = |parsed: &Value| -> Vec<String> {
        events_of(parsed)
            .iter()
            .map(|e| {
                e["uid"]
                    .as_str()
                    .unwrap_or("")
                    .split('@')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    };
    let Some(all) = parse_calendar(&fetch(&app, "/calendar.ics").await) else {
        return;
    };
    assert_eq!(all["events"].as_array().map(Vec::len), Some(2));
    assert!(
        !ids(&all).contains(&unlisted["id"].as_str().expect("id").to_string()),
        "unlisted never in the feed"
    );
    let actions = parse_calendar(&fetch(&app, "/calendar.ics?kind=action").await).expect("parses");
    assert_eq!(
        ids(&actions),
        vec![action["id"].as_str().expect("id").to_string()]
    );
    assert_eq!(actions["name"], "Umbrella: Actions");
    let tagged = parse_calendar(&fetch(&app, "/calendar.ics?tag=skills").await).expect("parses");
    assert_eq!(
        ids(&tagged),
        vec![workshop["id"].as_str().expect("id").to_string()]
    );
    let (status, _) = app.get_text("/calendar.ics?kind=party").await;
    assert_eq!(status, 422);

    let action_id = action["id"].as_str().expect("id");
    for path in [
        "/calendar.ics".to_string(),
        "/calendar.ics?kind=action".into(),
        format!("/events/{action_id}/event.ics"),
    ] {
        let body = fetch(&app, &path).await;
        assert!(
            !String::from_utf8_lossy(&body).contains(secret),
            "{path} leaks the hidden location"
        );
    }
    let single = parse_calendar(&fetch(&app, &format!("/events/{action_id}/event.ics")).await)
        .expect("parses");
    assert_eq!(ids(&single), vec![action_id.to_string()]);
    let (status, _) = app.get_text("/events/nope/event.ics").await;
    assert_eq!(status, 404);
}

async fn an_rsvp_has_a_private_feed(app: TestApp) {
    let token = app.organizer_token().await;
    let secret = "Upstairs at the bakery";
    let event = app
        .create_event(&token, event_fields("Meeting", 2, json!({"location": secret, "location_privacy": "attendees", "capacity": 1, "reminder_offsets_minutes": [1440, 120]})))
        .await;
    let id = event["id"].as_str().expect("id");
    let rsvp = |name: &str| {
        let body = json!({"pseudonym": name});
        let path = format!("/api/v1/events/{id}/rsvps");
        let app = &app;
        async move {
            app.send_json(Method::POST, &path, None, &body).await.1["token"]
                .as_str()
                .unwrap_or("")
                .to_string()
        }
    };
    let going = rsvp("First").await;
    let waiting = rsvp("Second").await;
    let body = fetch(&app, &format!("/r/{going}/calendar.ics")).await;
    assert_well_formed(&body);
    let Some(parsed) = parse_calendar(&body) else {
        return;
    };
    let entry = &events_of(&parsed)[0];
    assert_eq!(entry["location"], secret, "a going RSVP sees the location");
    assert!(entry["description"]
        .as_str()
        .is_some_and(|d| d.contains(&app.url(&format!("/r/{going}")))));
    assert_eq!(entry["alarms"], json!(["-P1D", "-PT2H"]));
    let response = app
        .get(&app.client(), &format!("/r/{going}/calendar.ics"))
        .await;
    assert!(response.headers()["cache-control"]
        .to_str()
        .expect("ascii")
        .contains("private"));

    let parsed =
        parse_calendar(&fetch(&app, &format!("/r/{waiting}/calendar.ics")).await).expect("parses");
    assert!(
        events_of(&parsed)[0]["location"].is_null(),
        "the waitlist does not see it"
    );

    app.send_json(
        Method::PATCH,
        &format!("/api/v1/rsvps/{going}"),
        None,
        &json!({"status": "cancelled"}),
    )
    .await;
    let parsed =
        parse_calendar(&fetch(&app, &format!("/r/{going}/calendar.ics")).await).expect("parses");
    assert_eq!(
        events_of(&parsed)[0]["status"],
        "CANCELLED",
        "a cancelled RSVP drops the event"
    );
    let (status, _) = app.get_text("/r/not-a-token/calendar.ics").await;
    assert_eq!(status, 404);
}

async fn feeds_are_cheap_to_poll(app: TestApp) {
    let token = app.organizer_token().await;
    let event = app
        .create_event(&token, event_fields("Polled", 2, json!({})))
        .await;
    let client = app.client();
    let first = app.get(&client, "/calendar.ics").await;
    let etag = first.headers()["etag"].to_str().expect("ascii").to_string();
    let last_modified = first.headers()["last-modified"]
        .to_str()
        .expect("ascii")
        .to_string();
    let plain = first.bytes().await.expect("body");
    assert!(etag.starts_with('"'), "a strong ETag");

    let again = client
        .get(app.url("/calendar.ics"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().expect("ascii"), etag);
    let since = client
        .get(app.url("/calendar.ics"))
        .header("If-Modified-Since", &last_modified)
        .send()
        .await
        .expect("sent");
    assert_eq!(since.status(), 304);

    let zipped = client
        .get(app.url("/calendar.ics"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .expect("sent");
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&zipped.bytes().await.expect("body")[..])
        .read_to_end(&mut unzipped)
        .expect("gzip");
    assert_eq!(unzipped, plain.to_vec(), "the same bytes, compressed");

    let id = event["id"].as_str().expect("id");
    app.send_json(
        Method::PATCH,
        &format!("/api/v1/events/{id}"),
        Some(&token),
        &json!({"title": "Polled, changed"}),
    )
    .await;
    // Asked again as a poller does, until the change shows or `WITHIN` has passed.
    let deadline = tokio::time::Instant::now() + WITHIN;
    let changed = loop {
        let last = tokio::time::Instant::now() >= deadline;
        let response = client
            .get(app.url("/calendar.ics"))
            .header("If-None-Match", &etag)
            .send()
            .await
            .expect("sent");
        if response.status() == 200 || last {
            break response;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(changed.status(), 200, "a change is served within a second");
    assert_ne!(changed.headers()["etag"].to_str().expect("ascii"), etag);
    let single = app.get(&client, &format!("/events/{id}/event.ics")).await;
    let single_etag = single.headers()["etag"].clone();
    let again = client
        .get(app.url(&format!("/events/{id}/event.ics")))
        .header("If-None-Match", single_etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(again.status(), 304);
}

on_both_databases!(
    the_public_feed_is_valid_and_discreet,
    edits_and_cancellations_reach_subscribers,
    filters_and_visibility_shape_the_feed,
    an_rsvp_has_a_private_feed,
    feeds_are_cheap_to_poll,
);
