//! Reconfirmation: the day-ahead reminder asks "still coming?" with a link to the confirm page
//! (`/r/{token}?confirm`). Opening it changes nothing (mail scanners open links); its buttons
//! post: "I'm still coming" is counted for organizers, "I can't make it" cancels and gives the
//! place to the waitlist at once.

use std::time::Duration;

use serde_json::{json, Value};
use umbrella_tests::smtp::SmtpSink;
use umbrella_tests::{event_fields, location, on_both_databases, Backend, TestApp};

async fn rsvp(app: &TestApp, token: &str) -> Value {
    let (status, rsvp) = app.get_json(&format!("/api/v1/rsvps/{token}"), None).await;
    assert_eq!(status, 200, "{rsvp}");
    rsvp
}

/// Press one of the confirm page's buttons, as its form does.
async fn answer(app: &TestApp, token: &str, action: &str) -> reqwest::Response {
    app.post_form(&app.client(), &format!("/r/{token}"), &[("action", action)])
        .await
}

async fn cant_make_it_gives_the_place_to_the_waitlist(app: TestApp) {
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(
            &organizer,
            event_fields("Workshop", 2, json!({"capacity": 1})),
        )
        .await;
    let id = event["id"].as_str().expect("id");
    let going = app.rsvp_api(id, json!({"pseudonym": "Lark"})).await;
    let waiting = app.rsvp_api(id, json!({"pseudonym": "Teal"})).await;
    assert_eq!(rsvp(&app, &waiting).await["status"], "waitlisted");

    // The link from the email, opened (by a person or a mail scanner): a question, no change.
    for _ in 0..3 {
        let (status, page) = app.get_text(&format!("/r/{going}?confirm")).await;
        assert_eq!(status, 200);
        assert!(page.contains("Are you still coming?"), "{page}");
        assert!(page.contains("I&#39;m still coming") || page.contains("I'm still coming"));
        assert!(page.contains("value=\"reconfirm\"") && page.contains("value=\"cancel\""));
    }
    let lark = rsvp(&app, &going).await;
    assert_eq!(
        (lark["status"].as_str(), lark["reconfirmed"].as_bool()),
        (Some("going"), Some(false))
    );
    assert_eq!(rsvp(&app, &waiting).await["status"], "waitlisted");

    // "I can't make it": cancelled, and the waitlisted person has the place at once.
    let response = answer(&app, &going, "cancel").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("/r/{going}?done=cancelled"));
    assert_eq!(rsvp(&app, &going).await["status"], "cancelled");
    assert_eq!(rsvp(&app, &waiting).await["status"], "going");
    // A cancelled RSVP has nothing left to confirm.
    let (_, page) = app.get_text(&format!("/r/{going}?confirm")).await;
    assert!(page.contains("nothing to confirm"), "{page}");
    assert_eq!(answer(&app, &going, "reconfirm").await.status(), 409);
}

async fn still_coming_is_counted_for_organizers(app: TestApp) {
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(&organizer, event_fields("Workshop", 2, json!({})))
        .await;
    let id = event["id"].as_str().expect("id");
    let lark = app.rsvp_api(id, json!({"pseudonym": "Lark"})).await;
    app.rsvp_api(id, json!({"pseudonym": "Teal"})).await;

    let response = answer(&app, &lark, "reconfirm").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("/r/{lark}?done=reconfirmed"));
    assert_eq!(rsvp(&app, &lark).await["reconfirmed"], true);
    let (_, page) = app
        .get_text(&format!("/r/{lark}?confirm&done=reconfirmed"))
        .await;
    assert!(
        page.contains("the organizers know you are still coming"),
        "{page}"
    );
    assert!(page.contains("You told us you are still coming"), "{page}");
    assert_eq!(
        answer(&app, &lark, "reconfirm").await.status(),
        303,
        "twice is fine"
    );

    // Another site's page cannot answer for someone.
    let refused = app
        .client()
        .post(app.url(&format!("/r/{lark}")))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("action", "cancel")])
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), 403);
    assert_eq!(rsvp(&app, &lark).await["status"], "going");

    // The organizer's list, API and page, counts who said so.
    let (status, list) = app
        .get_json(&format!("/api/v1/events/{id}/rsvps"), Some(&organizer))
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["counts"]["reconfirmed"], 1);
    assert_eq!(list["counts"]["going"], 2);
    let flags: Vec<(&str, bool)> = list["rsvps"]
        .as_array()
        .expect("rsvps")
        .iter()
        .map(|r| {
            (
                r["pseudonym"].as_str().unwrap_or_default(),
                r["reconfirmed"] == true,
            )
        })
        .collect();
    assert_eq!(flags, [("Lark", true), ("Teal", false)]);
    let browser = app.signed_in_browser("olga").await;
    let page = app
        .get(&browser, &format!("/organize/events/{id}/rsvps"))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("1 of 2 going said so"), "{page}");
    assert!(page.contains("(still coming)"), "{page}");
}

on_both_databases!(
    cant_make_it_gives_the_place_to_the_waitlist,
    still_coming_is_counted_for_organizers,
);

/// An event starting `after` from now, whose only reminder is `offset` minutes before.
fn starting_after(title: &str, after: chrono::Duration, offset: i32) -> Value {
    let starts = chrono::Utc::now() + after;
    event_fields(
        title,
        1,
        json!({"starts_at": starts.to_rfc3339(),
               "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
               "reminder_offsets_minutes": [offset]}),
    )
}

/// The day-ahead reminder carries the confirm link, the last-minute one does not; following the
/// link changes nothing. Emails go through a real SMTP server and are read back with Python.
async fn the_day_ahead_reminder_asks_still_coming(backend: Backend) {
    let Some(sink) = SmtpSink::start(0) else {
        return;
    };
    let url = sink.url();
    let Some(app) = TestApp::spawn_with(backend, &["--mail-url", url.as_str()]).await else {
        return;
    };
    let organizer = app.organizer_token().await;
    let second = chrono::Duration::seconds(8);
    let tomorrow = app
        .create_event(
            &organizer,
            starting_after("Tomorrow", chrono::Duration::minutes(1440) + second, 1440),
        )
        .await;
    let tonight = app
        .create_event(
            &organizer,
            starting_after("Tonight", chrono::Duration::minutes(120) + second, 120),
        )
        .await;
    let lark = app
        .rsvp_api(
            tomorrow["id"].as_str().expect("id"),
            json!({"pseudonym": "Lark", "email": "lark@example.org"}),
        )
        .await;
    let teal = app
        .rsvp_api(
            tonight["id"].as_str().expect("id"),
            json!({"pseudonym": "Teal", "email": "teal@example.org"}),
        )
        .await;

    sink.settled(&app.address, &app.metrics_token, 2, Duration::from_secs(60))
        .await;
    let messages = sink.messages();
    assert_eq!(messages.len(), 2, "{messages:?}");
    let to = |address: &str| {
        messages
            .iter()
            .find(|m| m["to"] == address)
            .unwrap_or_else(|| panic!("a message to {address}: {messages:?}"))
    };
    let confirm = app.url(&format!("/r/{lark}?confirm"));
    for part in ["text", "html"] {
        let day_ahead = to("lark@example.org")[part].as_str().expect("part");
        assert!(day_ahead.contains(&confirm), "{part}: {day_ahead}");
        assert!(day_ahead.contains("Still coming?"), "{part}: {day_ahead}");
        let last_minute = to("teal@example.org")[part].as_str().expect("part");
        assert!(!last_minute.contains("?confirm"), "{part}: {last_minute}");
        assert!(last_minute.contains(&format!("/r/{teal}")), "{part}");
    }

    // A mail scanner follows the link: nothing changes.
    let response = reqwest::get(&confirm).await.expect("followed");
    assert_eq!(response.status(), 200);
    let lark = rsvp(&app, &lark).await;
    assert_eq!(
        (lark["status"].as_str(), lark["reconfirmed"].as_bool()),
        (Some("going"), Some(false))
    );
}

mod the_day_ahead_reminder_asks_still_coming {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::the_day_ahead_reminder_asks_still_coming(umbrella_tests::Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::the_day_ahead_reminder_asks_still_coming(umbrella_tests::Backend::Postgres).await;
    }
}
