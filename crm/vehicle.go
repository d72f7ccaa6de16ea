package crm

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Vehicle is a client's car.
type Vehicle struct {
	ID        int64     `db:"id"`
	ClientID  int64     `db:"client_id"`
	Make      string    `db:"make"`
	Model     string    `db:"model"`
	Year      int       `db:"year"`  // 0 = unknown
	Plate     string    `db:"plate"` // normalised, see NormalizePlate
	CreatedAt time.Time `db:"created_at"`
}

// plateLatin and plateCyrillic pair the Latin letters that look like the 12 Cyrillic letters
// allowed on Russian plates with those letters, position by position.
const (
	plateLatin    = "ABEKMHOPCTYX"
	plateCyrillic = "АВЕКМНОРСТУХ"
)

// NormalizePlate upper-cases a licence plate, drops spaces, dashes and dots, and turns Latin
// look-alikes of А В Е К М Н О Р С Т У Х into those Cyrillic letters, so that "a 123 bc 77" and
// "А123ВС77" compare equal. Other characters are kept (foreign plates).
func NormalizePlate(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if unicode.IsSpace(r) || r == '-' || r == '.' || r == '_' || r == '\u2013' || r == '\u2014' {
			continue
		}
		if i := strings.IndexRune(plateLatin, r); i >= 0 {
			r = []rune(plateCyrillic)[i]
		}
		b.WriteRune(r)
	}
	return b.String()
}

const sqlVehicles = `
SELECT id, client_id, make, model, year, plate, created_at
FROM vehicles WHERE client_id = $1 ORDER BY id`

// Vehicles returns the client's vehicles, oldest first (empty, not ErrNotFound, when none).
func (s *Service) Vehicles(ctx context.Context, clientID int64) ([]Vehicle, error) {
	rows, _ := s.db.Query(ctx, sqlVehicles, clientID)
	vs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Vehicle])
	if err != nil {
		return nil, fmt.Errorf("list vehicles of client %d: %w", clientID, err)
	}
	return vs, nil
}

// validate checks a new vehicle; plate must be normalised already.
func (v NewVehicle) validate(now time.Time) error {
	if strings.TrimSpace(v.Make) == "" && strings.TrimSpace(v.Model) == "" && v.Plate == "" {
		return fmt.Errorf("new vehicle: make, model or plate required: %w", ErrInvalidInput)
	}
	if v.Year != 0 && (v.Year < 1900 || v.Year > now.Year()+1) {
		return fmt.Errorf("new vehicle: year %d: %w", v.Year, ErrInvalidInput)
	}
	if utf8.RuneCountInString(v.Make) > MaxMakeModelLen || utf8.RuneCountInString(v.Model) > MaxMakeModelLen || utf8.RuneCountInString(v.Plate) > 40 {
		return fmt.Errorf("new vehicle: field too long: %w", ErrInvalidInput)
	}
	return nil
}
