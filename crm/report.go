package crm

import (
	"context"
	"fmt"
	"time"
)

// DailySummary is what happened on one day, in the shop's time zone.
type DailySummary struct {
	Day              time.Time `json:"day"` // midnight starting the day, in the shop's time zone
	NewRequests      int       `json:"new_requests"`
	Moved            int       `json:"moved"`
	Ready            int       `json:"ready"`
	Delivered        int       `json:"delivered"`
	NewNumbers       []int64   `json:"new_numbers"`
	ReadyNumbers     []int64   `json:"ready_numbers"`
	DeliveredNumbers []int64   `json:"delivered_numbers"`
}

// DailySummary counts the day that contains day, in the shop's time zone.
func (s *Service) DailySummary(ctx context.Context, day time.Time) (DailySummary, error) {
	return DailySummary{}, fmt.Errorf("daily summary: %w", errTODO)
}

// EnqueueDailySummaries enqueues the summary of day for every active owner with a chat id.
func (s *Service) EnqueueDailySummaries(ctx context.Context, day time.Time) (int, error) {
	return 0, fmt.Errorf("enqueue daily summaries: %w", errTODO)
}
