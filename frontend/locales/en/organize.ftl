# The organizer's pages under /organize.

login-title = Sign in
login-heading = Sign in to organize
login-handle = Handle
login-password = Password
login-submit = Sign in
login-lost-password = Lost your password? Ask an admin of your group to set you up again.
login-refused = That handle and password do not match.
login-too-many = { $count ->
    [one] Too many attempts. Wait { $count } second, then try again.
   *[other] Too many attempts. Wait { $count } seconds, then try again.
}
login-code-title = Sign in: second step
login-code-as = Signing in as
login-code-explain = Open your authenticator app and type the code it shows for Umbrella.
login-code-label = Code
login-code-hint = Six digits. Lost your phone? Type one of your recovery codes instead; each works once.
login-code-restart = Start again
login-code-refused = That code did not work. Use the current code from your app, or an unused recovery code.

password-title = Choose a new password
password-first-time = You signed in with a one-time password. Choose your own to continue.
password-new = New password
password-hint = At least { $count } characters. A few unrelated words work well.
password-again = Type it again
password-save = Save password
password-mismatch = The two passwords are not the same.
password-current = Your password now
password-one-time = The one-time password you signed in with
password-code = A code from your app, or an unused recovery code
password-others-end = Your other sessions end when you save it.
password-current-refused = That is not your password.
password-code-refused = That code did not work. Use the current code from your app, or an unused recovery code.

dashboard-title = Dashboard
dashboard-new-event = New event
dashboard-account = Your account and two-step sign-in
dashboard-upcoming = Upcoming
dashboard-nothing = Nothing scheduled.
dashboard-under-way = Happening now
dashboard-today = Later today

organize-edit-event = Edit the event
organize-public-page = Public page

editor-new-title = New event
editor-copy-title = New event: copy of { $title }
editor-copied = Filled in from “{ $title }”: everything but the date. Its RSVPs and updates stay with it. Nothing is saved until you choose a date and save.
editor-copied-back = Back to the original
editor-edit-title = Edit: { $title }
editor-saved = Saved.
editor-cancelled-more = Edits still reach people who follow it.
editor-what = What
editor-kind = Kind
editor-title = Title
editor-title-hint = Shown on the event page.
editor-cover-title = Cover title (optional)
editor-cover-title-hint = A neutral name used instead of the title in emails and calendars, e.g. "Saturday meetup".
editor-description = Description
editor-description-hint = Markdown: **bold**, *italic*, [links](https://…), lists. Images are not shown.
editor-tags = Tags (optional)
editor-tags-hint = Separated by commas, e.g. legal, harm reduction.
editor-language = Language of the event
editor-language-hint = The language the event is held in.
editor-when = When
editor-zone = Time in { $zone }
editor-starts = Starts
editor-ends = Ends
editor-reminders = Email reminders, hours before the start
editor-reminders-hint = Separated by commas, e.g. 24, 2. Leave empty for none.
editor-where = Where
editor-location = Location
editor-privacy = Who sees the location
editor-reveal-at = Share the location with attendees from
editor-accessibility = Accessibility notes
editor-accessibility-hint = ASL, step-free access, childcare, quiet room, restrooms…
editor-who = Who
editor-visibility = Listing
editor-capacity = Capacity (optional)
editor-capacity-hint = Places including guests. Leave empty for no limit.
editor-count-display = The public sees how many are going as
editor-approval = An organizer approves each RSVP
editor-roles = Day-of roles attendees can take
editor-on-the-day = On the day
editor-on-the-day-hint = For actions above all: what people can do on the day.
editor-save = Save event
editor-rsvps = RSVPs
editor-see-public = See the public page
editor-cancel-heading = Cancel this event
editor-cancel-explain = The event stays visible, marked as cancelled. This cannot be undone.
editor-cancel-confirm = Yes, cancel this event
editor-cancel = Cancel event

rsvps-title = RSVPs: { $title }
rsvps-places-of = { $taken } places of { $capacity }
rsvps-going-as = Going as { $role }
rsvps-none = No RSVPs yet.
rsvps-caption = RSVPs, oldest first
rsvps-needs = Needs
rsvps-email = Email
rsvps-decide = Decide
rsvps-approved = approved
rsvps-approve = Approve
rsvps-decline = Decline

console-title = Live console
console-public-page = Public live page
console-following = Following now
console-checked-in = Checked in
console-safe = Home safe
console-not-yet-safe = Not yet home safe
console-post = Post an update
console-kind = Kind
console-kind-location = Location or route change
console-audience = Who gets it (choose one)
console-audience-public = Everyone following
console-audience-attendees = People going
console-text = Message
console-location = New location (for a location change)
console-send = Send update
console-sent = Sent so far

account-title = Your account
account-change-password = Change your password
account-totp = Two-step sign-in
account-recovery-codes = Your recovery codes
account-recovery-once = Write these down or print this page now: they are shown only this once.
account-recovery-explain = Each one signs you in once if you lose your phone.
account-totp-on = On. Signing in asks for a code from your authenticator app after your password.
account-codes-left = { $count ->
    [one] { $count } recovery code left.
   *[other] { $count } recovery codes left.
}
account-tokens-hint = API tokens are not affected: a bearer token works on its own. Keep them as safe as your password.
account-totp-off-heading = Turn two-step sign-in off
account-totp-off-explain = Type your password and a current code or an unused recovery code.
account-turn-off = Turn off
account-setup-explain = Add Umbrella to an authenticator app on your phone (for example Aegis, Raivo, or your password manager), then type the code it shows to finish.
account-scan = Scan this with the app,
account-type-key = or type this key into the app (time-based):
account-setup-link = Setup link
account-code = Code from the app
account-turn-on = Turn on two-step sign-in
account-totp-off = Off. With it on, signing in also needs a code from an app on your phone, so a stolen password alone is not enough.
account-set-up = Set up two-step sign-in
account-totp-on-done = Two-step sign-in is on.
account-totp-off-done = Two-step sign-in is off.
account-code-refused = That code did not work. Type the code the app shows now.

organizers-title = Organizers
organizers-explain = Disabling someone signs them out everywhere and stops their API tokens at once; enabling them again lets them sign in with their password. New organizers are created on the command line:
organizers-caption = Organizers by handle
organizers-tokens = API tokens
organizers-since = Since
organizers-actions = Actions
organizers-you = you
organizers-disabled = disabled
organizers-active = active
organizers-enable = Enable
organizers-disable = Disable
organizers-revoke = Revoke API tokens
organizers-done-disabled = Disabled: they are signed out and their API tokens no longer work.
organizers-done-enabled = Enabled: they can sign in again.
organizers-done-revoked = Their API tokens are revoked.
organizer-role-admin = admin
organizer-role-organizer = organizer

audit-title = Audit log
audit-explain = What organizers did, newest first. It names organizers and events, never attendees.
audit-empty = Nothing here.
audit-empty-page = Nothing here on this page.
audit-caption = Audit log, newest first, page { $count }
audit-who = Who
audit-what = What
audit-on = On
audit-newer = Newer
audit-older = Older
audit-command-line = command line
audit-target-event = event
audit-target-organizer = organizer
audit-event_created = Created an event
audit-event_edited = Edited an event
audit-event_cancelled = Cancelled an event
audit-update_posted = Posted a live update
audit-rsvp_approved = Approved an RSVP
audit-rsvp_declined = Declined an RSVP
audit-organizer_created = Created an organizer
audit-organizer_disabled = Disabled an organizer
audit-organizer_enabled = Enabled an organizer
audit-token_created = Created an API token
audit-tokens_revoked = Revoked API tokens
audit-totp_enabled = Turned on two-step sign-in
audit-totp_disabled = Turned off two-step sign-in

tally-going = { $count } going
tally-waitlisted = { $count } waitlisted
tally-pending = { $count } waiting for a decision
tally-places-left = { $count ->
    [one] { $count } place left
   *[other] { $count } places left
}
tally-went = { $count } went
tally-checked-in = { $count } checked in
tally-home-safe = { $count } home safe

hub-title = Event hub
hub-actions = This event
hub-copy = Copy into a new event
hub-ended = Ended
hub-counts = Counts
hub-places-left = Places left
hub-pending = Waiting for a decision
hub-pending-none = Nobody is waiting for a decision.
hub-guests = { $count ->
    [one] { $count } guest
   *[other] { $count } guests
}
hub-essentials = Essentials
hub-tools = Tools for this event
hub-tool-public-page = Public page
hub-tool-public-live = Public live page
hub-tool-calendar = Calendar file (.ics)
hub-changes = Changes by organizers

past-title = Past events
past-explain = What happened, newest first. Once the purge has removed personal details only numbers remain: how many went, checked in and made it home safe.
past-none = No event has ended yet.
past-newer = Newer
past-older = Older
# Door links
door-links-nav = Door links
door-links-title = Door links: { $title }
door-links-explain = A door link lets a volunteer at the door see who is going (names, guests and roles only, never needs or emails) and mark each person arrived, without an account. It stops working when it expires or when you revoke it.
door-links-new = A new door link.
door-links-new-once = Copy it now: it is shown only this once. Anyone who has it can see the list of names.
door-links-link-label = Door link
door-links-expires-label = Works until (optional)
door-links-expires-hint = Leave it empty for { $when }: two hours after the event ends.
door-links-make = Make a door link
door-links-manage = See and revoke door links
door-links-heading = Links made
door-links-none = No door links yet.
door-links-made = Made { $when }
door-links-until = works until { $when }
door-links-expired = expired { $when }
door-links-revoke = Revoke
door-links-revoked = The link is revoked: it opens nothing from now on.
rsvps-reconfirmed = Still coming
rsvps-reconfirmed-of = { $reconfirmed } of { $going } going said so
rsvps-still-coming = still coming
audit-door_link_created = Made a door link
audit-door_link_revoked = Revoked a door link

## Series and role quotas
repeat-legend = Repeat
repeat-hint = Make a series: each date is an event of its own, with its own RSVPs, places and location reveal, at the same time of day.
repeat-none = Does not repeat
repeat-daily = Daily
repeat-weekly = Weekly
repeat-monthly = Monthly (the same day of the month, or the month's last day)
repeat-frequency = How often
repeat-interval = Every
repeat-interval-hint = 1 for every week (or day, or month), 2 for every other one.
repeat-count = Number of dates
repeat-count-hint = At most 52. Leave empty if you give a last date.
repeat-until = Last date
repeat-until-hint = Leave empty if you give a number of dates.
editor-roles-needed = People needed in each role
editor-roles-needed-hint = Goals, not limits: shown on the event page and the RSVP form, and the dashboard warns you 48 hours before if a role is short. Only for roles offered above.
editor-role-needed = { $role } needed
scope-legend = Save changes to
scope-cancel-legend = Cancel
scope-one = This date only
scope-following = This date and the following ones
series-heading = Dates in this series
series-explain = Each date has its own RSVPs, location and reveal time. Choose a date to change only that one; a new location notifies only that date's RSVPs.
dashboard-roles-short = Roles not filled:
