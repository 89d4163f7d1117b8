-- Sereno store, version 8: the harms official counts miss (issue 23), as records of their
-- own. Each row is the harmonised part of one record (records.kind displacement,
-- disappearance or extortion); the verbatim row stays in records like any other.
-- Columns marked "restricted" are never published: the privacy policy of sereno.harms
-- keeps them out of every public figure, page and export.

-- A displacement event: households or people leaving a place at once, for one cause.
CREATE TABLE displacement_events (
    record_id      BIGINT NOT NULL,
    source_id      VARCHAR NOT NULL,
    event_key      VARCHAR,               -- the source's own event id
    date           DATE NOT NULL,
    date_precision TINYINT NOT NULL,      -- ACLED: 1 day, 2 week, 3 month, 4 year
    year           SMALLINT NOT NULL,
    month          TINYINT NOT NULL,
    origin_unit    VARCHAR NOT NULL,      -- the unit fled (by code, name or point)
    origin_lat     DOUBLE,                -- restricted: exact origin point
    origin_lon     DOUBLE,
    origin_precision TINYINT NOT NULL,    -- 1 point, 2 smallest unit, 3 larger unit
    destination_unit VARCHAR,             -- restricted: a unit of the observatory
    destination_municipality VARCHAR,     -- another municipality (name or code)
    destination_country VARCHAR,          -- another country (ISO 3166 alpha-3 or name)
    destination_shelter VARCHAR,          -- restricted: a shelter's name
    destination_kind VARCHAR NOT NULL,    -- unit | municipality | country | shelter | unknown
    households     INTEGER,
    people         INTEGER NOT NULL,      -- given, else households × the household size
    people_estimated BOOLEAN NOT NULL,    -- people derived from households
    female         INTEGER,
    male           INTEGER,
    children       INTEGER,               -- 0-17
    adults         INTEGER,               -- 18-59
    elderly        INTEGER,               -- 60 and over
    cause          VARCHAR NOT NULL,      -- threat | extortion | forced_recruitment | homicide_relative | clashes | other | unknown
    group_name     VARCHAR,               -- the group held responsible
    mass           BOOLEAN NOT NULL,      -- at or over the observatory's threshold when stored
    reported_by    VARCHAR,               -- who told the source (key informant, family, ...)
    confidence     VARCHAR NOT NULL,      -- high | medium | low | unknown
    returned_date  DATE                   -- when the households returned, if they did
);

-- A disappeared person, one per record: who (restricted), when and where last seen.
CREATE TABLE disappearances (
    record_id      BIGINT NOT NULL,
    source_id      VARCHAR NOT NULL,
    person_key     VARCHAR,               -- the source's own case or person id
    name           VARCHAR,               -- restricted: never published
    sex            VARCHAR,
    age            SMALLINT,
    last_seen_date DATE NOT NULL,
    date_precision TINYINT NOT NULL,
    year           SMALLINT NOT NULL,
    month          TINYINT NOT NULL,
    unit_code      VARCHAR,               -- where last seen
    state          VARCHAR,               -- registry layouts: the state as written
    municipality   VARCHAR,               -- registry layouts: the municipality as written
    status         VARCHAR NOT NULL,      -- missing | found_alive | found_dead | unknown
    status_date    DATE,                  -- when the status was established
    reported_by    VARCHAR NOT NULL,      -- family | ngo | prosecutor | registry | other
    migrant        BOOLEAN NOT NULL DEFAULT false
);

-- Each status a record gave a person, with its date: a later record of the same person
-- (a new version, or another source) adds to the history, never edits it.
CREATE TABLE disappearance_status (
    record_id      BIGINT NOT NULL,
    source_id      VARCHAR NOT NULL,
    person_key     VARCHAR,
    status         VARCHAR NOT NULL,
    status_date    DATE
);

-- An extortion report: who was extorted, what was demanded, what happened.
CREATE TABLE extortion_reports (
    record_id      BIGINT NOT NULL,
    source_id      VARCHAR NOT NULL,
    report_key     VARCHAR,
    date           DATE NOT NULL,
    date_precision TINYINT NOT NULL,
    year           SMALLINT NOT NULL,
    month          TINYINT NOT NULL,
    unit_code      VARCHAR NOT NULL,
    lat            DOUBLE,                -- restricted
    lon            DOUBLE,
    victim_type    VARCHAR NOT NULL,      -- business | transport | household | migrant | school | other
    business_name  VARCHAR,               -- restricted: the victim's business or route
    amount         DOUBLE,                -- demanded, in the source's currency
    periodicity    VARCHAR NOT NULL,      -- once | daily | weekly | biweekly | monthly | other | unknown
    group_name     VARCHAR,
    paid           VARCHAR NOT NULL,      -- yes | no | unknown
    reported_police VARCHAR NOT NULL,     -- yes | no | unknown: the dark figure is the "no"
    outcome        VARCHAR NOT NULL,      -- none | threats | violence | homicide | displacement | closure | unknown
    migrant        BOOLEAN NOT NULL DEFAULT false
);

-- Shelters (albergues, casas del migrante) along the routes: points of protection. A
-- shelter's point is never published (public maps show its unit); its name only when the
-- observatory marks it public.
CREATE TABLE shelters (
    shelter_id     VARCHAR PRIMARY KEY,
    name           VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,      -- migrant | displaced | other
    lat            DOUBLE NOT NULL,       -- restricted
    lon            DOUBLE NOT NULL,       -- restricted
    unit_code      VARCHAR,               -- the unit holding the point
    capacity       INTEGER,
    public         BOOLEAN NOT NULL,      -- whether its name may be published
    source_file    VARCHAR
);
