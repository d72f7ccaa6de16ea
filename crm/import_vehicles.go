package crm

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ImportVehicle is a row of a vehicles file, normalised by the reader.
type ImportVehicle struct {
	Line      int
	Reject    bool
	Phone     string // the owner's, E.164: a client who exists
	Plate     string // NormalizePlate'd; "" = none (then VIN is set)
	VIN       string // "" = none
	Make      string
	Model     string
	Year      int        // 0 = none
	KM        *int       // an odometer reading
	LastVisit *time.Time // a date (UTC midnight)
}

const sqlStageVehicles = `
CREATE TEMP TABLE import_vehicles (line integer NOT NULL, phone text NOT NULL, plate text NOT NULL,
	vin text NOT NULL, make text NOT NULL, model text NOT NULL, year integer NOT NULL, km integer,
	visit date, client_id bigint, vehicle_id bigint, new_vehicle boolean NOT NULL DEFAULT false)
ON COMMIT DROP`

// sqlDedupeVehicles drops rows whose VIN or plate an earlier row has, naming the column that
// repeats.
const sqlDedupeVehicles = `
DELETE FROM import_vehicles s
USING (SELECT line,
	CASE WHEN vin <> '' THEN min(line) OVER (PARTITION BY vin) END AS by_vin,
	CASE WHEN plate <> '' THEN min(line) OVER (PARTITION BY plate) END AS by_plate
	FROM import_vehicles) d
WHERE s.line = d.line AND least(d.by_vin, d.by_plate) < s.line
RETURNING s.line, least(d.by_vin, d.by_plate) AS first_line,
	CASE WHEN d.by_plate IS NOT NULL AND d.by_plate < s.line THEN 'plate' ELSE 'vin' END AS field,
	CASE WHEN d.by_plate IS NOT NULL AND d.by_plate < s.line THEN s.plate ELSE s.vin END AS value`

// sqlSameVehicle drops rows that found the same car as an earlier row (one by its plate, the
// other by its VIN): they are in-file duplicates too, whatever key they used.
const sqlSameVehicle = `
DELETE FROM import_vehicles s
USING (SELECT line, min(line) OVER (PARTITION BY vehicle_id) AS first_line
	FROM import_vehicles WHERE vehicle_id IS NOT NULL) d
WHERE s.line = d.line AND d.first_line < s.line
RETURNING s.line, d.first_line, CASE WHEN s.plate <> '' THEN 'plate' ELSE 'vin' END AS field,
	CASE WHEN s.plate <> '' THEN s.plate ELSE s.vin END AS value`

// The owner by phone; the car by VIN first, then by plate, preferring the owner's own car.
const (
	sqlMatchOwners   = `UPDATE import_vehicles s SET client_id = c.id FROM clients c WHERE c.phone = s.phone`
	sqlMatchVehicles = `
UPDATE import_vehicles s SET vehicle_id = (
	SELECT m.id FROM (
		SELECT id, client_id, 0 AS pri FROM vehicles WHERE s.vin <> '' AND vin = s.vin
		UNION ALL
		SELECT id, client_id, 1 FROM vehicles WHERE s.plate <> '' AND plate = s.plate
	) m ORDER BY m.pri, m.client_id = s.client_id DESC, m.id LIMIT 1)
WHERE s.client_id IS NOT NULL`
)

// sqlRefuseVehicles drops rows whose phone is no client's and, when overwriting ($1), rows that
// would move a car with open orders to another owner: the orders name the owner who brought the
// car, so the car stays theirs until the orders are done (Current lists their numbers).
const sqlRefuseVehicles = `
WITH open AS (
	SELECT s.line, v.client_id, string_agg(o.number::text, ', ' ORDER BY o.number) AS numbers
	FROM import_vehicles s JOIN vehicles v ON v.id = s.vehicle_id
	JOIN orders o ON o.vehicle_id = v.id AND o.status NOT IN ('delivered', 'closed', 'cancelled')
	WHERE $1 AND s.client_id IS NOT NULL AND v.client_id <> s.client_id
	GROUP BY s.line, v.client_id
)
DELETE FROM import_vehicles s WHERE s.client_id IS NULL OR s.line IN (SELECT line FROM open)
RETURNING s.line, 'phone' AS field, s.phone AS value,
	CASE WHEN s.client_id IS NULL THEN 'no_owner' ELSE 'open_orders' END AS reason,
	coalesce((SELECT numbers FROM open WHERE open.line = s.line), '') AS current`

// sqlVehicleConflicts: another owner, or a differing plate, VIN, make, model or year (make and
// model compared ignoring case).
const sqlVehicleConflicts = `
SELECT s.line, x.field, x.value, x.current
FROM import_vehicles s JOIN vehicles v ON v.id = s.vehicle_id JOIN clients o ON o.id = v.client_id,
LATERAL (VALUES
	('phone', s.phone, o.phone, v.client_id <> s.client_id),
	('plate', s.plate, v.plate, s.plate <> '' AND v.plate <> '' AND s.plate <> v.plate),
	('vin', s.vin, v.vin, s.vin <> '' AND v.vin <> '' AND s.vin <> v.vin),
	('make', s.make, v.make, s.make <> '' AND v.make <> '' AND lower(s.make) <> lower(v.make)),
	('model', s.model, v.model, s.model <> '' AND v.model <> '' AND lower(s.model) <> lower(v.model)),
	('year', s.year::text, v.year::text, s.year <> 0 AND v.year <> 0 AND s.year <> v.year)
) x (field, value, current, differs)
WHERE x.differs
ORDER BY s.line, x.field`

// sqlMileageBackwards lists readings that would make the odometer run backwards: lower than a
// reading taken on or before the row's date (the visit, else today), or higher than one taken
// after it. They are conflicts even when overwriting (a reading is a fact, not a value to
// replace), and sqlImportMileage does not record them.
const sqlMileageBackwards = `
SELECT s.line, 'mileage' AS field, s.km::text AS value,
	m.km::text || ' km (' || to_char(m.read_at AT TIME ZONE 'UTC', 'DD.MM.YYYY') || ')' AS current
FROM import_vehicles s, LATERAL (
	SELECT km, read_at FROM vehicle_mileage m
	WHERE m.vehicle_id = s.vehicle_id AND (
		(m.read_at AT TIME ZONE 'UTC')::date <= coalesce(s.visit, ($1::timestamptz AT TIME ZONE 'UTC')::date) AND m.km > s.km
		OR (m.read_at AT TIME ZONE 'UTC')::date > coalesce(s.visit, ($1::timestamptz AT TIME ZONE 'UTC')::date) AND m.km < s.km)
	ORDER BY m.read_at DESC LIMIT 1) m
WHERE s.km IS NOT NULL AND NOT s.new_vehicle
ORDER BY s.line`

// New cars get their ids first, so that their mileage readings can follow them.
const (
	sqlNewVehicleIDs = `
UPDATE import_vehicles SET vehicle_id = nextval(pg_get_serial_sequence('vehicles', 'id')), new_vehicle = true
WHERE vehicle_id IS NULL AND $1::bigint IS NOT NULL AND $2::timestamptz IS NOT NULL`
	sqlInsertVehicles = `
INSERT INTO vehicles (id, client_id, make, model, year, plate, vin, last_visit_on, import_batch_id, created_at)
OVERRIDING SYSTEM VALUE
SELECT vehicle_id, client_id, make, model, year, plate, vin, visit, $1, $2
FROM import_vehicles WHERE new_vehicle ORDER BY line`
)

// sqlUpdateVehicles fills what cars lack ($2 overwrite: replaces what differs, the owner
// included: a car sold). The last visit only moves later: both dates are true, the later one is
// the last.
const sqlUpdateVehicles = `
WITH prev AS (
	SELECT v.id, v.client_id, v.make, v.model, v.year, v.plate, v.vin, v.last_visit_on
	FROM vehicles v JOIN import_vehicles s ON s.vehicle_id = v.id AND NOT s.new_vehicle
), upd AS (
	UPDATE vehicles v SET
		client_id = CASE WHEN $2 THEN s.client_id ELSE v.client_id END,
		make = CASE WHEN s.make <> '' AND (v.make = '' OR $2) THEN s.make ELSE v.make END,
		model = CASE WHEN s.model <> '' AND (v.model = '' OR $2) THEN s.model ELSE v.model END,
		year = CASE WHEN s.year <> 0 AND (v.year = 0 OR $2) THEN s.year ELSE v.year END,
		plate = CASE WHEN s.plate <> '' AND (v.plate = '' OR $2) THEN s.plate ELSE v.plate END,
		vin = CASE WHEN s.vin <> '' AND (v.vin = '' OR $2) THEN s.vin ELSE v.vin END,
		last_visit_on = greatest(v.last_visit_on, s.visit)
	FROM import_vehicles s
	WHERE s.vehicle_id = v.id AND NOT s.new_vehicle AND (s.client_id = v.client_id OR $2)
		AND $3::timestamptz IS NOT NULL -- (vehicles have no updated_at; every update gets $1-$3)
		AND (
		s.client_id <> v.client_id
		OR (s.make <> '' AND lower(s.make) <> lower(v.make) AND (v.make = '' OR $2))
		OR (s.model <> '' AND lower(s.model) <> lower(v.model) AND (v.model = '' OR $2))
		OR (s.year <> 0 AND s.year <> v.year AND (v.year = 0 OR $2))
		OR (s.plate <> '' AND s.plate <> v.plate AND (v.plate = '' OR $2))
		OR (s.vin <> '' AND s.vin <> v.vin AND (v.vin = '' OR $2))
		OR (s.visit IS NOT NULL AND (v.last_visit_on IS NULL OR s.visit > v.last_visit_on)))
	RETURNING v.id, s.line
)
INSERT INTO import_batch_rows (batch_id, entity, record_id, line, previous)
SELECT $1, 'vehicle', u.id, u.line, to_jsonb(p) - 'id' FROM upd u JOIN prev p ON p.id = u.id
RETURNING line`

// sqlImportMileage records a reading the car has not got yet (on the day of the last visit, else
// now), for the owner's cars only unless overwriting; it returns the lines of existing cars that
// got one (new cars are counted as new).
const sqlImportMileage = `
WITH ins AS (
	INSERT INTO vehicle_mileage (vehicle_id, km, read_at, created_at)
	SELECT s.vehicle_id, s.km, coalesce((s.visit + time '12:00') AT TIME ZONE 'UTC', $3), $3
	FROM import_vehicles s JOIN vehicles v ON v.id = s.vehicle_id
	WHERE s.km IS NOT NULL AND (v.client_id = s.client_id OR $2)
		AND NOT EXISTS (SELECT 1 FROM vehicle_mileage m WHERE m.vehicle_id = s.vehicle_id AND m.km = s.km)
		AND NOT EXISTS (SELECT 1 FROM vehicle_mileage m WHERE m.vehicle_id = s.vehicle_id AND (
			(m.read_at AT TIME ZONE 'UTC')::date <= coalesce(s.visit, ($3::timestamptz AT TIME ZONE 'UTC')::date) AND m.km > s.km
			OR (m.read_at AT TIME ZONE 'UTC')::date > coalesce(s.visit, ($3::timestamptz AT TIME ZONE 'UTC')::date) AND m.km < s.km))
	RETURNING id, vehicle_id
), rec AS (
	INSERT INTO import_batch_rows (batch_id, entity, record_id)
	SELECT $1, 'mileage', id FROM ins
)
SELECT s.line FROM ins JOIN import_vehicles s ON s.vehicle_id = ins.vehicle_id WHERE NOT s.new_vehicle`

// ImportVehicles merges cars into the database as batch m: by VIN or plate, the owner by phone
// (a client who must exist: rows with an unknown phone are refused). See ImportClients for what
// is filled, overwritten or listed as a conflict.
func (s *Service) ImportVehicles(ctx context.Context, m ImportMeta, next func() (ImportVehicle, bool, error)) (ImportResult, error) {
	m.Kind = "vehicles"
	res, err := s.importBatch(ctx, m, func(ctx context.Context, tx pgx.Tx, batch int64, now time.Time, res *ImportResult) error {
		staged, err := stage(ctx, tx, sqlStageVehicles, "import_vehicles",
			[]string{"line", "phone", "plate", "vin", "make", "model", "year", "km", "visit"}, res, next,
			func(v ImportVehicle) ([]any, int, bool) {
				var visit *time.Time
				if v.LastVisit != nil {
					d := time.Date(v.LastVisit.Year(), v.LastVisit.Month(), v.LastVisit.Day(), 0, 0, 0, 0, time.UTC)
					visit = &d
				}
				return []any{v.Line, v.Phone, v.Plate, v.VIN, cut(v.Make, MaxMakeModelLen), cut(v.Model, MaxMakeModelLen),
					v.Year, v.KM, visit}, v.Line, !v.Reject
			}, nil, "")
		if err != nil {
			return err
		}
		return mergeStaged(ctx, tx, res, staged, mergeSQL{
			dedupe: sqlDedupeVehicles, match: []string{sqlMatchOwners, sqlMatchVehicles}, sameRecord: sqlSameVehicle,
			refuse: sqlRefuseVehicles, conflicts: sqlVehicleConflicts, kept: sqlMileageBackwards,
			insert: []string{sqlNewVehicleIDs, sqlInsertVehicles},
			update: []string{sqlUpdateVehicles, sqlImportMileage},
		}, batch, now, m.Overwrite, nil)
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("import vehicles: %w", err)
	}
	return res, nil
}
