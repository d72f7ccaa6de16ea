package scheduler

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// One row that cannot be enqueued (here the database refuses it) is logged and skipped: the
// other debtors are reminded, and the run reports the skip in scheduler_runs for /jobs.
func TestBadRowIsSkippedAndTheRunGoesOn(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, msk)
	sh := newSimShop(t, msk, now)
	var orders []int64
	for range 5 {
		cid, _ := sh.client(true, false)
		orders = append(orders, sh.invoice(cid, 90000, now.AddDate(0, 0, -2)))
	}
	bad := orders[2]
	sh.exec(fmt.Sprintf(`
CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.order_id = %d THEN RAISE EXCEPTION 'refused for the test'; END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER refuse_one BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION refuse_one();`, bad))

	var job Job
	for _, j := range sh.s.list {
		if j.Name == "payment_reminders" {
			job = j
		}
	}
	n, err := sh.s.runOnce(context.Background(), job, now)
	if err == nil || !strings.Contains(err.Error(), "1 of 5") {
		t.Errorf("run error = %v, want the one skipped row reported", err)
	}
	if n != 4 {
		t.Errorf("enqueued %d, want the other 4", n)
	}
	got := sh.outbox()
	for _, o := range orders {
		_, ok := got[fmt.Sprintf("payment_reminder:%d:1", o)]
		if ok == (o == bad) {
			t.Errorf("order %d: reminder enqueued = %v", o, ok)
		}
	}
	if !strings.Contains(sh.logs.String(), "payment reminder skipped") {
		t.Errorf("the skipped row was not logged:\n%s", sh.logs.String())
	}
	runs, err := sh.svc.JobRuns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r := runs["payment_reminders"]; !strings.Contains(r.LastError, "refused for the test") || r.LastEnqueued != 4 || r.Failures != 1 {
		t.Errorf("recorded run = %+v, want the error, 4 enqueued, 1 failure", r)
	}
}
