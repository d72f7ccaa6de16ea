package tgemu

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// fileParam resolves a photo/document parameter: a multipart upload, an existing file_id or an
// HTTP URL (fetched like Telegram does). Caller holds s.mu; a URL fetch happens without it.
func (s *Server) fileParam(ctx context.Context, q *request, name, kind string, limit int, missing string) (*storedFile, *apiError) {
	if up := q.file(name); up != nil {
		if len(up.Data) > limit {
			return nil, errDesc(400, descFileTooBig)
		}
		if len(up.Data) == 0 {
			return nil, errBadRequest("file must be non-empty")
		}
		return s.addFile(kind, up.Name, mimeFor(up.Name, up.Data), up.Data), nil
	}
	ref := strings.TrimSpace(q.str(name))
	if ref == "" {
		return nil, errDesc(400, missing)
	}
	if strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") {
		s.mu.Unlock()
		data, err := fetchURL(ctx, ref, limit)
		s.mu.Lock()
		if err != nil {
			return nil, errBadRequest("failed to get HTTP URL content")
		}
		base := ref[strings.LastIndex(ref, "/")+1:]
		return s.addFile(kind, base, mimeFor(base, data), data), nil
	}
	if strings.HasPrefix(ref, "attach://") {
		return nil, errDesc(400, missing)
	}
	f := s.files[ref]
	if f == nil {
		return nil, errDesc(400, descWrongFileID)
	}
	return f, nil
}

func fetchURL(ctx context.Context, url string, limit int) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("build request for %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: status %d", url, resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", url, err)
	}
	if len(data) > limit {
		return nil, fmt.Errorf("fetch %s: larger than %d bytes", url, limit)
	}
	return data, nil
}

// prepareMedia does what every media send starts with: the common checks and the caption.
// Caller holds s.mu.
func (s *Server) prepareMedia(q *request) (*outgoing, *apiError) {
	o, err := s.prepareSend(q)
	if err != nil {
		return nil, err
	}
	caption, ents, err := s.formatText(q.str("caption"), q.str("parse_mode"), q.str("caption_entities"), true)
	if err != nil {
		return nil, err
	}
	o.msg.caption, o.msg.captionEntities, o.msg.html = caption, ents, q.str("caption")
	return o, nil
}

func (s *Server) sendPhoto(ctx context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.prepareMedia(q)
	if err != nil {
		return nil, err
	}
	f, err := s.fileParam(ctx, q, "photo", "photo", maxPhotoUpload, descNoPhoto)
	if err != nil {
		return nil, err
	}
	if f.width == 0 || f.height == 0 {
		// Telegram re-encodes photos; bytes that are no image fail there.
		return nil, errBadRequest("IMAGE_PROCESS_FAILED")
	}
	if f.width+f.height > 10000 || max(f.width, f.height) > 20*min(f.width, f.height) {
		return nil, errBadRequest("PHOTO_INVALID_DIMENSIONS")
	}
	o.msg.photo = s.photoSizes(f)
	return s.commit(o)
}

func (s *Server) sendDocument(ctx context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.prepareMedia(q)
	if err != nil {
		return nil, err
	}
	f, err := s.fileParam(ctx, q, "document", "document", maxDocumentUpload, descNoDocument)
	if err != nil {
		return nil, err
	}
	o.msg.document = &wDocument{FileID: f.id, FileUniqueID: f.uniqueID, FileName: f.name, MimeType: f.mime, FileSize: len(f.data)}
	return s.commit(o)
}

func (s *Server) getFile(_ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := strings.TrimSpace(q.str("file_id"))
	f := s.files[id]
	if f == nil {
		return nil, errDesc(400, descInvalidFileID)
	}
	if len(f.data) > maxDownload {
		return nil, errDesc(400, descFileTooBig)
	}
	return wFile{FileID: f.id, FileUniqueID: f.uniqueID, FileSize: len(f.data), FilePath: f.path}, nil
}
