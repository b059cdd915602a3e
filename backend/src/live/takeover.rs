//! Websocket connections leave actix-http's HTTP/1 dispatcher once their handshake is answered.
//! Every request that asks for a websocket reaches this upgrade service, which passes it through
//! the whole application (routing, middleware, metrics, the live handler) as any other request.
//! When the handler answers `101` with a [`Handoff`], the service writes that answer and serves
//! the follower on the bare connection with small buffers of its own: the dispatcher's two fixed
//! 8 KiB buffers per connection would otherwise be most of the memory 10,000 followers take.
//! Any other answer is written as it is and the connection closes. When the server begins a
//! graceful stop, followers are told so at once (see `socket::serve`). What a follower sends is
//! read through [`CappedCodec`], which refuses an oversized frame from its header.

use std::convert::Infallible;
use std::rc::Rc;
use std::time::Duration;

use actix_codec::Framed;
use actix_http::body::{BodySize, BoxBody, MessageBody};
use actix_http::{h1, ws, HttpMessage, Request, Response};
use actix_server::GracefulShutdownSignal;
use actix_service::{fn_factory, fn_service, Service, ServiceFactory};
use actix_web::dev::ServiceResponse;
use actix_web::web;
use bytes::BytesMut;
use futures_util::SinkExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::codec::{Decoder, Encoder};

use super::socket::{self, MAX_FRAME_BYTES};
use crate::state::AppState;

/// A connection that asked for an upgrade, with what the dispatcher had read of it.
pub type Upgrade = (Request, Framed<TcpStream, h1::Codec>);
/// A follower's connection after the handshake: websocket frames over the bare socket.
pub type WebSocket = tokio_util::codec::Framed<TcpStream, CappedCodec>;

/// Room for what a follower sends (a hello, pongs) and for the frame being sent to it; either
/// grows for a larger one (what a client sends is capped at `MAX_FRAME_BYTES`).
const BUFFER_CAPACITY: usize = 256;

/// What the live handler leaves in its `101` answer for this service to carry on with.
pub struct Handoff {
    pub state: web::Data<AppState>,
    pub event_id: String,
    pub after: i32,
    pub session_cookie: Option<String>,
}

/// Marks a request that arrived through this service, so the handler only answers `101` where
/// the connection can be taken over.
#[derive(Clone, Copy)]
pub struct CanTakeOver;

/// The upgrade service for one worker, around its own instance of the application.
pub fn service<S, B>(
    app: S,
    stopping: GracefulShutdownSignal,
) -> impl ServiceFactory<Upgrade, Config = (), Response = (), Error = Infallible, InitError = ()>
where
    S: ServiceFactory<
            Request,
            Config = (),
            Response = ServiceResponse<B>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
    B: MessageBody + 'static,
{
    let app = Rc::new(app);
    fn_factory(move || {
        let making = app.new_service(());
        let stopping = stopping.clone();
        async move {
            let app = Rc::new(making.await?);
            Ok(fn_service(move |(request, framed): Upgrade| {
                let (app, stopping) = (app.clone(), stopping.clone());
                async move {
                    take_over(&*app, request, framed, stopping).await;
                    Ok::<_, Infallible>(())
                }
            }))
        }
    })
}

async fn take_over<S, B>(
    app: &S,
    request: Request,
    mut framed: Framed<TcpStream, h1::Codec>,
    stopping: GracefulShutdownSignal,
) where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    request.extensions_mut().insert(CanTakeOver);
    let response: Response<BoxBody> = match app.call(request).await {
        Ok(response) => response.map_into_boxed_body().into(),
        Err(error) => error.error_response().into(),
    };
    let (mut head, body) = response.into_parts();
    let handoff = head.extensions_mut().remove::<Handoff>();
    match handoff {
        Some(handoff) if head.status() == actix_web::http::StatusCode::SWITCHING_PROTOCOLS => {
            if framed
                .send(h1::Message::Item((head, BodySize::None)))
                .await
                .is_err()
            {
                return;
            }
            let parts = framed.into_parts();
            // Small buffers of our own (tokio-util's `from_parts` would make them 8 KiB each),
            // with whatever the client sent after its handshake.
            let mut websocket = tokio_util::codec::Framed::with_capacity(
                parts.io,
                CappedCodec::new(MAX_FRAME_BYTES),
                BUFFER_CAPACITY,
            );
            websocket
                .read_buffer_mut()
                .extend_from_slice(&parts.read_buf);
            drop(parts.read_buf);
            drop(parts.write_buf);
            socket::serve(handoff, websocket, stopping).await;
        }
        _ => answer(&mut framed, head, body).await,
    }
}

/// Write an ordinary answer to a request that asked for an upgrade; the connection then closes.
async fn answer(framed: &mut Framed<TcpStream, h1::Codec>, head: Response<()>, body: BoxBody) {
    let size = body.size();
    let Ok(bytes) = actix_http::body::to_bytes(body).await else {
        return;
    };
    if framed.send(h1::Message::Item((head, size))).await.is_err() {
        return;
    }
    if !bytes.is_empty() && framed.send(h1::Message::Chunk(Some(bytes))).await.is_err() {
        return;
    }
    let _ = framed.send(h1::Message::Chunk(None)).await;
}

/// actix-http's websocket codec, with its frame cap enforced from each frame's header.
/// actix-http checks `max_size` only once a whole frame has arrived (it waits for the payload
/// the header announces, however large), so one header announcing 100 MiB made the server
/// buffer 100 MiB before refusing it. Here the announced length is read first: a frame over the
/// cap is refused before any of its payload is kept, and all that follows it is thrown away
/// unread. The read buffer thus never holds more than one frame of at most the cap (plus one
/// read's worth), however many frames or continuation frames a client sends.
pub struct CappedCodec {
    inner: ws::Codec,
    max: usize,
    refused: bool,
}

impl CappedCodec {
    pub fn new(max: usize) -> Self {
        CappedCodec {
            inner: ws::Codec::new().max_size(max),
            max,
            refused: false,
        }
    }
}

/// The payload length a frame's header announces (RFC 6455 section 5.2), once enough of the
/// header has arrived to tell.
fn announced_length(src: &[u8]) -> Option<u64> {
    let short = src.get(1)? & 0x7F;
    match short {
        126 => Some(u16::from_be_bytes(src.get(2..4)?.try_into().ok()?).into()),
        127 => Some(u64::from_be_bytes(src.get(2..10)?.try_into().ok()?)),
        _ => Some(short.into()),
    }
}

impl Decoder for CappedCodec {
    type Item = ws::Frame;
    type Error = ws::ProtocolError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<ws::Frame>, ws::ProtocolError> {
        if self.refused {
            src.clear();
            return Ok(None);
        }
        if announced_length(src).is_some_and(|length| length > self.max as u64) {
            self.refused = true;
            src.clear();
            return Err(ws::ProtocolError::Overflow);
        }
        self.inner.decode(src)
    }
}

impl Encoder<ws::Message> for CappedCodec {
    type Error = ws::ProtocolError;

    fn encode(&mut self, item: ws::Message, dst: &mut BytesMut) -> Result<(), ws::ProtocolError> {
        self.inner.encode(item, dst)
    }
}

/// After a refusal has been said (the close frame is sent): send a FIN, then read and throw
/// away whatever the client still sends, in a small fixed buffer, until it hangs up or `linger`
/// passes. Closing a socket with unread input would reset the connection, and a reset can
/// discard the close frame before the client reads it.
pub async fn discard_until_closed(websocket: WebSocket, linger: Duration) {
    let deadline = tokio::time::Instant::now() + linger;
    let mut io = websocket.into_inner();
    let _ = tokio::time::timeout_at(deadline, io.shutdown()).await;
    let mut scrap = [0u8; 1024];
    while let Ok(Ok(read)) = tokio::time::timeout_at(deadline, io.read(&mut scrap)).await {
        if read == 0 {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A masked client frame header announcing `length` bytes of text.
    fn header(length: u64) -> BytesMut {
        let mut header = BytesMut::new();
        header.extend_from_slice(&[0x81]);
        match length {
            0..=125 => header.extend_from_slice(&[0x80 | length as u8]),
            126..=65535 => {
                header.extend_from_slice(&[0x80 | 126]);
                header.extend_from_slice(&(length as u16).to_be_bytes());
            }
            _ => {
                header.extend_from_slice(&[0x80 | 127]);
                header.extend_from_slice(&length.to_be_bytes());
            }
        }
        header.extend_from_slice(&[0, 0, 0, 0]);
        header
    }

    #[test]
    fn a_frame_over_the_cap_is_refused_from_its_header_and_what_follows_is_dropped() {
        let mut codec = CappedCodec::new(4096);
        let mut src = header(100 * 1024 * 1024);
        assert!(matches!(
            codec.decode(&mut src),
            Err(ws::ProtocolError::Overflow)
        ));
        assert!(src.is_empty(), "nothing of the refused frame is kept");
        src.extend_from_slice(&[b'x'; 2048]);
        assert!(matches!(codec.decode(&mut src), Ok(None)));
        assert!(src.is_empty(), "what follows is thrown away");
    }

    #[test]
    fn the_cap_itself_is_allowed_and_one_byte_more_is_not() {
        let mut src = header(4096);
        src.extend_from_slice(&[b' '; 4096]);
        let decoded = CappedCodec::new(4096).decode(&mut src);
        assert!(matches!(decoded, Ok(Some(ws::Frame::Text(text))) if text.len() == 4096));
        let mut src = header(4097);
        assert!(CappedCodec::new(4096).decode(&mut src).is_err());
        let mut partial = header(4097);
        partial.truncate(1);
        assert!(
            matches!(CappedCodec::new(4096).decode(&mut partial), Ok(None)),
            "a header not yet whole waits for the rest"
        );
    }
}
