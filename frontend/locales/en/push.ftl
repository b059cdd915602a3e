# Web Push: what a phone's lock screen shows. Neutral words unless the person chose "full".
push-neutral-title = Reminder
push-neutral-body = You have a new message. Open to read it.
push-neutral-urgent = You have an urgent message. Open to read it now.
push-safe-by-nudge = Are you home safe? Open to let us know.
push-not-yet-safe = Some people have not checked out yet. Open to see who.

# "Alert me on this phone", on the manage page and the organizer's live console.
push-heading = Alert me on this phone
push-explain = Get updates for this event on this phone, even when this page is closed: announcements, changes of place, safety alerts.
push-explain-organizer = Get every event's live updates on this phone, even when this page is closed, with the safety alerts organizers get.
push-privacy = Alerts travel through your browser's push service (Google, Apple, Mozilla or Microsoft). It sees that a message was sent to this phone and when, never what it says: each one is encrypted for this phone alone. Unless you choose otherwise below, the lock screen shows neutral words, not the message.
push-tor = Tor Browser cannot receive alerts.
push-full = Show the message itself on the lock screen
push-on = Turn on alerts
push-off = Turn off alerts
push-on-done = Alerts are on for this phone.
push-off-done = Alerts are off for this phone.
push-unsupported = This browser cannot receive alerts (Tor Browser never can). On an iPhone, add this page to your home screen first, then open it from there.
push-denied = Alerts are blocked for this site in your browser's settings.
push-refused = This browser's push service is not one this site sends to.
push-failed = Something went wrong. Try again.
push-needs-script = Alerts need JavaScript; everything else on this page works without it.
