package importer

import (
	"fmt"
	"strings"

	"github.com/uniflow-crm/uniflow/crm"
)

// Kind is what a file holds.
type Kind string

// The kinds of import.
const (
	KindClients  Kind = "clients"
	KindVehicles Kind = "vehicles"
	KindCatalog  Kind = "catalog"
)

// Kinds lists every kind, in the order the CLI's usage names them.
var Kinds = []Kind{KindClients, KindVehicles, KindCatalog}

// ParseKind reads a kind as typed ("clients", "Vehicles"); anything else is an error.
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range Kinds {
		if k == known {
			return k, nil
		}
	}
	return "", fmt.Errorf("import kind %q: want clients, vehicles or catalog: %w", s, crm.ErrInvalidInput)
}

// Options say what to import and how.
type Options struct {
	Kind      Kind
	DryRun    bool // run everything, then roll back: the report is what applying would do
	Overwrite bool // the file's non-empty values replace differing ones in the database
	BranchID  int64
	Sheet     string // xlsx sheet name; "" = first
	Region    string // phone region for numbers without a country code; "" = "RU"
	// Actor is who imports: a staff member (the bot), or the zero Actor for the operator's
	// command line (the system). Staff need crm.ActImport.
	Actor crm.Actor
	// Progress, when not nil, is told how many rows were read of about how many (total 0 when
	// unknown), at most a few times a second, and once with done == total when the last row was
	// read, before the merge with the database (which takes a while of its own). Calls never overlap, but they may come from a
	// goroutine other than Run's caller (pgx's CopyFrom pulls the rows on its own).
	Progress func(done, total int)
}

// Report is what an import did (or, on a dry run, would do). Every data row of the file is
// counted in exactly one of New, Updated, Unchanged, Duplicate, Rejected and Conflicts.
type Report struct {
	BatchID int64 // 0 on a dry run, and when nothing was written
	Kind    Kind
	DryRun  bool
	Rows    int // data rows read

	New       int // records created
	Updated   int // records that got values they did not have (or, with Overwrite, new values)
	Unchanged int // records that already had every value of the row
	Duplicate int // rows whose key (phone, plate or VIN, SKU) an earlier row of the file has
	Rejected  int // rows with a missing or invalid mandatory value: nothing of them is written
	Conflicts int // rows with a value differing from the record's: listed, never resolved

	// Problems lists every rejected, conflicting and duplicate row, by line; a rejected or
	// conflicting row may have several (one per column).
	Problems       []Problem
	UnknownColumns []string // headers that map to no field, as written in the file
	// MissingColumns are the mandatory columns the file lacks (canonical headers; "Госномер /
	// VIN" for a vehicles file with neither): then every row is rejected, and no row lists it.
	MissingColumns []string

	// Lang is the language of the reasons WriteProblemsCSV and WriteProblemsXLSX write: "en"
	// English, anything else Russian.
	Lang string
}

// Problem is one rejected, conflicting or duplicate value of a row.
type Problem struct {
	Line     int    // the file's line (CSV: physical line where the row starts; XLSX: row number)
	Column   string // the header as written in the file; "" for the whole row
	Value    string // the value in the file
	Reason   string // in English, short: "not a phone number"
	ReasonRU string // the same in Russian: "не номер телефона"
	Code     Code   // what is wrong, for programs
	Conflict bool   // the value differs from the database's (Current), which was kept
	Current  string // the database's value, for a conflict
}

// Text is the reason in lang ("en" English, anything else Russian).
func (p Problem) Text(lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), "en") {
		return p.Reason
	}
	return p.ReasonRU
}
