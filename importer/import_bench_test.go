package importer_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/uniflow-crm/uniflow/importer"
)

// writeClientsCSV writes n client rows the way Russian Excel saves them (BOM, ";"), phones in
// the usual mix of forms, and returns the file's path and the rows normalised, as a raw
// CopyFrom would take them (only when keep).
func writeClientsCSV(tb testing.TB, n int, keep bool) (string, [][]any) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), fmt.Sprintf("clients_%d.csv", n))
	fh, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(fh)
	w.WriteString("\ufeffТелефон;ФИО;Источник;Согласие на рассылку;Компания\r\n")
	var rows [][]any
	if keep {
		rows = make([][]any, 0, n)
	}
	for i := 0; i < n; i++ {
		d := fmt.Sprintf("%07d", i)
		e164 := "+7912" + d
		var phone string
		switch i % 4 {
		case 0:
			phone = "8 (912) " + d[:3] + "-" + d[3:5] + "-" + d[5:]
		case 1:
			phone = "+7 912 " + d[:3] + " " + d[3:5] + " " + d[5:]
		case 2:
			phone = "8912" + d
		default:
			phone = "7912" + d
		}
		name := "Клиент Номер " + strconv.Itoa(i)
		consent := i%3 == 0
		yes := map[bool]string{true: "да", false: "нет"}
		fmt.Fprintf(w, "%s;%s;;%s;%s\r\n", phone, name, yes[consent], yes[i%50 == 0])
		if keep {
			rows = append(rows, []any{e164, name, "import", consent, i%50 == 0})
		}
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		tb.Fatal(err)
	}
	return path, rows
}

func importFile(tb testing.TB, e *env, path string) importer.Report {
	tb.Helper()
	fh, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	rep, err := importer.Run(e.ctx, e.svc, path, fh, importer.Options{Kind: importer.KindClients})
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

// BenchmarkImportClientsVsCopy imports 100,000 clients from CSV (reading, decoding, phone
// normalisation, staging, de-duplication, merge, batch) and, in the same run, copies the same
// rows already normalised straight into clients with pgx CopyFrom; it reports the ratio of the
// two (the target is 2.0 at most).
func BenchmarkImportClientsVsCopy(b *testing.B) {
	const n = 100_000
	e := newEnv(b)
	path, rows := writeClientsCSV(b, n, true)
	reset := func() {
		if _, err := e.db.Exec(e.ctx, `TRUNCATE clients CASCADE`); err != nil {
			b.Fatal(err)
		}
	}
	var imp, raw time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		reset()
		b.StartTimer()
		t0 := time.Now()
		rep := importFile(b, e, path)
		imp += time.Since(t0)
		if rep.New != n {
			b.Fatalf("imported %d new, want %d: %s", rep.New, n, render(rep)[:200])
		}
		b.StopTimer()
		reset()
		t0 = time.Now()
		_, err := e.db.CopyFrom(e.ctx, pgx.Identifier{"clients"},
			[]string{"phone", "name", "lead_source", "marketing_consent", "is_company"}, pgx.CopyFromRows(rows))
		if err != nil {
			b.Fatal(err)
		}
		raw += time.Since(t0)
		b.StartTimer()
	}
	b.ReportMetric(float64(imp)/float64(raw), "x_copyfrom")
	b.ReportMetric(float64(imp.Milliseconds())/float64(b.N), "import_ms")
	b.ReportMetric(float64(raw.Milliseconds())/float64(b.N), "copyfrom_ms")
}

// BenchmarkImport1MPeakMemory imports 1,000,000 clients from a CSV file and reports the peak
// heap in use (sampled every 10 ms) and the process's peak resident set (VmHWM, which includes
// the test binary itself); the target is 100 MB at most.
func BenchmarkImport1MPeakMemory(b *testing.B) {
	const n = 1_000_000
	e := newEnv(b)
	path, _ := writeClientsCSV(b, n, false)
	for i := 0; i < b.N; i++ {
		if _, err := e.db.Exec(e.ctx, `TRUNCATE clients CASCADE`); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		ctx, stop := context.WithCancel(e.ctx)
		var peak uint64
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak {
					peak = ms.HeapInuse
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
		}()
		rep := importFile(b, e, path)
		stop()
		wg.Wait()
		if rep.New != n {
			b.Fatalf("imported %d new, want %d", rep.New, n)
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak_heap_MB")
		b.ReportMetric(float64(base.HeapInuse)/(1<<20), "heap_before_MB")
		b.ReportMetric(vmHWM()/(1<<10), "peak_rss_MB")
	}
}

// vmHWM is the process's peak resident set in kB, 0 when /proc says nothing.
func vmHWM() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb
		}
	}
	return 0
}
