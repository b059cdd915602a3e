//! The websocket connection itself once it is taken over from the HTTP/1 dispatcher: the codec
//! that refuses an oversized frame from its header, and a quiet hang-up.

use std::time::Duration;

use actix_http::ws;
use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::codec::{Decoder, Encoder};

/// A follower's connection after the handshake: websocket frames over the bare socket.
pub type WebSocket = tokio_util::codec::Framed<TcpStream, CappedCodec>;

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
