-- 0001: the loyalty ledger.
--
-- A member's current state and history are one range of one table,
-- loyalty_ledger, clustered by member: the member row, balances, counters,
-- open lots, the ledger entries with each write's receipt, and the order and
-- redemption records. A write then changes a few pages of it instead of a
-- page in each of several tables, and a Load is one range scan. The views
-- below present the parts as the tables they are. Only the idempotency keys,
-- looked up by key alone, have a table of their own, with small rows.
--
-- Times are unix microseconds (UTC); NULL is the zero time. JSON columns hold
-- encoding/json documents of mirrors of the root package's types with short
-- names and no zero fields (see codec.go).

CREATE TABLE loyalty_ledger (
	member_id    TEXT    NOT NULL,
	-- part: 0 member, 1 balance, 2 counter, 3 lot, 4 entry (idx >= 0) and
	-- receipt (idx = -1, just before its write's entries), 5 order record,
	-- 6 redemption record. (name, seq, idx) identify the row within its part.
	part         INTEGER NOT NULL,
	name         TEXT    NOT NULL DEFAULT '', -- account of a balance, name of a counter, order or redemption ID
	seq          INTEGER NOT NULL DEFAULT 0,  -- lot ID; the version of an entry's or receipt's write
	idx          INTEGER NOT NULL DEFAULT 0,  -- an entry's place in its write; -1 for the receipt
	profile      TEXT,    -- member: loyalty.Member as JSON
	version      INTEGER, -- member: bumped by every write
	next_due     INTEGER, -- member: earliest lot activation or expiry
	available    INTEGER, -- balance
	pending      INTEGER, -- balance; entry: change to the pending balance
	period       TEXT,    -- counter
	value        INTEGER, -- counter
	account      TEXT,    -- lot, entry
	remaining    INTEGER CHECK (remaining > 0), -- lot: a lot that reaches zero is deleted
	earned_at    INTEGER, -- lot
	expires_at   INTEGER, -- lot
	activates_at INTEGER, -- lot
	ref          TEXT,    -- lot, entry
	key          TEXT,    -- entry: the idempotency key of its write
	kind         TEXT,    -- entry
	amount       INTEGER, -- entry: change to the available balance
	at           INTEGER, -- entry
	source       TEXT,    -- entry
	lot          INTEGER, -- entry
	rate         TEXT,    -- entry
	note         TEXT,    -- entry
	record       TEXT,    -- receipt, order, redemption: as JSON
	PRIMARY KEY (member_id, part, name, seq DESC, idx DESC)
) WITHOUT ROWID;

-- One row per committed write: the idempotency record. Its receipt is the
-- ledger row (member_id, 4, '', version, -1).
CREATE TABLE loyalty_writes (
	key         TEXT    NOT NULL PRIMARY KEY,
	fingerprint TEXT    NOT NULL,
	member_id   TEXT    NOT NULL,
	version     INTEGER NOT NULL -- the member version the write produced
) WITHOUT ROWID;

CREATE VIEW loyalty_members AS
	SELECT member_id, profile, version, next_due FROM loyalty_ledger WHERE part = 0;

CREATE VIEW loyalty_balances AS
	SELECT member_id, name AS account, available, pending FROM loyalty_ledger WHERE part = 1;

CREATE VIEW loyalty_counters AS
	SELECT member_id, name, period, value FROM loyalty_ledger WHERE part = 2;

CREATE VIEW loyalty_lots AS
	SELECT member_id, seq AS lot_id, account, remaining, earned_at, expires_at, activates_at, ref
	FROM loyalty_ledger WHERE part = 3;

CREATE VIEW loyalty_entries AS
	SELECT member_id, seq AS version, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note
	FROM loyalty_ledger WHERE part = 4 AND idx >= 0;

CREATE VIEW loyalty_receipts AS
	SELECT member_id, seq AS version, record AS receipt FROM loyalty_ledger WHERE part = 4 AND idx = -1;

CREATE VIEW loyalty_orders AS
	SELECT member_id, name AS order_id, record FROM loyalty_ledger WHERE part = 5;

CREATE VIEW loyalty_redemptions AS
	SELECT member_id, name AS redemption_id, record FROM loyalty_ledger WHERE part = 6;
