#!/usr/bin/env python3
"""Seed a running Umbrella with realistic listed events through its API.
Usage: seed_events.py BASE_URL TOKEN COUNT"""
import json
import random
import sys
import urllib.request
from datetime import datetime, timedelta, timezone

KINDS = ["workshop", "training", "action"]
TAGS = ["legal", "health", "harm-reduction", "rally", "court-support", "digital-safety", "español"]
PRIVACY = ["public", "public", "attendees", "reveal_at", "approved"]


def main():
    base, token, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
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
        request = urllib.request.Request(
            f"{base}/api/v1/events",
            data=json.dumps(event).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request) as response:
            assert response.status == 201, response.status


if __name__ == "__main__":
    main()
