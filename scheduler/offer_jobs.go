package scheduler

// OffersConfig tunes the offer, digest, feedback and campaign jobs (issue 7, items 2, 4-6).
type OffersConfig struct{}

// offerJobs are the jobs of offers, the owner's digest, feedback and campaigns.
func (s *Scheduler) offerJobs() []Job {
	return nil
}
