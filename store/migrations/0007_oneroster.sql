-- Rostering from the school's system: a OneRoster bundle's sourcedIds kept as external ids.
-- `roster_source` marks what a bundle brought in, so that the next bundle deactivates only
-- what a bundle made (people and teachers added by hand are never touched by an import).
-- A course with an external id is a OneRoster class: its roster and teachers follow the
-- bundle that names it.
ALTER TABLE people ADD COLUMN roster_source text CHECK (roster_source IN ('oneroster'));

ALTER TABLE courses ADD COLUMN external_id text CONSTRAINT courses_external_id_key UNIQUE
    CHECK (length(external_id) BETWEEN 1 AND 200);

ALTER TABLE users ADD COLUMN external_id text CONSTRAINT users_external_id_key UNIQUE
    CHECK (length(external_id) BETWEEN 1 AND 200);
ALTER TABLE users ADD COLUMN roster_source text CHECK (roster_source IN ('oneroster'));

-- Who teaches a course (the bundle's teacher enrollments).
CREATE TABLE course_teachers (
    course_id  uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (course_id, user_id)
);
CREATE INDEX course_teachers_user_idx ON course_teachers (user_id);
