package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/loyaltykit/loyalty/money"
	"github.com/loyaltykit/loyalty/storage/postgres"
)

// joinWith is a change that enrols member with amount points and claims.
func joinWith(key, member string, amount int64, claims ...ledger.Claim) *loyalty.Change {
	c := change(key, member, 0, t0, amount)
	c.Member = &loyalty.Member{ID: member, JoinedAt: t0}
	c.Claims = claims
	return c
}

func take(counter string, n int64) ledger.Claim {
	return ledger.Claim{Counter: counter, Amount: n}
}

func shared(t testing.TB, s loyalty.Store) loyalty.SharedStore {
	t.Helper()
	ss, ok := s.(loyalty.SharedStore)
	require.True(t, ok, "%T is a SharedStore", s)
	return ss
}

func claimed(t testing.TB, s loyalty.Store, name, period string) ledger.SharedCounter {
	t.Helper()
	c, err := shared(t, s).SharedCounter(context.Background(), name, period)
	require.NoError(t, err)
	return c
}

func TestSetLimitAndSharedCounterSayWhatWasClaimed(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	_, err := s.SharedCounter(ctx, "stock", "")
	require.ErrorIs(t, err, loyalty.ErrUnknownCounter)
	require.ErrorIs(t, s.SetLimit(ctx, "stock", -1), loyalty.ErrInvalidAmount)
	require.ErrorIs(t, s.SetLimit(ctx, "", 5), loyalty.ErrInvalidID)
	require.NoError(t, s.SetLimit(ctx, "stock", 5))
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 5}, claimed(t, s, "stock", ""))

	_, err = s.Commit(ctx, joinWith("k1", "ann", 10, take("stock", 3), ledger.Claim{Counter: "stock", PeriodKey: "2026-03", Amount: 4}))
	require.NoError(t, err)
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 5, Claimed: 3}, claimed(t, s, "stock", ""))
	require.Equal(t, int64(2), claimed(t, s, "stock", "").Left())
	require.Equal(t, ledger.SharedCounter{Name: "stock", PeriodKey: "2026-03", Limit: 5, Claimed: 4}, claimed(t, s, "stock", "2026-03"))
	require.Equal(t, int64(0), claimed(t, s, "stock", "2026-04").Claimed)

	// Below what the period 2026-03 claimed: refused, nothing changes.
	err = s.SetLimit(ctx, "stock", 3)
	var le *loyalty.LimitError
	require.True(t, errors.As(err, &le), "got %v", err)
	require.ErrorIs(t, err, loyalty.ErrLimitBelowClaimed)
	require.Equal(t, loyalty.LimitError{Counter: "stock", PeriodKey: "2026-03", Limit: 3, Claimed: 4}, *le)
	require.Equal(t, int64(5), claimed(t, s, "stock", "").Limit)
	require.NoError(t, s.SetLimit(ctx, "stock", 4))
	require.Equal(t, ledger.SharedCounter{Name: "stock", PeriodKey: "2026-03", Limit: 4, Claimed: 4}, claimed(t, s, "stock", "2026-03"))
	require.Equal(t, int64(1), claimed(t, s, "stock", "").Left())

	// Counters are per program.
	other := forProgram(t, s, "other")
	_, err = shared(t, other).SharedCounter(ctx, "stock", "")
	require.ErrorIs(t, err, loyalty.ErrUnknownCounter)
}

func TestAClaimBeyondTheLimitWritesNothingAndSaysWhatWasLeft(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	require.NoError(t, s.SetLimit(ctx, "stock", 5))
	require.NoError(t, s.SetLimit(ctx, "budget", 100))
	_, err := s.Commit(ctx, joinWith("k1", "ann", 10, take("stock", 4)))
	require.NoError(t, err)

	// Two claims, the second refused: the first is undone with the rest.
	_, err = s.Commit(ctx, joinWith("k2", "bob", 10, take("budget", 30), take("stock", 2)))
	var ce *loyalty.ClaimError
	require.True(t, errors.As(err, &ce), "got %v", err)
	require.ErrorIs(t, err, loyalty.ErrLimitReached)
	require.Equal(t, loyalty.ClaimError{Counter: "stock", Asked: 2, Left: 1, Err: loyalty.ErrLimitReached}, *ce)
	require.Equal(t, int64(0), claimed(t, s, "budget", "").Claimed)
	require.Equal(t, int64(4), claimed(t, s, "stock", "").Claimed)
	_, err = s.Load(ctx, "bob", loyalty.Query{})
	require.ErrorIs(t, err, loyalty.ErrUnknownMember, "the refused change wrote nothing")
	_, err = s.Receipt(ctx, "k2")
	require.ErrorIs(t, err, loyalty.ErrNotFound)

	// Unknown counter, a release of more than was claimed.
	_, err = s.Commit(ctx, joinWith("k3", "bob", 10, take("nope", 1)))
	require.True(t, errors.As(err, &ce), "got %v", err)
	require.ErrorIs(t, err, loyalty.ErrUnknownCounter)
	require.Equal(t, "nope", ce.Counter)
	_, err = s.Commit(ctx, joinWith("k4", "bob", 10, ledger.Claim{Counter: "stock", Amount: 5, Release: true}))
	require.True(t, errors.As(err, &ce), "got %v", err)
	require.ErrorIs(t, err, loyalty.ErrInvalidClaim)
	_, err = s.Commit(ctx, joinWith("k5", "bob", 10, take("stock", 0)))
	require.ErrorIs(t, err, loyalty.ErrInvalidClaim)
	require.Equal(t, int64(4), claimed(t, s, "stock", "").Claimed)

	// A release gives back; the unit is then claimed.
	_, err = s.Commit(ctx, joinWith("k6", "bob", 10, ledger.Claim{Counter: "stock", Amount: 2, Release: true}))
	require.NoError(t, err)
	require.Equal(t, int64(2), claimed(t, s, "stock", "").Claimed)
	_, err = s.Commit(ctx, joinWith("k7", "cat", 10, take("stock", 3)))
	require.NoError(t, err)
	require.Equal(t, int64(5), claimed(t, s, "stock", "").Claimed)

	// A committed key claims nothing again.
	_, err = s.Commit(ctx, joinWith("k7", "cat", 10, take("stock", 3)))
	var kc *loyalty.KeyCommittedError
	require.True(t, errors.As(err, &kc), "got %v", err)
	require.Equal(t, int64(5), claimed(t, s, "stock", "").Claimed)
	checkBalancesEqualEntries(t, s)
}

func TestNoLimitCountsWithoutOverflow(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	require.NoError(t, s.SetLimit(ctx, "signups", loyalty.NoLimit))
	_, err := s.Commit(ctx, joinWith("k1", "ann", 1, take("signups", loyalty.NoLimit-1)))
	require.NoError(t, err)
	_, err = s.Commit(ctx, joinWith("k2", "bob", 1, take("signups", 2)))
	var ce *loyalty.ClaimError
	require.True(t, errors.As(err, &ce), "got %v", err)
	require.Equal(t, int64(1), ce.Left)
	_, err = s.Commit(ctx, joinWith("k3", "bob", 1, take("signups", 1)))
	require.NoError(t, err)
	require.Equal(t, loyalty.NoLimit, claimed(t, s, "signups", "").Claimed)
}

func TestCodesAreUniqueAndUsedWithTheirChecks(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	created := time.Date(2026, 3, 1, 9, 0, 0, 123000, time.UTC)
	gift := ledger.Code{Code: "GIFT-7KQ2", Kind: "gift-card", Ref: "g1", MaxUses: 2, CreatedAt: created}
	require.NoError(t, s.ReserveCode(ctx, gift))
	err := s.ReserveCode(ctx, ledger.Code{Code: "GIFT-7KQ2", Kind: "coupon"})
	var ce *loyalty.CodeError
	require.True(t, errors.As(err, &ce), "got %v", err)
	require.Equal(t, loyalty.CodeError{Code: "GIFT-7KQ2", Err: loyalty.ErrCodeTaken}, *ce)
	require.ErrorIs(t, s.ReserveCode(ctx, ledger.Code{Code: "has space"}), loyalty.ErrInvalidCode)
	require.ErrorIs(t, s.ReserveCode(ctx, ledger.Code{Code: "X", Uses: 1}), loyalty.ErrInvalidClaim)

	got, err := s.Code(ctx, "GIFT-7KQ2")
	require.NoError(t, err)
	require.Equal(t, gift, got)
	_, err = s.Code(ctx, "NOPE")
	require.ErrorIs(t, err, loyalty.ErrUnknownCode)
	_, err = s.Code(ctx, "")
	require.ErrorIs(t, err, loyalty.ErrInvalidCode)

	got, err = s.UseCode(ctx, ledger.CodeUse{Code: "GIFT-7KQ2", Uses: 2})
	require.NoError(t, err)
	require.Equal(t, int64(2), got.Uses)
	_, err = s.UseCode(ctx, ledger.CodeUse{Code: "GIFT-7KQ2", Uses: 1})
	require.ErrorIs(t, err, loyalty.ErrCodeUsedUp)
	_, err = s.UseCode(ctx, ledger.CodeUse{Code: "GIFT-7KQ2", Uses: -3})
	require.ErrorIs(t, err, loyalty.ErrInvalidClaim)
	got, err = s.UseCode(ctx, ledger.CodeUse{Code: "GIFT-7KQ2", Uses: -1})
	require.NoError(t, err)
	require.Equal(t, int64(1), got.Uses)
	got, err = s.UseCode(ctx, ledger.CodeUse{Code: "GIFT-7KQ2", Void: true})
	require.NoError(t, err)
	require.True(t, got.Void)
	_, err = s.UseCode(ctx, ledger.CodeUse{Code: "GIFT-7KQ2", Uses: 1})
	require.ErrorIs(t, err, loyalty.ErrCodeVoid)
	_, err = s.UseCode(ctx, ledger.CodeUse{Code: "GIFT-7KQ2", Void: true})
	require.NoError(t, err, "voiding a void code again")
	_, err = s.UseCode(ctx, ledger.CodeUse{Code: "NOPE", Uses: 1})
	require.ErrorIs(t, err, loyalty.ErrUnknownCode)
	require.ErrorIs(t, s.ReserveCode(ctx, ledger.Code{Code: "GIFT-7KQ2"}), loyalty.ErrCodeTaken, "a void code stays taken")

	// Codes are per program.
	other := shared(t, forProgram(t, s, "other"))
	_, err = other.Code(ctx, "GIFT-7KQ2")
	require.ErrorIs(t, err, loyalty.ErrUnknownCode)
	require.NoError(t, other.ReserveCode(ctx, ledger.Code{Code: "GIFT-7KQ2"}))
}

func TestAChangeReservesAndUsesCodesAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	require.NoError(t, s.ReserveCode(ctx, ledger.Code{Code: "SINGLE", MaxUses: 1}))
	c := joinWith("k1", "ann", 10)
	c.Codes = []ledger.Code{{Code: "REF-ANN", Kind: "referral", Owner: "ann", CreatedAt: t0}}
	c.CodeUses = []ledger.CodeUse{{Code: "SINGLE", Uses: 1}}
	_, err := s.Commit(ctx, c)
	require.NoError(t, err)
	ref, err := s.Code(ctx, "REF-ANN")
	require.NoError(t, err)
	require.Equal(t, ledger.Code{Code: "REF-ANN", Kind: "referral", Owner: "ann", CreatedAt: t0}, ref)

	// bob's change reserves a taken code: refused, his code use undone.
	require.NoError(t, s.ReserveCode(ctx, ledger.Code{Code: "MULTI"}))
	c = joinWith("k2", "bob", 10)
	c.CodeUses = []ledger.CodeUse{{Code: "MULTI", Uses: 1}}
	c.Codes = []ledger.Code{{Code: "REF-BOB", Owner: "bob"}, {Code: "REF-ANN", Owner: "bob"}}
	_, err = s.Commit(ctx, c)
	var ce *loyalty.CodeError
	require.True(t, errors.As(err, &ce), "got %v", err)
	require.Equal(t, loyalty.CodeError{Code: "REF-ANN", Err: loyalty.ErrCodeTaken}, *ce)
	_, err = s.Code(ctx, "REF-BOB")
	require.ErrorIs(t, err, loyalty.ErrUnknownCode)
	multi, err := s.Code(ctx, "MULTI")
	require.NoError(t, err)
	require.Equal(t, int64(0), multi.Uses)

	// A used-up code refuses the change.
	c = joinWith("k3", "bob", 10)
	c.CodeUses = []ledger.CodeUse{{Code: "SINGLE", Uses: 1}}
	_, err = s.Commit(ctx, c)
	require.True(t, errors.As(err, &ce), "got %v", err)
	require.Equal(t, loyalty.CodeError{Code: "SINGLE", Err: loyalty.ErrCodeUsedUp}, *ce)
	_, err = s.Load(ctx, "bob", loyalty.Query{})
	require.ErrorIs(t, err, loyalty.ErrUnknownMember)
}

func TestGrantsCommitAndLoadOpenOrByID(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	g1 := ledger.Grant{ID: "g1", MemberID: "ann", Reward: "free-coffee", Code: "CF-1", GrantedAt: t0, Status: ledger.GrantOpen,
		Value: money.Money{Amount: decimal.RequireFromString("3.50"), Currency: "USD"}, Source: "birthday", Ref: "2026"}
	g2 := ledger.Grant{ID: "g2", MemberID: "ann", Reward: "tote", GrantedAt: t0, Status: ledger.GrantUsed, Uses: 1}
	c := joinWith("k1", "ann", 10)
	c.Grants = []ledger.Grant{g1, g2}
	_, err := s.Commit(ctx, c)
	require.NoError(t, err)

	st, err := s.Load(ctx, "ann", loyalty.Query{})
	require.NoError(t, err)
	require.Empty(t, st.Grants, "not asked for")
	st, err = s.Load(ctx, "ann", loyalty.Query{Grants: true})
	require.NoError(t, err)
	require.Len(t, st.Grants, 1)
	require.Equal(t, "g1", st.Grants[0].ID)
	require.True(t, g1.Value.Amount.Equal(st.Grants[0].Value.Amount))
	st, err = s.Load(ctx, "ann", loyalty.Query{Grants: true, GrantIDs: []string{"g1", "g2", "g9"}})
	require.NoError(t, err)
	require.Len(t, st.Grants, 2, "each once")
	require.Equal(t, []string{"g1", "g2"}, []string{st.Grants[0].ID, st.Grants[1].ID})
	require.Equal(t, ledger.GrantUsed, st.Grants[1].Status)

	// Using g1 updates it in place.
	g1.Status, g1.Uses = ledger.GrantUsed, 1
	c = change("k2", "ann", 1, t0, 0)
	c.Entries, c.Lots, c.Balances, c.Orders = nil, nil, nil, nil
	c.Receipt.Entries = nil
	c.Grants = []ledger.Grant{g1}
	_, err = s.Commit(ctx, c)
	require.NoError(t, err)
	st, err = s.Load(ctx, "ann", loyalty.Query{Grants: true, GrantIDs: []string{"g1"}})
	require.NoError(t, err)
	require.Len(t, st.Grants, 1)
	require.Equal(t, ledger.GrantUsed, st.Grants[0].Status)
	require.Equal(t, int64(0), count(t, s, `SELECT count(*) FROM `+tbl(s, "grants")+` WHERE status = 'open'`))
}

func TestSharedStoreInAHostTransactionLeavesItUsableAfterARefusal(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	require.NoError(t, s.SetLimit(ctx, "stock", 1))
	_, err := s.Commit(ctx, joinWith("k1", "ann", 1, take("stock", 1)))
	require.NoError(t, err)
	tx, err := s.Pool().Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck
	v := shared(t, s.InTx(tx))
	require.ErrorIs(t, v.SetLimit(ctx, "stock", 0), loyalty.ErrLimitBelowClaimed)
	require.NoError(t, v.ReserveCode(ctx, ledger.Code{Code: "C1", MaxUses: 1}))
	_, err = v.UseCode(ctx, ledger.CodeUse{Code: "C1", Uses: 2})
	require.ErrorIs(t, err, loyalty.ErrCodeUsedUp)
	_, err = s.InTx(tx).Commit(ctx, joinWith("k2", "bob", 1, take("stock", 1)))
	require.ErrorIs(t, err, loyalty.ErrLimitReached)
	require.NoError(t, v.SetLimit(ctx, "stock", 2))
	_, err = s.InTx(tx).Commit(ctx, joinWith("k2", "bob", 1, take("stock", 1)))
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 2, Claimed: 2}, claimed(t, s, "stock", ""))
	c1, err := s.Code(ctx, "C1")
	require.NoError(t, err)
	require.Equal(t, int64(0), c1.Uses)
}

// claimRace has workers goroutines each try attempts commits, each
// enrolling a member of its own with a claim of n from counter; it returns
// the successes. Every failure must be ErrLimitReached; a conflict (at
// SERIALIZABLE) is tried again.
func claimRace(t testing.TB, s loyalty.Store, prefix, counter string, n int64, workers, attempts int) int {
	t.Helper()
	var (
		mu   sync.Mutex
		ok   int
		errs []error
		wg   sync.WaitGroup
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range attempts {
				id := fmt.Sprintf("%s-%d-%d", prefix, w, a)
				var err error
				for range 100 {
					if _, err = s.Commit(context.Background(), joinWith(id, id, 1, take(counter, n))); !errors.Is(err, loyalty.ErrConflict) {
						break
					}
				}
				mu.Lock()
				if err == nil {
					ok++
				} else if !errors.Is(err, loyalty.ErrLimitReached) {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Empty(t, errs)
	return ok
}

func TestSixteenGoroutinesRacingForTheLastUnitGetExactlyOne(t *testing.T) {
	ctx := context.Background()
	for _, st := range []struct {
		name string
		s    *postgres.Store
	}{{"read committed", newStore(t)}, {"serializable", serializableStore(t)}} {
		t.Run(st.name, func(t *testing.T) {
			s := st.s
			require.NoError(t, s.SetLimit(ctx, "stock", 1))
			require.Equal(t, 1, claimRace(t, s, "m", "stock", 1, 16, 1))
			require.Equal(t, int64(1), claimed(t, s, "stock", "").Claimed)
			require.Equal(t, int64(1), count(t, s, `SELECT count(*) FROM `+tbl(s, "members")))

			// A budget of 100 in claims of 7, many more asked than fit: 14
			// commit, 98 claimed, never more.
			require.NoError(t, s.SetLimit(ctx, "budget", 100))
			require.Equal(t, 14, claimRace(t, s, "b", "budget", 7, 16, 3))
			require.Equal(t, int64(98), claimed(t, s, "budget", "").Claimed)
			checkBalancesEqualEntries(t, s)
		})
	}
}

func TestTwoProcessesRacingForTheLastUnitGetExactlyOneInTotal(t *testing.T) {
	if os.Getenv(childEnv) == "claim" {
		s := storeInSchema(t, os.Getenv(childSchemaEnv))
		fmt.Printf("RESULT %d\n", claimRace(t, s, "p"+strconv.Itoa(os.Getpid()), "stock", 1, 8, 2))
		return
	}
	if os.Getenv(childEnv) != "" {
		t.Skip("another child role")
	}
	schema := freshSchema(t)
	s := storeInSchema(t, schema)
	require.NoError(t, s.SetLimit(context.Background(), "stock", 1))
	total := 0
	for _, out := range runChildren(t, "TestTwoProcessesRacingForTheLastUnitGetExactlyOneInTotal", "claim", schema, 2) {
		n, err := strconv.Atoi(childResult(t, out))
		require.NoError(t, err)
		total += n
	}
	require.Equal(t, 1, total)
	require.Equal(t, int64(1), claimed(t, s, "stock", "").Claimed)
	require.Equal(t, int64(1), count(t, s, `SELECT count(*) FROM `+tbl(s, "members")))
}

// bucketRow is one bucket of a shared counter's period (migration 0006).
type bucketRow struct {
	Bucket         int16
	Claimed, Limit int64
}

// buckets reads the buckets of a period of counter name, in bucket order.
func buckets(t testing.TB, s *postgres.Store, name, period string) []bucketRow {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), `SELECT bucket, claimed, "limit" FROM `+tbl(s, "shared_counter_periods")+
		` WHERE program = 'default' AND name = $1 AND period_key = $2 ORDER BY bucket`, name, period)
	require.NoError(t, err)
	var out []bucketRow
	for rows.Next() {
		var b bucketRow
		require.NoError(t, rows.Scan(&b.Bucket, &b.Claimed, &b.Limit))
		out = append(out, b)
	}
	require.NoError(t, rows.Err())
	return out
}

// sums is what a period's buckets claimed and hold as limit in total, and
// fails t when a bucket claimed more than its share.
func sums(t testing.TB, bs []bucketRow) (claimed, limit int64) {
	t.Helper()
	for _, b := range bs {
		require.LessOrEqual(t, b.Claimed, b.Limit, "bucket %d claimed more than its share", b.Bucket)
		claimed += b.Claimed
		limit += b.Limit
	}
	return claimed, limit
}

func TestAPeriodIsSixteenBucketsThatSumToTheLimitAndAClaimMayCrossThem(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	require.NoError(t, s.SetLimit(ctx, "stock", 100))
	_, err := s.Commit(ctx, joinWith("k1", "ann", 10, take("stock", 30)))
	require.NoError(t, err)
	bs := buckets(t, s, "stock", "")
	require.Len(t, bs, 16)
	// 100 over 16 buckets is 6 each and one more to each of the first four,
	// so 30 fits in none: it was taken across buckets 0 to 4 (7+7+7+7+2).
	require.Equal(t, []bucketRow{{0, 7, 7}, {1, 7, 7}, {2, 7, 7}, {3, 7, 7}, {4, 2, 6}}, bs[:5])
	c, l := sums(t, bs)
	require.Equal(t, [2]int64{30, 100}, [2]int64{c, l})

	// A new limit spreads what is left, 50 - 30 = 20, over the 16: 2 each
	// to the first four, 1 to the others, above what each claimed.
	require.NoError(t, s.SetLimit(ctx, "stock", 50))
	bs = buckets(t, s, "stock", "")
	require.Equal(t, bucketRow{0, 7, 9}, bs[0])
	require.Equal(t, bucketRow{4, 2, 3}, bs[4])
	require.Equal(t, bucketRow{15, 0, 1}, bs[15])
	c, l = sums(t, bs)
	require.Equal(t, [2]int64{30, 50}, [2]int64{c, l})

	// All 20 left, in one claim, then nothing; a release of 25 gives back
	// across buckets too.
	_, err = s.Commit(ctx, joinWith("k2", "bob", 10, take("stock", 20)))
	require.NoError(t, err)
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 50, Claimed: 50}, claimed(t, s, "stock", ""))
	_, err = s.Commit(ctx, joinWith("k3", "cat", 10, take("stock", 1)))
	var ce *loyalty.ClaimError
	require.True(t, errors.As(err, &ce), "got %v", err)
	require.Equal(t, loyalty.ClaimError{Counter: "stock", Asked: 1, Left: 0, Err: loyalty.ErrLimitReached}, *ce)
	_, err = s.Commit(ctx, joinWith("k4", "cat", 10, ledger.Claim{Counter: "stock", Amount: 25, Release: true}))
	require.NoError(t, err)
	c, l = sums(t, buckets(t, s, "stock", ""))
	require.Equal(t, [2]int64{25, 50}, [2]int64{c, l})
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 50, Claimed: 25}, claimed(t, s, "stock", ""))
	checkBalancesEqualEntries(t, s)
}

func TestMigrationSplitsAClaimedPeriodIntoBucketsKeepingWhatItClaimed(t *testing.T) {
	ctx := context.Background()
	s := storeAt(t, 5) // before 0006: one row per period
	require.NoError(t, s.SetLimit(ctx, "stock", 10))
	for i, m := range []string{"ann", "bob", "cat"} {
		_, err := s.Commit(ctx, joinWith("k"+strconv.Itoa(i), m, 10, take("stock", 1)))
		require.NoError(t, err)
	}
	require.Equal(t, int64(1), count(t, s, `SELECT count(*) FROM `+tbl(s, "shared_counter_periods")+` WHERE claimed = 3 AND "limit" = 10`),
		"before the migration, one row")

	require.NoError(t, s.Migrate(ctx))
	bs := buckets(t, s, "stock", "")
	require.Len(t, bs, 16)
	// Bucket 0 keeps its 3 and the first of the 7 left; buckets 1 to 6 get
	// one each.
	require.Equal(t, []bucketRow{{0, 3, 4}, {1, 0, 1}, {6, 0, 1}, {7, 0, 0}, {15, 0, 0}}, []bucketRow{bs[0], bs[1], bs[6], bs[7], bs[15]})
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 10, Claimed: 3}, claimed(t, s, "stock", ""))

	// The 7 left are claimed, one by one from seven members, and no more.
	for i := range 7 {
		_, err := s.Commit(ctx, joinWith("n"+strconv.Itoa(i), "m"+strconv.Itoa(i), 10, take("stock", 1)))
		require.NoError(t, err, "claim %d", i)
	}
	_, err := s.Commit(ctx, joinWith("n7", "m7", 10, take("stock", 1)))
	require.ErrorIs(t, err, loyalty.ErrLimitReached)
	require.Equal(t, ledger.SharedCounter{Name: "stock", Limit: 10, Claimed: 10}, claimed(t, s, "stock", ""))
}
