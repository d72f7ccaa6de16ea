package crm

// Status is where a work order is in its life.
type Status string

// Statuses, in display order.
const (
	StatusNew          Status = "new"
	StatusAccepted     Status = "accepted"
	StatusDiagnosing   Status = "diagnosing"
	StatusEstimate     Status = "estimate"
	StatusApproved     Status = "approved"
	StatusDeclined     Status = "declined"
	StatusInProgress   Status = "in_progress"
	StatusWaitingParts Status = "waiting_parts"
	StatusReady        Status = "ready"
	StatusDelivered    Status = "delivered"
	StatusClosed       Status = "closed"
	StatusCancelled    Status = "cancelled"
)

// Statuses returns every status in display order.
func Statuses() []Status {
	return []Status{
		StatusNew, StatusAccepted, StatusDiagnosing, StatusEstimate, StatusApproved, StatusDeclined,
		StatusInProgress, StatusWaitingParts, StatusReady, StatusDelivered, StatusClosed, StatusCancelled,
	}
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, v := range Statuses() {
		if s == v {
			return true
		}
	}
	return false
}

// Terminal reports whether nothing more can happen to an order in s (closed or cancelled).
func (s Status) Terminal() bool { return s == StatusClosed || s == StatusCancelled }

// CanTransition is the status machine:
//
//	new → accepted → diagnosing → estimate → approved | declined
//	diagnosing → in_progress (until estimates exist, work may start right after diagnosis)
//	approved → in_progress ⇄ waiting_parts
//	in_progress → ready → delivered → closed
//	declined → closed
//	cancelled from any state before in_progress (new, accepted, diagnosing, estimate, approved, declined)
func CanTransition(from, to Status) bool {
	switch from {
	case StatusNew:
		return to == StatusAccepted || to == StatusCancelled
	case StatusAccepted:
		return to == StatusDiagnosing || to == StatusCancelled
	case StatusDiagnosing:
		return to == StatusEstimate || to == StatusInProgress || to == StatusCancelled
	case StatusEstimate:
		return to == StatusApproved || to == StatusDeclined || to == StatusCancelled
	case StatusApproved:
		return to == StatusInProgress || to == StatusCancelled
	case StatusDeclined:
		return to == StatusClosed || to == StatusCancelled
	case StatusInProgress:
		return to == StatusWaitingParts || to == StatusReady
	case StatusWaitingParts:
		return to == StatusInProgress
	case StatusReady:
		return to == StatusDelivered
	case StatusDelivered:
		return to == StatusClosed
	}
	return false
}

// NextStatuses returns the statuses reachable from from, in display order (cancelled last), for
// building buttons. It is empty for terminal and unknown statuses.
func NextStatuses(from Status) []Status {
	var next []Status
	for _, to := range Statuses() {
		if CanTransition(from, to) {
			next = append(next, to)
		}
	}
	return next
}
