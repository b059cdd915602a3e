#!/usr/bin/env python3
"""Seed a running Umbrella for the reminder benchmark: one event whose day-ahead reminder falls
due LEAD seconds from now, and COUNT going RSVPs with an address each (8 threads).
Prints the moment the reminders fall due, as Unix seconds.
Usage: reminders.py BASE_URL TOKEN COUNT LEAD"""
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from seed_events import post


def main():
    base, token, count, lead = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    starts = (datetime.now(timezone.utc) + timedelta(minutes=1440, seconds=lead)).replace(microsecond=0)
    event = post(f"{base}/api/v1/events", {
        "title": "Reminder benchmark",
        "cover_title": "Saturday gathering",
        "kind": "workshop",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "location": "Community room",
        "reminder_offsets_minutes": [1440],
    }, token)
    url = f"{base}/api/v1/events/{event['id']}/rsvps"

    def rsvp(n):
        created = post(url, {"pseudonym": f"Bench {n}", "email": f"bench{n}@example.org"})
        assert created["status"] == "going", created["status"]

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(rsvp, range(count)))
    due = starts - timedelta(minutes=1440)
    # An RSVP made after its reminder's time gets no reminder, so seeding must finish first.
    if datetime.now(timezone.utc) >= due:
        sys.exit(f"seeding took too long: the reminders fell due before the last RSVP (raise LEAD)")
    print(due.timestamp())


if __name__ == "__main__":
    main()
