package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
)

// "Load demo shop" fills the sandbox with a small shop: a catalog of services and parts with
// stock, and clients with cars and a few weeks of finished orders, made through crm.Service as
// a manager would make them, on a clock set back to the day each happened. The demo clients are
// not on Telegram (as after an import), so their history sends nobody a message.

type demoItem struct {
	sku, name string
	kind      crm.ItemKind
	price     crm.Money // kopecks
	stock     int
	repeat    int // days
}

var demoCatalog = []demoItem{
	{"S-OIL", "Замена масла двигателя", crm.ItemService, 150000, 0, 180},
	{"S-DIAG", "Компьютерная диагностика", crm.ItemService, 120000, 0, 0},
	{"S-PADS", "Замена передних колодок", crm.ItemService, 180000, 0, 0},
	{"S-TYRE", "Шиномонтаж (4 колеса)", crm.ItemService, 240000, 0, 180},
	{"P-OIL5W30", "Масло 5W-30, 4 л", crm.ItemPart, 320000, 12, 0},
	{"P-FILTER", "Фильтр масляный", crm.ItemPart, 65000, 20, 0},
	{"P-PADS", "Колодки тормозные передние", crm.ItemPart, 290000, 6, 0},
	{"P-WIPER", "Щётки стеклоочистителя", crm.ItemPart, 90000, 2, 0},
}

type demoVisit struct {
	daysAgo int
	phone   string
	name    string
	car     crm.NewVehicle
	problem string
	lines   []string // SKUs
	paid    bool
}

var demoVisits = []demoVisit{
	{26, "+79161110001", "Алексей Смирнов", crm.NewVehicle{Make: "Kia", Model: "Rio", Year: 2017, Plate: "А111АА77"}, "Плановое ТО", []string{"S-OIL", "P-OIL5W30", "P-FILTER"}, true},
	{19, "+79161110002", "Марина Кузнецова", crm.NewVehicle{Make: "Hyundai", Model: "Solaris", Year: 2019, Plate: "В222ВВ77"}, "Скрипят тормоза", []string{"S-DIAG", "S-PADS", "P-PADS"}, true},
	{12, "+79161110003", "Игорь Попов", crm.NewVehicle{Make: "Lada", Model: "Vesta", Year: 2021, Plate: "С333СС77"}, "Сезонная смена шин", []string{"S-TYRE"}, true},
	{5, "+79161110001", "Алексей Смирнов", crm.NewVehicle{Make: "Kia", Model: "Rio", Year: 2017, Plate: "А111АА77"}, "Горит Check Engine", []string{"S-DIAG"}, false},
	{2, "+79161110004", "Ольга Васильева", crm.NewVehicle{Make: "Skoda", Model: "Octavia", Year: 2016, Plate: "Е444ЕЕ77"}, "Замена щёток", []string{"P-WIPER"}, true},
}

// LoadDemo fills the catalog, the clients, their cars and their history. The demo is loaded once:
// pressed again (before a reset) it adds nothing and says so ("already": 1), since a second
// history would double the shop's revenue, payments and stock movements.
func (sb *Sandbox) LoadDemo(ctx context.Context) (map[string]int, error) {
	mgr, err := sb.opts.CRM.StaffByTelegramID(ctx, managerID)
	if err != nil {
		return nil, fmt.Errorf("demo shop: the manager is not set up yet: %w", err)
	}
	if loaded, err := sb.demoLoaded(ctx); err != nil || loaded {
		return map[string]int{"items": len(demoCatalog), "orders": len(demoVisits), "already": 1}, err
	}
	a := crm.Actor{StaffID: mgr.ID, Role: mgr.Role, TelegramUserID: mgr.TelegramUserID}
	mech, err := sb.opts.CRM.StaffByTelegramID(ctx, mechanicID)
	if err != nil {
		return nil, fmt.Errorf("demo shop: the mechanic is not set up yet: %w", err)
	}
	items := map[string]crm.CatalogItem{}
	for _, d := range demoCatalog {
		it, _, err := sb.opts.CRM.UpsertItem(ctx, crm.ItemInput{Kind: d.kind, SKU: d.sku, Name: d.name, Price: d.price, RepeatDays: d.repeat})
		if err != nil {
			return nil, fmt.Errorf("demo shop: catalog item %s: %w", d.sku, err)
		}
		if d.stock > 0 && it.OnHand < crm.Qty(d.stock)*crm.QtyUnit {
			it, err = sb.opts.CRM.CorrectStock(ctx, it.ID, crm.Qty(d.stock)*crm.QtyUnit, "demo shop")
			if err != nil {
				return nil, fmt.Errorf("demo shop: stock of %s: %w", d.sku, err)
			}
		}
		items[d.sku] = it
	}
	now := sb.opts.Emu.Clock().Now()
	orders := 0
	for _, v := range demoVisits {
		day := now.AddDate(0, 0, -v.daysAgo).In(sb.opts.Location)
		at := time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, sb.opts.Location)
		if err := sb.demoVisit(ctx, a, mech.ID, at, v, items); err != nil {
			return nil, fmt.Errorf("demo shop: the visit of %s %d days ago: %w", v.name, v.daysAgo, err)
		}
		orders++
	}
	return map[string]int{"items": len(demoCatalog), "orders": orders}, nil
}

// demoLoaded reports whether the demo's history is in the database: its first client has orders.
func (sb *Sandbox) demoLoaded(ctx context.Context) (bool, error) {
	c, err := sb.opts.CRM.ClientByPhone(ctx, demoVisits[0].phone)
	if errors.Is(err, crm.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("demo shop: look for the demo's clients: %w", err)
	}
	orders, err := sb.opts.CRM.ClientOrders(ctx, c.ID, 1)
	if err != nil {
		return false, fmt.Errorf("demo shop: look for the demo's orders: %w", err)
	}
	return len(orders) > 0, nil
}

// demoVisit plays one visit on a service whose clock is at (then an hour later at each step).
// The visit still open today is given to mechanic (a staff id), so it is in his /queue.
func (sb *Sandbox) demoVisit(ctx context.Context, a crm.Actor, mechanic int64, at time.Time, v demoVisit, items map[string]crm.CatalogItem) error {
	t := at
	svc := crm.New(sb.opts.Pool, crm.Options{Now: func() time.Time { return t }, Location: sb.opts.Location, Region: sb.opts.Region})
	req := crm.ManagerOrderRequest{Phone: v.phone, ClientName: v.name, Problem: v.problem}
	if c, err := svc.ClientByPhone(ctx, v.phone); err == nil {
		vs, err := svc.Vehicles(ctx, c.ID)
		if err != nil {
			return err
		}
		for _, car := range vs {
			if car.Make == v.car.Make && car.Model == v.car.Model {
				req.VehicleID = car.ID
			}
		}
	}
	if req.VehicleID == 0 {
		req.NewVehicle = v.car
	}
	card, err := svc.CreateOrder(ctx, a, req)
	if err != nil {
		return fmt.Errorf("create the order: %w", err)
	}
	id := card.Order.ID
	version := func() (int, error) {
		c, err := svc.OrderCard(ctx, id)
		return c.Order.Version, err
	}
	step := func(to crm.Status) error {
		t = t.Add(time.Hour)
		c, err := svc.OrderCard(ctx, id)
		if err != nil {
			return err
		}
		if c.Order.Status == to { // a manager's order starts accepted
			return nil
		}
		if _, err := svc.Transition(ctx, a, id, c.Order.Version, to); err != nil {
			return fmt.Errorf("move to %s: %w", to, err)
		}
		return nil
	}
	if err := step(crm.StatusAccepted); err != nil {
		return err
	}
	if !v.paid {
		// The order still open today is the mechanic's: his /queue has it, and he is told.
		ver, err := version()
		if err != nil {
			return err
		}
		if _, err := svc.Assign(ctx, a, id, ver, mechanic); err != nil {
			return fmt.Errorf("assign the mechanic: %w", err)
		}
	}
	if err := step(crm.StatusDiagnosing); err != nil {
		return err
	}
	for _, sku := range v.lines {
		it := items[sku]
		kind := crm.LineLabour
		if it.Kind == crm.ItemPart {
			kind = crm.LinePart
		}
		ver, err := version()
		if err != nil {
			return err
		}
		if _, err := svc.AddLine(ctx, a, id, ver, crm.LineInput{ItemID: it.ID, Qty: crm.QtyUnit, Kind: kind}); err != nil {
			return fmt.Errorf("add %s: %w", sku, err)
		}
	}
	if !v.paid { // still being diagnosed: an open order in the shop today
		return nil
	}
	// The client agreed on the phone: the manager records it, and the order is approved.
	t = t.Add(time.Hour)
	est, err := svc.Estimate(ctx, id)
	if err != nil {
		return fmt.Errorf("estimate: %w", err)
	}
	if _, err := svc.RecordDecision(ctx, a, id, est.Version, 0, crm.ApprovalApproved, "phone"); err != nil {
		return fmt.Errorf("approve the estimate: %w", err)
	}
	for _, to := range []crm.Status{crm.StatusInProgress, crm.StatusReady} {
		if err := step(to); err != nil {
			return err
		}
	}
	inv, err := svc.Invoice(ctx, id)
	if err != nil {
		return fmt.Errorf("invoice: %w", err)
	}
	ver, err := version()
	if err != nil {
		return err
	}
	if _, err := svc.RecordPayment(ctx, a, id, ver, inv.Total, "card"); err != nil {
		return fmt.Errorf("payment: %w", err)
	}
	if err := step(crm.StatusDelivered); err != nil {
		return err
	}
	return step(crm.StatusClosed) // paid and handed over: nothing left open
}

func (sb *Sandbox) serveDemo(w http.ResponseWriter, r *http.Request) {
	sb.busyOr(w, func() (any, error) { return sb.LoadDemo(r.Context()) })
}
