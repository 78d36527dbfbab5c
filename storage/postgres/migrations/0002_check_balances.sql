-- 0002: commit_change refuses a change that does not add up. It takes, for
-- every balance it writes, the balance the account must hold before the
-- change (b_was_available, b_was_pending: the planned balance less the
-- change's entries there) and raises SQLSTATE LY002, writing nothing, when
-- the stored balance is another.
DROP FUNCTION {schema}.commit_change(text, bigint, json, timestamptz, text, text, json,
	bigint[], integer[], text[], text[], bigint[], bigint[], timestamptz[], text[], text[], text[], bigint[], text[], text[],
	bigint[], text[], bigint[], timestamptz[], timestamptz[], timestamptz[], text[],
	text[], bigint[], bigint[],
	text[], text[], bigint[],
	text[], json[],
	text[], json[]);

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
	r_id text[], r_record json[],
	b_was_available bigint[], b_was_pending bigint[])
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
