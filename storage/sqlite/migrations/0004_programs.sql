-- 0004: programs side by side.
--
-- Every stored thing belongs to a program (loyalty.ProgramStore): the
-- ledger's clustered key starts with it, so each program's members are
-- ranges of their own, and a member's range stays one range, its rows as
-- close together as before (the key grows by the program ID, "default" for
-- most stores). Journal rows name their program; idempotency keys and order
-- IDs are unique per program. The ledger that existed before becomes the
-- ledger of program 'default' (loyalty.DefaultProgram), row for row.
--
-- loyalty_ledger also gains part 5, a member's grants (loyalty.Grant):
-- name = grant ID, record = the grant as JSON, status = its GrantStatus, so
-- that a Load lists the open ones from the member's range.

DROP VIEW loyalty_members;
DROP VIEW loyalty_balances;
DROP VIEW loyalty_counters;
DROP VIEW loyalty_lots;
DROP VIEW loyalty_entries;
DROP VIEW loyalty_receipts;
DROP VIEW loyalty_orders;
DROP VIEW loyalty_redemptions;

CREATE TABLE loyalty_ledger_0004 (
	program      TEXT    NOT NULL,
	member_id    TEXT    NOT NULL,
	part         INTEGER NOT NULL,
	name         TEXT    NOT NULL DEFAULT '',
	seq          INTEGER NOT NULL DEFAULT 0,
	account      TEXT,    -- lot
	remaining    INTEGER CHECK (remaining > 0), -- lot: a lot that reaches zero is deleted
	earned_at    INTEGER, -- lot
	expires_at   INTEGER, -- lot
	activates_at INTEGER, -- lot
	ref          TEXT,    -- lot
	profile      TEXT,    -- member: loyalty.Member as JSON
	version      INTEGER, -- member: bumped by every write
	next_due     INTEGER, -- member: earliest lot activation or expiry
	available    INTEGER, -- member: points; balance
	pending      INTEGER, -- member: points; balance
	period       TEXT,    -- counter
	value        INTEGER, -- counter
	record       TEXT,    -- redemption, grant: as JSON
	journal      INTEGER, -- order ID: its record's row; write: its first row
	journal_last INTEGER, -- write: its last row
	status       TEXT,    -- grant: its loyalty.GrantStatus
	PRIMARY KEY (program, member_id, part, name, seq)
) WITHOUT ROWID;

INSERT INTO loyalty_ledger_0004 (program, member_id, part, name, seq, account, remaining, earned_at, expires_at,
	activates_at, ref, profile, version, next_due, available, pending, period, value, record, journal, journal_last)
SELECT 'default', member_id, part, name, seq, account, remaining, earned_at, expires_at,
	activates_at, ref, profile, version, next_due, available, pending, period, value, record, journal, journal_last
FROM loyalty_ledger ORDER BY member_id, part, name, seq;

DROP TABLE loyalty_ledger;
ALTER TABLE loyalty_ledger_0004 RENAME TO loyalty_ledger;

-- A rowid table: the column is added in place, every row reading 'default'.
ALTER TABLE loyalty_journal ADD COLUMN program TEXT NOT NULL DEFAULT 'default';

CREATE TABLE loyalty_writes_0004 (
	program   TEXT    NOT NULL,
	key       TEXT    NOT NULL,
	member_id TEXT    NOT NULL,
	version   INTEGER NOT NULL, -- the member version the write produced
	PRIMARY KEY (program, key)
) WITHOUT ROWID;
INSERT INTO loyalty_writes_0004 (program, key, member_id, version)
SELECT 'default', key, member_id, version FROM loyalty_writes ORDER BY key;
DROP TABLE loyalty_writes;
ALTER TABLE loyalty_writes_0004 RENAME TO loyalty_writes;

CREATE TABLE loyalty_order_owners_0004 (
	program   TEXT NOT NULL,
	order_id  TEXT NOT NULL,
	member_id TEXT NOT NULL,
	PRIMARY KEY (program, order_id)
) WITHOUT ROWID;
INSERT INTO loyalty_order_owners_0004 (program, order_id, member_id)
SELECT 'default', order_id, member_id FROM loyalty_order_owners ORDER BY order_id;
DROP TABLE loyalty_order_owners;
ALTER TABLE loyalty_order_owners_0004 RENAME TO loyalty_order_owners;

CREATE VIEW loyalty_members AS
	SELECT program, member_id, profile, version, next_due FROM loyalty_ledger WHERE part = 0;

CREATE VIEW loyalty_balances AS
	SELECT program, member_id, 'points' AS account, available, pending FROM loyalty_ledger
	WHERE part = 0 AND available IS NOT NULL
	UNION ALL
	SELECT program, member_id, name AS account, available, pending FROM loyalty_ledger WHERE part = 1;

CREATE VIEW loyalty_counters AS
	SELECT program, member_id, name, period, value FROM loyalty_ledger WHERE part = 2;

CREATE VIEW loyalty_lots AS
	SELECT program, member_id, seq AS lot_id, account, remaining, earned_at, expires_at, activates_at, ref
	FROM loyalty_ledger WHERE part = -1;

CREATE VIEW loyalty_entries AS
	SELECT program, member_id, version, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note
	FROM loyalty_journal WHERE idx >= 0;

CREATE VIEW loyalty_receipts AS
	SELECT program, member_id, version, receipt, fingerprint FROM loyalty_journal WHERE receipt IS NOT NULL;

CREATE VIEW loyalty_orders AS
	SELECT o.program, o.member_id, o.name AS order_id, j.order_record AS record
	FROM loyalty_ledger AS o JOIN loyalty_journal AS j ON j.id = o.journal
	WHERE o.part = 3;

CREATE VIEW loyalty_redemptions AS
	SELECT program, member_id, name AS redemption_id, record FROM loyalty_ledger WHERE part = 6;

CREATE VIEW loyalty_grants AS
	SELECT program, member_id, name AS grant_id, status, record FROM loyalty_ledger WHERE part = 5;
