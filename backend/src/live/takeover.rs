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

use actix_codec::Framed;
use actix_http::body::{BodySize, BoxBody, MessageBody};
use actix_http::{h1, HttpMessage, Request, Response};
use actix_server::GracefulShutdownSignal;
use actix_service::{fn_factory, fn_service, Service, ServiceFactory};
use actix_web::dev::ServiceResponse;
use futures_util::SinkExt;
use tokio::net::TcpStream;

use super::protocol::MAX_FRAME_BYTES;
use super::socket::{self, Handoff};
use super::wire::CappedCodec;

/// A connection that asked for an upgrade, with what the dispatcher had read of it.
pub type Upgrade = (Request, Framed<TcpStream, h1::Codec>);

/// Room for what a follower sends (a hello, pongs) and for the frame being sent to it; either
/// grows for a larger one (what a client sends is capped at `MAX_FRAME_BYTES`).
const BUFFER_CAPACITY: usize = 256;

/// Marks a request that arrived through this service, so the handler only answers `101` where
/// the connection can be taken over.
#[derive(Clone, Copy)]
pub struct CanTakeOver;

/// The upgrade service of one worker's HTTP service (made again after a quiet spell,
/// `startup::on_demand`), around its own instance of the application.
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
