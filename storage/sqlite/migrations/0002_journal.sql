-- 0002: fewer pages per write.
--
-- Under 0001 an earn wrote about 6.7 WAL pages, against 2.2 for a bare
-- insert-plus-upsert transaction. Most of the difference were page splits:
-- every earn inserted some 500 bytes of rows (receipt, entry, lot, order
-- record) in the middle of its member's range, among pages that earlier
-- splits had left nearly full, and SQLite balances such a page with its
-- neighbours over and over, a few pages each time, before it adds one.
-- Now a write's entries, receipt and order records are appended to
-- loyalty_journal, a rowid table that only grows at its end, where SQLite
-- adds a page without touching the others; its member's range of
-- loyalty_ledger takes only small rows next to the member's row. Also:
--
--   - the member's row holds its points balance (available, pending; NULL
--     for none): every earn moves it with the member's version, in one
--     UPDATE instead of two; balances of other accounts keep rows (part 1);
--   - the open lots come before the member's row, oldest first, so that a
--     new lot lands next to it;
--   - the fingerprint of a write's request is kept with its receipt,
--     which leaves loyalty_writes rows of a key, a member and a version.
--
-- loyalty_ledger, (member_id, part, name, seq) PK, a member's parts in key
-- order:
--
--   -1  open lots: seq = lot ID
--    0  the member: profile, version, next_due, points balance
--    1  balances of other accounts: name = account
--    2  counters: name
--    3  order IDs: name = order ID; journal = the journal row of its record
--    4  writes, newest first: seq = minus the version; journal and
--       journal_last = its first and last journal rows
--    6  redemption records: name = redemption ID; record
--
-- loyalty_journal, one row per entry (idx 0, 1, ...) of a write, in order;
-- the write's receipt, fingerprint and first order record are in its first
-- row, which is a row of its own (idx -1) when the write has no entries;
-- further order records have rows of their own (idx -2, -3, ...). An order
-- record is not updated where it is: a write that changes it writes it
-- again, and its order ID row points to the new one. Order records of 0001
-- move to rows of version 0 (no write makes version 0), idx -2.

CREATE TABLE loyalty_journal (
	id           INTEGER PRIMARY KEY,
	member_id    TEXT    NOT NULL,
	version      INTEGER NOT NULL, -- of the write that appended it
	idx          INTEGER NOT NULL, -- an entry's place in its write; < 0 for rows without an entry
	account      TEXT,    -- entry
	ref          TEXT,    -- entry
	kind         TEXT,    -- entry
	amount       INTEGER, -- entry: change to the available balance
	pending      INTEGER, -- entry: change to the pending balance
	at           INTEGER, -- entry
	key          TEXT,    -- entry: the idempotency key of its write
	source       TEXT,    -- entry
	lot          INTEGER, -- entry
	rate         TEXT,    -- entry
	note         TEXT,    -- entry
	receipt      TEXT,    -- first row of a write: loyalty.Receipt as JSON
	fingerprint  TEXT,    -- first row of a write: the fingerprint of its request
	order_record TEXT     -- loyalty.OrderRecord as JSON
);

CREATE TABLE loyalty_ledger_0002 (
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
	record       TEXT,    -- redemption: loyalty.RedemptionRecord as JSON
	journal      INTEGER, -- order ID: its record's row; write: its first row
	journal_last INTEGER, -- write: its last row
	PRIMARY KEY (member_id, part, name, seq)
) WITHOUT ROWID;

-- Finds each receipt's idempotency record while rows are copied (dropped
-- with the table).
CREATE INDEX loyalty_writes_by_version ON loyalty_writes (member_id, version);

-- Each write's rows in order, so that they take consecutive IDs: its
-- receipt (a row of its own in 0001, idx -1), then its entries.
INSERT INTO loyalty_journal (member_id, version, idx, account, ref, kind, amount, pending, at, key, source, lot, rate,
	note, receipt, fingerprint)
SELECT l.member_id, l.seq, l.idx, l.account, l.ref, l.kind, l.amount, l.pending, l.at, l.key, l.source, l.lot, l.rate,
	l.note, CASE l.idx WHEN -1 THEN l.record END, CASE l.idx WHEN -1 THEN w.fingerprint END
FROM loyalty_ledger AS l
LEFT JOIN loyalty_writes AS w ON l.idx = -1 AND w.member_id = l.member_id AND w.version = l.seq
WHERE l.part = 4
ORDER BY l.member_id, l.seq, l.idx;

-- Order records last, in the order of their IDs, so that the k-th of n
-- takes the ID max(id) - n + k.
INSERT INTO loyalty_journal (member_id, version, idx, order_record)
SELECT member_id, 0, -2, record FROM loyalty_ledger WHERE part = 5 ORDER BY member_id, name;

INSERT INTO loyalty_ledger_0002 (member_id, part, name, seq, account, remaining, earned_at, expires_at, activates_at, ref,
	profile, version, next_due, available, pending, period, value, record, journal, journal_last)
SELECT l.member_id, CASE l.part WHEN 3 THEN -1 ELSE l.part END, l.name, l.seq,
	l.account, l.remaining, l.earned_at, l.expires_at, l.activates_at, l.ref,
	l.profile, l.version, l.next_due,
	CASE l.part WHEN 0 THEN p.available ELSE l.available END, CASE l.part WHEN 0 THEN p.pending ELSE l.pending END,
	l.period, l.value, l.record, NULL, NULL
FROM loyalty_ledger AS l
LEFT JOIN loyalty_ledger AS p
	ON l.part = 0 AND p.member_id = l.member_id AND p.part = 1 AND p.name = 'points' AND p.seq = 0 AND p.idx = 0
WHERE l.part IN (0, 1, 2, 3, 6) AND NOT (l.part = 1 AND l.name = 'points');

INSERT INTO loyalty_ledger_0002 (member_id, part, name, seq, journal, journal_last)
SELECT member_id, 4, '', -version, min(id), max(id) FROM loyalty_journal WHERE version > 0 GROUP BY member_id, version;

INSERT INTO loyalty_ledger_0002 (member_id, part, name, seq, journal)
SELECT member_id, 3, name, 0, (SELECT max(id) FROM loyalty_journal)
	- (SELECT count(*) FROM loyalty_ledger WHERE part = 5) + row_number() OVER (ORDER BY member_id, name)
FROM loyalty_ledger WHERE part = 5;

DROP VIEW loyalty_members;
DROP VIEW loyalty_balances;
DROP VIEW loyalty_counters;
DROP VIEW loyalty_lots;
DROP VIEW loyalty_entries;
DROP VIEW loyalty_receipts;
DROP VIEW loyalty_orders;
DROP VIEW loyalty_redemptions;
DROP TABLE loyalty_ledger;
ALTER TABLE loyalty_ledger_0002 RENAME TO loyalty_ledger;

-- One row per committed write: the idempotency record. Its receipt is in
-- the first journal row of the ledger row (member_id, 4, '', -version).
CREATE TABLE loyalty_writes_0002 (
	key       TEXT    NOT NULL PRIMARY KEY,
	member_id TEXT    NOT NULL,
	version   INTEGER NOT NULL -- the member version the write produced
) WITHOUT ROWID;
INSERT INTO loyalty_writes_0002 (key, member_id, version) SELECT key, member_id, version FROM loyalty_writes;
DROP TABLE loyalty_writes;
ALTER TABLE loyalty_writes_0002 RENAME TO loyalty_writes;

CREATE VIEW loyalty_members AS
	SELECT member_id, profile, version, next_due FROM loyalty_ledger WHERE part = 0;

CREATE VIEW loyalty_balances AS
	SELECT member_id, 'points' AS account, available, pending FROM loyalty_ledger WHERE part = 0 AND available IS NOT NULL
	UNION ALL
	SELECT member_id, name AS account, available, pending FROM loyalty_ledger WHERE part = 1;

CREATE VIEW loyalty_counters AS
	SELECT member_id, name, period, value FROM loyalty_ledger WHERE part = 2;

CREATE VIEW loyalty_lots AS
	SELECT member_id, seq AS lot_id, account, remaining, earned_at, expires_at, activates_at, ref
	FROM loyalty_ledger WHERE part = -1;

CREATE VIEW loyalty_entries AS
	SELECT member_id, version, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note
	FROM loyalty_journal WHERE idx >= 0;

CREATE VIEW loyalty_receipts AS
	SELECT member_id, version, receipt, fingerprint FROM loyalty_journal WHERE receipt IS NOT NULL;

CREATE VIEW loyalty_orders AS
	SELECT o.member_id, o.name AS order_id, j.order_record AS record
	FROM loyalty_ledger AS o JOIN loyalty_journal AS j ON j.id = o.journal
	WHERE o.part = 3;

CREATE VIEW loyalty_redemptions AS
	SELECT member_id, name AS redemption_id, record FROM loyalty_ledger WHERE part = 6;
