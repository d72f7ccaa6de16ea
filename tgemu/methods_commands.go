package tgemu

import (
	"context"
	"encoding/json"
	"fmt"
)

// commandScopeKey turns scope + language_code into the key commands are stored under.
// Telegram keeps one list per exact (scope, language) pair; getMyCommands does not fall back.
func (s *Server) commandScopeKey(q *request) (string, *apiError) {
	lang := q.str("language_code")
	if lang != "" && (len(lang) != 2 || !isAlpha(lang[0]) || !isAlpha(lang[1])) {
		return "", errBadRequest("invalid language code specified")
	}
	typ := "default"
	var chatID, userID int64
	if raw := q.str("scope"); raw != "" {
		var sc struct {
			Type   string          `json:"type"`
			ChatID json.RawMessage `json:"chat_id"`
			UserID int64           `json:"user_id"`
		}
		if err := json.Unmarshal([]byte(raw), &sc); err != nil {
			return "", errBadRequest("can't parse BotCommandScope JSON object")
		}
		typ = sc.Type
		switch typ {
		case "default", "all_private_chats", "all_group_chats", "all_chat_administrators":
		case "chat", "chat_administrators", "chat_member":
			q2 := &request{vals: map[string]string{"chat_id": trimJSONString(sc.ChatID)}}
			c, err := s.resolveChat(q2, "chat_id")
			if err != nil {
				return "", err
			}
			chatID = c.id
			if typ == "chat_member" {
				if s.users[sc.UserID] == nil {
					return "", errDesc(400, descUserNotFound)
				}
				userID = sc.UserID
			}
		default:
			return "", errBadRequest("wrong BotCommandScope type specified")
		}
	}
	return fmt.Sprintf("%s/%d/%d/%s", typ, chatID, userID, lang), nil
}

func trimJSONString(raw json.RawMessage) string {
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return str
	}
	return string(raw)
}

func validCommand(c string) bool {
	if len(c) < 1 || len(c) > 32 {
		return false
	}
	for i := 0; i < len(c); i++ {
		ch := c[i]
		if !(ch >= 'a' && ch <= 'z') && !(ch >= '0' && ch <= '9') && ch != '_' {
			return false
		}
	}
	return true
}

func (s *Server) setMyCommands(_ context.Context, q *request) (any, *apiError) {
	var cmds []wBotCommand
	if raw := q.str("commands"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &cmds); err != nil {
			return nil, errBadRequest("can't parse commands JSON object")
		}
	} else {
		return nil, errBadRequest("parameter \"commands\" is required")
	}
	if len(cmds) > 100 {
		return nil, errBadRequest("too many commands specified")
	}
	for _, c := range cmds {
		if !validCommand(c.Command) {
			return nil, errDesc(400, "Bad Request: BOT_COMMAND_INVALID")
		}
		if n := runeCount(c.Description); n < 1 || n > 256 {
			return nil, errDesc(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key, err := s.commandScopeKey(q)
	if err != nil {
		return nil, err
	}
	if len(cmds) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = cmds
	}
	s.notify()
	return true, nil
}

func (s *Server) getMyCommands(_ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key, err := s.commandScopeKey(q)
	if err != nil {
		return nil, err
	}
	out := append([]wBotCommand{}, s.commands[key]...)
	return out, nil
}

func (s *Server) deleteMyCommands(_ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key, err := s.commandScopeKey(q)
	if err != nil {
		return nil, err
	}
	delete(s.commands, key)
	s.notify()
	return true, nil
}

// BotCommand is one entry of the bot's command menu.
type BotCommand struct {
	Command     string
	Description string
}

// Commands returns the menu the bot set for the default scope and language "" (the one users
// see without a more specific list).
func (s *Server) Commands() []BotCommand {
	return s.CommandsFor("default", 0, "")
}

// CommandsFor returns the commands stored for a scope type ("default", "all_private_chats",
// "chat", ...), chat id (0 when the scope has none) and language code.
func (s *Server) CommandsFor(scope string, chatID int64, lang string) []BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []BotCommand
	for _, c := range s.commands[fmt.Sprintf("%s/%d/%d/%s", scope, chatID, 0, lang)] {
		out = append(out, BotCommand(c))
	}
	return out
}
