-- A small face crop per person, from an enrolment photo (never from a camera), shown on the
-- teacher's board. Tied to the template made from the same photo: deleting that template, or
-- the person, deletes the portrait with it, so erasing face data never leaves a face behind.
-- Kept out of `people` so that listing people never reads images.
CREATE TABLE person_portraits (
    person_id    uuid PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    template_id  uuid NOT NULL REFERENCES face_templates (id) ON DELETE CASCADE,
    image        bytea NOT NULL CHECK (octet_length(image) BETWEEN 1 AND 65536),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX person_portraits_template_idx ON person_portraits (template_id);
