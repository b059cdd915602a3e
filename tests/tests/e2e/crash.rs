//! The server killed (`SIGKILL`) in the middle of an RSVP load, then started again: every RSVP it
//! acknowledged is there with the status it was given, and the event never holds more people
//! than its capacity. On both databases.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use umbrella_tests::child::ChildServer;
use umbrella_tests::{event_fields, Backend};

const SERVER: &str = env!("CARGO_BIN_EXE_umbrella-server");
/// Clients posting RSVPs at once.
const CLIENTS: usize = 16;
/// Places: smaller than the load, so the waitlist and the capacity check are both at work.
const CAPACITY: i64 = 60;

/// What the load saw: the RSVPs acknowledged (token, status), and the requests still waiting for
/// an answer when the server died.
#[derive(Default)]
struct Load {
    acknowledged: Mutex<Vec<(String, String)>>,
    sent: AtomicUsize,
    answered: AtomicUsize,
}

async fn post_rsvps(client: reqwest::Client, url: String, load: Arc<Load>, client_no: usize) {
    for n in 0.. {
        load.sent.fetch_add(1, Ordering::SeqCst);
        let body = json!({"pseudonym": format!("c{client_no}-{n}"), "guests": n % 2});
        let Ok(response) = client.post(&url).json(&body).send().await else {
            return; // the server is gone
        };
        let status = response.status();
        let Ok(answer) = response.json::<Value>().await else {
            return;
        };
        load.answered.fetch_add(1, Ordering::SeqCst);
        assert_eq!(status, 201, "{answer}");
        let token = answer["token"].as_str().expect("a token").to_string();
        let given = answer["status"].as_str().expect("a status").to_string();
        load.acknowledged
            .lock()
            .expect("not poisoned")
            .push((token, given));
    }
}

async fn killed_under_rsvp_load_keeps_every_acknowledged_rsvp(backend: Backend) {
    let Some(mut server) = ChildServer::start(SERVER, backend, &[]).await else {
        return;
    };
    let organizer = server.organizer_token().await;
    let http = reqwest::Client::new();
    let event: Value = http
        .post(server.url("/api/v1/events"))
        .bearer_auth(&organizer)
        .json(&event_fields(
            "Know your rights",
            3,
            json!({"capacity": CAPACITY}),
        ))
        .send()
        .await
        .expect("created")
        .json()
        .await
        .expect("JSON");
    let event_id = event["id"].as_str().expect("id").to_string();

    let load = Arc::new(Load::default());
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client_no| {
            tokio::spawn(post_rsvps(
                reqwest::Client::new(),
                server.url(&format!("/api/v1/events/{event_id}/rsvps")),
                load.clone(),
                client_no,
            ))
        })
        .collect();
    // Past the capacity, well into the waitlist, then the crash.
    while load.answered.load(Ordering::SeqCst) < 150 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    for client in clients {
        client.await.expect("a client ends without a failed check");
    }
    let acknowledged = load.acknowledged.lock().expect("not poisoned").clone();
    let in_flight = load.sent.load(Ordering::SeqCst) - load.answered.load(Ordering::SeqCst);

    server.restart().await;
    for (token, given) in &acknowledged {
        let rsvp: Value = http
            .get(server.url(&format!("/api/v1/rsvps/{token}")))
            .send()
            .await
            .expect("answered")
            .json()
            .await
            .expect("an acknowledged RSVP is there");
        assert_eq!(&rsvp["status"], given.as_str(), "{rsvp}");
    }
    let list: Value = http
        .get(server.url(&format!("/api/v1/events/{event_id}/rsvps")))
        .bearer_auth(&organizer)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON");
    let rsvps = list["rsvps"].as_array().expect("a list");
    assert!(rsvps.len() >= acknowledged.len(), "{} stored", rsvps.len());
    // Stored but never acknowledged: committed when the kill came, before the answer left.
    println!(
        "killed with {in_flight} RSVPs in flight after {} acknowledged; {} of those in flight \
         were stored",
        acknowledged.len(),
        rsvps.len() - acknowledged.len()
    );
    let going = places_going(&list);
    assert!(going <= CAPACITY, "{going} places taken of {CAPACITY}");
    assert!(
        rsvps.iter().any(|rsvp| rsvp["status"] == "waitlisted"),
        "the load reached the waitlist"
    );

    // The restarted server takes RSVPs as before, and still within capacity.
    let after: Value = http
        .post(server.url(&format!("/api/v1/events/{event_id}/rsvps")))
        .json(&json!({"pseudonym": "after the restart"}))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON");
    assert!(
        ["going", "waitlisted"].contains(&after["status"].as_str().unwrap_or_default()),
        "{after}"
    );
    let list: Value = http
        .get(server.url(&format!("/api/v1/events/{event_id}/rsvps")))
        .bearer_auth(&organizer)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON");
    let going = places_going(&list);
    assert!(going <= CAPACITY, "{going} places taken of {CAPACITY}");
}

/// Places the going RSVPs in an organizer's list take.
fn places_going(list: &Value) -> i64 {
    list["rsvps"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|rsvp| rsvp["status"] == "going")
        .map(|rsvp| 1 + rsvp["guests"].as_i64().expect("guests"))
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_under_rsvp_load_keeps_every_acknowledged_rsvp_sqlite() {
    killed_under_rsvp_load_keeps_every_acknowledged_rsvp(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_under_rsvp_load_keeps_every_acknowledged_rsvp_postgres() {
    killed_under_rsvp_load_keeps_every_acknowledged_rsvp(Backend::Postgres).await;
}
