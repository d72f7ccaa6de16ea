package scheduler

import (
	"context"
	"log/slog"
	"time"
)

// bookingReminderClock is when, the evening before a slot, its client is
// reminded: the day's plans for tomorrow are being made, and it is well
// before the quiet hours.
var bookingReminderClock = Clock(18, 0)

// bookingMinLead is the least time before a slot a reminder is still worth
// sending; a reminder that could only arrive later (a booking made late at
// night for the early morning, a process down all evening) is dropped, and
// when it was missed (not booked late) the managers are told.
const bookingMinLead = 2 * time.Hour

// noShowGrace is how long after its slot a car may still arrive before the
// order is recorded as a no-show.
const noShowGrace = 2 * time.Hour

// bookingRemindersJob reminds clients of their slot the evening before,
// hourly so bookings made after 18:00 for tomorrow are reminded of too.
func (s *Scheduler) bookingRemindersJob() Job {
	return Job{Name: "booking_reminders", Spec: "10 * * * *", Run: s.bookingReminders}
}

func (s *Scheduler) bookingReminders(ctx context.Context, now time.Time) (int, error) {
	// Slots up to the end of tomorrow, local: the day after is reminded of tomorrow.
	to := localDay(now, s.loc).AddDate(0, 0, 2)
	bs, err := s.svc.UpcomingBookings(ctx, now.Add(bookingMinLead), to)
	if err != nil {
		return 0, err
	}
	enqueued := 0
	var bad skipped
	for _, b := range bs {
		slot := b.Slot.In(s.loc)
		at := time.Date(slot.Year(), slot.Month(), slot.Day()-1,
			int(bookingReminderClock)/60, int(bookingReminderClock)%60, 0, 0, s.loc)
		if at.After(now) || b.Reminded || b.ChatID == nil || b.Unreachable {
			continue // not yet (a later run sends it), done, or nowhere to send it
		}
		nb := s.cfg.Quiet.At(now, s.loc, b.OrderID)
		if nb.After(b.Slot.Add(-bookingMinLead)) {
			// Too late to remind. Booked after the reminder's time (late at night for the early
			// morning): the client just chose it, nobody needs telling. Booked before: the
			// reminder was missed (the process was down), and the managers are told once.
			if !b.CreatedAt.Before(at) {
				continue
			}
			n, err := s.svc.ReportLateBookingReminder(ctx, b)
			if err != nil {
				bad.add(s.log, "report late booking reminder", b.OrderID, err)
				continue
			}
			if n > 0 {
				s.log.Info("booking reminder no longer relevant: not sent, managers told", slog.Int64("order_id", b.OrderID),
					slog.String("slot", slot.Format(time.RFC3339)))
			}
			enqueued += n
			continue
		}
		ok, err := s.svc.EnqueueBookingReminder(ctx, b, nb)
		if err != nil {
			if ctx.Err() != nil {
				return enqueued, ctx.Err()
			}
			bad.add(s.log, "booking reminder skipped", b.OrderID, err)
			continue
		}
		if ok {
			enqueued++
		}
	}
	return enqueued, bad.err(len(bs), "booking reminders")
}

// noShowsJob records, hourly, the bookings whose slot passed noShowGrace
// ago with the car still not in. It looks back 30 days, so a long outage
// records its no-shows late rather than never. The managers are told at
// once (the quiet hours are the clients'); the client is offered another
// time, in the morning when marked at night.
func (s *Scheduler) noShowsJob() Job {
	return Job{Name: "no_shows", Spec: "15 * * * *", Run: func(ctx context.Context, now time.Time) (int, error) {
		at, spread := s.cfg.Quiet.Window(now, s.loc) // the clients' offers: At's rule, by order id
		marked, told, err := s.svc.MarkNoShows(ctx, now.AddDate(0, 0, -30), now.Add(-noShowGrace), at, spread)
		if marked > 0 {
			s.log.Info("no-shows recorded", slog.Int("orders", marked), slog.Int("messages", told))
		}
		return marked, err
	}}
}
