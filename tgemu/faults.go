package tgemu

import (
	"net/http"
)

// faultSet holds the injected fault rules. Caller holds s.mu for every method.
type faultSet struct{}

func (s *Server) matchFault(q *request) *faultRule { return nil }

type faultRule struct{}

func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, q *request, rule *faultRule, call *Call) bool {
	return false
}

func (f *faultSet) reorderNext(s *Server) bool { return false }
