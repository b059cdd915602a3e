//! Role quotas: an action says how many marshals and medics it needs; the API, the event page
//! and the RSVP form show what is still needed (exact numbers only where counts are exact);
//! going RSVPs fill them, others do not; goals are not caps; the organizer's dashboard flags
//! an action short of people 48 hours before; a quota for a role the event does not offer is a
//! 422 naming `roles_needed`.

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};
use umbrella_tests::{event_fields, on_both_databases, TestApp};

on_both_databases!(
    quotas_are_shown_and_filled_by_going_rsvps,
    rounded_counts_show_only_what_is_still_needed,
    a_quota_needs_a_role_the_event_offers,
    the_dashboard_flags_roles_short_48_hours_before,
    the_editor_sets_quotas,
);

fn action(title: &str, days: i64, extra: Value) -> Value {
    let mut fields = event_fields(
        title,
        days,
        json!({"kind": "action", "roles": ["marshal", "medic", "driver"],
               "roles_needed": {"marshal": 3, "medic": 1}}),
    );
    if let (Some(base), Some(extra)) = (fields.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            base.insert(key.clone(), value.clone());
        }
    }
    fields
}

async fn rsvp(app: &TestApp, id: &str, name: &str, role: &str) -> String {
    let (status, body) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{id}/rsvps"),
            None,
            &json!({"pseudonym": name, "role": role}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["token"].as_str().expect("token").to_string()
}

async fn quotas_are_shown_and_filled_by_going_rsvps(app: TestApp) {
    let token = app.organizer_token().await;
    let event = app
        .create_event(&token, action("March", 3, json!({})))
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    assert_eq!(event["roles_needed"], json!({"marshal": 3, "medic": 1}));
    assert_eq!(
        event["roles_filled"],
        json!({"marshal": 0, "medic": 0, "driver": 0})
    );
    rsvp(&app, &id, "Kestrel", "marshal").await;
    rsvp(&app, &id, "Plover", "medic").await;
    // Goals, not caps: a second medic is as welcome as the first.
    rsvp(&app, &id, "Tern", "medic").await;
    // A cancelled marshal no longer counts.
    let gone = rsvp(&app, &id, "Gull", "marshal").await;
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/rsvps/{gone}"),
            None,
            &json!({"status": "cancelled"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, public) = app.get_json(&format!("/api/v1/events/{id}"), None).await;
    assert_eq!(
        public["roles_filled"],
        json!({"marshal": 1, "medic": 2, "driver": 0})
    );
    assert_eq!(public["roles_still_needed"], json!(["marshal"]));

    let (status, page) = app.get_text(&format!("/events/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Marshals: 1 of 3"), "{page}");
    assert!(page.contains("Medics: 2 of 1"));
    assert!(
        page.contains("Marshal (2 more needed)"),
        "the RSVP form says so"
    );
    let (_, spanish) = app.get_text(&format!("/events/{id}?lang=es")).await;
    assert!(
        spanish.contains("Personas de seguridad: 1 de 3"),
        "{spanish}"
    );
    assert!(spanish.contains("Personas de primeros auxilios: 2 de 1"));
    assert!(spanish.contains("faltan 2"));
}

async fn rounded_counts_show_only_what_is_still_needed(app: TestApp) {
    let token = app.organizer_token().await;
    let event = app
        .create_event(
            &token,
            action("March", 3, json!({"count_display": "rounded"})),
        )
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    rsvp(&app, &id, "Kestrel", "marshal").await;
    rsvp(&app, &id, "Plover", "medic").await;
    let (_, public) = app.get_json(&format!("/api/v1/events/{id}"), None).await;
    assert_eq!(
        public["roles_filled"],
        Value::Null,
        "no exact numbers: {public}"
    );
    assert_eq!(public["roles_still_needed"], json!(["marshal"]));
    assert_eq!(public["roles_needed"], json!({"marshal": 3, "medic": 1}));
    let (_, organizer) = app
        .get_json(&format!("/api/v1/events/{id}"), Some(&token))
        .await;
    assert_eq!(organizer["roles_filled"]["marshal"], 1);
    let (_, page) = app.get_text(&format!("/events/{id}")).await;
    assert!(page.contains("Marshals: still needed"), "{page}");
    assert!(page.contains("Medics: enough people"));
    let (_, spanish) = app.get_text(&format!("/events/{id}?lang=es")).await;
    assert!(
        spanish.contains("Personas de seguridad: todavía se necesitan"),
        "{spanish}"
    );
    assert!(spanish.contains("Personas de primeros auxilios: ya hay suficientes"));
    assert!(!page.contains("1 of 3") && !page.contains("more needed"));
    // The listing follows the same rule.
    let (_, listing) = app.get_json("/api/v1/events", None).await;
    let listed = listing["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["id"] == id.as_str())
        .expect("listed");
    assert_eq!(listed["roles_filled"], Value::Null);
}

async fn a_quota_needs_a_role_the_event_offers(app: TestApp) {
    let token = app.organizer_token().await;
    for needed in [
        json!({"legal_observer": 2}),
        json!({"pilot": 1}),
        json!({"medic": -1}),
    ] {
        let (status, body) = app
            .send_json(
                Method::POST,
                "/api/v1/events",
                Some(&token),
                &action("March", 3, json!({"roles_needed": needed})),
            )
            .await;
        assert_eq!(status, 422, "{needed}: {body}");
        assert_eq!(body["field"], "roles_needed", "{body}");
    }
    let event = app
        .create_event(&token, action("March", 3, json!({})))
        .await;
    let id = event["id"].as_str().expect("id");
    // Dropping a role that has a goal is refused too; dropping both is fine.
    let (status, body) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/events/{id}"),
            Some(&token),
            &json!({"roles": ["medic"]}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["field"], "roles_needed");
    let (status, body) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/events/{id}"),
            Some(&token),
            &json!({"roles": ["medic"], "roles_needed": {"medic": 2}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["roles_needed"], json!({"medic": 2}));
}

async fn the_dashboard_flags_roles_short_48_hours_before(app: TestApp) {
    let token = app.organizer_token().await;
    let soon = |title: &str, extra: Value| {
        let starts = Utc::now() + Duration::hours(30);
        let mut fields = action(title, 0, extra);
        fields["starts_at"] = json!(starts.to_rfc3339());
        fields["ends_at"] = json!((starts + Duration::hours(2)).to_rfc3339());
        fields
    };
    let short = app
        .create_event(&token, soon("Short march", json!({})))
        .await;
    let filled = app
        .create_event(
            &token,
            soon("Filled march", json!({"roles_needed": {"medic": 1}})),
        )
        .await;
    rsvp(&app, filled["id"].as_str().expect("id"), "Plover", "medic").await;
    let later = app
        .create_event(&token, action("Later march", 5, json!({})))
        .await;
    let browser = app.signed_in_browser("rosa").await;
    let dashboard = app
        .get(&browser, "/organize")
        .await
        .text()
        .await
        .expect("page");
    let card = |event: &Value| -> String {
        let marker = format!("data-event=\"{}\"", event["id"].as_str().expect("id"));
        let at = dashboard.find(&marker).expect("the card");
        let end = dashboard[at..]
            .find("</li>\n")
            .map_or(dashboard.len(), |e| at + e);
        dashboard[at..end].to_string()
    };
    let short_card = card(&short);
    assert!(
        short_card.contains("data-flag=\"roles-short\""),
        "{short_card}"
    );
    assert!(short_card.contains("Marshals: 0 of 3"));
    assert!(!card(&filled).contains("roles-short"), "filled");
    assert!(
        !card(&later).contains("roles-short"),
        "more than 48 hours ahead"
    );
    assert!(
        card(&later).contains("Marshals: 0 of 3"),
        "the goal shows all the same"
    );
}

async fn the_editor_sets_quotas(app: TestApp) {
    let browser = app.signed_in_browser("alma").await;
    let date = (Utc::now() + Duration::days(3)).date_naive();
    let (starts, ends) = (format!("{date}T18:00"), format!("{date}T20:00"));
    let mut fields = vec![
        ("kind", "action"),
        ("title", "Rally"),
        ("starts_at", starts.as_str()),
        ("ends_at", ends.as_str()),
        ("location_privacy", "public"),
        ("visibility", "listed"),
        ("count_display", "exact"),
        ("language", "en"),
        ("reminder_hours", ""),
        ("roles", "marshal"),
        ("roles", "medic"),
        ("needed_marshal", "4"),
        ("needed_driver", "2"),
    ];
    let response = app.post_form(&browser, "/organize/events", &fields).await;
    assert_eq!(response.status(), 422, "driver is not offered");
    assert!(response
        .text()
        .await
        .expect("page")
        .contains("href=\"#roles_needed\""));
    fields.retain(|(name, _)| *name != "needed_driver");
    fields.push(("needed_medic", "1"));
    let response = app.post_form(&browser, "/organize/events", &fields).await;
    assert_eq!(response.status(), 303);
    let id = umbrella_tests::location(&response)
        .trim_start_matches("/organize/events/")
        .split('/')
        .next()
        .expect("id")
        .to_string();
    let (_, event) = app.get_json(&format!("/api/v1/events/{id}"), None).await;
    assert_eq!(event["roles_needed"], json!({"marshal": 4, "medic": 1}));
    let editor = app
        .get(&browser, &format!("/organize/events/{id}/edit"))
        .await
        .text()
        .await
        .expect("page");
    assert!(editor.contains("name=\"needed_marshal\" type=\"number\" min=\"0\" max=\"1000\" inputmode=\"numeric\" value=\"4\""));
}
