package tgemu

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"image"
	_ "image/gif" // photo dimensions of GIF uploads
	_ "image/jpeg"
	_ "image/png"
	"mime"
	"net/http"
	"path"
	"strings"
)

// Download limit of getFile on the cloud Bot API (notes 2.1).
const maxDownload = 20 << 20

// storedFile is a file the emulator keeps: uploaded by the bot or sent by a fake user.
type storedFile struct {
	id       string
	uniqueID string
	kind     string // "photo", "document", "sticker", "voice"
	path     string
	name     string
	mime     string
	data     []byte
	width    int
	height   int
}

// addFile stores data and mints a file_id in Telegram's style (opaque base64url). Caller holds s.mu.
func (s *Server) addFile(kind, name, mimeType string, data []byte) *storedFile {
	s.nextFileNo++
	n := s.nextFileNo
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d/%d", s.token, n, len(data)))
	prefix := map[string]string{"photo": "AgACAgIAAxkB", "document": "BQACAgIAAxkB", "sticker": "CAACAgIAAxkB", "voice": "AwACAgIAAxkB"}[kind]
	if prefix == "" {
		prefix = "BQACAgIAAxkB"
	}
	dir := map[string]string{"photo": "photos", "sticker": "stickers", "voice": "voice"}[kind]
	if dir == "" {
		dir = "documents"
	}
	ext := path.Ext(name)
	if ext == "" {
		ext = map[string]string{"photo": ".jpg", "sticker": ".webp", "voice": ".oga"}[kind]
	}
	f := &storedFile{
		id:       prefix + base64.RawURLEncoding.EncodeToString(sum[:24]),
		uniqueID: "AQAD" + base64.RawURLEncoding.EncodeToString(sum[24:]),
		kind:     kind,
		path:     fmt.Sprintf("%s/file_%d%s", dir, n, ext),
		name:     name,
		mime:     mimeType,
		data:     data,
	}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
		f.width, f.height = cfg.Width, cfg.Height
	}
	s.files[f.id] = f
	s.filePaths[f.path] = f
	return f
}

// photoSizes renders a stored photo as Telegram does: a thumbnail (when the photo is larger
// than 320 px) and the full size, each with its own file_id.
func (s *Server) photoSizes(f *storedFile) []wPhotoSize {
	full := wPhotoSize{FileID: f.id, FileUniqueID: f.uniqueID, Width: f.width, Height: f.height, FileSize: len(f.data)}
	if f.width <= 320 && f.height <= 320 {
		return []wPhotoSize{full}
	}
	scale := 320.0 / float64(max(f.width, f.height))
	thumb := s.addFile("photo", f.name, f.mime, f.data)
	thumb.width, thumb.height = max(1, int(float64(f.width)*scale)), max(1, int(float64(f.height)*scale))
	return []wPhotoSize{
		{FileID: thumb.id, FileUniqueID: thumb.uniqueID, Width: thumb.width, Height: thumb.height, FileSize: len(thumb.data)},
		full,
	}
}

func mimeFor(name string, data []byte) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		t, _, _ = strings.Cut(t, ";")
		return t
	}
	t, _, _ := strings.Cut(http.DetectContentType(data), ";")
	return t
}

// serveFile answers /file/bot<token>/<file_path>.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot")
	if !ok {
		writeError(w, errDesc(404, "Not Found"))
		return
	}
	token, fpath, _ := strings.Cut(rest, "/")
	if token != s.token {
		writeError(w, errDesc(401, descUnauthorized))
		return
	}
	s.mu.Lock()
	f := s.filePaths[fpath]
	s.mu.Unlock()
	if f == nil {
		writeError(w, errDesc(404, "Not Found: file not found"))
		return
	}
	w.Header().Set("Content-Type", f.mime)
	w.Header().Set("Content-Length", fmt.Sprint(len(f.data)))
	_, _ = w.Write(f.data)
}

// FileData returns the bytes behind a file_id (what the bot uploaded or a user sent).
func (s *Server) FileData(fileID string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[fileID]
	if f == nil {
		return nil, false
	}
	return append([]byte(nil), f.data...), true
}
