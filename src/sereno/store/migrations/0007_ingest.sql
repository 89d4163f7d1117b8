-- Ingestion that can be undone and that teaches (issues 19 and 22).
-- What a source's incidents are called (SESNSP: "carpetas de investigación"), so that every
-- figure read from them can say what it counts.
ALTER TABLE sources ADD COLUMN counted_as_es VARCHAR;
ALTER TABLE sources ADD COLUMN counted_as_en VARCHAR;

-- An undone batch keeps its row (what it did, who undid it and when); its records go.
ALTER TABLE batches ADD COLUMN undone_at TIMESTAMP;
ALTER TABLE batches ADD COLUMN undone_by VARCHAR;

-- The batch that first quarantined a row (batch_id is the last that saw it), and every check
-- the row fails as a JSON list of {code, field, column, value, expected}, not only the first.
ALTER TABLE quarantine ADD COLUMN first_batch_id VARCHAR;
ALTER TABLE quarantine ADD COLUMN reasons VARCHAR;

-- The fields a mapping's ``on_invalid: empty`` left empty on a stored record, with why: a
-- JSON list of {code, field, column, value, expected} (NULL: none).
ALTER TABLE records ADD COLUMN flags VARCHAR;
-- A view of every column of records is bound to its columns: it is made again with the new one.
CREATE OR REPLACE VIEW current_records AS
SELECT * FROM records WHERE record_id NOT IN (SELECT record_id FROM superseded_records);

-- Files of the observatory's directory that the store's commits decide (sereno.toml, each
-- source's mapping copy): the text as committed. A file written beside a commit is staged
-- first and put in place after it; on opening, a staged file whose text the store holds is
-- put in place, any other is dropped (see sereno.ingest.kept_files).
CREATE TABLE kept_files (
    path           VARCHAR PRIMARY KEY,   -- relative to the observatory's directory
    hash           VARCHAR NOT NULL,      -- sha256 of the text
    text           VARCHAR NOT NULL,
    written_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);
