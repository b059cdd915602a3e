//! Invitation-only events: a room kept for sex workers only. The event is never listed or fed
//! anywhere; without a valid code its page and API show only the cover title, the time and who
//! it is for. Codes are shown once, stored hashed, admit as many RSVPs as allowed (never more,
//! however many try at once), and stop at their expiry or when revoked; wrong codes count
//! against the guessing throttle (in the page's address and in RSVPs, API and form alike), a
//! valid code is never throttled, and the RSVP form says why a code did not work.

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};
use umbrella::db::schema::{audit_log, invites};
use umbrella_tests::{
    bytes_contain, event_fields, location, on_both_databases, parse_calendar, parse_feed, TestApp,
};

const TITLE: &str = "Sex workers only: safety circle";
const COVER: &str = "Tuesday tea";
const WHO_FOR: &str = "Sex workers and former sex workers only";
const SECRETS: [&str; 4] = [
    TITLE,
    "Secret-description-canary",
    "Back-room-7-canary",
    "circle-canary",
];

/// An invitation-only event, an open one beside it, and the organizer's token.
async fn a_private_room(app: &TestApp) -> (String, String, String) {
    let organizer = app.organizer_token().await;
    let private = app
        .create_event(
            &organizer,
            event_fields(
                TITLE,
                2,
                json!({"access": "invite", "who_for": WHO_FOR, "cover_title": COVER,
                       "description": "Secret-description-canary",
                       "location": "Back-room-7-canary", "tags": ["circle-canary"]}),
            ),
        )
        .await;
    assert_eq!(private["access"], "invite");
    assert_eq!(private["who_for"], WHO_FOR);
    let open = app
        .create_event(&organizer, event_fields("Open drop-in", 2, json!({})))
        .await;
    (
        organizer,
        private["id"].as_str().expect("id").to_string(),
        open["id"].as_str().expect("id").to_string(),
    )
}

async fn make_invite(app: &TestApp, organizer: &str, event_id: &str, body: Value) -> (u16, Value) {
    app.send_json(
        Method::POST,
        &format!("/api/v1/events/{event_id}/invites"),
        Some(organizer),
        &body,
    )
    .await
}

async fn rsvp_with(app: &TestApp, event_id: &str, name: &str, code: Option<&str>) -> (u16, Value) {
    let mut body = json!({"pseudonym": name});
    if let Some(code) = code {
        body["invite_code"] = json!(code);
    }
    app.send_json(
        Method::POST,
        &format!("/api/v1/events/{event_id}/rsvps"),
        None,
        &body,
    )
    .await
}

fn audit_actions(app: &TestApp, event_id: &str) -> Vec<String> {
    audit_log::table
        .filter(audit_log::target_id.eq(event_id))
        .select(audit_log::action)
        .load(&mut app.database())
        .expect("audit log read")
}

async fn an_invitation_only_event_stays_out_of_sight(app: TestApp) {
    let (organizer, private, open) = a_private_room(&app).await;

    // Never listed: not on the home page, the API list, the feeds or the embed.
    let (status, filtered) = app.get_text("/?tag=circle-canary").await;
    assert_eq!(status, 200);
    assert!(
        !filtered.contains(&private) && !filtered.contains(TITLE),
        "the tag finds nothing"
    );
    for path in ["/", "/calendar.ics", "/feed.atom", "/embed"] {
        let (status, body) = app.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!body.contains(&private), "{path} names the private event");
        for secret in SECRETS.iter().chain([&COVER]) {
            assert!(!body.contains(secret), "{path} shows {secret}");
        }
    }
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("Open drop-in"), "the open event is listed");
    let (_, calendar) = app.get_text("/calendar.ics").await;
    if let Some(calendar) = parse_calendar(calendar.as_bytes()) {
        let events = calendar["events"].as_array().expect("events");
        assert!(events
            .iter()
            .any(|e| e["uid"].as_str().is_some_and(|uid| uid.contains(&open))));
        assert!(!events
            .iter()
            .any(|e| e["uid"].as_str().is_some_and(|uid| uid.contains(&private))));
    }
    let (_, atom) = app.get_text("/feed.atom").await;
    if let Some(feed) = parse_feed(atom.as_bytes()) {
        let entries = feed["entries"].as_array().expect("entries");
        assert_eq!(entries.len(), 1, "only the open event: {feed}");
        assert!(!entries[0].to_string().contains(&private));
    }
    let (status, listed) = app.get_json("/api/v1/events", None).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = listed["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert_eq!(ids, [open.as_str()]);
    assert!(
        app.all_event_ids(&organizer).await.contains(&private),
        "organizers see everything"
    );

    // Its page and API: the cover title, the time, who it is for; nothing else.
    let (status, page) = app.get_text(&format!("/events/{private}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(COVER) && page.contains(WHO_FOR), "{page}");
    for secret in SECRETS {
        assert!(!page.contains(secret), "the outline shows {secret}");
    }
    assert!(!page.contains("/rsvp\""), "no RSVP form without a code");
    let (status, outline) = app
        .get_json(&format!("/api/v1/events/{private}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(outline["outline"], true);
    assert_eq!(outline["title"], COVER);
    assert_eq!(outline["who_for"], WHO_FOR);
    assert!(outline.get("description").is_none() && outline.get("location").is_none());
    for secret in SECRETS {
        assert!(
            !outline.to_string().contains(secret),
            "the API shows {secret}"
        );
    }
    for path in ["event.ics", "flyer", "live"] {
        let (status, body) = app.get_text(&format!("/events/{private}/{path}")).await;
        assert_eq!(status, 403, "{path}");
        assert!(!body.contains(TITLE));
    }
    let (_, full) = app
        .get_json(&format!("/api/v1/events/{private}"), Some(&organizer))
        .await;
    assert_eq!(full["title"], TITLE, "organizers see everything");

    // With a valid code: the event, and a form that carries the code.
    let (status, invite) = make_invite(&app, &organizer, &private, json!({})).await;
    assert_eq!(status, 201, "{invite}");
    let code = invite["code"].as_str().expect("code");
    let url = invite["url"].as_str().expect("url");
    assert_eq!(url, format!("/events/{private}?invite={code}"));
    let (status, page) = app.get_text(url).await;
    assert_eq!(status, 200);
    assert!(page.contains(TITLE) && page.contains("Secret-description-canary"));
    assert!(page.contains(&format!("name=\"invite_code\" value=\"{code}\"")));
    let typed = code.to_lowercase().replace('-', " ");
    let (status, event) = app
        .get_json(
            &format!(
                "/api/v1/events/{private}?invite={}",
                typed.replace(' ', "%20")
            ),
            None,
        )
        .await;
    assert_eq!(status, 200, "{event}");
    assert_eq!(event["title"], TITLE);
    assert!(
        event.get("location").is_none(),
        "an invitation shows the page, not the place"
    );

    // The RSVP form with the code goes through; the attendee then sees the place.
    let form = app
        .post_form(
            &app.client(),
            &format!("/events/{private}/rsvp"),
            &[("pseudonym", "Marigold"), ("invite_code", code)],
        )
        .await;
    assert_eq!(form.status(), 303);
    let manage = location(&form);
    let (status, manage_page) = app.get_text(&manage).await;
    assert_eq!(status, 200);
    assert!(
        manage_page.contains("Back-room-7-canary"),
        "attendees see the place"
    );
}

async fn invite_codes_admit_as_many_as_they_allow(app: TestApp) {
    let (organizer, private, _) = a_private_room(&app).await;

    let (status, refused) = rsvp_with(&app, &private, "Nobody", None).await;
    assert_eq!(
        status, 403,
        "an invitation-only event needs a code: {refused}"
    );
    let form = app
        .post_form(
            &app.client(),
            &format!("/events/{private}/rsvp"),
            &[("pseudonym", "Nobody")],
        )
        .await;
    assert_eq!(form.status(), 403);

    // Used up: one use admits one person.
    let (_, once) = make_invite(&app, &organizer, &private, json!({"uses": 1})).await;
    assert_eq!(once["uses_left"], 1);
    let once_code = once["code"].as_str().expect("code");
    let (status, first) = rsvp_with(&app, &private, "Aster", Some(once_code)).await;
    assert_eq!(status, 201, "{first}");
    let (status, second) = rsvp_with(&app, &private, "Briar", Some(once_code)).await;
    assert_eq!(status, 403);
    assert!(
        second["error"].as_str().expect("error").contains("used"),
        "{second}"
    );

    // Expired.
    let soon = chrono::Utc::now() + chrono::Duration::hours(1);
    let (status, expiring) = make_invite(
        &app,
        &organizer,
        &private,
        json!({"expires_at": soon.to_rfc3339()}),
    )
    .await;
    assert_eq!(status, 201, "{expiring}");
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).naive_utc();
    diesel::update(invites::table.find(expiring["id"].as_str().expect("id")))
        .set(invites::expires_at.eq(Some(past)))
        .execute(&mut app.database())
        .expect("expired");
    let (status, expired) = rsvp_with(&app, &private, "Clover", expiring["code"].as_str()).await;
    assert_eq!(status, 403);
    assert!(
        expired["error"]
            .as_str()
            .expect("error")
            .contains("expired"),
        "{expired}"
    );

    // Revoked, from the API.
    let (_, revoked) = make_invite(&app, &organizer, &private, json!({})).await;
    let revoked_id = revoked["id"].as_str().expect("id");
    let (status, _) = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/events/{private}/invites/{revoked_id}"),
            Some(&organizer),
            &json!({}),
        )
        .await;
    assert_eq!(status, 204);
    let (status, answer) = rsvp_with(&app, &private, "Dahlia", revoked["code"].as_str()).await;
    assert_eq!(status, 403);
    assert!(
        answer["error"]
            .as_str()
            .expect("error")
            .contains("withdrawn"),
        "{answer}"
    );
    let (status, page) = app
        .get_text(&format!(
            "/events/{private}?invite={}",
            revoked["code"].as_str().expect("code")
        ))
        .await;
    assert_eq!(status, 403);
    assert!(page.contains("withdrawn") && !page.contains(TITLE));

    // Never more RSVPs than uses, however many try at once.
    let (_, two) = make_invite(&app, &organizer, &private, json!({"uses": 2})).await;
    let two_code = two["code"].as_str().expect("code").to_string();
    let attempts = (0..6).map(|n| {
        let (app, private, code) = (&app, private.clone(), two_code.clone());
        async move {
            rsvp_with(app, &private, &format!("Racer {n}"), Some(&code))
                .await
                .0
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 403).count(),
        4,
        "{statuses:?}"
    );

    // The list: uses left and expiry, never a code; the audit log has each step.
    let (status, list) = app
        .get_json(
            &format!("/api/v1/events/{private}/invites"),
            Some(&organizer),
        )
        .await;
    assert_eq!(status, 200);
    let listed = list["invites"].as_array().expect("invites");
    assert_eq!(listed.len(), 4);
    for code in [
        once_code,
        revoked["code"].as_str().expect("code"),
        &two_code,
    ] {
        assert!(!list.to_string().contains(code), "the list shows a code");
    }
    let by_id = |id: &Value| listed.iter().find(|i| i["id"] == *id).expect("listed");
    assert_eq!(by_id(&once["id"])["uses_left"], 0);
    assert_eq!(by_id(&two["id"])["uses_left"], 0);
    assert_eq!(by_id(&revoked["id"])["revoked"], true);
    assert!(by_id(&expiring["id"])["expires_at"].is_string());
    let actions = audit_actions(&app, &private);
    assert_eq!(actions.iter().filter(|a| *a == "invite_created").count(), 4);
    assert_eq!(actions.iter().filter(|a| *a == "invite_revoked").count(), 1);
    let raw = app.raw_database();
    for code in [once_code, &two_code] {
        assert!(!bytes_contain(&raw, code) && !bytes_contain(&raw, &code.replace('-', "")));
    }
    // Someone else's event: no such invite.
    let (status, _) = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/events/{private}/invites/no-such-invite"),
            Some(&organizer),
            &json!({}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, bad) = make_invite(&app, &organizer, &private, json!({"uses": 0})).await;
    assert_eq!((status, bad["field"].as_str()), (422, Some("uses")));
}

async fn organizers_make_and_revoke_codes_on_their_pages(app: TestApp) {
    let (_, private, _) = a_private_room(&app).await;
    let browser = app.signed_in_browser("inviter").await;
    let page = app.get(&browser, &format!("/events/{private}")).await;
    assert!(
        page.text().await.expect("text").contains(TITLE),
        "organizers see the whole page"
    );
    let page = app
        .get(&browser, &format!("/organize/events/{private}"))
        .await;
    let hub = page.text().await.expect("text");
    assert!(
        hub.contains(&format!("/organize/events/{private}/invites")),
        "the hub links to invites"
    );
    assert!(
        !hub.contains(&format!("/events/{private}/flyer")),
        "no flyer for an event outsiders may not see"
    );
    let made = app
        .post_form(
            &browser,
            &format!("/organize/events/{private}/invites"),
            &[("uses", "3"), ("expires_at", "")],
        )
        .await;
    assert_eq!(made.status(), 200);
    let made = made.text().await.expect("text");
    let link_start = made
        .find(&format!("/events/{private}?invite="))
        .expect("the new link");
    let code: String = made[link_start..]
        .split("invite=")
        .nth(1)
        .expect("code")
        .chars()
        .take(24)
        .collect();
    let (status, page) = app
        .get_text(&format!("/events/{private}?invite={code}"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains(TITLE));
    let listed = app
        .get(&browser, &format!("/organize/events/{private}/invites"))
        .await;
    let listed = listed.text().await.expect("text");
    assert!(!listed.contains(&code), "the list never shows a code");
    assert!(listed.contains("3 uses left"), "{listed}");
    let invite_id: String = invites::table
        .filter(invites::event_id.eq(&private))
        .select(invites::id)
        .first(&mut app.database())
        .expect("an invite");
    let revoked = app
        .post_form(
            &browser,
            &format!("/organize/events/{private}/invites/{invite_id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(revoked.status(), 303);
    let (status, _) = app
        .get_text(&format!("/events/{private}?invite={code}"))
        .await;
    assert_eq!(status, 403, "a revoked code opens nothing");
    let refused = app
        .post_form(
            &browser,
            &format!("/organize/events/{private}/invites"),
            &[("uses", "none")],
        )
        .await;
    assert_eq!(refused.status(), 422);
}

async fn wrong_codes_are_throttled(app: TestApp) {
    let (organizer, private, _) = a_private_room(&app).await;
    let (_, invite) = make_invite(&app, &organizer, &private, json!({})).await;
    let code = invite["code"].as_str().expect("code").to_string();
    let mut statuses = Vec::new();
    for n in 0..8 {
        let wrong = format!("0000-1111-2222-3333-{:04}", n);
        let (status, _) = app
            .get_text(&format!("/events/{private}?invite={wrong}"))
            .await;
        statuses.push(status);
    }
    assert_eq!(
        statuses[0], 403,
        "a wrong code gets a clear refusal: {statuses:?}"
    );
    assert!(
        statuses.contains(&429),
        "wrong codes count as guesses: {statuses:?}"
    );
    let (status, _) = rsvp_with(&app, &private, "Guesser", Some("not-a-code")).await;
    assert_eq!(status, 429, "a blocked client's next wrong code waits");
    // A valid code is never throttled.
    let (status, page) = app
        .get_text(&format!("/events/{private}?invite={code}"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains(TITLE));
    let (status, _) = rsvp_with(&app, &private, "Welcome", Some(&code)).await;
    assert_eq!(status, 201);
}

on_both_databases!(
    with ["--embed-origins", "https://our-group.example"] =>
    an_invitation_only_event_stays_out_of_sight
);
on_both_databases!(
    invite_codes_admit_as_many_as_they_allow,
    organizers_make_and_revoke_codes_on_their_pages
);
on_both_databases!(with ["--rate-limit-per-minute", "3"] => wrong_codes_are_throttled);
on_both_databases!(
    with ["--rate-limit-per-minute", "4"] =>
    wrong_codes_in_rsvps_count_as_guesses_and_a_valid_one_still_gets_in
);
on_both_databases!(the_rsvp_form_says_why_a_code_did_not_work);

/// A visitor of its own to the throttles: a client connecting from another loopback address.
fn visitor(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(std::net::IpAddr::from([127, 0, 0, last]))
        .build()
        .expect("client builds")
}

/// A wrong code in an RSVP (the API's `invite_code` and the form's field) is a guess like a
/// wrong code in the page's address: with the allowance at 4 a minute, two wrong RSVPs and
/// three wrong page addresses block the visitor, which page addresses alone (three of them)
/// would not, so the next wrong RSVP is refused with `429`. A valid code from the same visitor
/// still gets in, on the page and in an RSVP. (The RSVP limiter allows 4 RSVPs a minute: the
/// fourth RSVP is the valid one, so no refusal here comes from it.)
async fn wrong_codes_in_rsvps_count_as_guesses_and_a_valid_one_still_gets_in(app: TestApp) {
    let (organizer, private, _) = a_private_room(&app).await;
    let (_, invite) = make_invite(&app, &organizer, &private, json!({})).await;
    let code = invite["code"].as_str().expect("code").to_string();
    let wrong = |n: usize| format!("0000-1111-2222-3333-{n:04}");
    let api_rsvp = |client: reqwest::Client, name: &'static str, code: String| {
        let url = app.url(&format!("/api/v1/events/{private}/rsvps"));
        async move {
            client
                .post(url)
                .json(&json!({"pseudonym": name, "invite_code": code}))
                .send()
                .await
                .expect("request sent")
                .status()
                .as_u16()
        }
    };
    let form_rsvp = |client: reqwest::Client, name: &'static str, code: String| {
        let path = format!("/events/{private}/rsvp");
        let app = &app;
        async move {
            app.post_form(
                &client,
                &path,
                &[("pseudonym", name), ("invite_code", code.as_str())],
            )
            .await
            .status()
            .as_u16()
        }
    };
    let page_guesses = |client: reqwest::Client, from: usize| {
        let app = &app;
        let private = private.clone();
        async move {
            let mut statuses = Vec::new();
            for n in from..from + 3 {
                let path = format!("/events/{private}?invite={}", wrong(n));
                statuses.push(app.get(&client, &path).await.status().as_u16());
            }
            statuses
        }
    };

    // Through the API.
    let api = visitor(11);
    for n in 0..2 {
        assert_eq!(api_rsvp(api.clone(), "Guesser", wrong(n)).await, 403);
    }
    assert_eq!(
        page_guesses(api.clone(), 2).await,
        [403, 403, 403],
        "the fifth wrong code in a row blocks"
    );
    assert_eq!(
        api_rsvp(api.clone(), "Guesser", wrong(5)).await,
        429,
        "the RSVPs' wrong codes counted"
    );
    let opened = app
        .get(&api, &format!("/events/{private}?invite={code}"))
        .await;
    assert_eq!(
        opened.status(),
        200,
        "a valid code opens the page all the same"
    );
    assert_eq!(
        api_rsvp(api.clone(), "Welcome", code.clone()).await,
        201,
        "and its RSVP goes through"
    );

    // Through the form on the page, from another visitor.
    let form = visitor(12);
    for n in 10..12 {
        assert_eq!(form_rsvp(form.clone(), "Guesser", wrong(n)).await, 403);
    }
    assert_eq!(page_guesses(form.clone(), 12).await, [403, 403, 403]);
    assert_eq!(
        form_rsvp(form.clone(), "Guesser", wrong(15)).await,
        429,
        "the form's wrong codes counted"
    );
    assert_eq!(
        form_rsvp(form.clone(), "Friend", code.clone()).await,
        303,
        "a valid code in the form goes through"
    );
    let (_, list) = app
        .get_json(&format!("/api/v1/events/{private}/rsvps"), Some(&organizer))
        .await;
    let names: Vec<&str> = list["rsvps"]
        .as_array()
        .expect("rsvps")
        .iter()
        .filter_map(|r| r["pseudonym"].as_str())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names.contains(&"Welcome") && names.contains(&"Friend"),
        "{names:?}"
    );
}

/// The RSVP form (no JavaScript) with a code that does not work: the outline again (403), with
/// the code as typed and a message saying why, in words a visitor can act on.
async fn the_rsvp_form_says_why_a_code_did_not_work(app: TestApp) {
    let (organizer, private, _) = a_private_room(&app).await;
    let (_, once) = make_invite(&app, &organizer, &private, json!({"uses": 1})).await;
    let once = once["code"].as_str().expect("code").to_string();
    let rsvp_form = |name: &'static str, code: String| {
        let app = &app;
        let path = format!("/events/{private}/rsvp");
        async move {
            let response = app
                .post_form(
                    &app.client(),
                    &path,
                    &[("pseudonym", name), ("invite_code", code.as_str())],
                )
                .await;
            let status = response.status().as_u16();
            (status, response.text().await.expect("page"))
        }
    };
    let (status, _) = rsvp_form("Aster", once.clone()).await;
    assert_eq!(status, 303, "the code's one use");

    let wrong = "0000-1111-2222-3333-4444";
    for (code, says) in [
        (
            wrong,
            "know this invite code. Check it for typing mistakes.",
        ),
        (
            "not-a-code",
            "know this invite code. Check it for typing mistakes.",
        ),
        (
            once.as_str(),
            "This invite code has been used as many times as it allows. Ask whoever gave it to \
             you for another.",
        ),
    ] {
        let (status, page) = rsvp_form("Briar", code.to_string()).await;
        assert_eq!(status, 403, "{code}");
        assert!(page.contains(says), "{code}: {page}");
        assert!(
            page.contains("class=\"field-error\" id=\"invite-error\" role=\"alert\""),
            "{code}: the message is tied to the field"
        );
        assert!(
            page.contains(&format!("value=\"{code}\"")),
            "{code}: what was typed is kept to correct"
        );
        assert!(!page.contains(TITLE), "{code}: still only the outline");
    }
    let (status, page) = rsvp_form("Briar", String::new()).await;
    assert_eq!(status, 403);
    assert!(page.contains("This gathering is by invitation"), "{page}");
    let (_, list) = app
        .get_json(&format!("/api/v1/events/{private}/rsvps"), Some(&organizer))
        .await;
    assert_eq!(list["rsvps"].as_array().map(Vec::len), Some(1), "{list}");
}
