package bot

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/importer"
)

// /export (issue 8, point 7): the owner picks a table and gets it as an XLSX file in the chat,
// the same file `uniflow export` writes.

// actExport: Arg is the table to export.
const actExport action = "ex"

var exportLabels = map[importer.ExportKind]text.Key{
	importer.ExportClients: text.ExportClients, importer.ExportVehicles: text.ExportVehicles,
	importer.ExportOrders: text.ExportOrders, importer.ExportPayments: text.ExportPayments,
	importer.ExportCatalog: text.ExportCatalog,
}

// cmdExport shows what can be exported.
func (b *Bot) cmdExport(ctx context.Context, r *request) error {
	var buttons []tgbotapi.InlineKeyboardButton
	for _, k := range importer.ExportKinds {
		buttons = append(buttons, button(text.T(r.lang, exportLabels[k]), callback{Action: actExport, Arg: string(k)}))
	}
	return b.say(ctx, r.chatID, text.T(r.lang, text.ExportMenu), inline(chunk(buttons, 2)...))
}

// onExport sends the picked table. The file is written to a temporary directory under its own
// name and uploaded from there, so a table of any size never sits in memory, and a retried
// upload reads it again from the start.
func (b *Bot) onExport(ctx context.Context, r *request) error {
	kind := importer.ExportKind(r.data.Arg)
	if !slices.Contains(importer.ExportKinds, kind) {
		b.answer(ctx, r, text.T(r.lang, text.ButtonInvalid), true)
		return nil
	}
	b.answer(ctx, r, text.T(r.lang, text.ExportMaking), false)
	_, _ = b.request(ctx, 0, tgbotapi.NewChatAction(r.chatID, tgbotapi.ChatUploadDocument))

	dir, err := os.MkdirTemp("", "uniflow-export-*")
	if err != nil {
		return fmt.Errorf("export %s: %w", kind, err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, importer.FileName(kind, importer.FormatXLSX, b.cfg.Now().In(b.cfg.Location)))
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("export %s: %w", kind, err)
	}
	n, err := importer.Export(ctx, b.crm, f, importer.ExportOptions{
		Kind: kind, Format: importer.FormatXLSX, Location: b.cfg.Location,
		StatusName: func(s string) string { return text.StatusName(r.lang, s) },
		MethodName: func(m string) string { return text.PayMethodName(r.lang, m) },
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("export %s: %w", kind, err)
	}
	b.log.Info("exported", "user_id", r.userID, "kind", string(kind), "rows", n)
	d := tgbotapi.NewDocument(r.chatID, tgbotapi.FilePath(path))
	_, label, _ := strings.Cut(text.T(r.lang, exportLabels[kind]), " ")
	d.Caption = text.T(r.lang, text.ExportCaption, label, n)
	if _, err := b.send(ctx, r.chatID, d); err != nil {
		return fmt.Errorf("send export %s: %w", kind, err)
	}
	return nil
}
