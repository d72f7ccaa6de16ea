// Package crm is the domain of UniFlow and its PostgreSQL persistence: clients, vehicles, staff,
// work orders and their status machine, the outbox of messages to send, and reports.
package crm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Options configure a Service. Zero values get defaults: Now = time.Now, Location = UTC,
// Region = "RU".
type Options struct {
	Now      func() time.Time
	Location *time.Location // the shop's time zone: what "today" means
	Region   string         // default region for phone numbers, "RU"
	// StaffChatID, when not 0, is the staff group that receives new requests; otherwise every
	// active manager and admin with a chat id does (owners when there are none).
	StaffChatID int64
	// AllowNegativeStock lets reservations and write-offs take a part's free stock below zero
	// (a shop that records receipts late); off, they are refused.
	AllowNegativeStock bool
	// CompanyPaymentDays is how many days after delivery clients marked as companies have to
	// pay; everyone else pays on delivery.
	CompanyPaymentDays int
	// OfferGapDays is the least number of days between two marketing messages (offers,
	// campaigns) to one client; 0 = DefaultOfferGapDays.
	OfferGapDays int
	// MarginFloor is the parts margin, in hundredths of a percent, below which the owner's report
	// flags an item; 0 = DefaultMarginFloor (20 %).
	MarginFloor int
	// UnansweredAfter is how long a client's free message may wait for an answer before the
	// digest lists it; 0 = DefaultUnansweredAfter.
	UnansweredAfter time.Duration
	// Pilot is the pilot group, which alone gets new requests and notices while it is set; the
	// zero Pilot is none (pilot.go).
	Pilot Pilot
}

// Service is the CRM. It is safe for concurrent use.
type Service struct {
	db   *pgxpool.Pool
	opts Options
}

// New returns a Service on db.
func New(db *pgxpool.Pool, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Region == "" {
		opts.Region = "RU"
	}
	return &Service{db: db, opts: opts}
}

// now is the service clock, rounded to what PostgreSQL stores (microseconds).
func (s *Service) now() time.Time { return s.opts.Now().Round(time.Microsecond) }

// inTx runs fn in a transaction and returns the commit's error.
func (s *Service) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }() // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// querier is what pgxpool.Pool and pgx.Tx share.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// isUniqueViolation reports whether err is a unique_violation, on constraint when not "".
func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && (constraint == "" || pgErr.ConstraintName == constraint)
}

// notFound maps pgx.ErrNoRows to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
