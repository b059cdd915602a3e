//! The organizer's home: the dashboard's counts follow RSVPs as they arrive, are approved,
//! cancel and get promoted; each event's hub lists who waits for a decision and what organizers
//! changed; an event copies into a new one with its settings and none of its people; past
//! events keep only anonymous counts once the purge has run.

use reqwest::Method;
use serde_json::json;
use umbrella_tests::{event_fields, location, on_both_databases, TestApp};

/// The part of the page about one event: from its `data-event` mark to the next one.
fn card<'a>(html: &'a str, event_id: &str) -> &'a str {
    let mark = format!("data-event=\"{event_id}\"");
    let start = html
        .find(&mark)
        .unwrap_or_else(|| panic!("no card for {event_id}"));
    let rest = &html[start + mark.len()..];
    let end = rest.find("data-event=\"").unwrap_or(rest.len());
    &rest[..end]
}

/// The number an element marked `data-count="{name}"` starts with.
fn count(part: &str, name: &str) -> i64 {
    let mark = format!("data-count=\"{name}\"");
    let at = part
        .find(&mark)
        .unwrap_or_else(|| panic!("no {name} count in {part}"));
    let text = &part[at..];
    let text = &text[text.find('>').expect("tag ends") + 1..];
    let text = text.trim_start_matches(|c: char| !c.is_ascii_digit() && c != '<');
    let text = match text.strip_prefix("<a ") {
        Some(link) => &link[link.find('>').expect("link") + 1..],
        None => text,
    };
    text.chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a number: {}", &text[..text.len().min(80)]))
}

/// (going, waitlisted, pending, places left) on the dashboard's card for the event.
async fn dashboard_counts(app: &TestApp, browser: &reqwest::Client, id: &str) -> [i64; 4] {
    let page = app.get(browser, "/organize").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("body");
    let part = card(&html, id);
    [
        count(part, "going"),
        count(part, "waitlisted"),
        count(part, "pending"),
        count(part, "places_left"),
    ]
}

/// The RSVP ids the hub lists as waiting for a decision, and the hub's page.
async fn pending_on_hub(
    app: &TestApp,
    browser: &reqwest::Client,
    id: &str,
) -> (Vec<String>, String) {
    let hub = app.get(browser, &format!("/organize/events/{id}")).await;
    assert_eq!(hub.status(), 200);
    let html = hub.text().await.expect("body");
    let ids = html
        .split("data-rsvp=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().expect("id").to_string())
        .collect();
    (ids, html)
}

async fn cancel(app: &TestApp, token: &str) {
    let (status, body) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/rsvps/{token}"),
            None,
            &json!({"status": "cancelled"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn the_dashboard_counts_follow_the_rsvps(app: TestApp) {
    let browser = app.signed_in_browser("rosa").await;
    let token = app.token_for("rosa").await;
    let now = chrono::Utc::now();
    let vetted = app
        .create_event(
            &token,
            event_fields(
                "Vetted workshop",
                4,
                json!({"capacity": 2, "approval_required": true}),
            ),
        )
        .await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let open = app
        .create_event(
            &token,
            event_fields("Open clinic", 6, json!({"capacity": 2})),
        )
        .await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let under_way = app
        .create_event(
            &token,
            json!({"title": "March under way", "kind": "action", "location": "Plaza",
                   "starts_at": (now - chrono::Duration::hours(1)).to_rfc3339(),
                   "ends_at": (now + chrono::Duration::hours(2)).to_rfc3339()}),
        )
        .await["id"]
        .as_str()
        .expect("id")
        .to_string();

    // An action under way comes first, before anything later.
    let html = app
        .get(&browser, "/organize")
        .await
        .text()
        .await
        .expect("body");
    let position = |id: &str| html.find(&format!("data-event=\"{id}\"")).expect("listed");
    assert!(html.contains("Happening now"));
    assert!(position(&under_way) < position(&vetted) && position(&vetted) < position(&open));
    assert!(
        card(&html, &vetted).contains(&format!("href=\"/organize/events/{vetted}\""))
            && card(&html, &vetted).contains(&format!("href=\"/organize/events/{vetted}/rsvps\""))
            && card(&html, &vetted).contains(&format!("href=\"/organize/events/{vetted}/live\"")),
        "each card links to its hub, RSVPs and live console"
    );
    assert_eq!(
        dashboard_counts(&app, &browser, &vetted).await,
        [0, 0, 0, 2]
    );

    // RSVPs arrive and wait for a decision: the dashboard highlights them, the hub lists them.
    for name in ["Ana", "Bea", "Cris"] {
        app.rsvp_api(
            &vetted,
            json!({"pseudonym": name, "needs": format!("needs of {name}")}),
        )
        .await;
    }
    assert_eq!(
        dashboard_counts(&app, &browser, &vetted).await,
        [0, 0, 3, 2]
    );
    let html = app
        .get(&browser, "/organize")
        .await
        .text()
        .await
        .expect("body");
    assert!(
        card(&html, &vetted).contains("data-count=\"pending\" class=\"tally-pending\""),
        "pending RSVPs stand out"
    );
    let (pending, hub) = pending_on_hub(&app, &browser, &vetted).await;
    assert_eq!(pending.len(), 3, "the hub lists every pending RSVP");
    for name in ["Ana", "Bea", "Cris"] {
        assert!(hub.contains(name), "{name} is on the hub");
    }
    assert!(
        hub.contains("needs of Ana"),
        "organizers see needs to decide"
    );

    // Approved from the hub: two fit, the third waits for a place.
    for rsvp_id in &pending {
        let response = app
            .post_form(
                &browser,
                &format!("/organize/events/{vetted}/rsvps/{rsvp_id}/approve?back=hub"),
                &[],
            )
            .await;
        assert_eq!(response.status(), 303);
        assert_eq!(
            location(&response),
            format!("/organize/events/{vetted}#pending")
        );
    }
    assert_eq!(
        dashboard_counts(&app, &browser, &vetted).await,
        [2, 1, 0, 0]
    );
    let (pending, hub) = pending_on_hub(&app, &browser, &vetted).await;
    assert!(pending.is_empty());
    assert!(hub.contains("Nobody is waiting for a decision."));
    assert_eq!(
        hub.matches("data-action=\"rsvp_approved\"").count(),
        3,
        "the hub's changes list each decision"
    );
    assert!(hub.contains("data-action=\"event_created\""));

    // Without approval: a full event waitlists, and a cancellation promotes the next in line.
    let ana = app.rsvp_api(&open, json!({"pseudonym": "Ana"})).await;
    app.rsvp_api(&open, json!({"pseudonym": "Bea"})).await;
    assert_eq!(dashboard_counts(&app, &browser, &open).await, [2, 0, 0, 0]);
    app.rsvp_api(&open, json!({"pseudonym": "Cris"})).await;
    assert_eq!(dashboard_counts(&app, &browser, &open).await, [2, 1, 0, 0]);
    cancel(&app, &ana).await;
    assert_eq!(
        dashboard_counts(&app, &browser, &open).await,
        [2, 0, 0, 0],
        "Cris was promoted"
    );

    // In Spanish too.
    let html = app
        .get(&browser, "/organize?lang=es")
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains("En curso") && html.contains("1 en lista de espera"));
}

/// What a browser would send from the form posting to `action` on `html`.
fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    let form = &html[start..start + html[start..].find("</form>").expect("form ends")];
    let attribute = |tag: &str, name: &str| {
        let mark = format!(" {name}=\"");
        tag.find(&mark).map(|at| {
            let rest = &tag[at + mark.len()..];
            unescape(&rest[..rest.find('"').expect("quoted")])
        })
    };
    let mut fields = Vec::new();
    let mut rest = form;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        let tag = &rest[..rest.find('>').expect("tag ends") + 1];
        let name = attribute(tag, "name");
        if let (true, Some(name)) = (tag.starts_with("<input "), name.clone()) {
            let kind = attribute(tag, "type").unwrap_or_default();
            let value = attribute(tag, "value");
            if kind == "checkbox" || kind == "radio" {
                if tag.contains(" checked") {
                    fields.push((name, value.unwrap_or_else(|| "on".into())));
                }
            } else {
                fields.push((name, value.unwrap_or_default()));
            }
        } else if let (true, Some(name)) = (tag.starts_with("<select "), name.clone()) {
            let select = &rest[..rest.find("</select>").expect("select ends")];
            let chosen = select
                .split("<option ")
                .skip(1)
                .find(|option| option[..option.find('>').expect("option")].contains(" selected"))
                .and_then(|option| attribute(&format!(" {option}"), "value"))
                .unwrap_or_default();
            fields.push((name, chosen));
        } else if let (true, Some(name)) = (tag.starts_with("<textarea "), name) {
            let body = &rest[tag.len()..];
            fields.push((
                name,
                unescape(&body[..body.find("</textarea>").expect("ends")]),
            ));
        }
        rest = &rest[tag.len()..];
    }
    fields
}

/// Text as the browser reads it from the page's escaped HTML (named or numeric references).
fn unescape(text: &str) -> String {
    [
        ("&quot;", "\""),
        ("&#34;", "\""),
        ("&#x27;", "'"),
        ("&#39;", "'"),
        ("&lt;", "<"),
        ("&#60;", "<"),
        ("&gt;", ">"),
        ("&#62;", ">"),
        ("&amp;", "&"),
        ("&#38;", "&"),
    ]
    .iter()
    .fold(text.to_string(), |text, (escaped, plain)| {
        text.replace(escaped, plain)
    })
}

fn local_input(days: i64, hour: u32) -> String {
    let date = (chrono::Utc::now() + chrono::Duration::days(days)).date_naive();
    format!("{}T{hour:02}:00", date.format("%Y-%m-%d"))
}

async fn a_copy_keeps_the_settings_and_none_of_the_people(app: TestApp) {
    let browser = app.signed_in_browser("lupe").await;
    let token = app.token_for("lupe").await;
    let original = app
        .create_event(
            &token,
            event_fields(
                "Monthly know-your-rights",
                3,
                json!({"kind": "training", "cover_title": "Monthly meetup",
                       "description": "Bring *questions* & \"notes\".", "capacity": 12,
                       "tags": ["legal", "monthly"], "accessibility": "Step-free.\nASL on request.",
                       "language": "es", "visibility": "unlisted", "approval_required": true,
                       "location_privacy": "approved", "roles": ["marshal", "medic"],
                       "reminder_offsets_minutes": [2880, 60], "count_display": "hidden"}),
            ),
        )
        .await;
    let id = original["id"].as_str().expect("id").to_string();
    app.rsvp_api(&id, json!({"pseudonym": "Heron", "needs": "A chair"}))
        .await;
    let (status, _) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{id}/updates"),
            Some(&token),
            &json!({"kind": "announcement", "text": "Room 4 this time.", "audience": "public"}),
        )
        .await;
    assert_eq!(status, 201);

    // From the hub and from the dashboard, the same link.
    let copy_path = format!("/organize/events/{id}/copy");
    let (_, hub) = pending_on_hub(&app, &browser, &id).await;
    assert!(hub.contains(&format!("href=\"{copy_path}\"")));
    let dashboard = app
        .get(&browser, "/organize")
        .await
        .text()
        .await
        .expect("body");
    assert!(card(&dashboard, &id).contains(&format!("href=\"{copy_path}\"")));

    let page = app.get(&browser, &copy_path).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("body");
    assert!(!html.contains("Heron") && !html.contains("A chair") && !html.contains("Room 4"));
    let mut fields = form_fields(&html, "/organize/events");
    let value = |fields: &[(String, String)], name: &str| {
        fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    assert_eq!(value(&fields, "title"), "Monthly know-your-rights");
    assert_eq!(
        value(&fields, "starts_at"),
        "",
        "no date: the organizer picks one"
    );
    assert_eq!(value(&fields, "ends_at"), "");
    assert_eq!(value(&fields, "language"), "es");
    // Saving without a date is refused and stores nothing.
    let response = app
        .post_form(&browser, "/organize/events", &pairs(&fields))
        .await;
    assert_eq!(response.status(), 422);
    assert_eq!(app.all_event_ids(&token).await.len(), 1);

    let (starts, ends) = (local_input(33, 18), local_input(33, 20));
    for (name, value) in [("starts_at", &starts), ("ends_at", &ends)] {
        fields.retain(|(field, _)| field != name);
        fields.push((name.to_string(), value.clone()));
    }
    let response = app
        .post_form(&browser, "/organize/events", &pairs(&fields))
        .await;
    assert_eq!(response.status(), 303);
    let copy = location(&response)
        .trim_start_matches("/organize/events/")
        .split('/')
        .next()
        .expect("id")
        .to_string();
    assert_ne!(copy, id);

    let (_, before) = app
        .get_json(&format!("/api/v1/events/{id}"), Some(&token))
        .await;
    let (_, after) = app
        .get_json(&format!("/api/v1/events/{copy}"), Some(&token))
        .await;
    for key in [
        "title",
        "cover_title",
        "kind",
        "description",
        "location",
        "location_privacy",
        "capacity",
        "tags",
        "accessibility",
        "language",
        "visibility",
        "approval_required",
        "roles",
        "reminder_offsets_minutes",
        "count_display",
    ] {
        assert_eq!(after[key], before[key], "{key} is copied");
    }
    assert_eq!(after["status"], "scheduled");
    assert_ne!(after["starts_at"], before["starts_at"]);
    let (_, rsvps) = app
        .get_json(&format!("/api/v1/events/{copy}/rsvps"), Some(&token))
        .await;
    assert_eq!(rsvps["rsvps"], json!([]), "none of the people");
    let (_, updates) = app
        .get_json(&format!("/api/v1/events/{copy}/updates"), Some(&token))
        .await;
    assert_eq!(updates["updates"], json!([]), "none of the updates");
    let (_, rsvps) = app
        .get_json(&format!("/api/v1/events/{id}/rsvps"), Some(&token))
        .await;
    assert_eq!(
        rsvps["rsvps"].as_array().map(Vec::len),
        Some(1),
        "the original keeps its own"
    );
}

fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

async fn past_events_keep_only_anonymous_counts(app: TestApp) {
    let browser = app.signed_in_browser("amara").await;
    let token = app.token_for("amara").await;
    let now = chrono::Utc::now();
    let event = app
        .create_event(
            &token,
            json!({"title": "Night march", "kind": "action", "location": "Plaza",
                   "starts_at": (now - chrono::Duration::hours(1)).to_rfc3339(),
                   "ends_at": (now + chrono::Duration::hours(1)).to_rfc3339()}),
        )
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    let mut tokens = Vec::new();
    for name in ["Kestrel-past", "Heron-past", "Wren-past", "Finch-past"] {
        tokens.push(app.rsvp_api(&id, json!({"pseudonym": name})).await);
    }
    for (token, path) in [
        (&tokens[0], "checkin"),
        (&tokens[0], "safe"),
        (&tokens[1], "checkin"),
    ] {
        let (status, body) = app
            .send_json(
                Method::POST,
                &format!("/api/v1/rsvps/{token}/{path}"),
                None,
                &json!({}),
            )
            .await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    cancel(&app, &tokens[3]).await;
    app.end_event(&id);
    // And a meeting whose one RSVP was never decided.
    let meeting = app
        .create_event(
            &token,
            event_fields("Closed meeting", 1, json!({"approval_required": true})),
        )
        .await;
    let meeting = meeting["id"].as_str().expect("id").to_string();
    app.rsvp_api(&meeting, json!({"pseudonym": "Plover-past"}))
        .await;
    app.end_event(&meeting);

    let counts = |html: &str| {
        let part = card(html, &id);
        [
            count(part, "going"),
            count(part, "checked_in"),
            count(part, "home_safe"),
        ]
    };
    let page = app.get(&browser, "/organize/past").await;
    assert_eq!(page.status(), 200);
    let before = page.text().await.expect("body");
    assert_eq!(counts(&before), [3, 2, 1]);

    let out = app
        .cli(&["purge", "--retention-hours", "0"])
        .await
        .expect("purge runs");
    assert!(
        out.contains("Purged the personal fields of 5 RSVPs"),
        "{out}"
    );

    let after = app
        .get(&browser, "/organize/past")
        .await
        .text()
        .await
        .expect("body");
    assert_eq!(counts(&after), [3, 2, 1], "the numbers outlive the purge");
    let (_, hub) = pending_on_hub(&app, &browser, &id).await;
    for page in [&after, &hub] {
        for name in ["Kestrel-past", "Heron-past", "Wren-past", "Finch-past"] {
            assert!(!page.contains(name), "{name} is gone");
        }
    }
    assert_eq!(count(&hub, "checked_in"), 2);
    assert_eq!(count(&hub, "home_safe"), 1);
    // The purge leaves an undecided RSVP's status behind; the hub lists and counts nobody
    // waiting for a decision, not even as a line without a name.
    let (pending, meeting_hub) = pending_on_hub(&app, &browser, &meeting).await;
    assert_eq!(pending, Vec::<String>::new());
    assert_eq!(count(&meeting_hub, "pending"), 0);
    assert!(!meeting_hub.contains("Plover-past"));
    // Nothing about anyone is left behind the numbers: not when they came, nor their role.
    {
        use diesel::prelude::*;
        use umbrella::db::schema::rsvps;
        let left: Vec<(
            Option<chrono::NaiveDateTime>,
            Option<chrono::NaiveDateTime>,
            Option<String>,
        )> = rsvps::table
            .filter(rsvps::event_id.eq(&id))
            .select((rsvps::checked_in_at, rsvps::safe_at, rsvps::pseudonym))
            .load(&mut app.database())
            .expect("rsvps read");
        assert_eq!(left.len(), 4);
        assert!(
            left.iter().all(|row| *row == (None, None, None)),
            "{left:?}"
        );
    }
    // Paged: twenty a page, the next page linked (with the march and the meeting, 21).
    for n in 0..19 {
        let past = app
            .create_event(&token, event_fields(&format!("Old {n}"), 1, json!({})))
            .await;
        app.end_event(past["id"].as_str().expect("id"));
    }
    let first = app
        .get(&browser, "/organize/past")
        .await
        .text()
        .await
        .expect("body");
    assert!(first.contains("href=\"/organize/past?page=2\""));
    let second = app
        .get(&browser, "/organize/past?page=2")
        .await
        .text()
        .await
        .expect("body");
    assert_eq!(
        second.matches("data-event=\"").count(),
        1,
        "21 past events, 20 a page"
    );
    let response = app.get(&browser, "/organize/past?page=zero").await;
    assert_eq!(response.status(), 422);
}

async fn the_event_form_offers_languages_and_shows_the_zone(app: TestApp) {
    let browser = app.signed_in_browser("ines").await;
    let html = app
        .get(&browser, "/organize/events/new")
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains("<select id=\"language\" name=\"language\""));
    assert!(html.contains("<option value=\"es\" lang=\"es\">Español</option>"));
    assert!(
        html.matches("America/Chicago (C").count() >= 3,
        "the zone beside each time field"
    );
    let on_the_day = html.find("On the day").expect("an On the day group");
    assert!(
        html[on_the_day..].contains("name=\"roles\""),
        "roles are on the day"
    );
    // The reveal time sits under its own choice, and counts only with it.
    let reveal_choice = html.find("id=\"privacy-reveal_at\"").expect("a choice");
    let reveal_field = html.find("id=\"location_reveal_at\"").expect("a field");
    assert!(reveal_choice < reveal_field);
    let token = app.token_for("ines").await;
    let event = app
        .create_event(
            &token,
            event_fields("Charla", 2, json!({"language": "pt-BR"})),
        )
        .await;
    let id = event["id"].as_str().expect("id");
    let html = app
        .get(&browser, &format!("/organize/events/{id}/edit"))
        .await
        .text()
        .await
        .expect("body");
    assert!(
        html.contains("<option value=\"pt-BR\" lang=\"pt-BR\" selected>pt-BR</option>"),
        "a language set through the API stays chosen"
    );
}

on_both_databases!(
    the_dashboard_counts_follow_the_rsvps,
    a_copy_keeps_the_settings_and_none_of_the_people,
    past_events_keep_only_anonymous_counts,
    the_event_form_offers_languages_and_shows_the_zone,
);
