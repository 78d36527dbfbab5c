-- 0001: the loyalty ledger. Every name is qualified with the store's schema
-- ({schema} is replaced by the quoted schema name). Times are timestamptz to
-- the microsecond; NULL is the zero time. jsonb columns hold encoding/json
-- documents of the root package's types.

CREATE TABLE {schema}.members (
	member_id text        NOT NULL PRIMARY KEY,
	profile   jsonb       NOT NULL,           -- loyalty.Member
	version   bigint      NOT NULL CHECK (version > 0),
	next_due  timestamptz                     -- earliest lot activation or expiry
) WITH (fillfactor = 80);

CREATE TABLE {schema}.balances (
	member_id text   NOT NULL,
	account   text   NOT NULL,
	available bigint NOT NULL,
	pending   bigint NOT NULL,
	PRIMARY KEY (member_id, account)
) WITH (fillfactor = 80);

CREATE TABLE {schema}.entries (
	member_id text        NOT NULL,
	version   bigint      NOT NULL,
	idx       integer     NOT NULL,
	account   text        NOT NULL,
	kind      text        NOT NULL,
	amount    bigint      NOT NULL,
	pending   bigint      NOT NULL,
	at        timestamptz,
	key       text        NOT NULL,
	source    text        NOT NULL,
	ref       text        NOT NULL,
	lot       bigint      NOT NULL,
	rate      text        NOT NULL,
	note      text        NOT NULL,
	PRIMARY KEY (member_id, version, idx)
);

CREATE TABLE {schema}.lots (
	member_id    text        NOT NULL,
	lot_id       bigint      NOT NULL,
	account      text        NOT NULL,
	remaining    bigint      NOT NULL,
	earned_at    timestamptz,
	expires_at   timestamptz,
	activates_at timestamptz,
	ref          text        NOT NULL,
	PRIMARY KEY (member_id, lot_id)
) WITH (fillfactor = 80);

-- Open lots, the only ones Load reads.
CREATE INDEX lots_open ON {schema}.lots (member_id, lot_id) WHERE remaining <> 0;

CREATE TABLE {schema}.counters (
	member_id text   NOT NULL,
	name      text   NOT NULL,
	period    text   NOT NULL,
	value     bigint NOT NULL,
	PRIMARY KEY (member_id, name)
) WITH (fillfactor = 80);

CREATE TABLE {schema}.orders (
	member_id text  NOT NULL,
	order_id  text  NOT NULL,
	record    jsonb NOT NULL,                 -- loyalty.OrderRecord
	PRIMARY KEY (member_id, order_id)
);

CREATE TABLE {schema}.redemptions (
	member_id     text  NOT NULL,
	redemption_id text  NOT NULL,
	record        jsonb NOT NULL,             -- loyalty.RedemptionRecord
	PRIMARY KEY (member_id, redemption_id)
);

-- One row per committed write: the idempotency record.
CREATE TABLE {schema}.writes (
	key          text        NOT NULL PRIMARY KEY,
	fingerprint  text        NOT NULL,
	member_id    text        NOT NULL,
	version      bigint      NOT NULL,        -- the member version the write produced
	receipt      jsonb       NOT NULL,        -- loyalty.Receipt
	committed_at timestamptz NOT NULL DEFAULT now()
);

-- advance_member is the version check of a commit: it creates the member
-- (from_version 0) or moves it from from_version to from_version+1, and
-- raises SQLSTATE LY001 when the member is not at from_version, which aborts
-- the rest of the commit's pipeline.
CREATE FUNCTION {schema}.advance_member(p_member text, p_from bigint, p_profile jsonb, p_next_due timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF p_from = 0 THEN
		INSERT INTO {schema}.members (member_id, profile, version, next_due)
		VALUES (p_member, p_profile, 1, p_next_due)
		ON CONFLICT (member_id) DO NOTHING;
	ELSE
		UPDATE {schema}.members
		SET version = p_from + 1, profile = coalesce(p_profile, profile), next_due = p_next_due
		WHERE member_id = p_member AND version = p_from;
	END IF;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'loyalty: member % is not at version %', p_member, p_from USING ERRCODE = 'LY001';
	END IF;
END
$$;
