//! People RSVP with nothing but a chosen name, manage it through a private link, and the
//! server keeps places honest: capacity, waitlist, approval, even under a rush.

use reqwest::Method;
use serde_json::{json, Value};
use umbrella_tests::{event_fields, location, on_both_databases, Backend, TestApp};

async fn rsvp(app: &TestApp, event_id: &str, body: Value) -> (u16, Value) {
    app.send_json(
        Method::POST,
        &format!("/api/v1/events/{event_id}/rsvps"),
        None,
        &body,
    )
    .await
}

async fn going(app: &TestApp, event_id: &str, body: Value) -> String {
    let (status, answer) = rsvp(app, event_id, body).await;
    assert_eq!(status, 201, "{answer}");
    answer["token"].as_str().expect("token").to_string()
}

async fn status_of(app: &TestApp, token: &str) -> String {
    let (status, body) = app.get_json(&format!("/api/v1/rsvps/{token}"), None).await;
    assert_eq!(status, 200, "{body}");
    body["status"].as_str().unwrap_or_default().to_string()
}

async fn a_newcomer_rsvps_with_only_a_name_and_manages_it(app: TestApp) {
    let token = app.organizer_token().await;
    let event = app
        .create_event(
            &token,
            event_fields("Know your rights", 3, json!({"capacity": 10})),
        )
        .await;
    let id = event["id"].as_str().expect("id");
    let (_, page) = app.get_text(&format!("/events/{id}")).await;
    assert!(
        page.contains(&format!("action=\"/events/{id}/rsvp\"")),
        "the event page has the form"
    );
    assert!(page.contains("nobody can recover it"));

    let browser = app.browser();
    let forged = browser
        .post(app.url(&format!("/events/{id}/rsvp")))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("pseudonym", "Filled by a hostile page")])
        .send()
        .await
        .expect("sent");
    assert_eq!(
        forged.status(),
        403,
        "another site cannot fill the event through its visitors"
    );
    let response = app
        .post_form(
            &browser,
            &format!("/events/{id}/rsvp"),
            &[("pseudonym", "Red Umbrella")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let manage = location(&response);
    assert!(
        manage.starts_with("/r/") && manage.ends_with("?new=1"),
        "{manage}"
    );
    let manage_path = manage.trim_end_matches("?new=1").to_string();
    let manage_token = manage_path.trim_start_matches("/r/").to_string();
    assert!(manage_token.len() >= 22, "at least 128 bits");

    let response = app.get(&browser, &manage).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    let page = response.text().await.expect("body");
    assert!(
        page.contains("<title>Your RSVP · Umbrella</title>"),
        "a neutral title"
    );
    assert!(page.contains("Keep this page"));
    assert!(page.contains("Red Umbrella") && page.contains(">Going<"));
    assert!(
        page.contains(&app.url(&manage_path)),
        "the full link to keep"
    );
    assert!(
        page.contains(r#"<svg role="img" aria-label="QR code of your private link""#),
        "a QR code drawn inline, no image request"
    );
    assert!(page.contains(r#"<script src="/static/copy-link.js" defer>"#));
    assert!(page.contains("If you lose it, nobody can find your RSVP for you"));

    let response = app
        .post_form(
            &browser,
            &manage_path,
            &[("action", "save"), ("pseudonym", "Rosa R"), ("guests", "2")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let (_, public) = app.get_json(&format!("/api/v1/events/{id}"), None).await;
    assert_eq!(public["going_count"], 3, "one person and two guests");

    let response = app
        .post_form(
            &browser,
            &manage_path,
            &[("action", "save"), ("pseudonym", "")],
        )
        .await;
    assert_eq!(
        response.status(),
        422,
        "a bad edit comes back with its message"
    );
    assert!(response
        .text()
        .await
        .expect("body")
        .contains("href=\"#pseudonym\""));

    let response = app
        .post_form(&browser, &manage_path, &[("action", "cancel")])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(status_of(&app, &manage_token).await, "cancelled");
    let (_, public) = app.get_json(&format!("/api/v1/events/{id}"), None).await;
    assert_eq!(public["going_count"], 0);

    let response = app
        .post_form(&browser, &manage_path, &[("action", "delete")])
        .await;
    assert_eq!(response.status(), 303);
    let (status, body) = app.get_text(&manage_path).await;
    assert_eq!(status, 404);
    assert!(!body.contains("Rosa"), "nothing about it remains");
}

async fn the_api_manages_an_rsvp_by_its_token(app: TestApp) {
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(
            &organizer,
            event_fields(
                "Rally",
                5,
                json!({"kind": "action", "roles": ["medic", "marshal"]}),
            ),
        )
        .await;
    let id = event["id"].as_str().expect("id");
    let (status, created) = rsvp(
        &app,
        id,
        json!({"pseudonym": "Nightjar", "guests": 1, "role": "medic", "needs": "Step-free route", "email": "night@example.org"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "going");
    assert_eq!(created["has_email"], true);
    assert!(
        created.get("email").is_none(),
        "the address is never sent back"
    );
    let token = created["token"].as_str().expect("token");
    assert_eq!(created["manage_url"], app.url(&format!("/r/{token}")));

    let (_, fetched) = app.get_json(&format!("/api/v1/rsvps/{token}"), None).await;
    assert_eq!(fetched["pseudonym"], "Nightjar");
    assert_eq!(fetched["event"]["id"], id);
    assert!(!fetched.to_string().contains("night@example.org"));

    let path = format!("/api/v1/rsvps/{token}");
    let (status, edited) = app
        .send_json(
            Method::PATCH,
            &path,
            None,
            &json!({"guests": 0, "role": null, "email": null}),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["guests"], 0);
    assert_eq!(edited["role"], Value::Null);
    assert_eq!(edited["has_email"], false);
    let (status, refused) = app
        .send_json(Method::PATCH, &path, None, &json!({"status": "going"}))
        .await;
    assert_eq!((status, refused["field"].as_str()), (422, Some("status")));
    let (status, cancelled) = app
        .send_json(Method::PATCH, &path, None, &json!({"status": "cancelled"}))
        .await;
    assert_eq!(
        (status, cancelled["status"].as_str()),
        (200, Some("cancelled"))
    );

    let response = app
        .client()
        .delete(app.url(&path))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 204);
    let (status, body) = app.get_json(&path, None).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"error": "not found"}),
        "an unknown token reveals nothing"
    );
    let (status, _) = app.get_json("/api/v1/rsvps/not-a-real-token", None).await;
    assert_eq!(status, 404);
}

async fn the_waitlist_fills_places_as_they_free_up(app: TestApp) {
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(
            &organizer,
            event_fields("Small workshop", 2, json!({"capacity": 3})),
        )
        .await;
    let id = event["id"].as_str().expect("id");
    let pair = going(&app, id, json!({"pseudonym": "Pair", "guests": 1})).await;
    let trio = going(&app, id, json!({"pseudonym": "Trio", "guests": 2})).await;
    let solo = going(&app, id, json!({"pseudonym": "Solo"})).await;
    let late = going(&app, id, json!({"pseudonym": "Late"})).await;
    assert_eq!(status_of(&app, &pair).await, "going");
    assert_eq!(
        status_of(&app, &trio).await,
        "waitlisted",
        "3 places do not fit in 1"
    );
    assert_eq!(status_of(&app, &solo).await, "going");
    assert_eq!(status_of(&app, &late).await, "waitlisted");

    // The pair cancels: the trio is first in line but still does not fit; the next that fits goes.
    app.send_json(
        Method::PATCH,
        &format!("/api/v1/rsvps/{pair}"),
        None,
        &json!({"status": "cancelled"}),
    )
    .await;
    assert_eq!(status_of(&app, &trio).await, "waitlisted");
    assert_eq!(status_of(&app, &late).await, "going");

    // More places: the trio gets in.
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/events/{id}"),
            Some(&organizer),
            &json!({"capacity": 5}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(status_of(&app, &trio).await, "going");
    let (_, public) = app.get_json(&format!("/api/v1/events/{id}"), None).await;
    assert_eq!(public["going_count"], 5);

    // More guests than fit are refused, clearly.
    let (status, body) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/rsvps/{solo}"),
            None,
            &json!({"guests": 3}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    // Deleting frees the place too.
    app.client()
        .delete(app.url(&format!("/api/v1/rsvps/{trio}")))
        .send()
        .await
        .expect("sent");
    let (_, public) = app.get_json(&format!("/api/v1/events/{id}"), None).await;
    assert_eq!(public["going_count"], 2);
}

async fn organizers_approve_or_decline(app: TestApp) {
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(
            &organizer,
            event_fields(
                "Marshal training",
                4,
                json!({"approval_required": true, "location_privacy": "approved"}),
            ),
        )
        .await;
    let id = event["id"].as_str().expect("id");
    let (_, first) = rsvp(
        &app,
        id,
        json!({"pseudonym": "Kestrel", "email": "kestrel@example.org"}),
    )
    .await;
    let (_, second) = rsvp(&app, id, json!({"pseudonym": "Heron"})).await;
    assert_eq!(first["status"], "pending");
    let first_token = first["token"].as_str().expect("token");
    let (_, seen) = app
        .get_json(&format!("/api/v1/rsvps/{first_token}"), None)
        .await;
    assert!(
        seen["event"].get("location").is_none(),
        "not before approval"
    );

    let (status, _) = app
        .get_json(&format!("/api/v1/events/{id}/rsvps"), None)
        .await;
    assert_eq!(status, 401, "only organizers list RSVPs");
    let (status, list) = app
        .get_json(&format!("/api/v1/events/{id}/rsvps"), Some(&organizer))
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["counts"]["pending"], 2);
    let rsvps = list["rsvps"].as_array().expect("list");
    assert!(rsvps
        .iter()
        .all(|r| r.get("token").is_none() && r["id"].is_string()));
    assert!(
        !list.to_string().contains("kestrel@example.org"),
        "organizers see has_email only"
    );
    assert_eq!(rsvps[0]["has_email"], true);
    let kestrel = rsvps[0]["id"].as_str().expect("id");
    let heron = rsvps[1]["id"].as_str().expect("id");

    let (status, approved) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{id}/rsvps/{kestrel}/approve"),
            Some(&organizer),
            &json!({}),
        )
        .await;
    assert_eq!((status, approved["status"].as_str()), (200, Some("going")));
    let (_, seen) = app
        .get_json(&format!("/api/v1/rsvps/{first_token}"), None)
        .await;
    assert_eq!(
        seen["event"]["location"], "Community room, 12 Main St",
        "approved attendees see it"
    );

    // Decline through the organizer's web page.
    let browser = app.signed_in_browser("approver").await;
    let page = app
        .get(&browser, &format!("/organize/events/{id}/rsvps"))
        .await
        .text()
        .await
        .expect("body");
    assert!(page.contains("Kestrel") && page.contains("Heron"));
    let response = app
        .post_form(
            &browser,
            &format!("/organize/events/{id}/rsvps/{heron}/decline"),
            &[],
        )
        .await;
    assert_eq!(response.status(), 303);
    let second_token = second["token"].as_str().expect("token");
    assert_eq!(status_of(&app, second_token).await, "declined");
    let (status, _) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{id}/rsvps/{heron}/maybe"),
            Some(&organizer),
            &json!({}),
        )
        .await;
    assert_eq!(status, 404);
}

async fn a_rush_of_rsvps_never_overbooks(app: TestApp) {
    fifty_rush_for_ten_places(&app).await;
}

/// With `--database-connections 1`, every request and background worker takes its turn on one
/// pooled connection: the rush is still answered in full, and the pool never opens a second
/// (on PostgreSQL the database sees only that one and the live relay's listener).
async fn a_rush_through_one_database_connection_never_overbooks(app: TestApp) {
    fifty_rush_for_ten_places(&app).await;
    let (_, metrics) = app.metrics().await;
    let gauge = |series: &str| {
        umbrella_tests::metric(&metrics, series).unwrap_or_else(|| panic!("{series} in {metrics}"))
    };
    assert_eq!(gauge("umbrella_db_pool_max_connections"), 1, "{metrics}");
    assert!(
        (0..=1).contains(&gauge("umbrella_db_pool_connections")),
        "{metrics}"
    );
    if let Some(url) = app.settings.database().postgres_url() {
        let (all, _) = umbrella_tests::postgres::connections(url);
        assert!(all <= 2, "the pool's one and the listener: {all}");
    }
}

/// An organizer's decline removes the RSVP's phones, so on SQLite the write-ahead log is
/// emptied before the answer (safety rule 11). It used to be tried inside the decision's still
/// open transaction, where it could never complete: the answer took 8 s, held the write lock
/// all along, and left the log to a background retry.
async fn a_decline_empties_the_write_ahead_log_before_it_answers(app: TestApp) {
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(&organizer, event_fields("Closed workshop", 2, json!({})))
        .await;
    let id = event["id"].as_str().expect("id");
    going(&app, id, json!({"pseudonym": "Rosa"})).await;
    let (_, list) = app
        .get_json(&format!("/api/v1/events/{id}/rsvps"), Some(&organizer))
        .await;
    let rsvp_id = list["rsvps"][0]["id"].as_str().expect("listed");
    let (status, declined) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{id}/rsvps/{rsvp_id}/decline"),
            Some(&organizer),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, declined["status"].as_str()),
        (200, Some("declined")),
        "{declined}"
    );
    if let umbrella::config::DatabaseUrl::Sqlite(path) = app.settings.database() {
        let mut log = path.into_os_string();
        log.push("-wal");
        let left = std::fs::metadata(&log).map_or(0, |meta| meta.len());
        assert_eq!(left, 0, "the write-ahead log was emptied");
    }
    let entries = umbrella::db::audit::newest(&mut app.database(), 0, 100).expect("audit");
    assert!(
        entries
            .iter()
            .any(|entry| entry.action == "rsvp_declined" && entry.target_id == id),
        "the decline is in the audit log: {entries:?}"
    );
}

async fn fifty_rush_for_ten_places(app: &TestApp) {
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(
            &organizer,
            event_fields("Popular action", 2, json!({"capacity": 10})),
        )
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    let rush = (0..50).map(|n| {
        let client = app.client();
        let url = app.url(&format!("/api/v1/events/{id}/rsvps"));
        tokio::spawn(async move {
            let response = client
                .post(url)
                .json(&json!({"pseudonym": format!("Person {n}")}))
                .send()
                .await
                .expect("sent");
            let status = response.status().as_u16();
            let body: Value = response.json().await.expect("json");
            (
                status,
                body["status"].as_str().unwrap_or_default().to_string(),
            )
        })
    });
    let mut answers = Vec::new();
    for task in rush.collect::<Vec<_>>() {
        answers.push(task.await.expect("joined"));
    }
    assert!(
        answers.iter().all(|(status, _)| *status == 201),
        "{answers:?}"
    );
    assert_eq!(answers.iter().filter(|(_, s)| s == "going").count(), 10);
    assert_eq!(
        answers.iter().filter(|(_, s)| s == "waitlisted").count(),
        40
    );
    let (_, list) = app
        .get_json(&format!("/api/v1/events/{id}/rsvps"), Some(&organizer))
        .await;
    assert_eq!(list["counts"]["places_taken"], 10);
    assert_eq!(list["counts"]["going"], 10);
    assert_eq!(list["counts"]["waitlisted"], 40);
    assert_eq!(
        list["rsvps"].as_array().map(Vec::len),
        Some(50),
        "none lost"
    );
}

/// An RSVP is judged on the event as its request read it, and its places are taken by one
/// conditional update while the event is still as read. When the event changed in between
/// (places taken by others, an edit, a cancellation), the RSVP is judged again under the
/// event's lock, as the event is now: called here with reads made stale on purpose.
async fn an_rsvp_judged_on_a_stale_read_is_judged_again(app: TestApp) {
    use umbrella::db::{events, rsvps, Error};
    use umbrella::domain::admission::Refusal;
    use umbrella::domain::rsvp::{Guests, Needs, Pseudonym, RsvpDraft, RsvpStatus};
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(
            &organizer,
            event_fields("Small room", 2, json!({"capacity": 2})),
        )
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    let key = umbrella::privacy::keyfile::SecretKey::read(&app.data_dir.join("umbrella.key"))
        .expect("key file read")
        .expect("a key file");
    let read = || events::get_to_admit(&mut app.database(), &id).expect("the event");
    let create = |as_read: &umbrella::domain::event::Event, name: &str| {
        let draft = RsvpDraft {
            pseudonym: Pseudonym::parse(name).expect("a pseudonym"),
            guests: Guests::parse(0).expect("no guests"),
            role: None,
            needs: Needs::parse("").expect("no needs"),
            email: None,
            invite: None,
            answers: Vec::new(),
        };
        let lang = umbrella::i18n::Lang::En;
        rsvps::create(
            &mut app.database(),
            &key,
            as_read,
            draft,
            lang,
            chrono::Utc::now(),
        )
    };

    // Read with both places free; two others took them before this RSVP was stored.
    let as_read = read();
    going(&app, &id, json!({"pseudonym": "First"})).await;
    going(&app, &id, json!({"pseudonym": "Second"})).await;
    let late = create(&as_read, "Third").expect("stored");
    assert_eq!(late.rsvp.status, RsvpStatus::Waitlisted, "no place left");

    // Read before organizers began approving each RSVP: it waits for them.
    let as_read = read();
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/events/{id}"),
            Some(&organizer),
            &json!({"approval_required": true}),
        )
        .await;
    assert_eq!(status, 200);
    let asking = create(&as_read, "Fourth").expect("stored");
    assert_eq!(
        asking.rsvp.status,
        RsvpStatus::Pending,
        "approval now needed"
    );

    // Read before it was cancelled: refused, and nothing stored.
    let as_read = read();
    let (status, _) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{id}/cancel"),
            Some(&organizer),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let refused = create(&as_read, "Fifth").err();
    assert!(
        matches!(refused, Some(Error::Refused(Refusal::EventCancelled))),
        "{refused:?}"
    );

    let (_, list) = app
        .get_json(&format!("/api/v1/events/{id}/rsvps"), Some(&organizer))
        .await;
    assert_eq!(list["counts"]["places_taken"], 2, "{list}");
    let names: Vec<&str> = list["rsvps"]
        .as_array()
        .expect("rsvps")
        .iter()
        .filter_map(|rsvp| rsvp["pseudonym"].as_str())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(!names.contains(&"Fifth"), "{names:?}");
}

async fn bad_rsvps_are_refused_and_store_nothing(app: TestApp) {
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(
            &organizer,
            event_fields("Action", 2, json!({"kind": "action", "roles": ["medic"]})),
        )
        .await;
    let id = event["id"].as_str().expect("id");
    let cases = [
        (json!({"pseudonym": ""}), "pseudonym"),
        (json!({"pseudonym": "   "}), "pseudonym"),
        (json!({"pseudonym": "x".repeat(10_000)}), "pseudonym"),
        (json!({}), "pseudonym"),
        (json!({"pseudonym": "A", "guests": -1}), "guests"),
        (json!({"pseudonym": "A", "guests": 11}), "guests"),
        (json!({"pseudonym": "A", "guests": "two"}), "guests"),
        (json!({"pseudonym": "A", "email": "not-an-email"}), "email"),
        (json!({"pseudonym": "A", "role": "general"}), "role"),
        (json!({"pseudonym": "A", "role": "driver"}), "role"),
        (
            json!({"pseudonym": "A", "needs": "x".repeat(1_001)}),
            "needs",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = rsvp(&app, id, body.clone()).await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert_eq!(answer["field"], field, "{answer}");
    }
    let response = app
        .client()
        .post(app.url(&format!("/api/v1/events/{id}/rsvps")))
        .header("Content-Type", "application/json")
        .body("{\"pseudonym\": ")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 400);
    let (status, _) = rsvp(&app, "no-such-event", json!({"pseudonym": "A"})).await;
    assert_eq!(status, 404);
    let response = app
        .post_form(
            &app.browser(),
            &format!("/events/{id}/rsvp"),
            &[("pseudonym", ""), ("guests", "1")],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("body");
    assert!(
        page.contains("href=\"#pseudonym\"") && page.contains("pseudonym is required"),
        "{page}"
    );
    let (_, list) = app
        .get_json(&format!("/api/v1/events/{id}/rsvps"), Some(&organizer))
        .await;
    assert_eq!(list["rsvps"], json!([]), "nothing was stored");

    // Cancelled and finished events take no RSVPs.
    app.send_json(
        Method::POST,
        &format!("/api/v1/events/{id}/cancel"),
        Some(&organizer),
        &json!({}),
    )
    .await;
    let (status, body) = rsvp(&app, id, json!({"pseudonym": "A"})).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["error"]
        .as_str()
        .is_some_and(|e| e.contains("cancelled")));
    let past = app
        .create_event(&organizer, event_fields("Yesterday", -1, json!({})))
        .await;
    let (status, body) = rsvp(
        &app,
        past["id"].as_str().expect("id"),
        json!({"pseudonym": "A"}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(body["error"].as_str().is_some_and(|e| e.contains("ended")));
}

async fn a_hidden_location_reaches_only_going_attendees(app: TestApp) {
    let organizer = app.organizer_token().await;
    let secret = "Basement of the blue house";
    let now = chrono::Utc::now();
    let attendees_only = app
        .create_event(
            &organizer,
            event_fields(
                "Planning",
                2,
                json!({"location": secret, "location_privacy": "attendees", "capacity": 1}),
            ),
        )
        .await;
    let id = attendees_only["id"].as_str().expect("id");
    let first = going(&app, id, json!({"pseudonym": "First"})).await;
    let second = going(&app, id, json!({"pseudonym": "Second"})).await;
    assert_eq!(status_of(&app, &second).await, "waitlisted");
    let (_, page) = app.get_text(&format!("/r/{first}")).await;
    assert!(page.contains(secret), "a going attendee sees it");
    let (_, page) = app.get_text(&format!("/r/{second}")).await;
    assert!(!page.contains(secret), "a waitlisted one does not");
    for public in [
        app.get_text(&format!("/events/{id}")).await.1,
        app.get_text("/").await.1,
    ] {
        assert!(!public.contains(secret));
    }

    let reveal = |minutes: i64| (now + chrono::Duration::minutes(minutes)).to_rfc3339();
    let later = app
        .create_event(&organizer, event_fields("Later", 2, json!({"location": secret, "location_privacy": "reveal_at", "location_reveal_at": reveal(60)})))
        .await;
    let later_token = going(
        &app,
        later["id"].as_str().expect("id"),
        json!({"pseudonym": "Patient"}),
    )
    .await;
    let (_, seen) = app
        .get_json(&format!("/api/v1/rsvps/{later_token}"), None)
        .await;
    assert!(
        seen["event"].get("location").is_none(),
        "not before the reveal time"
    );
    assert!(app
        .get_text(&format!("/r/{later_token}"))
        .await
        .1
        .contains("Location shared with attendees at"));

    let revealed = app
        .create_event(&organizer, event_fields("Now", 2, json!({"location": secret, "location_privacy": "reveal_at", "location_reveal_at": reveal(-1)})))
        .await;
    let revealed_id = revealed["id"].as_str().expect("id");
    let revealed_token = going(&app, revealed_id, json!({"pseudonym": "Ready"})).await;
    let (_, seen) = app
        .get_json(&format!("/api/v1/rsvps/{revealed_token}"), None)
        .await;
    assert_eq!(seen["event"]["location"], secret);
    assert!(app
        .get_text(&format!("/r/{revealed_token}"))
        .await
        .1
        .contains(secret));
    let (_, public) = app
        .get_json(&format!("/api/v1/events/{revealed_id}"), None)
        .await;
    assert!(!public.to_string().contains(secret), "never to the public");
}

on_both_databases!(
    a_newcomer_rsvps_with_only_a_name_and_manages_it,
    the_waitlist_fills_places_as_they_free_up,
    a_rush_of_rsvps_never_overbooks,
    an_rsvp_judged_on_a_stale_read_is_judged_again,
    bad_rsvps_are_refused_and_store_nothing,
    a_hidden_location_reaches_only_going_attendees,
    a_decline_empties_the_write_ahead_log_before_it_answers,
);

on_both_databases!(with ["--database-connections", "1"] =>
    a_rush_through_one_database_connection_never_overbooks,
);

// These leave an address, so their server sends email (into files).
on_both_databases!(with umbrella_tests::MAIL_FILES =>
    the_api_manages_an_rsvp_by_its_token,
    organizers_approve_or_decline,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsvps_are_rate_limited_per_client() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, &["--rate-limit-per-minute", "5"]).await
    else {
        return;
    };
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(&organizer, event_fields("Limited", 2, json!({})))
        .await;
    let id = event["id"].as_str().expect("id");
    for n in 0..5 {
        let (status, _) = rsvp(&app, id, json!({"pseudonym": format!("P{n}")})).await;
        assert_eq!(status, 201);
    }
    let response = app
        .client()
        .post(app.url(&format!("/api/v1/events/{id}/rsvps")))
        .json(&json!({"pseudonym": "One too many"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 429);
    assert!(response.headers().get("retry-after").is_some());
    let (_, list) = app
        .get_json(&format!("/api/v1/events/{id}/rsvps"), Some(&organizer))
        .await;
    assert_eq!(list["rsvps"].as_array().map(Vec::len), Some(5));
}

/// A cancelled RSVP stays cancelled: an edit through the API or a stale manage page is refused
/// (409) and stores nothing, a new sealed address least of all.
async fn a_cancelled_rsvp_cannot_be_edited(backend: Backend) {
    use diesel::prelude::*;
    use umbrella::db::schema::rsvps;
    // A server that sends email, so an address would otherwise be taken.
    let Some(sink) = umbrella_tests::smtp::SmtpSink::start(0) else {
        return;
    };
    let url = sink.url();
    let Some(app) = TestApp::spawn_with(backend, &["--mail-url", url.as_str()]).await else {
        return;
    };
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(&organizer, event_fields("Called off", 3, json!({})))
        .await;
    let token = going(
        &app,
        event["id"].as_str().expect("id"),
        json!({"pseudonym": "Gone"}),
    )
    .await;
    let path = format!("/api/v1/rsvps/{token}");
    let (status, _) = app
        .send_json(Method::PATCH, &path, None, &json!({"status": "cancelled"}))
        .await;
    assert_eq!(status, 200);

    let (status, body) = app
        .send_json(
            Method::PATCH,
            &path,
            None,
            &json!({"pseudonym": "Back again", "email": "back@example.org", "guests": 2}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("cancelled")),
        "{body}"
    );

    let browser = app.browser();
    let response = app
        .post_form(
            &browser,
            &format!("/r/{token}"),
            &[
                ("action", "save"),
                ("pseudonym", "Back by form"),
                ("guests", "1"),
                ("email", "form@example.org"),
            ],
        )
        .await;
    assert_eq!(response.status(), 409);

    let (_, rsvp) = app.get_json(&path, None).await;
    assert_eq!(rsvp["status"], "cancelled");
    assert_eq!(rsvp["pseudonym"], "Gone", "{rsvp}");
    assert_eq!(rsvp["guests"], 0, "{rsvp}");
    let sealed: Vec<Option<String>> = rsvps::table
        .select(rsvps::email_sealed)
        .load(&mut app.database())
        .expect("read");
    assert_eq!(sealed, vec![None], "no address was stored");
    let (_, event) = app
        .get_json(
            &format!("/api/v1/events/{}", event["id"].as_str().expect("id")),
            None,
        )
        .await;
    assert_eq!(event["going_count"], 0, "the cancelled place stays free");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_rsvp_cannot_be_edited_on_sqlite() {
    a_cancelled_rsvp_cannot_be_edited(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_rsvp_cannot_be_edited_on_postgres() {
    a_cancelled_rsvp_cannot_be_edited(Backend::Postgres).await;
}
