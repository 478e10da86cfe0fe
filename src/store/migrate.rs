//! Schema steps keyed by `PRAGMA user_version`. Append only: a released
//! step is never edited, a change is a new step.

use rusqlite::Connection;

use super::StoreError;

const STEPS: &[&str] = &[
    // 1: the first schema.
    "CREATE TABLE companies (
        id          INTEGER PRIMARY KEY,
        slug        TEXT NOT NULL UNIQUE,
        name        TEXT NOT NULL,
        created_at  INTEGER NOT NULL
     );
     CREATE TABLE sessions (
        company_id   INTEGER PRIMARY KEY REFERENCES companies(id) ON DELETE CASCADE,
        phone        TEXT,
        jid          TEXT,
        push_name    TEXT,
        state        TEXT NOT NULL DEFAULT 'not_linked',
        state_detail TEXT,
        since        INTEGER NOT NULL,
        session_file TEXT NOT NULL
     );
     CREATE TABLE link_attempts (
        id             INTEGER PRIMARY KEY,
        company_id     INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        phone          TEXT,
        method         TEXT NOT NULL,
        started_at     INTEGER NOT NULL,
        outcome        TEXT NOT NULL DEFAULT 'pending',
        cooldown_until INTEGER,
        forced         INTEGER NOT NULL DEFAULT 0
     );
     CREATE INDEX link_attempts_phone ON link_attempts(phone, started_at);
     CREATE INDEX link_attempts_company ON link_attempts(company_id, started_at);
     CREATE TABLE events (
        id         INTEGER PRIMARY KEY,
        company_id INTEGER REFERENCES companies(id) ON DELETE CASCADE,
        at         INTEGER NOT NULL,
        kind       TEXT NOT NULL,
        detail     TEXT NOT NULL DEFAULT ''
     );
     CREATE INDEX events_company ON events(company_id, at);",
    // 2: API tokens, kept only as SHA-256 hashes.
    "CREATE TABLE api_tokens (
        id           INTEGER PRIMARY KEY,
        hash         TEXT NOT NULL UNIQUE,
        scope        TEXT NOT NULL,
        company_id   INTEGER REFERENCES companies(id) ON DELETE CASCADE,
        note         TEXT NOT NULL DEFAULT '',
        created_at   INTEGER NOT NULL,
        last_used_at INTEGER,
        expires_at   INTEGER,
        revoked_at   INTEGER
     );",
    // 3: webhooks and their durable outbox.
    "CREATE TABLE webhooks (
        id           INTEGER PRIMARY KEY,
        url          TEXT NOT NULL,
        company_id   INTEGER REFERENCES companies(id) ON DELETE CASCADE,
        events       TEXT NOT NULL DEFAULT '',
        secret       TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        disabled_at  INTEGER,
        disabled_why TEXT
     );
     CREATE TABLE webhook_outbox (
        id          INTEGER PRIMARY KEY,
        webhook_id  INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        company_id  INTEGER,
        event       TEXT NOT NULL,
        body        TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        next_at     INTEGER NOT NULL,
        done_at     INTEGER,
        outcome     TEXT
     );
     CREATE INDEX webhook_outbox_due ON webhook_outbox(done_at, next_at);",
    // 4: the API's events, so a reader resumes after a restart.
    "CREATE TABLE api_events (
        id         INTEGER PRIMARY KEY,
        company_id INTEGER NOT NULL,
        name       TEXT NOT NULL,
        data       TEXT NOT NULL,
        at         INTEGER NOT NULL
     );
     CREATE INDEX api_events_at ON api_events(at);",
    // 5: invitations (hashes only) and settings such as the public URL.
    "CREATE TABLE invitations (
        id          INTEGER PRIMARY KEY,
        hash        TEXT NOT NULL UNIQUE,
        company_id  INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        phone       TEXT,
        method      TEXT NOT NULL,
        created_by  TEXT NOT NULL DEFAULT '',
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL,
        used_at     INTEGER,
        revoked_at  INTEGER
     );
     CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
     );",
    // 6: a company's id is never given again (its events are keyed by
    // it: a new company must not inherit a removed one's), and removing a
    // company takes its API events with it. Webhooks may carry whole
    // numbers, off by default.
    "CREATE TABLE company_ids (floor INTEGER NOT NULL);
     INSERT INTO company_ids SELECT MAX(
        COALESCE((SELECT MAX(id) FROM companies), 0),
        COALESCE((SELECT MAX(company_id) FROM api_events), 0));
     CREATE TRIGGER company_removed AFTER DELETE ON companies BEGIN
        UPDATE company_ids SET floor = MAX(floor, old.id);
        DELETE FROM api_events WHERE company_id = old.id;
     END;
     ALTER TABLE webhooks ADD COLUMN whole_numbers INTEGER NOT NULL DEFAULT 0;",
    // 7: a failure's event keeps its reason key and the raw cause beside
    // the sentence a person reads.
    "ALTER TABLE events ADD COLUMN reason TEXT;
     ALTER TABLE events ADD COLUMN raw TEXT;",
    // 8: the invitation a page's attempt came through, so the engine uses
    // it up when the attempt links, even across a restart.
    "ALTER TABLE link_attempts ADD COLUMN invitation_id INTEGER
        REFERENCES invitations(id) ON DELETE SET NULL;",
    // 9: the messages a linked number received and sent. One row per
    // (company, chat, sender, id): a replayed delivery finds its row. An
    // outbound row is its own queue until it is sent or expires.
    "CREATE TABLE messages (
        id          INTEGER PRIMARY KEY,
        company_id  INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        direction   TEXT NOT NULL,
        wa_id       TEXT NOT NULL,
        chat        TEXT NOT NULL,
        sender      TEXT NOT NULL DEFAULT '',
        sender_alt  TEXT,
        sender_phone TEXT,
        push_name   TEXT,
        kind        TEXT NOT NULL,
        body        TEXT,
        quoted      TEXT,
        status      TEXT NOT NULL,
        reason      TEXT,
        idem_key    TEXT,
        expires_at  INTEGER,
        at          INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
     );
     CREATE UNIQUE INDEX messages_once ON messages(company_id, chat, sender, wa_id);
     CREATE UNIQUE INDEX messages_idem ON messages(company_id, idem_key)
        WHERE idem_key IS NOT NULL;
     CREATE INDEX messages_chat ON messages(company_id, chat, at);
     CREATE INDEX messages_at ON messages(at);
     CREATE INDEX messages_queued ON messages(company_id, status)
        WHERE status = 'queued';",
    // 10: an inbound message is announced once its webhook deliveries are
    // in the outbox; one kept but not announced (a crash between the two)
    // is announced at the next start. Rows from before were announced.
    "ALTER TABLE messages ADD COLUMN announced INTEGER NOT NULL DEFAULT 1;
     CREATE INDEX messages_unannounced ON messages(at) WHERE announced = 0;",
    // 11: a company's own settings. NULL is "as walink serve says": its
    // --proxy, --country and send limits. `proxy` is 'none' or the full
    // address (password included: the file is 0600, like the keys).
    "ALTER TABLE companies ADD COLUMN proxy TEXT;
     ALTER TABLE companies ADD COLUMN country TEXT;
     ALTER TABLE companies ADD COLUMN note TEXT NOT NULL DEFAULT '';
     ALTER TABLE companies ADD COLUMN send_per_minute INTEGER;
     ALTER TABLE companies ADD COLUMN new_chats_per_day INTEGER;",
];

pub fn run(conn: &mut Connection) -> Result<(), StoreError> {
    let known = STEPS.len() as i64;
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > known {
        return Err(StoreError::TooNew { found, known });
    }
    for (i, step) in STEPS.iter().enumerate().skip(found as usize) {
        // One transaction per step: a crash leaves the file at a step boundary.
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
