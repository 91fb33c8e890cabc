-- Several service processes share the cameras: each camera is run by the one process holding
-- its lease, and each process says it is alive in service_instances (the fair share of a
-- process is the enabled cameras divided by the live instances). Expiry is database time.

CREATE TABLE service_instances (
    holder        text PRIMARY KEY CHECK (length(holder) BETWEEN 1 AND 200),
    started_at    timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);

CREATE TABLE camera_leases (
    camera_id         uuid PRIMARY KEY REFERENCES cameras (id) ON DELETE CASCADE,
    holder            text NOT NULL CHECK (length(holder) BETWEEN 1 AND 200),
    acquired_at       timestamptz NOT NULL DEFAULT now(),
    renewed_at        timestamptz NOT NULL DEFAULT now(),
    expires_at        timestamptz NOT NULL,
    -- raised on every change of holder: tells a takeover from a renewal
    generation        bigint NOT NULL DEFAULT 1,
    -- the holder's view of the camera at its last renewal, for the other processes to show
    state             text,
    error             text,
    analysis_fps      double precision NOT NULL DEFAULT 0,
    frames_received   bigint NOT NULL DEFAULT 0,
    frames_dropped    bigint NOT NULL DEFAULT 0,
    last_frame_age_s  double precision
);
CREATE INDEX camera_leases_holder_idx ON camera_leases (holder);
