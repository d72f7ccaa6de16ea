package importer_test

import (
	"context"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/importer"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
)

// BenchmarkExportClients exports 200,000 clients as CSV and as XLSX and reports rows per second
// and the heap's peak above where it started: the rows stream from PostgreSQL and excelize's
// stream writer spills to a temporary file, so the peak stays flat whatever the table's size.
//
//	go test -run '^$' -bench ExportClients -benchtime 1x ./importer/
func BenchmarkExportClients(b *testing.B) {
	const rows = 200_000
	pool, _ := pgtest.New(b)
	if _, err := pool.Exec(context.Background(), `
INSERT INTO clients (phone, name, lead_source, marketing_consent)
SELECT '+7912' || lpad(i::text, 7, '0'), 'Клиент ' || i, 'import', i % 2 = 0 FROM generate_series(1, $1) i`, rows); err != nil {
		b.Fatal(err)
	}
	svc := crm.New(pool, crm.Options{Location: msk})
	for _, format := range []importer.Format{importer.FormatCSV, importer.FormatXLSX} {
		b.Run(string(format), func(b *testing.B) {
			var peak uint64
			for b.Loop() {
				runtime.GC()
				var start runtime.MemStats
				runtime.ReadMemStats(&start)
				stop, sampled := sampleHeap()
				t0 := time.Now()
				n, err := importer.Export(context.Background(), svc, io.Discard, importer.ExportOptions{Kind: importer.ExportClients, Format: format, Location: msk})
				elapsed := time.Since(t0)
				stop()
				if err != nil || n != rows {
					b.Fatalf("%d rows, %v", n, err)
				}
				peak = max(peak, *sampled-min(*sampled, start.HeapInuse))
				b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak_heap_MB")
		})
	}
}

// sampleHeap records the largest HeapInuse seen until stop is called.
func sampleHeap() (stop func(), peak *uint64) {
	peak = new(uint64)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			*peak = max(*peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }, peak
}
