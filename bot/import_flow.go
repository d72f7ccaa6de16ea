package bot

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"
	"github.com/xuri/excelize/v2"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/importer"
)

// Import from the bot (issue 8, points 1 and 8): an owner or admin sends a .csv or .xlsx
// document in the private chat; the bot asks what it holds when the name does not say, checks
// it (a dry run: the report is exactly what applying would do), and offers Import / Cancel. Import
// downloads the file again (Redis keeps its file_id, never its bytes) and applies it in one
// transaction; the result names the batch, with a button that undoes it.
//
// Checking and importing run beside the update loop, not in it: the dispatcher runs one chat's
// updates in order, so a handler busy with 50,000 rows would hold back the very Stop button
// meant to end it. One message shows the run, edited in place at most every 2 seconds.

const (
	// maxImportFile is what the cloud Bot API lets a bot download (notes 2.1, getFile).
	maxImportFile = 20 << 20
	// importTTL is how long a checked file waits for Import or Cancel.
	importTTL = 2 * time.Hour
	// importStale is when a run whose process died is no longer waited for.
	importStale = 30 * time.Minute
	// progressEvery spaces the edits of the progress message: well inside Telegram's limits.
	progressEvery = 2 * time.Second
	// progressRows is how many rows make a file large: its progress shows from the first row.
	progressRows = 5000
)

// Import button actions; Version is the import's nonce, so a button of an earlier file is stale.
const (
	actImportKind   action = "ik" // Arg: the kind the file holds
	actImportApply  action = "ia"
	actImportCancel action = "ic"
	actImportStop   action = "is" // stop the check or the import that is running
	actImportUndo   action = "iu" // ID: the batch
)

// Stages of an import.
const (
	stageKind     = "kind"     // asked what the file holds
	stageChecking = "checking" // the dry run is running
	stageReady    = "ready"    // checked: waits for Import or Cancel
	stageApplying = "applying" // the import is running
)

// importState is a staff member's file being imported, kept in Redis.
type importState struct {
	Nonce   int64  `json:"n"`
	FileID  string `json:"f"`
	Name    string `json:"nm"`
	Size    int    `json:"sz"`
	Kind    string `json:"k,omitempty"`
	Stage   string `json:"st"`
	Msg     int    `json:"m,omitempty"` // the message that shows the import
	Started int64  `json:"t,omitempty"` // when the running stage began, Unix seconds
	// Problems is how many problems the check found: an import that finds others (the
	// database changed since) shows and sends them.
	Problems int `json:"p,omitempty"`
}

func (s importState) running(now time.Time) bool {
	return (s.Stage == stageChecking || s.Stage == stageApplying) && now.Sub(time.Unix(s.Started, 0)) < importStale
}

func importKey(prefix string, userID int64) string {
	return prefix + "import:" + strconv.FormatInt(userID, 10)
}

// importStopKey marks a run its owner asked to stop: checked by the run wherever it runs, so a
// Stop handled by another replica still ends it.
func importStopKey(prefix string, userID, nonce int64) string {
	return prefix + "import_stop:" + strconv.FormatInt(userID, 10) + ":" + strconv.FormatInt(nonce, 36)
}

func (b *Bot) loadImport(ctx context.Context, userID int64) (importState, bool, error) {
	data, err := b.rdb.Get(ctx, importKey(b.cfg.KeyPrefix, userID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return importState{}, false, nil
	}
	if err != nil {
		return importState{}, false, fmt.Errorf("load import: %w", err)
	}
	var s importState
	if err := json.Unmarshal(data, &s); err != nil {
		return importState{}, false, nil // unreadable is as good as expired
	}
	return s, true, nil
}

// saveImport writes st at once (not with the update's state writes): the run beside the loop
// reads and writes the same key.
func (b *Bot) saveImport(ctx context.Context, userID int64, st importState) error {
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode import: %w", err)
	}
	if err := b.rdb.Set(ctx, importKey(b.cfg.KeyPrefix, userID), data, importTTL).Err(); err != nil {
		return fmt.Errorf("save import: %w", err)
	}
	return nil
}

// importDoneKey remembers for a day which batch the file of nonce became, so a second press of
// its Apply (a double tap, an old copy of the buttons) says so instead of "no longer current".
func importDoneKey(prefix string, userID, nonce int64) string {
	return prefix + "import_done:" + strconv.FormatInt(userID, 10) + ":" + strconv.FormatInt(nonce, 10)
}

const importDoneTTL = 24 * time.Hour

func (b *Bot) dropImport(ctx context.Context, userID int64) {
	if err := b.rdb.Del(ctx, importKey(b.cfg.KeyPrefix, userID)).Err(); err != nil {
		b.log.Warn("drop import", "user_id", userID, "err", err)
	}
}

// importRuns are the runs of this process, to stop one at once when its Stop is handled here.
type importRuns struct {
	mu   sync.Mutex
	stop map[int64]context.CancelFunc // by nonce
}

func (ir *importRuns) add(nonce int64, cancel context.CancelFunc) {
	ir.mu.Lock()
	defer ir.mu.Unlock()
	if ir.stop == nil {
		ir.stop = map[int64]context.CancelFunc{}
	}
	ir.stop[nonce] = cancel
}

func (ir *importRuns) done(nonce int64) {
	ir.mu.Lock()
	defer ir.mu.Unlock()
	delete(ir.stop, nonce)
}

func (ir *importRuns) cancel(nonce int64) {
	ir.mu.Lock()
	defer ir.mu.Unlock()
	if c := ir.stop[nonce]; c != nil {
		c()
	}
}

// onDocument takes a document sent in a private chat. Clients' documents are not for import:
// handled is false, and the booking flow answers them as before. Staff who may not import are
// told so; nothing of the file is read.
func (b *Bot) onDocument(ctx context.Context, r *request) (handled bool, err error) {
	doc := r.msg.Document
	s, err := b.staffMember(ctx, r)
	if errors.Is(err, crm.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, fmt.Errorf("look up staff: %w", err)
	}
	if !may(s, crm.ActImport) {
		b.log.Info("document from staff who may not import", "user_id", r.userID, "role", string(s.Role))
		return true, b.say(ctx, r.chatID, text.T(r.lang, text.ImportNotAllowed), nil)
	}
	ext := strings.ToLower(filepath.Ext(doc.FileName))
	switch {
	case ext == ".xls":
		return true, b.say(ctx, r.chatID, text.T(r.lang, text.ImportOldExcel), nil)
	case ext != ".csv" && ext != ".xlsx" && ext != ".txt" && ext != ".tsv":
		return true, b.say(ctx, r.chatID, text.T(r.lang, text.ImportBadType), nil)
	case doc.FileSize > maxImportFile:
		return true, b.say(ctx, r.chatID, text.T(r.lang, text.ImportTooBig), nil)
	case doc.FileSize == 0:
		return true, b.say(ctx, r.chatID, text.T(r.lang, text.ImportEmpty), nil)
	}
	old, ok, err := b.loadImport(ctx, r.userID)
	if err != nil {
		return true, err
	}
	if ok && old.running(b.cfg.Now()) {
		return true, b.say(ctx, r.chatID, text.T(r.lang, text.ImportBusy), nil)
	}
	// A name or caption that says what the file holds decides; else its header row will
	// (importFile), and when that does not either, the bot asks.
	st := importState{Nonce: newNonce(), FileID: doc.FileID, Name: doc.FileName, Size: doc.FileSize,
		Kind: string(guessKind(doc.FileName + " " + r.msg.Caption))}
	return true, b.startImport(ctx, r, s, st, true)
}

// guessKind reads what a file holds from its name or caption: "clients.xlsx", "Каталог 2026.csv".
func guessKind(s string) importer.Kind {
	s = strings.ToLower(s)
	for _, k := range []struct {
		kind  importer.Kind
		words []string
	}{
		{importer.KindVehicles, []string{"vehicle", "car", "авто", "машин"}},
		{importer.KindCatalog, []string{"catalog", "price", "sku", "каталог", "прайс", "товар", "услуг", "номенклатур"}},
		{importer.KindClients, []string{"client", "customer", "клиент", "контакт", "база"}},
	} {
		for _, w := range k.words {
			if strings.Contains(s, w) {
				return k.kind
			}
		}
	}
	return ""
}

var kindLabels = map[importer.Kind]text.Key{
	importer.KindClients: text.ImportKindClients, importer.KindVehicles: text.ImportKindVehicles, importer.KindCatalog: text.ImportKindCatalog,
}

// kindName is how a kind reads in a message: "клиенты".
func kindName(l text.Lang, k string) string {
	key, ok := kindLabels[importer.Kind(k)]
	if !ok {
		return k
	}
	_, name, _ := strings.Cut(text.T(l, key), " ") // without the emoji
	return strings.ToLower(name)
}

func (b *Bot) kindKeyboard(l text.Lang, nonce int64) *tgbotapi.InlineKeyboardMarkup {
	var row []tgbotapi.InlineKeyboardButton
	for _, k := range importer.Kinds {
		row = append(row, button(text.T(l, kindLabels[k]), callback{Action: actImportKind, Version: nonce, Arg: string(k)}))
	}
	return inline(row, []tgbotapi.InlineKeyboardButton{button(text.T(l, text.ImportCancelButton), callback{Action: actImportCancel, Version: nonce})})
}

// importButton checks that an import button belongs to the presser's current file, in stage.
func (b *Bot) importButton(ctx context.Context, r *request, stages ...string) (crm.Staff, importState, bool, error) {
	s, ok, err := b.staffButtonMay(ctx, r, crm.ActImport, text.ImportNotAllowed)
	if !ok {
		return crm.Staff{}, importState{}, false, err
	}
	st, ok, err := b.loadImport(ctx, r.userID)
	if err != nil {
		return crm.Staff{}, importState{}, false, err
	}
	if !ok || st.Nonce != r.data.Version || !slices.Contains(stages, st.Stage) {
		b.answer(ctx, r, b.importGone(ctx, r, st, ok), true)
		return crm.Staff{}, importState{}, false, nil
	}
	return s, st, true, nil
}

// importGone words why an import button no longer acts: its file is being imported, was
// imported (which batch), or is gone.
func (b *Bot) importGone(ctx context.Context, r *request, st importState, ok bool) string {
	if ok && st.Nonce == r.data.Version && st.Stage == stageApplying {
		return text.T(r.lang, text.ImportAlreadyRunning)
	}
	if batch, err := b.rdb.Get(ctx, importDoneKey(b.cfg.KeyPrefix, r.userID, r.data.Version)).Int64(); err == nil && batch > 0 {
		return text.T(r.lang, text.ImportAlreadyApplied, batch)
	}
	return text.T(r.lang, text.ImportGone)
}

// onImportKind: the file holds what the pressed button says; check it.
func (b *Bot) onImportKind(ctx context.Context, r *request) error {
	s, st, ok, err := b.importButton(ctx, r, stageKind)
	if !ok {
		return err
	}
	if _, err := importer.ParseKind(r.data.Arg); err != nil {
		b.answer(ctx, r, text.T(r.lang, text.ButtonInvalid), true)
		return nil
	}
	b.answer(ctx, r, "", false)
	st.Kind = r.data.Arg
	return b.startImport(ctx, r, s, st, true)
}

// onImportApply: import the checked file.
func (b *Bot) onImportApply(ctx context.Context, r *request) error {
	s, st, ok, err := b.importButton(ctx, r, stageReady)
	if !ok {
		return err
	}
	b.answer(ctx, r, "", false)
	return b.startImport(ctx, r, s, st, false)
}

// onImportCancel: forget the file; nothing was written.
func (b *Bot) onImportCancel(ctx context.Context, r *request) error {
	_, st, ok, err := b.importButton(ctx, r, stageKind, stageReady)
	if !ok {
		return err
	}
	b.dropImport(ctx, r.userID)
	b.answer(ctx, r, "", false)
	return b.editPressed(ctx, r, text.T(r.lang, text.ImportCancelled, esc(st.Name)), nil)
}

// onImportStop: stop the running check or import; the run itself says when it has stopped.
func (b *Bot) onImportStop(ctx context.Context, r *request) error {
	_, st, ok, err := b.importButton(ctx, r, stageChecking, stageApplying)
	if !ok {
		return err
	}
	if err := b.rdb.Set(ctx, importStopKey(b.cfg.KeyPrefix, r.userID, st.Nonce), 1, importStale).Err(); err != nil {
		return fmt.Errorf("stop import: %w", err)
	}
	b.imports.cancel(st.Nonce)
	b.answer(ctx, r, text.T(r.lang, text.ImportStopButton), false)
	return nil
}

// The steps of the Undo button (its callback's Version): the result's button asks first, so one
// stray tap removes nothing.
const (
	undoAsk     = 0 // the result's button: ask to confirm
	undoConfirm = 1 // "Yes, undo"
	undoKeep    = 2 // "No": the result's button again
)

// undoButton is the result's Undo button of batch id.
func undoButton(l text.Lang, id int64) *tgbotapi.InlineKeyboardMarkup {
	return inline([]tgbotapi.InlineKeyboardButton{button(text.T(l, text.ImportUndoButton, id), callback{Action: actImportUndo, ID: id, Version: undoAsk})})
}

// onImportUndo undoes a whole batch while its records are not used, after a confirmation.
func (b *Bot) onImportUndo(ctx context.Context, r *request) error {
	s, ok, err := b.staffButtonMay(ctx, r, crm.ActImport, text.ImportNotAllowed)
	if !ok {
		return err
	}
	id := r.data.ID
	if r.data.Version != undoConfirm {
		b.answer(ctx, r, "", false)
		if r.cb.Message == nil {
			return nil
		}
		kb := undoButton(r.lang, id)
		if r.data.Version == undoAsk {
			kb = inline(
				[]tgbotapi.InlineKeyboardButton{button(text.T(r.lang, text.ImportUndoConfirm, id), callback{Action: actImportUndo, ID: id, Version: undoConfirm})},
				[]tgbotapi.InlineKeyboardButton{button(text.T(r.lang, text.ImportUndoKeep), callback{Action: actImportUndo, ID: id, Version: undoKeep})})
		}
		_, err := b.send(ctx, 0, tgbotapi.NewEditMessageReplyMarkup(r.chatID, r.cb.Message.MessageID, *kb))
		return err
	}
	err = importer.Undo(ctx, b.crm, actorOf(s), id)
	var used *crm.ImportUsedError
	refused := errors.Is(err, crm.ErrImportUsed)
	switch {
	case errors.As(err, &used):
		b.log.Info("import undo refused", "batch_id", id, "why", used.Why)
		b.answer(ctx, r, undoRefusal(r.lang, id, used), true)
	case refused:
		b.log.Info("import undo refused", "batch_id", id, "err", err)
		b.answer(ctx, r, text.T(r.lang, text.ImportUndoUsed, id, "", text.T(r.lang, text.ImportUsedReferenced)), true)
	case errors.Is(err, crm.ErrImportUndone):
		b.answer(ctx, r, text.T(r.lang, text.ImportUndoAgain, id), true)
	case err != nil:
		return fmt.Errorf("undo import %d: %w", id, err)
	default:
		b.answer(ctx, r, "", false)
		if err := b.say(ctx, r.chatID, text.T(r.lang, text.ImportUndone, id), nil); err != nil {
			return err
		}
	}
	switch {
	case r.cb.Message == nil:
	case refused: // the batch stays: so does its button, for when its records are free again
		_, _ = b.send(ctx, 0, tgbotapi.NewEditMessageReplyMarkup(r.chatID, r.cb.Message.MessageID, *undoButton(r.lang, id)))
	default: // the batch is gone either way: its button goes too
		_, _ = b.send(ctx, 0, tgbotapi.NewEditMessageReplyMarkup(r.chatID, r.cb.Message.MessageID, tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{}}))
	}
	return nil
}

// undoRefusal words why batch id cannot be undone, naming the record in full (the staff who may
// undo own the data): a callback alert, plain text of at most 200 characters.
func undoRefusal(l text.Lang, id int64, used *crm.ImportUsedError) string {
	why := map[string]text.Key{crm.UsedHasOrders: text.ImportUsedHasOrders, crm.UsedStartedBot: text.ImportUsedStartedBot,
		crm.UsedHasVehicles: text.ImportUsedHasVehicles, crm.UsedChangedLater: text.ImportUsedChangedLater,
		crm.UsedStockMoved: text.ImportUsedStockMoved, crm.UsedStockHeld: text.ImportUsedStockHeld}[used.Why]
	if why == "" {
		why = text.ImportUsedReferenced
	}
	rec := used.Record
	if used.Entity != "" {
		what := map[string]text.Key{"client": text.ImportUsedClient, "vehicle": text.ImportUsedVehicle, "item": text.ImportUsedItem}[used.Entity]
		rec = text.T(l, what) + " " + rec
	}
	if n := []rune(used.Name); len(n) > 0 && used.Name != used.Record {
		if len(n) > 40 {
			n = append(n[:39], '…')
		}
		rec += " (" + string(n) + ")"
	}
	msg := text.T(l, text.ImportUndoUsed, id, rec, text.T(l, why))
	if r := []rune(msg); len(r) > 200 {
		msg = string(r[:199]) + "…"
	}
	return msg
}

// startImport shows the run's message (the pressed one, else a new one) and starts the run
// beside the update loop.
func (b *Bot) startImport(ctx context.Context, r *request, s crm.Staff, st importState, dry bool) error {
	st.Stage, st.Started = stageApplying, b.cfg.Now().Unix()
	if dry {
		st.Stage = stageChecking
	}
	run := &importRun{b: b, chatID: r.chatID, userID: r.userID, lang: r.lang, actor: actorOf(s), st: st, dry: dry}
	run.setHead()
	if r.cb != nil && r.cb.Message != nil {
		run.st.Msg = r.cb.Message.MessageID
		if err := b.editCard(ctx, r.chatID, run.st.Msg, run.head, run.stopKeyboard()); err != nil {
			return err
		}
	} else {
		id, err := b.sayMessage(ctx, r.chatID, run.head, run.stopKeyboard())
		if err != nil {
			return err
		}
		run.st.Msg = id
	}
	if err := b.saveImport(ctx, r.userID, run.st); err != nil {
		return err
	}
	// The run outlives this update but not the bot: ctx ends when the bot has stopped.
	rctx, cancel := context.WithCancel(detached(ctx))
	b.imports.add(st.Nonce, cancel)
	go func() {
		defer b.imports.done(st.Nonce)
		defer cancel()
		run.do(rctx)
	}()
	return nil
}

// detached is ctx without the update's state writes: a run beside the loop writes its own at
// once.
func detached(ctx context.Context) context.Context {
	return context.WithValue(ctx, stateWritesKey{}, (*stateWrites)(nil))
}

// importRun is one check or import of a file.
type importRun struct {
	b      *Bot
	chatID int64
	userID int64
	lang   text.Lang
	actor  crm.Actor
	st     importState
	dry    bool
	head   string // the message's first line

	lastEdit time.Time
	lastStop time.Time
	shown    bool // a progress line was shown
}

// setHead words the run's first line: what it does, to which file of which kind.
func (ir *importRun) setHead() {
	switch {
	case ir.st.Kind == "":
		ir.head = text.T(ir.lang, text.ImportLooking, esc(ir.st.Name))
	case ir.dry:
		ir.head = text.T(ir.lang, text.ImportChecking, esc(ir.st.Name), kindName(ir.lang, ir.st.Kind))
	default:
		ir.head = text.T(ir.lang, text.ImportApplying, esc(ir.st.Name), kindName(ir.lang, ir.st.Kind))
	}
}

func (ir *importRun) stopKeyboard() *tgbotapi.InlineKeyboardMarkup {
	return inline([]tgbotapi.InlineKeyboardButton{button(text.T(ir.lang, text.ImportStopButton), callback{Action: actImportStop, Version: ir.st.Nonce})})
}

func (ir *importRun) do(ctx context.Context) {
	b, l := ir.b, ir.lang
	rep, err := ir.importFile(ctx)
	// A run that finished is reported as such, even when Stop came too late to stop it.
	stopped := err != nil && (errors.Is(err, context.Canceled) || ir.stopAsked(context.WithoutCancel(ctx)))
	ctx = context.WithoutCancel(ctx) // the answer goes out even after a stop
	if stopped || err != nil && !errors.Is(err, errAskKind) {
		b.dropImport(ctx, ir.userID)
	}
	var html string
	var kb *tgbotapi.InlineKeyboardMarkup
	changed := false // the import found other problems than its check
	switch {
	case errors.Is(err, errAskKind) && !stopped:
		ir.st.Stage = stageKind
		if err := b.saveImport(ctx, ir.userID, ir.st); err != nil {
			b.log.Warn("save import", "user_id", ir.userID, "err", err)
		}
		html, kb = text.T(l, text.ImportAskKind, esc(ir.st.Name)), b.kindKeyboard(l, ir.st.Nonce)
		err = nil // no problems file to send
	case stopped:
		html = text.T(l, text.ImportStopped, esc(ir.st.Name))
	case errors.Is(err, errDownload):
		b.log.Warn("import download", "user_id", ir.userID, "err", err)
		html = text.T(l, text.ImportDownload)
	case errors.Is(err, errTooBig):
		html = text.T(l, text.ImportTooBig)
	case errors.Is(err, crm.ErrForbidden):
		html = text.T(l, text.ImportNotAllowed)
	case errors.Is(err, importer.ErrNotTable):
		html = text.T(l, text.ImportBadType)
	case errors.Is(err, importer.ErrOldExcel):
		html = text.T(l, text.ImportOldExcel)
	case err != nil && unreadable(err):
		b.log.Info("import file unreadable", "user_id", ir.userID, "err", err)
		html = text.T(l, text.ImportUnreadable, esc(ir.st.Name), kindName(l, ir.st.Kind), esc(strings.Join(mandatory(importer.Kind(ir.st.Kind)), ", ")))
	case err != nil:
		b.log.Error("import failed", "user_id", ir.userID, "kind", ir.st.Kind, "err", err)
		html = text.T(l, text.ImportFailed, esc(ir.st.Name))
	case ir.dry:
		html = ir.reportText(rep)
		if rep.New+rep.Updated > 0 {
			ir.st.Stage, ir.st.Problems = stageReady, len(rep.Problems)
			if err := b.saveImport(ctx, ir.userID, ir.st); err != nil {
				b.log.Warn("save checked import", "user_id", ir.userID, "err", err)
			}
			kb = inline([]tgbotapi.InlineKeyboardButton{
				button(text.T(l, text.ImportApplyButton), callback{Action: actImportApply, Version: ir.st.Nonce}),
				button(text.T(l, text.ImportCancelButton), callback{Action: actImportCancel, Version: ir.st.Nonce}),
			})
		} else {
			b.dropImport(ctx, ir.userID)
		}
	default:
		if rep.BatchID != 0 {
			if err := b.rdb.Set(ctx, importDoneKey(b.cfg.KeyPrefix, ir.userID, ir.st.Nonce), rep.BatchID, importDoneTTL).Err(); err != nil {
				b.log.Warn("remember import batch", "user_id", ir.userID, "err", err)
			}
		}
		b.dropImport(ctx, ir.userID)
		b.log.Info("import applied", "user_id", ir.userID, "kind", ir.st.Kind, "batch_id", rep.BatchID, "new", rep.New, "updated", rep.Updated)
		if rep.BatchID == 0 {
			html = text.T(l, text.ImportAppliedNone, esc(ir.st.Name))
		} else {
			html = text.T(l, text.ImportApplied, esc(ir.st.Name), rep.BatchID, rep.New, rep.Updated, rep.Unchanged, rep.Duplicate, rep.Rejected, rep.Conflicts, rep.BatchID)
			kb = undoButton(l, rep.BatchID)
		}
		if changed = len(rep.Problems) != ir.st.Problems; changed {
			html += text.T(l, text.ImportChangedSince) + ir.problemLines(rep)
		}
	}
	if err := b.editCard(ctx, ir.chatID, ir.st.Msg, html, kb); err != nil {
		b.log.Warn("show import result", "user_id", ir.userID, "err", err)
		if err := b.say(ctx, ir.chatID, html, kbOrNil(kb)); err != nil {
			b.log.Warn("send import result", "user_id", ir.userID, "err", err)
		}
	}
	if err == nil && (ir.dry && ir.st.Stage != stageKind || changed) && len(rep.Problems) > 0 {
		ir.sendProblems(ctx, rep)
	}
}

// importFile downloads the file to a temporary file (the run may take longer than an HTTP
// client waits for a body) and imports it from there.
func (ir *importRun) importFile(ctx context.Context) (importer.Report, error) {
	b := ir.b
	f, err := os.CreateTemp("", "uniflow-import-*")
	if err != nil {
		return importer.Report{}, fmt.Errorf("import: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := b.download(ctx, ir.st.FileID, f); err != nil {
		return importer.Report{}, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return importer.Report{}, fmt.Errorf("import: %w", err)
	}
	// Not a table at all (a picture renamed .csv, binary junk): say so before asking what it
	// holds.
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, head)
	if err := importer.CheckTable(head[:n]); err != nil {
		return importer.Report{}, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return importer.Report{}, fmt.Errorf("import: %w", err)
	}
	if ir.st.Kind == "" {
		kind, err := ir.sniffKind(ctx, f)
		if err != nil {
			return importer.Report{}, err
		}
		if kind == "" {
			return importer.Report{}, errAskKind
		}
		ir.st.Kind = string(kind)
		ir.setHead()
		if err := ir.b.saveImport(ctx, ir.userID, ir.st); err != nil {
			return importer.Report{}, err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return importer.Report{}, fmt.Errorf("import: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	return importer.Run(ctx, b.crm, ir.st.Name, f, importer.Options{
		Kind: importer.Kind(ir.st.Kind), DryRun: ir.dry, Region: b.cfg.Region, Actor: ir.actor,
		Progress: func(done, total int) { ir.progress(ctx, cancel, done, total) },
	})
}

// progress edits the run's message at most every progressEvery, and stops the run when its Stop
// was pressed (on any replica).
func (ir *importRun) progress(ctx context.Context, cancel context.CancelFunc, done, total int) {
	now := time.Now()
	if now.Sub(ir.lastStop) >= time.Second {
		ir.lastStop = now
		if ir.stopAsked(ctx) {
			cancel()
			return
		}
	}
	merging := total > 0 && done == total // every row read: the database part follows
	large := total >= progressRows
	switch {
	case merging:
		if !ir.shown && !large {
			return // a small file shows no progress at all
		}
	case ir.lastEdit.IsZero():
		ir.lastEdit = now
		if !large {
			return // the first edit after progressEvery: small files never show one
		}
	case now.Sub(ir.lastEdit) < progressEvery:
		return
	}
	ir.lastEdit, ir.shown = now, true
	line := text.T(ir.lang, text.ImportProgress, done)
	switch {
	case merging:
		line = text.T(ir.lang, text.ImportMerging, done)
	case total > 0:
		line = text.T(ir.lang, text.ImportProgressOf, done, total)
	}
	if err := ir.b.editCard(ctx, ir.chatID, ir.st.Msg, ir.head+line, ir.stopKeyboard()); err != nil && ctx.Err() == nil {
		ir.b.log.Info("import progress", "user_id", ir.userID, "err", err)
	}
}

func (ir *importRun) stopAsked(ctx context.Context) bool {
	n, err := ir.b.rdb.Exists(ctx, importStopKey(ir.b.cfg.KeyPrefix, ir.userID, ir.st.Nonce)).Result()
	return err == nil && n > 0
}

// maxShownProblems bounds the problems listed in the report message; the file has them all.
const maxShownProblems = 5

func (ir *importRun) reportText(rep importer.Report) string {
	l := ir.lang
	var b strings.Builder
	b.WriteString(text.T(l, text.ImportReport, esc(ir.st.Name), kindName(l, ir.st.Kind), rep.Rows,
		rep.New, rep.Updated, rep.Unchanged, rep.Duplicate, rep.Rejected, rep.Conflicts))
	if len(rep.UnknownColumns) > 0 {
		b.WriteString(text.T(l, text.ImportUnknownCols, esc(strings.Join(rep.UnknownColumns, ", "))))
	}
	b.WriteString(ir.problemLines(rep))
	switch {
	case len(rep.MissingColumns) > 0:
		b.WriteString(text.T(l, text.ImportNeedColumns, esc(strings.Join(rep.MissingColumns, ", "))))
	case rep.Rows > 0 && rep.Rejected == rep.Rows:
		b.WriteString(text.T(l, text.ImportNeedColumns, esc(strings.Join(mandatory(importer.Kind(ir.st.Kind)), ", "))))
	}
	switch {
	case rep.New+rep.Updated > 0:
		b.WriteString(text.T(l, text.ImportAskApply))
	case rep.Rows == 0:
		b.WriteString(text.T(l, text.ImportNoRows))
	default:
		b.WriteString(text.T(l, text.ImportNothingToDo))
	}
	return b.String()
}

// problemLines lists the first problems of a report, one a line.
func (ir *importRun) problemLines(rep importer.Report) string {
	l := ir.lang
	var b strings.Builder
	if len(rep.Problems) > 0 {
		b.WriteString("\n")
	}
	for i, p := range rep.Problems {
		if i == maxShownProblems {
			b.WriteString(text.T(l, text.ImportMoreProblems, len(rep.Problems)-i))
			break
		}
		col := ""
		if p.Column != "" {
			col = ", " + esc(p.Column)
		}
		b.WriteString(text.T(l, text.ImportProblemLine, p.Line, col, esc(p.Text(string(l)))))
	}
	return b.String()
}

// sendProblems sends every problem of the check as an XLSX file.
func (ir *importRun) sendProblems(ctx context.Context, rep importer.Report) {
	rep.Lang = string(ir.lang)
	var buf bytes.Buffer
	if err := rep.WriteProblemsXLSX(&buf); err != nil {
		ir.b.log.Warn("write import problems", "user_id", ir.userID, "err", err)
		return
	}
	base := strings.TrimSuffix(ir.st.Name, filepath.Ext(ir.st.Name))
	d := tgbotapi.NewDocument(ir.chatID, tgbotapi.FileBytes{Name: base + "-problems.xlsx", Bytes: buf.Bytes()})
	d.Caption = text.T(ir.lang, text.ImportProblemsFile, ir.st.Name, len(rep.Problems))
	d.ReplyToMessageID = ir.st.Msg
	d.AllowSendingWithoutReply = true
	if _, err := ir.b.send(ctx, ir.chatID, d); err != nil {
		ir.b.log.Warn("send import problems", "user_id", ir.userID, "err", err)
	}
}

// mandatory are the headers a file of kind cannot do without.
func mandatory(k importer.Kind) []string {
	h := importer.Headers(k)
	switch k {
	case importer.KindVehicles:
		return h[:2] // Телефон, Госномер (or a VIN)
	case importer.KindCatalog:
		return []string{h[0], h[2], h[4]} // Артикул, Наименование, Цена
	case importer.KindClients:
		return h[:1]
	}
	return h
}

// unreadable tells a file the importer could not read (no header, no known column, a broken
// workbook) from the database failing: the importer words the first as plain errors.
func unreadable(err error) bool {
	var pg *pgconn.PgError
	var conn *pgconn.ConnectError
	return !errors.As(err, &pg) && !errors.As(err, &conn) && !pgconn.Timeout(err) && !errors.Is(err, context.DeadlineExceeded)
}

// sniffKind tells what a file holds from its header row: the importer maps the header alone as
// each kind (a dry run of one line), and the kind that leaves the fewest columns unknown wins.
// No header, or a tie (a file of phones only), is "": the bot asks.
func (ir *importRun) sniffKind(ctx context.Context, f *os.File) (importer.Kind, error) {
	header, err := headerRow(ir.st.Name, f)
	if err != nil || len(header) == 0 {
		ir.b.log.Info("import: no header row to tell the kind by", "user_id", ir.userID, "err", err)
		return "", nil
	}
	var best importer.Kind
	fewest, tie := 0, false
	for _, k := range importer.Kinds {
		rep, err := importer.Run(ctx, ir.b.crm, "header.csv", bytes.NewReader(header), importer.Options{
			Kind: k, DryRun: true, Region: ir.b.cfg.Region, Actor: ir.actor})
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if err != nil {
			continue // no column of this kind
		}
		switch n := len(rep.UnknownColumns); {
		case best == "" || n < fewest:
			best, fewest, tie = k, n, false
		case n == fewest:
			tie = true
		}
	}
	if tie {
		return "", nil
	}
	return best, nil
}

// headerRow is the file's first row as a line of CSV: a CSV file's own first line, bytes as they
// are (the importer detects the encoding and separator), or an XLSX sheet's first non-blank row.
func headerRow(name string, f *os.File) ([]byte, error) {
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	zip := bytes.Equal(magic[:n], []byte("PK\x03\x04")) // an .xlsx, whatever its name
	if strings.ToLower(filepath.Ext(name)) != ".xlsx" && !zip {
		line, err := bufio.NewReaderSize(f, 64<<10).ReadSlice('\n')
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
		return bytes.Clone(line), nil
	}
	x, err := excelize.OpenReader(f)
	if err != nil {
		return nil, err
	}
	defer x.Close()
	// The first sheet whose first row has a known column: the data need not be on the first
	// sheet (the importer picks the same one).
	_, rows := importer.FirstRows(x)
	var cells []string
	for _, r := range rows {
		if r != nil && cells == nil {
			cells = r
		}
		if known(r) {
			cells = r
			break
		}
	}
	if cells == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = ';'
	if err := w.Write(cells); err != nil {
		return nil, err
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// known reports whether a header row has a column of some kind.
func known(cells []string) bool {
	for _, k := range importer.Kinds {
		if importer.HasKnownColumn(k, cells) {
			return true
		}
	}
	return false
}

var (
	errAskKind  = errors.New("the file does not say what it holds")
	errDownload = errors.New("download from Telegram")
	errTooBig   = errors.New("file over the Bot API's download limit")
)

// download copies a file sent to the bot into w: getFile, then the file URL (Config.FileEndpoint:
// File.Link would hard-code api.telegram.org). More than maxImportFile is errTooBig.
func (b *Bot) download(ctx context.Context, fileID string, w io.Writer) error {
	resp, err := b.request(ctx, 0, tgbotapi.FileConfig{FileID: fileID})
	var tgErr *tgbotapi.Error
	if errors.As(err, &tgErr) && strings.Contains(tgErr.Message, "file is too big") {
		return errTooBig
	}
	if err != nil {
		return fmt.Errorf("%w: getFile: %w", errDownload, err)
	}
	var f tgbotapi.File
	if err := json.Unmarshal(resp.Result, &f); err != nil || f.FilePath == "" {
		return fmt.Errorf("%w: getFile gave no path: %v", errDownload, err)
	}
	if f.FileSize > maxImportFile {
		return errTooBig
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf(b.cfg.FileEndpoint, b.api.Token, f.FilePath), nil)
	if err != nil {
		return fmt.Errorf("%w: %w", errDownload, err)
	}
	res, err := b.api.Client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", errDownload, redactErr(err, b.api.Token))
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("%w: HTTP %d", errDownload, res.StatusCode)
	}
	n, err := io.Copy(w, io.LimitReader(res.Body, maxImportFile+1))
	if err != nil {
		return fmt.Errorf("%w: %w", errDownload, redactErr(err, b.api.Token))
	}
	if n > maxImportFile {
		return errTooBig
	}
	return nil
}
