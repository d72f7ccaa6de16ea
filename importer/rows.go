package importer

import (
	"errors"
	"strings"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
)

// vehicle reads a vehicles row: the owner's phone and a plate or a VIN are mandatory.
func (f *file) vehicle(r *row) crm.ImportVehicle {
	v := crm.ImportVehicle{Line: r.line}
	if r.val == nil {
		v.Reject = f.rejected(r)
		return v
	}
	v.Phone = f.phone(r)
	if s := r.val[fPlate]; s != "" {
		p, err := ParsePlate(s)
		if err != nil {
			f.fail(r, fPlate, CodePlate)
		}
		v.Plate = p
	}
	if s := r.val[fVIN]; s != "" {
		vin, err := ParseVIN(s)
		if err != nil {
			f.fail(r, fVIN, CodeVIN)
		}
		v.VIN = vin
	}
	if r.val[fPlate] == "" && r.val[fVIN] == "" {
		fl := fPlate
		if _, ok := f.header[fPlate]; !ok {
			fl = fVIN
		}
		f.fail(r, fl, CodeMissing)
	}
	v.Make = f.text(r, fMake, crm.MaxMakeModelLen)
	v.Model = f.text(r, fModel, crm.MaxMakeModelLen)
	if s := r.number(fYear); s != "" {
		y, err := parseInt(s, 1900, f.now.Year()+1)
		if err != nil {
			f.fail(r, fYear, CodeNumber)
		}
		v.Year = y
	}
	if s := r.number(fMileage); s != "" {
		km, err := parseInt(s, 0, 5_000_000)
		if err != nil {
			f.fail(r, fMileage, CodeNumber)
		} else {
			v.KM = &km
		}
	}
	v.LastVisit = f.date(r, fLastVisit)
	v.Reject = f.rejected(r)
	return v
}

// date is an optional date field, not in the future (today is the shop's): the date as shown,
// else the cell's serial. A date in the future, or before 1990, is rejected as such.
func (f *file) date(r *row, fl field) *time.Time {
	s := r.val[fl]
	if s == "" {
		return nil
	}
	d, err := ParseDate(s, f.today)
	if errors.Is(err, errValue) && r.raw[fl] != "" {
		d, err = ParseDate(r.raw[fl], f.today)
	}
	switch {
	case errors.Is(err, errDateRange) && d.After(f.today), err == nil && d.After(f.today):
		f.fail(r, fl, CodeFuture)
		return nil
	case errors.Is(err, errDateRange):
		f.fail(r, fl, CodeDateRange)
		return nil
	case err != nil:
		f.fail(r, fl, CodeDate)
		return nil
	}
	return &d
}

// item reads a catalog row: name and price are mandatory; the type, when the file has none, is
// a part if the row has stock figures, a service if it has norm hours, otherwise a part.
func (f *file) item(r *row) crm.ImportItem {
	it := crm.ImportItem{Line: r.line}
	if r.val == nil {
		it.Reject = f.rejected(r)
		return it
	}
	it.SKU = f.text(r, fSKU, crm.MaxSKULen)
	if r.val[fSKU] != "" && r.raw[fSKU] != "" {
		if d, ok := integral(r.raw[fSKU]); ok { // an SKU of digits in a number cell
			it.SKU = d
		}
	}
	it.Name = f.text(r, fItemName, crm.MaxItemNameLen)
	if it.Name == "" && len(r.problems) == 0 {
		f.fail(r, fItemName, CodeMissing)
	}
	it.Unit = strings.TrimSuffix(f.text(r, fUnit, crm.MaxUnitLen), ".")
	switch s := r.number(fPrice); {
	case s == "":
		f.fail(r, fPrice, CodeMissing)
	default:
		p, err := ParseMoney(s)
		if err != nil {
			f.fail(r, fPrice, CodeMoney)
		}
		it.Price = p
	}
	it.Stock = f.qty(r, fStock)
	it.MinStock = f.qty(r, fMinStock)
	it.Norm = f.qty(r, fNorm)
	it.RepeatDays = f.optInt(r, fRepeatDays, 1, 3650)
	it.RepeatKm = f.optInt(r, fRepeatKm, 1, 1_000_000)
	switch s := r.val[fType]; {
	case s != "":
		k, err := parseItemKind(s)
		if err != nil {
			f.fail(r, fType, CodeType)
		}
		it.Kind = k
	case it.Norm != nil && it.Stock == nil && it.MinStock == nil:
		it.Kind = crm.ItemService
	default:
		it.Kind = crm.ItemPart
	}
	if it.Kind == crm.ItemService && (it.Stock != nil && *it.Stock != 0 || it.MinStock != nil && *it.MinStock != 0) {
		fl := fStock
		if it.Stock == nil || *it.Stock == 0 {
			fl = fMinStock
		}
		f.fail(r, fl, CodeInvalid, "a service has no stock", "у услуги нет остатка")
	}
	if it.Kind == crm.ItemPart && it.Norm != nil && *it.Norm != 0 {
		f.fail(r, fNorm, CodeInvalid, "a part has no norm hours", "у товара нет нормо-часов")
	}
	if it.Kind == crm.ItemService {
		it.Stock, it.MinStock = nil, nil
	} else {
		it.Norm = nil
	}
	it.Reject = f.rejected(r)
	return it
}

// qty is an optional quantity (stock, norm hours), zero or more.
func (f *file) qty(r *row, fl field) *crm.Qty {
	s := r.number(fl)
	if s == "" {
		return nil
	}
	q, err := parseQty(s)
	if err != nil || q < 0 {
		f.fail(r, fl, CodeNumber)
		return nil
	}
	return &q
}

func (f *file) optInt(r *row, fl field, lo, hi int) *int {
	s := r.number(fl)
	if s == "" {
		return nil
	}
	n, err := parseInt(s, lo, hi)
	if err != nil {
		f.fail(r, fl, CodeNumber)
		return nil
	}
	return &n
}
