-- Every session's keys, one company's rows beside every other's, in the
-- tables whatsapp-rust's storage traits need. A company's rows go with its
-- lease row. Writes pass the fence (walink_fence) in their transaction; times
-- are the Unix seconds whatsapp-rust passes or the database's own clock.

-- The device itself: whatsapp-rust's `Device`, as its own serde JSON.
CREATE TABLE key_device (
    company TEXT PRIMARY KEY REFERENCES leases (company) ON DELETE CASCADE,
    device  BYTEA NOT NULL
);

CREATE TABLE key_identities (
    company TEXT NOT NULL REFERENCES leases (company) ON DELETE CASCADE,
    address TEXT NOT NULL,
    key     BYTEA NOT NULL,
    PRIMARY KEY (company, address)
);

CREATE TABLE key_sessions (
    company TEXT NOT NULL REFERENCES leases (company) ON DELETE CASCADE,
    address TEXT NOT NULL,
    record  BYTEA NOT NULL,
    PRIMARY KEY (company, address)
);

CREATE TABLE key_prekeys (
    company  TEXT NOT NULL REFERENCES leases (company) ON DELETE CASCADE,
    id       INTEGER NOT NULL,
    key      BYTEA NOT NULL,
    uploaded BOOLEAN NOT NULL,
    PRIMARY KEY (company, id)
);

CREATE TABLE key_signed_prekeys (
    company TEXT NOT NULL REFERENCES leases (company) ON DELETE CASCADE,
    id      INTEGER NOT NULL,
    record  BYTEA NOT NULL,
    PRIMARY KEY (company, id)
);

CREATE TABLE key_sender_keys (
    company TEXT NOT NULL REFERENCES leases (company) ON DELETE CASCADE,
    address TEXT NOT NULL,
    record  BYTEA NOT NULL,
    PRIMARY KEY (company, address)
);

-- App state: sync keys (serde JSON), versions (serde JSON), mutation MACs.
CREATE TABLE key_app_state_keys (
    company TEXT NOT NULL REFERENCES leases (company) ON DELETE CASCADE,
    key_id  BYTEA NOT NULL,
    key     BYTEA NOT NULL,
    PRIMARY KEY (company, key_id)
);

CREATE TABLE key_app_state_versions (
    company TEXT NOT NULL REFERENCES leases (company) ON DELETE CASCADE,
    name    TEXT NOT NULL,
    state   BYTEA NOT NULL,
    PRIMARY KEY (company, name)
);

CREATE TABLE key_mutation_macs (
    company   TEXT NOT NULL REFERENCES leases (company) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    index_mac BYTEA NOT NULL,
    value_mac BYTEA NOT NULL,
    version   BIGINT NOT NULL,
    PRIMARY KEY (company, name, index_mac)
);

CREATE TABLE key_sender_key_devices (
    company    TEXT NOT NULL REFERENCES leases (company) ON DELETE CASCADE,
    group_jid  TEXT NOT NULL,
    device_jid TEXT NOT NULL,
    has_key    BOOLEAN NOT NULL,
    PRIMARY KEY (company, group_jid, device_jid)
);

CREATE TABLE key_lid_pn (
    company         TEXT NOT NULL REFERENCES leases (company) ON DELETE CASCADE,
    lid             TEXT NOT NULL,
    phone_number    TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    learning_source TEXT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (company, lid)
);
CREATE INDEX key_lid_pn_phone ON key_lid_pn (company, phone_number);

CREATE TABLE key_base_keys (
    company    TEXT NOT NULL REFERENCES leases (company) ON DELETE CASCADE,
    address    TEXT NOT NULL,
    message_id TEXT NOT NULL,
    base_key   BYTEA NOT NULL,
    PRIMARY KEY (company, address, message_id)
);

CREATE TABLE key_device_lists (
    company   TEXT NOT NULL REFERENCES leases (company) ON DELETE CASCADE,
    user_id   TEXT NOT NULL,
    devices   TEXT NOT NULL,
    timestamp BIGINT NOT NULL,
    phash     TEXT,
    raw_id    BIGINT,
    PRIMARY KEY (company, user_id)
);

CREATE TABLE key_group_metadata (
    company   TEXT NOT NULL REFERENCES leases (company) ON DELETE CASCADE,
    group_jid TEXT NOT NULL,
    info      BYTEA NOT NULL,
    PRIMARY KEY (company, group_jid)
);

CREATE TABLE key_tc_tokens (
    company          TEXT NOT NULL REFERENCES leases (company) ON DELETE CASCADE,
    jid              TEXT NOT NULL,
    token            BYTEA NOT NULL,
    token_timestamp  BIGINT NOT NULL,
    sender_timestamp BIGINT,
    PRIMARY KEY (company, jid)
);

CREATE TABLE key_sent_messages (
    company    TEXT NOT NULL REFERENCES leases (company) ON DELETE CASCADE,
    chat_jid   TEXT NOT NULL,
    message_id TEXT NOT NULL,
    payload    BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (company, chat_jid, message_id)
);

CREATE TABLE key_msg_secrets (
    company    TEXT NOT NULL REFERENCES leases (company) ON DELETE CASCADE,
    chat       TEXT NOT NULL,
    sender     TEXT NOT NULL,
    msg_id     TEXT NOT NULL,
    secret     BYTEA NOT NULL,
    expires_at BIGINT NOT NULL,
    message_ts BIGINT NOT NULL,
    PRIMARY KEY (company, chat, sender, msg_id)
);

CREATE TABLE key_pending_inbound (
    company     TEXT NOT NULL REFERENCES leases (company) ON DELETE CASCADE,
    chat        TEXT NOT NULL,
    sender      TEXT NOT NULL,
    id          TEXT NOT NULL,
    message     BYTEA NOT NULL,
    inserted_at BIGINT NOT NULL,
    PRIMARY KEY (company, chat, sender, id)
);
