-- 0001: the loyalty ledger. Every name is qualified with the store's schema
-- ({schema} is replaced by the quoted schema name). Times are timestamptz to
-- the microsecond; NULL is the zero time. json columns hold the encoding/json
-- text of the root package's types (json, not jsonb: stored as written, no
-- parse into a tree on every write).

CREATE TABLE {schema}.members (
	member_id text        NOT NULL PRIMARY KEY,
	profile   json        NOT NULL,           -- loyalty.Member
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
	record    json NOT NULL,                  -- loyalty.OrderRecord
	PRIMARY KEY (member_id, order_id)
);

CREATE TABLE {schema}.redemptions (
	member_id     text  NOT NULL,
	redemption_id text  NOT NULL,
	record        json NOT NULL,              -- loyalty.RedemptionRecord
	PRIMARY KEY (member_id, redemption_id)
);

-- One row per committed write: the idempotency record.
CREATE TABLE {schema}.writes (
	key          text        NOT NULL PRIMARY KEY,
	fingerprint  text        NOT NULL,
	member_id    text        NOT NULL,
	version      bigint      NOT NULL,        -- the member version the write produced
	receipt      json        NOT NULL,        -- loyalty.Receipt
	committed_at timestamptz NOT NULL DEFAULT now()
);

-- commit_change applies one loyalty.Change, all of it or nothing, as one
-- statement. The version check comes first and takes the member's row lock:
-- it creates the member (p_from 0) or moves it from p_from to p_from+1, and
-- raises SQLSTATE LY001 when the member is not at p_from. The idempotency
-- record follows: the primary key of writes refuses a key committed before
-- (a concurrent commit of the same key waits for the first and then fails
-- with a unique violation). Either aborts the statement, so nothing is
-- written. The arrays are the columns of the rows to write.
CREATE FUNCTION {schema}.commit_change(
	p_member text, p_from bigint, p_profile json, p_next_due timestamptz,
	p_key text, p_fingerprint text, p_receipt json,
	e_version bigint[], e_idx integer[], e_account text[], e_kind text[], e_amount bigint[], e_pending bigint[],
	e_at timestamptz[], e_key text[], e_source text[], e_ref text[], e_lot bigint[], e_rate text[], e_note text[],
	l_id bigint[], l_account text[], l_remaining bigint[], l_earned_at timestamptz[], l_expires_at timestamptz[],
	l_activates_at timestamptz[], l_ref text[],
	b_account text[], b_available bigint[], b_pending bigint[],
	c_name text[], c_period text[], c_value bigint[],
	o_id text[], o_record json[],
	r_id text[], r_record json[])
RETURNS void LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
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

	INSERT INTO {schema}.writes (key, fingerprint, member_id, version, receipt)
	VALUES (p_key, p_fingerprint, p_member, p_from + 1, p_receipt);

	IF cardinality(e_version) > 0 THEN
		INSERT INTO {schema}.entries (member_id, version, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note)
		SELECT p_member, * FROM unnest(e_version, e_idx, e_account, e_kind, e_amount, e_pending, e_at, e_key, e_source, e_ref, e_lot, e_rate, e_note);
	END IF;
	IF cardinality(l_id) > 0 THEN
		INSERT INTO {schema}.lots AS l (member_id, lot_id, account, remaining, earned_at, expires_at, activates_at, ref)
		SELECT p_member, * FROM unnest(l_id, l_account, l_remaining, l_earned_at, l_expires_at, l_activates_at, l_ref)
		ON CONFLICT (member_id, lot_id) DO UPDATE SET account = excluded.account, remaining = excluded.remaining,
			earned_at = excluded.earned_at, expires_at = excluded.expires_at, activates_at = excluded.activates_at, ref = excluded.ref;
	END IF;
	IF cardinality(b_account) > 0 THEN
		INSERT INTO {schema}.balances AS b (member_id, account, available, pending)
		SELECT p_member, * FROM unnest(b_account, b_available, b_pending)
		ON CONFLICT (member_id, account) DO UPDATE SET available = excluded.available, pending = excluded.pending;
	END IF;
	IF cardinality(c_name) > 0 THEN
		INSERT INTO {schema}.counters AS c (member_id, name, period, value)
		SELECT p_member, * FROM unnest(c_name, c_period, c_value)
		ON CONFLICT (member_id, name) DO UPDATE SET period = excluded.period, value = excluded.value;
	END IF;
	IF cardinality(o_id) > 0 THEN
		INSERT INTO {schema}.orders AS o (member_id, order_id, record)
		SELECT p_member, * FROM unnest(o_id, o_record)
		ON CONFLICT (member_id, order_id) DO UPDATE SET record = excluded.record;
	END IF;
	IF cardinality(r_id) > 0 THEN
		INSERT INTO {schema}.redemptions AS r (member_id, redemption_id, record)
		SELECT p_member, * FROM unnest(r_id, r_record)
		ON CONFLICT (member_id, redemption_id) DO UPDATE SET record = excluded.record;
	END IF;
END
$$;

-- load_member returns a member's state as rows: k says what a row is
-- (0 member, 1 balance, 2 counter, 3 lot, 4 order, 5 redemption) and the
-- other columns carry its fields. It is STABLE, so all its queries read the
-- snapshot of the one calling statement; none of them is planned per call.
CREATE FUNCTION {schema}.load_member(p_member text, p_lots boolean, p_now timestamptz, p_orders text[], p_redemptions text[])
RETURNS TABLE (k integer, s1 text, s2 text, n1 bigint, n2 bigint, t1 timestamptz, t2 timestamptz, t3 timestamptz, j json)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
DECLARE
	v_version  bigint;
	v_next_due timestamptz;
	v_profile  json;
BEGIN
	SELECT m.version, m.next_due, m.profile INTO v_version, v_next_due, v_profile
	FROM {schema}.members m WHERE m.member_id = p_member;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	k := 0; n1 := v_version; t1 := v_next_due; j := v_profile;
	RETURN NEXT;
	RETURN QUERY SELECT 1, b.account, NULL::text, b.available, b.pending, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::json
		FROM {schema}.balances b WHERE b.member_id = p_member;
	RETURN QUERY SELECT 2, c.name, c.period, c.value, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::json
		FROM {schema}.counters c WHERE c.member_id = p_member;
	IF p_lots OR v_next_due <= p_now THEN
		RETURN QUERY SELECT 3, l.account, l.ref, l.lot_id, l.remaining, l.earned_at, l.expires_at, l.activates_at, NULL::json
			FROM {schema}.lots l WHERE l.member_id = p_member AND l.remaining <> 0;
	END IF;
	IF cardinality(p_orders) > 0 THEN
		RETURN QUERY SELECT 4, o.order_id, NULL::text, NULL::bigint, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, o.record
			FROM {schema}.orders o WHERE o.member_id = p_member AND o.order_id = ANY (p_orders);
	END IF;
	IF cardinality(p_redemptions) > 0 THEN
		RETURN QUERY SELECT 5, r.redemption_id, NULL::text, NULL::bigint, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, r.record
			FROM {schema}.redemptions r WHERE r.member_id = p_member AND r.redemption_id = ANY (p_redemptions);
	END IF;
END
$$;
