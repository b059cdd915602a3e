//! What public outputs give away besides what they show: attendance numbers only as the event's
//! count display allows.

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

on_both_databases!(rounded_and_hidden_counts_show_no_exact_places_left);
