package crm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/crm"
)

func names(items []crm.CatalogItem) []string {
	var ns []string
	for _, it := range items {
		ns = append(ns, it.Name)
	}
	return ns
}

func TestCatalogCreateEditSearch(t *testing.T) {
	t.Parallel()
	w := newWork(t, crm.Options{})

	if w.labour.Unit != "усл" || w.filter.Unit != "шт" || w.oil.Unit != "л" || w.labour.Norm != 500 {
		t.Errorf("defaults: %+v %+v", w.labour, w.filter)
	}
	if w.oil.RepeatDays == nil || *w.oil.RepeatDays != 365 || *w.oil.RepeatKm != 10000 {
		t.Errorf("repeat interval: %+v", w.oil)
	}
	// SKUs are unique whatever their case.
	_, err := w.svc.CreateItem(w.ctx, actor(w.manager), crm.ItemInput{Kind: crm.ItemPart, SKU: "oil-5w30", Name: "Другое масло", Price: 1})
	if !errors.Is(err, crm.ErrSKUTaken) {
		t.Errorf("duplicate SKU: %v", err)
	}
	// Mechanics do not edit the catalog.
	if _, err := w.svc.CreateItem(w.ctx, actor(w.mech), crm.ItemInput{Kind: crm.ItemPart, Name: "x", Price: 1}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("mechanic creates an item: %v", err)
	}
	for _, bad := range []crm.ItemInput{
		{Kind: "tool", Name: "x"},
		{Kind: crm.ItemPart, Name: "  "},
		{Kind: crm.ItemPart, Name: strings.Repeat("я", 201)},
		{Kind: crm.ItemPart, Name: "x", Price: -1},
		{Kind: crm.ItemPart, Name: "x", Price: crm.MaxPrice + 1},
		{Kind: crm.ItemService, Name: "x", MinStock: 1},
		{Kind: crm.ItemPart, Name: "x", Norm: 1},
	} {
		if _, err := w.svc.CreateItem(w.ctx, actor(w.manager), bad); !errors.Is(err, crm.ErrInvalidInput) {
			t.Errorf("CreateItem(%+v): %v, want ErrInvalidInput", bad, err)
		}
	}

	// Search by words in any order and case, by SKU, by kind, paged.
	for _, tc := range []struct {
		query string
		kind  crm.ItemKind
		want  []string
	}{
		{"масло", "", []string{"Масло моторное 5W-30"}},
		{"масл", "", []string{"Замена масла в двигателе", "Масло моторное 5W-30", "Фильтр масляный"}},
		{"МАСЛ фильтр", "", []string{"Фильтр масляный"}},
		{"flt-01", "", []string{"Фильтр масляный"}},
		{"", crm.ItemService, []string{"Замена масла в двигателе"}},
		{"", "", []string{"Замена масла в двигателе", "Масло моторное 5W-30", "Фильтр масляный"}},
		{"100%", "", nil},
		{"_", "", nil},
	} {
		page, err := w.svc.SearchItems(w.ctx, tc.query, tc.kind, 0, 10)
		if err != nil {
			t.Fatalf("SearchItems(%q): %v", tc.query, err)
		}
		if diff := cmp.Diff(tc.want, names(page.Items)); diff != "" || page.Total != len(tc.want) {
			t.Errorf("SearchItems(%q, %q) total %d (-want +got):\n%s", tc.query, tc.kind, page.Total, diff)
		}
	}
	// An exact SKU comes first even when its name sorts later.
	w.mustItem(t, crm.ItemInput{Kind: crm.ItemPart, SKU: "А-1", Name: "Яблоко", Price: 1})
	w.mustItem(t, crm.ItemInput{Kind: crm.ItemPart, SKU: "А-10", Name: "Абрикос", Price: 1})
	page, err := w.svc.SearchItems(w.ctx, "а-1", "", 0, 10)
	if err != nil || len(page.Items) != 2 || page.Items[0].Name != "Яблоко" {
		t.Errorf("exact SKU first: %v %v", names(page.Items), err)
	}
	page, err = w.svc.SearchItems(w.ctx, "", "", 2, 2)
	if err != nil || page.Total != 5 || len(page.Items) != 2 {
		t.Errorf("page 2: total %d, %v, %v", page.Total, names(page.Items), err)
	}
	page, err = w.svc.SearchItems(w.ctx, "", "", 50, 2)
	if err != nil || page.Total != 5 || len(page.Items) != 0 {
		t.Errorf("past the end: total %d, %v, %v", page.Total, names(page.Items), err)
	}

	// Edit: price and minimum change, the stock does not (it moves only through the ledger).
	in := crm.ItemInput{Kind: crm.ItemPart, SKU: "OIL-5W30", Name: "Масло моторное 5W-30 синтетика", Unit: "л", Price: 90000, MinStock: 3 * crm.QtyUnit}
	it, err := w.svc.UpdateItem(w.ctx, actor(w.manager), w.oil.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if it.Price != 90000 || it.OnHand != 10*crm.QtyUnit || it.RepeatDays != nil || it.Name != in.Name {
		t.Errorf("after edit: %+v", it)
	}
	in.Kind = crm.ItemService
	if _, err := w.svc.UpdateItem(w.ctx, actor(w.manager), w.oil.ID, in); !errors.Is(err, crm.ErrInvalidInput) {
		t.Errorf("kind change: %v", err)
	}
	if _, err := w.svc.UpdateItem(w.ctx, actor(w.manager), 999999, crm.ItemInput{Kind: crm.ItemPart, Name: "x"}); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("unknown item: %v", err)
	}

	// The operator's upsert by SKU.
	up, created, err := w.svc.UpsertItem(w.ctx, crm.ItemInput{Kind: crm.ItemPart, SKU: "flt-01", Name: "Фильтр масляный MANN", Price: 55000})
	if err != nil || created || up.ID != w.filter.ID || up.Price != 55000 {
		t.Errorf("upsert existing: %+v created=%t %v", up, created, err)
	}
	up, created, err = w.svc.UpsertItem(w.ctx, crm.ItemInput{Kind: crm.ItemPart, SKU: "NEW-1", Name: "Свеча", Price: 30000})
	if err != nil || !created || up.ID == 0 {
		t.Errorf("upsert new: %+v created=%t %v", up, created, err)
	}
}
