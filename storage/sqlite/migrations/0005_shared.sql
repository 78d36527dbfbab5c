-- 0005: state shared by the members of a program (loyalty.SharedStore).
--
-- A member's write that claims from a shared counter, reserves or uses a
-- code changes one small row here besides its member's rows, in the same
-- transaction; writes are serialised, so of members racing for the last
-- unit of a counter exactly one takes it.

-- Shared counters with a limit, and what each period of one claimed
-- ('' for all time). A period never claimed from has no row.
CREATE TABLE loyalty_shared_counters (
	program TEXT    NOT NULL,
	name    TEXT    NOT NULL,
	lim     INTEGER NOT NULL CHECK (lim >= 0),
	PRIMARY KEY (program, name)
) WITHOUT ROWID;

CREATE TABLE loyalty_shared_periods (
	program    TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	period_key TEXT    NOT NULL,
	claimed    INTEGER NOT NULL CHECK (claimed >= 0),
	PRIMARY KEY (program, name, period_key)
) WITHOUT ROWID;

-- Unique codes of a program; a lookup by code is a probe of the key.
CREATE TABLE loyalty_codes (
	program    TEXT    NOT NULL,
	code       TEXT    NOT NULL,
	kind       TEXT    NOT NULL DEFAULT '',
	owner      TEXT    NOT NULL DEFAULT '',
	ref        TEXT    NOT NULL DEFAULT '',
	max_uses   INTEGER NOT NULL DEFAULT 0, -- 0: no limit
	uses       INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0),
	void       INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER, -- unix microseconds; NULL for the zero time
	expires_at INTEGER,
	PRIMARY KEY (program, code)
) WITHOUT ROWID;
