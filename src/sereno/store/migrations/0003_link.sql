-- Sereno store, version 3: record linkage (pairs, events, membership), clerical review and
-- multiple systems estimates. Written in DuckDB's dialect; other engines receive it through
-- sqlglot.

-- One linkage run: its thresholds and the trained Splink model.
CREATE TABLE link_runs (
    run_id         VARCHAR PRIMARY KEY,   -- uuid
    created_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    iccs_code      VARCHAR NOT NULL,      -- offence linked (prefix): 0101 intentional homicide
    threshold      DOUBLE NOT NULL,       -- link when match probability >= threshold
    review_low     DOUBLE NOT NULL,       -- uncertain pairs: review_low <= p < review_high
    review_high    DOUBLE NOT NULL,
    records        BIGINT NOT NULL,
    events         BIGINT NOT NULL,
    model          JSON                   -- Splink's trained model (m, u, prior)
);

-- Scored pairs of records (match probability >= 0.01), with any clerical decision applied.
CREATE TABLE link_pairs (
    run_id         VARCHAR NOT NULL,
    record_id_l    BIGINT NOT NULL,
    record_id_r    BIGINT NOT NULL,
    match_weight   DOUBLE NOT NULL,
    match_probability DOUBLE NOT NULL,
    decision       VARCHAR                -- match | non_match (clerical), NULL if undecided
);

-- Events: the real-world happenings behind linked records, with consolidated fields.
CREATE TABLE events (
    run_id         VARCHAR NOT NULL,
    event_id       BIGINT NOT NULL,
    date           DATE,
    year           SMALLINT,
    month          TINYINT,
    unit_code      VARCHAR,
    sex            VARCHAR,
    age            DOUBLE,
    weapon         VARCHAR,
    place          VARCHAR,
    sources        VARCHAR NOT NULL,      -- comma-separated source ids, sorted
    n_records      INTEGER NOT NULL,
    probability    DOUBLE NOT NULL,       -- the weakest member's link probability
    PRIMARY KEY (run_id, event_id)
);

-- Which record belongs to which event, and how sure the link is.
CREATE TABLE event_records (
    run_id         VARCHAR NOT NULL,
    event_id       BIGINT NOT NULL,
    record_id      BIGINT NOT NULL,
    source_id      VARCHAR NOT NULL,
    probability    DOUBLE NOT NULL,       -- best pair inside its event; alone: 1 - best pair
    PRIMARY KEY (run_id, record_id)
);

-- A person's decision on a pair; kept across runs and applied to every later one.
CREATE TABLE clerical_decisions (
    record_id_l    BIGINT NOT NULL,
    record_id_r    BIGINT NOT NULL,
    decision       VARCHAR NOT NULL,      -- match | non_match
    reviewer       VARCHAR NOT NULL,
    note           VARCHAR,
    decided_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (record_id_l, record_id_r)
);

-- Multiple systems estimates per stratum (unit and period), with their interval.
CREATE TABLE mse_estimates (
    estimate_id    VARCHAR NOT NULL,      -- uuid of the estimation run
    run_id         VARCHAR,               -- linkage run whose events were counted
    created_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    stratum        VARCHAR NOT NULL,      -- "2023", "C001 2023", ...
    unit_code      VARCHAR,
    period         VARCHAR,
    method         VARCHAR NOT NULL,      -- lcmcr | loglinear
    lists          VARCHAR NOT NULL,      -- comma-separated
    n_observed     BIGINT NOT NULL,
    n_hat          DOUBLE NOT NULL,
    n_lower        DOUBLE NOT NULL,
    n_upper        DOUBLE NOT NULL,
    details        JSON,                  -- coverage, diagnostics, sensitivity
    PRIMARY KEY (estimate_id, stratum)
);
