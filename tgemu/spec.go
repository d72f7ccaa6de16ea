package tgemu

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The Bot API spec (PaulSonOfLars/telegram-bot-api-spec api.json, MIT, see
// LICENSE-bot-api-spec.txt). Refresh it from the shared copy with:
//
//go:generate cp ../../shared/telegram/bot-api-spec.json bot-api-spec.json
//go:embed bot-api-spec.json
var specJSON []byte

type specField struct {
	Name     string   `json:"name"`
	Types    []string `json:"types"`
	Required bool     `json:"required"`
}

type specMethod struct {
	Name   string      `json:"name"`
	Fields []specField `json:"fields"`
	byName map[string]*specField
}

// apiSpec is the parsed method list; methods are keyed by lower-cased name because Bot API
// method names are case-insensitive.
type apiSpec struct {
	Version string
	methods map[string]*specMethod // by lower-cased name
	exact   map[string]*specMethod // by the spec's own spelling, the common case
}

// legacyParams are parameters that today's server still accepts although the current spec no
// longer lists them, and that go-telegram-bot-api v5.5.1 (Bot API 5.5) sends. Refusing them
// would make the emulator stricter than Telegram in a way no bot can fix.
func legacyParams(method string) []specField {
	sendLike := []specField{
		{Name: "reply_to_message_id", Types: []string{"Integer"}},
		{Name: "allow_sending_without_reply", Types: []string{"Boolean"}},
	}
	switch method {
	case "sendMessage":
		return append(sendLike, specField{Name: "disable_web_page_preview", Types: []string{"Boolean"}})
	case "editMessageText":
		return []specField{{Name: "disable_web_page_preview", Types: []string{"Boolean"}}}
	case "sendDocument", "sendAudio", "sendVideo", "sendAnimation", "sendVideoNote":
		return append(sendLike, specField{Name: "thumb", Types: []string{"InputFile", "String"}})
	}
	if strings.HasPrefix(method, "send") || method == "copyMessage" {
		return sendLike
	}
	return nil
}

// methodAliases maps old method names the server still serves to their spec names.
func specName(method string) string {
	switch method {
	case "getChatMembersCount":
		return "getChatMemberCount"
	case "kickChatMember":
		return "banChatMember"
	}
	return method
}

func loadSpec() (*apiSpec, error) {
	var raw struct {
		Version string                 `json:"version"`
		Methods map[string]*specMethod `json:"methods"`
	}
	if err := json.Unmarshal(specJSON, &raw); err != nil {
		return nil, fmt.Errorf("parse embedded bot-api-spec.json: %w", err)
	}
	sp := &apiSpec{Version: raw.Version, methods: make(map[string]*specMethod, len(raw.Methods)), exact: make(map[string]*specMethod, len(raw.Methods))}
	for name, m := range raw.Methods {
		m.Name = name
		m.Fields = append(m.Fields, legacyParams(name)...)
		m.byName = make(map[string]*specField, len(m.Fields))
		for i := range m.Fields {
			m.byName[m.Fields[i].Name] = &m.Fields[i]
		}
		sp.methods[strings.ToLower(name)] = m
		sp.exact[name] = m
	}
	return sp, nil
}

// method returns the spec of a method by any spelling, or nil.
func (sp *apiSpec) method(name string) *specMethod {
	if m := sp.exact[name]; m != nil {
		return m
	}
	return sp.methods[strings.ToLower(specName(name))]
}

// check validates q's parameter names and value types against the spec, and removes optional
// JSON parameters sent as the literal null (go-telegram-bot-api sends entities=null,
// allowed_updates=null, ...; the reference server treats them as absent). It returns every
// finding; unless lenient, the first finding is also returned as a 400.
func (sp *apiSpec) check(q *request, lenient bool) ([]string, *apiError) {
	m := sp.method(q.method)
	if m == nil {
		return nil, nil
	}
	var problems []string
	for _, name := range q.names() {
		f := m.byName[name]
		if f == nil {
			problems = append(problems, fmt.Sprintf("unknown parameter %q for %s", name, q.method))
			continue
		}
		v, isVal := q.vals[name]
		if !isVal {
			if !hasType(f.Types, "InputFile") {
				problems = append(problems, fmt.Sprintf("parameter %q of %s must be of type %s, not a file upload", name, q.method, strings.Join(f.Types, " or ")))
			}
			continue
		}
		if strings.TrimSpace(v) == "null" && !hasType(f.Types, "String") {
			delete(q.vals, name)
			continue
		}
		if !parsedByHandler(name) && !valueFits(v, f.Types) {
			problems = append(problems, fmt.Sprintf("parameter %q of %s must be of type %s", name, q.method, strings.Join(f.Types, " or ")))
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 && !lenient {
		return problems, &apiError{Code: 400, Desc: "Bad Request: tgemu: " + problems[0]}
	}
	return problems, nil
}

// parsedByHandler names the JSON parameters the method handlers decode themselves, with
// Telegram's own wording for malformed values ("can't parse reply keyboard markup JSON
// object", ...); the spec check leaves their values to them.
func parsedByHandler(name string) bool {
	switch name {
	case "reply_markup", "entities", "caption_entities", "allowed_updates", "commands", "scope", "reply_parameters":
		return true
	}
	return false
}

func hasType(types []string, t string) bool {
	for _, x := range types {
		if x == t {
			return true
		}
	}
	return false
}

// valueFits reports whether a raw parameter value can be read as one of the spec types.
func valueFits(v string, types []string) bool {
	for _, t := range types {
		switch {
		case t == "String" || t == "InputFile":
			return true
		case t == "Integer":
			if _, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return true
			}
		case t == "Float":
			if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				return true
			}
		case t == "Boolean":
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true", "false", "1", "0":
				return true
			}
		case strings.HasPrefix(t, "Array of "):
			var arr []json.RawMessage
			if json.Unmarshal([]byte(v), &arr) == nil {
				return true
			}
		default: // an object type such as InlineKeyboardMarkup or BotCommandScope
			var obj map[string]json.RawMessage
			if json.Unmarshal([]byte(v), &obj) == nil && obj != nil {
				return true
			}
		}
	}
	return false
}

// drift lists the parameters a handler read that the spec does not define for its method.
func (sp *apiSpec) drift(q *request) []string {
	m := sp.method(q.method)
	var out []string
	for _, name := range q.read {
		if m == nil || m.byName[name] == nil {
			out = append(out, q.method+"."+name)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// SpecVersion is the Bot API version of the embedded spec, e.g. "Bot API 10.1".
func (s *Server) SpecVersion() string { return s.spec.Version }
