-- 0001: the loyalty ledger. Times are unix microseconds (UTC); NULL is the
-- zero time. JSON columns hold encoding/json documents of the root types.
-- Every member_id column refers to loyalty_members; the rows are written
-- only by the transaction that checked or created that member row, so the
-- reference holds without a foreign key check on every insert.

CREATE TABLE loyalty_members (
	member_id TEXT    NOT NULL PRIMARY KEY,
	profile   TEXT    NOT NULL,          -- loyalty.Member as JSON
	version   INTEGER NOT NULL CHECK (version > 0),
	next_due  INTEGER                    -- earliest lot activation or expiry
) WITHOUT ROWID;

CREATE TABLE loyalty_balances (
	member_id TEXT    NOT NULL,
	account   TEXT    NOT NULL,
	available INTEGER NOT NULL,
	pending   INTEGER NOT NULL,
	PRIMARY KEY (member_id, account)
) WITHOUT ROWID;

CREATE TABLE loyalty_entries (
	member_id TEXT    NOT NULL,
	version   INTEGER NOT NULL,
	idx       INTEGER NOT NULL,
	account   TEXT    NOT NULL,
	kind      TEXT    NOT NULL,
	amount    INTEGER NOT NULL,
	pending   INTEGER NOT NULL,
	at        INTEGER,
	key       TEXT    NOT NULL,
	source    TEXT    NOT NULL,
	ref       TEXT    NOT NULL,
	lot       INTEGER NOT NULL,
	rate      TEXT    NOT NULL,
	note      TEXT    NOT NULL,
	PRIMARY KEY (member_id, version, idx)
) WITHOUT ROWID;

-- Open lots only: a lot whose remaining reaches zero is deleted (the entries
-- that drew it name it in their lot column), so Load reads a member's lots
-- with one range of the primary key.
CREATE TABLE loyalty_lots (
	member_id    TEXT    NOT NULL,
	lot_id       INTEGER NOT NULL,
	account      TEXT    NOT NULL,
	remaining    INTEGER NOT NULL CHECK (remaining > 0),
	earned_at    INTEGER,
	expires_at   INTEGER,
	activates_at INTEGER,
	ref          TEXT    NOT NULL,
	PRIMARY KEY (member_id, lot_id)
) WITHOUT ROWID;

CREATE TABLE loyalty_counters (
	member_id TEXT    NOT NULL,
	name      TEXT    NOT NULL,
	period    TEXT    NOT NULL,
	value     INTEGER NOT NULL,
	PRIMARY KEY (member_id, name)
) WITHOUT ROWID;

CREATE TABLE loyalty_orders (
	member_id TEXT NOT NULL,
	order_id  TEXT NOT NULL,
	record    TEXT NOT NULL,                 -- loyalty.OrderRecord as JSON
	UNIQUE (member_id, order_id)
);

CREATE TABLE loyalty_redemptions (
	member_id     TEXT NOT NULL,
	redemption_id TEXT NOT NULL,
	record        TEXT NOT NULL,             -- loyalty.RedemptionRecord as JSON
	PRIMARY KEY (member_id, redemption_id)
) WITHOUT ROWID;

-- One row per committed write: the idempotency record.
CREATE TABLE loyalty_writes (
	key         TEXT    NOT NULL UNIQUE,
	fingerprint TEXT    NOT NULL,
	member_id   TEXT    NOT NULL,
	version     INTEGER NOT NULL,            -- the member version the write produced
	receipt     TEXT    NOT NULL             -- loyalty.Receipt as JSON
);
