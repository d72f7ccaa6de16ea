package crm_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
	"github.com/uniflow-crm/uniflow/internal/testclock"
)

// clock is a settable clock for Options.Now.
type clock = testclock.Clock

// env is a service on a fresh database, with a clock.
type env struct {
	svc   *crm.Service
	db    *pgxpool.Pool
	clock *clock
	ctx   context.Context
}

// t0 is the default test time: 2025-03-10 12:00 in Moscow.
var t0 = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

// msk is the shop's zone in tests (no DST in Russia).
var msk = time.FixedZone("MSK", 3*60*60)

func newEnv(t *testing.T, opts crm.Options) *env {
	t.Helper()
	db, _ := pgtest.New(t)
	c := testclock.New(t0)
	opts.Now = c.Now
	if opts.Location == nil {
		opts.Location = msk
	}
	return &env{svc: crm.New(db, opts), db: db, clock: c, ctx: context.Background()}
}

// count runs a SELECT count(*) … query.
func (e *env) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.QueryRow(e.ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("count %q: %v", sql, err)
	}
	return n
}

// MustOwner makes telegram user id an owner with a chat (chat id = user id).
func (e *env) MustOwner(t *testing.T, tgID int64) crm.Staff {
	t.Helper()
	if err := e.svc.EnsureOwners(e.ctx, []int64{tgID}); err != nil {
		t.Fatalf("EnsureOwners: %v", err)
	}
	return e.mustTouch(t, tgID)
}

// MustStaff adds a staff member with role and a chat (chat id = user id): owner invites, the
// user redeems.
func (e *env) MustStaff(t *testing.T, owner crm.Staff, tgID int64, role crm.Role) crm.Staff {
	t.Helper()
	inv, err := e.svc.CreateInvite(e.ctx, crm.Actor{StaffID: owner.ID}, role)
	if err != nil {
		t.Fatalf("CreateInvite(%s): %v", role, err)
	}
	if _, err := e.svc.RedeemInvite(e.ctx, inv.Token, crm.Joiner{TelegramUserID: tgID, ChatID: tgID}); err != nil {
		t.Fatalf("RedeemInvite(%d, %s): %v", tgID, role, err)
	}
	return e.mustTouch(t, tgID)
}

func (e *env) mustTouch(t *testing.T, tgID int64) crm.Staff {
	t.Helper()
	if err := e.svc.TouchStaff(e.ctx, tgID, tgID, fmt.Sprintf("staff %d", tgID), "ru"); err != nil {
		t.Fatalf("TouchStaff: %v", err)
	}
	st, err := e.svc.StaffByTelegramID(e.ctx, tgID)
	if err != nil {
		t.Fatalf("StaffByTelegramID: %v", err)
	}
	return st
}

func actor(st crm.Staff) crm.Actor {
	return crm.Actor{StaffID: st.ID, Role: st.Role, TelegramUserID: st.TelegramUserID}
}

// booking returns a valid booking request of Telegram user n (chat n, phone +7912000nnnn).
func booking(n int64, key string) crm.BookingRequest {
	return crm.BookingRequest{
		DedupeKey:      key,
		TelegramUserID: n,
		ChatID:         n,
		Language:       "ru",
		LeadSource:     "avito",
		Phone:          fmt.Sprintf("+7912%07d", n),
		PhoneVerified:  true,
		ClientName:     fmt.Sprintf("Client %d", n),
		NewVehicle:     crm.NewVehicle{Make: "Lada", Model: "Vesta", Year: 2020, Plate: "a123bc77"},
		Problem:        "knocking in the front",
		Slot:           slotOf(key),
	}
}

// slotOf gives each booking key its own slot (one booking per slot), and a
// replay of a key the same one.
func slotOf(key string) time.Time {
	h := fnv.New32a()
	h.Write([]byte(key))
	return time.Date(2025, 3, 11, 10, 0, 0, 0, msk).Add(time.Duration(h.Sum32()%5000) * time.Hour)
}

func (e *env) MustBook(t *testing.T, r crm.BookingRequest) crm.OrderCard {
	t.Helper()
	booked, err := e.svc.Book(e.ctx, r)
	if err != nil {
		t.Fatalf("Book(%s): %v", r.DedupeKey, err)
	}
	return booked.Card
}

func itoa(n int64) string { return fmt.Sprint(n) }

// addMileage seeds an odometer reading taken at readAt (RecordMileage can only record "now").
func (e *env) addMileage(t *testing.T, vehicleID int64, km int, readAt time.Time, orderID int64) {
	t.Helper()
	var order *int64
	if orderID != 0 {
		order = &orderID
	}
	if _, err := e.db.Exec(e.ctx, `INSERT INTO vehicle_mileage (vehicle_id, km, read_at, order_id, created_at)
		VALUES ($1, $2, $3, $4, $3)`, vehicleID, km, readAt, order); err != nil {
		t.Fatalf("seed mileage of vehicle %d: %v", vehicleID, err)
	}
}
