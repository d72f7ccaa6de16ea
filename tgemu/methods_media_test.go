package tgemu_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/tgemu"
)

func download(t testing.TB, srv *tgemu.Server, path string) []byte {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf(srv.FileEndpoint(), srv.Token(), path))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("download %s: %d", path, resp.StatusCode)
	}
	b, _ := io.ReadAll(resp.Body)
	return b
}

func TestSendPhotoAndDocument(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{NoRateLimits: true})
	u := started(srv, tgemu.UserOptions{})
	img := pngBytes(t, 800, 600)

	photo := tgbotapi.NewPhoto(u.ID(), tgbotapi.FileBytes{Name: "car.png", Bytes: img})
	photo.Caption = "<b>Your car</b> after repair"
	photo.ParseMode = tgbotapi.ModeHTML
	sent, err := bot.Send(photo)
	if err != nil {
		t.Fatal(err)
	}
	if len(sent.Photo) != 2 || sent.Photo[1].Width != 800 || sent.Photo[1].Height != 600 || sent.Photo[0].Width != 320 {
		t.Fatalf("photo sizes: %+v", sent.Photo)
	}
	if sent.Caption != "Your car after repair" || len(sent.CaptionEntities) != 1 {
		t.Fatalf("caption: %q %+v", sent.Caption, sent.CaptionEntities)
	}
	f, err := bot.GetFile(tgbotapi.FileConfig{FileID: sent.Photo[1].FileID})
	if err != nil {
		t.Fatal(err)
	}
	if got := download(t, srv, f.FilePath); !bytes.Equal(got, img) {
		t.Fatal("downloaded photo differs")
	}
	again, err := bot.Send(tgbotapi.NewPhoto(u.ID(), tgbotapi.FileID(sent.Photo[1].FileID)))
	if err != nil || again.Photo[len(again.Photo)-1].FileID != sent.Photo[1].FileID {
		t.Fatalf("file_id reuse: %+v %v", again.Photo, err)
	}

	_, err = bot.Send(tgbotapi.NewPhoto(u.ID(), tgbotapi.FileBytes{Name: "x.jpg", Bytes: []byte("not an image")}))
	wantUploadError(t, srv, err, 400, "Bad Request: IMAGE_PROCESS_FAILED")
	_, err = bot.Send(tgbotapi.NewPhoto(u.ID(), tgbotapi.FileID("AgACAgIAAxkBnosuchfile")))
	wantAPIError(t, err, 400, "Bad Request: wrong file_id or the file is temporarily unavailable")
	_, err = bot.Send(tgbotapi.NewPhoto(u.ID(), tgbotapi.FileBytes{Name: "big.png", Bytes: make([]byte, 10<<20+1)}))
	wantUploadError(t, srv, err, 400, "Bad Request: file is too big")
	r := raw(t, srv, "sendPhoto", map[string][]string{"chat_id": {fmt.Sprint(u.ID())}})
	if r.Status != 400 || r.desc() != "Bad Request: there is no photo in the request" {
		t.Fatalf("no photo: %d %q", r.Status, r.desc())
	}
	long := tgbotapi.NewPhoto(u.ID(), tgbotapi.FileID(sent.Photo[1].FileID))
	long.Caption = strings.Repeat("c", 1025)
	_, err = bot.Send(long)
	wantAPIError(t, err, 400, "Bad Request: message caption is too long")

	// A URL is fetched, as Telegram does.
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/car.png" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(img)
	}))
	defer web.Close()
	if _, err := bot.Send(tgbotapi.NewPhoto(u.ID(), tgbotapi.FileURL(web.URL+"/car.png"))); err != nil {
		t.Fatalf("photo by URL: %v", err)
	}
	_, err = bot.Send(tgbotapi.NewPhoto(u.ID(), tgbotapi.FileURL(web.URL+"/missing.png")))
	wantAPIError(t, err, 400, "Bad Request: failed to get HTTP URL content")

	doc := tgbotapi.NewDocument(u.ID(), tgbotapi.FileBytes{Name: "estimate.pdf", Bytes: []byte("%PDF-1.4\n...")})
	d, err := bot.Send(doc)
	if err != nil || d.Document.FileName != "estimate.pdf" || d.Document.MimeType != "application/pdf" || d.Document.FileSize != 12 {
		t.Fatalf("document: %+v %v", d.Document, err)
	}
	_, err = bot.Send(tgbotapi.NewDocument(u.ID(), tgbotapi.FileBytes{Name: "huge.bin", Bytes: make([]byte, 50<<20+1)}))
	wantUploadError(t, srv, err, 400, "Bad Request: file is too big")
	_, err = bot.GetFile(tgbotapi.FileConfig{FileID: "nope"})
	wantAPIError(t, err, 400, "Bad Request: invalid file_id")
}

func TestUserMediaReachesBot(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	u := srv.NewUser(tgemu.UserOptions{FirstName: "Oleg"})
	p := &poller{t: t, bot: bot}
	u.SendDocument("sts.pdf", []byte("%PDF"), "registration")
	up := p.next()
	if d := up.Message.Document; d == nil || d.FileName != "sts.pdf" || up.Message.Caption != "registration" {
		t.Fatalf("document: %+v", up.Message)
	}
	f, err := bot.GetFile(tgbotapi.FileConfig{FileID: up.Message.Document.FileID})
	if err != nil || string(download(t, srv, f.FilePath)) != "%PDF" {
		t.Fatalf("getFile: %+v %v", f, err)
	}
	u.SendSticker()
	if up := p.next(); up.Message.Sticker == nil {
		t.Fatalf("sticker: %+v", up.Message)
	}
	u.SendVoice()
	if up := p.next(); up.Message.Voice == nil || up.Message.Voice.Duration == 0 {
		t.Fatalf("voice: %+v", up.Message)
	}
	u.SendLocation(59.93, 30.31)
	if up := p.next(); up.Message.Location == nil || up.Message.Location.Latitude != 59.93 {
		t.Fatalf("location: %+v", up.Message)
	}
	sent := u.Send("/book tomorrow")
	u.Edit(sent, "/book today")
	p.next()
	up = p.next()
	if up.EditedMessage == nil || up.EditedMessage.Text != "/book today" || up.EditedMessage.EditDate == 0 || up.EditedMessage.CommandArguments() != "today" {
		t.Fatalf("edited_message: %+v", up)
	}
}
