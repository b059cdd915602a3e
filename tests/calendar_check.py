#!/usr/bin/env python3
"""Parse an iCalendar file from standard input with the independent `icalendar` package and
print what the end-to-end tests check, as JSON. Exits non-zero if the file does not parse."""
import json
import sys

import icalendar


def text(value):
    return None if value is None else str(value)


def when(value):
    return None if value is None else value.dt.isoformat()


def main():
    calendar = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
    events = []
    for event in calendar.walk("VEVENT"):
        events.append({
            "uid": text(event.get("UID")),
            "summary": text(event.get("SUMMARY")),
            "description": text(event.get("DESCRIPTION")),
            "location": text(event.get("LOCATION")),
            "status": text(event.get("STATUS")),
            "sequence": event.get("SEQUENCE"),
            "url": text(event.get("URL")),
            "dtstart": when(event.get("DTSTART")),
            "dtend": when(event.get("DTEND")),
            "dtstamp": when(event.get("DTSTAMP")),
            "last_modified": when(event.get("LAST-MODIFIED")),
            "alarms": [str(alarm.get("TRIGGER").to_ical(), "utf-8") for alarm in event.walk("VALARM")],
        })
    print(json.dumps({
        "version": text(calendar.get("VERSION")),
        "prodid": text(calendar.get("PRODID")),
        "method": text(calendar.get("METHOD")),
        "name": text(calendar.get("X-WR-CALNAME")),
        "refresh": text(calendar.get("REFRESH-INTERVAL").to_ical().decode()) if calendar.get("REFRESH-INTERVAL") else None,
        "ttl": text(calendar.get("X-PUBLISHED-TTL")),
        "events": events,
    }))


if __name__ == "__main__":
    main()
