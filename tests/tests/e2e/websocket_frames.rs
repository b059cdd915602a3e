//! Websocket frame limits, spoken byte by byte over plain TCP (no websocket library to help):
//! a frame over 4 KiB is refused from its header with close code 1009, before its payload is
//! read, so no client can make the server hold what it announces.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use umbrella_tests::{event_fields, on_both_databases, TestApp};

/// The largest frame a client may send (PRODUCT.md, "Websocket").
const CAP: usize = 4 * 1024;
const TEXT: u8 = 0x1;
const CLOSE: u8 = 0x8;

async fn event(app: &TestApp) -> String {
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(
            &organizer,
            event_fields("Frames", 1, json!({"kind": "action"})),
        )
        .await;
    event["id"].as_str().expect("id").to_string()
}

/// Open a connection to the event's live socket and complete the handshake.
async fn handshake(app: &TestApp, event_id: &str) -> TcpStream {
    let host = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).await.expect("connects");
    let request = format!(
        "GET /api/v1/events/{event_id}/live HTTP/1.1\r\nHost: {host}\r\nConnection: Upgrade\r\n\
         Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("sent");
    let mut answer = Vec::new();
    while !answer.ends_with(b"\r\n\r\n") {
        let byte = tokio::time::timeout(Duration::from_secs(5), stream.read_u8())
            .await
            .expect("an answer within 5 s")
            .expect("the answer");
        answer.push(byte);
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 101 "), "{answer}");
    stream
}

/// A client frame's header (FIN set, masked with a zero key, so the payload goes as it is).
fn header(opcode: u8, length: u64) -> Vec<u8> {
    let mut header = vec![0x80 | opcode];
    match length {
        0..=125 => header.push(0x80 | length as u8),
        126..=65535 => {
            header.push(0x80 | 126);
            header.extend_from_slice(&(length as u16).to_be_bytes());
        }
        _ => {
            header.push(0x80 | 127);
            header.extend_from_slice(&length.to_be_bytes());
        }
    }
    header.extend_from_slice(&[0, 0, 0, 0]);
    header
}

/// A hello of exactly `size` bytes (padded with a field the server ignores).
fn hello_of(size: usize) -> Vec<u8> {
    let bare = json!({"type": "hello", "padding": ""}).to_string();
    let padded = json!({"type": "hello", "padding": "x".repeat(size - bare.len())}).to_string();
    assert_eq!(padded.len(), size);
    padded.into_bytes()
}

/// The next frame from the server: its opcode and payload.
async fn server_frame(stream: &mut (impl AsyncRead + Unpin)) -> (u8, Vec<u8>) {
    let read = async {
        let first = stream.read_u8().await?;
        let second = stream.read_u8().await?;
        let length = match second & 0x7F {
            126 => u64::from(stream.read_u16().await?),
            127 => stream.read_u64().await?,
            short => u64::from(short),
        };
        let mut payload = vec![0; usize::try_from(length).expect("a small frame")];
        stream.read_exact(&mut payload).await?;
        Ok::<_, std::io::Error>((first & 0x0F, payload))
    };
    tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .expect("a frame within 5 s")
        .expect("a whole frame")
}

/// The server's close frame: its code and reason.
async fn close_frame(stream: &mut (impl AsyncRead + Unpin)) -> (u16, String) {
    loop {
        let (opcode, payload) = server_frame(stream).await;
        if opcode == CLOSE {
            assert!(payload.len() >= 2, "a close frame with a code");
            let code = u16::from_be_bytes([payload[0], payload[1]]);
            return (code, String::from_utf8_lossy(&payload[2..]).into_owned());
        }
    }
}

/// A client announces a 100 MiB frame and starts sending it slowly: the server closes with
/// 1009 at once, long before 64 KiB of the payload went out, and then hangs up.
async fn a_huge_frame_is_refused_from_its_header(app: TestApp) {
    let id = event(&app).await;
    let stream = handshake(&app, &id).await;
    let (mut reading, mut writing) = stream.into_split();
    writing
        .write_all(&header(TEXT, 100 * 1024 * 1024))
        .await
        .expect("header sent");
    let sent = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    // 1 KiB every 10 ms: 64 KiB would take over half a second.
    let writer = tokio::spawn({
        let (sent, stop) = (sent.clone(), stop.clone());
        async move {
            let chunk = [b'x'; 1024];
            while !stop.load(Ordering::Relaxed) {
                if writing.write_all(&chunk).await.is_err() {
                    return true;
                }
                sent.fetch_add(chunk.len(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            false
        }
    });
    let (code, reason) = close_frame(&mut reading).await;
    let sent_by_then = sent.load(Ordering::Relaxed);
    assert_eq!(code, 1009, "message too big: {reason}");
    assert!(
        sent_by_then < 64 * 1024,
        "refused after {sent_by_then} bytes of payload; the header should have sufficed"
    );
    let mut rest = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(5), reading.read_to_end(&mut rest)).await;
    assert!(
        matches!(ended, Ok(Ok(0)) | Ok(Err(_))),
        "the server says nothing more and ends its side"
    );
    let refused = tokio::time::timeout(Duration::from_secs(10), writer).await;
    stop.store(true, Ordering::Relaxed);
    assert!(
        matches!(refused, Ok(Ok(true))),
        "the server stops taking the payload: it hung up"
    );
}

/// Exactly 4 KiB is a frame like any other; 4 KiB and one byte is refused with 1009.
async fn four_kib_is_heard_and_one_byte_more_is_refused(app: TestApp) {
    let id = event(&app).await;
    let mut stream = handshake(&app, &id).await;
    let hello = hello_of(CAP);
    stream
        .write_all(&header(TEXT, hello.len() as u64))
        .await
        .expect("sent");
    stream.write_all(&hello).await.expect("sent");
    let (opcode, payload) = server_frame(&mut stream).await;
    let welcome: Value = serde_json::from_slice(&payload).expect("JSON");
    assert_eq!(
        (opcode, welcome["type"].as_str()),
        (TEXT, Some("welcome")),
        "a 4 KiB hello is heard: {welcome}"
    );
    let larger = hello_of(CAP + 1);
    stream
        .write_all(&header(TEXT, larger.len() as u64))
        .await
        .expect("sent");
    let _ = stream.write_all(&larger).await;
    let (code, reason) = close_frame(&mut stream).await;
    assert_eq!(code, 1009, "one byte over is refused: {reason}");
}

on_both_databases!(
    a_huge_frame_is_refused_from_its_header,
    four_kib_is_heard_and_one_byte_more_is_refused,
);
