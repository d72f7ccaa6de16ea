package crm_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/crm"
)

func TestCanTransitionEveryPair(t *testing.T) {
	t.Parallel()
	// The allowed moves; every other pair of statuses must be refused.
	allowed := map[crm.Status][]crm.Status{
		crm.StatusNew:          {crm.StatusAccepted, crm.StatusCancelled},
		crm.StatusAccepted:     {crm.StatusDiagnosing, crm.StatusCancelled},
		crm.StatusDiagnosing:   {crm.StatusEstimate, crm.StatusInProgress, crm.StatusCancelled},
		crm.StatusEstimate:     {crm.StatusApproved, crm.StatusDeclined, crm.StatusCancelled},
		crm.StatusApproved:     {crm.StatusInProgress, crm.StatusCancelled},
		crm.StatusDeclined:     {crm.StatusClosed, crm.StatusCancelled},
		crm.StatusInProgress:   {crm.StatusWaitingParts, crm.StatusReady},
		crm.StatusWaitingParts: {crm.StatusInProgress},
		crm.StatusReady:        {crm.StatusDelivered},
		crm.StatusDelivered:    {crm.StatusClosed},
		crm.StatusClosed:       nil,
		crm.StatusCancelled:    nil,
	}
	all := append(crm.Statuses(), "", "bogus")
	for _, from := range all {
		want := map[crm.Status]bool{}
		for _, to := range allowed[from] {
			want[to] = true
		}
		for _, to := range all {
			if got := crm.CanTransition(from, to); got != want[to] {
				t.Errorf("CanTransition(%q, %q) = %v, want %v", from, to, got, want[to])
			}
		}
		if diff := cmp.Diff(allowed[from], crm.NextStatuses(from)); diff != "" {
			t.Errorf("NextStatuses(%q) (-want +got):\n%s", from, diff)
		}
	}
}

func TestStatusTerminalAndValid(t *testing.T) {
	t.Parallel()
	for _, s := range crm.Statuses() {
		if !s.Valid() {
			t.Errorf("%q.Valid() = false", s)
		}
		want := s == crm.StatusClosed || s == crm.StatusCancelled
		if got := s.Terminal(); got != want {
			t.Errorf("%q.Terminal() = %v, want %v", s, got, want)
		}
		if s.Terminal() != (len(crm.NextStatuses(s)) == 0) {
			t.Errorf("%q: terminal = %v but next statuses = %v", s, s.Terminal(), crm.NextStatuses(s))
		}
	}
	for _, s := range []crm.Status{"", "New", "done"} {
		if s.Valid() {
			t.Errorf("%q.Valid() = true", s)
		}
	}
}
