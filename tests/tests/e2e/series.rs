//! Series: a weekly circle keeps its wall-clock time across a daylight-saving change (checked on
//! the UTC instants), `count` and `until`, "this and following" edits and cancellations touching
//! only the right occurrences (and notices only their RSVPs), an RSVP counting on its own
//! occurrence only, each occurrence's own calendar UID, `GET /api/v1/series/{id}`, the editor
//! (its "this and following" edits and cancellations, posted as a browser without JavaScript
//! does) and the public page, and the 422s.

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};
use umbrella::db::schema::{outbox, rsvps};
use umbrella_tests::{event_fields, on_both_databases, parse_calendar, TestApp};

on_both_databases!(
    the_public_sees_only_the_listed_occurrences,
    a_weekly_series_keeps_its_wall_clock_time_across_the_change,
    count_and_until_set_where_a_series_stops,
    an_rsvp_counts_on_its_own_occurrence_with_its_own_calendar_entry,
    bad_repeats_are_refused_naming_the_field,
    the_editor_cancels_one_date_or_this_and_the_following,
);
on_both_databases!(with umbrella_tests::MAIL_FILES =>
    this_and_following_touches_only_the_later_occurrences_and_their_rsvps,
    the_editor_makes_a_series_and_the_event_page_lists_the_next_dates,
);

/// `18:00` on `date` in Chicago (the server's default zone), with the offset in force then.
fn chicago_six_pm(date: NaiveDate) -> (String, String) {
    let offset = if in_daylight_time(date) { 5 } else { 6 };
    let local = format!("{date}T18:00:00-0{offset}:00");
    let utc = date.and_hms_opt(18, 0, 0).expect("a time").and_utc() + Duration::hours(offset);
    (local, utc.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// US daylight time: from the second Sunday of March to the first Sunday of November (an
/// evening on either Sunday is already on the new clock).
fn in_daylight_time(date: NaiveDate) -> bool {
    let start = NaiveDate::from_weekday_of_month_opt(date.year(), 3, Weekday::Sun, 2)
        .expect("a second Sunday");
    let end = NaiveDate::from_weekday_of_month_opt(date.year(), 11, Weekday::Sun, 1)
        .expect("a first Sunday");
    date >= start && date < end
}

fn next_year() -> i32 {
    Utc::now().year() + 1
}

fn ids(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_string())
        .collect()
}

async fn series(app: &TestApp, series_id: &str, token: Option<&str>) -> Vec<Value> {
    let (status, body) = app
        .get_json(&format!("/api/v1/series/{series_id}"), token)
        .await;
    assert_eq!(status, 200, "{body}");
    body["events"].as_array().expect("events").clone()
}

async fn a_weekly_series_keeps_its_wall_clock_time_across_the_change(app: TestApp) {
    let token = app.organizer_token().await;
    // 1, 8, 15 and 22 March: the second Sunday of March falls between the first and the last.
    let dates: Vec<NaiveDate> = [1, 8, 15, 22]
        .iter()
        .map(|day| NaiveDate::from_ymd_opt(next_year(), 3, *day).expect("a date"))
        .collect();
    assert!(!in_daylight_time(dates[0]) && in_daylight_time(dates[3]));
    let (starts, _) = chicago_six_pm(dates[0]);
    let first = app
        .create_event(
            &token,
            json!({"title": "Peer support circle", "kind": "workshop",
                   "starts_at": starts,
                   "ends_at": starts.replace("T18:00", "T20:00"),
                   "location": "Community room",
                   "repeat": {"frequency": "weekly", "interval": 1, "count": 4}}),
        )
        .await;
    let series_id = first["series_id"]
        .as_str()
        .expect("a series id")
        .to_string();
    let occurrences = series(&app, &series_id, None).await;
    assert_eq!(occurrences.len(), 4);
    assert_eq!(occurrences[0]["id"], first["id"], "201 answers the first");
    for (occurrence, date) in occurrences.iter().zip(&dates) {
        let (_, utc) = chicago_six_pm(*date);
        assert_eq!(
            occurrence["starts_at"],
            utc.as_str(),
            "18:00 local on {date}"
        );
        assert_eq!(occurrence["series_id"], series_id.as_str());
        let (status, alone) = app
            .get_json(
                &format!("/api/v1/events/{}", occurrence["id"].as_str().unwrap_or("")),
                None,
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            alone["series_id"],
            series_id.as_str(),
            "every occurrence carries it"
        );
    }
    // Across the change the instant moves by an hour: one UTC hour apart, the same local time.
    let hours: Vec<&str> = occurrences
        .iter()
        .map(|o| &o["starts_at"].as_str().expect("time")[11..13])
        .collect();
    assert_eq!(hours.first(), Some(&"00"));
    assert_eq!(hours.last(), Some(&"23"));
    let unique: std::collections::BTreeSet<String> = ids(&occurrences).into_iter().collect();
    assert_eq!(unique.len(), 4, "each occurrence is an event of its own");
}

async fn count_and_until_set_where_a_series_stops(app: TestApp) {
    let token = app.organizer_token().await;
    let june = NaiveDate::from_ymd_opt(next_year(), 6, 1).expect("a date");
    let (starts, first_utc) = chicago_six_pm(june);
    let body = |repeat: Value| {
        json!({"title": "Drop-in hours", "kind": "workshop", "starts_at": starts,
               "ends_at": starts.replace("T18:00", "T19:00"), "repeat": repeat})
    };
    // Until the third start exactly: it is included.
    let (_, third_utc) = chicago_six_pm(june + Duration::days(14));
    let until = app
        .create_event(
            &token,
            body(json!({"frequency": "weekly", "until": third_utc})),
        )
        .await;
    let weekly = series(&app, until["series_id"].as_str().expect("series"), None).await;
    assert_eq!(weekly.len(), 3);
    assert_eq!(weekly[0]["starts_at"], first_utc.as_str());
    assert_eq!(weekly[2]["starts_at"], third_utc.as_str());
    // Every other day, five times.
    let counted = app
        .create_event(
            &token,
            body(json!({"frequency": "daily", "interval": 2, "count": 5})),
        )
        .await;
    let daily = series(&app, counted["series_id"].as_str().expect("series"), None).await;
    assert_eq!(daily.len(), 5);
    let (_, ninth_utc) = chicago_six_pm(june + Duration::days(8));
    assert_eq!(daily[4]["starts_at"], ninth_utc.as_str());
    // Monthly from the 31st: the months without one get their last day.
    let (jan31, _) = chicago_six_pm(NaiveDate::from_ymd_opt(next_year(), 1, 31).expect("date"));
    let monthly = app
        .create_event(
            &token,
            json!({"title": "Monthly meeting", "kind": "workshop", "starts_at": jan31,
                   "ends_at": jan31.replace("T18:00", "T19:00"),
                   "repeat": {"frequency": "monthly", "count": 3}}),
        )
        .await;
    let months = series(&app, monthly["series_id"].as_str().expect("series"), None).await;
    let february_end = NaiveDate::from_ymd_opt(next_year(), 3, 1)
        .expect("date")
        .pred_opt()
        .expect("date");
    let expected = [
        chicago_six_pm(NaiveDate::from_ymd_opt(next_year(), 1, 31).expect("date")).1,
        chicago_six_pm(february_end).1,
        chicago_six_pm(NaiveDate::from_ymd_opt(next_year(), 3, 31).expect("date")).1,
    ];
    let got: Vec<&str> = months
        .iter()
        .map(|e| e["starts_at"].as_str().expect("time"))
        .collect();
    assert_eq!(got, expected);
    // A single event has no series.
    let single = app
        .create_event(&token, event_fields("Once", 3, json!({})))
        .await;
    assert_eq!(single["series_id"], Value::Null);
}

async fn an_rsvp_counts_on_its_own_occurrence_with_its_own_calendar_entry(app: TestApp) {
    let token = app.organizer_token().await;
    let first = app
        .create_event(
            &token,
            event_fields(
                "Peer support circle",
                3,
                json!({"capacity": 1, "repeat": {"frequency": "weekly", "count": 3}}),
            ),
        )
        .await;
    let occurrences = series(&app, first["series_id"].as_str().expect("series"), None).await;
    let ids = ids(&occurrences);
    app.rsvp_api(&ids[0], json!({"pseudonym": "Robin", "guests": 0}))
        .await;
    let (_, one) = app
        .get_json(&format!("/api/v1/events/{}", ids[0]), None)
        .await;
    let (_, two) = app
        .get_json(&format!("/api/v1/events/{}", ids[1]), None)
        .await;
    assert_eq!(one["going_count"], 1);
    assert_eq!(
        two["going_count"], 0,
        "another occurrence's RSVP does not count here"
    );
    // The first is full; the second still has its own place.
    let (status, waiting) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{}/rsvps", ids[0]),
            None,
            &json!({"pseudonym": "Sky"}),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(waiting["status"], "waitlisted");
    let (status, going) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{}/rsvps", ids[1]),
            None,
            &json!({"pseudonym": "Sky"}),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(going["status"], "going");

    // Each occurrence is its own VEVENT with its own UID, in the feed and in its own file.
    let feed = app.get(&app.client(), "/calendar.ics").await;
    assert_eq!(feed.status(), 200);
    let Some(parsed) = parse_calendar(&feed.bytes().await.expect("body")) else {
        return;
    };
    let uids: std::collections::BTreeSet<String> = parsed["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["uid"].as_str().expect("uid").to_string())
        .collect();
    for id in &ids {
        assert!(uids.contains(&format!("{id}@umbrella")), "{id} in {uids:?}");
        let file = app
            .get(&app.client(), &format!("/events/{id}/event.ics"))
            .await;
        let single = parse_calendar(&file.bytes().await.expect("body")).expect("parses");
        assert_eq!(single["events"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            single["events"][0]["uid"],
            format!("{id}@umbrella").as_str()
        );
    }
}

async fn bad_repeats_are_refused_naming_the_field(app: TestApp) {
    let token = app.organizer_token().await;
    let before = app.all_event_ids(&token).await.len();
    let starts = Utc::now() + Duration::days(3);
    for (repeat, field) in [
        (json!({"frequency": "weekly", "count": 53}), "repeat.count"),
        (
            json!({"frequency": "weekly", "interval": 0, "count": 3}),
            "repeat.interval",
        ),
        (
            json!({"frequency": "weekly", "until": (starts - Duration::days(1)).to_rfc3339()}),
            "repeat.until",
        ),
        (
            json!({"frequency": "daily", "until": (starts + Duration::days(60)).to_rfc3339()}),
            "repeat.until",
        ),
        (
            json!({"frequency": "fortnightly", "count": 3}),
            "repeat.frequency",
        ),
        (json!({"frequency": "weekly"}), "repeat.count"),
    ] {
        let (status, body) = app
            .send_json(
                Method::POST,
                "/api/v1/events",
                Some(&token),
                &event_fields("Circle", 3, json!({"repeat": repeat})),
            )
            .await;
        assert_eq!(status, 422, "{repeat}: {body}");
        assert_eq!(body["field"], field, "{repeat}: {body}");
    }
    assert_eq!(
        app.all_event_ids(&token).await.len(),
        before,
        "nothing stored"
    );
    let (status, _) = app.get_json("/api/v1/series/no-such-series", None).await;
    assert_eq!(status, 404);
    let event = app
        .create_event(&token, event_fields("Once", 3, json!({})))
        .await;
    let (status, body) = app
        .send_json(
            Method::POST,
            &format!(
                "/api/v1/events/{}/cancel?scope=sideways",
                event["id"].as_str().unwrap_or("")
            ),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["field"], "scope");
}

/// The notices of `kind` written for each occurrence, as (occurrence index, RSVPs of that
/// occurrence they went to); every notice's RSVP is checked to belong to its occurrence.
fn notices(app: &TestApp, ids: &[String], kind: &str) -> Vec<usize> {
    let rows: Vec<(String, String)> = outbox::table
        .inner_join(rsvps::table)
        .filter(outbox::kind.eq(kind))
        .select((outbox::event_id, rsvps::event_id))
        .load(&mut app.database())
        .expect("outbox read");
    ids.iter()
        .map(|id| {
            rows.iter()
                .filter(|(notice_event, rsvp_event)| {
                    assert_eq!(notice_event, rsvp_event, "a notice to its own RSVPs");
                    notice_event == id
                })
                .count()
        })
        .collect()
}

/// Wait until the outbox has sent everything (a pending notice of a kind is not queued twice,
/// so the next change's notices are counted only once the last ones went out).
async fn outbox_drained(app: &TestApp) {
    for _ in 0..200 {
        let pending: i64 = outbox::table
            .filter(outbox::state.eq("pending"))
            .filter(outbox::kind.ne("reminder"))
            .count()
            .get_result(&mut app.database())
            .expect("outbox read");
        if pending == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the outbox did not drain in 20 s");
}

async fn this_and_following_touches_only_the_later_occurrences_and_their_rsvps(app: TestApp) {
    let token = app.organizer_token().await;
    let first = app
        .create_event(
            &token,
            event_fields(
                "Peer support circle",
                3,
                json!({"location": "Room A", "reminder_offsets_minutes": [],
                       "repeat": {"frequency": "weekly", "count": 4}}),
            ),
        )
        .await;
    let series_id = first["series_id"].as_str().expect("series").to_string();
    let before = series(&app, &series_id, Some(&token)).await;
    let ids = ids(&before);
    for (n, id) in ids.iter().enumerate() {
        app.rsvp_api(
            id,
            json!({"pseudonym": format!("Guest {n}"), "email": format!("guest{n}@example.org")}),
        )
        .await;
    }
    // The second occurrence and the later ones move an hour later, to Room B.
    let start = |event: &Value, field: &str| {
        chrono::DateTime::parse_from_rfc3339(event[field].as_str().expect("time"))
            .expect("a time")
            .with_timezone(&Utc)
    };
    let (status, edited) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/events/{}?scope=following", ids[1]),
            Some(&token),
            &json!({"location": "Room B",
                    "starts_at": (start(&before[1], "starts_at") + Duration::hours(1)).to_rfc3339(),
                    "ends_at": (start(&before[1], "ends_at") + Duration::hours(1)).to_rfc3339()}),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["id"], ids[1].as_str());
    let after = series(&app, &series_id, Some(&token)).await;
    assert_eq!(
        after[0]["location"], "Room A",
        "the one before is untouched"
    );
    assert_eq!(after[0]["starts_at"], before[0]["starts_at"]);
    for n in 1..4 {
        assert_eq!(after[n]["location"], "Room B", "occurrence {n}");
        assert_eq!(
            start(&after[n], "starts_at") - start(&before[n], "starts_at"),
            Duration::hours(1),
            "occurrence {n} shifts by the same amount"
        );
        assert_eq!(
            start(&after[n], "ends_at") - start(&before[n], "ends_at"),
            Duration::hours(1)
        );
    }
    assert_eq!(notices(&app, &ids, "changed"), [0, 1, 1, 1]);
    outbox_drained(&app).await;

    // One occurrence alone (the default scope): a place for that week only.
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/events/{}", ids[2]),
            Some(&token),
            &json!({"location": "Room C, this week only"}),
        )
        .await;
    assert_eq!(status, 200);
    let after = series(&app, &series_id, Some(&token)).await;
    let places: Vec<&str> = after
        .iter()
        .map(|e| e["location"].as_str().expect("location"))
        .collect();
    assert_eq!(
        places,
        ["Room A", "Room B", "Room C, this week only", "Room B"]
    );
    assert_eq!(
        notices(&app, &ids, "changed"),
        [0, 1, 2, 1],
        "that week's RSVP only"
    );

    // Cancel the third and the ones after.
    let (status, cancelled) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{}/cancel?scope=following", ids[2]),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{cancelled}");
    let statuses: Vec<String> = series(&app, &series_id, Some(&token))
        .await
        .iter()
        .map(|e| e["status"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        statuses,
        ["scheduled", "scheduled", "cancelled", "cancelled"]
    );
    assert_eq!(notices(&app, &ids, "cancelled"), [0, 0, 1, 1]);
    // A hidden place stays hidden in the series listing too.
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/events/{}", ids[0]),
            Some(&token),
            &json!({"location_privacy": "attendees"}),
        )
        .await;
    assert_eq!(status, 200);
    let public = series(&app, &series_id, None).await;
    assert!(public[0].get("location").is_none(), "{}", public[0]);
    assert_eq!(public[1]["location"], "Room B");
}

async fn the_editor_makes_a_series_and_the_event_page_lists_the_next_dates(app: TestApp) {
    let browser = app.signed_in_browser("alma").await;
    let date = (Utc::now() + Duration::days(3)).date_naive();
    let starts = format!("{date}T18:00");
    let ends = format!("{date}T20:00");
    let base = [
        ("kind", "workshop"),
        ("title", "Drop-in hours"),
        ("starts_at", starts.as_str()),
        ("ends_at", ends.as_str()),
        ("location", "Community room"),
        ("location_privacy", "public"),
        ("visibility", "listed"),
        ("count_display", "exact"),
        ("language", "en"),
        ("reminder_hours", "24, 2"),
    ];
    // A bad rule comes back on the form, naming the field.
    let mut bad = base.to_vec();
    bad.extend([("repeat_frequency", "weekly"), ("repeat_count", "53")]);
    let response = app.post_form(&browser, "/organize/events", &bad).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("page");
    assert!(
        page.contains("href=\"#repeat.count\""),
        "the summary links the field"
    );
    let mut good = base.to_vec();
    good.extend([
        ("repeat_frequency", "weekly"),
        ("repeat_interval", "1"),
        ("repeat_count", "3"),
    ]);
    let response = app.post_form(&browser, "/organize/events", &good).await;
    assert_eq!(response.status(), 303);
    let edit = umbrella_tests::location(&response);
    let id = edit
        .trim_start_matches("/organize/events/")
        .split('/')
        .next()
        .expect("id")
        .to_string();
    let (_, first) = app.get_json(&format!("/api/v1/events/{id}"), None).await;
    let occurrences = series(&app, first["series_id"].as_str().expect("series"), None).await;
    assert_eq!(occurrences.len(), 3);
    let later = ids(&occurrences);

    // The editor lists the dates, each a link, and asks which ones a change is for.
    let editor = app
        .get(&browser, &format!("/organize/events/{id}/edit"))
        .await
        .text()
        .await
        .expect("page");
    assert!(editor.contains(&format!("/organize/events/{}/edit", later[2])));
    assert!(editor.contains("value=\"following\""));
    // "This and following" from the second: a new title for it and the third.
    let mut change = base.to_vec();
    let form = app
        .get(&browser, &format!("/organize/events/{}/edit", later[1]))
        .await
        .text()
        .await
        .expect("page");
    let value_of = |name: &str| -> String {
        let marker = format!("name=\"{name}\" type=\"datetime-local\" required value=\"");
        let at = form.find(&marker).expect("the field") + marker.len();
        form[at..at + 16].to_string()
    };
    // The form shows the second's own times; it moves an hour later, to another room.
    let hour_later = |typed: String| -> String {
        let local = chrono::NaiveDateTime::parse_from_str(&typed, "%Y-%m-%dT%H:%M")
            .expect("a datetime-local value");
        (local + Duration::hours(1))
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    let second_starts = hour_later(value_of("starts_at"));
    let second_ends = hour_later(value_of("ends_at"));
    change.retain(|(name, _)| !["title", "starts_at", "ends_at", "location"].contains(name));
    change.extend([
        ("title", "Drop-in hours (new room)"),
        ("location", "Library, room 2"),
        ("starts_at", second_starts.as_str()),
        ("ends_at", second_ends.as_str()),
        ("scope", "following"),
    ]);
    let response = app
        .post_form(&browser, &format!("/organize/events/{}", later[1]), &change)
        .await;
    assert_eq!(response.status(), 303);
    let edited = series(&app, first["series_id"].as_str().expect("series"), None).await;
    let field = |events: &[Value], name: &str| -> Vec<String> {
        events
            .iter()
            .map(|e| e[name].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(
        field(&edited, "title"),
        [
            "Drop-in hours",
            "Drop-in hours (new room)",
            "Drop-in hours (new room)"
        ]
    );
    assert_eq!(
        field(&edited, "location"),
        ["Community room", "Library, room 2", "Library, room 2"]
    );
    assert_eq!(
        ids(&edited),
        later,
        "the same occurrences, in the same order"
    );
    let instant = |event: &Value, name: &str| {
        chrono::DateTime::parse_from_rfc3339(event[name].as_str().expect("a time"))
            .expect("RFC 3339")
            .with_timezone(&Utc)
    };
    for (n, (now, then)) in edited.iter().zip(&occurrences).enumerate() {
        let shift = if n == 0 {
            Duration::zero()
        } else {
            Duration::hours(1)
        };
        for name in ["starts_at", "ends_at"] {
            assert_eq!(
                instant(now, name) - instant(then, name),
                shift,
                "occurrence {n}'s {name}: only the second and later move, by the same hour"
            );
        }
    }

    // The public page of the first lists the next dates; an unlisted one is left out.
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/events/{}", later[2]),
            Some(&app.token_for("alma").await),
            &json!({"visibility": "unlisted"}),
        )
        .await;
    assert_eq!(status, 200);
    for lang in ["en", "es"] {
        let (status, page) = app.get_text(&format!("/events/{id}?lang={lang}")).await;
        assert_eq!(status, 200);
        assert!(
            page.contains(if lang == "en" {
                "Next dates"
            } else {
                "Próximas fechas"
            }),
            "{lang}"
        );
        assert!(page.contains(&format!("href=\"/events/{}\"", later[1])));
        assert!(
            !page.contains(&format!("href=\"/events/{}\"", later[2])),
            "unlisted"
        );
    }
}

/// `GET /api/v1/series/{id}` shows the public only what listings show: an occurrence made
/// link-only or invitation-only is left out (its `series_id` would otherwise lead to it), while
/// organizers see every occurrence.
async fn the_public_sees_only_the_listed_occurrences(app: TestApp) {
    let token = app.organizer_token().await;
    let first = app
        .create_event(
            &token,
            event_fields(
                "Drop-in hours",
                3,
                json!({"repeat": {"frequency": "weekly", "count": 3}}),
            ),
        )
        .await;
    let series_id = first["series_id"].as_str().expect("series_id").to_string();
    let all = series(&app, &series_id, Some(&token)).await;
    assert_eq!(all.len(), 3);
    for (occurrence, change) in [
        (&all[1], json!({"visibility": "unlisted"})),
        (&all[2], json!({"access": "invite", "who_for": "Members"})),
    ] {
        let id = occurrence["id"].as_str().expect("id");
        let (status, body) = app
            .send_json(
                reqwest::Method::PATCH,
                &format!("/api/v1/events/{id}"),
                Some(&token),
                &change,
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(ids(&series(&app, &series_id, None).await), ids(&all[..1]));
    assert_eq!(
        ids(&series(&app, &series_id, Some(&token)).await),
        ids(&all)
    );
}

/// The status of each occurrence of the series, in time order.
async fn statuses(app: &TestApp, series_id: &str, token: &str) -> Vec<String> {
    series(app, series_id, Some(token))
        .await
        .iter()
        .map(|e| e["status"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The editor's cancel form, posted as a browser without JavaScript sends it: "this and the
/// following" cancels the second date and the later ones and leaves the first; the choice the
/// form starts with ("this date only"), or no choice at all, cancels that date alone.
async fn the_editor_cancels_one_date_or_this_and_the_following(app: TestApp) {
    let browser = app.signed_in_browser("noor").await;
    let token = app.token_for("noor").await;
    let weekly = |title: &str| {
        event_fields(
            title,
            3,
            json!({"reminder_offsets_minutes": [], "repeat": {"frequency": "weekly", "count": 4}}),
        )
    };
    let first = app
        .create_event(&token, weekly("Peer support circle"))
        .await;
    let series_id = first["series_id"].as_str().expect("series").to_string();
    let dates = ids(&series(&app, &series_id, Some(&token)).await);
    assert_eq!(dates.len(), 4);

    // The second date's editor asks which dates the cancellation is for, "this one" first.
    let editor = app
        .get(&browser, &format!("/organize/events/{}/edit", dates[1]))
        .await
        .text()
        .await
        .expect("page");
    assert!(editor.contains(&format!(
        "<form method=\"post\" action=\"/organize/events/{}/cancel\"",
        dates[1]
    )));
    assert!(
        editor.contains(
            "id=\"cancel-scope-one\" name=\"scope\" type=\"radio\" value=\"one\" checked"
        ),
        "this date only, unless told otherwise"
    );
    assert!(editor.contains(
        "id=\"cancel-scope-following\" name=\"scope\" type=\"radio\" value=\"following\">"
    ));

    let response = app
        .post_form(
            &browser,
            &format!("/organize/events/{}/cancel", dates[1]),
            &[("confirm", "yes"), ("scope", "following")],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        umbrella_tests::location(&response),
        format!("/organize/events/{}/edit", dates[1])
    );
    assert_eq!(
        statuses(&app, &series_id, &token).await,
        ["scheduled", "cancelled", "cancelled", "cancelled"],
        "the second and the later ones; the first is kept"
    );
    // The second date's editor no longer offers to cancel it.
    let editor = app
        .get(&browser, &format!("/organize/events/{}/edit", dates[1]))
        .await
        .text()
        .await
        .expect("page");
    assert!(!editor.contains(&format!("action=\"/organize/events/{}/cancel\"", dates[1])));

    // Another series: the form as it comes (this date only) cancels the second alone, and a
    // post without the choice (an older page) the third alone.
    let other = app.create_event(&token, weekly("Drop-in hours")).await;
    let other_id = other["series_id"].as_str().expect("series").to_string();
    let other_ids = ids(&series(&app, &other_id, Some(&token)).await);
    for (n, fields) in [
        (1, vec![("confirm", "yes"), ("scope", "one")]),
        (2, vec![("confirm", "yes")]),
    ] {
        let response = app
            .post_form(
                &browser,
                &format!("/organize/events/{}/cancel", other_ids[n]),
                &fields,
            )
            .await;
        assert_eq!(response.status(), 303, "{fields:?}");
    }
    assert_eq!(
        statuses(&app, &other_id, &token).await,
        ["scheduled", "cancelled", "cancelled", "scheduled"]
    );
    assert_eq!(
        statuses(&app, &series_id, &token).await,
        ["scheduled", "cancelled", "cancelled", "cancelled"],
        "another series' cancellations leave this one as it was"
    );
}
