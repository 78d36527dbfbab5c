-- 0003: an order ID is unique in the store, whoever claims it.
--
-- order_owners holds, for every order ID, the member whose order record
-- holds it; commit_change claims the order IDs a change records and raises
-- SQLSTATE LY003 (loyalty.ErrDuplicate, a *loyalty.OrderOwnerError), writing
-- nothing, for one another member holds.
--
-- A schema written before 0003 may hold one order ID under several members.
-- It migrates all the same: the first keeps the ID, the first being the
-- member whose earn of it committed first (writes.committed_at of its earn
-- entry's write), then the member ID; the others keep their order records,
-- ledgers and returns as they were, but the ID is claimed for nobody else.

CREATE TABLE {schema}.order_owners (
	order_id  text NOT NULL PRIMARY KEY,
	member_id text NOT NULL
);

INSERT INTO {schema}.order_owners (order_id, member_id)
SELECT order_id, member_id FROM (
	SELECT o.order_id, o.member_id,
		row_number() OVER (PARTITION BY o.order_id ORDER BY f.first NULLS LAST, o.member_id) AS n
	FROM {schema}.orders o
	LEFT JOIN (
		SELECT e.member_id, e.ref, min(w.committed_at) AS first
		FROM {schema}.entries e JOIN {schema}.writes w ON w.member_id = e.member_id AND w.version = e.version
		WHERE e.kind = 'earn'
		GROUP BY e.member_id, e.ref
	) f ON f.member_id = o.member_id AND f.ref = o.order_id
) x
WHERE n = 1;

-- commit_change as in 0002, with the claim of the order IDs before the
-- order records are written.
CREATE OR REPLACE FUNCTION {schema}.commit_change(
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
	b_was_available bigint[], b_was_pending bigint[])
RETURNS void LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
	v_order text;
	v_owner text;
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

	-- The balances the change was planned from, checked under the member's
	-- row lock, after the key: every write goes through this function, which holds it.
	IF cardinality(b_account) > 0 AND EXISTS (
		SELECT 1 FROM unnest(b_account, b_was_available, b_was_pending) AS x(account, was_available, was_pending)
		LEFT JOIN {schema}.balances b ON b.member_id = p_member AND b.account = x.account
		WHERE coalesce(b.available, 0) <> x.was_available OR coalesce(b.pending, 0) <> x.was_pending) THEN
		RAISE EXCEPTION 'loyalty: the balances of member % are not what the change was planned from', p_member USING ERRCODE = 'LY002';
	END IF;

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
		-- Every order ID the member has no record of is claimed for it. A
		-- concurrent claim of the same ID waits for the first and then
		-- does nothing (under READ COMMITTED; SERIALIZABLE fails it with
		-- 40001, which the store reports as ErrConflict, and the retry
		-- finds the owner). An ID another member holds raises LY003,
		-- DETAIL the owner, HINT the order ID.
		INSERT INTO {schema}.order_owners (order_id, member_id)
		SELECT x.id, p_member FROM unnest(o_id) AS x(id)
		WHERE NOT EXISTS (SELECT 1 FROM {schema}.orders o WHERE o.member_id = p_member AND o.order_id = x.id)
		ON CONFLICT (order_id) DO NOTHING;
		SELECT w.order_id, w.member_id INTO v_order, v_owner
		FROM unnest(o_id) AS x(id) JOIN {schema}.order_owners w ON w.order_id = x.id
		WHERE w.member_id <> p_member
			AND NOT EXISTS (SELECT 1 FROM {schema}.orders o WHERE o.member_id = p_member AND o.order_id = x.id)
		LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION 'loyalty: order % is recorded for member %, not %', v_order, v_owner, p_member
				USING ERRCODE = 'LY003', DETAIL = v_owner, HINT = v_order;
		END IF;
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
