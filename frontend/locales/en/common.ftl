# Words on every page, and the names of fixed values (kinds, roles, statuses…).
# Each message id here has a Spanish twin in ../es/common.ftl; a unit test checks both exist.

skip-link = Skip to main content
quick-exit = Quick exit
quick-exit-hint = (leaves this site; press Escape twice)
nav-label = Site
nav-events = Events
nav-dashboard = Dashboard
nav-sign-out = Sign out
footer-privacy = Umbrella keeps no record of who visits: no tracking, no addresses, nothing sent to other sites.
error-summary = There is a problem
tags-label = Tags
pages-label = Pages
yes = yes
no = no
on = on
off = off

kind-workshop = Workshop
kind-training = Training
kind-action = Action
kinds-workshop = Workshops
kinds-training = Trainings
kinds-action = Actions

role-none = No particular role
role-marshal = Marshal
role-medic = Medic
role-legal_observer = Legal observer
role-jail_support = Jail support
role-driver = Driver
role-deescalation = De-escalation
# The people in each role, as a goal counts them ("Marshals: 1 of 3").
roles-marshal = Marshals
roles-medic = Medics
roles-legal_observer = Legal observers
roles-jail_support = Jail support volunteers
roles-driver = Drivers
roles-deescalation = De-escalators

status-going = Going
status-waitlisted = On the waitlist
status-pending = Waiting for an organizer to approve
status-declined = Not approved
status-cancelled = Cancelled

privacy-public = Public: everyone sees it
privacy-attendees = Attendees only, through their private link
privacy-reveal_at = Attendees, from a set time
privacy-approved = Approved attendees only

visibility-listed = Listed: on the home page and in the calendar
visibility-unlisted = Unlisted: only people with the link

count-display-exact = The exact number
count-display-rounded = A rounded number (10+, 20+)
count-display-hidden = Nothing

update-kind-announcement = Announcement
update-kind-location = Location change
update-kind-alert = Safety alert
update-kind-status = Status
console-not-yet-safe-short = Not yet home safe
update-kind-help = Help request
audience-public = everyone
audience-attendees = attendees
audience-responders = responders

location-not-set = Location to be announced
location-for-attendees = Location shared with attendees
location-revealed-at = Location shared with attendees at { $when }
location-for-approved = Location shared with approved attendees

going-a-few = A few people going
going-nobody = Nobody yet: be the first
going-rounded = { $count }+ going
going-count = { $count ->
    [one] { $count } person going
   *[other] { $count } people going
}
capacity-places = { $count ->
    [one] { $count } place
   *[other] { $count } places
}
places-left = { $count ->
    [one] { $count } left
   *[other] { $count } left
}
places-full = full

error-bad-input = Something in the form needs another look
error-forbidden = You can't open this page
error-not-found = We can't find that page
error-conflict = That can't be done now
error-too-large = That was too much to send
error-too-many = Too many tries
error-ours = Something went wrong on our side
error-bad-input-detail = Some of what was sent could not be read. Go back and check the form.
error-forbidden-detail = You need to sign in, or this page is not for your account.
error-not-found-detail = The link may be mistyped, or what it pointed to was deleted.
error-conflict-detail = The event may be cancelled or already over.
error-too-large-detail = Send less text at once.
error-too-many-detail = Wait a minute, then try again.
error-ours-detail = Please try again in a moment.
error-go-home = Go to the list of events

# Per-field messages, shown in languages other than English (English shows the validation's
# own precise words).
field-error-pseudonym = Enter a name to go by, up to 64 characters.
field-error-guests = Guests is a number from 0 to 10.
field-error-role = Choose one of the roles offered.
field-error-needs = Needs can be up to 1,000 characters.
field-error-email = Enter an email address like name@example.org, or leave it empty.
field-error-status = The only status you can set is cancelled.
field-error-kind = Choose a kind.
field-error-title = Enter a title of up to 140 characters.
field-error-cover_title = The cover title can be up to 140 characters.
field-error-description = The description is too long.
field-error-starts_at = Enter the start as a date and time.
field-error-ends_at = Enter an end after the start.
field-error-location = The location is one line of up to 500 characters; a location change needs one.
field-error-location_privacy = Choose who sees the location.
field-error-location_reveal_at = Enter when to share the location, before the event ends.
field-error-capacity = Capacity is a whole number, or empty for no limit.
field-error-tags = Use at most 10 short tags, separated by commas.
field-error-accessibility = The accessibility notes are too long.
field-error-language = Enter a language code such as en or es.
field-error-visibility = Choose a listing.
field-error-count_display = Choose how the number going is shown.
field-error-roles = Choose roles from the list.
field-error-reminder_offsets_minutes = Reminders are hours before the start, such as 24, 2.
field-error-code = That code did not work.
field-error-confirm = Type the same new password twice.
field-error-password = Choose a longer password.
field-error-audience = Choose who gets the update.
field-error-text = Write a message of up to 2,000 characters.
field-error-safe_by = The home-safe-by time is for actions only, after the start.
field-error-help_text = Write one line of up to 280 characters, or nothing.
field-error-who_for = Who it is for: one line of at most 280 characters.
field-error-questions = Check the questions: at most five, each with its text, and two to ten options for a choice.
field-error-uses = Uses is a whole number from 1 to 10,000, or empty for no limit.

## Series and role quotas
quota-count = { $role }: { $filled } of { $needed }
quota-met = { $role }: enough people
quota-open = { $role }: still needed
quota-more-needed = { $count ->
    [one] { $count } more needed
   *[other] { $count } more needed
}
quota-still-needed = still needed
field-error-roles_needed = Give each role a whole number of people, only for roles the event offers.
field-error-repeat-frequency = Choose daily, weekly or monthly.
field-error-repeat-interval = Repeat every 1 to 52 days, weeks or months.
field-error-repeat-count = A series has 1 to 52 occurrences.
field-error-repeat-until = The last date must not be before the first occurrence, and a series has at most 52 occurrences.
field-error-repeat = Give either a number of occurrences or a last date.
field-error-scope = Choose this occurrence, or this and the following ones.
