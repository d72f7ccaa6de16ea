package crm

import "errors"

// Errors returned (wrapped) by this package; check them with errors.Is.
var (
	// ErrNotFound: the client, vehicle, staff member, order or outbox row does not exist (or, for
	// staff, is inactive). Never returned as nil, nil.
	ErrNotFound = errors.New("not found")
	// ErrStale: the order's version differs from the one the caller saw; its card is out of date.
	ErrStale = errors.New("order changed since it was shown")
	// ErrInvalidTransition: the status machine does not allow the requested move.
	ErrInvalidTransition = errors.New("status change not allowed")
	// ErrForbidden: the actor may not do this (role, ownership, a phone linked to someone else).
	ErrForbidden = errors.New("forbidden")
	// ErrInvalidPhone: the text is not a valid phone number.
	ErrInvalidPhone = errors.New("invalid phone number")
	// ErrInvalidInput: a field is missing or out of range.
	ErrInvalidInput = errors.New("invalid input")
	// ErrForeignContact: a shared contact is not the sender's own (contact.user_id differs). The bot
	// checks this; it lives here so that all user-facing errors map from one place.
	ErrForeignContact = errors.New("contact belongs to someone else")
	// ErrSlotTaken: another booking took the slot first.
	ErrSlotTaken = errors.New("slot already taken")
)

// Limits on free text, in characters. The bot checks them at each step, so
// a client hears about a too-long answer at once rather than at the end.
const (
	MaxNameLen      = 100
	MaxMakeModelLen = 100
	MaxProblemLen   = 20000
)
