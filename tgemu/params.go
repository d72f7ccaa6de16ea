package tgemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Upload limits of the cloud Bot API (notes 2.1): photos 10 MB, other files 50 MB.
const (
	maxPhotoUpload    = 10 << 20
	maxDocumentUpload = 50 << 20
	maxRequestBody    = maxDocumentUpload + 1<<20
)

// upload is one file part of a multipart request.
type upload struct {
	Name string // file name as sent by the client
	Data []byte
}

// request holds the parameters of one Bot API call, whatever transport carried them: query
// string, urlencoded, JSON or multipart. Values are kept as the raw strings Telegram would see;
// JSON bodies have their non-string values re-encoded as JSON text, exactly as the reference
// server treats them.
type request struct {
	method string // canonical spelling, e.g. "sendMessage"
	vals   map[string]string
	files  map[string]*upload
	// read records every parameter name a handler looked at (repeats included: a slice is
	// much cheaper per request than a set), so that a test can prove the emulator only
	// accepts parameters the spec defines (see Server.SpecDrift).
	read []string
}

// readRequest collects every parameter of r. Query-string values come first and body values
// override them, as in the reference server.
func readRequest(r *http.Request) (*request, error) {
	req := &request{vals: map[string]string{}, files: map[string]*upload{}, read: make([]string, 0, 16)}
	if r.URL.RawQuery != "" {
		for k, vs := range r.URL.Query() {
			if len(vs) > 0 {
				req.vals[k] = vs[len(vs)-1]
			}
		}
	}
	if r.Method != http.MethodPost || r.Body == nil {
		return req, nil
	}
	body := http.MaxBytesReader(nil, r.Body, maxRequestBody)
	ctype, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ctype {
	case "application/json":
		raw, err := io.ReadAll(body)
		if err != nil {
			return nil, fmt.Errorf("read JSON body: %w", err)
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			return req, nil
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, fmt.Errorf("decode JSON body: %w", err)
		}
		for k, v := range obj {
			if string(bytes.TrimSpace(v)) == "null" {
				continue // a JSON null is an absent parameter
			}
			var s string
			if err := json.Unmarshal(v, &s); err == nil {
				req.vals[k] = s
				continue
			}
			req.vals[k] = string(v)
		}
	case "multipart/form-data":
		mr := multipart.NewReader(body, ctParams["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("read multipart body: %w", err)
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return nil, fmt.Errorf("read multipart part %q: %w", part.FormName(), err)
			}
			if part.FileName() != "" {
				req.files[part.FormName()] = &upload{Name: part.FileName(), Data: data}
				continue
			}
			req.vals[part.FormName()] = string(data)
		}
	default:
		// urlencoded, or a POST without a content type: both parse as a form.
		raw, err := io.ReadAll(body)
		if err != nil {
			return nil, fmt.Errorf("read form body: %w", err)
		}
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, fmt.Errorf("decode form body: %w", err)
		}
		for k, vs := range form {
			if len(vs) > 0 {
				req.vals[k] = vs[len(vs)-1]
			}
		}
	}
	return req, nil
}

// has reports whether a parameter is present (a JSON null counts as absent, see dropNulls).
func (q *request) has(name string) bool {
	q.mark(name)
	_, ok := q.vals[name]
	return ok
}

func (q *request) str(name string) string {
	q.mark(name)
	return q.vals[name]
}

func (q *request) file(name string) *upload {
	q.mark(name)
	return q.files[name]
}

func (q *request) mark(name string) {
	q.read = append(q.read, name)
}

// int64Param parses an integer parameter. ok is false when it is absent.
func (q *request) int64Param(name string) (v int64, ok bool, err *apiError) {
	q.mark(name)
	s, present := q.vals[name]
	if !present || s == "" {
		return 0, false, nil
	}
	n, perr := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if perr != nil {
		return 0, false, errBadRequest(fmt.Sprintf("parameter %q must be an Integer", name))
	}
	return n, true, nil
}

func (q *request) intParam(name string) (int, bool, *apiError) {
	v, ok, err := q.int64Param(name)
	return int(v), ok, err
}

// boolParam accepts the spellings the reference server accepts.
func (q *request) boolParam(name string) bool {
	q.mark(name)
	switch strings.ToLower(strings.TrimSpace(q.vals[name])) {
	case "true", "1":
		return true
	}
	return false
}

// messageID returns the required message_id parameter.
func (q *request) messageID() (int, *apiError) {
	id, ok, err := q.intParam("message_id")
	if err != nil || !ok || id <= 0 {
		return 0, errDesc(400, descMsgIDMissing)
	}
	return id, nil
}

// logParams renders the parameters for the call log; uploaded files are shown by name and size
// instead of their bytes.
func (q *request) logParams() map[string]string {
	out := make(map[string]string, len(q.vals)+len(q.files))
	for k, v := range q.vals {
		out[k] = v
	}
	for k, f := range q.files {
		out[k] = fmt.Sprintf("<file %s, %d bytes>", f.Name, len(f.Data))
	}
	return out
}

// names lists every parameter name, sorted, for deterministic error messages.
func (q *request) names() []string {
	out := make([]string, 0, len(q.vals)+len(q.files))
	for k := range q.vals {
		out = append(out, k)
	}
	for k := range q.files {
		if _, dup := q.vals[k]; !dup {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
