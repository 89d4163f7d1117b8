-- People's writes (issue 14): who may do what to which resource, and every version written.
-- An account belongs to an organisation; a source to the organisation that brought it; an
-- organisation may be granted another's resource. Every write by a person is a version of
-- its resource (append-only) with an audit entry.

ALTER TABLE accounts ADD COLUMN organisation VARCHAR;

CREATE TABLE source_owners (
    source_id      VARCHAR PRIMARY KEY,
    organisation   VARCHAR NOT NULL,
    set_by         VARCHAR NOT NULL,
    set_at         TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE grants (
    organisation   VARCHAR NOT NULL,      -- who is granted
    resource_kind  VARCHAR NOT NULL,      -- source_records, review, ...
    resource_id    VARCHAR NOT NULL,
    granted_by     VARCHAR NOT NULL,
    granted_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (organisation, resource_kind, resource_id)
);

CREATE SEQUENCE version_id_seq START 1;

CREATE TABLE versions (
    version_id     BIGINT PRIMARY KEY,
    resource_kind  VARCHAR NOT NULL,
    resource_id    VARCHAR NOT NULL,
    version        INTEGER NOT NULL,      -- 1, 2, ... per resource
    action         VARCHAR NOT NULL,
    actor          VARCHAR NOT NULL,      -- the account that wrote it
    organisation   VARCHAR,
    via            VARCHAR NOT NULL,      -- cli | portal
    written_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    content        JSON NOT NULL
);
