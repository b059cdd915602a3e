//! The tables, as Diesel sees them: one schema for both SQLite and PostgreSQL.

diesel::table! {
    organizers (id) {
        id -> Text,
        handle -> Text,
        password_hash -> Text,
        is_admin -> Bool,
        must_change_password -> Bool,
        disabled -> Bool,
        created_at -> Timestamp,
        totp_secret_sealed -> Nullable<Text>,
        totp_pending_sealed -> Nullable<Text>,
        totp_last_step -> Nullable<BigInt>,
    }
}

diesel::table! {
    organizer_recovery_codes (code_hash) {
        code_hash -> Text,
        organizer_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        action -> Text,
        target_kind -> Text,
        target_id -> Text,
    }
}

diesel::table! {
    organizer_sessions (token_hash) {
        token_hash -> Text,
        organizer_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (token_hash) {
        token_hash -> Text,
        organizer_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    events (id) {
        id -> Text,
        kind -> Text,
        title -> Text,
        cover_title -> Nullable<Text>,
        description -> Text,
        description_html -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        location -> Text,
        location_privacy -> Text,
        location_reveal_at -> Nullable<Timestamp>,
        capacity -> Nullable<Integer>,
        accessibility -> Text,
        language -> Text,
        visibility -> Text,
        status -> Text,
        approval_required -> Bool,
        roles -> Text,
        reminder_offsets_minutes -> Text,
        count_display -> Text,
        sequence -> Integer,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        places_taken -> Integer,
        purged_checked_in -> Integer,
        purged_home_safe -> Integer,
        safe_by -> Nullable<Timestamp>,
        safety_done_for -> Nullable<Timestamp>,
        series_id -> Nullable<Text>,
        roles_needed -> Text,
        access -> Text,
        who_for -> Text,
        questions -> Text,
    }
}

diesel::table! {
    rsvps (id) {
        id -> Text,
        event_id -> Text,
        token_hash -> Nullable<Text>,
        pseudonym -> Nullable<Text>,
        guests -> Integer,
        role -> Nullable<Text>,
        needs -> Nullable<Text>,
        email_sealed -> Nullable<Text>,
        status -> Text,
        approved -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        purged -> Bool,
        checked_in_at -> Nullable<Timestamp>,
        safe_at -> Nullable<Timestamp>,
        token_sealed -> Nullable<Text>,
        language -> Text,
        reconfirmed_at -> Nullable<Timestamp>,
        answers_sealed -> Nullable<Text>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        rsvp_id -> Text,
        event_id -> Text,
        kind -> Text,
        offset_minutes -> Integer,
        state -> Text,
        due_at -> Timestamp,
        next_attempt_at -> Timestamp,
        attempts -> Integer,
        claim -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        update_seq -> Nullable<Integer>,
    }
}

diesel::table! {
    live_updates (event_id, seq) {
        event_id -> Text,
        seq -> Integer,
        kind -> Text,
        audience -> Text,
        text -> Text,
        location -> Nullable<Text>,
        created_at -> Timestamp,
        rsvp_id -> Nullable<Text>,
    }
}

diesel::table! {
    event_tags (event_id, tag) {
        event_id -> Text,
        tag -> Text,
    }
}

diesel::table! {
    door_links (id) {
        id -> Text,
        event_id -> Text,
        token_hash -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    invites (id) {
        id -> Text,
        event_id -> Text,
        code_hash -> Text,
        uses_left -> Nullable<Integer>,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    instance_settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    push_subscriptions (id) {
        id -> Text,
        rsvp_id -> Nullable<Text>,
        organizer_id -> Nullable<Text>,
        endpoint_hash -> Text,
        sealed -> Text,
        language -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    push_outbox (id) {
        id -> Text,
        subscription_id -> Text,
        event_id -> Text,
        topic -> Text,
        seq -> Integer,
        state -> Text,
        next_attempt_at -> Timestamp,
        attempts -> Integer,
        claim -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(organizer_sessions -> organizers (organizer_id));
diesel::joinable!(api_tokens -> organizers (organizer_id));
diesel::joinable!(organizer_recovery_codes -> organizers (organizer_id));
diesel::joinable!(audit_log -> organizers (actor_id));
diesel::joinable!(event_tags -> events (event_id));
diesel::joinable!(rsvps -> events (event_id));
diesel::joinable!(live_updates -> events (event_id));
diesel::joinable!(outbox -> rsvps (rsvp_id));
diesel::joinable!(door_links -> events (event_id));
diesel::joinable!(invites -> events (event_id));
diesel::joinable!(push_subscriptions -> rsvps (rsvp_id));
diesel::joinable!(push_subscriptions -> organizers (organizer_id));
diesel::joinable!(push_outbox -> push_subscriptions (subscription_id));
diesel::joinable!(push_outbox -> events (event_id));

diesel::allow_tables_to_appear_in_same_query!(
    organizers,
    organizer_sessions,
    api_tokens,
    organizer_recovery_codes,
    audit_log,
    events,
    event_tags,
    rsvps,
    live_updates,
    outbox,
    door_links,
    invites,
    instance_settings,
    push_subscriptions,
    push_outbox
);
