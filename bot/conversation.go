package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// step is where a client is in the booking dialog.
type step string

const (
	stepPhone    step = "phone"
	stepName     step = "name"
	stepCarPick  step = "car_pick"
	stepCarModel step = "car_model"
	stepCarYear  step = "car_year"
	stepPlate    step = "plate"
	stepProblem  step = "problem"
	stepSlot     step = "slot"
	stepConfirm  step = "confirm"
)

// conversation is a client's booking in progress, kept in Redis with a TTL.
type conversation struct {
	Nonce int64 `json:"n"` // ties buttons to this conversation
	Step  step  `json:"s"`
	// Seq numbers the questions asked: buttons carry it with the step's code,
	// so only the question asked last has live buttons (client_booking.go).
	Seq        int64  `json:"q,omitempty"`
	Editing    bool   `json:"e,omitempty"` // go back to the summary after this step
	LeadSource string `json:"src,omitempty"`
	Phone      string `json:"ph,omitempty"`
	// PhoneVerified: the phone came from the user's own shared contact.
	PhoneVerified bool   `json:"pv,omitempty"`
	Name          string `json:"nm,omitempty"`
	Known         bool   `json:"kn,omitempty"` // the client already exists in the CRM
	VehicleID     int64  `json:"vid,omitempty"`
	VehicleLabel  string `json:"vl,omitempty"`
	Model         string `json:"md,omitempty"`
	Year          int    `json:"yr,omitempty"`
	Plate         string `json:"pl,omitempty"`
	Problem       string `json:"pr,omitempty"`
	PhotoFileID   string `json:"pf,omitempty"`
	Slot          int64  `json:"sl,omitempty"` // Unix seconds; 0 means "call me"
	SlotChosen    bool   `json:"sc,omitempty"`
	// Update is the update that saved it last: one delivered again after a crash cut its
	// handling short after this write (intake.go) is not applied twice (route).
	Update int `json:"u,omitempty"`
}

// saveConversation stores r.conv as the client's booking in progress.
func (b *Bot) saveConversation(ctx context.Context, r *request) error {
	r.conv.Update = r.update.UpdateID
	data, err := json.Marshal(&r.conv)
	if err != nil {
		return fmt.Errorf("encode conversation: %w", err)
	}
	r.hasConv = true
	key := conversationKey(b.cfg.KeyPrefix, r.userID)
	return b.writeState(ctx, func(p redis.Pipeliner) { p.Set(ctx, key, data, conversationTTL) })
}

func (b *Bot) dropConversation(ctx context.Context, r *request) error {
	r.hasConv = false
	key := conversationKey(b.cfg.KeyPrefix, r.userID)
	return b.writeState(ctx, func(p redis.Pipeliner) { p.Del(ctx, key) })
}

// decodeConversation reads what the dispatcher fetched; ok is false when
// there is none.
func decodeConversation(raw *redis.StringCmd) (c conversation, ok bool, err error) {
	data, err := raw.Bytes()
	if errors.Is(err, redis.Nil) {
		return conversation{}, false, nil
	}
	if err != nil {
		return conversation{}, false, fmt.Errorf("load conversation: %w", err)
	}
	if err := json.Unmarshal(data, &c); err != nil {
		// A state we cannot read is as good as an expired one.
		return conversation{}, false, nil
	}
	return c, true, nil
}
