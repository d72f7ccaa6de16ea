package tgemu

import (
	"fmt"
	"net/http"
	"strconv"
)

// What a Telegram app shows its user beyond the messages: the command menu the bot set for the
// chat, the files in it, "clear history", and what time it is. The sandbox page (and any live
// view) reads them over /__sim/ like the rest of the user side:
//
//	GET    /__sim/chats/{id}/commands?user_id=U   -> [BotCommand] the menu U sees in the chat
//	GET    /__sim/chats/{id}/action               -> {"action"} ("typing", or "" when none shows)
//	POST   /__sim/chats/{id}/clear                (the user's "Clear history")
//	GET    /__sim/files/{file_id}                 -> the file's bytes, with its type and name
//	GET    /__sim/clock                           -> {"now"} (Unix seconds of the virtual clock)

// Changed returns a channel closed at the emulator's next change (a message, an edit, a press,
// a menu, a clock jump). A live view waits on it, reads the state, and asks again.
func (s *Server) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// MenuFor returns the command menu a Telegram app shows user userID (0: nobody in particular)
// in chat c: the most specific scope the bot set, each scope in the user's language first,
// as Telegram resolves it (chat_member, chat, all_private_chats or all_group_chats, default).
func (c *Chat) MenuFor(userID int64) []BotCommand {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	lang := ""
	if u := c.s.users[userID]; u != nil {
		lang = u.lang
	}
	all := "all_group_chats"
	if c.typ == "private" {
		all = "all_private_chats"
	}
	keys := []string{
		fmt.Sprintf("chat_member/%d/%d/", c.id, userID),
		fmt.Sprintf("chat/%d/0/", c.id),
		all + "/0/0/",
		"default/0/0/",
	}
	for _, k := range keys {
		for _, l := range []string{lang, ""} {
			if cmds, ok := c.s.commands[k+l]; ok {
				out := make([]BotCommand, 0, len(cmds))
				for _, cmd := range cmds {
					out = append(out, BotCommand(cmd))
				}
				return out
			}
		}
	}
	return nil
}

// ClearHistory is the user's "Clear history": the chat's messages and reply keyboard are gone
// from the app; the bot can no longer edit them, and new messages go on numbering.
func (c *Chat) ClearHistory() {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.msgs = nil
	c.byID = map[int]*message{}
	c.replyKB = nil
	c.action = ""
	c.s.notify()
}

func (s *Server) simCommands(w http.ResponseWriter, r *http.Request) {
	c, aerr := s.simChat(r.PathValue("id"))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var userID int64
	if v := r.URL.Query().Get("user_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			simBad(w, fmt.Sprintf("user_id %q is not an integer", v))
			return
		}
		userID = id
	}
	type command struct {
		Command     string `json:"command"`
		Description string `json:"description"`
	}
	out := []command{}
	for _, m := range c.MenuFor(userID) {
		out = append(out, command{m.Command, m.Description})
	}
	simOK(w, out)
}

func (s *Server) simChatActionNow(w http.ResponseWriter, r *http.Request) {
	c, aerr := s.simChat(r.PathValue("id"))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	simOK(w, map[string]string{"action": c.ChatAction()})
}

func (s *Server) simClear(w http.ResponseWriter, r *http.Request) {
	c, aerr := s.simChat(r.PathValue("id"))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	c.ClearHistory()
	simOK(w, true)
}

// simFile serves a file of a chat to the user side: a Telegram app downloads by file_id with
// no bot token.
func (s *Server) simFile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f := s.files[r.PathValue("file_id")]
	s.mu.Unlock()
	if f == nil {
		writeError(w, errDesc(404, "Not Found: file not found"))
		return
	}
	w.Header().Set("Content-Type", f.mime)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	disp := "attachment"
	if f.kind == "photo" {
		disp = "inline"
	}
	name := f.name
	if name == "" {
		name = "file"
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf("%s; filename=%q", disp, name))
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	_, _ = w.Write(f.data)
}

func (s *Server) simClock(w http.ResponseWriter, _ *http.Request) {
	simOK(w, map[string]int64{"now": s.clock.Now().Unix()})
}
