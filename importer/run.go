package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/uniflow-crm/uniflow/crm"
)

// ErrUnreadable wraps the errors of a file that cannot be read at all: no header row, no known
// column, a broken or old (.xls) workbook, a missing sheet. The text after it says which.
var ErrUnreadable = errors.New("file cannot be read")

// progressEvery is how often Progress is called at most.
const progressEvery = 200 * time.Millisecond

// Run reads the file name (".xlsx" is XLSX, ".csv"/".txt"/".tsv" CSV, anything else sniffed)
// from r and imports it. The apply is one transaction: an error, or ctx cancelled, leaves the
// database as it was. Problems with rows are in the report, not errors; an error is a file that
// cannot be read at all (ErrUnreadable: no header, no known column, a broken xlsx), a refused actor
// (crm.ErrForbidden) or the database failing.
func Run(ctx context.Context, svc *crm.Service, name string, r io.Reader, opt Options) (Report, error) {
	rep := Report{Kind: opt.Kind, DryRun: opt.DryRun}
	if _, err := ParseKind(string(opt.Kind)); err != nil {
		return rep, fmt.Errorf("import %s: %w", name, err)
	}
	if opt.Region == "" {
		opt.Region = "RU"
	}
	rows, total, err := openRows(name, r, opt.Sheet, opt.Kind)
	if err != nil {
		return rep, fmt.Errorf("import %s %s: %w: %w", opt.Kind, name, ErrUnreadable, err)
	}
	defer rows.close()
	f, err := newFile(ctx, opt, rows, total, &rep, svc.Today())
	if err != nil {
		return rep, fmt.Errorf("import %s %s: %w: %w", opt.Kind, name, ErrUnreadable, err)
	}
	meta := crm.ImportMeta{FileName: filepathBase(name), BranchID: opt.BranchID, Overwrite: opt.Overwrite, DryRun: opt.DryRun, Actor: opt.Actor}
	var res crm.ImportResult
	switch opt.Kind {
	case KindClients:
		res, err = svc.ImportClients(ctx, meta, func() (crm.ImportClient, bool, error) {
			row, ok, err := f.next()
			if !ok || err != nil {
				return crm.ImportClient{}, ok, err
			}
			return f.client(row), true, nil
		})
	case KindVehicles:
		res, err = svc.ImportVehicles(ctx, meta, func() (crm.ImportVehicle, bool, error) {
			row, ok, err := f.next()
			if !ok || err != nil {
				return crm.ImportVehicle{}, ok, err
			}
			return f.vehicle(row), true, nil
		})
	case KindCatalog:
		res, err = svc.ImportCatalog(ctx, meta, func() (crm.ImportItem, bool, error) {
			row, ok, err := f.next()
			if !ok || err != nil {
				return crm.ImportItem{}, ok, err
			}
			return f.item(row), true, nil
		})
	}
	if err != nil {
		return rep, fmt.Errorf("import %s %s: %w", opt.Kind, name, err)
	}
	f.report(res)
	return rep, nil
}

// Undo removes the records batch batchID created and restores the fields it changed. It refuses
// (crm.ErrImportUsed, naming one record) when a created client, vehicle or item was used by an
// order since; undoing a batch twice is crm.ErrImportUndone.
func Undo(ctx context.Context, svc *crm.Service, a crm.Actor, batchID int64) error {
	return svc.UndoImport(ctx, a, batchID)
}

func filepathBase(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		return name[i+1:]
	}
	return name
}

// file is a file being read: its header, and what was found wrong so far.
type file struct {
	ctx      context.Context
	opt      Options
	rows     rowReader
	rep      *Report
	fields   []field
	header   map[field]string // the file's header of each field it has
	phones   *phones
	cur      row
	now      time.Time
	today    time.Time // the shop's date, UTC midnight: no visit is after it
	total    int
	done     int
	read     bool // the last row was read
	reported time.Time
}

// newFile reads the header row (the first non-blank one) and maps its columns.
func newFile(ctx context.Context, opt Options, rows rowReader, total int, rep *Report, today time.Time) (*file, error) {
	f := &file{ctx: ctx, opt: opt, rows: rows, rep: rep, now: time.Now(), today: today, total: total, header: map[field]string{}, phones: newPhones(opt.Region),
		cur: row{val: &[nFields]string{}, raw: &[nFields]string{}}}
	for {
		rec, err := rows.next()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty: no header row")
		}
		var bad *badRow
		if errors.As(err, &bad) {
			return nil, fmt.Errorf("header: %w", bad)
		}
		if err != nil {
			return nil, err
		}
		if blank(rec.cells) {
			continue
		}
		names := make([]string, len(rec.cells))
		for i, c := range rec.cells {
			names[i] = strings.TrimSpace(crm.CleanText(strings.TrimPrefix(c, "\ufeff")))
		}
		f.fields, rep.UnknownColumns = mapHeader(opt.Kind, names)
		for i, fl := range f.fields {
			if fl != fNone {
				f.header[fl] = names[i]
			}
		}
		if len(f.header) == 0 {
			where := ""
			if x, ok := rows.(*xlsxReader); ok {
				where = fmt.Sprintf(" of sheet %q (the workbook's sheets: %s; choose one with --sheet)", x.sheet, strings.Join(x.sheets, ", "))
			}
			return nil, fmt.Errorf("line %d%s: no known column; the columns of %s are %s", rec.line, where, opt.Kind, strings.Join(Headers(opt.Kind), ", "))
		}
		rep.MissingColumns = f.missingColumns()
		return f, nil
	}
}

// missingColumns are the canonical headers of the mandatory fields the file has no column for.
func (f *file) missingColumns() []string {
	has := func(fl field) bool { _, ok := f.header[fl]; return ok }
	h := Headers(f.opt.Kind)
	var out []string
	switch f.opt.Kind {
	case KindClients:
		if !has(fPhone) {
			out = append(out, h[0])
		}
	case KindVehicles:
		if !has(fPhone) {
			out = append(out, h[0])
		}
		if !has(fPlate) && !has(fVIN) {
			out = append(out, h[1]+" / "+h[2])
		}
	case KindCatalog:
		if !has(fItemName) {
			out = append(out, h[2])
		}
		if !has(fPrice) {
			out = append(out, h[4])
		}
	}
	return out
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// row is a data row: its fields' values as shown and raw (XLSX), and the problems found.
type row struct {
	line     int
	val, raw *[nFields]string // nil for a row the format broke
	problems []Problem
	// noColumn: a mandatory field has no column in the file. The row is rejected without a
	// problem of its own: Report.MissingColumns says it once for the file.
	noColumn bool
}

// next reads the next non-blank data row; a row the format breaks is rejected (a problem, and
// a row with reject set so that it is counted).
func (f *file) next() (*row, bool, error) {
	if err := f.ctx.Err(); err != nil {
		return nil, false, err
	}
	for {
		rec, err := f.rows.next()
		if errors.Is(err, io.EOF) {
			if !f.read {
				f.read = true
				f.progress(true) // every row read: what follows is the merge with the database
			}
			return nil, false, nil
		}
		var bad *badRow
		if errors.As(err, &bad) {
			f.count()
			r := &row{line: bad.line}
			r.problems = append(r.problems, problem(bad.line, "", "", CodeInvalid,
				"the row breaks CSV quoting: "+bad.err.Error(), "строка нарушает кавычки CSV: "+bad.err.Error()))
			return r, true, nil
		}
		if err != nil {
			return nil, false, err
		}
		if blank(rec.cells) {
			continue
		}
		f.count()
		if rec.badText != "" {
			// Shown as Windows-1251 text, which is what such a row most likely is.
			shown, _ := charmap.Windows1251.NewDecoder().String(rec.badText)
			r := &row{line: rec.line}
			r.problems = append(r.problems, problem(rec.line, "", shown, CodeEncoding))
			return r, true, nil
		}
		// One row is reused: each is consumed (copied into the staging COPY) before the next is read.
		r := &f.cur
		*r.val, *r.raw = [nFields]string{}, [nFields]string{}
		r.line, r.problems, r.noColumn = rec.line, r.problems[:0], false
		for i, c := range rec.cells {
			if i < len(f.fields) && f.fields[i] != fNone {
				r.val[f.fields[i]] = strings.TrimSpace(unformula(c))
				if i < len(rec.raw) {
					r.raw[f.fields[i]] = strings.TrimSpace(rec.raw[i])
				}
			}
		}
		return r, true, nil
	}
}

// count counts a row read and reports progress now and then.
func (f *file) count() {
	f.done++
	f.progress(false)
}

func (f *file) progress(final bool) {
	if f.opt.Progress == nil {
		return
	}
	if !final && time.Since(f.reported) < progressEvery {
		return
	}
	f.reported = time.Now()
	total := f.total
	if total != 0 && f.done > total || final {
		total = f.done
	}
	f.opt.Progress(f.done, total)
}

// fail records a problem with the row's field fl; the row is then rejected.
func (f *file) fail(r *row, fl field, code Code, detail ...any) {
	if _, ok := f.header[fl]; !ok && code == CodeMissing {
		r.noColumn = true
		return
	}
	r.problems = append(r.problems, problem(r.line, f.header[fl], r.val[fl], code, detail...))
}

// rejected reports whether the row has problems, and moves them to the report.
func (f *file) rejected(r *row) bool {
	if len(r.problems) == 0 {
		return r.noColumn
	}
	f.rep.Problems = append(f.rep.Problems, r.problems...)
	return true
}

// text is a field's text as stored: cleaned of invisible characters, on one line, at most max
// characters (longer is a problem).
func (f *file) text(r *row, fl field, max int) string {
	s := crm.CleanText(r.val[fl])
	if strings.ContainsAny(s, "\n\r\t") || strings.Contains(s, "  ") {
		s = strings.Join(strings.Fields(s), " ")
	}
	if n := len([]rune(s)); n > max {
		f.fail(r, fl, CodeTooLong, max)
		return ""
	}
	return s
}

// number is the raw value of a numeric cell when the file has one, else the shown value.
func (r *row) number(fl field) string {
	if v := r.raw[fl]; v != "" {
		if _, err := parseFloat(v); err == nil {
			return v
		}
	}
	return r.val[fl]
}

// boolean is an optional yes/no field.
func (f *file) boolean(r *row, fl field) *bool {
	v := r.val[fl]
	if v == "" {
		return nil
	}
	b, err := ParseBool(v)
	if err != nil {
		if rb, rerr := ParseBool(r.raw[fl]); rerr == nil && r.raw[fl] != "" {
			return &rb
		}
		f.fail(r, fl, CodeBool)
		return nil
	}
	return &b
}

// phone is the mandatory phone of a row.
func (f *file) phone(r *row) string {
	v := r.number(fPhone)
	if v == "" {
		f.fail(r, fPhone, CodeMissing)
		return ""
	}
	p, err := f.phones.parse(v)
	if errors.Is(err, errDigitsLost) {
		f.fail(r, fPhone, CodeDigitsLost)
		return ""
	}
	if err != nil {
		f.fail(r, fPhone, CodePhone)
		return ""
	}
	return p
}

func (f *file) client(r *row) crm.ImportClient {
	c := crm.ImportClient{Line: r.line}
	if r.val == nil { // a row the format broke
		c.Reject = f.rejected(r)
		return c
	}
	c.Phone = f.phone(r)
	c.Name = f.text(r, fName, 200)
	c.LeadSource = strings.ToLower(f.text(r, fSource, 64))
	c.Consent = f.boolean(r, fConsent)
	c.Company = f.boolean(r, fCompany)
	c.Reject = f.rejected(r)
	return c
}

// report turns the merge's result into the report's counts and problems, sorted by line.
func (f *file) report(res crm.ImportResult) {
	rep := f.rep
	rep.BatchID = res.BatchID
	rep.Rows = res.Read
	rep.New, rep.Updated, rep.Unchanged = res.New, res.Updated, res.Unchanged
	rep.Duplicate = len(res.Duplicates)
	rep.Rejected = res.Rejected
	rep.Conflicts = res.ConflictLines()
	for _, d := range res.Duplicates {
		rep.Problems = append(rep.Problems, problem(d.Line, f.header[f.fieldOf(d.Field)], d.Value, CodeDuplicate, d.FirstLine))
	}
	for _, c := range res.Conflicts {
		fl := f.fieldOf(c.Field)
		p := problem(c.Line, f.header[fl], display(fl, c.Value), CodeConflict, display(fl, c.Current))
		switch c.Field {
		case "phone": // a vehicle's owner
			p = problem(c.Line, f.header[fl], c.Value, CodeOtherOwner, c.Current)
		case "consent_withdrawn":
			p = problem(c.Line, f.header[fl], display(fl, c.Value), CodeConsent)
		case "mileage":
			p = problem(c.Line, f.header[fl], c.Value, CodeMileage, c.Current)
		}
		p.Conflict, p.Current = true, display(fl, c.Current)
		rep.Problems = append(rep.Problems, p)
	}
	for _, c := range res.Filled {
		fl := f.fieldOf(c.Field)
		p := problem(c.Line, f.header[fl], display(fl, c.Value), CodeFilled)
		p.Current = display(fl, c.Current)
		rep.Problems = append(rep.Problems, p)
	}
	for _, x := range res.Refused {
		fl := f.fieldOf(x.Field)
		code := CodeNoOwner
		var detail []any
		switch x.Reason {
		case crm.RefusedOtherKind:
			code, detail = CodeOtherKind, []any{display(fType, x.Current)}
		case crm.RefusedOpenOrders:
			code, detail = CodeOpenOrders, []any{x.Current}
		case crm.RefusedForgotten:
			code = CodeForgotten
		}
		p := problem(x.Line, f.header[fl], display(fl, x.Value), code, detail...)
		p.Current = x.Current
		if x.Reason == crm.RefusedForgotten {
			p.Current = ""
		}
		rep.Problems = append(rep.Problems, p)
	}
	sort.SliceStable(rep.Problems, func(i, j int) bool { return rep.Problems[i].Line < rep.Problems[j].Line })
}

// crmFields names the fields in the crm's import SQL.
var crmFields = map[string]field{
	"phone": fPhone, "name": fName, "source": fSource, "consent": fConsent, "company": fCompany,
	"plate": fPlate, "vin": fVIN, "make": fMake, "model": fModel, "year": fYear, "mileage": fMileage,
	"last_visit": fLastVisit, "sku": fSKU, "kind": fType, "item_name": fItemName, "unit": fUnit,
	"price": fPrice, "stock": fStock, "min_stock": fMinStock, "norm": fNorm,
	"repeat_days": fRepeatDays, "repeat_km": fRepeatKm, "consent_withdrawn": fConsent,
}

// fieldOf is the field of a crm import field name; a catalog item's "name" is its item name.
func (f *file) fieldOf(name string) field {
	if name == "name" && f.opt.Kind == KindCatalog {
		return fItemName
	}
	return crmFields[name]
}

// display shows a database value the way a file writes it: да/нет for booleans, rubles for
// prices, DD.MM.YYYY for dates.
func display(fl field, v string) string {
	switch fl {
	case fConsent, fCompany:
		switch v {
		case "true":
			return "да"
		case "false":
			return "нет"
		}
	case fLastVisit:
		if t, err := time.Parse("2006-01-02", v); err == nil {
			return t.Format("02.01.2006")
		}
	case fType:
		switch crm.ItemKind(v) {
		case crm.ItemService:
			return "услуга"
		case crm.ItemPart:
			return "товар"
		}
	}
	return v
}
