//! The fan-out peer for `tests/bench/failover.sh` (issue 20, target 3): a minimal server that
//! passes a posted update to websocket followers behind the same proxy. It speaks the
//! live protocol's frames that the load tool reads (hello, welcome, update) and nothing else: no
//! database, no access policy, no replay, no counts. Instances pass each update to each other as
//! one line over plain TCP, where Umbrella's pass it through PostgreSQL's NOTIFY. Umbrella's
//! delivery latency is read beside this one's, measured the same way in the same run. It is a
//! peer, not a ceiling: written plainly on tokio-tungstenite (a task and a flushed frame per
//! follower), it delivered more slowly than Umbrella (docs/performance.md).
//!
//! `fanout_peer WS_PORT POST_PORT RELAY_PORT [PEER_RELAY_PORT…]`: followers connect to
//! WS_PORT (any path), `POST …/updates` on POST_PORT publishes the next update here and at each
//! peer, and RELAY_PORT takes the lines of the others.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, Mutex};
use tokio_tungstenite::tungstenite::Message;

type Updates = broadcast::Sender<Arc<str>>;

/// One follower: wait for its hello, welcome it, then pass on every update until it leaves.
async fn follower(stream: TcpStream, updates: Updates) -> anyhow::Result<()> {
    stream.set_nodelay(true)?;
    let mut socket = tokio_tungstenite::accept_async(stream).await?;
    let mut receiver = updates.subscribe();
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) if text.contains("\"hello\"") => break,
            Some(Ok(_)) => {}
            _ => return Ok(()),
        }
    }
    socket
        .send(Message::text(
            r#"{"type":"welcome","audiences":["public"]}"#,
        ))
        .await?;
    loop {
        tokio::select! {
            update = receiver.recv() => match update {
                Ok(frame) => socket.send(Message::text(frame.to_string())).await?,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
            incoming = socket.next() => match incoming {
                Some(Ok(_)) => {}
                _ => return Ok(()),
            },
        }
    }
}

/// The frame of update `seq`, shaped as Umbrella's (`live::protocol::ServerMessage::Update`).
fn frame(seq: usize) -> String {
    format!(
        r#"{{"type":"update","seq":{seq},"kind":"announcement","audience":"public","text":"Update {seq} for everyone","location":null,"created_at":"2026-12-07T05:00:00Z"}}"#
    )
}

/// Answers `POST …/updates` requests on one keep-alive connection: each publishes the next
/// update here and sends its frame to every peer.
async fn poster(
    stream: TcpStream,
    updates: Updates,
    peers: Arc<Mutex<Vec<TcpStream>>>,
    next: Arc<AtomicUsize>,
) -> anyhow::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream);
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse()?;
                }
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).await?;
        let seq = next.fetch_add(1, Ordering::SeqCst) + 1;
        let update = frame(seq);
        let _ = updates.send(Arc::from(update.as_str()));
        for peer in peers.lock().await.iter_mut() {
            peer.write_all(format!("{update}\n").as_bytes()).await?;
        }
        let answer = format!("{{\"seq\":{seq}}}");
        let head = format!(
            "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            answer.len()
        );
        let stream = reader.get_mut();
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(answer.as_bytes()).await?;
    }
}

/// Publishes here every line a peer sends.
async fn relay(stream: TcpStream, updates: Updates) -> anyhow::Result<()> {
    let mut lines = BufReader::new(stream).lines();
    while let Some(line) = lines.next_line().await? {
        let _ = updates.send(Arc::from(line.as_str()));
    }
    Ok(())
}

/// Accepts connections on `port` forever, each handled by `handle`.
async fn serve<F, Fut>(port: u16, handle: F) -> anyhow::Result<()>
where
    F: Fn(TcpStream) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(handle(stream));
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let ports: Vec<u16> = std::env::args()
        .skip(1)
        .map(|port| port.parse())
        .collect::<Result<_, _>>()?;
    let [ws_port, post_port, relay_port, peer_ports @ ..] = ports.as_slice() else {
        anyhow::bail!("usage: fanout_peer WS_PORT POST_PORT RELAY_PORT [PEER_RELAY_PORT…]");
    };
    let (updates, _) = broadcast::channel::<Arc<str>>(1024);
    let ws = {
        let updates = updates.clone();
        tokio::spawn(serve(*ws_port, move |stream| {
            follower(stream, updates.clone())
        }))
    };
    let relayed = {
        let updates = updates.clone();
        tokio::spawn(serve(*relay_port, move |stream| {
            relay(stream, updates.clone())
        }))
    };
    // The peers start beside this one: connect once each is listening.
    let mut peers = Vec::new();
    for port in peer_ports {
        let stream = loop {
            match TcpStream::connect(("127.0.0.1", *port)).await {
                Ok(stream) => break stream,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        stream.set_nodelay(true)?;
        peers.push(stream);
    }
    let peers = Arc::new(Mutex::new(peers));
    let next = Arc::new(AtomicUsize::new(0));
    let posts = tokio::spawn(serve(*post_port, move |stream| {
        poster(stream, updates.clone(), peers.clone(), next.clone())
    }));
    let (ws, relayed, posts) = tokio::join!(ws, relayed, posts);
    ws??;
    relayed??;
    posts??;
    Ok(())
}
