//! What public outputs give away besides what they show: attendance numbers only as the event's
//! count display allows, validators (`ETag`, `Last-Modified`) that move only when what is shown
//! moves, and gzip whenever the client's weights allow it.

use std::time::Duration;

use reqwest::{Client, Method};
use serde_json::{json, Value};
use umbrella_tests::{event_fields, on_both_databases, TestApp};

/// Every number anywhere in a JSON answer.
fn numbers(value: &Value) -> Vec<i64> {
    match value {
        Value::Number(n) => n.as_i64().into_iter().collect(),
        Value::Array(items) => items.iter().flat_map(numbers).collect(),
        Value::Object(fields) => fields.values().flat_map(numbers).collect(),
        _ => Vec::new(),
    }
}

/// An event for 25 with 13 places taken (one RSVP of 1, three of 1 + 3 guests); returns its id
/// and one manage token.
async fn thirteen_of_twenty_five(
    app: &TestApp,
    organizer: &str,
    display: &str,
) -> (String, String) {
    let event = app
        .create_event(
            organizer,
            event_fields(
                "Know your rights",
                3,
                json!({"capacity": 25, "count_display": display}),
            ),
        )
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    let token = app.rsvp_api(&id, json!({"pseudonym": "Sol"})).await;
    for name in ["Ari", "Bea", "Cy"] {
        app.rsvp_api(&id, json!({"pseudonym": name, "guests": 3}))
            .await;
    }
    (id, token)
}

/// With `rounded` or `hidden`, no public page, manage page or public API answer says how many
/// places are left (12) or how many are going (13); organizers still see it exactly, and with
/// `exact` the public does too.
async fn rounded_and_hidden_counts_show_no_exact_places_left(app: TestApp) {
    let organizer = app.organizer_token().await;
    for display in ["rounded", "hidden"] {
        let (id, token) = thirteen_of_twenty_five(&app, &organizer, display).await;
        for path in [format!("/events/{id}"), format!("/r/{token}")] {
            let (status, page) = app.get_text(&path).await;
            assert_eq!(status, 200);
            assert!(page.contains("25 places"), "{display} {path}: {page}");
            for exact in ["12 left", "13 people going", ">12<", ">13<"] {
                assert!(!page.contains(exact), "{display} {path} shows {exact:?}");
            }
        }
        let public_answers = [
            app.get_json(&format!("/api/v1/events/{id}"), None).await.1,
            app.get_json(&format!("/api/v1/rsvps/{token}"), None)
                .await
                .1,
            app.get_json("/api/v1/events?limit=200", None).await.1,
        ];
        for answer in &public_answers {
            assert_ne!(answer, &Value::Null);
            let found = numbers(answer);
            assert!(
                !found.contains(&12) && !found.contains(&13),
                "{display}: an exact count in {answer}"
            );
        }
        let (_, seen_by_organizer) = app
            .get_json(&format!("/api/v1/events/{id}"), Some(&organizer))
            .await;
        assert_eq!(seen_by_organizer["going_count"], 13, "organizers see it");

        // Full is said without a number.
        for name in ["Dee", "Eli", "Fay"] {
            app.rsvp_api(&id, json!({"pseudonym": name, "guests": 3}))
                .await;
        }
        let (_, page) = app.get_text(&format!("/events/{id}")).await;
        assert!(page.contains("25 places, full"), "{display}: {page}");
    }
    let (id, _) = thirteen_of_twenty_five(&app, &organizer, "exact").await;
    let (_, page) = app.get_text(&format!("/events/{id}")).await;
    assert!(
        page.contains("12 left"),
        "exact counts show places left: {page}"
    );
}

/// The validators of a public output, as a client keeps them.
struct Validators {
    etag: String,
    last_modified: String,
}

async fn validators(app: &TestApp, client: &Client, path: &str) -> Validators {
    let response = app.get(client, path).await;
    assert_eq!(response.status(), 200, "{path}");
    let header = |name: &str| {
        response.headers()[name]
            .to_str()
            .expect("ASCII")
            .to_string()
    };
    Validators {
        etag: header("etag"),
        last_modified: header("last-modified"),
    }
}

/// Ask again with what the client kept: the status and the validators answered.
async fn revalidate(
    app: &TestApp,
    client: &Client,
    path: &str,
    kept: &Validators,
) -> (u16, Validators) {
    let mut answers = Vec::new();
    for (name, value) in [
        ("If-None-Match", &kept.etag),
        ("If-Modified-Since", &kept.last_modified),
    ] {
        let response = client
            .get(app.url(path))
            .header(name, value)
            .send()
            .await
            .expect("sent");
        let header = |name: &str| {
            response.headers()[name]
                .to_str()
                .expect("ASCII")
                .to_string()
        };
        answers.push((
            response.status().as_u16(),
            Validators {
                etag: header("etag"),
                last_modified: header("last-modified"),
            },
        ));
    }
    let (by_date, by_tag) = (answers.pop().expect("two"), answers.pop().expect("two"));
    assert_eq!(by_tag.0, by_date.0, "{path}: both validators agree");
    by_tag
}

/// An unlisted event changes (an edit, an RSVP): the public feed, home page, public API and
/// another event's page keep their validators, so nobody learns that it exists or when it
/// changed. A change to a listed event moves them.
async fn unlisted_changes_leave_public_validators_alone(app: TestApp) {
    let organizer = app.organizer_token().await;
    let listed = app
        .create_event(&organizer, event_fields("Open meeting", 2, json!({})))
        .await;
    let listed = listed["id"].as_str().expect("id").to_string();
    let unlisted = app
        .create_event(
            &organizer,
            event_fields("Quiet meeting", 2, json!({"visibility": "unlisted"})),
        )
        .await;
    let unlisted = unlisted["id"].as_str().expect("id").to_string();
    let client = app.client();
    let paths = [
        "/calendar.ics".to_string(),
        "/".to_string(),
        "/api/v1/events".to_string(),
        format!("/events/{listed}"),
    ];
    let mut kept = Vec::new();
    for path in &paths {
        kept.push(validators(&app, &client, path).await);
    }
    // Last-Modified counts whole seconds: let one pass, so a moved one would show.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/events/{unlisted}"),
            Some(&organizer),
            &json!({"title": "Quiet meeting, moved"}),
        )
        .await;
    assert_eq!(status, 200);
    app.rsvp_api(&unlisted, json!({"pseudonym": "Gus"})).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for (path, kept) in paths.iter().zip(&kept) {
        let (status, now) = revalidate(&app, &client, path, kept).await;
        assert_eq!(status, 304, "{path}: still current");
        assert_eq!(
            (&now.etag, &now.last_modified),
            (&kept.etag, &kept.last_modified),
            "{path}: the validators did not move"
        );
        let fresh = validators(&app, &client, path).await;
        assert_eq!(
            (&fresh.etag, &fresh.last_modified),
            (&kept.etag, &kept.last_modified),
            "{path}: a new client gets the same validators"
        );
    }
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/events/{listed}"),
            Some(&organizer),
            &json!({"title": "Open meeting, moved"}),
        )
        .await;
    assert_eq!(status, 200);
    for (path, kept) in paths.iter().zip(&kept) {
        let (status, now) = revalidate(&app, &client, path, kept).await;
        assert_eq!(status, 200, "{path}: a listed change is served");
        assert_ne!(now.etag, kept.etag, "{path}");
        assert_ne!(now.last_modified, kept.last_modified, "{path}");
    }
}

/// An answer's encoding, length header and raw bytes, asking with `accept`.
async fn fetch_encoded(
    app: &TestApp,
    client: &Client,
    path: &str,
    accept: &str,
) -> (Option<String>, bool, Vec<u8>) {
    let response = client
        .get(app.url(path))
        .header("Accept-Encoding", accept)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200, "{path}");
    let encoding = response
        .headers()
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let sized = response.headers().contains_key("content-length");
    let bytes = response.bytes().await.expect("body").to_vec();
    (encoding, sized, bytes)
}

/// `q` values are weights: `gzip;q=0.5` gets the gzip form kept with the output (not one
/// compressed again for each request); only `q=0`, or a client that prefers no encoding,
/// gets the plain bytes.
async fn gzip_weights_are_weights(app: TestApp) {
    let organizer = app.organizer_token().await;
    app.create_event(&organizer, event_fields("Zipped", 2, json!({})))
        .await;
    let client = app.client();
    for path in ["/calendar.ics", "/", "/api/v1/events"] {
        let kept = fetch_encoded(&app, &client, path, "gzip").await;
        assert_eq!(kept.0.as_deref(), Some("gzip"), "{path}");
        assert!(kept.1, "{path}: the kept gzip form has a known length");
        for accept in ["gzip;q=0.5", "gzip;q=0.8, identity;q=0.5"] {
            let weighed = fetch_encoded(&app, &client, path, accept).await;
            assert_eq!(
                (&weighed.0, weighed.1),
                (&kept.0, kept.1),
                "{path} with {accept}"
            );
            assert!(
                weighed.2 == kept.2,
                "{path} with {accept}: the kept gzip form"
            );
        }
        for accept in ["gzip;q=0", "identity, gzip;q=0.5"] {
            let (encoding, _, _) = fetch_encoded(&app, &client, path, accept).await;
            assert_eq!(encoding, None, "{path} with {accept}");
        }
    }
}

on_both_databases!(
    rounded_and_hidden_counts_show_no_exact_places_left,
    unlisted_changes_leave_public_validators_alone,
    gzip_weights_are_weights,
);
