-- 0006: the members due, by an index (loyalty.DueLister, issue 16).
--
-- Engine.RunJobs asks only for the members with something due by an
-- instant: a member row whose next_due (its earliest lot activation or
-- expiry) is not after it, or an open grant whose ExpiresAt is not after
-- it. Both are read from partial indexes that hold only such rows, in due
-- order, so a listing reads the members due, not every member:
--
--   loyalty_ledger_next_due      member rows with a next_due
--   loyalty_ledger_grant_expiry  open grants that expire; a grant's row
--                                (part 5) now keeps its ExpiresAt in the
--                                expires_at column too (unix microseconds,
--                                NULL for never), written with its record.
--                                status is a column of it only so that the
--                                listing reads the index alone (SQLite does
--                                not take status = 'open' from the index's
--                                WHERE): five times faster
--   loyalty_ledger_members       every member row, by ID: MembersDue counts
--                                the members it passed over from these
--                                small entries, not from the ledger's
--                                member ranges
--
-- The grants written before 0006 get their expires_at from their record,
-- exactly to the microsecond (Go writes RFC 3339 with up to nine fraction
-- digits; SQLite's own date functions keep only three). A record whose
-- time does not parse reads as the epoch, so that its member is listed,
-- never left out.

UPDATE loyalty_ledger AS l SET expires_at = g.micros
FROM (
	SELECT program, member_id, name, CASE
		WHEN x IS NULL OR x = '0001-01-01T00:00:00Z' THEN NULL
		ELSE coalesce(unixepoch(substr(x, 1, 19) || substr(x, length(x) - z + 1)) * 1000000
			+ CASE WHEN substr(x, 20, 1) = '.'
				THEN CAST(substr(substr(x, 21, length(x) - 20 - z) || '000000', 1, 6) AS INTEGER)
				ELSE 0 END, 0)
		END AS micros
	FROM (
		SELECT program, member_id, name, x, CASE WHEN x LIKE '%Z' THEN 1 ELSE 6 END AS z
		FROM (SELECT program, member_id, name, json_extract(record, '$.ExpiresAt') AS x FROM loyalty_ledger WHERE part = 5)
	)
) AS g
WHERE l.program = g.program AND l.member_id = g.member_id AND l.part = 5 AND l.name = g.name AND l.seq = 0;

CREATE INDEX loyalty_ledger_next_due ON loyalty_ledger (program, next_due, member_id)
	WHERE part = 0 AND next_due IS NOT NULL;

CREATE INDEX loyalty_ledger_grant_expiry ON loyalty_ledger (program, expires_at, member_id, status)
	WHERE part = 5 AND status = 'open' AND expires_at IS NOT NULL;

CREATE INDEX loyalty_ledger_members ON loyalty_ledger (program, member_id) WHERE part = 0;
