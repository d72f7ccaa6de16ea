package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
)

// The operator manages the catalog from the shell: set creates and updates by SKU, receive and
// count move the stock through the ledger, list shows it.
func TestCatalogCLI(t *testing.T) {
	t.Parallel()
	_, dsn := pgtest.New(t)
	getenv := func(k string) string { return map[string]string{"DATABASE_URL": dsn}[k] }
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"catalog"}, args...), getenv, &out)
		return out.String(), err
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"set", "-kind", "part", "-sku", "OIL-5W30", "-name", "Масло моторное 5W-30", "-unit", "л", "-price", "800", "-min", "2"}, `created OIL-5W30 "Масло моторное 5W-30": 800,00 ₽ per л`},
		{[]string{"set", "-kind", "part", "-sku", "oil-5w30", "-name", "Масло моторное 5W-30", "-unit", "л", "-price", "850,50", "-min", "2"}, `updated oil-5w30`},
		{[]string{"set", "-kind", "service", "-sku", "SRV-1", "-name", "Замена масла", "-price", "1 500", "-norm", "0,5"}, `created SRV-1`},
		{[]string{"receive", "-sku", "OIL-5W30", "-qty", "10,5", "-cost", "600"}, "on hand 10,5, reserved 0"},
		{[]string{"count", "-sku", "OIL-5W30", "-qty", "9", "-note", "инвентаризация"}, "on hand 9, reserved 0"},
		{[]string{"list", "масл"}, "2 of 2 items"},
	} {
		out, err := cli(tc.args...)
		if err != nil || !strings.Contains(out, tc.want) {
			t.Errorf("catalog %v: %q, %v; want %q", tc.args, out, err, tc.want)
		}
	}
	for _, tc := range []struct {
		args []string
		err  error
	}{
		{[]string{"set", "-kind", "part", "-sku", "X", "-name", "X", "-price", "-1"}, crm.ErrNegative},
		{[]string{"set", "-kind", "part", "-sku", "", "-name", "X", "-price", "1"}, crm.ErrInvalidInput},
		{[]string{"receive", "-sku", "NOPE", "-qty", "1"}, crm.ErrNotFound},
		{[]string{"receive", "-sku", "OIL-5W30", "-qty", "0"}, crm.ErrNotPositive},
	} {
		if _, err := cli(tc.args...); !errors.Is(err, tc.err) {
			t.Errorf("catalog %v: %v, want %v", tc.args, err, tc.err)
		}
	}
	if _, err := cli("frobnicate"); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("unknown subcommand: %v", err)
	}
	var onHand, ledger int64
	conn, err := connectPostgres(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.QueryRow(context.Background(), `SELECT on_hand_milli, (SELECT sum(on_hand_delta) FROM stock_movements m WHERE m.item_id = i.id) FROM catalog_items i WHERE lower(sku) = 'oil-5w30'`).Scan(&onHand, &ledger); err != nil {
		t.Fatal(err)
	}
	if onHand != 9000 || ledger != onHand {
		t.Errorf("on hand %d, ledger %d", onHand, ledger)
	}
}
