//! A follower's TCP stream that keeps the kernel's receive time of what it last read
//! (`SO_TIMESTAMPNS`): when a frame reached the follower's socket, not when the load tool, which
//! shares the cores with the servers it measures, got round to reading it.

use std::io;
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nix::sys::socket::{recvmsg, setsockopt, sockopt, ControlMessageOwned, MsgFlags};
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;

/// A connected stream whose reads carry the kernel's receive time.
pub struct Stamped {
    inner: TcpStream,
    arrived: Option<SystemTime>,
}

impl Stamped {
    /// Ask the kernel to stamp what arrives on `inner` from now on.
    pub fn new(inner: TcpStream) -> io::Result<Self> {
        setsockopt(&inner, sockopt::ReceiveTimestampns, &true)?;
        Ok(Stamped {
            inner,
            arrived: None,
        })
    }

    /// When the data of the last read had reached this socket, by the kernel's (real-time)
    /// clock (the last segment it took); `None` when that read came unstamped.
    pub fn arrived(&self) -> Option<SystemTime> {
        self.arrived
    }
}

/// One `recvmsg` into `into`: how many bytes, and the receive time of the last of them.
fn receive(fd: i32, into: &mut [u8]) -> io::Result<(usize, Option<SystemTime>)> {
    let mut space = nix::cmsg_space!(nix::sys::time::TimeSpec);
    let mut buffers = [io::IoSliceMut::new(into)];
    let message = recvmsg::<()>(fd, &mut buffers, Some(&mut space), MsgFlags::empty())?;
    // The bytes are out of the socket whatever the control data holds: a read whose stamp
    // cannot be read keeps them, unstamped.
    let arrived = message.cmsgs().ok().and_then(|mut controls| {
        controls.find_map(|control| match control {
            ControlMessageOwned::ScmTimestampns(at) => {
                let seconds = u64::try_from(at.tv_sec()).ok()?;
                let nanos = u32::try_from(at.tv_nsec()).ok()?;
                Some(UNIX_EPOCH + Duration::new(seconds, nanos))
            }
            _ => None,
        })
    });
    Ok((message.bytes, arrived))
}

impl AsyncRead for Stamped {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let fd = this.inner.as_raw_fd();
        loop {
            ready!(this.inner.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            match this
                .inner
                .try_io(Interest::READABLE, || receive(fd, unfilled))
            {
                Ok((read, arrived)) => {
                    buf.advance(read);
                    // Only what this read brought: an unstamped read leaves no stamp behind
                    // from an earlier one (the end of the stream brings nothing to stamp).
                    if read > 0 {
                        this.arrived = arrived;
                    }
                    return Poll::Ready(Ok(()));
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => continue,
                Err(error) => return Poll::Ready(Err(error)),
            }
        }
    }
}

impl AsyncWrite for Stamped {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_read_carries_the_time_the_data_reached_the_socket() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("listen");
        let address = listener.local_addr().expect("address");
        let client = TcpStream::connect(address).await.expect("connect");
        let (mut server, _) = listener.accept().await.expect("accept");
        let mut stamped = Stamped::new(client).expect("stamped");
        let mut got = [0u8; 16];
        // The first socket to ask turns the kernel's stamping on a moment later (deferred
        // work): exchange a byte until one comes stamped (at most 10 s).
        let waiting = std::time::Instant::now();
        loop {
            server.write_all(b".").await.expect("write");
            assert_eq!(stamped.read(&mut got).await.expect("read"), 1);
            if stamped.arrived().is_some() {
                break;
            }
            assert!(
                waiting.elapsed() < Duration::from_secs(10),
                "the kernel never stamped a read"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let before = SystemTime::now();
        server.write_all(b"hello").await.expect("write");
        let after_write = SystemTime::now();
        // Read well after it arrived: the stamp is the arrival, not the read.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let read = stamped.read(&mut got).await.expect("read");
        assert_eq!(&got[..read], b"hello");
        let arrived = stamped.arrived().expect("stamped by the kernel");
        assert!(arrived >= before && arrived <= after_write, "{arrived:?}");
    }
}
