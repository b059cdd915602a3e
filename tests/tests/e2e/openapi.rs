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
    ("post", "/api/v1/events/{id}/rsvps"),
    ("get", "/api/v1/events/{id}/rsvps"),
    ("post", "/api/v1/events/{id}/rsvps/{rsvp_id}/{decision}"),
    ("post", "/api/v1/events/{id}/updates"),
    ("get", "/api/v1/events/{id}/updates"),
    ("get", "/api/v1/events/{id}/live"),
    ("get", "/api/v1/rsvps/{token}"),
    ("patch", "/api/v1/rsvps/{token}"),
    ("delete", "/api/v1/rsvps/{token}"),
    ("post", "/api/v1/rsvps/{token}/checkin"),
    ("post", "/api/v1/rsvps/{token}/safe"),
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
    let event_schema = response_schema(&document, "get", "/api/v1/events/{id}", "200");
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
    assert_matches(rsvp_schema, &rsvp, &["id", "event"], "a new RSVP");
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
