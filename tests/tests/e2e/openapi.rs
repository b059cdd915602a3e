//! A client developer reads the OpenAPI document: it is valid OpenAPI 3, lists every API route,
//! and describes the JSON the server really sends, field for field.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use umbrella_tests::{event_fields, on_both_databases, TestApp};

/// Every `/api/v1` route in `startup::routes`, as (method, path).
const API_ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/events"),
    ("post", "/api/v1/events"),
    ("get", "/api/v1/events/{id}"),
    ("patch", "/api/v1/events/{id}"),
    ("post", "/api/v1/events/{id}/cancel"),
    ("get", "/api/v1/series/{series_id}"),
    ("post", "/api/v1/events/{id}/rsvps"),
    ("get", "/api/v1/events/{id}/rsvps"),
    ("post", "/api/v1/events/{id}/rsvps/{rsvp_id}/{decision}"),
    ("post", "/api/v1/events/{id}/updates"),
    ("get", "/api/v1/events/{id}/updates"),
    ("get", "/api/v1/events/{id}/live"),
    ("post", "/api/v1/events/{id}/door-links"),
    ("get", "/api/v1/events/{id}/door-links"),
    ("delete", "/api/v1/events/{id}/door-links/{link_id}"),
    ("post", "/api/v1/events/{id}/invites"),
    ("get", "/api/v1/events/{id}/invites"),
    ("delete", "/api/v1/events/{id}/invites/{invite_id}"),
    ("get", "/api/v1/rsvps/{token}"),
    ("patch", "/api/v1/rsvps/{token}"),
    ("delete", "/api/v1/rsvps/{token}"),
    ("post", "/api/v1/rsvps/{token}/checkin"),
    ("post", "/api/v1/rsvps/{token}/safe"),
    ("post", "/api/v1/rsvps/{token}/help"),
    ("put", "/api/v1/rsvps/{token}/push"),
    ("delete", "/api/v1/rsvps/{token}/push"),
    ("put", "/api/v1/organizer/push"),
    ("delete", "/api/v1/organizer/push"),
    ("get", "/api/v1/push"),
    ("get", "/api/v1/openapi.json"),
];

/// The schema a `$ref` points at, e.g. `#/components/schemas/EventJson`.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("a local reference");
            document.pointer(pointer).expect("the reference resolves")
        }
        None => schema,
    }
}

fn response_schema<'a>(document: &'a Value, method: &str, path: &str, status: &str) -> &'a Value {
    let schema = &document["paths"][path][method]["responses"][status]["content"]
        ["application/json"]["schema"];
    assert!(
        !schema.is_null(),
        "{method} {path} documents a {status} body"
    );
    resolve(document, schema)
}

fn keys(object: &Value) -> BTreeSet<String> {
    object
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect()
}

/// The JSON object has every required property and none the schema does not list.
fn assert_matches(schema: &Value, object: &Value, optional_absent: &[&str], what: &str) {
    let properties = keys(&schema["properties"]);
    let required: BTreeSet<String> = schema["required"]
        .as_array()
        .expect("required properties")
        .iter()
        .map(|name| name.as_str().expect("a name").to_string())
        .collect();
    let sent = keys(object);
    let mut expected = properties.clone();
    for name in optional_absent {
        expected.remove(*name);
    }
    assert_eq!(
        sent, expected,
        "{what}: the properties sent are the ones documented"
    );
    assert!(
        required.is_subset(&sent),
        "{what}: every required property is sent"
    );
}

async fn the_document_describes_the_api_as_it_answers(app: TestApp) {
    let response = app.get(&app.client(), "/api/v1/openapi.json").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().ok(),
        Some("application/json")
    );
    let text = response.text().await.expect("body");
    let typed: utoipa::openapi::OpenApi =
        serde_json::from_str(&text).expect("the document parses as OpenAPI");
    assert!(typed.info.title.contains("Umbrella"));
    let document: Value = serde_json::from_str(&text).expect("JSON");
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.")),
        "OpenAPI 3: {}",
        document["openapi"]
    );
    for (method, path) in API_ROUTES {
        assert!(
            document["paths"][path][method].is_object(),
            "{method} {path} is in the document"
        );
    }
    let operations: usize = document["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|item| item.as_object().map_or(0, |methods| methods.len()))
        .sum();
    assert_eq!(operations, API_ROUTES.len(), "and nothing else");
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let list_parameters: BTreeSet<String> = document["paths"]["/api/v1/events"]["get"]
        ["parameters"]
        .as_array()
        .expect("paging parameters")
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        list_parameters,
        ["cursor", "kind", "limit", "tag"]
            .map(String::from)
            .into_iter()
            .collect()
    );

    // A real event, as the organizer and as the public (who may not see a hidden location).
    let token = app.organizer_token().await;
    let created = app
        .create_event(
            &token,
            event_fields(
                "Know your rights",
                3,
                json!({"location_privacy": "attendees", "cover_title": "Tuesday meetup"}),
            ),
        )
        .await;
    let id = created["id"].as_str().expect("id");
    let path = format!("/api/v1/events/{id}");
    // The event, or (invitation-only, no code) its outline.
    let either = response_schema(&document, "get", "/api/v1/events/{id}", "200");
    let branches = either["oneOf"].as_array().expect("an event or its outline");
    let (event_schema, outline_schema) = (
        resolve(&document, &branches[0]),
        resolve(&document, &branches[1]),
    );
    let private = app
        .create_event(
            &token,
            event_fields(
                "Members only",
                3,
                json!({"access": "invite", "who_for": "Members"}),
            ),
        )
        .await;
    let (status, outline) = app
        .get_json(
            &format!("/api/v1/events/{}", private["id"].as_str().expect("id")),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_matches(
        outline_schema,
        &outline,
        &[],
        "an invitation-only event, to the public",
    );
    let (status, organizer_view) = app.get_json(&path, Some(&token)).await;
    assert_eq!(status, 200);
    assert_matches(
        event_schema,
        &organizer_view,
        &[],
        "an event, to its organizer",
    );
    let (status, public_view) = app.get_json(&path, None).await;
    assert_eq!(status, 200);
    assert_matches(
        event_schema,
        &public_view,
        &["location"],
        "an event, to the public",
    );

    // An RSVP as the person gets it, and an error naming its field.
    let (status, rsvp) = app
        .send_json(
            reqwest::Method::POST,
            &format!("{path}/rsvps"),
            None,
            &json!({"pseudonym": "Red"}),
        )
        .await;
    assert_eq!(status, 201, "{rsvp}");
    let rsvp_schema = response_schema(&document, "post", "/api/v1/events/{id}/rsvps", "201");
    assert_matches(
        rsvp_schema,
        &rsvp,
        &["id", "event", "answers"],
        "a new RSVP",
    );
    let (status, refused) = app
        .send_json(
            reqwest::Method::POST,
            &format!("{path}/rsvps"),
            None,
            &json!({"pseudonym": "Red", "guests": 99}),
        )
        .await;
    assert_eq!(status, 422);
    let error_schema = response_schema(&document, "post", "/api/v1/events/{id}/rsvps", "422");
    assert_matches(error_schema, &refused, &[], "an error");
}

on_both_databases!(the_document_describes_the_api_as_it_answers);

/// The limits a property's schema states (in it, or in the branches of an `anyOf`/`oneOf`), as
/// (keyword, number); `items` are the array's own, read apart.
fn limits(property: &Value) -> Vec<(&'static str, i64)> {
    let mut found = Vec::new();
    for keyword in ["maxLength", "minLength", "maximum", "minimum", "maxItems"] {
        if let Some(number) = property[keyword].as_i64() {
            found.push((keyword, number));
        }
    }
    for branches in ["anyOf", "oneOf"] {
        for branch in property[branches].as_array().into_iter().flatten() {
            found.extend(limits(branch));
        }
    }
    found
}

/// A value of `length` characters that is otherwise what the field takes.
fn text_of(field: &str, length: usize) -> String {
    match field {
        // Segments of up to 8 letters joined by dashes, as a language code is.
        "language" => (0..length)
            .map(|i| if i % 9 == 8 { '-' } else { 'a' })
            .collect(),
        "email" => {
            let local = "a".repeat(64);
            let mut domain = String::new();
            let room = length - local.len() - 1 - ".org".len();
            while domain.len() < room {
                if !domain.is_empty() {
                    domain.push('.');
                }
                let label = (room - domain.len()).min(50);
                domain.push_str(&"d".repeat(label));
            }
            format!("{local}@{domain}.org")
        }
        _ => "a".repeat(length),
    }
}

/// For one documented limit: a value at it (taken) and one past it (refused).
fn at_and_past(field: &str, keyword: &str, limit: i64, items: bool) -> (Value, Value) {
    let one = |value: Value| if items { json!([value]) } else { value };
    let text = |length: i64| one(json!(text_of(field, length as usize)));
    match keyword {
        "maxLength" => (text(limit), text(limit + 1)),
        "minLength" => (text(limit), text(limit - 1)),
        "maximum" => (one(json!(limit)), one(json!(limit + 1))),
        "minimum" => (one(json!(limit)), one(json!(limit - 1))),
        "maxItems" => {
            let list = |count: i64| -> Value {
                (0..count)
                    .map(|i| match field {
                        "reminder_offsets_minutes" => json!(60 + i),
                        "questions" => json!({"label": format!("Question {i}"), "kind": "text"}),
                        _ => json!(format!("t{i}")),
                    })
                    .collect()
            };
            (list(limit), list(limit + 1))
        }
        other => panic!("no probe for {other}"),
    }
}

/// Every length, range and count the request bodies' schemas document is the one the server
/// enforces: a value at the documented limit is taken, one past it is refused with a 422 naming
/// that field. So the document and the server cannot drift apart.
async fn the_documented_limits_are_the_ones_enforced(app: TestApp) {
    let (status, document) = app.get_json("/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    let token = app.organizer_token().await;
    let event = app
        .create_event(&token, event_fields("Limits", 3, json!({"kind": "action"})))
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    let (status, rsvp) = app
        .send_json(
            reqwest::Method::POST,
            &format!("/api/v1/events/{id}/rsvps"),
            None,
            &json!({"pseudonym": "Probe"}),
        )
        .await;
    assert_eq!(status, 201, "{rsvp}");
    let manage = rsvp["token"].as_str().expect("token").to_string();
    // Its own event for the PATCH probes: they leave its capacity at 1.
    let patched = app
        .create_event(&token, event_fields("Patched", 3, json!({})))
        .await;
    let patched = patched["id"].as_str().expect("id");

    let bodies = [
        (
            "EventInput",
            "POST",
            "/api/v1/events".to_string(),
            true,
            event_fields("Limits", 3, json!({})),
        ),
        (
            "EventPatch",
            "PATCH",
            format!("/api/v1/events/{patched}"),
            true,
            json!({}),
        ),
        (
            "RsvpInput",
            "POST",
            format!("/api/v1/events/{id}/rsvps"),
            false,
            json!({"pseudonym": "Probe"}),
        ),
        (
            "RsvpPatch",
            "PATCH",
            format!("/api/v1/rsvps/{manage}"),
            false,
            json!({}),
        ),
        (
            "UpdateInput",
            "POST",
            format!("/api/v1/events/{id}/updates"),
            true,
            json!({"kind": "location", "audience": "public", "text": "Moved", "location": "The park"}),
        ),
    ];
    let mut probed = BTreeSet::new();
    for (schema_name, method, path, organizer, base) in bodies {
        let schema = &document["components"]["schemas"][schema_name];
        let properties = schema["properties"].as_object().expect(schema_name);
        for (field, property) in properties {
            let mut probes: Vec<(&str, i64, bool)> = limits(property)
                .into_iter()
                .map(|(keyword, limit)| (keyword, limit, false))
                .collect();
            probes.extend(
                limits(&property["items"])
                    .into_iter()
                    .map(|(keyword, limit)| (keyword, limit, true)),
            );
            for (keyword, limit, items) in probes {
                let (at, past) = at_and_past(field, keyword, limit, items);
                let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
                let bearer = organizer.then_some(token.as_str());
                let what = format!("{schema_name}.{field} {keyword} {limit}");
                let mut answers = Vec::new();
                for value in [at, past] {
                    let mut body = base.clone();
                    body[field.as_str()] = value;
                    answers.push(app.send_json(method.clone(), &path, bearer, &body).await);
                }
                let (status, answer) = &answers[0];
                assert!(
                    (200..300).contains(status),
                    "{what}: the limit itself is taken, got {status} {answer}"
                );
                let (status, answer) = &answers[1];
                assert_eq!(*status, 422, "{what}: past the limit is refused: {answer}");
                assert_eq!(answer["field"], field.as_str(), "{what}: names the field");
                probed.insert(what);
            }
        }
    }
    // Every limit the domain has, so a limit dropped from the document fails here too.
    for expected in [
        "EventInput.title maxLength 140",
        "EventInput.title minLength 1",
        "EventInput.cover_title maxLength 140",
        "EventInput.description maxLength 20000",
        "EventInput.location maxLength 500",
        "EventInput.accessibility maxLength 2000",
        "EventInput.language maxLength 12",
        "EventInput.capacity minimum 1",
        "EventInput.capacity maximum 100000",
        "EventInput.tags maxItems 12",
        "EventInput.tags maxLength 32",
        "EventInput.reminder_offsets_minutes maxItems 5",
        "EventInput.reminder_offsets_minutes minimum 5",
        "EventInput.reminder_offsets_minutes maximum 20160",
        "EventPatch.title maxLength 140",
        "EventPatch.capacity maximum 100000",
        "EventPatch.tags maxItems 12",
        "EventInput.who_for maxLength 280",
        "EventInput.questions maxItems 5",
        "EventPatch.who_for maxLength 280",
        "EventPatch.questions maxItems 5",
        "RsvpInput.pseudonym maxLength 64",
        "RsvpInput.pseudonym minLength 1",
        "RsvpInput.guests minimum 0",
        "RsvpInput.guests maximum 10",
        "RsvpInput.needs maxLength 1000",
        "RsvpInput.email maxLength 254",
        "RsvpPatch.pseudonym maxLength 64",
        "RsvpPatch.guests maximum 10",
        "RsvpPatch.needs maxLength 1000",
        "RsvpPatch.email maxLength 254",
        "UpdateInput.text maxLength 2000",
        "UpdateInput.text minLength 1",
        "UpdateInput.location maxLength 500",
    ] {
        assert!(probed.contains(expected), "the document states {expected}");
    }
}

on_both_databases!(
    with ["--rate-limit-per-minute", "0", "--mail-url", "file://{data_dir}/mail"] =>
    the_documented_limits_are_the_ones_enforced
);
