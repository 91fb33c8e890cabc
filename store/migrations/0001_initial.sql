-- Rollcall's first schema: people and their face templates, rooms and cameras, courses and
-- rosters, class sessions, attendance, users, the audit log and the change-feed outbox.
-- Every timestamp is timestamptz; every entity key is a UUID made by the database.

CREATE TABLE people (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    external_id   text NOT NULL CONSTRAINT people_external_id_key UNIQUE
                  CHECK (length(external_id) BETWEEN 1 AND 200),
    display_name  text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    active        boolean NOT NULL DEFAULT true,
    consent_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE face_templates (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id   uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    model_pack  text NOT NULL CHECK (length(model_pack) BETWEEN 1 AND 100),
    dim         integer NOT NULL CHECK (dim BETWEEN 1 AND 8192),
    embedding   bytea NOT NULL,
    quality     real NOT NULL DEFAULT 0,
    source      text NOT NULL DEFAULT 'upload',
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- float32 little-endian: four bytes per dimension, no more, no less
    CONSTRAINT face_templates_embedding_size CHECK (octet_length(embedding) = dim * 4)
);
CREATE INDEX face_templates_pack_idx ON face_templates (model_pack, person_id);
CREATE INDEX face_templates_person_idx ON face_templates (person_id);

CREATE TABLE rooms (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CONSTRAINT rooms_name_key UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cameras (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    room_id            uuid REFERENCES rooms (id) ON DELETE SET NULL,
    name               text NOT NULL CONSTRAINT cameras_name_key UNIQUE
                       CHECK (length(name) BETWEEN 1 AND 200),
    kind               text NOT NULL CHECK (kind IN ('rtsp', 'webrtc', 'file')),
    -- the URL without its password: safe to show and log
    url                text,
    -- kept apart so that no query result that is logged or shown carries it by accident
    url_password       text,
    access_token_hash  text CONSTRAINT cameras_access_token_hash_key UNIQUE,
    enabled            boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cameras_url_needed CHECK (kind = 'webrtc' OR url IS NOT NULL)
);

CREATE TABLE courses (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code        text NOT NULL CONSTRAINT courses_code_key UNIQUE CHECK (length(code) BETWEEN 1 AND 100),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE course_people (
    course_id  uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    person_id  uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (course_id, person_id)
);
CREATE INDEX course_people_person_idx ON course_people (person_id);

CREATE TABLE class_sessions (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    course_id        uuid NOT NULL REFERENCES courses (id) ON DELETE RESTRICT,
    room_id          uuid NOT NULL REFERENCES rooms (id) ON DELETE RESTRICT,
    scheduled_start  timestamptz NOT NULL,
    scheduled_end    timestamptz NOT NULL,
    grace_minutes    integer NOT NULL DEFAULT 10 CHECK (grace_minutes BETWEEN 0 AND 1440),
    status           text NOT NULL DEFAULT 'scheduled'
                     CHECK (status IN ('scheduled', 'open', 'closed', 'cancelled')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT class_sessions_ends_after_start CHECK (scheduled_end > scheduled_start)
);
CREATE INDEX class_sessions_room_start_idx ON class_sessions (room_id, scheduled_start);
CREATE INDEX class_sessions_course_start_idx ON class_sessions (course_id, scheduled_start);

CREATE TABLE attendance (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id  uuid NOT NULL REFERENCES class_sessions (id) ON DELETE CASCADE,
    -- NULL once the person was erased with attendance kept: the row still counts, anonymously
    person_id   uuid REFERENCES people (id) ON DELETE SET NULL,
    status      text NOT NULL CHECK (status IN ('present', 'late', 'absent', 'excused')),
    -- true once a teacher set the status: sightings never overwrite a manual decision
    manual      boolean NOT NULL DEFAULT false,
    first_seen  timestamptz,
    last_seen   timestamptz,
    best_score  real,
    camera_id   uuid REFERENCES cameras (id) ON DELETE SET NULL,
    sightings   integer NOT NULL DEFAULT 0 CHECK (sightings >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT attendance_session_person_key UNIQUE (session_id, person_id)
);
CREATE INDEX attendance_person_idx ON attendance (person_id);

-- Ids of attendance writes already applied: a write retried after a lost reply (the commit
-- happened, the answer did not arrive) is recognised and not counted twice.
CREATE TABLE attendance_writes (
    write_id    uuid PRIMARY KEY,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attendance_writes_applied_idx ON attendance_writes (applied_at);

CREATE TABLE users (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username       text NOT NULL CONSTRAINT users_username_key UNIQUE
                   CHECK (length(username) BETWEEN 1 AND 100),
    display_name   text NOT NULL DEFAULT '',
    role           text NOT NULL CHECK (role IN ('teacher', 'admin')),
    password_hash  text NOT NULL,
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_tokens (
    token_hash  text PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_tokens_user_idx ON user_tokens (user_id);

CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor        text NOT NULL,
    action       text NOT NULL,
    entity_type  text NOT NULL,
    entity_id    text,
    details      jsonb NOT NULL DEFAULT '{}'::jsonb,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, at);

-- Change-feed outbox. Rows are written in the same transaction as the change they announce.
-- Listeners read them in (xid, id) order and only below the oldest running transaction, so a
-- transaction that took a lower id but commits later is never skipped.
CREATE TABLE events (
    id          bigserial PRIMARY KEY,
    xid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    kind        text NOT NULL,
    payload     jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_cursor_idx ON events (xid, id);
CREATE INDEX events_created_idx ON events (created_at);

-- NOTIFY inside the writing transaction is delivered on commit only, and never on rollback.
CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('rollcall_events', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_notify();
