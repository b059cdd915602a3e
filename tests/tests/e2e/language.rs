//! English and Spanish: pages follow `Accept-Language`, the switch on every page changes the
//! language and a plain cookie (gone with the browser session) remembers it; forms, errors,
//! dates, organizer pages and emails are in the chosen language.

use std::time::Duration;

use serde_json::json;
use umbrella_tests::smtp::SmtpSink;
use umbrella_tests::{event_fields, location, on_both_databases, Backend, TestApp};

on_both_databases!(
    pages_follow_the_browser_language_and_the_switch,
    a_spanish_rsvp_is_in_spanish_from_form_to_manage_page,
    organizer_pages_and_errors_speak_spanish,
);

async fn get_in(app: &TestApp, client: &reqwest::Client, path: &str, lang: &str) -> (u16, String) {
    let response = client
        .get(app.url(path))
        .header("Accept-Language", lang)
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

async fn pages_follow_the_browser_language_and_the_switch(app: TestApp) {
    let token = app.organizer_token().await;
    let event = app
        .create_event(
            &token,
            event_fields("Know your rights", 3, json!({"capacity": 40})),
        )
        .await;
    let id = event["id"].as_str().expect("id");
    let plain = app.client();

    // Spanish first, then English: the kept copy of each page is per language.
    for _ in 0..2 {
        let (status, home) = get_in(&app, &plain, "/", "es-MX,es;q=0.9,en;q=0.5").await;
        assert_eq!(status, 200);
        assert!(home.contains(r#"<html lang="es">"#), "{home}");
        assert!(home.contains("Próximos eventos"));
        assert!(
            home.contains("Salida rápida"),
            "the quick exit speaks Spanish"
        );
        assert!(!home.contains("Upcoming events"));
        // The switch offers English on the same page.
        assert!(home.contains(r#"href="/?lang=en""#), "{home}");

        let (_, english) = get_in(&app, &plain, "/", "en-US").await;
        assert!(english.contains(r#"<html lang="en">"#));
        assert!(english.contains("Upcoming events"));
        assert!(english.contains(r#"href="/?lang=es""#));
    }

    // The event page: labels, the place count with Spanish plural rules, dates in Spanish.
    let (_, page) = get_in(&app, &plain, &format!("/events/{id}"), "es").await;
    assert!(page.contains("Confirmar asistencia"));
    assert!(page.contains("Nombre que quieres usar"));
    assert!(page.contains("40 plazas, quedan 40"), "{page}");
    assert!(
        ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"]
            .iter()
            .any(|day| page.contains(day)),
        "the date is written in Spanish"
    );

    // Choosing Spanish with the switch sets a preference cookie that ends with the session,
    // and later pages follow it whatever the browser asks for.
    let browser = app.browser();
    let response = browser
        .get(app.url(&format!("/events/{id}?lang=es")))
        .header("Accept-Language", "en")
        .send()
        .await
        .expect("request sent");
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a preference cookie")
        .to_string();
    assert!(cookie.starts_with("lang=es"), "{cookie}");
    let lower = cookie.to_ascii_lowercase();
    assert!(
        !lower.contains("max-age") && !lower.contains("expires"),
        "the cookie is not persistent: {cookie}"
    );
    assert!(response
        .headers()
        .get_all("vary")
        .iter()
        .any(|v| v.to_str().unwrap_or("").contains("Accept-Language")));
    let (_, later) = get_in(&app, &browser, "/", "en").await;
    assert!(
        later.contains("Próximos eventos"),
        "the choice is remembered"
    );
    let (_, back) = get_in(&app, &browser, "/?lang=en", "es").await;
    assert!(back.contains("Upcoming events"), "and can be changed back");

    // The API stays as it is, whatever the language.
    let (status, json) = app.get_json(&format!("/api/v1/events/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(json["kind"], "workshop");
}

async fn a_spanish_rsvp_is_in_spanish_from_form_to_manage_page(app: TestApp) {
    let token = app.organizer_token().await;
    let event = app
        .create_event(
            &token,
            event_fields("Taller de seguridad", 3, json!({"roles": ["medic"]})),
        )
        .await;
    let id = event["id"].as_str().expect("id");
    let browser = app.browser();
    // Choose Spanish once; the form and everything after it follow.
    get_in(&app, &browser, "/?lang=es", "en").await;

    // A mistake comes back in Spanish, tied to its field.
    let response = app
        .post_form(
            &browser,
            &format!("/events/{id}/rsvp"),
            &[("pseudonym", ""), ("guests", "0")],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("body");
    assert!(page.contains("Hay un problema"), "{page}");
    assert!(page.contains("Escribe un nombre para usar"), "{page}");
    assert!(page.contains(r#"id="pseudonym-error""#));

    let response = app
        .post_form(
            &browser,
            &format!("/events/{id}/rsvp"),
            &[("pseudonym", "Luna"), ("guests", "0"), ("role", "medic")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let manage = location(&response);
    let (status, page) = get_in(&app, &browser, &manage, "en").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<title>Tu asistencia · Umbrella</title>"),
        "a neutral title"
    );
    assert!(page.contains("Guarda tu enlace privado"));
    assert!(page.contains("Primeros auxilios"), "the role in Spanish");
    assert!(page.contains("Confirmada"), "the status in Spanish");

    let token_path = manage.split('?').next().expect("path").to_string();
    let response = app
        .post_form(&browser, &token_path, &[("action", "cancel")])
        .await;
    assert_eq!(response.status(), 303);
    let (_, page) = get_in(&app, &browser, &location(&response), "en").await;
    assert!(page.contains("Tu asistencia está cancelada"), "{page}");
}

async fn organizer_pages_and_errors_speak_spanish(app: TestApp) {
    let plain = app.client();
    let (status, page) = get_in(&app, &plain, "/events/no-such-event", "es").await;
    assert_eq!(status, 404);
    assert!(page.contains("No encontramos esa página"), "{page}");

    let (_, login) = get_in(&app, &plain, "/organize/login", "es").await;
    assert!(login.contains("Iniciar sesión para organizar"));
    assert!(login.contains(r#"<label for="handle">Alias</label>"#));

    let browser = app.signed_in_browser("rosa").await;
    let (_, dashboard) = get_in(&app, &browser, "/organize", "es").await;
    assert!(dashboard.contains("Evento nuevo"), "{dashboard}");
    let (_, editor) = get_in(&app, &browser, "/organize/events/new", "es").await;
    assert!(editor.contains("Quién ve el lugar"));
    assert!(editor.contains("Solo asistentes, con su enlace privado"));
    assert!(editor.contains("Primeros auxilios"));
}

/// A person who RSVPs in Spanish gets their reminder in Spanish; an English speaker's stays
/// English. Both stay discreet (the cover title, never the real one).
async fn reminders_follow_the_language_of_the_rsvp(backend: Backend) {
    let Some(sink) = SmtpSink::start(0) else {
        return;
    };
    let url = sink.url();
    let args = ["--mail-url", url.as_str(), "--mail-retry-seconds", "1"];
    let Some(app) = TestApp::spawn_with(backend, &args).await else {
        return;
    };
    let organizer = app.organizer_token().await;
    let starts =
        chrono::Utc::now() + chrono::Duration::minutes(1440) + chrono::Duration::seconds(4);
    let event = app
        .create_event(
            &organizer,
            event_fields(
                "Marcha por los derechos",
                1,
                json!({
                    "cover_title": "Club de lectura",
                    "starts_at": starts.to_rfc3339(),
                    "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
                    "reminder_offsets_minutes": [1440],
                }),
            ),
        )
        .await;
    let id = event["id"].as_str().expect("id");
    for (lang, name) in [("es-ES", "Ana"), ("en", "Bea")] {
        let response = reqwest::Client::new()
            .post(app.url(&format!("/api/v1/events/{id}/rsvps")))
            .header("Accept-Language", lang)
            .json(&json!({"pseudonym": name, "email": format!("{name}@example.org")}))
            .send()
            .await
            .expect("RSVP sent");
        assert_eq!(response.status(), 201);
    }
    sink.wait_for(2, Duration::from_secs(30)).await;
    let messages = sink.messages();
    assert_eq!(messages.len(), 2, "{messages:?}");
    let to = |who: &str| {
        messages
            .iter()
            .find(|m| m["to"] == format!("{who}@example.org").as_str())
            .expect("a message for each")
    };
    let spanish = to("Ana");
    let subject = spanish["subject"].as_str().expect("subject");
    assert!(
        subject.starts_with("Recordatorio: Club de lectura mañana a las "),
        "{subject}"
    );
    let text = spanish["text"].as_str().expect("text part");
    assert!(text.contains("Tu asistencia:"), "{text}");
    assert!(text.contains("Dejar de recibir estos correos"), "{text}");
    assert!(spanish["html"]
        .as_str()
        .expect("html")
        .contains(r#"<html lang="es">"#));
    let english = to("Bea");
    assert!(english["subject"]
        .as_str()
        .expect("subject")
        .starts_with("Reminder: Club de lectura tomorrow at "));
    for message in [spanish, english] {
        let whole = serde_json::to_string(message).expect("json");
        assert!(!whole.contains("Marcha"), "the real title stays out");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_follow_the_language_of_the_rsvp_sqlite() {
    reminders_follow_the_language_of_the_rsvp(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_follow_the_language_of_the_rsvp_postgres() {
    reminders_follow_the_language_of_the_rsvp(Backend::Postgres).await;
}
