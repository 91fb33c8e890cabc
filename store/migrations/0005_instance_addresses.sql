-- Where the other processes reach a process over HTTP (its advertised URL; NULL when it
-- advertises none): a live view of a camera is relayed from the process that runs it.
ALTER TABLE service_instances ADD COLUMN address text CHECK (length(address) BETWEEN 1 AND 500);
