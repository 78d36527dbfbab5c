-- 0004: programs side by side, and state shared by a program's members.
--
-- Every table gains a program column, first in its primary key: a store
-- keeps several programs (loyalty.ProgramStore), and one program's members,
-- keys, orders and receipts never meet another's. The rows written before
-- 0004 are the ledger of loyalty.DefaultProgram, 'default': ADD COLUMN with
-- a constant default fills them without rewriting the table, and the
-- default is dropped afterwards, so that every later write names its
-- program.
--
-- Shared state, per program:
--   shared_counters          a counter's limit (SharedStore.SetLimit)
--   shared_counter_periods   what each period of it claimed, with a copy of
--                            the limit, so a claim is one conditional UPDATE
--                            of one row
--   codes                    unique codes (coupons, referral codes, gift cards)
--   grants                   the rewards granted to members; grants_open
--                            indexes the open ones, which Load reads

ALTER TABLE {schema}.members ADD COLUMN program text NOT NULL DEFAULT 'default';
ALTER TABLE {schema}.members DROP CONSTRAINT members_pkey, ADD CONSTRAINT members_pkey PRIMARY KEY (program, member_id);
ALTER TABLE {schema}.balances ADD COLUMN program text NOT NULL DEFAULT 'default';
ALTER TABLE {schema}.balances DROP CONSTRAINT balances_pkey, ADD CONSTRAINT balances_pkey PRIMARY KEY (program, member_id, account);
ALTER TABLE {schema}.entries ADD COLUMN program text NOT NULL DEFAULT 'default';
ALTER TABLE {schema}.entries DROP CONSTRAINT entries_pkey, ADD CONSTRAINT entries_pkey PRIMARY KEY (program, member_id, version, idx);
ALTER TABLE {schema}.lots ADD COLUMN program text NOT NULL DEFAULT 'default';
ALTER TABLE {schema}.lots DROP CONSTRAINT lots_pkey, ADD CONSTRAINT lots_pkey PRIMARY KEY (program, member_id, lot_id);
DROP INDEX {schema}.lots_open;
CREATE INDEX lots_open ON {schema}.lots (program, member_id, lot_id) WHERE remaining <> 0;
ALTER TABLE {schema}.counters ADD COLUMN program text NOT NULL DEFAULT 'default';
ALTER TABLE {schema}.counters DROP CONSTRAINT counters_pkey, ADD CONSTRAINT counters_pkey PRIMARY KEY (program, member_id, name);
ALTER TABLE {schema}.orders ADD COLUMN program text NOT NULL DEFAULT 'default';
ALTER TABLE {schema}.orders DROP CONSTRAINT orders_pkey, ADD CONSTRAINT orders_pkey PRIMARY KEY (program, member_id, order_id);
ALTER TABLE {schema}.redemptions ADD COLUMN program text NOT NULL DEFAULT 'default';
ALTER TABLE {schema}.redemptions DROP CONSTRAINT redemptions_pkey, ADD CONSTRAINT redemptions_pkey PRIMARY KEY (program, member_id, redemption_id);
ALTER TABLE {schema}.writes ADD COLUMN program text NOT NULL DEFAULT 'default';
ALTER TABLE {schema}.writes DROP CONSTRAINT writes_pkey, ADD CONSTRAINT writes_pkey PRIMARY KEY (program, key);
ALTER TABLE {schema}.order_owners ADD COLUMN program text NOT NULL DEFAULT 'default';
ALTER TABLE {schema}.order_owners DROP CONSTRAINT order_owners_pkey, ADD CONSTRAINT order_owners_pkey PRIMARY KEY (program, order_id);

ALTER TABLE {schema}.members ALTER COLUMN program DROP DEFAULT;
ALTER TABLE {schema}.balances ALTER COLUMN program DROP DEFAULT;
ALTER TABLE {schema}.entries ALTER COLUMN program DROP DEFAULT;
ALTER TABLE {schema}.lots ALTER COLUMN program DROP DEFAULT;
ALTER TABLE {schema}.counters ALTER COLUMN program DROP DEFAULT;
ALTER TABLE {schema}.orders ALTER COLUMN program DROP DEFAULT;
ALTER TABLE {schema}.redemptions ALTER COLUMN program DROP DEFAULT;
ALTER TABLE {schema}.writes ALTER COLUMN program DROP DEFAULT;
ALTER TABLE {schema}.order_owners ALTER COLUMN program DROP DEFAULT;

CREATE TABLE {schema}.shared_counters (
	program text   NOT NULL,
	name    text   NOT NULL,
	"limit" bigint NOT NULL CHECK ("limit" >= 0),
	PRIMARY KEY (program, name)
);

CREATE TABLE {schema}.shared_counter_periods (
	program    text   NOT NULL,
	name       text   NOT NULL,
	period_key text   NOT NULL,               -- '' for all time
	claimed    bigint NOT NULL CHECK (claimed >= 0),
	"limit"    bigint NOT NULL,               -- shared_counters.limit, kept equal by set_limit
	PRIMARY KEY (program, name, period_key)
) WITH (fillfactor = 50);

CREATE TABLE {schema}.codes (
	program    text        NOT NULL,
	code       text        NOT NULL,
	kind       text        NOT NULL,
	owner      text        NOT NULL,
	ref        text        NOT NULL,
	max_uses   bigint      NOT NULL,          -- 0: no limit
	uses       bigint      NOT NULL,
	void       boolean     NOT NULL,
	created_at timestamptz,
	expires_at timestamptz,
	PRIMARY KEY (program, code)
) WITH (fillfactor = 90);

CREATE TABLE {schema}.grants (
	program   text NOT NULL,
	member_id text NOT NULL,
	grant_id  text NOT NULL,
	status    text NOT NULL,                  -- loyalty.GrantStatus
	record    json NOT NULL,                  -- loyalty.Grant
	PRIMARY KEY (program, member_id, grant_id)
);

CREATE INDEX grants_open ON {schema}.grants (program, member_id) WHERE status = 'open';

-- claim_shared takes p_amount from (or, with p_release, gives it back to) a
-- period of a shared counter: one conditional UPDATE of the period's row,
-- which holds its lock until the calling transaction ends. The period's row
-- is made on its first claim. A refusal raises SQLSTATE LY004, DETAIL
-- 'limit', 'unknown' or 'invalid', HINT what was left, COLUMN p_idx (the
-- claim's place in the change), which aborts the calling statement.
CREATE FUNCTION {schema}.claim_shared(p_program text, p_name text, p_period text, p_amount bigint, p_release boolean, p_idx integer)
RETURNS void LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
	v_claimed bigint;
	v_limit   bigint;
BEGIN
	IF p_release THEN
		UPDATE {schema}.shared_counter_periods SET claimed = claimed - p_amount
		WHERE program = p_program AND name = p_name AND period_key = p_period AND claimed >= p_amount;
		IF FOUND THEN
			RETURN;
		END IF;
		SELECT s."limit", coalesce(p.claimed, 0) INTO v_limit, v_claimed
		FROM {schema}.shared_counters s
		LEFT JOIN {schema}.shared_counter_periods p ON p.program = s.program AND p.name = s.name AND p.period_key = p_period
		WHERE s.program = p_program AND s.name = p_name;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'loyalty: unknown shared counter %', p_name
				USING ERRCODE = 'LY004', DETAIL = 'unknown', HINT = '0', COLUMN = p_idx::text;
		END IF;
		RAISE EXCEPTION 'loyalty: release of % from shared counter %: only % claimed', p_amount, p_name, v_claimed
			USING ERRCODE = 'LY004', DETAIL = 'invalid', HINT = greatest(v_limit - v_claimed, 0)::text, COLUMN = p_idx::text;
	END IF;

	-- p_amount <= limit - claimed, never claimed + p_amount: that could pass
	-- the largest bigint (loyalty.NoLimit).
	UPDATE {schema}.shared_counter_periods SET claimed = claimed + p_amount
	WHERE program = p_program AND name = p_name AND period_key = p_period AND p_amount <= "limit" - claimed;
	IF FOUND THEN
		RETURN;
	END IF;
	SELECT p.claimed, p."limit" INTO v_claimed, v_limit
	FROM {schema}.shared_counter_periods p
	WHERE p.program = p_program AND p.name = p_name AND p.period_key = p_period;
	IF NOT FOUND THEN
		-- The period's first claim. FOR SHARE waits for a set_limit under way.
		SELECT s."limit" INTO v_limit FROM {schema}.shared_counters s
		WHERE s.program = p_program AND s.name = p_name FOR SHARE;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'loyalty: unknown shared counter %', p_name
				USING ERRCODE = 'LY004', DETAIL = 'unknown', HINT = '0', COLUMN = p_idx::text;
		END IF;
		INSERT INTO {schema}.shared_counter_periods (program, name, period_key, claimed, "limit")
		VALUES (p_program, p_name, p_period, 0, v_limit)
		ON CONFLICT (program, name, period_key) DO NOTHING;
		UPDATE {schema}.shared_counter_periods SET claimed = claimed + p_amount
		WHERE program = p_program AND name = p_name AND period_key = p_period AND p_amount <= "limit" - claimed;
		IF FOUND THEN
			RETURN;
		END IF;
		SELECT p.claimed, p."limit" INTO v_claimed, v_limit
		FROM {schema}.shared_counter_periods p
		WHERE p.program = p_program AND p.name = p_name AND p.period_key = p_period;
	END IF;
	RAISE EXCEPTION 'loyalty: claim of % from shared counter %: only % left', p_amount, p_name, greatest(v_limit - v_claimed, 0)
		USING ERRCODE = 'LY004', DETAIL = 'limit', HINT = greatest(v_limit - v_claimed, 0)::text, COLUMN = p_idx::text;
END
$$;

-- set_limit defines a shared counter or changes its limit, in every period
-- of it, and raises SQLSTATE LY006 (DETAIL the period, HINT its claimed)
-- when a period claimed more than the new limit, which undoes it all. The
-- UPDATE of the periods waits for the claims under way.
CREATE FUNCTION {schema}.set_limit(p_program text, p_name text, p_limit bigint)
RETURNS void LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
	v_period  text;
	v_claimed bigint;
BEGIN
	INSERT INTO {schema}.shared_counters AS s (program, name, "limit") VALUES (p_program, p_name, p_limit)
	ON CONFLICT (program, name) DO UPDATE SET "limit" = excluded."limit";
	UPDATE {schema}.shared_counter_periods SET "limit" = p_limit WHERE program = p_program AND name = p_name;
	SELECT p.period_key, p.claimed INTO v_period, v_claimed
	FROM {schema}.shared_counter_periods p
	WHERE p.program = p_program AND p.name = p_name AND p.claimed > p_limit
	ORDER BY p.period_key LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'loyalty: limit % of shared counter % is below the % claimed in period %', p_limit, p_name, v_claimed, v_period
			USING ERRCODE = 'LY006', DETAIL = v_period, HINT = v_claimed::text;
	END IF;
END
$$;

-- use_code applies a code use and returns the code as it is after; a use
-- that may not be applied raises SQLSTATE LY005, DETAIL 'unknown', 'void',
-- 'used-up' or 'invalid', HINT the code.
CREATE FUNCTION {schema}.use_code(p_program text, p_code text, p_uses bigint, p_void boolean)
RETURNS TABLE (o_kind text, o_owner text, o_ref text, o_max_uses bigint, o_uses bigint, o_void boolean,
	o_created_at timestamptz, o_expires_at timestamptz)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
	v_void     boolean;
	v_uses     bigint;
	v_max_uses bigint;
BEGIN
	RETURN QUERY UPDATE {schema}.codes c SET uses = c.uses + p_uses, void = c.void OR p_void
	WHERE c.program = p_program AND c.code = p_code
		AND (NOT c.void OR p_uses = 0)
		AND p_uses >= -c.uses
		AND (c.max_uses = 0 AND p_uses <= 9223372036854775807 - c.uses OR p_uses <= c.max_uses - c.uses)
	RETURNING c.kind, c.owner, c.ref, c.max_uses, c.uses, c.void, c.created_at, c.expires_at;
	IF FOUND THEN
		RETURN;
	END IF;
	SELECT c.void, c.uses, c.max_uses INTO v_void, v_uses, v_max_uses
	FROM {schema}.codes c WHERE c.program = p_program AND c.code = p_code;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'loyalty: unknown code %', p_code USING ERRCODE = 'LY005', DETAIL = 'unknown', HINT = p_code;
	ELSIF v_void THEN
		RAISE EXCEPTION 'loyalty: code % is void', p_code USING ERRCODE = 'LY005', DETAIL = 'void', HINT = p_code;
	ELSIF p_uses < -v_uses THEN
		RAISE EXCEPTION 'loyalty: code % gives back % uses of %', p_code, -p_uses, v_uses USING ERRCODE = 'LY005', DETAIL = 'invalid', HINT = p_code;
	END IF;
	RAISE EXCEPTION 'loyalty: code % has % of % uses left', p_code, v_max_uses - v_uses, v_max_uses USING ERRCODE = 'LY005', DETAIL = 'used-up', HINT = p_code;
END
$$;

DROP FUNCTION {schema}.commit_change(text, bigint, json, timestamptz, text, text, json,
	bigint[], integer[], text[], text[], bigint[], bigint[], timestamptz[], text[], text[], text[], bigint[], text[], text[],
	bigint[], text[], bigint[], timestamptz[], timestamptz[], timestamptz[], text[],
	text[], bigint[], bigint[],
	text[], text[], bigint[],
	text[], json[],
	text[], json[],
	bigint[], bigint[]);
DROP FUNCTION {schema}.load_member(text, boolean, timestamptz, text[], text[]);

-- commit_change as in 0003, in program p_program, and after the order
-- owners: the grants, the codes the change reserves (LY005 'taken' for one
-- the program holds), its code uses (use_code) and, last, so that the lock
-- of a hot counter's row is held the shortest time, its claims
-- (claim_shared), in the order of the arrays.
CREATE FUNCTION {schema}.commit_change(
	p_program text,
	p_member text, p_from bigint, p_profile json, p_next_due timestamptz,
	p_key text, p_fingerprint text, p_receipt json,
	e_version bigint[], e_idx integer[], e_account text[], e_kind text[], e_amount bigint[], e_pending bigint[],
	e_at timestamptz[], e_key text[], e_source text[], e_ref text[], e_lot bigint[], e_rate text[], e_note text[],
	l_id bigint[], l_account text[], l_remaining bigint[], l_earned_at timestamptz[], l_expires_at timestamptz[],
	l_activates_at timestamptz[], l_ref text[],
	b_account text[], b_available bigint[], b_pending bigint[],
	c_name text[], c_period text[], c_value bigint[],
	o_id text[], o_record json[],
	r_id text[], r_record json[],
	b_was_available bigint[], b_was_pending bigint[],
	g_id text[], g_status text[], g_record json[],
	cd_code text[], cd_kind text[], cd_owner text[], cd_ref text[], cd_max_uses bigint[],
	cd_created_at timestamptz[], cd_expires_at timestamptz[],
	cu_code text[], cu_uses bigint[], cu_void boolean[],
	cl_counter text[], cl_period text[], cl_amount bigint[], cl_release boolean[], cl_idx integer[])
RETURNS void LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
	v_order    text;
	v_owner    text;
	v_inserted text[];
	i          integer;
BEGIN
	IF p_from = 0 THEN
		INSERT INTO {schema}.members (program, member_id, profile, version, next_due)
		VALUES (p_program, p_member, p_profile, 1, p_next_due)
		ON CONFLICT (program, member_id) DO NOTHING;
	ELSE
		UPDATE {schema}.members
		SET version = p_from + 1, profile = coalesce(p_profile, profile), next_due = p_next_due
		WHERE program = p_program AND member_id = p_member AND version = p_from;
	END IF;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'loyalty: member % is not at version %', p_member, p_from USING ERRCODE = 'LY001';
	END IF;

	INSERT INTO {schema}.writes (program, key, fingerprint, member_id, version, receipt)
	VALUES (p_program, p_key, p_fingerprint, p_member, p_from + 1, p_receipt);

	IF cardinality(b_account) > 0 AND EXISTS (
		SELECT 1 FROM unnest(b_account, b_was_available, b_was_pending) AS x(account, was_available, was_pending)
		LEFT JOIN {schema}.balances b ON b.program = p_program AND b.member_id = p_member AND b.account = x.account
		WHERE coalesce(b.available, 0) <> x.was_available OR coalesce(b.pending, 0) <> x.was_pending) THEN
		RAISE EXCEPTION 'loyalty: the balances of member % are not what the change was planned from', p_member USING ERRCODE = 'LY002';
	END IF;

	IF cardinality(e_version) > 0 THEN
		INSERT INTO {schema}.entries (program, member_id, version, idx, account, kind, amount, pending, at, key, source, ref, lot, rate, note)
		SELECT p_program, p_member, * FROM unnest(e_version, e_idx, e_account, e_kind, e_amount, e_pending, e_at, e_key, e_source, e_ref, e_lot, e_rate, e_note);
	END IF;
	IF cardinality(l_id) > 0 THEN
		INSERT INTO {schema}.lots AS l (program, member_id, lot_id, account, remaining, earned_at, expires_at, activates_at, ref)
		SELECT p_program, p_member, * FROM unnest(l_id, l_account, l_remaining, l_earned_at, l_expires_at, l_activates_at, l_ref)
		ON CONFLICT (program, member_id, lot_id) DO UPDATE SET account = excluded.account, remaining = excluded.remaining,
			earned_at = excluded.earned_at, expires_at = excluded.expires_at, activates_at = excluded.activates_at, ref = excluded.ref;
	END IF;
	IF cardinality(b_account) > 0 THEN
		INSERT INTO {schema}.balances AS b (program, member_id, account, available, pending)
		SELECT p_program, p_member, * FROM unnest(b_account, b_available, b_pending)
		ON CONFLICT (program, member_id, account) DO UPDATE SET available = excluded.available, pending = excluded.pending;
	END IF;
	IF cardinality(c_name) > 0 THEN
		INSERT INTO {schema}.counters AS c (program, member_id, name, period, value)
		SELECT p_program, p_member, * FROM unnest(c_name, c_period, c_value)
		ON CONFLICT (program, member_id, name) DO UPDATE SET period = excluded.period, value = excluded.value;
	END IF;
	IF cardinality(o_id) > 0 THEN
		INSERT INTO {schema}.order_owners (program, order_id, member_id)
		SELECT p_program, x.id, p_member FROM unnest(o_id) AS x(id)
		WHERE NOT EXISTS (SELECT 1 FROM {schema}.orders o WHERE o.program = p_program AND o.member_id = p_member AND o.order_id = x.id)
		ON CONFLICT (program, order_id) DO NOTHING;
		SELECT w.order_id, w.member_id INTO v_order, v_owner
		FROM unnest(o_id) AS x(id) JOIN {schema}.order_owners w ON w.program = p_program AND w.order_id = x.id
		WHERE w.member_id <> p_member
			AND NOT EXISTS (SELECT 1 FROM {schema}.orders o WHERE o.program = p_program AND o.member_id = p_member AND o.order_id = x.id)
		LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION 'loyalty: order % is recorded for member %, not %', v_order, v_owner, p_member
				USING ERRCODE = 'LY003', DETAIL = v_owner, HINT = v_order;
		END IF;
		INSERT INTO {schema}.orders AS o (program, member_id, order_id, record)
		SELECT p_program, p_member, * FROM unnest(o_id, o_record)
		ON CONFLICT (program, member_id, order_id) DO UPDATE SET record = excluded.record;
	END IF;
	IF cardinality(r_id) > 0 THEN
		INSERT INTO {schema}.redemptions AS r (program, member_id, redemption_id, record)
		SELECT p_program, p_member, * FROM unnest(r_id, r_record)
		ON CONFLICT (program, member_id, redemption_id) DO UPDATE SET record = excluded.record;
	END IF;
	IF cardinality(g_id) > 0 THEN
		INSERT INTO {schema}.grants AS g (program, member_id, grant_id, status, record)
		SELECT p_program, p_member, * FROM unnest(g_id, g_status, g_record)
		ON CONFLICT (program, member_id, grant_id) DO UPDATE SET status = excluded.status, record = excluded.record;
	END IF;
	IF cardinality(cd_code) > 0 THEN
		WITH ins AS (
			INSERT INTO {schema}.codes (program, code, kind, owner, ref, max_uses, uses, void, created_at, expires_at)
			SELECT p_program, x.code, x.kind, x.owner, x.ref, x.max_uses, 0, false, x.created_at, x.expires_at
			FROM unnest(cd_code, cd_kind, cd_owner, cd_ref, cd_max_uses, cd_created_at, cd_expires_at)
				AS x(code, kind, owner, ref, max_uses, created_at, expires_at)
			ON CONFLICT (program, code) DO NOTHING
			RETURNING code)
		SELECT array_agg(code) INTO v_inserted FROM ins;
		IF coalesce(cardinality(v_inserted), 0) < cardinality(cd_code) THEN
			SELECT x INTO v_order FROM unnest(cd_code) AS x WHERE x <> ALL (coalesce(v_inserted, '{}')) LIMIT 1;
			RAISE EXCEPTION 'loyalty: code % is taken', v_order USING ERRCODE = 'LY005', DETAIL = 'taken', HINT = v_order;
		END IF;
	END IF;
	IF cardinality(cu_code) > 0 THEN
		FOR i IN 1 .. cardinality(cu_code) LOOP
			PERFORM {schema}.use_code(p_program, cu_code[i], cu_uses[i], cu_void[i]);
		END LOOP;
	END IF;
	IF cardinality(cl_counter) > 0 THEN
		FOR i IN 1 .. cardinality(cl_counter) LOOP
			-- The common case, a claim that fits in a period claimed from
			-- before, here; the rest (and the refusals) in claim_shared.
			IF NOT cl_release[i] THEN
				UPDATE {schema}.shared_counter_periods SET claimed = claimed + cl_amount[i]
				WHERE program = p_program AND name = cl_counter[i] AND period_key = cl_period[i] AND cl_amount[i] <= "limit" - claimed;
				CONTINUE WHEN FOUND;
			END IF;
			PERFORM {schema}.claim_shared(p_program, cl_counter[i], cl_period[i], cl_amount[i], cl_release[i], cl_idx[i]);
		END LOOP;
	END IF;
END
$$;

-- load_member as in 0001, in program p_program, with the member's grants:
-- k 6 rows, the open ones when p_grants, and those p_grant_ids names.
CREATE FUNCTION {schema}.load_member(p_program text, p_member text, p_lots boolean, p_now timestamptz, p_orders text[], p_redemptions text[],
	p_grants boolean, p_grant_ids text[])
RETURNS TABLE (k integer, s1 text, s2 text, n1 bigint, n2 bigint, t1 timestamptz, t2 timestamptz, t3 timestamptz, j json)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
DECLARE
	v_version  bigint;
	v_next_due timestamptz;
	v_profile  json;
BEGIN
	SELECT m.version, m.next_due, m.profile INTO v_version, v_next_due, v_profile
	FROM {schema}.members m WHERE m.program = p_program AND m.member_id = p_member;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	k := 0; n1 := v_version; t1 := v_next_due; j := v_profile;
	RETURN NEXT;
	RETURN QUERY SELECT 1, b.account, NULL::text, b.available, b.pending, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::json
		FROM {schema}.balances b WHERE b.program = p_program AND b.member_id = p_member;
	RETURN QUERY SELECT 2, c.name, c.period, c.value, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::json
		FROM {schema}.counters c WHERE c.program = p_program AND c.member_id = p_member;
	IF p_lots OR v_next_due <= p_now THEN
		RETURN QUERY SELECT 3, l.account, l.ref, l.lot_id, l.remaining, l.earned_at, l.expires_at, l.activates_at, NULL::json
			FROM {schema}.lots l WHERE l.program = p_program AND l.member_id = p_member AND l.remaining <> 0;
	END IF;
	IF cardinality(p_orders) > 0 THEN
		RETURN QUERY SELECT 4, o.order_id, NULL::text, NULL::bigint, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, o.record
			FROM {schema}.orders o WHERE o.program = p_program AND o.member_id = p_member AND o.order_id = ANY (p_orders);
	END IF;
	IF cardinality(p_redemptions) > 0 THEN
		RETURN QUERY SELECT 5, r.redemption_id, NULL::text, NULL::bigint, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, r.record
			FROM {schema}.redemptions r WHERE r.program = p_program AND r.member_id = p_member AND r.redemption_id = ANY (p_redemptions);
	END IF;
	IF p_grants THEN
		RETURN QUERY SELECT 6, g.grant_id, NULL::text, NULL::bigint, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, g.record
			FROM {schema}.grants g WHERE g.program = p_program AND g.member_id = p_member AND g.status = 'open';
	END IF;
	IF cardinality(p_grant_ids) > 0 THEN
		RETURN QUERY SELECT 6, g.grant_id, NULL::text, NULL::bigint, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, g.record
			FROM {schema}.grants g WHERE g.program = p_program AND g.member_id = p_member AND g.grant_id = ANY (p_grant_ids)
				AND NOT (p_grants AND g.status = 'open');
	END IF;
END
$$;
