-- 0005: what AggregateLedger (package economics' KPIs) reads instead of every
-- entry, kept by the database itself, with the rows written before it
-- summed in (backfill).
--
--   entry_days        the entries summed by program, UTC day, account, kind
--                     and source: one row per key, folded from
--                     entry_day_deltas by AggregateLedger;
--   entry_day_deltas  what each INSERT into entries adds to those sums, one
--                     row per statement and key, appended by a trigger. No
--                     writer updates a shared row, so writers of different
--                     members never wait for each other or conflict under
--                     SERIALIZABLE; a report reads entry_days plus the
--                     deltas not folded yet, in one snapshot, so it is exact
--                     whether or not they were folded;
--   member_months     per program, UTC month and member, the days of the
--                     month (bit d-1 for day d) on which the member earned or
--                     redeemed (any account but rewards): the active members.
--                     A member's row is only written by the member's own
--                     commits, which the member's version already serialises;
--   entries_at        entries by time, for the UTC days a period's bound cuts
--                     (a program in New York starts its months at 05:00 UTC):
--                     those days are read entry by entry, so any bound gives
--                     exact sums;
--   members.joined_at, orders.placed_at/currency/scale/value/returned
--                     the JSON fields the report groups by, stored once at
--                     write time (generated columns) instead of parsed from
--                     every row at every report.
--
-- Entries are append-only (no statement updates or deletes them), so an
-- INSERT trigger sees every change to the sums.

-- The tables in the order commit_change takes them, so no commit in flight
-- deadlocks with the migration; nothing is written in between the backfill
-- and the trigger.
LOCK TABLE {schema}.members, {schema}.entries, {schema}.orders IN ACCESS EXCLUSIVE MODE;

-- An RFC 3339 time as encoding/json writes it (always with Z or an offset,
-- so neither TimeZone nor DateStyle changes the result: immutable).
CREATE FUNCTION {schema}.json_time(t text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT t::timestamptz $$;

ALTER TABLE {schema}.members
	ADD COLUMN joined_at timestamptz GENERATED ALWAYS AS ({schema}.json_time(profile->>'JoinedAt')) STORED;
ALTER TABLE {schema}.orders
	ADD COLUMN placed_at timestamptz GENERATED ALWAYS AS ({schema}.json_time(record->>'PlacedAt')) STORED,
	ADD COLUMN currency text GENERATED ALWAYS AS (record->>'Currency') STORED,
	ADD COLUMN scale integer GENERATED ALWAYS AS ((record->>'Scale')::integer) STORED,
	ADD COLUMN value bigint GENERATED ALWAYS AS ((record->>'Value')::bigint) STORED,
	ADD COLUMN returned bigint GENERATED ALWAYS AS ((record->>'ReturnedValue')::bigint) STORED;

CREATE INDEX entries_at ON {schema}.entries (program, at);

-- day is midnight UTC of the entry's at; '-infinity' for an entry of no
-- time (at NULL), which lies before every period.
CREATE TABLE {schema}.entry_days (
	program text        NOT NULL,
	day     timestamptz NOT NULL,
	account text        NOT NULL,
	kind    text        NOT NULL,
	source  text        NOT NULL,
	amount  bigint      NOT NULL, -- sum of amount
	pending bigint      NOT NULL, -- sum of pending
	credits bigint      NOT NULL, -- sum of amount+pending where positive
	n       bigint      NOT NULL, -- entries
	PRIMARY KEY (program, day, account, kind, source)
);

CREATE TABLE {schema}.entry_day_deltas (LIKE {schema}.entry_days);
CREATE INDEX entry_day_deltas_program ON {schema}.entry_day_deltas (program);

CREATE TABLE {schema}.member_months (
	program   text        NOT NULL,
	month     timestamptz NOT NULL, -- the first of the month, midnight UTC
	member_id text        NOT NULL,
	days      integer     NOT NULL, -- bit d-1: active on day d (UTC)
	PRIMARY KEY (program, month, member_id)
);

INSERT INTO {schema}.entry_days (program, day, account, kind, source, amount, pending, credits, n)
SELECT program, coalesce(date_trunc('day', at, 'UTC'), '-infinity'), account, kind, source,
	sum(amount), sum(pending), sum(greatest(amount + pending, 0)), count(*)
FROM {schema}.entries GROUP BY 1, 2, 3, 4, 5;

INSERT INTO {schema}.member_months (program, month, member_id, days)
SELECT program, date_trunc('month', at, 'UTC'), member_id, bit_or(1 << (extract(day FROM at AT TIME ZONE 'UTC')::integer - 1))
FROM {schema}.entries WHERE at IS NOT NULL AND kind IN ('earn', 'redeem') AND account <> 'rewards'
GROUP BY 1, 2, 3;

CREATE FUNCTION {schema}.entries_summarise() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO {schema}.entry_day_deltas (program, day, account, kind, source, amount, pending, credits, n)
	SELECT program, coalesce(date_trunc('day', at, 'UTC'), '-infinity'), account, kind, source,
		sum(amount), sum(pending), sum(greatest(amount + pending, 0)), count(*)
	FROM new_entries GROUP BY 1, 2, 3, 4, 5;
	INSERT INTO {schema}.member_months AS m (program, month, member_id, days)
	SELECT program, date_trunc('month', at, 'UTC'), member_id, bit_or(1 << (extract(day FROM at AT TIME ZONE 'UTC')::integer - 1))
	FROM new_entries WHERE at IS NOT NULL AND kind IN ('earn', 'redeem') AND account <> 'rewards'
	GROUP BY 1, 2, 3
	ON CONFLICT (program, month, member_id) DO UPDATE SET days = m.days | excluded.days
		WHERE m.days | excluded.days <> m.days;
	RETURN NULL;
END
$$;

CREATE TRIGGER entries_summarise AFTER INSERT ON {schema}.entries
	REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION {schema}.entries_summarise();
