-- Sereno store, version 2: alerts (issue 6, early warning).
-- One row per detection: a space-time cluster (kind 'scan') or a unit whose count exceeds
-- its prediction bound or whose CUSUM signals a shift (kind 'anomaly'). The fingerprint
-- (kind, indicator, sorted units, start, method) is unique: re-running the same analysis
-- updates the alert's numbers and keeps its status and note, never duplicates it.

CREATE SEQUENCE IF NOT EXISTS alert_id_seq START 1;

CREATE TABLE alerts (
    alert_id        BIGINT PRIMARY KEY,
    kind            VARCHAR NOT NULL,      -- scan | anomaly
    method          VARCHAR NOT NULL,      -- scan-permutation-prospective, nb-bound, cusum, ...
    indicator       VARCHAR NOT NULL,      -- what was counted: 'iccs:0101', a file name
    iccs_code       VARCHAR,               -- the offence, when the indicator is one
    unit_codes      VARCHAR[] NOT NULL,    -- member units (scan) or the unit (anomaly)
    start_date      DATE NOT NULL,         -- first day of the flagged window
    end_date        DATE NOT NULL,         -- last day of the flagged window
    observed        DOUBLE NOT NULL,
    expected        DOUBLE NOT NULL,
    statistic       DOUBLE NOT NULL,       -- LLR (scan), -log10 tail p (bound), CUSUM value
    p_value         DOUBLE,
    recurrence_days DOUBLE,                -- prospective scans: once in this many days by chance
    severity        VARCHAR NOT NULL,      -- high | medium | low
    status          VARCHAR NOT NULL DEFAULT 'new',   -- new | seen | confirmed | dismissed
    note            VARCHAR,
    evidence        JSON NOT NULL,         -- numbers, series for the chart, points for the map
    fingerprint     VARCHAR NOT NULL UNIQUE,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);
