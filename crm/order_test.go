package crm_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"

	"github.com/uniflow-crm/uniflow/crm"
)

// team is an owner, a manager and two mechanics.
type team struct {
	owner, manager, mech1, mech2 crm.Staff
}

func (e *env) MustTeam(t *testing.T) team {
	t.Helper()
	owner := e.MustOwner(t, 1)
	return team{
		owner:   owner,
		manager: e.MustStaff(t, owner, 2, crm.RoleManager),
		mech1:   e.MustStaff(t, owner, 3, crm.RoleMechanic),
		mech2:   e.MustStaff(t, owner, 4, crm.RoleMechanic),
	}
}

// outboxRow is what tests compare of an outbox message.
type outboxRow struct {
	Kind, Key, Data string
	ChatID          int64
}

func (e *env) outbox(t *testing.T, kind string) []outboxRow {
	t.Helper()
	rows, err := e.db.Query(e.ctx, `SELECT kind, dedupe_key, data::text, chat_id FROM outbox WHERE kind = $1 ORDER BY id`, kind)
	if err != nil {
		t.Fatal(err)
	}
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		if err := rows.Scan(&r.Kind, &r.Key, &r.Data, &r.ChatID); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var ignoreEventIDAndTime = cmpopts.IgnoreFields(crm.OrderEvent{}, "ID", "CreatedAt")

func TestTransitionWritesEventAndClientNoticeTogether(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	tm := e.MustTeam(t)
	card := e.MustBook(t, booking(100, "a"))
	id := card.Order.ID

	card, err := e.svc.Assign(e.ctx, actor(tm.manager), id, 1, tm.mech1.ID)
	if err != nil {
		t.Fatalf("Assign: %v", err)
	}
	if card.Order.Status != crm.StatusAccepted || card.Order.Version != 2 || card.Mechanic == nil || card.Mechanic.ID != tm.mech1.ID {
		t.Fatalf("after Assign: %+v mechanic %+v", card.Order, card.Mechanic)
	}
	e.clock.Add(time.Minute)
	steps := []crm.Status{crm.StatusDiagnosing, crm.StatusInProgress, crm.StatusWaitingParts, crm.StatusInProgress, crm.StatusReady}
	for _, to := range steps {
		card, err = e.svc.Transition(e.ctx, actor(tm.mech1), id, card.Order.Version, to)
		if err != nil {
			t.Fatalf("Transition to %s: %v", to, err)
		}
		if card.Order.Status != to {
			t.Fatalf("status = %s, want %s", card.Order.Status, to)
		}
	}
	card, err = e.svc.Transition(e.ctx, actor(tm.manager), id, card.Order.Version, crm.StatusDelivered)
	if err != nil {
		t.Fatalf("manager delivers: %v", err)
	}
	if card.Order.Version != 8 || !card.Order.UpdatedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("version %d updated %v, want 8 at %v", card.Order.Version, card.Order.UpdatedAt, t0.Add(time.Minute))
	}

	evs, err := e.svc.OrderEvents(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	cid, mgr, m1 := card.Client.ID, tm.manager.ID, tm.mech1.ID
	ev := func(by *int64, from, to crm.Status) crm.OrderEvent {
		return crm.OrderEvent{OrderID: id, ActorKind: crm.ActorStaff, ActorID: by, From: from, To: to}
	}
	assigned := ev(&mgr, crm.StatusNew, crm.StatusAccepted)
	assigned.MechanicID = &m1
	want := []crm.OrderEvent{
		{OrderID: id, ActorKind: crm.ActorClient, ActorID: &cid, To: crm.StatusNew},
		assigned,
		ev(&m1, crm.StatusAccepted, crm.StatusDiagnosing),
		ev(&m1, crm.StatusDiagnosing, crm.StatusInProgress),
		ev(&m1, crm.StatusInProgress, crm.StatusWaitingParts),
		ev(&m1, crm.StatusWaitingParts, crm.StatusInProgress),
		ev(&m1, crm.StatusInProgress, crm.StatusReady),
		ev(&mgr, crm.StatusReady, crm.StatusDelivered),
	}
	if diff := cmp.Diff(want, evs, ignoreEventIDAndTime); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	key := func(v string) string { return "status_changed:" + itoa(id) + ":" + v }
	wantNotices := []outboxRow{
		{crm.KindStatusChanged, key("2"), `{"to": "accepted", "from": "new", "number": 1001}`, 100},
		{crm.KindStatusChanged, key("3"), `{"to": "diagnosing", "from": "accepted", "number": 1001}`, 100},
		{crm.KindStatusChanged, key("4"), `{"to": "in_progress", "from": "diagnosing", "number": 1001}`, 100},
		{crm.KindStatusChanged, key("5"), `{"to": "waiting_parts", "from": "in_progress", "number": 1001}`, 100},
		{crm.KindStatusChanged, key("6"), `{"to": "in_progress", "from": "waiting_parts", "number": 1001}`, 100},
		{crm.KindStatusChanged, key("7"), `{"to": "ready", "from": "in_progress", "number": 1001}`, 100},
		{crm.KindStatusChanged, key("8"), `{"to": "delivered", "from": "ready", "number": 1001}`, 100},
	}
	if diff := cmp.Diff(wantNotices, e.outbox(t, crm.KindStatusChanged)); diff != "" {
		t.Errorf("client notices (-want +got):\n%s", diff)
	}
	wantAssigned := []outboxRow{{crm.KindOrderAssigned, "order_assigned:" + itoa(id) + ":2",
		`{"number": 1001, "by_staff_id": ` + itoa(tm.manager.ID) + `}`, tm.mech1.TelegramUserID}}
	if diff := cmp.Diff(wantAssigned, e.outbox(t, crm.KindOrderAssigned)); diff != "" {
		t.Errorf("mechanic notice (-want +got):\n%s", diff)
	}
}

func TestTransitionRefusalsWriteNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	tm := e.MustTeam(t)
	id := e.MustBook(t, booking(100, "a")).Order.ID
	if _, err := e.svc.Assign(e.ctx, actor(tm.manager), id, 1, tm.mech1.ID); err != nil {
		t.Fatal(err)
	}
	ghost := crm.Actor{StaffID: 999, Role: crm.RoleOwner}
	spoofed := actor(tm.mech2)
	spoofed.Role = crm.RoleOwner // the role in Actor is not trusted
	tests := []struct {
		name    string
		a       crm.Actor
		version int
		to      crm.Status
		want    error
	}{
		{"stale version", actor(tm.mech1), 1, crm.StatusDiagnosing, crm.ErrStale},
		{"future version", actor(tm.manager), 3, crm.StatusDiagnosing, crm.ErrStale},
		{"another mechanic's order", actor(tm.mech2), 2, crm.StatusDiagnosing, crm.ErrForbidden},
		{"another mechanic's order, stale too", actor(tm.mech2), 1, crm.StatusDiagnosing, crm.ErrForbidden},
		{"role claimed in Actor", spoofed, 2, crm.StatusDiagnosing, crm.ErrForbidden},
		{"unknown staff", ghost, 2, crm.StatusDiagnosing, crm.ErrForbidden},
		{"skipping states", actor(tm.mech1), 2, crm.StatusReady, crm.ErrInvalidTransition},
		{"same state", actor(tm.manager), 2, crm.StatusAccepted, crm.ErrInvalidTransition},
		{"unknown state", actor(tm.manager), 2, "done", crm.ErrInvalidTransition},
	}
	for _, tt := range tests {
		_, err := e.svc.Transition(e.ctx, tt.a, id, tt.version, tt.to)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if n := e.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1`, id); n != 2 {
		t.Errorf("events = %d, want 2 (booking, assignment)", n)
	}
	if n := e.count(t, `SELECT count(*) FROM outbox WHERE kind = 'status_changed'`); n != 1 {
		t.Errorf("status notices = %d, want 1 (assignment)", n)
	}
	if v := e.count(t, `SELECT version FROM orders WHERE id = $1`, id); v != 2 {
		t.Errorf("version = %d, want 2", v)
	}
	if _, err := e.svc.Transition(e.ctx, actor(tm.manager), 424242, 1, crm.StatusAccepted); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("missing order: err = %v, want ErrNotFound", err)
	}

	// A deactivated mechanic loses access at once.
	if _, err := e.db.Exec(e.ctx, `UPDATE staff SET active = false WHERE id = $1`, tm.mech1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Transition(e.ctx, actor(tm.mech1), id, 2, crm.StatusDiagnosing); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("inactive mechanic: err = %v, want ErrForbidden", err)
	}
}

func TestTransitionConcurrentSameVersionOneWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	tm := e.MustTeam(t)
	for i := range 5 {
		id := e.MustBook(t, booking(int64(100+i), "k"+itoa(int64(i)))).Order.ID
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2)
		targets := []crm.Status{crm.StatusAccepted, crm.StatusCancelled}
		for g := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[g] = e.svc.Transition(e.ctx, actor(tm.manager), id, 1, targets[g])
			}()
		}
		close(start)
		wg.Wait()
		ok, stale := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, crm.ErrStale):
				stale++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 || stale != 1 {
			t.Errorf("round %d: %d succeeded and %d stale, want 1 and 1", i, ok, stale)
		}
		if n := e.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1`, id); n != 2 {
			t.Errorf("round %d: events = %d, want 2", i, n)
		}
	}
}

func TestTake(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	tm := e.MustTeam(t)

	// A mechanic takes a new request: assigned to them and accepted.
	id := e.MustBook(t, booking(100, "a")).Order.ID
	card, err := e.svc.Take(e.ctx, actor(tm.mech1), id, 1)
	if err != nil {
		t.Fatalf("mechanic Take: %v", err)
	}
	if card.Order.Status != crm.StatusAccepted || card.Mechanic == nil || card.Mechanic.ID != tm.mech1.ID {
		t.Errorf("after mechanic Take: status %s mechanic %+v", card.Order.Status, card.Mechanic)
	}
	if _, err := e.svc.Take(e.ctx, actor(tm.mech2), id, 2); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("second mechanic Take: err = %v, want ErrForbidden", err)
	}
	if _, err := e.svc.Take(e.ctx, actor(tm.mech1), id, 2); !errors.Is(err, crm.ErrInvalidTransition) {
		t.Errorf("Take again: err = %v, want ErrInvalidTransition", err)
	}
	if _, err := e.svc.Take(e.ctx, actor(tm.manager), id, 1); !errors.Is(err, crm.ErrStale) {
		t.Errorf("stale Take: err = %v, want ErrStale", err)
	}

	// A manager accepts a new request without assigning it; a mechanic then takes it.
	id2 := e.MustBook(t, booking(200, "b")).Order.ID
	card, err = e.svc.Take(e.ctx, actor(tm.manager), id2, 1)
	if err != nil || card.Order.Status != crm.StatusAccepted || card.Mechanic != nil {
		t.Fatalf("manager Take: %+v, %v", card.Order, err)
	}
	if _, err := e.svc.Take(e.ctx, actor(tm.manager), id2, 2); !errors.Is(err, crm.ErrInvalidTransition) {
		t.Errorf("manager Take of accepted: err = %v, want ErrInvalidTransition", err)
	}
	card, err = e.svc.Take(e.ctx, actor(tm.mech2), id2, 2)
	if err != nil || card.Order.Status != crm.StatusAccepted || card.Mechanic == nil || card.Mechanic.ID != tm.mech2.ID {
		t.Fatalf("mechanic Take of accepted: %+v %+v, %v", card.Order, card.Mechanic, err)
	}
	evs, err := e.svc.OrderEvents(e.ctx, id2)
	if err != nil {
		t.Fatal(err)
	}
	mgr, m2 := tm.manager.ID, tm.mech2.ID
	cid := card.Client.ID
	want := []crm.OrderEvent{
		{OrderID: id2, ActorKind: crm.ActorClient, ActorID: &cid, To: crm.StatusNew},
		{OrderID: id2, ActorKind: crm.ActorStaff, ActorID: &mgr, From: crm.StatusNew, To: crm.StatusAccepted},
		{OrderID: id2, ActorKind: crm.ActorStaff, ActorID: &m2, From: crm.StatusAccepted, To: crm.StatusAccepted, MechanicID: &m2},
	}
	if diff := cmp.Diff(want, evs, ignoreEventIDAndTime); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestAssignRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	tm := e.MustTeam(t)
	id := e.MustBook(t, booking(100, "a")).Order.ID
	tests := []struct {
		name     string
		a        crm.Actor
		version  int
		mechanic int64
		want     error
	}{
		{"by a mechanic", actor(tm.mech1), 1, tm.mech1.ID, crm.ErrForbidden},
		{"to a manager", actor(tm.owner), 1, tm.manager.ID, crm.ErrInvalidInput},
		{"to nobody", actor(tm.owner), 1, 999, crm.ErrInvalidInput},
		{"stale", actor(tm.owner), 7, tm.mech1.ID, crm.ErrStale},
	}
	for _, tt := range tests {
		if _, err := e.svc.Assign(e.ctx, tt.a, id, tt.version, tt.mechanic); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	// Reassignment keeps the status and tells the new mechanic.
	if _, err := e.svc.Assign(e.ctx, actor(tm.owner), id, 1, tm.mech1.ID); err != nil {
		t.Fatal(err)
	}
	card, err := e.svc.Assign(e.ctx, actor(tm.owner), id, 2, tm.mech2.ID)
	if err != nil || card.Order.Status != crm.StatusAccepted || card.Mechanic.ID != tm.mech2.ID {
		t.Fatalf("reassign: %+v, %v", card.Order, err)
	}
	if got := e.outbox(t, crm.KindOrderAssigned); len(got) != 2 || got[1].ChatID != tm.mech2.TelegramUserID {
		t.Errorf("assignment notices = %+v", got)
	}
	if n := e.count(t, `SELECT count(*) FROM outbox WHERE kind = 'status_changed'`); n != 1 {
		t.Errorf("status notices = %d, want 1: a reassignment does not change the status", n)
	}
	if _, err := e.svc.Transition(e.ctx, actor(tm.owner), id, 3, crm.StatusCancelled); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Assign(e.ctx, actor(tm.owner), id, 4, tm.mech1.ID); !errors.Is(err, crm.ErrInvalidTransition) {
		t.Errorf("assign a cancelled order: err = %v, want ErrInvalidTransition", err)
	}
}

func TestUpdateOrderSavesOnlyWhenClosureSucceeds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	card := e.MustBook(t, booking(100, "a"))
	id := card.Order.ID
	boom := errors.New("boom")
	_, err := e.svc.UpdateOrder(e.ctx, id, func(tx pgx.Tx, o *crm.Order) error {
		o.Problem = "changed"
		if _, err := tx.Exec(e.ctx, `UPDATE clients SET name = 'changed'`); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	after, err := e.svc.OrderCard(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(card, after); diff != "" {
		t.Errorf("a failed closure changed the order (-before +after):\n%s", diff)
	}

	e.clock.Add(time.Hour)
	o, err := e.svc.UpdateOrder(e.ctx, id, func(tx pgx.Tx, o *crm.Order) error {
		o.Problem = "changed"
		o.Version = 100 // ignored
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.Problem != "changed" || o.Version != 2 || !o.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("saved = %+v", o)
	}
	if _, err := e.svc.UpdateOrder(e.ctx, 424242, func(pgx.Tx, *crm.Order) error { return nil }); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("missing order: err = %v, want ErrNotFound", err)
	}
	if _, err := e.svc.OrderCard(e.ctx, 424242); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("OrderCard of missing order: err = %v, want ErrNotFound", err)
	}
	if _, err := e.svc.OrderEvents(e.ctx, 424242); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("OrderEvents of missing order: err = %v, want ErrNotFound", err)
	}
}

func TestOrderLists(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	tm := e.MustTeam(t)
	day := time.Date(2025, 3, 11, 0, 0, 0, 0, msk)
	book := func(user int64, key string, slotHour int) crm.OrderCard {
		r := booking(user, key)
		r.Slot = day.Add(time.Duration(slotHour) * time.Hour)
		e.clock.Add(time.Minute)
		return e.MustBook(t, r)
	}
	a := book(100, "a", 12)
	b := book(100, "b", 9)
	c := book(200, "c", 10)
	d := book(200, "d", 15)
	for _, o := range []crm.OrderCard{a, b, c} {
		if _, err := e.svc.Assign(e.ctx, actor(tm.manager), o.Order.ID, 1, tm.mech1.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.Transition(e.ctx, actor(tm.manager), d.Order.ID, 1, crm.StatusCancelled); err != nil {
		t.Fatal(err)
	}
	numbers := func(cs []crm.OrderCard, err error) []int64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		ns := []int64{}
		for _, c := range cs {
			ns = append(ns, c.Order.Number)
		}
		return ns
	}
	tests := []struct {
		name string
		got  []int64
		want []int64
	}{
		{"client 100, newest first", numbers(e.svc.ClientOrders(e.ctx, a.Client.ID, 0)), []int64{1002, 1001}},
		{"client 100, limit 1", numbers(e.svc.ClientOrders(e.ctx, a.Client.ID, 1)), []int64{1002}},
		{"mechanic queue by slot", numbers(e.svc.MechanicQueue(e.ctx, tm.mech1.ID)), []int64{1002, 1003, 1001}},
		{"empty queue", numbers(e.svc.MechanicQueue(e.ctx, tm.mech2.ID)), []int64{}},
		{"open orders", numbers(e.svc.OpenOrders(e.ctx, 10)), []int64{1003, 1002, 1001}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	slots, err := e.svc.BookedSlots(e.ctx, day.Add(9*time.Hour), day.Add(15*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	wantSlots := []time.Time{day.Add(9 * time.Hour), day.Add(10 * time.Hour), day.Add(12 * time.Hour)}
	if diff := cmp.Diff(wantSlots, slots, cmpopts.EquateApproxTime(0)); diff != "" {
		t.Errorf("booked slots (-want +got):\n%s", diff)
	}

	if err := e.svc.SetClientCard(e.ctx, a.Order.ID, 100, 55); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.OrderCard(e.ctx, a.Order.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Order.ClientCardChatID == nil || *got.Order.ClientCardChatID != 100 || *got.Order.ClientCardMessageID != 55 || got.Order.Version != 2 {
		t.Errorf("after SetClientCard: %+v", got.Order)
	}
	if err := e.svc.SetClientCard(e.ctx, 424242, 1, 1); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("SetClientCard of missing order: err = %v, want ErrNotFound", err)
	}
}
