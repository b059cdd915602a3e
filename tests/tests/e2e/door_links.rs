//! Door links: an organizer gives a door volunteer a link to the list of who is going; the
//! volunteer finds a name (with or without JavaScript) and marks arrival in one tap. The list
//! never shows needs, emails or a hidden location; the link is stored only hashed, is in the
//! audit log, and opens nothing once revoked or expired.

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};
use umbrella::db::schema::{audit_log, door_links};
use umbrella_tests::{bytes_contain, event_fields, location, on_both_databases, TestApp};

/// An event with a hidden location, four RSVPs (two going, one waitlisted, one cancelled),
/// and the organizer's token. Returns (organizer, event, the RSVPs' ids by name).
async fn a_full_door(app: &TestApp) -> (String, Value, Vec<(String, String, String)>) {
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(
            &organizer,
            event_fields(
                "Sex worker safety rally",
                1,
                json!({"kind": "action", "capacity": 4, "roles": ["medic"],
                       "cover_title": "Community gathering",
                       "location": "Secret basement 9", "location_privacy": "attendees"}),
            ),
        )
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    let mut people = Vec::new();
    for (name, body) in [
        (
            "Heron",
            json!({"pseudonym": "Heron", "guests": 2, "role": "medic",
                   "needs": "A chair near the door", "email": "heron-canary@example.org"}),
        ),
        ("Robin", json!({"pseudonym": "Robin"})),
        ("Wren", json!({"pseudonym": "Wren", "guests": 1})),
        ("Finch", json!({"pseudonym": "Finch"})),
    ] {
        let token = app.rsvp_api(&id, body).await;
        people.push((name.to_string(), token));
    }
    // Finch cancels; Wren (two places) is on the waitlist behind the four places taken.
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/rsvps/{}", people[3].1),
            None,
            &json!({"status": "cancelled"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, list) = app
        .get_json(&format!("/api/v1/events/{id}/rsvps"), Some(&organizer))
        .await;
    assert_eq!(status, 200);
    let ids = people
        .into_iter()
        .map(|(name, token)| {
            let rsvp_id = list["rsvps"]
                .as_array()
                .expect("rsvps")
                .iter()
                .find(|rsvp| rsvp["pseudonym"] == name.as_str())
                .and_then(|rsvp| rsvp["id"].as_str())
                .expect("listed")
                .to_string();
            (name, token, rsvp_id)
        })
        .collect();
    (organizer, event, ids)
}

async fn make_link(app: &TestApp, organizer: &str, event_id: &str, body: Value) -> (u16, Value) {
    app.send_json(
        Method::POST,
        &format!("/api/v1/events/{event_id}/door-links"),
        Some(organizer),
        &body,
    )
    .await
}

/// Press "arrived" for `rsvp_id` as the door page's own form does.
async fn arrive(app: &TestApp, door: &str, rsvp_id: &str, q: &str) -> reqwest::Response {
    app.post_form(&app.client(), door, &[("rsvp_id", rsvp_id), ("q", q)])
        .await
}

async fn checked_in(app: &TestApp, token: &str) -> bool {
    let (status, rsvp) = app.get_json(&format!("/api/v1/rsvps/{token}"), None).await;
    assert_eq!(status, 200);
    rsvp["checked_in"].as_bool().expect("checked_in")
}

fn audit_actions(app: &TestApp, event_id: &str) -> Vec<String> {
    audit_log::table
        .filter(audit_log::target_id.eq(event_id))
        .select(audit_log::action)
        .load(&mut app.database())
        .expect("audit log read")
}

async fn a_door_volunteer_finds_names_and_marks_arrival(app: TestApp) {
    let (organizer, event, people) = a_full_door(&app).await;
    let id = event["id"].as_str().expect("id");
    let (heron, robin, wren) = (&people[0], &people[1], &people[2]);

    let (status, link) = make_link(&app, &organizer, id, json!({})).await;
    assert_eq!(status, 201, "{link}");
    let door = link["url"].as_str().expect("url").to_string();
    let token = door.strip_prefix("/door/").expect("a /door/ path");
    assert!(token.len() >= 22, "at least 128 random bits: {token}");
    // By default the link lasts until two hours after the event ends.
    let ends = chrono::DateTime::parse_from_rfc3339(event["ends_at"].as_str().expect("ends_at"))
        .expect("time");
    let expires = chrono::DateTime::parse_from_rfc3339(link["expires_at"].as_str().expect("at"))
        .expect("time");
    assert_eq!(expires - ends, chrono::Duration::hours(2));

    // The list: the people going, their guests and roles; nothing else about anyone.
    let response = app.get(&app.client(), &door).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let page = response.text().await.expect("page");
    for shown in [
        "Heron",
        "Robin",
        "2 guests",
        "Medic",
        "0 of 2 arrived",
        "Community gathering",
    ] {
        assert!(page.contains(shown), "{shown} on the door list");
    }
    for hidden in [
        "Sex worker safety rally",
        "Wren",
        "Finch",
        "A chair",
        "heron-canary",
        "example.org",
        "Secret basement",
    ] {
        assert!(!page.contains(hidden), "{hidden} is not on the door list");
    }
    assert!(page.contains("/static/door.js"), "filter as you type");
    assert!(page.contains("name=\"q\""), "and a plain search without it");

    // The plain search, as a phone without JavaScript sends it.
    let (status, found) = app.get_text(&format!("{door}?q=HER")).await;
    assert_eq!(status, 200);
    assert!(
        found.contains("Heron") && !found.contains(">Robin<"),
        "{found}"
    );
    let (status, _) = app.get_text(&format!("{door}?q=a%0Ab")).await;
    assert_eq!(status, 422, "a search is one line");

    // One tap: Heron arrived, checked in as through their own link; the count follows.
    let response = arrive(&app, &door, &heron.2, "her").await;
    assert_eq!(response.status(), 303);
    let back = location(&response);
    assert!(back.starts_with(&format!("{door}?arrived=")), "{back}");
    assert!(back.ends_with("&q=her"), "the search is kept: {back}");
    assert!(checked_in(&app, &heron.1).await);
    assert!(!checked_in(&app, &robin.1).await);
    let (_, page) = app.get_text(&back).await;
    assert!(page.contains("Heron is marked arrived."), "{page}");
    let (_, page) = app.get_text(&door).await;
    assert!(page.contains("1 of 2 arrived"), "{page}");
    assert!(
        page.contains("3 of 4 places"),
        "guests count at the door: {page}"
    );
    // Pressing it again changes nothing and fails nothing.
    assert_eq!(arrive(&app, &door, &heron.2, "").await.status(), 303);

    // Someone not going (waitlisted) cannot be marked arrived; a made-up id finds nothing.
    assert_eq!(arrive(&app, &door, &wren.2, "").await.status(), 409);
    let stranger = uuid::Uuid::new_v4().to_string();
    assert_eq!(arrive(&app, &door, &stranger, "").await.status(), 404);
    assert_eq!(arrive(&app, &door, "not an id", "").await.status(), 422);

    // Another site's page cannot press the button through a visitor's browser.
    let refused = app
        .client()
        .post(app.url(&door))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("rsvp_id", robin.2.as_str())])
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), 403);
    assert!(!checked_in(&app, &robin.1).await);

    // Organizers list links by id and time, never by token; the token is stored only hashed.
    let (status, list) = app
        .get_json(&format!("/api/v1/events/{id}/door-links"), Some(&organizer))
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["door_links"][0]["id"], link["id"]);
    assert!(!list.to_string().contains(token), "no token in the list");
    assert!(
        !bytes_contain(&app.raw_database(), token),
        "stored only hashed"
    );
    assert_eq!(
        audit_actions(&app, id),
        ["event_created", "door_link_created"]
    );
}

async fn a_door_link_stops_working_when_revoked_or_expired(app: TestApp) {
    let (organizer, event, people) = a_full_door(&app).await;
    let id = event["id"].as_str().expect("id");
    let heron_id = &people[0].2;
    let (_, first) = make_link(&app, &organizer, id, json!({})).await;
    let soon = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let (status, second) = make_link(&app, &organizer, id, json!({"expires_at": soon})).await;
    assert_eq!(status, 201, "{second}");
    let (first_door, second_door) = (
        first["url"].as_str().expect("url").to_string(),
        second["url"].as_str().expect("url").to_string(),
    );
    // A name is shown as text, never as markup (in the list and in the script's data).
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/rsvps/{}", people[1].1),
            None,
            &json!({"pseudonym": "<b onmouseover=alert(1)>Bold</b>"}),
        )
        .await;
    assert_eq!(status, 200, "Robin takes a name with markup");
    let (status, page) = app.get_text(&first_door).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Bold") && !page.contains("<b onmouseover"),
        "{page}"
    );

    // Revoked: the link opens nothing, and cannot mark anyone arrived.
    let revoke = format!(
        "/api/v1/events/{id}/door-links/{}",
        first["id"].as_str().expect("id")
    );
    let (status, _) = app
        .send_json(Method::DELETE, &revoke, Some(&organizer), &json!({}))
        .await;
    assert_eq!(status, 204);
    assert_eq!(app.get_text(&first_door).await.0, 404);
    assert_eq!(arrive(&app, &first_door, heron_id, "").await.status(), 404);
    let (status, _) = app
        .send_json(Method::DELETE, &revoke, Some(&organizer), &json!({}))
        .await;
    assert_eq!(status, 404, "revoked already");
    assert!(!checked_in(&app, &people[0].1).await);

    // Expired: the same (its time moved into the past in the database).
    assert_eq!(app.get_text(&second_door).await.0, 200);
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).naive_utc();
    diesel::update(door_links::table.filter(door_links::id.eq(second["id"].as_str().expect("id"))))
        .set(door_links::expires_at.eq(past))
        .execute(&mut app.database())
        .expect("expiry moved");
    assert_eq!(app.get_text(&second_door).await.0, 404);
    assert_eq!(arrive(&app, &second_door, heron_id, "").await.status(), 404);

    // Links that never were, of the right shape or not.
    let made_up = format!("/door/{}", "A".repeat(43));
    assert_eq!(app.get_text(&made_up).await.0, 404);
    assert_eq!(app.get_text("/door/short").await.0, 404);

    // An expiry in the past, or long after the event, is refused naming the field; so is a
    // caller who is not an organizer.
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let (status, error) = make_link(&app, &organizer, id, json!({"expires_at": past})).await;
    assert_eq!((status, error["field"].as_str()), (422, Some("expires_at")));
    let late = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let (status, error) = make_link(&app, &organizer, id, json!({"expires_at": late})).await;
    assert_eq!((status, error["field"].as_str()), (422, Some("expires_at")));
    let (status, _) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{id}/door-links"),
            None,
            &json!({}),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = make_link(&app, &organizer, "no-such-event", json!({})).await;
    assert_eq!(status, 404);

    assert_eq!(
        audit_actions(&app, id),
        [
            "event_created",
            "door_link_created",
            "door_link_created",
            "door_link_revoked"
        ]
    );
}

/// Wrong door tokens are guesses like wrong manage links: a client that keeps missing is
/// slowed down, and still reaches a link that exists.
async fn wrong_door_tokens_count_as_guesses(app: TestApp) {
    let (organizer, event, _) = a_full_door(&app).await;
    let id = event["id"].as_str().expect("id");
    let (_, link) = make_link(&app, &organizer, id, json!({})).await;
    let door = link["url"].as_str().expect("url");
    let client = app.client();
    for n in 0..6 {
        let guess = format!("/door/{n:043}");
        assert_eq!(app.get(&client, &guess).await.status(), 404, "{guess}");
    }
    let response = app.get(&client, &format!("/door/{}", "9".repeat(43))).await;
    assert_eq!(response.status(), 429, "the guesser is blocked");
    assert_eq!(
        app.get(&client, door).await.status(),
        200,
        "what exists is served"
    );
}

/// The organizer makes a link from the event's page, sees it once, and revokes it there.
async fn an_organizer_makes_and_revokes_a_door_link_on_the_web(app: TestApp) {
    let browser = app.signed_in_browser("ines").await;
    let token = app.token_for("ines").await;
    let event = app
        .create_event(&token, event_fields("Know your rights", 2, json!({})))
        .await;
    let id = event["id"].as_str().expect("id");
    let edit = app
        .get(&browser, &format!("/organize/events/{id}/edit"))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        edit.contains(&format!("action=\"/organize/events/{id}/door\"")),
        "the event's page has the form"
    );

    let response = app
        .post_form(
            &browser,
            &format!("/organize/events/{id}/door"),
            &[("expires_at", "")],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let page = response.text().await.expect("page");
    let start = page
        .find(&app.url("/door/"))
        .expect("the new link, in full");
    let link: String = page[start..].chars().take_while(|c| *c != '"').collect();
    assert_eq!(
        app.get_text(link.trim_start_matches(&app.address)).await.0,
        200
    );
    // Shown once: the page again lists the link by time, without it.
    let again = app
        .get(&browser, &format!("/organize/events/{id}/door"))
        .await
        .text()
        .await
        .expect("page");
    assert!(!again.contains(&link), "the link is shown only once");
    let revoke_at = again.find("/revoke\"").expect("a revoke button");
    let action_start = again[..revoke_at].rfind("action=\"").expect("its form") + 8;
    let revoke = &again[action_start..revoke_at + 7];
    let response = app.post_form(&browser, revoke, &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        app.get_text(link.trim_start_matches(&app.address)).await.0,
        404
    );

    // A time typed in the past is refused beside its field.
    let response = app
        .post_form(
            &browser,
            &format!("/organize/events/{id}/door"),
            &[("expires_at", "2020-01-01T10:00")],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("page");
    assert!(page.contains("expires_at must be in the future"), "{page}");
}

// The door list's people left an email (which it must not show), so these servers send email
// (into files).
on_both_databases!(with umbrella_tests::MAIL_FILES =>
    a_door_volunteer_finds_names_and_marks_arrival,
    a_door_link_stops_working_when_revoked_or_expired,
);
on_both_databases!(an_organizer_makes_and_revokes_a_door_link_on_the_web);
on_both_databases!(with ["--rate-limit-per-minute", "5", "--mail-url", "file://{data_dir}/mail"] =>
    wrong_door_tokens_count_as_guesses);
