package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/importer"
)

const importUsage = `usage:
  uniflow import clients|vehicles|catalog FILE [--dry-run] [--overwrite] [--branch NAME] [--sheet NAME]
  uniflow import undo BATCH_ID

FILE is .csv (UTF-8 with or without BOM, or Windows-1251; separator , ; or tab) or .xlsx (the
first sheet, or --sheet). Columns are found by their headers (README: Import). --dry-run reports
what would happen and changes nothing; --overwrite lets the file's values replace differing
ones (otherwise they are listed as conflicts). --branch records which branch the batch is for
and puts a catalog's opening stock on its shelf (clients, cars and items are shared by all
branches; the default is the default branch, "main" on a new install). Rejected, conflicting and duplicate rows are
written next to FILE as NAME.problems.csv (clients.csv: clients.problems.csv; a run without
problems removes an earlier one). undo removes what a batch created and restores
what it changed, unless orders used its records since.
`

// progressRows is how many rows a file needs for a progress bar.
const progressRows = 5000

// runImport is the operator's import at the shell; the system is the actor.
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		if len(args) == 0 {
			return fmt.Errorf("import: what to import is required\n\n%s", importUsage)
		}
		_, err := fmt.Fprint(stdout, importUsage)
		return err
	}
	fs := flag.NewFlagSet("import "+args[0], flag.ContinueOnError)
	fs.SetOutput(stdout)
	dry := fs.Bool("dry-run", false, "report what would happen, change nothing")
	overwrite := fs.Bool("overwrite", false, "the file's values replace differing ones")
	branch := fs.String("branch", "", "branch name or id (default: the default branch)")
	sheet := fs.String("sheet", "", "xlsx sheet (default: the first)")
	// Flags may come before or after FILE.
	var pos []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return fmt.Errorf("import %s: %w", args[0], err)
		}
		if fs.NArg() == 0 {
			break
		}
		pos, rest = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	if len(pos) != 1 {
		return fmt.Errorf("import %s: want one FILE (or BATCH_ID), got %q\n\n%s", args[0], pos, importUsage)
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

	if args[0] == "undo" {
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("import undo: batch id %q is not a number", pos[0])
		}
		if err := importer.Undo(ctx, svc, crm.Actor{}, id); err != nil {
			var used *crm.ImportUsedError
			if errors.As(err, &used) {
				// The error line is redacted of phones (logs); the operator owns the data and
				// needs to know which client it is, so the refusal names it on stdout.
				fmt.Fprintf(stdout, "batch %d cannot be undone: %s\n", id, used.Error())
				return fmt.Errorf("import undo %d: refused, see above: %w", id, crm.ErrImportUsed)
			}
			return err
		}
		_, err = fmt.Fprintf(stdout, "batch %d undone\n", id)
		return err
	}
	kind, err := importer.ParseKind(args[0])
	if err != nil {
		return fmt.Errorf("import: %w\n\n%s", err, importUsage)
	}
	opt := importer.Options{Kind: kind, DryRun: *dry, Overwrite: *overwrite, Sheet: *sheet, Region: cfg.Region}
	if *branch != "" {
		if opt.BranchID, err = svc.BranchID(ctx, *branch); err != nil {
			if bs, lerr := svc.Branches(ctx); lerr == nil && errors.Is(err, crm.ErrNotFound) {
				names := make([]string, len(bs))
				for i, b := range bs {
					names[i] = b.Name
				}
				return fmt.Errorf("import %s: --branch %q: no such branch; the shop's branches are %s (add one with `uniflow branch add NAME`; --branch records which branch a batch is for and puts opening stock on its shelf): %w",
					kind, *branch, strings.Join(names, ", "), err)
			}
			return fmt.Errorf("import %s: --branch %q: %w", kind, *branch, err)
		}
	}
	fh, err := os.Open(pos[0])
	if err != nil {
		return fmt.Errorf("import %s: %w", kind, err)
	}
	defer fh.Close()
	bar := newImportBar(os.Stderr)
	opt.Progress = bar.progress
	rep, err := importer.Run(ctx, svc, pos[0], fh, opt)
	bar.finish()
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("import %s: cancelled, nothing was imported: %w", kind, err)
		}
		return err
	}
	problems := ""
	if len(rep.Problems) > 0 {
		if problems, err = writeProblemsFile(pos[0], rep); err != nil {
			return err
		}
	} else if err := os.Remove(problemsPath(pos[0])); err != nil && !errors.Is(err, os.ErrNotExist) {
		// A problems file of an earlier run would read as this one's.
		return fmt.Errorf("remove the earlier problems file: %w", err)
	}
	return printImportReport(stdout, rep, problems)
}

// importBar draws a progress bar on stderr once a file turns out to have many rows.
type importBar struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func newImportBar(w io.Writer) *importBar { return &importBar{w: w} }

func (b *importBar) progress(done, total int) {
	if b.bar == nil {
		if total < progressRows && done < progressRows {
			return
		}
		max := total
		if max <= 0 {
			max = -1 // unknown: a spinner with the count
		}
		b.bar = progressbar.NewOptions(max, progressbar.OptionSetWriter(b.w), progressbar.OptionSetDescription("import"),
			progressbar.OptionShowCount(), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	_ = b.bar.Set(done)
}

func (b *importBar) finish() {
	if b.bar != nil {
		_ = b.bar.Finish()
		fmt.Fprintln(b.w)
	}
}

// problemsPath is where the problems of a file go: clients.csv → clients.problems.csv.
func problemsPath(name string) string {
	return strings.TrimSuffix(name, fileExt(name)) + ".problems.csv"
}

// writeProblemsFile writes the problems next to the file (problemsPath).
func writeProblemsFile(name string, rep importer.Report) (string, error) {
	path := problemsPath(name)
	fh, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("write problems: %w", err)
	}
	if err := rep.WriteProblemsCSV(fh); err != nil {
		fh.Close()
		return "", err
	}
	if err := fh.Close(); err != nil {
		return "", fmt.Errorf("write problems: %w", err)
	}
	return path, nil
}

func fileExt(name string) string {
	i := strings.LastIndexAny(name, `./\`)
	if i < 0 || name[i] != '.' {
		return ""
	}
	return name[i:]
}

// shownProblems is how many problems the report prints; the file has them all.
const shownProblems = 20

func printImportReport(w io.Writer, rep importer.Report, problems string) error {
	head := fmt.Sprintf("batch %d", rep.BatchID)
	if rep.DryRun {
		head = "dry run, nothing changed"
	}
	fmt.Fprintf(w, "import %s: %s\n", rep.Kind, head)
	fmt.Fprintf(w, "rows %d: new %d, updated %d, unchanged %d, duplicate %d, rejected %d, conflicts %d\n",
		rep.Rows, rep.New, rep.Updated, rep.Unchanged, rep.Duplicate, rep.Rejected, rep.Conflicts)
	if len(rep.UnknownColumns) > 0 {
		fmt.Fprintf(w, "unknown columns (ignored): %s\n", strings.Join(rep.UnknownColumns, ", "))
	}
	if len(rep.MissingColumns) > 0 {
		fmt.Fprintf(w, "the file has no column %s, which %s need: every row is rejected; the columns of %s are %s\n",
			strings.Join(rep.MissingColumns, ", "), rep.Kind, rep.Kind, strings.Join(importer.Headers(rep.Kind), ", "))
	}
	for i, p := range rep.Problems {
		if i == shownProblems {
			fmt.Fprintf(w, "... and %d more\n", len(rep.Problems)-i)
			break
		}
		col := p.Column
		if col == "" {
			col = "-"
		}
		fmt.Fprintf(w, "line %d, %s %q: %s\n", p.Line, col, p.Value, p.Reason)
	}
	if problems != "" {
		fmt.Fprintf(w, "all problems: %s\n", problems)
	}
	if !rep.DryRun && rep.BatchID != 0 {
		fmt.Fprintf(w, "undo with: uniflow import undo %d\n", rep.BatchID)
	}
	return nil
}
