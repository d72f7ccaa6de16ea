package tgemu

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Button is one keyboard button as the fake user sees it.
type Button struct {
	Text            string `json:"text"`
	CallbackData    string `json:"callback_data,omitempty"`
	URL             string `json:"url,omitempty"`
	RequestContact  bool   `json:"request_contact,omitempty"`
	RequestLocation bool   `json:"request_location,omitempty"`
	hasData         bool   // callback_data present
}

// replyKeyboard is a ReplyKeyboardMarkup the bot showed in a chat.
type replyKeyboard struct {
	Rows      [][]Button
	OneTime   bool
	Resize    bool
	Selective bool
}

// markup is a parsed reply_markup parameter.
type markup struct {
	kind       string // "inline", "reply", "remove", "force"
	inline     [][]Button
	inlineJSON json.RawMessage // canonical {"inline_keyboard":...} echoed in Message.reply_markup
	reply      *replyKeyboard
}

// Limits measured by the community (notes 2.1); Telegram answers "reply markup is too long".
const (
	maxInlineRow   = 8
	maxInlineTotal = 100
	maxReplyRow    = 12
	maxReplyTotal  = 300
	maxCallbackLen = 64
)

// isInlineAction reports whether an InlineKeyboardButton field gives the button something to do.
func isInlineAction(field string) bool {
	switch field {
	case "url", "callback_data", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
		"switch_inline_query_chosen_chat", "callback_game", "pay", "web_app", "copy_text":
		return true
	}
	return false
}

// markupKey identifies a reply_markup value and the rules it was checked under.
type markupKey struct {
	raw                 string
	private, inlineOnly bool
}

// markupCacheSize bounds the parsed keyboards kept; a bot sends a few keyboards again and again.
const markupCacheSize = 512

// parseMarkupCached is parseMarkup remembering its successes: the same reply_markup checked
// under the same rules always gives the same answer, and a parsed markup is never modified
// (messages share its rows, snapshots copy them). Errors are not kept, they are cheap and
// rare. Caller holds s.mu.
func (s *Server) parseMarkupCached(raw string, private, inlineOnly bool) (*markup, *apiError) {
	if raw == "" {
		return nil, nil
	}
	k := markupKey{raw: raw, private: private, inlineOnly: inlineOnly}
	if mk, ok := s.markups[k]; ok {
		return mk, nil
	}
	mk, err := parseMarkup(raw, private, inlineOnly)
	if err != nil {
		return nil, err
	}
	if len(s.markups) >= markupCacheSize {
		clear(s.markups)
	}
	s.markups[k] = mk
	return mk, nil
}

// parseMarkup validates reply_markup like the reference server. inlineOnly is set for the
// edit methods, which take InlineKeyboardMarkup only; private tells whether request_contact /
// request_location / web_app buttons are allowed (they are not in groups).
func parseMarkup(raw string, private, inlineOnly bool) (*markup, *apiError) {
	if raw == "" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, errBadRequest("can't parse reply keyboard markup JSON object")
	}
	if ik, ok := obj["inline_keyboard"]; ok {
		return parseInline(ik, private)
	}
	if inlineOnly {
		// Edit methods take InlineKeyboardMarkup only; anything else is treated as no keyboard
		// by the server, which then removes the inline keyboard.
		return &markup{kind: "inline"}, nil
	}
	if kb, ok := obj["keyboard"]; ok {
		return parseReply(obj, kb, private)
	}
	if rm, ok := obj["remove_keyboard"]; ok {
		if b, _ := rm.(bool); !b {
			return nil, errBadRequest(`field "remove_keyboard" must be true`)
		}
		return &markup{kind: "remove"}, nil
	}
	if fr, ok := obj["force_reply"]; ok {
		if b, _ := fr.(bool); !b {
			return nil, errBadRequest(`field "force_reply" must be true`)
		}
		return &markup{kind: "force"}, nil
	}
	return nil, nil
}

func parseInline(v any, private bool) (*markup, *apiError) {
	rows, ok := v.([]any)
	if !ok {
		return nil, errBadRequest(`field "inline_keyboard" must be of type Array`)
	}
	m := &markup{kind: "inline"}
	canon := make([][]map[string]any, 0, len(rows))
	total := 0
	for _, rv := range rows {
		row, ok := rv.([]any)
		if !ok {
			return nil, errBadRequest(`field "inline_keyboard" must be an Array of Arrays`)
		}
		if len(row) > maxInlineRow {
			return nil, errDesc(400, descMarkupTooLong)
		}
		total += len(row)
		if total > maxInlineTotal {
			return nil, errDesc(400, descMarkupTooLong)
		}
		var brow []Button
		var crow []map[string]any
		for _, bv := range row {
			obj, ok := bv.(map[string]any)
			if !ok {
				return nil, errBadRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
			}
			text, ok := obj["text"].(string)
			if !ok {
				return nil, errBadRequest(`can't parse inline keyboard button: Field "text" must be of type String`)
			}
			b := Button{Text: text}
			hasAction := false
			for k, fv := range obj {
				if fv == nil || !isInlineAction(k) {
					continue
				}
				hasAction = true
				switch k {
				case "callback_data":
					s, ok := fv.(string)
					if !ok {
						return nil, errBadRequest(`can't parse inline keyboard button: Field "callback_data" must be of type String`)
					}
					if len(s) < 1 || len(s) > maxCallbackLen {
						return nil, errDesc(400, descButtonData)
					}
					b.CallbackData, b.hasData = s, true
				case "url":
					s, ok := fv.(string)
					if !ok || s == "" {
						return nil, errBadRequest(fmt.Sprintf("inline keyboard button URL '%v' is invalid: Wrong HTTP URL", fv))
					}
					b.URL = s
				case "web_app":
					if !private {
						return nil, errDesc(400, descButtonType)
					}
				}
			}
			if !hasAction {
				return nil, errDesc(400, descTextButtons)
			}
			// Drop explicit nulls so the echoed markup looks like Telegram's.
			clean := map[string]any{}
			for k, fv := range obj {
				if fv != nil {
					clean[k] = fv
				}
			}
			brow = append(brow, b)
			crow = append(crow, clean)
		}
		m.inline = append(m.inline, brow)
		canon = append(canon, crow)
	}
	if len(m.inline) == 0 {
		// An empty inline keyboard is accepted and simply shows nothing.
		m.inlineJSON = nil
		return m, nil
	}
	raw, err := json.Marshal(map[string]any{"inline_keyboard": canon})
	if err != nil {
		return nil, errBadRequest("can't parse reply keyboard markup JSON object")
	}
	m.inlineJSON = raw
	return m, nil
}

func parseReply(obj map[string]any, v any, private bool) (*markup, *apiError) {
	rows, ok := v.([]any)
	if !ok {
		return nil, errBadRequest(`field "keyboard" must be of type Array`)
	}
	kb := &replyKeyboard{}
	total := 0
	for _, rv := range rows {
		row, ok := rv.([]any)
		if !ok {
			return nil, errBadRequest(`field "keyboard" must be an Array of Arrays`)
		}
		if len(row) > maxReplyRow {
			return nil, errDesc(400, descMarkupTooLong)
		}
		total += len(row)
		if total > maxReplyTotal {
			return nil, errDesc(400, descMarkupTooLong)
		}
		var brow []Button
		for _, bv := range row {
			var b Button
			switch bt := bv.(type) {
			case string:
				b.Text = bt
			case map[string]any:
				text, ok := bt["text"].(string)
				if !ok {
					return nil, errBadRequest(`can't parse keyboard button: Field "text" must be of type String`)
				}
				b.Text = text
				b.RequestContact, _ = bt["request_contact"].(bool)
				b.RequestLocation, _ = bt["request_location"].(bool)
				_, webApp := bt["web_app"]
				if (b.RequestContact || b.RequestLocation || webApp) && !private {
					return nil, errDesc(400, descButtonType)
				}
			default:
				return nil, errBadRequest("can't parse keyboard button: KeyboardButton must be a String or an Object")
			}
			brow = append(brow, b)
		}
		kb.Rows = append(kb.Rows, brow)
	}
	kb.OneTime, _ = obj["one_time_keyboard"].(bool)
	kb.Resize, _ = obj["resize_keyboard"].(bool)
	kb.Selective, _ = obj["selective"].(bool)
	return &markup{kind: "reply", reply: kb}, nil
}

// copyRows deep-copies a keyboard so snapshots handed to tests never alias live state.
func copyRows(rows [][]Button) [][]Button {
	if rows == nil {
		return nil
	}
	out := make([][]Button, len(rows))
	for i, r := range rows {
		out[i] = append([]Button(nil), r...)
	}
	return out
}
