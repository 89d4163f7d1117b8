-- Sereno store, version 4: the portal's analysts' workspace (issue 8).
-- Accounts with a role and an argon2 password hash; sessions keyed by the hash of their
-- cookie token (a stolen store does not give live sessions), each with its CSRF token.
-- Views and exports of restricted data go to the existing audit_log (actions
-- 'portal_view_restricted', 'portal_export_restricted', 'portal_login', ...).

CREATE TABLE accounts (
    username       VARCHAR PRIMARY KEY,
    password_hash  VARCHAR NOT NULL,      -- argon2id, PHC string format
    role           VARCHAR NOT NULL,      -- admin | analyst | reviewer
    disabled       BOOLEAN NOT NULL DEFAULT false,
    created_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE sessions (
    token_hash     VARCHAR PRIMARY KEY,   -- sha256 of the cookie's token
    username       VARCHAR NOT NULL,
    csrf_token     VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    expires_at     TIMESTAMP NOT NULL
);

CREATE VIEW restricted_access AS
SELECT audit_id, logged_at, actor, action, object, details FROM audit_log
WHERE action IN ('portal_view_restricted', 'portal_export_restricted');
