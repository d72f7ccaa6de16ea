package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// The page stays live through server-sent events: at every change of the emulator the stream
// names the personas' chats whose messages changed, with the virtual time and who sees
// "typing...". The page then reads those chats over /__sim/, as a Telegram app would.

// tick refreshes the virtual time on the page even when nothing else changes.
const tick = time.Second

// state is what /sandbox/state and each event carry.
type state struct {
	Now      int64             `json:"now"`  // Unix seconds of the virtual clock
	Zone     string            `json:"zone"` // the shop's time zone
	Offset   int               `json:"offset"`
	Ready    bool              `json:"ready"` // the staff are set up
	Error    string            `json:"error,omitempty"`
	Personas []Persona         `json:"personas"`
	Changed  []int64           `json:"changed,omitempty"` // chats whose messages changed
	Actions  map[string]string `json:"actions,omitempty"` // chat id -> "typing", ...
}

func (sb *Sandbox) snapshot() state {
	now := sb.opts.Emu.Clock().Now()
	_, off := now.In(sb.opts.Location).Zone()
	sb.mu.Lock()
	ready, errText := sb.ready, sb.setupErr
	sb.mu.Unlock()
	st := state{Now: now.Unix(), Zone: sb.opts.Location.String(), Offset: off, Ready: ready, Error: errText, Personas: sb.Personas()}
	return st
}

func (sb *Sandbox) serveState(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": sb.snapshot()})
}

func (sb *Sandbox) serveAddClient(w http.ResponseWriter, _ *http.Request) {
	p := sb.addClient()
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": *p})
}

// fingerprint is each chat's messages as JSON, to tell which changed.
func (sb *Sandbox) fingerprint() map[int64][]byte {
	out := map[int64][]byte{}
	for _, p := range sb.Personas() {
		b, _ := json.Marshal(p.chat.Messages())
		out[p.ChatID] = b
	}
	return out
}

func (sb *Sandbox) serveEvents(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	last := map[int64][]byte{}
	var lastText []byte
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		changedCh := sb.opts.Emu.Changed()
		st := sb.snapshot()
		fp := sb.fingerprint()
		for id, b := range fp {
			if !bytes.Equal(last[id], b) {
				st.Changed = append(st.Changed, id)
			}
		}
		slices.Sort(st.Changed)
		last = fp
		st.Actions = map[string]string{}
		for _, p := range st.Personas {
			if a := p.chat.ChatAction(); a != "" {
				st.Actions[fmt.Sprint(p.ChatID)] = a
			}
		}
		body, _ := json.Marshal(st)
		// Two changes of one chat within a second make the same text: send it all the same.
		if len(st.Changed) > 0 || !bytes.Equal(body, lastText) {
			if _, err := fmt.Fprintf(w, "data: %s\n\n", body); err != nil {
				return
			}
			fl.Flush()
			lastText = body
		}
		select {
		case <-r.Context().Done():
			return
		case <-sb.stopped:
			return
		case <-changedCh:
			// Coalesce a burst (a reply, its edit, its keyboard) into one event.
			select {
			case <-r.Context().Done():
				return
			case <-time.After(30 * time.Millisecond):
			}
		case <-t.C:
		}
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// readJSON decodes a small JSON body strictly (unknown fields are refused).
func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && err != io.EOF {
		return fmt.Errorf("decode JSON body: %w", err)
	}
	return nil
}
