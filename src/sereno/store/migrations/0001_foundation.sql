-- Sereno store, version 1: sources, batches, records (raw and harmonised), victims,
-- incidents, counts, units, populations, quarantine, interventions, audit log.
-- Written in DuckDB's dialect; other engines receive it through sqlglot.

CREATE SEQUENCE IF NOT EXISTS audit_id_seq START 1;

CREATE TABLE sources (
    source_id      VARCHAR PRIMARY KEY,   -- short name given at ingestion: policia, forense
    kind           VARCHAR NOT NULL,      -- police, forensic, hospital, press, ngo, survey, registry
    counts         VARCHAR NOT NULL,      -- victims | incidents: what its rows or counts count
    layout         VARCHAR NOT NULL,      -- rows | counts | wide_months
    mapping_name   VARCHAR NOT NULL,      -- built-in name or file name of its mapping
    mapping_hash   VARCHAR NOT NULL,
    definition_version INTEGER NOT NULL DEFAULT 1,  -- bumped when its mapping changes (series breaks)
    description    VARCHAR,
    created_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE batches (
    batch_id       VARCHAR PRIMARY KEY,   -- uuid
    source_id      VARCHAR NOT NULL,
    file_name      VARCHAR NOT NULL,
    file_hash      VARCHAR NOT NULL,      -- sha256 of the file's bytes
    file_format    VARCHAR NOT NULL,
    mapping_hash   VARCHAR NOT NULL,
    definition_version INTEGER NOT NULL,
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP,
    rows_read      BIGINT NOT NULL,
    stored         BIGINT NOT NULL,
    quarantined    BIGINT NOT NULL,
    duplicates     BIGINT NOT NULL,
    excluded       BIGINT NOT NULL,
    kind           VARCHAR NOT NULL DEFAULT 'ingest'   -- ingest | retry
);

-- One row per input row, verbatim. Never updated: a correction is a new version.
-- record_id is unique by construction (the store's last id plus the row's number in its
-- batch); no index is kept, as its upkeep would double the cost of a large ingestion.
CREATE TABLE records (
    record_id      BIGINT NOT NULL,
    source_id      VARCHAR NOT NULL,
    batch_id       VARCHAR NOT NULL,
    row_number     BIGINT NOT NULL,       -- 1-based data row in its file
    source_record_id VARCHAR,             -- the source's own id, when it has one
    version        INTEGER NOT NULL,      -- 1, 2, ... per (source_id, source_record_id)
    kind           VARCHAR NOT NULL,      -- victim | incident | count
    raw            VARCHAR NOT NULL,      -- JSON {column: value} exactly as read (VARCHAR:
                                          -- validating JSON on insert costs a second per
                                          -- million rows; ingestion writes it well-formed)
    raw_hash       VARCHAR NOT NULL,      -- md5 of source_id and raw: re-ingestion key (unique
                                          -- per source, enforced by ingestion)
    ingested_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Harmonised fields of victim-level records (one victim each). No key constraints on these
-- child tables: ingestion writes them from records it has just numbered, and DuckDB's
-- index upkeep would cost more than the whole harmonisation.
CREATE TABLE victims (
    record_id      BIGINT NOT NULL,
    source_id      VARCHAR NOT NULL,
    incident_key   VARCHAR,               -- victims sharing it are one incident of the source
    date           DATE,
    date_precision TINYINT NOT NULL,      -- ACLED: 1 day, 2 week, 3 month, 4 year
    year           SMALLINT NOT NULL,
    month          TINYINT,
    time           VARCHAR,
    unit_code      VARCHAR,
    lat            DOUBLE,
    lon            DOUBLE,
    location_precision TINYINT NOT NULL,  -- ACLED: 1 point/town, 2 part of a region, 3 region
    location_method VARCHAR NOT NULL,     -- code | name | point | none
    offence_label  VARCHAR NOT NULL,
    iccs_code      VARCHAR NOT NULL,
    sex            VARCHAR,
    age            SMALLINT,
    weapon         VARCHAR,
    place          VARCHAR,
    name           VARCHAR                -- secret: never published
);

-- Harmonised fields of incident-level records (police cases).
CREATE TABLE incidents (
    record_id      BIGINT NOT NULL,
    source_id      VARCHAR NOT NULL,
    incident_key   VARCHAR,
    date           DATE,
    date_precision TINYINT NOT NULL,
    year           SMALLINT NOT NULL,
    month          TINYINT,
    time           VARCHAR,
    unit_code      VARCHAR,
    lat            DOUBLE,
    lon            DOUBLE,
    location_precision TINYINT NOT NULL,
    location_method VARCHAR NOT NULL,
    offence_label  VARCHAR NOT NULL,
    iccs_code      VARCHAR NOT NULL,
    victims        INTEGER,               -- victims in the case, when the source says
    weapon         VARCHAR,
    place          VARCHAR
);

-- Aggregated sources: a count of victims or incidents by unit, month and offence.
CREATE TABLE counts (
    record_id      BIGINT NOT NULL,
    source_id      VARCHAR NOT NULL,
    unit_code      VARCHAR,
    year           SMALLINT NOT NULL,
    month          TINYINT,
    location_precision TINYINT NOT NULL,
    offence_label  VARCHAR NOT NULL,
    iccs_code      VARCHAR NOT NULL,
    counted        VARCHAR NOT NULL,      -- victims | incidents
    n              BIGINT NOT NULL
);

CREATE TABLE quarantine (
    quarantine_id  BIGINT PRIMARY KEY,
    source_id      VARCHAR NOT NULL,
    batch_id       VARCHAR NOT NULL,      -- the batch that last saw the row
    file_name      VARCHAR NOT NULL,
    row_number     BIGINT NOT NULL,
    raw            VARCHAR NOT NULL,      -- JSON, as in records
    raw_hash       VARCHAR NOT NULL,
    reason_code    VARCHAR NOT NULL,      -- unknown_offence, bad_date, ...
    field          VARCHAR,
    column_name    VARCHAR,
    value          VARCHAR,
    expected       VARCHAR,
    status         VARCHAR NOT NULL,      -- open | resolved
    created_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    resolved_at    TIMESTAMP,
    record_id      BIGINT                 -- the record it became once resolved
);

CREATE TABLE units (
    unit_code      VARCHAR PRIMARY KEY,
    name           VARCHAR NOT NULL,
    name_key       VARCHAR NOT NULL,      -- accent-, case- and space-folded name for matching
    level          VARCHAR NOT NULL,
    parent_code    VARCHAR,
    geometry       BLOB,                  -- WKB, EPSG:4326
    centroid_lon   DOUBLE,
    centroid_lat   DOUBLE,
    area_km2       DOUBLE,
    source_file    VARCHAR
);

CREATE TABLE populations (
    unit_code      VARCHAR NOT NULL,
    year           SMALLINT NOT NULL,
    "group"        VARCHAR NOT NULL,      -- total, men_15_29, women, ...
    population     BIGINT NOT NULL,
    source_file    VARCHAR,
    PRIMARY KEY (unit_code, year, "group")
);

CREATE TABLE interventions (
    intervention_id VARCHAR PRIMARY KEY,
    name_es        VARCHAR NOT NULL,
    name_en        VARCHAR NOT NULL,
    start_date     DATE NOT NULL,
    end_date       DATE,
    cost_usd       DOUBLE,
    funder         VARCHAR
);

CREATE TABLE intervention_units (
    intervention_id VARCHAR NOT NULL,
    unit_code      VARCHAR NOT NULL,
    PRIMARY KEY (intervention_id, unit_code)
);

CREATE TABLE audit_log (
    audit_id       BIGINT PRIMARY KEY,
    logged_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    actor          VARCHAR NOT NULL,
    action         VARCHAR NOT NULL,
    object         VARCHAR,
    details        JSON
);

-- Records replaced by a newer version of the same source id. Usually empty, so excluding
-- them is a cheap anti-join rather than a search for each record's latest version.
CREATE VIEW superseded_records AS
SELECT r.record_id FROM records r
JOIN records n ON n.source_id = r.source_id AND n.source_record_id = r.source_record_id
              AND n.version > r.version;

-- The newest version of every record.
CREATE VIEW current_records AS
SELECT * FROM records WHERE record_id NOT IN (SELECT record_id FROM superseded_records);

-- Every source's observations in one shape: what indicators count.
CREATE VIEW observations AS
SELECT v.source_id, v.record_id, v.unit_code, v.year, v.month, v.date, v.iccs_code,
       'victims' AS counted, 1::BIGINT AS n
FROM victims v WHERE v.record_id NOT IN (SELECT record_id FROM superseded_records)
UNION ALL
SELECT i.source_id, i.record_id, i.unit_code, i.year, i.month, i.date, i.iccs_code,
       'incidents' AS counted, 1::BIGINT AS n
FROM incidents i WHERE i.record_id NOT IN (SELECT record_id FROM superseded_records)
UNION ALL
SELECT c.source_id, c.record_id, c.unit_code, c.year, c.month, NULL::DATE AS date, c.iccs_code,
       c.counted, c.n
FROM counts c WHERE c.record_id NOT IN (SELECT record_id FROM superseded_records);
