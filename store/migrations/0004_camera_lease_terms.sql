-- Fencing the writes of a camera's former holder. Each time a camera changes hands its lease
-- gets a new generation, from one sequence for all cameras: a lease released (its row deleted)
-- and claimed again no longer starts over at 1, so a generation is never given out twice. The
-- start of every term (camera, generation) is remembered: an attendance write carries the
-- generation of the lease under which its frame was seen, and is refused when a newer term of
-- that camera had begun by then (store/attendance.py). Terms are kept a week.

CREATE SEQUENCE camera_lease_generation AS bigint;
SELECT setval('camera_lease_generation', coalesce(max(generation), 1), max(generation) IS NOT NULL)
FROM camera_leases;
ALTER TABLE camera_leases ALTER COLUMN generation SET DEFAULT nextval('camera_lease_generation');
ALTER SEQUENCE camera_lease_generation OWNED BY camera_leases.generation;

CREATE TABLE camera_lease_terms (
    camera_id   uuid NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    generation  bigint NOT NULL,
    holder      text NOT NULL,
    started_at  timestamptz NOT NULL,
    PRIMARY KEY (camera_id, generation)
);
INSERT INTO camera_lease_terms (camera_id, generation, holder, started_at)
SELECT camera_id, generation, holder, acquired_at FROM camera_leases;

CREATE FUNCTION camera_lease_term_begins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.generation <> OLD.generation THEN
        INSERT INTO camera_lease_terms (camera_id, generation, holder, started_at)
        VALUES (NEW.camera_id, NEW.generation, NEW.holder, NEW.acquired_at)
        ON CONFLICT DO NOTHING;
        DELETE FROM camera_lease_terms
        WHERE camera_id = NEW.camera_id AND started_at < now() - interval '7 days';
    END IF;
    RETURN NULL;
END
$$;

-- fires on a claim's INSERT and on the UPDATE of its ON CONFLICT branch (generation is in its
-- SET list); a renewal, which leaves generation alone, does not fire it
CREATE TRIGGER camera_lease_term_begins AFTER INSERT OR UPDATE OF generation ON camera_leases
FOR EACH ROW EXECUTE FUNCTION camera_lease_term_begins();
