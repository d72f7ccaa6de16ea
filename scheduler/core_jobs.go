package scheduler

// coreJobs are the scheduler's own jobs: the daily summary, payment and
// booking reminders, no-shows.
func (s *Scheduler) coreJobs() []Job {
	return []Job{
		s.dailySummaryJob(),
		s.paymentRemindersJob(),
		s.bookingRemindersJob(),
		s.noShowsJob(),
	}
}
