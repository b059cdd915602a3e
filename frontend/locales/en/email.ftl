# Reminders and notices. Subjects never carry the real title: { $name } is the cover title or
# "your event".

email-your-event = your event
email-today = today at { $time }
email-tomorrow = tomorrow at { $time }
email-on-day = on { $day } at { $time }

email-subject-reminder = Reminder: { $name } { $when }
email-subject-changed = Change of time or place: { $name }
email-subject-cancelled = Cancelled: { $name } { $when }
email-subject-promoted = You have a place: { $name } { $when }
email-subject-approved = Your RSVP is confirmed: { $name } { $when }
email-subject-declined = About your RSVP: { $name }
email-subject-revealed = Where to go: { $name } { $when }
email-subject-announcement = A message about { $name }
email-subject-nudge = Checking in: { $name }

email-lead-reminder = A reminder: { $name } is { $when }.
email-lead-changed = The time or place of { $name } has changed. This is what holds now.
email-lead-cancelled = { $name } { $when } is cancelled. You do not need to do anything.
email-lead-promoted = A place opened up: you are now going to { $name } { $when }.
email-lead-approved = An organizer confirmed your RSVP to { $name }.
email-lead-declined = The organizers could not confirm your place at { $name } this time.
email-lead-revealed = Where { $name } takes place is now on your page.
email-lead-announcement = The organizers of { $name } sent a message.
email-lead-nudge = Checking in after { $name }: did you get home safe? Say so in one tap on your page (the link below), so the organizers know. If you need help, you can ask there too.
email-message-on-page = The message is on your page (the link below), not in emails.

email-place-not-set = The place has not been set yet.
email-place-on-page = The place is on your page (the link below), not in emails.
email-when = When
email-where = Where
email-your-rsvp = Your RSVP
email-your-rsvp-explain = There you can change or cancel it, see where to go, or delete it at once.
email-your-rsvp-explain-short = change or cancel it, see where to go, or delete it at once.
email-stop = Stop these emails
email-address-kept = Your address is kept only to send these messages and is deleted after the last reminder.
email-still-coming = Still coming?
email-still-coming-explain = Tell us in one tap on this page. If you can't make it, your place goes to someone on the waitlist.
email-still-coming-link = Tell us here
