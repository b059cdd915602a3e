//! Telling this server's live followers that something changed: an update posted, check-ins,
//! an organizer's credentials, an event's RSVPs or the event itself. One notifier, chosen at
//! startup: on SQLite (one instance) it tells the hub directly; on PostgreSQL the database's
//! `NOTIFY`, sent in the change's own transaction, reaches every instance's relay, which tells
//! its hub, so nothing is said here and nothing is said twice.

use super::hub::LiveHub;
use crate::domain::event::Event;
use crate::domain::live::LiveUpdate;

#[derive(Clone)]
pub enum Notifier {
    /// One instance: straight to the hub.
    Hub(LiveHub),
    /// Several instances: the database's `NOTIFY` carries the news to every relay.
    Database,
}

impl Notifier {
    pub fn new(single_instance: bool, hub: &LiveHub) -> Self {
        if single_instance {
            Notifier::Hub(hub.clone())
        } else {
            Notifier::Database
        }
    }

    fn hub(&self) -> Option<&LiveHub> {
        match self {
            Notifier::Hub(hub) => Some(hub),
            Notifier::Database => None,
        }
    }

    pub fn update_posted(&self, update: &LiveUpdate) {
        if let Some(hub) = self.hub() {
            hub.publish(update.clone());
        }
    }

    pub fn presence_changed(&self, event_id: &str) {
        if let Some(hub) = self.hub() {
            hub.presence_changed(event_id);
        }
    }

    pub fn credentials_changed(&self, organizer_id: &str) {
        if let Some(hub) = self.hub() {
            hub.credentials_changed(organizer_id);
        }
    }

    pub fn rsvps_changed(&self, event_id: &str) {
        if let Some(hub) = self.hub() {
            hub.rsvps_changed(event_id);
        }
    }

    pub fn safety_due(&self, event_id: &str) {
        if let Some(hub) = self.hub() {
            hub.safety_due(event_id);
        }
    }

    pub fn event_changed(&self, event: &Event) {
        if let Some(hub) = self.hub() {
            hub.event_changed(event.clone());
        }
    }
}
