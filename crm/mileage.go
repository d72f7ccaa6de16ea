package crm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// MileageReading is one odometer reading of a car.
type MileageReading struct {
	KM     int       `db:"km"`
	ReadAt time.Time `db:"read_at"`
}

// KMPerDay fits a straight line through the readings (least squares, km against days) and
// returns its slope: how far the car goes a day. It needs at least two readings on different
// days' times; ok is false otherwise, or when the fit runs backwards (a mistyped reading, a
// replaced odometer): then no km-based offer is made rather than a wrong one.
//
// A line is enough for a shop's purpose: people drive about the same distance month to month,
// and a projection a few hundred km off moves an offer by days, not months. Least squares over
// all readings, rather than first-to-last, lets one mistyped reading pull the line only a little.
func KMPerDay(readings []MileageReading) (rate float64, ok bool) {
	if len(readings) < 2 {
		return 0, false
	}
	t0 := readings[0].ReadAt
	var n, sx, sy, sxx, sxy float64
	for _, r := range readings {
		x := r.ReadAt.Sub(t0).Hours() / 24
		y := float64(r.KM)
		n++
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	den := n*sxx - sx*sx
	if den < 1e-9 { // all readings at (nearly) one moment: no direction to project
		return 0, false
	}
	rate = (n*sxy - sx*sy) / den
	if rate < 0 {
		return 0, false
	}
	return rate, true
}

// KMSince projects how many km the car has gone from since to now from its readings (KMPerDay
// times the days between); ok is false when there is no projection.
func KMSince(readings []MileageReading, since, now time.Time) (km int, ok bool) {
	rate, ok := KMPerDay(readings)
	if !ok || now.Before(since) {
		return 0, false
	}
	return int(rate * now.Sub(since).Hours() / 24), true
}

// sqlAddOrderMileage records a reading for an order's car only if the actor may work on the
// order; no row back means no such order or a refusal, which the caller tells apart.
const sqlAddOrderMileage = `
INSERT INTO vehicle_mileage (vehicle_id, km, read_at, order_id, created_at)
SELECT o.vehicle_id, $2, $3, o.id, $3 FROM orders o
WHERE o.id = $1 AND ($4 OR o.mechanic_id = $5)
RETURNING order_id`

// RecordMileage records an odometer reading of the car of order orderID, read now by actor. Who
// may is ActLines in the permission table: a mechanic only on their own orders. km out of
// 0..5 000 000 is ErrInvalidInput.
func (s *Service) RecordMileage(ctx context.Context, actor Staff, orderID int64, km int) error {
	if km < 0 || km > 5_000_000 {
		return fmt.Errorf("record mileage %d km: %w", km, ErrInvalidInput)
	}
	scope := Can(actor.Role, ActLines)
	if !actor.Active || scope == ScopeNone {
		return fmt.Errorf("%s %d records mileage: %w", actor.Role, actor.ID, ErrForbidden)
	}
	var id int64
	err := s.db.QueryRow(ctx, sqlAddOrderMileage, orderID, km, s.now(), scope == ScopeAll, actor.ID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := s.OrderCard(ctx, orderID); err != nil {
			return fmt.Errorf("record mileage of order %d: %w", orderID, err)
		}
		return fmt.Errorf("%s %d records mileage of order %d, not theirs: %w", actor.Role, actor.ID, orderID, ErrForbidden)
	}
	if err != nil {
		return fmt.Errorf("record mileage of order %d: %w", orderID, err)
	}
	return nil
}

const sqlMileage = `SELECT km, read_at FROM vehicle_mileage WHERE vehicle_id = $1 ORDER BY read_at, id`

// Mileage returns a vehicle's odometer readings, oldest first.
func (s *Service) Mileage(ctx context.Context, vehicleID int64) ([]MileageReading, error) {
	return mileageOn(ctx, s.db, vehicleID)
}

func mileageOn(ctx context.Context, q querier, vehicleID int64) ([]MileageReading, error) {
	rows, _ := q.Query(ctx, sqlMileage, vehicleID)
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[MileageReading])
	if err != nil {
		return nil, fmt.Errorf("list mileage of vehicle %d: %w", vehicleID, err)
	}
	return rs, nil
}
