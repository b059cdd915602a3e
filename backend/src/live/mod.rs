//! Live day-of coordination: the in-process hub that fans updates out to followers
//! (`hub.rs`), the websocket protocol each follower speaks (`socket.rs`), and the upgrade
//! service that serves it outside the HTTP/1 dispatcher (`takeover.rs`).

pub mod access;
pub mod hub;
pub mod news;
pub mod posting;
pub mod relay;
pub mod socket;
pub mod takeover;
