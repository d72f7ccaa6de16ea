package crm_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/crm"
)

func TestBookCreatesOrderEventAndNotifiesStaffOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	owner := e.MustOwner(t, 1)
	mgr := e.MustStaff(t, owner, 2, crm.RoleManager)
	admin := e.MustStaff(t, owner, 3, crm.RoleAdmin)
	e.MustStaff(t, owner, 4, crm.RoleMechanic)

	r := booking(100, "book:100:1")
	first := e.MustBook(t, r)
	again := e.MustBook(t, r) // a replay of the same conversation

	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("replay returned another card (-first +replay):\n%s", diff)
	}
	o := first.Order
	slot := r.Slot
	want := crm.Order{
		ID: o.ID, Number: 1001, BranchID: o.BranchID, ClientID: first.Client.ID, VehicleID: first.Vehicle.ID,
		Problem: r.Problem, Slot: &slot, Status: crm.StatusNew, Version: 1, LeadSource: "avito",
		CreatedAt: t0, UpdatedAt: t0,
	}
	if diff := cmp.Diff(want, o, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	tg, chat := int64(100), int64(100)
	wantClient := crm.Client{ID: first.Client.ID, Phone: "+79120000100", Name: "Client 100",
		TelegramUserID: &tg, ChatID: &chat, Language: "ru", LeadSource: "avito"}
	if diff := cmp.Diff(wantClient, first.Client, cmp.Comparer(func(a, b time.Time) bool { return true })); diff != "" {
		t.Errorf("client (-want +got):\n%s", diff)
	}
	if first.Vehicle.Plate != "А123ВС77" || first.Vehicle.ClientID != first.Client.ID {
		t.Errorf("vehicle = %+v, want normalised plate of the client's car", first.Vehicle)
	}
	if first.Mechanic != nil {
		t.Errorf("mechanic = %+v, want none", first.Mechanic)
	}

	if n := e.count(t, `SELECT count(*) FROM orders`); n != 1 {
		t.Errorf("orders = %d, want 1", n)
	}
	evs, err := e.svc.OrderEvents(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	clientID := first.Client.ID
	wantEvs := []crm.OrderEvent{{ID: evs[0].ID, OrderID: o.ID, ActorKind: crm.ActorClient, ActorID: &clientID,
		From: "", To: crm.StatusNew, CreatedAt: t0}}
	if diff := cmp.Diff(wantEvs, evs); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	type row struct {
		Kind   string
		ChatID int64
		Key    string
		Data   string
	}
	var got []row
	rows, err := e.db.Query(e.ctx, `SELECT kind, chat_id, dedupe_key, data::text FROM outbox ORDER BY chat_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.Kind, &r.ChatID, &r.Key, &r.Data); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	wantRows := []row{
		{crm.KindNewRequest, mgr.TelegramUserID, "new_request:" + itoa(o.ID) + ":2", `{"number": 1001}`},
		{crm.KindNewRequest, admin.TelegramUserID, "new_request:" + itoa(o.ID) + ":3", `{"number": 1001}`},
	}
	if diff := cmp.Diff(wantRows, got); diff != "" {
		t.Errorf("outbox (-want +got):\n%s", diff)
	}
}

func TestBookNewRequestRecipients(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		staffChatID int64
		managers    bool
		wantChats   []int64
	}{
		{name: "staff group", staffChatID: -100500, managers: true, wantChats: []int64{-100500}},
		{name: "managers and admins", managers: true, wantChats: []int64{2, 3}},
		{name: "owners when no managers", wantChats: []int64{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, crm.Options{StaffChatID: tt.staffChatID})
			owner := e.MustOwner(t, 1)
			e.MustStaff(t, owner, 4, crm.RoleMechanic)
			if tt.managers {
				e.MustStaff(t, owner, 2, crm.RoleManager)
				e.MustStaff(t, owner, 3, crm.RoleAdmin)
				e.MustStaff(t, owner, 5, crm.RoleManager)
				if _, err := e.db.Exec(e.ctx, `UPDATE staff SET active = false WHERE telegram_user_id = 5`); err != nil {
					t.Fatal(err)
				}
			}
			e.MustBook(t, booking(100, "k"))
			var got []int64
			rows, _ := e.db.Query(e.ctx, `SELECT chat_id FROM outbox WHERE kind = 'new_request' ORDER BY chat_id`)
			for rows.Next() {
				var c int64
				if err := rows.Scan(&c); err != nil {
					t.Fatal(err)
				}
				got = append(got, c)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantChats, got); diff != "" {
				t.Errorf("new_request chats (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBookPhoneLinkedToAnotherUserIsForbidden(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	e.MustBook(t, booking(100, "a"))
	r := booking(200, "b")
	r.Phone = booking(100, "").Phone
	_, err := e.svc.Book(e.ctx, r)
	if !errors.Is(err, crm.ErrForbidden) {
		t.Fatalf("Book with another user's phone: err = %v, want ErrForbidden", err)
	}
	if n := e.count(t, `SELECT count(*) FROM orders`); n != 1 {
		t.Errorf("orders = %d, want 1", n)
	}
	if _, err := e.svc.ClientByTelegramID(e.ctx, 200); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("ClientByTelegramID(200): err = %v, want ErrNotFound", err)
	}
}

func TestBookSameNameStaysTwoClients(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	a, b := booking(100, "a"), booking(200, "b")
	a.ClientName, b.ClientName = "Иван", "Иван"
	ca, cb := e.MustBook(t, a), e.MustBook(t, b)
	if ca.Client.ID == cb.Client.ID {
		t.Fatalf("two users named Иван share client %d", ca.Client.ID)
	}
	if ca.Order.Number != 1001 || cb.Order.Number != 1002 {
		t.Errorf("numbers = %d, %d; want 1001, 1002", ca.Order.Number, cb.Order.Number)
	}
}

func TestBookUserWithNewPhoneKeepsOneClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	first := e.MustBook(t, booking(100, "a"))
	r := booking(100, "b")
	r.Phone = "+79990001122"
	r.VehicleID = first.Vehicle.ID
	second := e.MustBook(t, r)
	if second.Client.ID != first.Client.ID || second.Client.Phone != "+79990001122" {
		t.Errorf("client after a new phone = %d %s, want %d +79990001122", second.Client.ID, second.Client.Phone, first.Client.ID)
	}
	if n := e.count(t, `SELECT count(*) FROM clients`); n != 1 {
		t.Errorf("clients = %d, want 1", n)
	}
}

func TestBookLinksImportedClientAndMergesOnPhoneChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	// Two imported clients, never seen in Telegram.
	if _, err := e.db.Exec(e.ctx, `INSERT INTO clients (phone, name, lead_source) VALUES
		('+79120000100', 'Иван Петров', 'import'), ('+79990001122', '', 'import')`); err != nil {
		t.Fatal(err)
	}
	card := e.MustBook(t, booking(100, "a"))
	if card.Client.Name != "Иван Петров" || card.Client.LeadSource != "import" || card.Client.TelegramUserID == nil {
		t.Errorf("linked client = %+v, want the imported one, linked, name kept", card.Client)
	}
	// The same user later gives the phone of the other imported client: it is folded in.
	var otherVehicle int64
	if err := e.db.QueryRow(e.ctx, `INSERT INTO vehicles (client_id, make)
		SELECT id, 'Kia' FROM clients WHERE phone = '+79990001122' RETURNING id`).Scan(&otherVehicle); err != nil {
		t.Fatal(err)
	}
	r := booking(100, "b")
	r.Phone = "+79990001122"
	r.VehicleID = otherVehicle
	second := e.MustBook(t, r)
	if second.Client.ID != card.Client.ID || second.Vehicle.ID != otherVehicle {
		t.Errorf("after merge: client %d vehicle %d, want client %d vehicle %d", second.Client.ID, second.Vehicle.ID, card.Client.ID, otherVehicle)
	}
	if n := e.count(t, `SELECT count(*) FROM clients`); n != 1 {
		t.Errorf("clients = %d, want 1", n)
	}
}

func TestBookVehicleRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	a := e.MustBook(t, booking(100, "a"))

	// Someone else's car.
	r := booking(200, "b")
	r.VehicleID = a.Vehicle.ID
	if _, err := e.svc.Book(e.ctx, r); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("book with another client's vehicle: err = %v, want ErrForbidden", err)
	}
	r.VehicleID = 999999
	if _, err := e.svc.Book(e.ctx, r); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("book with a missing vehicle: err = %v, want ErrNotFound", err)
	}
	// The same plate typed another way reuses the car.
	r = booking(100, "c")
	r.NewVehicle.Plate = "А 123 ВС-77"
	if c := e.MustBook(t, r); c.Vehicle.ID != a.Vehicle.ID {
		t.Errorf("same plate: vehicle %d, want %d", c.Vehicle.ID, a.Vehicle.ID)
	}
	vs, err := e.svc.Vehicles(e.ctx, a.Client.ID)
	if err != nil || len(vs) != 1 {
		t.Errorf("Vehicles = %v, %v; want one", vs, err)
	}
}

func TestBookRejectsInvalidRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	tests := []struct {
		name   string
		change func(r *crm.BookingRequest)
		want   error
	}{
		{"no dedupe key", func(r *crm.BookingRequest) { r.DedupeKey = " " }, crm.ErrInvalidInput},
		{"no user", func(r *crm.BookingRequest) { r.TelegramUserID = 0 }, crm.ErrInvalidInput},
		{"phone not E.164", func(r *crm.BookingRequest) { r.Phone = "89120000100" }, crm.ErrInvalidPhone},
		{"bad phone", func(r *crm.BookingRequest) { r.Phone = "+7999" }, crm.ErrInvalidPhone},
		{"no problem nor photo", func(r *crm.BookingRequest) { r.Problem = "  " }, crm.ErrInvalidInput},
		{"empty vehicle", func(r *crm.BookingRequest) { r.NewVehicle = crm.NewVehicle{} }, crm.ErrInvalidInput},
		{"year", func(r *crm.BookingRequest) { r.NewVehicle.Year = 1800 }, crm.ErrInvalidInput},
		{"negative vehicle", func(r *crm.BookingRequest) { r.VehicleID = -1 }, crm.ErrInvalidInput},
	}
	for _, tt := range tests {
		r := booking(100, "k-"+tt.name)
		tt.change(&r)
		if _, err := e.svc.Book(e.ctx, r); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if n := e.count(t, `SELECT count(*) FROM orders`); n != 0 {
		t.Errorf("orders = %d, want 0", n)
	}
	// A photo alone is a problem description; no slot is fine.
	r := booking(100, "photo")
	r.Problem, r.PhotoFileID, r.Slot = "", "AgACAgIAAxkB", time.Time{}
	if c := e.MustBook(t, r); c.Order.Slot != nil || c.Order.PhotoFileID != "AgACAgIAAxkB" {
		t.Errorf("photo booking = %+v", c.Order)
	}
}

func TestBookReplayByAnotherUserIsForbidden(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	e.MustBook(t, booking(100, "same"))
	if _, err := e.svc.Book(e.ctx, booking(200, "same")); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("replay of another user's booking: err = %v, want ErrForbidden", err)
	}
}

func TestBookConcurrentReplaysMakeOneOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	const n = 4
	ids := make(chan int64, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			c, err := e.svc.Book(e.ctx, booking(100, "race"))
			ids <- c.Card.Order.ID
			errs <- err
		}()
	}
	var first int64
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("Book: %v", err)
		}
		id := <-ids
		if first == 0 {
			first = id
		} else if id != first {
			t.Errorf("order ids differ: %d and %d", first, id)
		}
	}
	if got := e.count(t, `SELECT count(*) FROM orders`); got != 1 {
		t.Errorf("orders = %d, want 1", got)
	}
	if got := e.count(t, `SELECT count(*) FROM clients`); got != 1 {
		t.Errorf("clients = %d, want 1", got)
	}
}

// Two bookings of one slot: the second is refused with ErrSlotTaken, and a
// cancelled order frees its slot.
func TestBookSlotTakenOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	a, b := booking(1, "a"), booking(2, "b")
	b.Slot = a.Slot
	e.MustBook(t, a)
	if _, err := e.svc.Book(e.ctx, b); !errors.Is(err, crm.ErrSlotTaken) {
		t.Fatalf("second booking of the slot: %v, want ErrSlotTaken", err)
	}
	if n := e.count(t, `SELECT count(*) FROM orders`); n != 1 {
		t.Errorf("%d orders", n)
	}
	if _, err := e.svc.Book(e.ctx, a); err != nil {
		t.Errorf("a replay of the first booking: %v", err)
	}
}

// Only a phone Telegram vouched for links a client the shop created
// without Telegram; a typed one could be anybody's.
func TestBookUnverifiedPhoneDoesNotLinkShopClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	a := booking(1, "a")
	e.MustBook(t, a)
	if _, err := e.db.Exec(e.ctx, `UPDATE clients SET telegram_user_id = NULL, chat_id = NULL`); err != nil {
		t.Fatal(err)
	}
	eve := booking(2, "eve")
	eve.Phone, eve.PhoneVerified = a.Phone, false
	if _, err := e.svc.Book(e.ctx, eve); !errors.Is(err, crm.ErrForbidden) {
		t.Fatalf("unverified phone of a shop client: %v, want ErrForbidden", err)
	}
	eve.PhoneVerified = true
	if _, err := e.svc.Book(e.ctx, eve); err != nil {
		t.Fatalf("verified phone: %v", err)
	}
}

// Book says how many staff chats hear of a new request: none while no one
// who handles requests has opened the bot. NewRequests lists what waits.
func TestBookReportsStaffNotices(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	if err := e.svc.EnsureOwners(e.ctx, []int64{1}); err != nil { // never opened the bot
		t.Fatal(err)
	}
	first, err := e.svc.Book(e.ctx, booking(100, "book:100:1"))
	if err != nil {
		t.Fatal(err)
	}
	if first.StaffNotices != 0 || first.Replay {
		t.Errorf("with no reachable staff: %+v", first)
	}
	again, err := e.svc.Book(e.ctx, booking(100, "book:100:1"))
	if err != nil || !again.Replay || again.Card.Order.ID != first.Card.Order.ID {
		t.Errorf("replay: %+v, %v", again, err)
	}
	e.mustTouch(t, 1) // the owner opens the bot
	second, err := e.svc.Book(e.ctx, booking(101, "book:101:1"))
	if err != nil {
		t.Fatal(err)
	}
	if second.StaffNotices != 1 {
		t.Errorf("with the owner reachable: %d notices", second.StaffNotices)
	}
	waiting, err := e.svc.NewRequests(e.ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(waiting) != 2 || waiting[0].Order.Number != 1001 || waiting[1].Order.Number != 1002 {
		t.Errorf("new requests: %+v", waiting)
	}
}
