package crm

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// A first run over a large shop finds hundreds of steps due at once; one transaction each cost
// about a millisecond apiece, seconds on a busy machine (scheduler/BENCH.md). So the scheduler
// hands them over in batches, each written by one statement that makes the same checks set-wise.

// sqlEnqueuePaymentNotices writes the notices of a batch of ladder steps, one row per message,
// checking again that each invoice is still not fully paid (it may have been paid since the
// scan), as EnqueuePaymentReminder does one by one. $1-$8: the messages; $9: their created_at.
const sqlEnqueuePaymentNotices = `
INSERT INTO outbox (kind, lane, chat_id, language, order_id, data, dedupe_key, not_before, created_at)
SELECT m.kind, m.lane, coalesce((SELECT to_chat_id FROM chat_migrations WHERE from_chat_id = m.chat_id), m.chat_id),
	m.language, m.order_id, m.data::jsonb, m.dedupe_key, m.not_before, $9
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::timestamptz[])
	AS m(kind, lane, chat_id, language, order_id, data, dedupe_key, not_before)
JOIN invoices i ON i.order_id = m.order_id
WHERE i.total > coalesce((SELECT sum(p.amount) FROM payments p WHERE p.order_id = m.order_id), 0)
ON CONFLICT (dedupe_key) DO NOTHING`

// EnqueuePaymentReminders enqueues the steps rs, as EnqueuePaymentReminder does each, in one
// statement: the client's reminder, or the managers' task at the last step, or the unreachable
// listing; a step whose invoice was paid since the scan adds nothing, nor does one enqueued
// before (dedupe keys). It returns how many rows it added. The statement is all or nothing: when
// it fails, the caller retries the steps one by one to skip just the bad one.
func (s *Service) EnqueuePaymentReminders(ctx context.Context, rs []PaymentReminder) (int, error) {
	if len(rs) == 0 {
		return 0, nil
	}
	var (
		kinds, lanes, langs, datas, keys []string
		chats, orders                    []int64
		notBefore                        []time.Time
		managers                         []recipient
		haveManagers                     bool
	)
	add := func(kind, lane string, chat int64, lang string, r PaymentReminder, data, key string) {
		kinds, lanes, chats, langs = append(kinds, kind), append(lanes, lane), append(chats, chat), append(langs, lang)
		orders, datas, keys = append(orders, r.Invoice.OrderID), append(datas, data), append(keys, key)
		notBefore = append(notBefore, r.NotBefore)
	}
	now := s.now()
	for _, r := range rs {
		inv := r.Invoice
		data, err := json.Marshal(PaymentReminderData{Number: inv.Number, Step: r.Step, DueAt: inv.DueAt})
		if err != nil {
			return 0, fmt.Errorf("encode payment reminder for order %d: %w", inv.OrderID, err)
		}
		if r.NotBefore.IsZero() {
			r.NotBefore = now
		}
		id := strconv.FormatInt(inv.OrderID, 10)
		if !r.Last && inv.ChatID != nil && !inv.Unreachable {
			add(KindPaymentReminder, LaneBulk, *inv.ChatID, inv.Language, r, string(data),
				KindPaymentReminder+":"+id+":"+strconv.Itoa(r.Step))
			continue
		}
		kind := KindPaymentTask
		if !r.Last {
			kind = KindPaymentUnreachable
		}
		if !haveManagers {
			if managers, err = managerRecipients(ctx, s.db, s.opts.StaffChatID, s.opts.Pilot); err != nil {
				return 0, fmt.Errorf("enqueue payment reminders: %w", err)
			}
			haveManagers = true
		}
		for _, rc := range managers {
			add(kind, LaneOf(kind), rc.ChatID, rc.Language, r, string(data), kind+":"+id+":"+strconv.FormatInt(rc.ChatID, 10))
		}
	}
	if len(kinds) == 0 {
		return 0, nil // only staff notices, and no staff to get them
	}
	tag, err := s.db.Exec(ctx, sqlEnqueuePaymentNotices, kinds, lanes, chats, langs, orders, datas, keys, notBefore, now)
	if err != nil {
		return 0, fmt.Errorf("enqueue %d payment reminders (orders %d-%d): %w", len(rs),
			rs[0].Invoice.OrderID, rs[len(rs)-1].Invoice.OrderID, err)
	}
	return int(tag.RowsAffected()), nil
}
