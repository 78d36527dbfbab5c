-- 0006: a shared counter's period is split into buckets, so that writes
-- claiming from one hot counter no longer wait for each other.
--
-- Until 0005 a period of a shared counter was one row of
-- shared_counter_periods, and a claim held that row's lock until its
-- transaction committed: every write claiming from a hot counter (stock
-- claimed on every earn) waited for the one before it to commit, its WAL
-- flush included, one at a time however many clients wrote. Now a period is
-- 16 rows, its buckets, each holding a share of the limit ("limit", which
-- the buckets of a period sum to the counter's limit) and what was claimed
-- from it. A claim takes its amount from one bucket that has room and that
-- no other transaction holds (FOR UPDATE SKIP LOCKED, trying the buckets in
-- an order that starts from the member's own, so that concurrent writers
-- rarely try the same one): it never waits for another claim. When no
-- bucket is free and has room, claim_shared locks all the period's buckets
-- in bucket order, waiting for the claims under way, and claims what is
-- left across them, or refuses with the exact total left. SetLimit
-- redistributes what is left of every period evenly over its buckets.
-- SharedCounter sums the buckets in one snapshot, so it stays exact.
--
-- The rows written before are bucket 0 of their period; the other 15 are
-- added here with what was left spread over all 16.

ALTER TABLE {schema}.shared_counter_periods ADD COLUMN bucket smallint NOT NULL DEFAULT 0;
ALTER TABLE {schema}.shared_counter_periods
	DROP CONSTRAINT shared_counter_periods_pkey,
	ADD CONSTRAINT shared_counter_periods_pkey PRIMARY KEY (program, name, period_key, bucket);
ALTER TABLE {schema}.shared_counter_periods ALTER COLUMN bucket DROP DEFAULT;
COMMENT ON COLUMN {schema}.shared_counter_periods."limit" IS
	'this bucket''s share of shared_counters.limit: the buckets of a period sum to it (0006)';

-- bucket_share is bucket p_bucket's share, of p_n buckets, of p_left: an
-- even split, the remainder one each to the first buckets.
CREATE FUNCTION {schema}.bucket_share(p_left bigint, p_bucket integer, p_n integer)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT p_left / p_n + CASE WHEN p_bucket < p_left % p_n THEN 1 ELSE 0 END
$$;

-- The 16 buckets of every period claimed from before: bucket 0 keeps what
-- it claimed, and what was left is spread over all 16.
INSERT INTO {schema}.shared_counter_periods (program, name, period_key, bucket, claimed, "limit")
SELECT p.program, p.name, p.period_key, b, 0, {schema}.bucket_share(p."limit" - p.claimed, b, 16)
FROM {schema}.shared_counter_periods p, generate_series(1, 15) AS b;
UPDATE {schema}.shared_counter_periods p SET "limit" = p.claimed + {schema}.bucket_share(p."limit" - p.claimed, 0, 16)
WHERE p.bucket = 0;

-- claim_shared is the slow path of a claim (or, with p_release, of giving
-- p_amount back) of a period of a shared counter, for when no bucket that
-- commit_change tried without waiting had room: it locks all the period's
-- buckets in bucket order (waiting for the claims under way), and takes
-- p_amount from (or gives it back to) them in that order, as much from each
-- as it has. The period's buckets are made on its first claim, with the
-- limit spread over them. A refusal raises SQLSTATE LY004, DETAIL 'limit',
-- 'unknown' or 'invalid', HINT what was left (over all the buckets), COLUMN
-- p_idx (the claim's place in the change), which aborts the calling
-- statement.
CREATE OR REPLACE FUNCTION {schema}.claim_shared(p_program text, p_name text, p_period text, p_amount bigint, p_release boolean, p_idx integer)
RETURNS void LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
	v_buckets integer;
	v_claimed bigint;
	v_left    bigint;
	v_limit   bigint;
BEGIN
	IF p_amount <= 0 THEN
		RAISE EXCEPTION 'loyalty: claim of % from shared counter %', p_amount, p_name
			USING ERRCODE = 'LY004', DETAIL = 'invalid', HINT = '0', COLUMN = p_idx::text;
	END IF;
	-- The sums are of bigints no larger than the counter's limit.
	SELECT count(*), coalesce(sum(x.claimed), 0), coalesce(sum(x."limit" - x.claimed), 0) INTO v_buckets, v_claimed, v_left
	FROM (SELECT p.claimed, p."limit" FROM {schema}.shared_counter_periods p
		WHERE p.program = p_program AND p.name = p_name AND p.period_key = p_period
		ORDER BY p.bucket FOR UPDATE) AS x;
	IF v_buckets = 0 THEN
		-- The period's first claim. FOR SHARE waits for a set_limit under way.
		SELECT s."limit" INTO v_limit FROM {schema}.shared_counters s
		WHERE s.program = p_program AND s.name = p_name FOR SHARE;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'loyalty: unknown shared counter %', p_name
				USING ERRCODE = 'LY004', DETAIL = 'unknown', HINT = '0', COLUMN = p_idx::text;
		END IF;
		IF p_release THEN
			RAISE EXCEPTION 'loyalty: release of % from shared counter %: only 0 claimed', p_amount, p_name
				USING ERRCODE = 'LY004', DETAIL = 'invalid', HINT = v_limit::text, COLUMN = p_idx::text;
		END IF;
		INSERT INTO {schema}.shared_counter_periods (program, name, period_key, bucket, claimed, "limit")
		SELECT p_program, p_name, p_period, b, 0, {schema}.bucket_share(v_limit, b, 16) FROM generate_series(0, 15) AS b
		ON CONFLICT (program, name, period_key, bucket) DO NOTHING;
		SELECT count(*), coalesce(sum(x.claimed), 0), coalesce(sum(x."limit" - x.claimed), 0) INTO v_buckets, v_claimed, v_left
		FROM (SELECT p.claimed, p."limit" FROM {schema}.shared_counter_periods p
			WHERE p.program = p_program AND p.name = p_name AND p.period_key = p_period
			ORDER BY p.bucket FOR UPDATE) AS x;
	END IF;

	IF p_release THEN
		IF p_amount > v_claimed THEN
			RAISE EXCEPTION 'loyalty: release of % from shared counter %: only % claimed', p_amount, p_name, v_claimed
				USING ERRCODE = 'LY004', DETAIL = 'invalid', HINT = v_left::text, COLUMN = p_idx::text;
		END IF;
		-- Each bucket in order gives back what it claimed, until p_amount is.
		UPDATE {schema}.shared_counter_periods p SET claimed = p.claimed - x.back
		FROM (SELECT q.bucket, least(q.claimed, greatest(p_amount - (sum(q.claimed) OVER w - q.claimed), 0))::bigint AS back
			FROM {schema}.shared_counter_periods q
			WHERE q.program = p_program AND q.name = p_name AND q.period_key = p_period
			WINDOW w AS (ORDER BY q.bucket)) AS x
		WHERE p.program = p_program AND p.name = p_name AND p.period_key = p_period AND p.bucket = x.bucket AND x.back > 0;
		RETURN;
	END IF;

	IF p_amount > v_left THEN
		RAISE EXCEPTION 'loyalty: claim of % from shared counter %: only % left', p_amount, p_name, v_left
			USING ERRCODE = 'LY004', DETAIL = 'limit', HINT = v_left::text, COLUMN = p_idx::text;
	END IF;
	-- Each bucket in order gives what it has left, until p_amount is taken.
	UPDATE {schema}.shared_counter_periods p SET claimed = p.claimed + x.take
	FROM (SELECT q.bucket, least(q."limit" - q.claimed, greatest(p_amount - (sum(q."limit" - q.claimed) OVER w - (q."limit" - q.claimed)), 0))::bigint AS take
		FROM {schema}.shared_counter_periods q
		WHERE q.program = p_program AND q.name = p_name AND q.period_key = p_period
		WINDOW w AS (ORDER BY q.bucket)) AS x
	WHERE p.program = p_program AND p.name = p_name AND p.period_key = p_period AND p.bucket = x.bucket AND x.take > 0;
END
$$;

-- set_limit defines a shared counter or changes its limit, and spreads what
-- every period of it has left under the new limit evenly over the period's
-- buckets; it raises SQLSTATE LY006 (DETAIL the period, HINT its claimed)
-- when a period claimed more than the new limit, which undoes it all. It
-- locks the counter, then every period's buckets in order, waiting for the
-- claims under way.
CREATE OR REPLACE FUNCTION {schema}.set_limit(p_program text, p_name text, p_limit bigint)
RETURNS void LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
	v_period  text;
	v_claimed bigint;
BEGIN
	INSERT INTO {schema}.shared_counters AS s (program, name, "limit") VALUES (p_program, p_name, p_limit)
	ON CONFLICT (program, name) DO UPDATE SET "limit" = excluded."limit";
	PERFORM 1 FROM {schema}.shared_counter_periods p
	WHERE p.program = p_program AND p.name = p_name
	ORDER BY p.period_key, p.bucket FOR UPDATE;
	SELECT x.period_key, x.claimed INTO v_period, v_claimed
	FROM (SELECT p.period_key, sum(p.claimed) AS claimed FROM {schema}.shared_counter_periods p
		WHERE p.program = p_program AND p.name = p_name GROUP BY p.period_key) AS x
	WHERE x.claimed > p_limit
	ORDER BY x.period_key LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'loyalty: limit % of shared counter % is below the % claimed in period %', p_limit, p_name, v_claimed, v_period
			USING ERRCODE = 'LY006', DETAIL = v_period, HINT = v_claimed::text;
	END IF;
	UPDATE {schema}.shared_counter_periods p
	SET "limit" = p.claimed + {schema}.bucket_share(p_limit - x.claimed, x.rank, x.buckets)
	FROM (SELECT q.period_key, q.bucket,
			(sum(q.claimed) OVER per)::bigint AS claimed,
			(count(*) OVER per)::integer AS buckets,
			(row_number() OVER (per ORDER BY q.bucket) - 1)::integer AS rank
		FROM {schema}.shared_counter_periods q
		WHERE q.program = p_program AND q.name = p_name
		WINDOW per AS (PARTITION BY q.period_key)) AS x
	WHERE p.program = p_program AND p.name = p_name AND p.period_key = x.period_key AND p.bucket = x.bucket;
END
$$;

-- commit_change as in 0004, but for its claims: a claim that fits in one
-- bucket of its period that no other transaction holds takes it from there
-- without waiting (the first such bucket in an order that starts from one
-- picked by the member's hash); the rest (a bucket-crossing claim, a claim
-- when every bucket with room is held, the period's first claim, a
-- refusal) go to claim_shared, which waits. The claims come sorted by
-- counter and period: of several claims of one period, the first locks all
-- its buckets in order, so that a change never waits for a bucket while
-- holding another of the same period out of order.
CREATE OR REPLACE FUNCTION {schema}.commit_change(
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
	v_home     integer;
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
		v_home := hashtext(p_member) & 1023;
		FOR i IN 1 .. cardinality(cl_counter) LOOP
			IF i < cardinality(cl_counter) AND cl_counter[i + 1] = cl_counter[i] AND cl_period[i + 1] = cl_period[i]
				AND (i = 1 OR cl_counter[i - 1] <> cl_counter[i] OR cl_period[i - 1] <> cl_period[i]) THEN
				-- The first of several claims of one period locks all its
				-- buckets, in order.
				PERFORM 1 FROM {schema}.shared_counter_periods p
				WHERE p.program = p_program AND p.name = cl_counter[i] AND p.period_key = cl_period[i]
				ORDER BY p.bucket FOR UPDATE;
			END IF;
			-- The common case here: a bucket with room (or, for a release,
			-- that claimed enough) that no other transaction holds, tried
			-- in the order bucket XOR the member's hash, so that from bucket
			-- hash mod 16 on; SKIP LOCKED never waits. The rest, and the
			-- refusals, in claim_shared.
			IF cl_release[i] THEN
				UPDATE {schema}.shared_counter_periods p SET claimed = p.claimed - cl_amount[i]
				WHERE p.program = p_program AND p.name = cl_counter[i] AND p.period_key = cl_period[i] AND p.bucket = (
					SELECT q.bucket FROM {schema}.shared_counter_periods q
					WHERE q.program = p_program AND q.name = cl_counter[i] AND q.period_key = cl_period[i] AND q.claimed >= cl_amount[i]
					ORDER BY q.bucket # v_home LIMIT 1 FOR UPDATE SKIP LOCKED)
					AND p.claimed >= cl_amount[i];
			ELSE
				UPDATE {schema}.shared_counter_periods p SET claimed = p.claimed + cl_amount[i]
				WHERE p.program = p_program AND p.name = cl_counter[i] AND p.period_key = cl_period[i] AND p.bucket = (
					SELECT q.bucket FROM {schema}.shared_counter_periods q
					WHERE q.program = p_program AND q.name = cl_counter[i] AND q.period_key = cl_period[i] AND cl_amount[i] <= q."limit" - q.claimed
					ORDER BY q.bucket # v_home LIMIT 1 FOR UPDATE SKIP LOCKED)
					AND cl_amount[i] <= p."limit" - p.claimed;
			END IF;
			CONTINUE WHEN FOUND;
			PERFORM {schema}.claim_shared(p_program, cl_counter[i], cl_period[i], cl_amount[i], cl_release[i], cl_idx[i]);
		END LOOP;
	END IF;
END
$$;
