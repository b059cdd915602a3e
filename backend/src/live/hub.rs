//! The hub: one broadcast channel per event for its followers, one for its organizers' live
//! counts, one for news that changes what its followers may see (an RSVP declined, cancelled,
//! deleted, approved or given another role; the event's privacy edited), and one for credential
//! changes (an organizer disabled, a token revoked) so that open organizer connections re-check
//! at once. It owns no history: the database does, and followers replay from it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use crate::domain::event::Event;
use crate::domain::live::LiveUpdate;

/// Presence signals buffered for an event's organizers.
const ORGANIZER_BUFFER: usize = 64;
/// Credential changes buffered; a connection that misses some re-checks anyway.
const CREDENTIAL_BUFFER: usize = 64;
/// Access news buffered per event; a follower that misses some judges itself again anyway.
const NEWS_BUFFER: usize = 64;

/// An update as it goes out: the stored update and its JSON frames, serialized once for every
/// follower rather than once per follower: whole, and (for an update carrying a location)
/// without the location, for followers the access policy does not let see it.
pub struct Published {
    pub update: LiveUpdate,
    pub frame: bytestring::ByteString,
    pub frame_without_location: Option<bytestring::ByteString>,
}

/// News that may change what an event's followers may see.
#[derive(Debug, Clone)]
pub enum AccessNews {
    /// The event was edited (its privacy mode, reveal time or approval may have changed).
    Event(Arc<Event>),
    /// One or more of its RSVPs changed: attendees following judge themselves again.
    Rsvps,
    /// Its "home safe by" time passed: those who may see who is missing are told.
    Safety,
}

#[derive(Default)]
struct Channel {
    followers: usize,
    updates: Option<broadcast::Sender<Arc<Published>>>,
    presence: Option<broadcast::Sender<()>>,
    news: Option<broadcast::Sender<AccessNews>>,
}

/// A cloneable handle, shared by every worker.
#[derive(Clone)]
pub struct LiveHub {
    channels: Arc<Mutex<HashMap<String, Channel>>>,
    buffer: usize,
    /// Organizer ids whose sessions or tokens just changed.
    credentials: broadcast::Sender<Arc<str>>,
}

impl Default for LiveHub {
    fn default() -> Self {
        LiveHub::new(crate::config::FOLLOWER_BUFFER)
    }
}

/// Held while a follower is connected; leaving lowers the count and tells organizers.
pub struct Following {
    hub: LiveHub,
    event_id: String,
}

impl Drop for Following {
    fn drop(&mut self) {
        let mut channels = self.hub.lock();
        if let Some(channel) = channels.get_mut(&self.event_id) {
            channel.followers = channel.followers.saturating_sub(1);
            if let Some(presence) = &channel.presence {
                let _ = presence.send(());
            }
            // Forget events nobody follows or watches any more.
            let watched = channel
                .presence
                .as_ref()
                .is_some_and(|p| p.receiver_count() > 0);
            if channel.followers == 0 && !watched {
                channels.remove(&self.event_id);
            }
        }
    }
}

impl LiveHub {
    /// A hub that buffers `buffer` updates per event (at least one).
    pub fn new(buffer: usize) -> Self {
        LiveHub {
            channels: Arc::default(),
            buffer: buffer.max(1),
            credentials: broadcast::channel(CREDENTIAL_BUFFER).0,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Channel>> {
        self.channels
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Start following an event: a receiver for its updates and a guard that counts you.
    pub fn follow(&self, event_id: &str) -> (broadcast::Receiver<Arc<Published>>, Following) {
        let mut channels = self.lock();
        let channel = channels.entry(event_id.to_string()).or_default();
        channel.followers += 1;
        let receiver = channel
            .updates
            .get_or_insert_with(|| broadcast::channel(self.buffer).0)
            .subscribe();
        if let Some(presence) = &channel.presence {
            let _ = presence.send(());
        }
        (
            receiver,
            Following {
                hub: self.clone(),
                event_id: event_id.to_string(),
            },
        )
    }

    /// Signals for an event's organizers: something that changes the live counts happened.
    pub fn watch_presence(&self, event_id: &str) -> broadcast::Receiver<()> {
        let mut channels = self.lock();
        let channel = channels.entry(event_id.to_string()).or_default();
        channel
            .presence
            .get_or_insert_with(|| broadcast::channel(ORGANIZER_BUFFER).0)
            .subscribe()
    }

    /// News for an event's followers about what they may see.
    pub fn watch_access(&self, event_id: &str) -> broadcast::Receiver<AccessNews> {
        let mut channels = self.lock();
        let channel = channels.entry(event_id.to_string()).or_default();
        channel
            .news
            .get_or_insert_with(|| broadcast::channel(NEWS_BUFFER).0)
            .subscribe()
    }

    fn tell(&self, event_id: &str, news: AccessNews) {
        let channels = self.lock();
        if let Some(sender) = channels.get(event_id).and_then(|c| c.news.as_ref()) {
            let _ = sender.send(news);
        }
    }

    /// RSVPs to an event changed: its attendees' connections judge themselves again.
    pub fn rsvps_changed(&self, event_id: &str) {
        self.tell(event_id, AccessNews::Rsvps);
    }

    /// An event's "home safe by" time passed: its organizers and jail support hear who is missing.
    pub fn safety_due(&self, event_id: &str) {
        self.tell(event_id, AccessNews::Safety);
    }

    /// An event was edited: its followers judge updates by the event as it now is.
    pub fn event_changed(&self, event: Event) {
        let id = event.id.clone();
        self.tell(&id, AccessNews::Event(Arc::new(event)));
    }

    /// Open live connections on this instance, over all events.
    pub fn connections(&self) -> usize {
        self.lock().values().map(|channel| channel.followers).sum()
    }

    pub fn followers(&self, event_id: &str) -> usize {
        self.lock()
            .get(event_id)
            .map_or(0, |channel| channel.followers)
    }

    /// Send a stored update to everyone following its event.
    pub fn publish(&self, update: LiveUpdate) {
        let channels = self.lock();
        if let Some(sender) = channels
            .get(&update.event_id)
            .and_then(|c| c.updates.as_ref())
        {
            let whole = super::protocol::ServerMessage::update(&update, update.location.as_deref());
            let frame = super::protocol::frame(&whole);
            let frame_without_location = update.location.is_some().then(|| {
                super::protocol::frame(&super::protocol::ServerMessage::update(&update, None))
                    .into()
            });
            let _ = sender.send(Arc::new(Published {
                frame: frame.into(),
                frame_without_location,
                update,
            }));
        }
    }

    /// Signals for organizer connections: whose credentials changed.
    pub fn watch_credentials(&self) -> broadcast::Receiver<Arc<str>> {
        self.credentials.subscribe()
    }

    /// An organizer was disabled, or lost a session or token: their open connections re-check.
    pub fn credentials_changed(&self, organizer_id: &str) {
        let _ = self.credentials.send(Arc::from(organizer_id));
    }

    /// Tell an event's organizers that check-ins or check-outs changed.
    pub fn presence_changed(&self, event_id: &str) {
        let channels = self.lock();
        if let Some(presence) = channels.get(event_id).and_then(|c| c.presence.as_ref()) {
            let _ = presence.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::live::{Audience, UpdateKind};

    fn update(event_id: &str, seq: i32) -> LiveUpdate {
        LiveUpdate {
            event_id: event_id.into(),
            seq,
            kind: UpdateKind::Announcement,
            audience: Audience::Public,
            text: "hello".into(),
            location: None,
            created_at: chrono::Utc::now(),
            pseudonym: None,
        }
    }

    #[tokio::test]
    async fn followers_get_their_event_only_and_are_counted() {
        let hub = LiveHub::default();
        let (mut a, following) = hub.follow("a");
        let (mut b, _other) = hub.follow("b");
        assert_eq!(hub.followers("a"), 1);
        hub.publish(update("a", 1));
        let published = a.recv().await.expect("delivered");
        assert_eq!(published.update.seq, 1);
        assert!(published.frame.contains("\"seq\":1"));
        assert!(
            b.try_recv().is_err(),
            "another event's follower gets nothing"
        );
        let mut organizers = hub.watch_presence("a");
        drop(following);
        assert_eq!(hub.followers("a"), 0);
        assert!(organizers.recv().await.is_ok(), "organizers hear about it");
        drop(organizers);
        let (_again, last) = hub.follow("a");
        drop(last);
        assert!(
            !hub.lock().contains_key("a"),
            "an event nobody follows is forgotten"
        );
    }

    #[tokio::test]
    async fn a_small_buffer_lets_slow_followers_lag_and_credentials_reach_watchers() {
        let hub = LiveHub::new(2);
        let (mut slow, _following) = hub.follow("a");
        for seq in 1..=3 {
            hub.publish(update("a", seq));
        }
        assert!(matches!(
            slow.recv().await,
            Err(broadcast::error::RecvError::Lagged(1))
        ));
        let mut watcher = hub.watch_credentials();
        hub.credentials_changed("org-1");
        assert_eq!(&*watcher.recv().await.expect("heard"), "org-1");
    }
}
