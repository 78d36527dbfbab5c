-- 0007: the members due, by an index (loyalty.DueLister, issue 16).
--
-- Engine.RunJobs asks only for the members with something due by an
-- instant: a member whose next_due (its earliest lot activation or expiry)
-- is not after it, or who holds an open grant whose ExpiresAt is not after
-- it. Two partial indexes hold only such rows, in due order, so that
-- MembersDue reads the members due, not every member:
--
--   members_due  members with a next_due
--   grants_due   open grants, by grant_expires_at(record): a grant's
--                ExpiresAt is in its JSON record only, and the index keeps
--                it, computed when the row is written (by commit_change, as
--                before: no column to fill, no function to change) and, for
--                the grants written before 0007, when the index is built
--
-- Both include member_id, so that a listing reads the index alone. Building
-- them takes a lock that holds writes to members and grants back until the
-- migration commits (one pass over each table).

-- grant_expires_at is a grant record's ExpiresAt, NULL for never. The
-- record is Go's encoding/json of a loyalty.Grant, its time in RFC 3339
-- with a zone offset: the cast reads the same instant whatever the
-- session's TimeZone, so the function is immutable as an index needs.
-- Fraction digits past the sixth are dropped, not rounded, so that the
-- stored instant is never after the grant's (a member is listed, never
-- left out); year 0 (which PostgreSQL refuses) reads as -infinity, due.
CREATE FUNCTION {schema}.grant_expires_at(record json) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
	SELECT CASE
		WHEN e IS NULL OR e = '0001-01-01T00:00:00Z' THEN NULL
		WHEN left(e, 4) = '0000' THEN '-infinity'::timestamptz
		ELSE regexp_replace(e, '(\.[0-9]{6})[0-9]+', '\1')::timestamptz
	END
	FROM (SELECT record ->> 'ExpiresAt' AS e) AS g
$$;

CREATE INDEX members_due ON {schema}.members (program, next_due) INCLUDE (member_id) WHERE next_due IS NOT NULL;

CREATE INDEX grants_due ON {schema}.grants (program, {schema}.grant_expires_at(record)) INCLUDE (member_id)
	WHERE status = 'open';
