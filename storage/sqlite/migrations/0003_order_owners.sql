-- 0003: an order ID is unique in the store, whoever claims it.
--
-- loyalty_order_owners holds, for every order ID, the member whose order
-- record holds it. A write that records an order ID its member has no
-- record of claims it here (see Store.Commit); one already claimed by
-- another member is refused with loyalty.ErrDuplicate. Writes are
-- serialised, so of members racing with one order ID exactly one claims it.
--
-- A database written before 0003 may hold one order ID under several
-- members. It migrates all the same: the first keeps the ID, the first being
-- the member whose earn entry of it came first in the journal (rows copied
-- from 0001 keep their member order), then the member ID; the others keep
-- their order records, ledgers and returns as they were, but the ID is
-- claimed for nobody else.

CREATE TABLE loyalty_order_owners (
	order_id  TEXT NOT NULL PRIMARY KEY,
	member_id TEXT NOT NULL
) WITHOUT ROWID;

INSERT INTO loyalty_order_owners (order_id, member_id)
SELECT order_id, member_id FROM (
	SELECT o.name AS order_id, o.member_id,
		row_number() OVER (PARTITION BY o.name ORDER BY f.first IS NULL, f.first, o.member_id) AS n
	FROM loyalty_ledger AS o
	LEFT JOIN (
		SELECT member_id, ref, min(id) AS first FROM loyalty_journal WHERE kind = 'earn' AND idx >= 0 GROUP BY member_id, ref
	) AS f ON f.member_id = o.member_id AND f.ref = o.name
	WHERE o.part = 3
)
WHERE n = 1;
