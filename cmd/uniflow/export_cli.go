package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/importer"
)

const exportUsage = `usage:
  uniflow export clients|vehicles|orders|payments|catalog [--from DATE] [--to DATE] [--format csv|xlsx] [--out FILE] [--sep ';']

--from and --to (DD.MM.YYYY, DD.MM.YY or YYYY-MM-DD, both days included, in SHOP_TIMEZONE) bound orders and
payments by the day they were created. --format is xlsx unless --out ends in .csv; a --format
that --out's .csv or .xlsx contradicts is refused. --out defaults
to <kind>-<today>.<format> in the current directory; "-" writes to stdout. CSV is UTF-8 with a
byte-order mark and CSV_SEPARATOR (";" by default) between fields, as Russian Excel opens it;
--sep overrides it (";", ",", "tab"). Clients, vehicles and the catalog come out under the
headers uniflow import reads, so an export imports back as the same records.
`

// runExport writes one table to a file: the shop's data out, any time, in files Excel opens.
func runExport(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			_, err := fmt.Fprint(stdout, exportUsage)
			return err
		}
		return fmt.Errorf("export: what to export is required\n\n%s", exportUsage)
	}
	kind := importer.ExportKind(args[0])
	if !slices.Contains(importer.ExportKinds, kind) {
		return fmt.Errorf("export: unknown table %q\n\n%s", args[0], exportUsage)
	}
	fs := flag.NewFlagSet("export "+args[0], flag.ContinueOnError)
	fs.SetOutput(stdout)
	from := fs.String("from", "", "first day, DD.MM.YYYY (orders, payments)")
	to := fs.String("to", "", "last day, DD.MM.YYYY (orders, payments)")
	format := fs.String("format", "", "csv or xlsx")
	out := fs.String("out", "", `file to write, "-" for stdout`)
	sep := fs.String("sep", "", `CSV separator: ";", "," or "tab" (default CSV_SEPARATOR)`)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("export %s: %w", kind, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("export %s: unexpected arguments %q\n\n%s", kind, fs.Args(), exportUsage)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}

	opt := importer.ExportOptions{
		Kind: kind, Location: cfg.Location, Separator: cfg.CSVSeparator,
		StatusName: func(s string) string { return text.StatusName(text.RU, s) },
		MethodName: func(m string) string { return text.PayMethodName(text.RU, m) },
	}
	outExt := strings.ToLower(fileExt(*out))
	switch f := importer.Format(strings.ToLower(*format)); {
	case (f == importer.FormatCSV || f == importer.FormatXLSX) && (outExt == ".csv" || outExt == ".xlsx") && outExt != "."+string(f):
		// A CSV named .xlsx opens in Excel as a broken workbook: refuse rather than guess.
		return fmt.Errorf("export %s: --format %s does not match --out %s: give one, or make them agree", kind, f, *out)
	case f == importer.FormatCSV || f == importer.FormatXLSX:
		opt.Format = f
	case f != "":
		return fmt.Errorf("export %s: --format: want csv or xlsx, got %q", kind, *format)
	case strings.HasSuffix(strings.ToLower(*out), ".csv"):
		opt.Format = importer.FormatCSV
	default:
		opt.Format = importer.FormatXLSX
	}
	if *sep != "" {
		if opt.Separator, err = parseSeparator(*sep); err != nil {
			return fmt.Errorf("export %s: --sep: %w", kind, err)
		}
	}
	if opt.Period, err = parsePeriod(*from, *to, cfg.Location); err != nil {
		return fmt.Errorf("export %s: %w", kind, err)
	}
	if (*from != "" || *to != "") && kind != importer.ExportOrders && kind != importer.ExportPayments {
		return fmt.Errorf("export %s: --from and --to bound orders and payments only", kind)
	}

	pool, err := connectPostgres(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	svc := crm.New(pool, crm.Options{Location: cfg.Location, Region: cfg.Region})

	name := *out
	if name == "" {
		name = importer.FileName(kind, opt.Format, time.Now().In(cfg.Location))
	}
	if name == "-" {
		w := bufio.NewWriter(stdout)
		if _, err := importer.Export(ctx, svc, w, opt); err != nil {
			return err
		}
		return w.Flush()
	}
	// Written beside the target and renamed into place: a failed export leaves no half file
	// under the name a person will open.
	tmp, err := os.CreateTemp(dirOf(name), ".export-*")
	if err != nil {
		return fmt.Errorf("export %s: %w", kind, err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	w := bufio.NewWriter(tmp)
	n, err := importer.Export(ctx, svc, w, opt)
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("export %s: %w", kind, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("export %s: %w", kind, err)
	}
	_, err = fmt.Fprintf(stdout, "%s: %d rows written to %s\n", kind, n, name)
	return err
}

func dirOf(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		return name[:i+1]
	}
	return "."
}

// parseSeparator reads a CSV separator as a person writes it: ";", ",", "tab" (or a tab itself).
func parseSeparator(s string) (rune, error) {
	switch strings.ToLower(s) {
	case ";":
		return ';', nil
	case ",":
		return ',', nil
	case "tab", "\\t", "\t":
		return '\t', nil
	}
	return 0, fmt.Errorf(`want ";", "," or "tab", got %q`, s)
}

// parsePeriod reads --from and --to as whole days of the shop: from the start of the first to
// the end of the last.
func parsePeriod(from, to string, loc *time.Location) (crm.ExportPeriod, error) {
	var p crm.ExportPeriod
	var err error
	if from != "" {
		if p.From, err = parseDay(from, loc); err != nil {
			return p, fmt.Errorf("--from: %w", err)
		}
	}
	if to != "" {
		if p.To, err = parseDay(to, loc); err != nil {
			return p, fmt.Errorf("--to: %w", err)
		}
		p.To = p.To.AddDate(0, 0, 1)
	}
	if !p.From.IsZero() && !p.To.IsZero() && !p.From.Before(p.To) {
		return p, fmt.Errorf("--from %s is after --to %s", from, to)
	}
	return p, nil
}

func parseDay(s string, loc *time.Location) (time.Time, error) {
	// The forms uniflow import reads: DD.MM.YYYY, DD.MM.YY (69-99 are 19xx), YYYY-MM-DD.
	for _, layout := range []string{"02.01.2006", "2.1.2006", "02.01.06", "2.1.06", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(s), loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("want a day as DD.MM.YYYY, DD.MM.YY or YYYY-MM-DD, got %q", s)
}
