DROP TABLE event_tags;
DROP TABLE events;
DROP TABLE api_tokens;
DROP TABLE organizer_sessions;
DROP TABLE organizers;
