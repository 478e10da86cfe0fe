-- The hosts running `walink serve` on this database, how many sessions each
-- takes at most, and when each last renewed its leases.
CREATE TABLE hosts (
    id       TEXT PRIMARY KEY,
    capacity INTEGER NOT NULL CHECK (capacity >= 0),
    seen     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row a company: the host that runs its session, the epoch it took the
-- lease in (one more at every take), until when it holds it, and the host a
-- graceful move hands it to. Every time is the database's own clock.
CREATE TABLE leases (
    company TEXT PRIMARY KEY,
    host    TEXT REFERENCES hosts (id) ON DELETE SET NULL,
    epoch   BIGINT NOT NULL DEFAULT 0,
    expires TIMESTAMPTZ,
    wanted  TEXT
);
CREATE INDEX leases_host ON leases (host);

-- Fencing: a write of a session's state calls this first, in its own
-- transaction. It passes only while `h` holds `c`'s lease in epoch `e`, and
-- its share lock keeps another host from taking the lease until the write
-- commits; a host that lost the lease gets SQLSTATE WL001 instead.
CREATE FUNCTION walink_fence(c TEXT, h TEXT, e BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM leases
    WHERE company = c AND host = h AND epoch = e AND expires > now()
    FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the lease of % in epoch % is not held by %', c, e, h
            USING ERRCODE = 'WL001';
    END IF;
END
$$;
