package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// Staff dialogs (issue 4): a manager's /new order, catalog search and editing, goods received,
// and the typed steps of order work (quantity, price, discount, payment). They live in Redis
// apart from a client's booking, so a staff member who also books a repair keeps both.

// workDialogTTL is how long a half-finished staff dialog waits.
const workDialogTTL = 2 * time.Hour

func workDialogKey(prefix string, userID int64) string {
	return prefix + "work:" + strconv.FormatInt(userID, 10)
}

// Dialog kinds.
const (
	dlgNewOrder     = "new"      // /new: phone → name → car → plate → problem → slot → confirm
	dlgCatalog      = "catalog"  // /catalog search results, paged
	dlgItemAdd      = "item_add" // a new catalog item: name → sku → unit → price → norm|min
	dlgItemEdit     = "item_edit"
	dlgLineSearch   = "line"     // adding a line to an order: search → pick → quantity
	dlgLineQty      = "line_qty" // a line's new quantity
	dlgLinePrice    = "line_price"
	dlgFreeLine     = "free" // a free-text line: name → price → quantity
	dlgDiscount     = "discount"
	dlgPayment      = "payment"
	dlgReceive      = "receive" // /receive: item → quantity → cost
	dlgCorrectPrice = "correct" // an invoice correction: price → reason
)

// workDialog is a staff member's dialog in progress.
type workDialog struct {
	Nonce int64  `json:"n"` // ties the dialog's buttons to it
	Kind  string `json:"k"`
	Step  string `json:"s,omitempty"`

	OrderID int64  `json:"o,omitempty"`
	Version int    `json:"v,omitempty"` // the order version the dialog started from
	LineID  int64  `json:"l,omitempty"`
	ItemID  int64  `json:"i,omitempty"`
	Query   string `json:"q,omitempty"`
	Msg     int    `json:"mg,omitempty"` // the message whose buttons answer the current step

	// /new and catalog items.
	Phone     string `json:"ph,omitempty"`
	Name      string `json:"nm,omitempty"`
	ClientID  int64  `json:"c,omitempty"`
	VehicleID int64  `json:"vid,omitempty"`
	Model     string `json:"md,omitempty"`
	Plate     string `json:"pl,omitempty"`
	Problem   string `json:"pr,omitempty"`
	Slot      int64  `json:"sl,omitempty"`

	ItemKind crm.ItemKind `json:"ik,omitempty"`
	SKU      string       `json:"sku,omitempty"`
	Unit     string       `json:"u,omitempty"`
	Price    crm.Money    `json:"p,omitempty"`
	Field    string       `json:"f,omitempty"` // the field being edited
	LineKind crm.LineKind `json:"lk,omitempty"`
	Qty      crm.Qty      `json:"qt,omitempty"`
	Method   string       `json:"m,omitempty"`
	Refund   bool         `json:"rf,omitempty"`

	Campaign *campaignDraft `json:"cg,omitempty"` // /campaign
}

// loadWorkDialog is the staff dialog of the request's sender, as begin fetched it and this
// update's own saves changed it.
func (b *Bot) loadWorkDialog(_ context.Context, r *request) (workDialog, bool, error) {
	return r.work, r.hasWork, r.workErr
}

// decodeWorkDialog reads what begin fetched; ok is false when there is none.
func decodeWorkDialog(raw *redis.StringCmd) (d workDialog, ok bool, err error) {
	data, err := raw.Bytes()
	if errors.Is(err, redis.Nil) {
		return workDialog{}, false, nil
	}
	if err != nil {
		return workDialog{}, false, fmt.Errorf("load staff dialog: %w", err)
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return workDialog{}, false, nil // unreadable is as good as expired
	}
	return d, true, nil
}

func (b *Bot) saveWorkDialog(ctx context.Context, r *request, d *workDialog) error {
	if d.Nonce == 0 {
		d.Nonce = newNonce()
	}
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode staff dialog: %w", err)
	}
	r.work, r.hasWork, r.workErr = *d, true, nil
	key := workDialogKey(b.cfg.KeyPrefix, r.userID)
	return b.writeState(ctx, func(p redis.Pipeliner) { p.Set(ctx, key, data, workDialogTTL) })
}

func (b *Bot) dropWorkDialog(ctx context.Context, r *request) error {
	r.work, r.hasWork, r.workErr = workDialog{}, false, nil
	key := workDialogKey(b.cfg.KeyPrefix, r.userID)
	return b.writeState(ctx, func(p redis.Pipeliner) { p.Del(ctx, key) })
}

// onWorkDialog takes a private text message that answers a staff dialog; handled is false when
// the sender has none (the message is then a client's booking step).
func (b *Bot) onWorkDialog(ctx context.Context, r *request) (handled bool, err error) {
	d, ok, err := b.loadWorkDialog(ctx, r)
	if err != nil || !ok {
		return err != nil, err
	}
	s, err := b.staffMember(ctx, r)
	if errors.Is(err, crm.ErrNotFound) {
		// No longer staff: the dialog is void.
		return false, b.dropWorkDialog(ctx, r)
	}
	if err != nil {
		return true, fmt.Errorf("look up staff: %w", err)
	}
	txt := strings.TrimSpace(r.msg.Text)
	if txt == "" {
		return true, b.say(ctx, r.chatID, text.T(r.lang, text.WorkTextExpected), nil)
	}
	switch d.Kind {
	case dlgNewOrder:
		return true, b.newOrderText(ctx, r, s, &d, txt)
	case dlgCatalog:
		return true, b.catalogSearch(ctx, r, s, txt)
	case dlgItemAdd, dlgItemEdit:
		return true, b.itemDialogText(ctx, r, s, &d, txt)
	case dlgLineSearch:
		return true, b.lineSearchText(ctx, r, s, &d, txt)
	case dlgLineQty, dlgLinePrice, dlgFreeLine, dlgDiscount, dlgCorrectPrice:
		return true, b.lineDialogText(ctx, r, s, &d, txt)
	case dlgPayment:
		return true, b.paymentText(ctx, r, s, &d, txt)
	case dlgReceive:
		return true, b.receiveText(ctx, r, s, &d, txt)
	case dlgCampaign:
		return true, b.campaignText(ctx, r, s, &d, txt)
	}
	return false, b.dropWorkDialog(ctx, r)
}

// cmdCancelAll leaves a staff dialog, or else the client's booking step.
func (b *Bot) cmdCancelAll(ctx context.Context, r *request) error {
	if _, ok, err := b.loadWorkDialog(ctx, r); err != nil {
		return err
	} else if ok {
		if err := b.dropWorkDialog(ctx, r); err != nil {
			return err
		}
		return b.say(ctx, r.chatID, text.T(r.lang, text.WorkCancelled), nil)
	}
	return b.cmdCancel(ctx, r)
}

// staffButton answers a press by a non-staff user; ok is false then.
func (b *Bot) staffButton(ctx context.Context, r *request) (crm.Staff, bool, error) {
	s, err := b.staffMember(ctx, r)
	if errors.Is(err, crm.ErrNotFound) {
		b.log.Warn("staff button pressed by a non-staff user", "user_id", r.userID, "action", string(r.data.Action))
		b.answer(ctx, r, b.notStaff(ctx, r, text.NotStaff), true)
		return crm.Staff{}, false, nil
	}
	if err != nil {
		return crm.Staff{}, false, fmt.Errorf("look up staff: %w", err)
	}
	return s, true, nil
}

// dialogButton checks that a dialog button belongs to the live dialog of the presser.
func (b *Bot) dialogButton(ctx context.Context, r *request, kind string) (workDialog, bool, error) {
	d, ok, err := b.loadWorkDialog(ctx, r)
	if err != nil {
		return workDialog{}, false, err
	}
	if !ok || d.Nonce != r.data.Version || (kind != "" && d.Kind != kind) {
		b.answer(ctx, r, text.T(r.lang, text.Expired), false)
		if r.cb.Message != nil {
			_, _ = b.send(ctx, 0, tgbotapi.NewEditMessageReplyMarkup(r.chatID, r.cb.Message.MessageID, tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{}}))
		}
		return workDialog{}, false, nil
	}
	return d, true, nil
}

// workErrorText words the refusals of order work; ok is false for other errors. userText calls it
// first, so a precise message wins over "check what you entered".
func workErrorText(l text.Lang, err error) (string, bool) {
	for _, e := range []struct {
		err error
		key text.Key
	}{
		{crm.ErrNotANumber, text.ErrNotANumber},
		{crm.ErrNotPositive, text.ErrNotPositive},
		{crm.ErrNegative, text.ErrNegative},
		{crm.ErrTooLarge, text.ErrTooLarge},
		{crm.ErrTooPrecise, text.ErrTooPrecise},
		{crm.ErrDiscountTooBig, text.ErrDiscountTooBig},
		{crm.ErrUnapprovedLines, text.ErrUnapprovedLines},
		{crm.ErrUnpaid, text.ErrUnpaid},
		{crm.ErrInvoiceFixed, text.ErrInvoiceFixed},
		{crm.ErrOutOfStock, text.ErrOutOfStock},
		{crm.ErrNoLines, text.ErrNoLines},
		{crm.ErrLineHasDecisions, text.ErrLineHasDecisions},
		{crm.ErrOverpayment, text.ErrOverpayment},
		{crm.ErrSKUTaken, text.ErrSKUTaken},
	} {
		if errors.Is(err, e.err) {
			return text.T(l, e.key), true
		}
	}
	return "", false
}
