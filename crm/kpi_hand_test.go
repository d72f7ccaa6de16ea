package crm_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/uniflow-crm/uniflow/crm"
)

// The report on a dozen orders written out by hand, with every expected number worked out by
// hand below (in the comments next to it), not by any program: kpi_test.go checks the same KPIs
// on a larger generated shop against plain Go loops; this one is small enough to read.
//
// The shop, Moscow time (UTC+3, no DST). Branch 1 "main", branch 2 "Север". Staff: 1 the owner,
// 2 Иван (mechanic, branch 1), 3 Пётр (mechanic, branch 2). Catalog: 1 "Замена масла", service,
// 1 500 ₽, 1.5 norm hours; 2 "Масло", part, 1 000 ₽, receipts 10 at 600 ₽ and 10 at 800 ₽
// (average cost 700 ₽); 3 "Фильтр", part, 500 ₽, receipt 10 at 450 ₽ (a margin of 10 %: under
// the 20 % floor). Clients (one car each, the car's id = the client's): C1 avito, first seen
// 05.01; C2 direct, 01.03 00:00:00 (the month's first instant); C3 yandex, 28.02 23:59:59.999999
// (February's last); C4 avito, 04.03.
//
//	O1  C1 b1 Иван   avito   20.02 new→accepted→diagnosing→in_progress 12:00→ready 14:00→delivered 15:00→closed 16:00;
//	                         labour item 1 ×1 = 1 500; due 20.02 15:00, paid 1 500 at 15:30
//	O2  C1 b1 Иван   offer_2 03.03 09:00 →accepted→diagnosing→estimate→approved→in_progress 13:00→ready 15:00
//	                         →delivered 31.03 23:59:59.999999; labour item 1 ×2 = 3 000, part item 2 ×4 = 4 000,
//	                         discount 500, total 6 500; issued 03.03 15:00, due at delivery; paid 6 500 at 01.04 00:00
//	O3  C2 b1 Иван   direct  01.03 00:00:00 →accepted 09:00→diagnosing 10:00→in_progress 11:00→ready 12:30
//	                         →delivered 13:00; part item 3 ×2 = 1 000, free-text labour 400; total 1 400;
//	                         issued 12:30, due 13:00; paid 1 400 at 01.03 23:59:59
//	O4  C2 b2 Пётр   direct  10.03 10:00 →accepted 10:30→cancelled 11:00 by staff, a no-show
//	O5  C2 b2 Пётр   direct  20.03 10:00 →accepted→diagnosing→estimate→declined 12:00→closed 12:30
//	O6  C4 b2 —      avito   15.03 12:00 →cancelled 13:00 by the client
//	O7  C3 b1 —      yandex  31.03 23:59:59.999999, new
//	O8  C1 b2 —      offer_1 01.04 00:00:00 →accepted 09:00
//	O9  C1 b1 Иван   avito   10.01 →…→delivered 20.01 12:00; labour item 1 ×2 = 3 000; due 30.01 12:00; paid 1 000 at 25.01
//	O10 C3 b2 Пётр   yandex  25.03 10:00 →accepted→diagnosing→in_progress 11:00→ready 26.03 10:00→delivered 12:00;
//	                         labour item 1 ×1 = 1 500; due 26.03 12:00; unpaid
//	O11 C4 b1 —      avito   05.03 09:00 →…→in_progress 10:00→ready 13:00→delivered 14:00; part item 2 ×1 = 1 000;
//	                         due 15.03 14:00; unpaid
//	O12 C1 b1 —      manual  01.02 →…→delivered 10.02 12:00; part item 3 ×1 = 500; due 20.02 12:00; unpaid
//
// Offers: 2 to C1 made 02.03, opened, booked O2 (paid); 1 to C1 made 25.03, opened, booked O8
// (unpaid); 3 to C4 made 28.03, not opened; 4 to C4 made 28.02 23:59:59.999999 (February).
// The month is read on 31.03 at 23:00, what is true now on 02.04 at 12:00.
const sqlHandShop = `
INSERT INTO branches (id, name) OVERRIDING SYSTEM VALUE VALUES (2, 'Север');
INSERT INTO staff (id, telegram_user_id, chat_id, name, role, branch_id) OVERRIDING SYSTEM VALUE VALUES
	(1, 9001, 9001, 'Владелец', 'owner', 1), (2, 9002, 9002, 'Иван', 'mechanic', 1), (3, 9003, 9003, 'Пётр', 'mechanic', 2);
INSERT INTO catalog_items (id, kind, name, unit, price, norm_milli, on_hand_milli) OVERRIDING SYSTEM VALUE VALUES
	(1, 'service', 'Замена масла', 'усл', 150000, 1500, 0), (2, 'part', 'Масло', 'л', 100000, 0, 20000),
	(3, 'part', 'Фильтр', 'шт', 50000, 0, 10000);
INSERT INTO stock_movements (item_id, kind, on_hand_delta, reserved_delta, unit_cost, actor_kind) VALUES
	(2, 'receipt', 10000, 0, 60000, 'system'), (2, 'receipt', 10000, 0, 80000, 'system'), (3, 'receipt', 10000, 0, 45000, 'system');
INSERT INTO clients (id, phone, name, lead_source, created_at) OVERRIDING SYSTEM VALUE VALUES
	(1, '+79120000001', 'C1', 'avito', '2025-01-05 10:00+03'), (2, '+79120000002', 'C2', 'direct', '2025-03-01 00:00:00+03'),
	(3, '+79120000003', 'C3', 'yandex', '2025-02-28 23:59:59.999999+03'), (4, '+79120000004', 'C4', 'avito', '2025-03-04 10:00+03');
INSERT INTO vehicles (id, client_id, make) OVERRIDING SYSTEM VALUE SELECT id, id, 'Lada' FROM clients;
INSERT INTO orders (id, branch_id, client_id, vehicle_id, mechanic_id, status, lead_source, no_show_at, created_at, updated_at)
OVERRIDING SYSTEM VALUE VALUES
	(1, 1, 1, 1, 2, 'closed', 'avito', NULL, '2025-02-20 10:00+03', now()),
	(2, 1, 1, 1, 2, 'delivered', 'offer_2', NULL, '2025-03-03 09:00+03', now()),
	(3, 1, 2, 2, 2, 'delivered', 'direct', NULL, '2025-03-01 00:00:00+03', now()),
	(4, 2, 2, 2, 3, 'cancelled', 'direct', '2025-03-10 11:00+03', '2025-03-10 10:00+03', now()),
	(5, 2, 2, 2, 3, 'closed', 'direct', NULL, '2025-03-20 10:00+03', now()),
	(6, 2, 4, 4, NULL, 'cancelled', 'avito', NULL, '2025-03-15 12:00+03', now()),
	(7, 1, 3, 3, NULL, 'new', 'yandex', NULL, '2025-03-31 23:59:59.999999+03', now()),
	(8, 2, 1, 1, NULL, 'accepted', 'offer_1', NULL, '2025-04-01 00:00:00+03', now()),
	(9, 1, 1, 1, 2, 'delivered', 'avito', NULL, '2025-01-10 10:00+03', now()),
	(10, 2, 3, 3, 3, 'delivered', 'yandex', NULL, '2025-03-25 10:00+03', now()),
	(11, 1, 4, 4, NULL, 'delivered', 'avito', NULL, '2025-03-05 09:00+03', now()),
	(12, 1, 1, 1, NULL, 'delivered', 'manual', NULL, '2025-02-01 10:00+03', now());
INSERT INTO order_events (order_id, actor_kind, actor_id, from_status, to_status, created_at) VALUES
	(1, 'client', 1, '', 'new', '2025-02-20 10:00+03'), (1, 'staff', 1, 'new', 'accepted', '2025-02-20 10:05+03'),
	(1, 'staff', 2, 'accepted', 'diagnosing', '2025-02-20 11:00+03'), (1, 'staff', 2, 'diagnosing', 'in_progress', '2025-02-20 12:00+03'),
	(1, 'staff', 2, 'in_progress', 'ready', '2025-02-20 14:00+03'), (1, 'staff', 1, 'ready', 'delivered', '2025-02-20 15:00+03'),
	(1, 'staff', 1, 'delivered', 'closed', '2025-02-20 16:00+03'),
	(2, 'client', 1, '', 'new', '2025-03-03 09:00+03'), (2, 'staff', 1, 'new', 'accepted', '2025-03-03 09:10+03'),
	(2, 'staff', 2, 'accepted', 'diagnosing', '2025-03-03 10:00+03'), (2, 'staff', 2, 'diagnosing', 'estimate', '2025-03-03 11:00+03'),
	(2, 'client', 1, 'estimate', 'approved', '2025-03-03 12:00+03'), (2, 'staff', 2, 'approved', 'in_progress', '2025-03-03 13:00+03'),
	(2, 'staff', 2, 'in_progress', 'ready', '2025-03-03 15:00+03'), (2, 'staff', 1, 'ready', 'delivered', '2025-03-31 23:59:59.999999+03'),
	(3, 'client', 2, '', 'new', '2025-03-01 00:00:00+03'), (3, 'staff', 1, 'new', 'accepted', '2025-03-01 09:00+03'),
	(3, 'staff', 2, 'accepted', 'diagnosing', '2025-03-01 10:00+03'), (3, 'staff', 2, 'diagnosing', 'in_progress', '2025-03-01 11:00+03'),
	(3, 'staff', 2, 'in_progress', 'ready', '2025-03-01 12:30+03'), (3, 'staff', 1, 'ready', 'delivered', '2025-03-01 13:00+03'),
	(4, 'client', 2, '', 'new', '2025-03-10 10:00+03'), (4, 'staff', 1, 'new', 'accepted', '2025-03-10 10:30+03'),
	(4, 'staff', 1, 'accepted', 'cancelled', '2025-03-10 11:00+03'),
	(5, 'client', 2, '', 'new', '2025-03-20 10:00+03'), (5, 'staff', 1, 'new', 'accepted', '2025-03-20 10:10+03'),
	(5, 'staff', 3, 'accepted', 'diagnosing', '2025-03-20 10:30+03'), (5, 'staff', 3, 'diagnosing', 'estimate', '2025-03-20 11:00+03'),
	(5, 'client', 2, 'estimate', 'declined', '2025-03-20 12:00+03'), (5, 'staff', 1, 'declined', 'closed', '2025-03-20 12:30+03'),
	(6, 'client', 4, '', 'new', '2025-03-15 12:00+03'), (6, 'client', 4, 'new', 'cancelled', '2025-03-15 13:00+03'),
	(7, 'client', 3, '', 'new', '2025-03-31 23:59:59.999999+03'),
	(8, 'client', 1, '', 'new', '2025-04-01 00:00:00+03'), (8, 'staff', 1, 'new', 'accepted', '2025-04-01 09:00+03'),
	(9, 'client', 1, '', 'new', '2025-01-10 10:00+03'), (9, 'staff', 1, 'new', 'accepted', '2025-01-10 10:10+03'),
	(9, 'staff', 2, 'accepted', 'in_progress', '2025-01-11 10:00+03'), (9, 'staff', 2, 'in_progress', 'ready', '2025-01-11 12:00+03'),
	(9, 'staff', 1, 'ready', 'delivered', '2025-01-20 12:00+03'),
	(10, 'client', 3, '', 'new', '2025-03-25 10:00+03'), (10, 'staff', 1, 'new', 'accepted', '2025-03-25 10:10+03'),
	(10, 'staff', 3, 'accepted', 'diagnosing', '2025-03-25 10:30+03'), (10, 'staff', 3, 'diagnosing', 'in_progress', '2025-03-25 11:00+03'),
	(10, 'staff', 3, 'in_progress', 'ready', '2025-03-26 10:00+03'), (10, 'staff', 1, 'ready', 'delivered', '2025-03-26 12:00+03'),
	(11, 'client', 4, '', 'new', '2025-03-05 09:00+03'), (11, 'staff', 1, 'new', 'accepted', '2025-03-05 09:10+03'),
	(11, 'staff', 1, 'accepted', 'diagnosing', '2025-03-05 09:30+03'), (11, 'staff', 1, 'diagnosing', 'in_progress', '2025-03-05 10:00+03'),
	(11, 'staff', 1, 'in_progress', 'ready', '2025-03-05 13:00+03'), (11, 'staff', 1, 'ready', 'delivered', '2025-03-05 14:00+03'),
	(12, 'staff', 1, '', 'accepted', '2025-02-01 10:00+03'), (12, 'staff', 1, 'accepted', 'in_progress', '2025-02-09 10:00+03'),
	(12, 'staff', 1, 'in_progress', 'ready', '2025-02-10 11:00+03'), (12, 'staff', 1, 'ready', 'delivered', '2025-02-10 12:00+03');
INSERT INTO order_lines (order_id, kind, item_id, name, unit, qty_milli, price, approval, approved_price, approved_qty_milli) VALUES
	(1, 'labour', 1, 'Замена масла', 'усл', 1000, 150000, 'approved', 150000, 1000),
	(2, 'labour', 1, 'Замена масла', 'усл', 2000, 150000, 'approved', 150000, 2000),
	(2, 'part', 2, 'Масло', 'л', 4000, 100000, 'approved', 100000, 4000),
	(2, 'part', 3, 'Фильтр', 'шт', 1000, 50000, 'declined', NULL, NULL),
	(3, 'part', 3, 'Фильтр', 'шт', 2000, 50000, 'approved', 50000, 2000),
	(3, 'labour', NULL, 'Осмотр', 'усл', 1000, 40000, 'approved', 40000, 1000),
	(9, 'labour', 1, 'Замена масла', 'усл', 2000, 150000, 'approved', 150000, 2000),
	(10, 'labour', 1, 'Замена масла', 'усл', 1000, 150000, 'approved', 150000, 1000),
	(11, 'part', 2, 'Масло', 'л', 1000, 100000, 'approved', 100000, 1000),
	(12, 'part', 3, 'Фильтр', 'шт', 1000, 50000, 'approved', 50000, 1000);
INSERT INTO invoices (order_id, issued_at, labour, parts, discount, total, lines, due_at) VALUES
	(1, '2025-02-20 14:00+03', 150000, 0, 0, 150000, '[]', '2025-02-20 15:00+03'),
	(2, '2025-03-03 15:00+03', 300000, 400000, 50000, 650000, '[]', '2025-03-31 23:59:59.999999+03'),
	(3, '2025-03-01 12:30+03', 40000, 100000, 0, 140000, '[]', '2025-03-01 13:00+03'),
	(9, '2025-01-11 12:00+03', 300000, 0, 0, 300000, '[]', '2025-01-30 12:00+03'),
	(10, '2025-03-26 10:00+03', 150000, 0, 0, 150000, '[]', '2025-03-26 12:00+03'),
	(11, '2025-03-05 13:00+03', 0, 100000, 0, 100000, '[]', '2025-03-15 14:00+03'),
	(12, '2025-02-10 11:00+03', 0, 50000, 0, 50000, '[]', '2025-02-20 12:00+03');
INSERT INTO payments (order_id, amount, method, recorded_by, created_at) VALUES
	(1, 150000, 'cash', 1, '2025-02-20 15:30+03'), (2, 650000, 'card', 1, '2025-04-01 00:00:00+03'),
	(3, 140000, 'cash', 1, '2025-03-01 23:59:59+03'), (9, 100000, 'cash', 1, '2025-01-25 10:00+03');
INSERT INTO offers (id, kind, client_id, vehicle_id, item_id, created_at, opened_at, converted_order_id) OVERRIDING SYSTEM VALUE VALUES
	(2, 'repeat', 1, 1, 1, '2025-03-02 10:00+03', '2025-03-02 12:00+03', 2),
	(1, 'repeat', 1, 1, 1, '2025-03-25 10:00+03', '2025-03-25 11:00+03', 8),
	(3, 'repeat', 4, 4, 1, '2025-03-28 10:00+03', NULL, NULL),
	(4, 'repeat', 4, 4, 1, '2025-02-28 23:59:59.999999+03', NULL, NULL)`

func TestReportHandComputed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{Location: msk})
	if _, err := e.db.Exec(e.ctx, sqlHandShop); err != nil {
		t.Fatalf("insert the shop: %v", err)
	}
	at := func(s string) time.Time {
		tt, err := time.ParseInLocation(time.DateTime, s, msk)
		if err != nil {
			t.Fatal(err)
		}
		return tt
	}
	money := func(rubles int64) crm.Money { return crm.Money(rubles * 100) }
	cost := func(rubles int64) *crm.Money { m := money(rubles); return &m }
	opts := cmp.Options{cmpopts.EquateEmpty(), cmpopts.EquateApprox(0, 1e-9), cmpopts.EquateApproxTime(0)}
	report := func(now string, r crm.ReportRequest) crm.Report {
		t.Helper()
		e.clock.Set(at(now))
		r.Scope = crm.ScopeFull
		rep, err := e.svc.Report(e.ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}

	// March, all branches, read on its last evening (what is true now is read on 02.04 below).
	rep := report("2025-03-31 23:00:00", crm.ReportRequest{Kind: crm.PeriodMonth})
	mar := rep.Current
	if !mar.Period.Start.Equal(at("2025-03-01 00:00:00")) || !mar.Period.End.Equal(at("2025-04-01 00:00:00")) {
		t.Errorf("the month is %v..%v", mar.Period.Start, mar.Period.End)
	}
	// Opened: O2 O3 (at 01.03 00:00:00) O4 O5 O6 O7 (at 31.03 23:59:59.999999) O10 O11 = 8; not O8
	// (01.04 00:00:00). Closed: O5. Cancelled: O4 (a no-show), O6 (by the client).
	wantOrders := crm.OrderKPIs{Opened: 8, Closed: 1, Cancelled: 2, CancelReasons: map[string]int{crm.CancelNoShow: 1, crm.CancelClient: 1}}
	if diff := cmp.Diff(wantOrders, mar.Orders); diff != "" {
		t.Errorf("March orders (-want +got):\n%s", diff)
	}
	// Delivered in March with an invoice: O2 (31.03 23:59:59.999999), O3, O10, O11.
	// Labour 3 000 + 400 + 1 500 = 4 900; parts 4 000 + 1 000 + 1 000 = 6 000; discount 500;
	// revenue 6 500 + 1 400 + 1 500 + 1 000 = 10 400; average 10 400 / 4 = 2 600. Payments in
	// March: O3's 1 400 (01.03 23:59:59); O2's at 01.04 00:00 is April's.
	wantMoney := crm.RevenueKPIs{Delivered: 4, Labour: money(4900), Parts: money(6000), Discount: money(500),
		Revenue: money(10400), AverageCheck: money(2600), Payments: money(1400)}
	if diff := cmp.Diff(wantMoney, mar.Revenue); diff != "" {
		t.Errorf("March money (-want +got):\n%s", diff)
	}
	// Due in March: O2 (31.03 23:59:59.999999), O3, O10, O11 = 4. Paid in full now: O2, O3.
	// On time (paid before the midnight ending the due day): O3 (01.03 23:59:59), not O2 (paid
	// at 01.04 00:00:00 exactly). Days from invoice to payment: O2 03.03 15:00 → 01.04 00:00 =
	// 28 days 9 hours = 28.375; O3 12:30 → 23:59:59 = 11:29:59 = 41 399 s.
	wantDiscipline := crm.DisciplineKPIs{Due: 4, OnTime: 1, Paid: 2, PayDaysTotal: 28.375 + 41399.0/86400}
	if diff := cmp.Diff(wantDiscipline, mar.Discipline, opts); diff != "" {
		t.Errorf("March discipline (-want +got):\n%s", diff)
	}
	if got := mar.Discipline.OnTimeShare(); got != 2500 {
		t.Errorf("on time share %d, want 25,00 %%", got)
	}
	// Ready in March with a mechanic: Иван O2 (in_progress 13:00 → ready 15:00: 2 h; item 1 ×2:
	// 3 norm hours; 3 000 of labour) and O3 (11:00 → 12:30: 1.5 h; free text: no norm; 400);
	// comebacks: O2's car came back with O8 (01.04, within 30 days of 03.03 15:00), O3's with O5
	// (O4 was cancelled). Пётр O10 (11:00 → next day 10:00: 23 h; 1.5 norm hours; 1 500); it
	// came back with O7 (31.03). O11 has no mechanic.
	wantMechs := []crm.MechanicKPIs{
		{StaffID: 2, Name: "Иван", Done: 2, Billed: 3000, Clocked: 3500, LabourRevenue: money(3400), Comebacks: 2},
		{StaffID: 3, Name: "Пётр", Done: 1, Billed: 1500, Clocked: 23000, LabourRevenue: money(1500), Comebacks: 1},
	}
	if diff := cmp.Diff(wantMechs, mar.Mechanics); diff != "" {
		t.Errorf("March mechanics (-want +got):\n%s", diff)
	}
	if got := mar.Mechanics[0].PerNormHour(); got != money(1133)+33 { // 3 400 / 3 = 1 133,33
		t.Errorf("Иван's labour per norm hour %s", got)
	}
	// The funnel: direct O3 (delivered, paid), O4 (accepted), O5 (arrived: diagnosing); contact
	// C2 (first seen 01.03 00:00:00) requested. yandex O7 (new), O10 (worked on, unpaid; 1 500);
	// C3 was first seen in February. avito O6 (new), O11 (worked on, unpaid; 1 000); contact C4.
	// offer O2 (paid; 6 500). Sorted by requests, then revenue.
	wantFunnel := []crm.FunnelRow{
		{Source: "direct", Contacts: 1, ContactsRequested: 1, Requests: 3, Confirmed: 3, Arrived: 2, Approved: 1, Paid: 1, Revenue: money(1400)},
		{Source: "yandex", Requests: 2, Confirmed: 1, Arrived: 1, Approved: 1, Revenue: money(1500)},
		{Source: "avito", Contacts: 1, ContactsRequested: 1, Requests: 2, Confirmed: 1, Arrived: 1, Approved: 1, Revenue: money(1000)},
		{Source: "offer", Requests: 1, Confirmed: 1, Arrived: 1, Approved: 1, Paid: 1, Revenue: money(6500)},
	}
	if diff := cmp.Diff(wantFunnel, mar.Funnel); diff != "" {
		t.Errorf("March funnel (-want +got):\n%s", diff)
	}
	// Repeat: the clients of O2, O3, O10, O11 are C1 C2 C3 C4; C1 had O1 delivered 20.02 and paid
	// in full (O9 and O12 are not paid): 1 of 4, and O2's 6 500 of 10 400.
	wantRepeat := crm.RepeatKPIs{Clients: 4, RepeatClients: 1, Revenue: money(10400), RepeatRevenue: money(6500)}
	if diff := cmp.Diff(wantRepeat, mar.Repeat); diff != "" {
		t.Errorf("March repeat (-want +got):\n%s", diff)
	}
	if mar.Repeat.Rate() != 2500 || mar.Repeat.RevenueShare() != 6250 {
		t.Errorf("repeat rate %d, share %d; want 25 %% and 62,5 %%", mar.Repeat.Rate(), mar.Repeat.RevenueShare())
	}
	// Offers made in March: 2, 1, 3 (4 is February's last microsecond); opened 2 and 1; booked
	// 2 (O2) and 1 (O8); paid: O2.
	if diff := cmp.Diff(crm.OfferKPIs{Sent: 3, Opened: 2, Converted: 2, Paid: 1}, mar.Offers); diff != "" {
		t.Errorf("March offers (-want +got):\n%s", diff)
	}
	// Profit, the approved catalog lines of O2 O3 O10 O11 (O2's declined filter is not sold):
	// Масло 4 + 1 = 5 for 5 000, cost 5 × 700 = 3 500 (30 %); Замена масла 2 + 1 = 3 for 4 500,
	// 4.5 norm hours (1 000 per norm hour); Фильтр 2 for 1 000, cost 2 × 450 = 900 (10 %, flagged).
	wantProfit := []crm.ItemProfit{
		{ItemID: 2, Kind: "part", Name: "Масло", Qty: 5000, Revenue: money(5000), Cost: cost(3500)},
		{ItemID: 1, Kind: "labour", Name: "Замена масла", Qty: 3000, Revenue: money(4500), NormHours: 4500},
		{ItemID: 3, Kind: "part", Name: "Фильтр", Qty: 2000, Revenue: money(1000), Cost: cost(900)},
	}
	if diff := cmp.Diff(wantProfit, mar.Profit); diff != "" {
		t.Errorf("March profit (-want +got):\n%s", diff)
	}
	for i, want := range []struct {
		margin  int
		flagged bool
	}{{3000, false}, {0, false}, {1000, true}} {
		p := mar.Profit[i]
		if m, ok := p.Margin(); p.Kind == "part" && (!ok || m != want.margin || p.BelowFloor(rep.MarginFloor) != want.flagged) {
			t.Errorf("%s: margin %d (%v), flagged %v; want %d, %v", p.Name, m, ok, p.BelowFloor(rep.MarginFloor), want.margin, want.flagged)
		}
	}
	if got := mar.Profit[1].PerNormHour(); got != money(1000) {
		t.Errorf("Замена масла per norm hour %s, want 1 000", got)
	}
	// Now (02.04 12:00): open O2 O3 O9 O10 O11 O12 delivered, O7 new, O8 accepted. Owed: O9
	// 3 000 − 1 000 = 2 000, O10 1 500, O11 1 000, O12 500 = 5 000. Days past the due date, by
	// Moscow dates: O10 26.03 → 7 (0-7); O11 15.03 → 18 (8-30); O12 20.02 → 8 + 31 + 2 = 41
	// (31-60); O9 30.01 → 1 + 28 + 31 + 2 = 62 (over 60).
	wantNow := crm.SnapshotKPIs{At: at("2025-04-02 12:00:00"),
		ByStatus:    map[crm.Status]int{crm.StatusDelivered: 6, crm.StatusNew: 1, crm.StatusAccepted: 1},
		Outstanding: money(5000), Overdue: [4]crm.Money{money(1500), money(1000), money(500), money(2000)}, OverdueCount: [4]int{1, 1, 1, 1}}
	aprRep := report("2025-04-02 12:00:00", crm.ReportRequest{Kind: crm.PeriodMonth})
	if diff := cmp.Diff(wantNow, aprRep.Now, opts); diff != "" {
		t.Errorf("now (-want +got):\n%s", diff)
	}
	// February, the month before: opened O1 O12; closed O1; delivered O1 (1 500) and O12 (500);
	// paid O1's 1 500 on time (15:30, due 15:00 that day: 1.5 h after the 14:00 invoice).
	feb := rep.Previous
	if !feb.Period.Start.Equal(at("2025-02-01 00:00:00")) || !feb.Period.End.Equal(at("2025-03-01 00:00:00")) {
		t.Errorf("the month before is %v..%v", feb.Period.Start, feb.Period.End)
	}
	if diff := cmp.Diff(crm.OrderKPIs{Opened: 2, Closed: 1}, feb.Orders, opts); diff != "" {
		t.Errorf("February orders (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(crm.RevenueKPIs{Delivered: 2, Labour: money(1500), Parts: money(500), Revenue: money(2000),
		AverageCheck: money(1000), Payments: money(1500)}, feb.Revenue); diff != "" {
		t.Errorf("February money (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(crm.DisciplineKPIs{Due: 2, OnTime: 1, Paid: 1, PayDaysTotal: 1.5 / 24}, feb.Discipline, opts); diff != "" {
		t.Errorf("February discipline (-want +got):\n%s", diff)
	}
	// February's offers: 4 only, at its last microsecond.
	if feb.Offers.Sent != 1 {
		t.Errorf("February offers sent %d, want 1", feb.Offers.Sent)
	}

	// Branch 2 in March: O4 O5 O6 O10; O10 delivered (1 500, unpaid, due 26.03); Пётр alone;
	// funnel: direct O4 O5 (C2's contact counts: C2 requested in branch 2), yandex O10 (C3 was
	// first seen in February), avito O6 (C4 requested here). Now: O8 accepted, O10 delivered,
	// owed 1 500, 7 days past due.
	b2 := report("2025-03-31 23:00:00", crm.ReportRequest{Kind: crm.PeriodMonth, BranchID: 2})
	if diff := cmp.Diff(crm.OrderKPIs{Opened: 4, Closed: 1, Cancelled: 2, CancelReasons: map[string]int{crm.CancelNoShow: 1, crm.CancelClient: 1}}, b2.Current.Orders); diff != "" {
		t.Errorf("branch 2 orders (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(crm.RevenueKPIs{Delivered: 1, Labour: money(1500), Revenue: money(1500), AverageCheck: money(1500)}, b2.Current.Revenue); diff != "" {
		t.Errorf("branch 2 money (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(crm.DisciplineKPIs{Due: 1}, b2.Current.Discipline, opts); diff != "" {
		t.Errorf("branch 2 discipline (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantMechs[1:], b2.Current.Mechanics); diff != "" {
		t.Errorf("branch 2 mechanics (-want +got):\n%s", diff)
	}
	wantB2Funnel := []crm.FunnelRow{
		{Source: "direct", Contacts: 1, ContactsRequested: 1, Requests: 2, Confirmed: 2, Arrived: 1},
		{Source: "yandex", Requests: 1, Confirmed: 1, Arrived: 1, Approved: 1, Revenue: money(1500)},
		{Source: "avito", Contacts: 1, ContactsRequested: 1, Requests: 1},
	}
	if diff := cmp.Diff(wantB2Funnel, b2.Current.Funnel); diff != "" {
		t.Errorf("branch 2 funnel (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(crm.RepeatKPIs{Clients: 1, Revenue: money(1500)}, b2.Current.Repeat); diff != "" {
		t.Errorf("branch 2 repeat (-want +got):\n%s", diff)
	}
	wantB2Now := crm.SnapshotKPIs{At: at("2025-04-02 12:00:00"), ByStatus: map[crm.Status]int{crm.StatusDelivered: 1, crm.StatusAccepted: 1},
		Outstanding: money(1500), Overdue: [4]crm.Money{money(1500)}, OverdueCount: [4]int{1}}
	if diff := cmp.Diff(wantB2Now, report("2025-04-02 12:00:00", crm.ReportRequest{Kind: crm.PeriodToday, BranchID: 2}).Now, opts); diff != "" {
		t.Errorf("branch 2 now (-want +got):\n%s", diff)
	}

	// The day boundaries. Today, read at 01.03 00:00:00 exactly: O3, created that instant, is
	// today's, and so is C2; C3 (28.02 23:59:59.999999) is yesterday's contact, and yesterday
	// opened nothing. O3 was delivered at 13:00 for 1 400 and paid at 23:59:59.
	today := report("2025-03-01 00:00:00", crm.ReportRequest{Kind: crm.PeriodToday})
	if c, p := today.Current, today.Previous; c.Orders.Opened != 1 || c.Revenue.Revenue != money(1400) || c.Revenue.Payments != money(1400) ||
		p.Orders.Opened != 0 || len(c.Funnel) != 1 || c.Funnel[0].Contacts != 1 || c.Funnel[0].Source != "direct" ||
		len(p.Funnel) != 1 || p.Funnel[0] != (crm.FunnelRow{Source: "yandex", Contacts: 1}) {
		t.Errorf("01.03: today %+v %+v %+v; yesterday %+v %+v", c.Orders, c.Revenue, c.Funnel, p.Orders, p.Funnel)
	}
	// The month's last day, 31.03: O7 and O2's delivery at 23:59:59.999999 are in it; O8 (01.04
	// 00:00:00) and O2's payment at that instant are not. O2 was due that day and is not paid
	// within it. Compared with 30.03: nothing.
	last := report("2025-04-02 12:00:00", crm.ReportRequest{Kind: crm.PeriodCustom, From: at("2025-03-31 00:00:00"), To: at("2025-03-31 00:00:00")})
	if c := last.Current; c.Orders.Opened != 1 || c.Revenue.Delivered != 1 || c.Revenue.Revenue != money(6500) || c.Revenue.Payments != 0 ||
		c.Discipline != (crm.DisciplineKPIs{Due: 1, Paid: 1, PayDaysTotal: 28.375}) {
		t.Errorf("31.03: %+v %+v %+v", c.Orders, c.Revenue, c.Discipline)
	}
	if p := last.Previous; p.Orders.Opened != 0 || p.Revenue.Delivered != 0 || !p.Period.Start.Equal(at("2025-03-30 00:00:00")) {
		t.Errorf("30.03: %+v %+v", p.Period, p.Orders)
	}
	// April so far: O8 opened at its first instant; O2's 6 500 paid at it.
	apr := report("2025-04-02 12:00:00", crm.ReportRequest{Kind: crm.PeriodMonth, Scope: crm.ScopeOperational}).Current
	if apr.Orders.Opened != 1 || apr.Revenue.Payments != money(6500) || apr.Revenue.Delivered != 0 {
		t.Errorf("April: %+v %+v", apr.Orders, apr.Revenue)
	}
}
