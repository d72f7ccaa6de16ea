package bot

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// /campaign (issue 7, item 6): an owner builds a segment with buttons (each condition typed or
// picked), sees how many clients it reaches, writes the message, confirms, and it goes through
// the bulk lane with Book and Unsubscribe buttons (crm.SendCampaign).

// campaignDraft is a campaign being put together, kept in the owner's staff dialog.
type campaignDraft struct {
	Segment crm.Segment `json:"s"`
	DueName string      `json:"dn,omitempty"` // the name of Segment.DueItemID, for the menu
	Message string      `json:"m,omitempty"`
	// Rev counts the messages written; a preview's Send carries the Rev it showed, so that Send
	// on an older preview cannot send a newer text.
	Rev int64 `json:"r,omitempty"`
}

// dlgCampaign is the staff dialog of /campaign: segment → message → confirm.
const dlgCampaign = "campaign"

// Steps of the campaign dialog: the condition being typed, or the message.
const (
	cgCar     = "car"
	cgBefore  = "before"
	cgAfter   = "after"
	cgSpend   = "spend"
	cgSource  = "source"
	cgMessage = "message"
	cgConfirm = "confirm"
)

// requireOwner is requireStaff for owner-only commands.
func (b *Bot) requireOwner(ctx context.Context, r *request) (crm.Staff, bool, error) {
	s, ok, err := b.requireStaff(ctx, r)
	if !ok || err != nil {
		return s, ok, err
	}
	if !may(s, crm.ActCampaign) {
		return s, false, b.say(ctx, r.chatID, text.T(r.lang, text.OwnersOnly), nil)
	}
	return s, true, nil
}

func (b *Bot) cmdCampaign(ctx context.Context, r *request) error {
	if !r.private {
		return nil
	}
	if _, ok, err := b.requireOwner(ctx, r); !ok {
		return err
	}
	if results, err := b.marketingResults(ctx, r.lang); err != nil { // campaign_results.go
		return err
	} else if results != "" {
		if err := b.say(ctx, r.chatID, results, nil); err != nil {
			return err
		}
	}
	d := workDialog{Kind: dlgCampaign, Campaign: &campaignDraft{}}
	if err := b.saveWorkDialog(ctx, r, &d); err != nil {
		return err
	}
	html, kb, err := b.campaignMenu(ctx, r.lang, &d)
	if err != nil {
		return err
	}
	return b.say(ctx, r.chatID, html, kb)
}

// campaignMenu is the segment so far, whom it reaches, and the buttons that refine it.
func (b *Bot) campaignMenu(ctx context.Context, l text.Lang, d *workDialog) (string, *tgbotapi.InlineKeyboardMarkup, error) {
	n, err := b.crm.CountSegment(ctx, d.Campaign.Segment, b.cfg.Now())
	if err != nil {
		return "", nil, err
	}
	html := text.T(l, text.CampaignStart, b.crm.OfferGapDays()) +
		text.T(l, text.CampaignSegment, b.segmentText(l, d.Campaign)) + text.T(l, text.CampaignReach, n)
	at := func(k text.Key, arg string) tgbotapi.InlineKeyboardButton {
		return button(text.T(l, k), callback{Action: actCampaign, Version: d.Nonce, Arg: arg})
	}
	kb := inline(
		[]tgbotapi.InlineKeyboardButton{at(text.CampaignByCar, cgCar), at(text.CampaignSource, cgSource)},
		[]tgbotapi.InlineKeyboardButton{at(text.CampaignBefore, cgBefore), at(text.CampaignAfter, cgAfter)},
		[]tgbotapi.InlineKeyboardButton{at(text.CampaignSpend, cgSpend), at(text.CampaignDue, "due")},
		[]tgbotapi.InlineKeyboardButton{at(text.CampaignReset, "reset"), at(text.CampaignWrite, "write")},
		[]tgbotapi.InlineKeyboardButton{at(text.Cancel, "cancel")},
	)
	return html, kb, nil
}

// segmentText lists the conditions set, or "everyone".
func (b *Bot) segmentText(l text.Lang, c *campaignDraft) string {
	s := c.Segment
	var parts []string
	if car := strings.TrimSpace(s.Make + " " + s.Model); car != "" {
		parts = append(parts, "🚗 "+esc(car))
	}
	if s.VisitBefore != nil {
		parts = append(parts, "⏪ "+dateText(s.VisitBefore.In(b.cfg.Location)))
	}
	if s.VisitAfter != nil {
		parts = append(parts, "⏩ "+dateText(s.VisitAfter.In(b.cfg.Location)))
	}
	if s.MinSpend > 0 {
		parts = append(parts, "💰 ≥ "+s.MinSpend.String())
	}
	if s.LeadSource != "" {
		parts = append(parts, "🔗 "+esc(s.LeadSource))
	}
	if s.DueItemID != 0 {
		parts = append(parts, "🔧 "+esc(c.DueName))
	}
	if len(parts) == 0 {
		return text.T(l, text.CampaignAll)
	}
	return strings.Join(parts, " · ")
}

// onCampaign handles the campaign dialog's buttons.
func (b *Bot) onCampaign(ctx context.Context, r *request) error {
	s, ok, err := b.staffButtonMay(ctx, r, crm.ActCampaign, text.OwnersOnly)
	if !ok {
		return err
	}
	d, ok, err := b.dialogButton(ctx, r, dlgCampaign)
	if !ok || d.Campaign == nil {
		return err
	}
	if r.data.Arg == "send" && d.Step == cgConfirm && d.Campaign.Message != "" && r.data.ID != d.Campaign.Rev {
		b.answer(ctx, r, text.CampaignStale(r.lang), true)
		return b.campaignPreview(ctx, r, &d)
	}
	b.answer(ctx, r, "", false)
	ask := func(step string, k text.Key, args ...any) error {
		d.Step = step
		if err := b.saveWorkDialog(ctx, r, &d); err != nil {
			return err
		}
		return b.say(ctx, r.chatID, text.T(r.lang, k, args...), nil)
	}
	switch r.data.Arg {
	case cgCar:
		return ask(cgCar, text.CampaignAskCar)
	case cgBefore, cgAfter:
		return ask(r.data.Arg, text.CampaignAskDate)
	case cgSpend:
		return ask(cgSpend, text.CampaignAskSpend)
	case cgSource:
		return ask(cgSource, text.CampaignAskSource)
	case "write":
		return ask(cgMessage, text.CampaignAskMessage, crm.MaxCampaignMessageLen)
	case "due":
		services, err := b.crm.RepeatServices(ctx)
		if err != nil {
			return err
		}
		if len(services) == 0 {
			return b.say(ctx, r.chatID, text.T(r.lang, text.CampaignNoDue), nil)
		}
		var rows [][]tgbotapi.InlineKeyboardButton
		for _, sv := range services {
			rows = append(rows, []tgbotapi.InlineKeyboardButton{button(label(sv.Name),
				callback{Action: actCampaign, ID: sv.ID, Version: d.Nonce, Arg: "dueset"})})
		}
		return b.say(ctx, r.chatID, text.T(r.lang, text.CampaignPickDue), inline(rows...))
	case "dueset":
		services, err := b.crm.RepeatServices(ctx)
		if err != nil {
			return err
		}
		for _, sv := range services { // only a service we offered, whatever the button said
			if sv.ID == r.data.ID {
				d.Campaign.Segment.DueItemID, d.Campaign.DueName = sv.ID, sv.Name
			}
		}
		return b.campaignMenuAgain(ctx, r, &d)
	case "reset":
		d.Campaign = &campaignDraft{}
		return b.campaignMenuAgain(ctx, r, &d)
	case "send":
		if d.Step != cgConfirm || d.Campaign.Message == "" {
			return b.campaignMenuAgain(ctx, r, &d)
		}
		now := b.cfg.Now()
		var sendAt func(int64) time.Time
		if b.cfg.QuietAt != nil {
			sendAt = func(clientID int64) time.Time { return b.cfg.QuietAt(now, clientID) }
		}
		c, err := b.crm.SendCampaign(ctx, s.ID, d.Campaign.Segment, d.Campaign.Message, now, sendAt)
		if err != nil {
			return err
		}
		if err := b.dropWorkDialog(ctx, r); err != nil {
			return err
		}
		b.wakeSender()
		return b.editPressed(ctx, r, text.T(r.lang, text.CampaignSent, c.ID, text.Recipients(r.lang, c.Sent)), nil)
	case "cancel":
		if err := b.dropWorkDialog(ctx, r); err != nil {
			return err
		}
		return b.editPressed(ctx, r, text.T(r.lang, text.CampaignCancelled), nil)
	}
	return b.campaignMenuAgain(ctx, r, &d)
}

// campaignMenuAgain saves the dialog back at the menu and sends the menu anew.
func (b *Bot) campaignMenuAgain(ctx context.Context, r *request, d *workDialog) error {
	d.Step = ""
	if err := b.saveWorkDialog(ctx, r, d); err != nil {
		return err
	}
	html, kb, err := b.campaignMenu(ctx, r.lang, d)
	if err != nil {
		return err
	}
	return b.say(ctx, r.chatID, html, kb)
}

// campaignText takes a typed condition or the message. Bad input is answered and the step
// asked again; nothing typed before is lost.
func (b *Bot) campaignText(ctx context.Context, r *request, s crm.Staff, d *workDialog, txt string) error {
	if !may(s, crm.ActCampaign) || d.Campaign == nil {
		return b.dropWorkDialog(ctx, r)
	}
	c := d.Campaign
	switch d.Step {
	case cgCar:
		mk, model, _ := strings.Cut(txt, " ")
		c.Segment.Make, c.Segment.Model = short(strings.TrimSpace(mk), crm.MaxMakeModelLen), short(strings.TrimSpace(model), crm.MaxMakeModelLen)
	case cgBefore, cgAfter:
		day, err := time.ParseInLocation("02.01.2006", strings.TrimSpace(txt), b.cfg.Location)
		if err != nil {
			return b.say(ctx, r.chatID, text.T(r.lang, text.CampaignBadDate), nil)
		}
		if from, to := b.segmentDates(); day.Before(from) || day.After(to) {
			return b.say(ctx, r.chatID, text.CampaignDateRange(r.lang, dateText(from), dateText(to)), nil)
		}
		if d.Step == cgBefore {
			c.Segment.VisitBefore = &day
		} else {
			c.Segment.VisitAfter = &day
		}
	case cgSpend:
		rub, err := strconv.ParseInt(strings.Join(strings.Fields(txt), ""), 10, 64)
		if err != nil || rub < 0 || rub > 1_000_000_000 {
			return b.say(ctx, r.chatID, text.T(r.lang, text.CampaignBadSpend), nil)
		}
		c.Segment.MinSpend = crm.Money(rub * 100)
	case cgSource:
		src := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(txt)), "src_")
		c.Segment.LeadSource = short(src, 50)
	case cgMessage:
		txt = strings.TrimSpace(crm.CleanText(txt))
		if txt == "" {
			return b.say(ctx, r.chatID, text.CampaignEmpty(r.lang), nil)
		}
		if n := utf8.RuneCountInString(txt); n > crm.MaxCampaignMessageLen {
			return b.say(ctx, r.chatID, text.T(r.lang, text.CampaignTooLong, n, crm.MaxCampaignMessageLen), nil)
		}
		c.Message, c.Rev, d.Step = txt, c.Rev+1, cgConfirm
		return b.campaignPreview(ctx, r, d)
	}
	return b.campaignMenuAgain(ctx, r, d)
}

// campaignPreview shows the draft's message as clients will see it, with a Send that carries the
// draft's Rev. With nobody left to reach it goes back to the menu instead.
func (b *Bot) campaignPreview(ctx context.Context, r *request, d *workDialog) error {
	c := d.Campaign
	n, err := b.crm.CountSegment(ctx, c.Segment, b.cfg.Now())
	if err != nil {
		return err
	}
	if n == 0 {
		if err := b.say(ctx, r.chatID, text.T(r.lang, text.CampaignNobody), nil); err != nil {
			return err
		}
		return b.campaignMenuAgain(ctx, r, d)
	}
	if err := b.saveWorkDialog(ctx, r, d); err != nil {
		return err
	}
	kb := inline([]tgbotapi.InlineKeyboardButton{
		button(text.T(r.lang, text.CampaignSendButton), callback{Action: actCampaign, ID: c.Rev, Version: d.Nonce, Arg: "send"}),
		button(text.T(r.lang, text.Cancel), callback{Action: actCampaign, Version: d.Nonce, Arg: "cancel"}),
	})
	return b.say(ctx, r.chatID, text.T(r.lang, text.CampaignPreview, esc(c.Message), n), kb)
}

// segmentDates is the range a "visited before/after" date may take: no shop's records go back
// before 2000, and a date over a year ahead is a typo.
func (b *Bot) segmentDates() (from, to time.Time) {
	now := b.cfg.Now().In(b.cfg.Location)
	from = time.Date(2000, 1, 1, 0, 0, 0, 0, b.cfg.Location)
	to = time.Date(now.Year()+1, now.Month(), now.Day(), 0, 0, 0, 0, b.cfg.Location)
	return from, to
}
