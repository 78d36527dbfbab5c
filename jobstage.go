package loyalty

import "strconv"

// JobStage is one step of the periodic jobs. Engine.RunJobs runs the stages
// for each member in the order of their values: activate held points, review
// (tiers), expire, review again, grant (payouts, birthdays, anniversaries).
type JobStage uint8

// The stages of the periodic jobs, in the order they run.
const (
	// StageActivate activates held points whose return window is over. It is
	// the engine's own step: the write activates and expires nothing else.
	StageActivate JobStage = iota + 1
	// StageReview runs the reviews of Periodic rules (a tier review) on the
	// ledger with its held points activated, before anything expires.
	StageReview
	// StageExpire expires what remains of lots whose expiry has come, and
	// then, in a write of its own (job "expire-grants"), marks the open
	// grants whose ExpiresAt has come GrantExpired, −1 each in
	// RewardsAccount. It is the engine's own step.
	StageExpire
	// StageReviewAfterExpiry runs the reviews again, after expiry, for rules
	// that judge what expiry changed.
	StageReviewAfterExpiry
	// StageGrant runs what the settled ledger grants: cashback payouts once
	// a period is over, birthday and anniversary gifts.
	StageGrant
)

// stages lists the stages in the order RunJobs runs them.
var stages = [...]JobStage{StageActivate, StageReview, StageExpire, StageReviewAfterExpiry, StageGrant}

// String names the stage as it appears in job keys: "activate", "review",
// "expire", "review-after-expiry", "grant".
func (s JobStage) String() string {
	switch s {
	case StageActivate:
		return "activate"
	case StageReview:
		return "review"
	case StageExpire:
		return "expire"
	case StageReviewAfterExpiry:
		return "review-after-expiry"
	case StageGrant:
		return "grant"
	}
	return "stage(" + strconv.Itoa(int(s)) + ")"
}
