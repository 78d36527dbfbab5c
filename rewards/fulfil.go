package rewards

import (
	"context"
	"strings"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
)

// ActionFulfil is the action of the host recording where the fulfilment of
// an external reward stands; its Ref is the grant's ID, its Data["status"]
// the new Fulfilment. Catalog.SetFulfilment sends it.
const ActionFulfil loyalty.ActionKind = "fulfil-reward"

// Fulfilment is where the host's fulfilment of an External reward stands.
// A grant starts FulfilRequested; the host moves it on with
// Catalog.SetFulfilment, to these or to statuses of its own (at most 32
// bytes, no slash).
type Fulfilment string

// Fulfilment statuses.
const (
	FulfilRequested  Fulfilment = "requested"
	FulfilProcessing Fulfilment = "processing"
	FulfilShipped    Fulfilment = "shipped"
	FulfilDelivered  Fulfilment = "delivered"
	FulfilFailed     Fulfilment = "failed"
)

// maxFulfilment is the longest status.
const maxFulfilment = 32

// fulfilCounter names the member counter holding the fulfilment of grant
// id: its period key is the status, its value how many times it changed.
func (c *Catalog) fulfilCounter(id string) string { return c.name + "/fulfilment/" + id }

// Fulfilment returns where the fulfilment of the member's grant id stands,
// from the member's state: FulfilRequested until the host set it.
func (c *Catalog) Fulfilment(st *loyalty.State, id string) Fulfilment {
	name := c.fulfilCounter(id)
	for _, ct := range st.Counters {
		if ct.Name == name {
			return Fulfilment(ct.PeriodKey)
		}
	}
	return FulfilRequested
}

// SetFulfilment records, under idempotency key key, that the fulfilment of
// member's open grant id (a reward of the catalog of kind External) is now
// status, with an explanation and a NoticeFulfilment (from, to) on the
// receipt. A grant that is not an open grant of the member is a *Error
// wrapping ErrUnknownReward, one of a reward that is not External
// ErrNotExternal, a status that is empty, longer than 32 bytes or holds a
// slash ErrInvalidStatus; each writes nothing. Setting the status it has
// is a write too (the receipt records it).
func (c *Catalog) SetFulfilment(ctx context.Context, e *loyalty.Engine, key, member, id string, status Fulfilment) (*loyalty.Receipt, error) {
	if err := checkFulfilment(status); err != nil {
		return nil, &Error{Reward: id, Reason: ErrInvalidStatus, Detail: err.Error()}
	}
	st, err := e.Member(ctx, member)
	if err != nil {
		return nil, err
	}
	var g *ledger.Grant
	for i := range st.Grants {
		if st.Grants[i].ID == id {
			g = &st.Grants[i]
		}
	}
	if g == nil {
		return nil, &Error{Reward: id, Reason: ErrUnknownReward, Detail: "no open grant " + id + " of member " + member}
	}
	if r := c.reward(g.Reward); r == nil || r.Kind != External {
		return nil, &Error{Reward: g.Reward, Reason: ErrNotExternal}
	}
	return e.Act(ctx, key, &loyalty.Action{Kind: ActionFulfil, MemberID: member, Ref: id, Data: map[string]string{"status": string(status)}})
}

func checkFulfilment(s Fulfilment) error {
	switch {
	case s == "":
		return errText("is empty")
	case len(s) > maxFulfilment:
		return errText("is longer than 32 bytes")
	case strings.ContainsRune(string(s), '/'):
		return errText("holds a slash")
	}
	return loyalty.CheckID("status", string(s))
}

type errText string

func (e errText) Error() string { return string(e) }

// fulfil plans the host's fulfilment update a.
func (c *Catalog) fulfil(in *loyalty.Input, a *loyalty.Action, effects []loyalty.Effect) []loyalty.Effect {
	status := Fulfilment(a.Data["status"])
	if err := checkFulfilment(status); err != nil {
		return append(effects, refuse(&Error{Reward: a.Ref, Reason: ErrInvalidStatus, Detail: err.Error()}))
	}
	if err := loyalty.CheckID("grant", a.Ref); err != nil || a.Ref == "" {
		return append(effects, refuse(&Error{Reward: a.Ref, Reason: ErrUnknownReward}))
	}
	name := c.fulfilCounter(a.Ref)
	var n int64
	was := FulfilRequested
	for _, ct := range in.State.Counters {
		if ct.Name == name {
			n, was = ct.Value, Fulfilment(ct.PeriodKey)
		}
	}
	ef := loyalty.Count(name, string(status), n+1)
	ef.Set = true
	ef.Note = "fulfilment of grant " + a.Ref + ": " + string(was) + " → " + string(status)
	return append(effects, ef, loyalty.NotifyChange(NoticeFulfilment, string(was), string(status), ef.Note))
}

// NoticeFulfilment announces a change of an external reward's fulfilment.
const NoticeFulfilment loyalty.NoticeKind = "rewards.fulfilment"
