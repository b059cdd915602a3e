#!/usr/bin/env python3
"""Seed a running Umbrella with realistic listed events through its API, and optionally RSVPs
and live updates spread over them. Prints the id of the event with the most RSVPs.
Usage: seed_events.py BASE_URL TOKEN EVENTS [RSVPS] [UPDATES]"""
import json
import random
import sys
import urllib.request
from datetime import datetime, timedelta, timezone

KINDS = ["workshop", "training", "action"]
TAGS = ["legal", "health", "harm-reduction", "rally", "court-support", "digital-safety", "español"]
PRIVACY = ["public", "public", "attendees", "reveal_at", "approved"]


def post(url, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    with urllib.request.urlopen(request) as response:
        assert response.status == 201, response.status
        return json.load(response)


def main():
    base, token, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rsvps = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    updates = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    ids = []
    rng = random.Random(7)
    now = datetime.now(timezone.utc)
    for n in range(count):
        starts = now + timedelta(hours=rng.randint(-24 * 20, 24 * 180))
        event = {
            "title": f"{rng.choice(['Know your rights', 'Street medic basics', 'Rally for decrim', 'Court support', 'Naloxone training'])} #{n}",
            "cover_title": rng.choice([None, "Community meetup", "Saturday gathering"]),
            "kind": rng.choice(KINDS),
            "description": "Bring water, a charged phone and a friend. " * rng.randint(1, 6),
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=rng.randint(1, 4))).isoformat(),
            "location": f"{rng.randint(1, 999)} Main St, room {rng.randint(1, 30)}",
            "location_privacy": rng.choice(PRIVACY),
            "location_reveal_at": (starts - timedelta(hours=2)).isoformat(),
            "capacity": rng.choice([None, 20, 50, 200]),
            "tags": rng.sample(TAGS, rng.randint(0, 3)),
            "accessibility": "Step-free entrance. ASL on request.",
        }
        if event["location_privacy"] == "approved":  # shown to approved RSVPs: organizers approve
            event["approval_required"] = True
        if starts > now:  # RSVPs and updates go to upcoming events; capacity would waitlist the rest
            event["capacity"] = None
        ids.append((post(f"{base}/api/v1/events", event, token)["id"], starts > now))
    upcoming = [event_id for event_id, future in ids if future]
    popular = upcoming[0]
    for n in range(rsvps):
        # Half of all RSVPs go to one popular action, the rest spread out.
        target = popular if n % 2 == 0 else rng.choice(upcoming)
        post(f"{base}/api/v1/events/{target}/rsvps", {"pseudonym": f"Person {n}", "guests": rng.randint(0, 2)})
    for n in range(updates):
        target = popular if n % 2 == 0 else rng.choice(upcoming)
        post(f"{base}/api/v1/events/{target}/updates",
             {"kind": rng.choice(["announcement", "alert", "status"]), "audience": "public", "text": f"Update {n}"}, token)
    print(popular)


if __name__ == "__main__":
    main()
