package crm

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// DailySummary is what happened on one day in the shop's time zone. It is also the Data of a
// KindDailySummary message.
type DailySummary struct {
	Day         time.Time `json:"day"`          // midnight starting the day, in the shop's time zone
	NewRequests int       `json:"new_requests"` // orders created that day
	// Moved counts orders whose status changed that day by staff or system, not counting their
	// creation or a reassignment that kept the status.
	Moved            int     `json:"moved"`
	Ready            int     `json:"ready"`     // orders that became ready that day
	Delivered        int     `json:"delivered"` // orders delivered that day
	NewNumbers       []int64 `json:"new_numbers"`
	ReadyNumbers     []int64 `json:"ready_numbers"`
	DeliveredNumbers []int64 `json:"delivered_numbers"`
	// The owner's digest (digest.go): what needs attention as of when the summary was made, and
	// the day's numbers.
	Exceptions []DigestException `json:"exceptions"`
	Numbers    DigestNumbers     `json:"numbers"`
	// Interim is when an interim digest (a run on demand before the day's scheduled one) was
	// made; nil for the end-of-day summary.
	Interim *time.Time `json:"interim,omitempty"`
}

const sqlDailySummary = `
SELECT
	(SELECT coalesce(array_agg(number ORDER BY number), '{}') FROM orders
		WHERE created_at >= $1 AND created_at < $2) AS new_numbers,
	(SELECT count(DISTINCT order_id) FROM order_events
		WHERE created_at >= $1 AND created_at < $2 AND from_status <> '' AND from_status <> to_status) AS moved,
	(SELECT coalesce(array_agg(DISTINCT o.number ORDER BY o.number), '{}')
		FROM order_events e JOIN orders o ON o.id = e.order_id
		WHERE e.created_at >= $1 AND e.created_at < $2 AND e.to_status = 'ready' AND e.from_status <> e.to_status) AS ready_numbers,
	(SELECT coalesce(array_agg(DISTINCT o.number ORDER BY o.number), '{}')
		FROM order_events e JOIN orders o ON o.id = e.order_id
		WHERE e.created_at >= $1 AND e.created_at < $2 AND e.to_status = 'delivered' AND e.from_status <> e.to_status) AS delivered_numbers`

// DailySummary counts the day that contains day, midnight to midnight in the shop's time zone.
// Number lists are sorted and never nil.
func (s *Service) DailySummary(ctx context.Context, day time.Time) (DailySummary, error) {
	return s.dailySummaryAt(ctx, day, s.now())
}

// dailySummaryAt is DailySummary with the exceptions as of now. It reads in one snapshot, with
// the report's planner settings (reportTx): the figures agree with each other, and the owed
// invoices come through the indexes of the open orders (about half the time of a parallel scan
// of every invoice at 1,000,000 orders: scheduler/BENCH.md).
func (s *Service) dailySummaryAt(ctx context.Context, day, now time.Time) (DailySummary, error) {
	var sum DailySummary
	err := s.reportTx(ctx, func(q querier) error {
		var err error
		sum, err = s.dailySummaryIn(ctx, q, day, now)
		return err
	})
	return sum, err
}

func (s *Service) dailySummaryIn(ctx context.Context, q querier, day, now time.Time) (DailySummary, error) {
	start, end := s.dayBounds(day)
	sum := DailySummary{Day: start}
	var moved int64
	err := q.QueryRow(ctx, sqlDailySummary, start, end).Scan(
		&sum.NewNumbers, &moved, &sum.ReadyNumbers, &sum.DeliveredNumbers)
	if err != nil {
		return DailySummary{}, fmt.Errorf("daily summary of %s: %w", start.Format(time.DateOnly), err)
	}
	for _, l := range []*[]int64{&sum.NewNumbers, &sum.ReadyNumbers, &sum.DeliveredNumbers} {
		if *l == nil {
			*l = []int64{}
		}
	}
	sum.Moved = int(moved)
	sum.NewRequests = len(sum.NewNumbers)
	sum.Ready = len(sum.ReadyNumbers)
	sum.Delivered = len(sum.DeliveredNumbers)
	if sum.Exceptions, sum.Numbers, err = s.digest(ctx, q, start, end, now); err != nil {
		return DailySummary{}, fmt.Errorf("daily summary of %s: %w", start.Format(time.DateOnly), err)
	}
	return sum, nil
}

// dayBounds returns the shop-time midnights that start day and the day after (23, 24 or 25 hours
// apart).
func (s *Service) dayBounds(day time.Time) (start, end time.Time) {
	y, m, d := day.In(s.opts.Location).Date()
	start = time.Date(y, m, d, 0, 0, 0, 0, s.opts.Location)
	return start, start.AddDate(0, 0, 1)
}

const sqlOwnersWithChat = `
SELECT telegram_user_id, chat_id, language FROM staff
WHERE active AND role = 'owner' AND chat_id IS NOT NULL ORDER BY id`

// ownerChat is an active owner whose private chat with the bot is known: who the daily summary
// and the low-rating alerts go to.
type ownerChat struct {
	TelegramUserID int64  `db:"telegram_user_id"`
	ChatID         int64  `db:"chat_id"`
	Language       string `db:"language"`
}

// ownersWithChat lists them in tx, so that what is enqueued for them goes with the same snapshot.
func ownersWithChat(ctx context.Context, tx pgx.Tx) ([]ownerChat, error) {
	rows, _ := tx.Query(ctx, sqlOwnersWithChat)
	owners, err := pgx.CollectRows(rows, pgx.RowToStructByName[ownerChat])
	if err != nil {
		return nil, fmt.Errorf("list owners: %w", err)
	}
	return owners, nil
}

// sqlSummariesPending counts the owners with a chat whose summary of a day is not enqueued yet
// ($1 || telegram id || $2 is its dedupe key).
const sqlSummariesPending = `
SELECT count(*) FROM staff st
WHERE st.active AND st.role = 'owner' AND st.chat_id IS NOT NULL
	AND NOT EXISTS (SELECT 1 FROM outbox WHERE dedupe_key = $1 || st.telegram_user_id || $2)`

// EnqueueDailySummaries enqueues the summary of the day containing day (shop time) for every
// active owner with a chat id, with dedupe key "daily_summary:<owner telegram id>:<YYYY-MM-DD>",
// and returns how many messages were new: running it again for the same day adds none.
func (s *Service) EnqueueDailySummaries(ctx context.Context, day time.Time) (int, error) {
	// The digest reads the whole shop's open orders; a rerun of a day already sent skips it.
	start, _ := s.dayBounds(day)
	var pending int
	if err := s.db.QueryRow(ctx, sqlSummariesPending, KindDailySummary+":", ":"+start.Format(time.DateOnly)).Scan(&pending); err != nil {
		return 0, fmt.Errorf("enqueue daily summaries: check sent: %w", err)
	}
	if pending == 0 {
		return 0, nil
	}
	sum, err := s.DailySummary(ctx, day)
	if err != nil {
		return 0, fmt.Errorf("enqueue daily summaries: %w", err)
	}
	data, err := json.Marshal(sum)
	if err != nil {
		return 0, fmt.Errorf("enqueue daily summaries: encode: %w", err)
	}
	date := sum.Day.Format(time.DateOnly)
	chart, err := json.Marshal(DigestChartData{Day: sum.Day})
	if err != nil {
		return 0, fmt.Errorf("enqueue daily summaries: encode chart: %w", err)
	}
	added := 0
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		owners, err := ownersWithChat(ctx, tx)
		if err != nil {
			return err
		}
		for _, o := range owners {
			ok, err := s.enqueue(ctx, tx, OutboxMessage{
				Kind: KindDailySummary, ChatID: o.ChatID, Language: o.Language, Data: data,
				DedupeKey: KindDailySummary + ":" + strconv.FormatInt(o.TelegramUserID, 10) + ":" + date,
			})
			if err != nil {
				return err
			}
			if ok {
				added++
			}
			// Its picture follows it, a row of its own: a chart that cannot be drawn or sent
			// never holds the summary back.
			if _, err := s.enqueue(ctx, tx, OutboxMessage{
				Kind: KindDigestChart, ChatID: o.ChatID, Language: o.Language, Data: chart,
				DedupeKey: KindDigestChart + ":" + strconv.FormatInt(o.TelegramUserID, 10) + ":" + date,
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("enqueue daily summaries of %s: %w", date, err)
	}
	return added, nil
}

// EnqueueInterimSummaries enqueues, for every active owner with a chat id, the digest of the day
// so far as of at: a run on demand before the scheduled end-of-day one. Its dedupe key
// "daily_summary:<owner telegram id>:<YYYY-MM-DD>:interim:<HH:MM>" is its own, so the end-of-day
// summary ("…:<YYYY-MM-DD>") is still sent at its time; two presses in one minute send one.
func (s *Service) EnqueueInterimSummaries(ctx context.Context, at time.Time) (int, error) {
	sum, err := s.dailySummaryAt(ctx, at, at)
	if err != nil {
		return 0, fmt.Errorf("enqueue interim summaries: %w", err)
	}
	local := at.In(s.opts.Location)
	sum.Interim = &local
	data, err := json.Marshal(sum)
	if err != nil {
		return 0, fmt.Errorf("enqueue interim summaries: encode: %w", err)
	}
	suffix := ":" + sum.Day.Format(time.DateOnly) + ":interim:" + local.Format("15:04")
	added := 0
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		owners, err := ownersWithChat(ctx, tx)
		if err != nil {
			return err
		}
		for _, o := range owners {
			ok, err := s.enqueue(ctx, tx, OutboxMessage{
				Kind: KindDailySummary, ChatID: o.ChatID, Language: o.Language, Data: data,
				DedupeKey: KindDailySummary + ":" + strconv.FormatInt(o.TelegramUserID, 10) + suffix,
			})
			if err != nil {
				return err
			}
			if ok {
				added++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("enqueue interim summaries at %s: %w", local.Format(time.DateTime), err)
	}
	return added, nil
}
