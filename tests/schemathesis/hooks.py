"""Schemathesis hooks for run.sh (SCHEMATHESIS_HOOKS): rules the OpenAPI document states in words
because JSON Schema cannot. `cross_field_rules` applies them to the generated *valid* cases, so
that those reach the server's core logic and must be accepted; `normalised_away` drops the few
*invalid* cases that the documented normalisation makes valid, so that the rest must be refused.

- An event ends after it starts and lasts at most 31 days; `location_privacy: reveal_at` needs a
  `location_reveal_at` before the end; `approved` needs `approval_required`.
- A `location` update carries a location.
- Tags are trimmed and lower-cased, spaces inside become dashes, and blank and repeated ones
  are dropped, before they are measured and counted (so 13 tags, two of them blank, are 11);
  repeated reminders are dropped before they are counted.
- An update's `location` is read only for `kind: location`; other kinds ignore it.
- A door link's `expires_at` is in the future and at most 7 days after its event ends.
- A quota in `roles_needed` is for a role in `roles` (by default every role for an action,
  none otherwise). Edits of the seeded event keep every role offered (see `update_event` below).
- A `repeat` has `count` or `until`, not both; `until` is not before the start, and a series has
  at most 52 occurrences (here: `until` at the start, one occurrence), starting in 2030 so that
  every occurrence is a time the server can hold.
- Integers are sent as JSON integers (`10`, never `10.0`): JSON Schema counts `10.0` as an
  integer, the server does not.
"""

import re
from datetime import datetime, timedelta, timezone

import schemathesis


def _operation_id(case):
    return case.operation.definition.raw.get("operationId")


def _is_positive(case):
    meta = case.meta
    return meta is not None and meta.generation.mode.is_positive


def _whole_numbers(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    return value


def _time(value):
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _event_times(body):
    if "starts_at" not in body or "ends_at" not in body:
        return
    starts = _time(body["starts_at"])
    if starts is None:
        # A time Python cannot hold (year 0, say), which the server reads: another valid one.
        starts = datetime(2030, 5, 1, 18, 0, tzinfo=timezone.utc)
        body["starts_at"] = starts.isoformat()
    try:
        ends = starts + timedelta(hours=2)
    except OverflowError:
        starts, ends = starts - timedelta(hours=2), starts
        body["starts_at"] = starts.isoformat()
    body["ends_at"] = ends.isoformat()
    if body.get("location_privacy") == "reveal_at":
        body["location_reveal_at"] = starts.isoformat()


@schemathesis.hook("map_case")
def cross_field_rules(context, case):
    if not _is_positive(case):
        return case
    if isinstance(case.query, dict):
        case.query = _whole_numbers(case.query)
    body = case.body
    if not isinstance(body, dict):
        return case
    body = _whole_numbers(body)
    operation = _operation_id(case)
    if operation == "create_event":
        if isinstance(body.get("repeat"), dict):
            body["starts_at"] = "2030-05-01T18:00:00+00:00"
        _event_times(body)
        if body.get("location_privacy") == "approved" and body.get("approval_required") in (None, False):
            body["approval_required"] = True
        _quotas_on_offered_roles(body, default_all=body.get("kind") == "action")
        _repeat_as_read(body)
        _safe_by_as_read(body)
        _choices_as_read(body)
    elif operation == "update_event":
        # The seeded event keeps offering every role: an update's `audience` and an RSVP's `role`
        # must name a role the event offers as it is now, and PATCHes that took roles away left
        # most generated updates refused (422), which failed about one run in several as a
        # "schema validation mismatch". A quota is then on an offered role whatever it names.
        if "roles" in body or body.get("roles_needed"):
            body["roles"] = list(ROLES)
        # Whether "home safe by" fits depends on the stored event's kind and start.
        body.pop("safe_by", None)
        _choices_as_read(body)
    elif operation == "post_update":
        if body.get("kind") == "location":
            if not isinstance(body.get("location"), str) or not body["location"].strip():
                body["location"] = "The side entrance"
    elif operation in ("create_rsvp", "update_rsvp"):
        # The seeded event asks no questions and is open: answers name no question of it (422
        # naming `answers.<id>`), and an invite code is not read.
        body.pop("answers", None)
        body.pop("invite_code", None)
    elif operation == "create_invite":
        # An invite code's expiry is in the future (a past one is refused, 422 naming it).
        if body.get("expires_at") is not None:
            body["expires_at"] = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    elif operation == "create_door_link":
        # In the future and at most 7 days after the (seeded, upcoming) event ends: an hour on.
        if body.get("expires_at") is not None:
            body["expires_at"] = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()

    case.body = body
    return case


ROLES = ["marshal", "medic", "legal_observer", "jail_support", "driver", "deescalation"]


def _quotas_on_offered_roles(body, default_all):
    needed = body.get("roles_needed")
    if not isinstance(needed, dict) or not needed:
        return
    roles = body.get("roles")
    if isinstance(roles, list):
        body["roles"] = roles + [role for role in needed if role not in roles]
    elif not default_all:
        # An edit of an event whose roles are unknown here: offer exactly the roles with a goal.
        body["roles"] = list(needed)


def _choices_as_read(body):
    """A question's label is one line of 1 to 200 characters with something in it, its id
    unique, and a choice has 2 to 10 different options."""
    seen = set()
    for question in body.get("questions") or []:
        if not isinstance(question, dict):
            continue
        label = question.get("label")
        if not (isinstance(label, str) and label.strip() and len(label) <= 200
                and label.isprintable()):
            question["label"] = "Question"
        if question.get("id") is not None:
            if question["id"] in seen:
                question.pop("id")
            else:
                seen.add(question["id"])
        if question.get("kind") == "choice":
            options = question.get("options")
            if not (isinstance(options, list) and 2 <= len(set(map(str, options))) == len(options) <= 10
                    and all(isinstance(o, str) and o.strip() and len(o) <= 100 and o.isprintable()
                            for o in options)):
                question["options"] = ["First", "Second"]


def _safe_by_as_read(body):
    """"Home safe by" is for actions only, after the start."""
    if body.get("safe_by") is None:
        return
    if body.get("kind") != "action":
        body.pop("safe_by")
    else:
        start = datetime.fromisoformat(body["starts_at"].replace("Z", "+00:00"))
        body["safe_by"] = (start + timedelta(hours=3)).isoformat()


def _repeat_as_read(body):
    repeat = body.get("repeat")
    if not isinstance(repeat, dict):
        return
    if "count" in repeat and repeat.get("count") is not None:
        repeat.pop("until", None)
    elif repeat.get("until") is not None:
        repeat["until"] = body["starts_at"]
    else:
        repeat["count"] = 1


TAG_PATTERN = re.compile(r"^[\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[\w-]*([\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+[\w-]+)*[\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$")


def _tags_as_documented(tags):
    return len(tags) <= 12 and all(
        isinstance(tag, str) and len(tag) <= 32 and TAG_PATTERN.fullmatch(tag) for tag in tags
    )


def _tags_as_read(tags):
    """Whether the server takes these tags, as its normalisation says."""
    kept = []
    for raw in tags:
        if not isinstance(raw, str):
            return False
        tag = "-".join(raw.strip().lower().split())
        if len(tag) > 32 or not all(c.isalnum() or c in "-_" for c in tag):
            return False
        if tag and tag not in kept:
            kept.append(tag)
    return len(kept) <= 12


def _offsets_as_read(offsets):
    """Whether the server takes these reminders: repeats are dropped before they are counted."""
    if not all(isinstance(minutes, int) and not isinstance(minutes, bool) for minutes in offsets):
        return False
    return len(set(offsets)) <= 5 and all(5 <= minutes <= 20160 for minutes in offsets)


@schemathesis.hook("filter_case")
def normalised_away(context, case):
    operation = _operation_id(case)
    # A phone's subscription is only valid with a push service on the allow-list and a real
    # P-256 point (tests/tests/e2e/push.rs makes them); generated ones are refused, 422.
    if _is_positive(case) and operation in ("push_subscribe", "organizer_push_subscribe"):
        return False
    # Unsubscribing takes an object naming the phone, or no body at all.
    if (_is_positive(case) and operation in ("push_unsubscribe", "organizer_push_unsubscribe")
            and not isinstance(case.body, dict)):
        return False
    if _is_positive(case) or not isinstance(case.body, dict):
        return True
    body = case.body
    # Unsubscribing names a phone to forget; a name too long to be one matches none (204).
    if operation in ("push_unsubscribe", "organizer_push_unsubscribe"):
        return False
    # Options on a question that is not a choice are not read, however many.
    questions = body.get("questions")
    if operation in ("create_event", "update_event") and isinstance(questions, list):
        for question in questions:
            if (isinstance(question, dict) and question.get("kind") != "choice"
                    and isinstance(question.get("options"), list)
                    and len(question["options"]) > 10):
                return False
    if operation in ("create_event", "update_event"):
        tags = body.get("tags")
        if isinstance(tags, list) and not _tags_as_documented(tags) and _tags_as_read(tags):
            return False
        offsets = body.get("reminder_offsets_minutes")
        if isinstance(offsets, list) and len(offsets) > 5 and _offsets_as_read(offsets):
            return False
    if operation == "post_update":
        if body.get("kind") in ("announcement", "alert", "status") and isinstance(body.get("location"), str):
            return False
    return True
