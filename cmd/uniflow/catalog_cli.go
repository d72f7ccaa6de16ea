package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/uniflow-crm/uniflow/crm"
)

const catalogUsage = `usage:
  uniflow catalog list [words or SKU]
  uniflow catalog set -kind part|service -sku SKU -name NAME -price 1500 [-unit л] [-min 2] [-norm 1,5] [-repeat-days 365] [-repeat-km 10000]
  uniflow catalog receive -sku SKU -qty 10 [-cost 750]
  uniflow catalog count -sku SKU -qty 7 [-note "инвентаризация"]

set creates the item with SKU or replaces its fields; receive records goods received; count
records an inventory count (the stock on hand becomes qty). Prices in rubles ("1 500,50").
`

// runCatalog is the operator's catalog at the shell: the same CRM calls as the bot, with the
// system as the actor of stock movements.
func runCatalog(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("catalog: a subcommand is required\n\n%s", catalogUsage)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	pool, err := connectPostgres(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	svc := crm.New(pool, crm.Options{Location: cfg.Location, Region: cfg.Region, AllowNegativeStock: cfg.AllowNegativeStock})

	fs := flag.NewFlagSet("catalog "+args[0], flag.ContinueOnError)
	fs.SetOutput(stdout)
	kind := fs.String("kind", "part", "part or service")
	sku := fs.String("sku", "", "SKU")
	name := fs.String("name", "", "name")
	unit := fs.String("unit", "", "unit (шт, л, компл)")
	price := fs.String("price", "", "price per unit, rubles")
	minStock := fs.String("min", "", "minimum stock (parts)")
	norm := fs.String("norm", "", "norm hours (services)")
	days := fs.Int("repeat-days", 0, "offer again after days")
	km := fs.Int("repeat-km", 0, "offer again after km")
	qty := fs.String("qty", "", "quantity")
	cost := fs.String("cost", "", "purchase cost per unit, rubles")
	note := fs.String("note", "", "note on the ledger row")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("catalog %s: %w", args[0], err)
	}

	switch args[0] {
	case "list":
		page, err := svc.SearchItems(ctx, strings.Join(fs.Args(), " "), "", 0, 100)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SKU\tNAME\tKIND\tPRICE\tUNIT\tON HAND\tRESERVED\tMIN")
		for _, it := range page.Items {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.SKU, it.Name, it.Kind, it.Price, it.Unit, it.OnHand, it.Reserved, it.MinStock)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%d of %d items\n", len(page.Items), page.Total)
		return err
	case "set":
		in := crm.ItemInput{Kind: crm.ItemKind(*kind), SKU: *sku, Name: *name, Unit: *unit, RepeatDays: *days, RepeatKm: *km}
		if in.Price, err = crm.ParseMoney(*price); err != nil {
			return fmt.Errorf("catalog set: -price: %w", err)
		}
		if *minStock != "" {
			if in.MinStock, err = crm.ParseQty(*minStock); err != nil {
				return fmt.Errorf("catalog set: -min: %w", err)
			}
		}
		if *norm != "" {
			if in.Norm, err = crm.ParseQty(*norm); err != nil {
				return fmt.Errorf("catalog set: -norm: %w", err)
			}
		}
		it, created, err := svc.UpsertItem(ctx, in)
		if err != nil {
			return fmt.Errorf("catalog set: %w", err)
		}
		verb := "updated"
		if created {
			verb = "created"
		}
		_, err = fmt.Fprintf(stdout, "%s %s %q: %s per %s\n", verb, it.SKU, it.Name, it.Price, it.Unit)
		return err
	case "receive", "count":
		it, err := itemBySKU(ctx, svc, *sku)
		if err != nil {
			return fmt.Errorf("catalog %s: %w", args[0], err)
		}
		q, err := crm.ParseQty(*qty)
		if args[0] == "count" && strings.TrimSpace(*qty) == "0" {
			q, err = 0, nil
		}
		if err != nil {
			return fmt.Errorf("catalog %s: -qty: %w", args[0], err)
		}
		if args[0] == "count" {
			it, err = svc.CorrectStock(ctx, it.ID, q, *note)
		} else {
			var c *crm.Money
			if *cost != "" {
				m, err := crm.ParseMoney(*cost)
				if err != nil {
					return fmt.Errorf("catalog receive: -cost: %w", err)
				}
				c = &m
			}
			it, err = svc.ReceiveStockCLI(ctx, it.ID, q, c, *note)
		}
		if err != nil {
			return fmt.Errorf("catalog %s: %w", args[0], err)
		}
		_, err = fmt.Fprintf(stdout, "%s %q: on hand %s, reserved %s\n", it.SKU, it.Name, it.OnHand, it.Reserved)
		return err
	}
	return fmt.Errorf("catalog: unknown subcommand %q\n\n%s", args[0], catalogUsage)
}

func itemBySKU(ctx context.Context, svc *crm.Service, sku string) (crm.CatalogItem, error) {
	page, err := svc.SearchItems(ctx, sku, crm.ItemPart, 0, 1)
	if err != nil {
		return crm.CatalogItem{}, err
	}
	if len(page.Items) == 0 || !strings.EqualFold(page.Items[0].SKU, strings.TrimSpace(sku)) || sku == "" {
		return crm.CatalogItem{}, fmt.Errorf("no part with SKU %q: %w", sku, crm.ErrNotFound)
	}
	return page.Items[0], nil
}
