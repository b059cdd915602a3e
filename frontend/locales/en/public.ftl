# The pages attendees see: home, event, RSVP, manage link, live, unsubscribe.

home-title = Upcoming events
filter-all = All
filter-by-kind = Filter by kind
filter-by-tag = Filter by tag
home-none-match = No upcoming events match this filter.
home-show-all = Show all events
home-none-yet = No upcoming events yet. Check back soon.
home-later = Later events
subscribe-heading = Add to your calendar
subscribe-explain = Your calendar app checks for changes and cancellations by itself. Events with a cover name appear under it.
subscribe-or-copy = or copy
subscribe-this-address = this address
feed-these = These events
feed-all = All events
badge-cancelled = Cancelled
badge-unlisted = Unlisted

fact-when = When
fact-where = Where
fact-access = Access
fact-capacity = Capacity
fact-going = Going
fact-roles = Day-of roles

event-cancelled = This event is cancelled.
event-cancelled-more = It will not take place.
event-ended = This event has ended.
event-add-calendar = Add to my calendar

rsvp-heading = RSVP
rsvp-explain = No account and no real name needed. You will get a private link to change or cancel your RSVP; keep it, because nobody can recover it for you.
rsvp-pseudonym = Name to go by
rsvp-pseudonym-hint = Any name or nickname. It does not need to be your real name.
rsvp-guests = Guests you are bringing
rsvp-role = A role on the day (optional)
rsvp-needs = Access needs or anything organizers should know (optional)
rsvp-needs-hint = Only organizers see this, and it is deleted after the event.
rsvp-email = Email for reminders (optional)
rsvp-email-hint = Only for reminders and changes to this event. Stored encrypted and deleted after the last reminder. Leave it empty to stay fully anonymous.
rsvp-submit = RSVP
rsvp-purged = (purged)

manage-title = Your RSVP
manage-keep-link = Keep this page's link.
manage-keep-link-more = It is the only way to change or cancel your RSVP, and nobody can recover it for you. Bookmark it, or copy it somewhere safe.
manage-keep-heading = Keep your private link
manage-link-label = Your private link
manage-copy = Copy link
manage-copied = Link copied. Paste it somewhere only you can see.
manage-copy-failed = Select the link and copy it.
manage-show-qr = Show a QR code to open this page on another phone
manage-qr-label = QR code of your private link
manage-lost-link = Anyone with this link can see and change your RSVP, so keep it private. If you lose it, nobody can find your RSVP for you, organizers included: RSVP again (the old one is deleted with everyone's personal details soon after the event), or just come.
manage-status = Status
manage-name = Name
manage-guests = Guests
manage-role = Role
manage-reminders = Reminders
manage-email-saved = An email address is saved for reminders.
manage-no-email = No email saved: no reminders.
manage-on-the-day = On the day
manage-follow-live = Follow live updates
manage-is-safe = You checked out home safe.
manage-arrived = I have arrived
manage-home-safe = I am home safe
manage-calendar-hint = (private: it shows the location once you may see it, and reminds you before)
manage-edit-heading = Change your RSVP
manage-new-email = New email for reminders (leave empty to keep the saved one)
manage-remove-email = Delete my saved email now
manage-save = Save changes
manage-cant-make-it = Can't make it?
manage-cancel-explain = Cancelling frees your place for someone on the waitlist.
manage-cancel = Cancel my RSVP
manage-delete-heading = Delete me now
manage-delete-explain = Removes your RSVP and everything you told us, at once. This link stops working.
manage-delete = Delete my RSVP and data
manage-done-saved = Your changes are saved.
manage-done-checkedin = You are checked in. When you are home, tell us you are safe.
manage-done-safe = Glad you are home safe. Thank you for letting us know.
manage-done-cancelled = Your RSVP is cancelled. You can still delete it and your data below.
manage-done-help = Your call for help went to the organizers, medics, legal observers and jail support.
manage-done-helpwait = You asked a moment ago: the responders have it. You can ask again in a minute.
help-button = I need help
help-what = What should the responders know? (optional)
help-hint = It goes to the organizers, medics, legal observers and jail support, with your name. One line, at most 280 characters.

live-title = Live updates
live-back = Back
live-refreshes = This page refreshes itself every 30 seconds.
live-for = for { $audience }
live-new-location = New location: { $place }
live-none-yet = No updates yet. They will appear here.
live-last-location = Last known location: { $place }
live-connection-back = Connection back. You are up to date.
live-connection-lost = Connection lost. Trying again… The updates below may not be the latest.
live-offline = Offline — showing what was saved at { $time }. Trying again…

unsubscribe-done-title = No more emails
unsubscribe-done = Your email address is deleted from this RSVP. You will get no more reminders or notices for it.
unsubscribe-title = Stop emails for this RSVP
unsubscribe-explain = This deletes your email address from this RSVP at once. Your RSVP itself stays as it is.
unsubscribe-button = Delete my email address
unsubscribe-back = Back to your RSVP

# Confirm page (the day-ahead reminder's link): still coming?
confirm-heading = Are you still coming?
confirm-explain = Please tell the organizers. If you can't make it, your place goes at once to someone on the waitlist.
confirm-already = You told us you are still coming. Thank you! If that changes, let your place go.
confirm-still-coming = I'm still coming
confirm-cant-make-it = I can't make it
confirm-nothing = This RSVP is cancelled or the event is over: there is nothing to confirm.
manage-done-reconfirmed = Thank you: the organizers know you are still coming.

# Door list (a door volunteer's link)
door-title = Door list
door-arrived-of = { $arrived } of { $going } arrived
door-places-of = { $arrived } of { $going } places, with guests
door-search-label = Find a name
door-search = Search
door-show-all = Show everyone
door-shown-js = People shown: %n
door-nobody = Nobody is going yet.
door-no-match = No name matches that search.
door-guests = { $count ->
    [one] { $count } guest
   *[other] { $count } guests
}
door-arrived = Arrived
door-mark-arrived = Mark arrived
door-expires = This link works until { $when }. Keep it private: it shows who is coming.
door-done-arrived = { $name } is marked arrived.
fact-who-for = Who this is for
invite-neutral-title = Invitation-only gathering
invite-only-explain = This gathering is by invitation. If you were given an invite code, type it below to see the details and RSVP.
invite-code-heading = Have an invite code?
invite-code-label = Invite code
invite-code-hint = Capital or small letters, with or without the dashes.
invite-code-submit = Open the invitation
invite-needed = This gathering is by invitation: open the link you were given, or type your invite code.
invite-problem-unknown = We don't know this invite code. Check it for typing mistakes.
invite-problem-used_up = This invite code has been used as many times as it allows. Ask whoever gave it to you for another.
invite-problem-expired = This invite code has expired. Ask whoever gave it to you for another.
invite-problem-revoked = This invite code was withdrawn by the organizers.
question-required = (required)
question-choose = Choose one
answer-yes = Yes
answer-no = No
manage-answers-hint = Your earlier answers are kept, and only organizers see them. To change them, answer the questions again; leave them all empty to keep what you said.

fact-roles-needed = Still looking for
series-next = Next dates
