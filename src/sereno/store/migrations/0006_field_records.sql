-- Field records (issue 16): homicide incident reviews, group audits, working-group
-- agreements, funded projects. Each table holds a resource's current state; every write is
-- also a version in ``versions`` with its audit entry (the records service). Every row
-- carries the organisation that owns it: the records service's organisation rule reads by it.

-- One import of a field-record file (reviews, groups, projects): what was read and where it went.
CREATE TABLE field_batches (
    batch_id       VARCHAR PRIMARY KEY,   -- uuid
    kind           VARCHAR NOT NULL,      -- review | group | project
    file_name      VARCHAR NOT NULL,
    file_hash      VARCHAR NOT NULL,
    form_name      VARCHAR,               -- the questionnaire a review file was read with
    actor          VARCHAR NOT NULL,
    organisation   VARCHAR,
    rows_read      BIGINT NOT NULL,
    stored         BIGINT NOT NULL,
    quarantined    BIGINT NOT NULL,
    duplicates     BIGINT NOT NULL,
    imported_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- A row that could not be stored, with the reason a person can act on.
CREATE TABLE field_quarantine (
    batch_id       VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,
    file_name      VARCHAR NOT NULL,
    row_number     BIGINT NOT NULL,       -- 1-based data row
    raw            VARCHAR NOT NULL,      -- JSON of the row as read
    reason_code    VARCHAR NOT NULL,      -- missing_value, not_in_list, bad_date, ...
    column_name    VARCHAR,
    value          VARCHAR,
    expected       VARCHAR,
    organisation   VARCHAR
);

-- A structured homicide incident review (Ceasefire's incident review; seed 000).
CREATE TABLE reviews (
    review_id      VARCHAR PRIMARY KEY,
    organisation   VARCHAR,
    form_name      VARCHAR NOT NULL,
    record_id      BIGINT,                -- the victim record reviewed, or
    event_id       BIGINT,                -- the linked event reviewed
    unit_code      VARCHAR NOT NULL,
    incident_date  DATE NOT NULL,
    weapon         VARCHAR,
    victim_group   VARCHAR NOT NULL,      -- confirmed | suspected | none | unknown
    offender_group VARCHAR NOT NULL,
    victim_age     SMALLINT,
    victim_sex     VARCHAR,
    offender_age   SMALLINT,
    offender_sex   VARCHAR,
    confidence     VARCHAR,
    reviewer       VARCHAR NOT NULL,
    reviewed_on    DATE NOT NULL,
    narrative      VARCHAR,               -- secret: never leaves through a public page or export
    location       VARCHAR,               -- secret: an address as the reviewer wrote it
    sources_consulted VARCHAR,
    answers        VARCHAR NOT NULL,      -- JSON of every answer of the form, extra fields too
    content_hash   VARCHAR NOT NULL,      -- md5 of the answers: a re-import adds nothing twice
    updated_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- A review's motives: several allowed, from the form's coded list.
CREATE TABLE review_motives (
    review_id      VARCHAR NOT NULL,
    motive         VARCHAR NOT NULL,
    PRIMARY KEY (review_id, motive)
);

-- The groups a review names, as the victim's or the offender's.
CREATE TABLE review_groups (
    review_id      VARCHAR NOT NULL,
    group_id       VARCHAR NOT NULL,
    side           VARCHAR NOT NULL,      -- victim | offender
    PRIMARY KEY (review_id, group_id, side)
);

-- The group audit: gangs, cliques, cartel cells, self-defence forces.
CREATE TABLE armed_groups (
    group_id       VARCHAR PRIMARY KEY,
    organisation   VARCHAR,
    name           VARCHAR NOT NULL,
    aliases        VARCHAR,               -- ;-separated
    kind           VARCHAR NOT NULL,      -- gang | clique | cartel_cell | self_defence | other
    size_low       INTEGER,
    size_high      INTEGER,
    hierarchy      VARCHAR,               -- loose | hierarchical | unknown
    parent_group   VARCHAR,
    activities     VARCHAR,               -- ;-separated codes
    history        VARCHAR,               -- criminal history notes (restricted)
    members        VARCHAR,               -- known members (secret: never on a page or export)
    active         BOOLEAN NOT NULL,
    observed_on    DATE,                  -- when the audit saw it so
    updated_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- A group's territory, dated: the units it holds and the polygon (WKB, EPSG:4326).
CREATE TABLE group_territories (
    group_id       VARCHAR NOT NULL,
    valid_from     DATE NOT NULL,
    unit_code      VARCHAR,
    geometry       BLOB
);

-- Relations between groups, dated.
CREATE TABLE group_relations (
    relation_id    VARCHAR PRIMARY KEY,   -- group_a|kind|group_b
    organisation   VARCHAR,
    group_a        VARCHAR NOT NULL,
    group_b        VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,      -- alliance | rivalry | conflict | split
    since_on       DATE,
    until_on       DATE,
    note           VARCHAR
);

-- Meetings of a working group (a Mesa de Seguridad).
CREATE TABLE meetings (
    meeting_id     VARCHAR PRIMARY KEY,
    organisation   VARCHAR,
    body           VARCHAR NOT NULL,      -- the working group's name
    held_on        DATE NOT NULL,
    attendees      VARCHAR                -- organisations present, ;-separated
);

-- Agreements made at a meeting, with their current status.
CREATE TABLE agreements (
    agreement_id   VARCHAR PRIMARY KEY,
    organisation   VARCHAR,
    meeting_id     VARCHAR NOT NULL,      -- where it was made
    agreement_text VARCHAR NOT NULL,
    owner_organisation VARCHAR NOT NULL,
    owner_person   VARCHAR,               -- restricted: a person's name
    due_on         DATE,
    indicator      VARCHAR,
    unit_code      VARCHAR,
    status         VARCHAR NOT NULL,      -- open | in_progress | done | dropped | overdue
    public         BOOLEAN NOT NULL DEFAULT false,   -- the group chose to publish it
    updated_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Every status an agreement has had, and at which meeting it was reviewed.
CREATE TABLE agreement_status (
    agreement_id   VARCHAR NOT NULL,
    step           INTEGER NOT NULL,      -- 1, 2, ... per agreement
    meeting_id     VARCHAR,
    status         VARCHAR NOT NULL,
    note           VARCHAR,
    changed_on     DATE NOT NULL,
    actor          VARCHAR NOT NULL,
    PRIMARY KEY (agreement_id, step)
);

-- Funded projects (PRONAPRED's monitoring; seed 002).
CREATE TABLE projects (
    project_id     VARCHAR PRIMARY KEY,
    organisation   VARCHAR,
    title          VARCHAR NOT NULL,
    implementer    VARCHAR NOT NULL,
    budget_usd     DOUBLE,
    start_date     DATE NOT NULL,
    end_date       DATE,
    risk_factor    VARCHAR,
    intervention_id VARCHAR,              -- the intervention the evaluation stage evaluates
    geometry       BLOB,                  -- a polygon, when not units
    updated_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE project_units (
    project_id     VARCHAR NOT NULL,
    unit_code      VARCHAR NOT NULL,
    PRIMARY KEY (project_id, unit_code)
);

-- A project's indicators: activity (what it did) or impact (what changed).
CREATE TABLE project_indicators (
    project_id     VARCHAR NOT NULL,
    indicator_id   VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,      -- activity | impact
    name           VARCHAR NOT NULL,
    baseline       DOUBLE,
    target         DOUBLE,
    PRIMARY KEY (project_id, indicator_id)
);

CREATE TABLE project_measurements (
    project_id     VARCHAR NOT NULL,
    indicator_id   VARCHAR NOT NULL,
    measured_on    DATE NOT NULL,
    value          DOUBLE NOT NULL,
    PRIMARY KEY (project_id, indicator_id, measured_on)
);
