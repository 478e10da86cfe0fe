-- The registry every host shares: companies, their sessions, link attempts,
-- the event log, tokens, invitations, webhooks and their outbox, messages,
-- settings. The same tables as a single host's SQLite registry (walink's
-- src/store/migrate.rs, at its step 11), in PostgreSQL's types: times are
-- Unix seconds (BIGINT), flags are BOOLEAN. A company's lease row is added
-- and removed with it (by the registry, which knows the slug).

CREATE TABLE companies (
    id              BIGSERIAL PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    proxy           TEXT,
    country         TEXT,
    note            TEXT NOT NULL DEFAULT '',
    send_per_minute BIGINT,
    new_chats_per_day BIGINT
);

CREATE TABLE sessions (
    company_id   BIGINT PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,
    phone        TEXT,
    jid          TEXT,
    push_name    TEXT,
    state        TEXT NOT NULL DEFAULT 'not_linked',
    state_detail TEXT,
    since        BIGINT NOT NULL,
    session_file TEXT NOT NULL
);

CREATE TABLE invitations (
    id          BIGSERIAL PRIMARY KEY,
    hash        TEXT NOT NULL UNIQUE,
    company_id  BIGINT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    phone       TEXT,
    method      TEXT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    revoked_at  BIGINT
);

CREATE TABLE link_attempts (
    id             BIGSERIAL PRIMARY KEY,
    company_id     BIGINT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    phone          TEXT,
    method         TEXT NOT NULL,
    started_at     BIGINT NOT NULL,
    outcome        TEXT NOT NULL DEFAULT 'pending',
    cooldown_until BIGINT,
    forced         BOOLEAN NOT NULL DEFAULT false,
    invitation_id  BIGINT REFERENCES invitations (id) ON DELETE SET NULL
);
CREATE INDEX link_attempts_phone ON link_attempts (phone, started_at);
CREATE INDEX link_attempts_company ON link_attempts (company_id, started_at);

CREATE TABLE events (
    id         BIGSERIAL PRIMARY KEY,
    company_id BIGINT REFERENCES companies (id) ON DELETE CASCADE,
    at         BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    reason     TEXT,
    raw        TEXT
);
CREATE INDEX events_company ON events (company_id, at);

CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    hash         TEXT NOT NULL UNIQUE,
    scope        TEXT NOT NULL,
    company_id   BIGINT REFERENCES companies (id) ON DELETE CASCADE,
    note         TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    expires_at   BIGINT,
    revoked_at   BIGINT
);

CREATE TABLE webhooks (
    id            BIGSERIAL PRIMARY KEY,
    url           TEXT NOT NULL,
    company_id    BIGINT REFERENCES companies (id) ON DELETE CASCADE,
    events        TEXT NOT NULL DEFAULT '',
    secret        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    disabled_at   BIGINT,
    disabled_why  TEXT,
    whole_numbers BOOLEAN NOT NULL DEFAULT false
);

-- A host claims the due deliveries it posts by moving their `next_at` on:
-- the others skip them, and take them up if that host dies before posting.
CREATE TABLE webhook_outbox (
    id            BIGSERIAL PRIMARY KEY,
    webhook_id    BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    company_id    BIGINT,
    event         TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    next_at       BIGINT NOT NULL,
    done_at       BIGINT,
    outcome       TEXT
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (done_at, next_at);

-- Each host numbers the events of its own stream: a reader resumes on the
-- host it reads from.
CREATE TABLE api_events (
    host       TEXT NOT NULL,
    id         BIGINT NOT NULL,
    company_id BIGINT NOT NULL,
    name       TEXT NOT NULL,
    data       TEXT NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (host, id)
);
CREATE INDEX api_events_at ON api_events (at);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE messages (
    id           BIGSERIAL PRIMARY KEY,
    company_id   BIGINT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    direction    TEXT NOT NULL,
    wa_id        TEXT NOT NULL,
    chat         TEXT NOT NULL,
    sender       TEXT NOT NULL DEFAULT '',
    sender_alt   TEXT,
    sender_phone TEXT,
    push_name    TEXT,
    kind         TEXT NOT NULL,
    body         TEXT,
    quoted       TEXT,
    status       TEXT NOT NULL,
    reason       TEXT,
    idem_key     TEXT,
    expires_at   BIGINT,
    at           BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    announced    BOOLEAN NOT NULL DEFAULT true
);
CREATE UNIQUE INDEX messages_once ON messages (company_id, chat, sender, wa_id);
CREATE UNIQUE INDEX messages_idem ON messages (company_id, idem_key)
    WHERE idem_key IS NOT NULL;
CREATE INDEX messages_chat ON messages (company_id, chat, at);
CREATE INDEX messages_at ON messages (at);
CREATE INDEX messages_queued ON messages (company_id, status)
    WHERE status = 'queued';
CREATE INDEX messages_unannounced ON messages (at) WHERE NOT announced;
