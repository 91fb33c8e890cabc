-- A 512-d float32 embedding is 2048 bytes, just over the 2 KiB point where PostgreSQL moves a
-- value out of line into the TOAST table; every gallery load then pays one TOAST lookup per
-- template. Raise the table's toast target so embeddings of up to ~2000 dimensions stay in the
-- row, and never try to compress them (random floats do not compress).
ALTER TABLE face_templates ALTER COLUMN embedding SET STORAGE EXTERNAL;
ALTER TABLE face_templates SET (toast_tuple_target = 8160);
