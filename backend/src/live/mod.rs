//! Live day-of coordination: the in-process hub that fans updates out to followers
//! (`hub.rs`) and the websocket protocol each follower speaks (`socket.rs`).

pub mod access;
pub mod hub;
pub mod posting;
pub mod relay;
pub mod socket;
