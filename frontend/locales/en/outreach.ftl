# What carries events beyond this site: the printable flyer, the Atom feed, the embedded listing.

flyer-print-hint = This page prints on one sheet of Letter or A4 paper, in black and white. Use your browser's Print command.
flyer-cover-link = Print the discreet version (with the cover title)
flyer-neutral-title = Community gathering
flyer-timezone = Times are in { $zone }.
flyer-qr-label = QR code of the event's page
flyer-scan = Scan the code, or type this address, to read more and RSVP:
editor-flyer = Printable flyer
editor-flyer-cover = discreet flyer

feed-atom = News feed (Atom) of these events
feed-atom-explain = For feed readers. Events with a cover name appear under it.
feed-entry-cancelled = Cancelled: { $title }

embed-more = More events
embed-all = See all events
