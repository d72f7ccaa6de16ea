package tgemu

import "fmt"

// MigrateToSupergroup upgrades a group to a supergroup, as Telegram does when a group gets an
// admin feature. The old chat id then answers 400 "group chat was upgraded to a supergroup
// chat" with parameters.migrate_to_chat_id; the bot receives the two service messages
// (migrate_to_chat_id in the old chat, migrate_from_chat_id in the new one).
func (c *Chat) MigrateToSupergroup() (*Chat, error) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.typ != "group" || c.migratedTo != 0 {
		return nil, fmt.Errorf("tgemu: chat %d is not a basic group that can be upgraded", c.id)
	}
	s.nextSuper += 7
	nc := s.newChat(-s.nextSuper, "supergroup", c.title)
	nc.creator = c.creator
	for id, u := range c.members {
		nc.members[id] = u
	}
	by := c.creator
	if by == nil {
		by = s.serviceUser()
	}
	old := &message{from: by, service: &wMessage{MigrateToChatID: nc.id}}
	c.addMessage(old)
	c.migratedTo = nc.id
	nw := &message{from: by, service: &wMessage{MigrateFromChatID: c.id}}
	nc.addMessage(nw)
	if !c.botKicked {
		ow, neww := old.wire(s), nw.wire(s)
		s.enqueue("message", c.id, func(up *wUpdate) { up.Message = ow })
		s.enqueue("message", nc.id, func(up *wUpdate) { up.Message = neww })
	}
	s.notify()
	return nc, nil
}

// RemoveBot removes the bot from a group: sends then fail with 403 "bot was kicked from the
// group chat" and the bot receives a my_chat_member update.
func (c *Chat) RemoveBot(by *User) { c.setBotMember(by, false) }

// AddBot adds the bot (back) to a group, with a my_chat_member update.
func (c *Chat) AddBot(by *User) { c.setBotMember(by, true) }

func (c *Chat) setBotMember(by *User, member bool) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.typ == "private" || c.botKicked == !member {
		return
	}
	if by == nil {
		by = s.serviceUser()
	}
	c.botKicked = !member
	oldS, newS := "member", "kicked"
	if member {
		oldS, newS = "left", "member"
	}
	bot := s.botWire()
	upd := &wChatMemberUpdated{Chat: c.wire(), From: by.wire(), Date: s.clock.Now().Unix(),
		OldChatMember: wChatMember{Status: oldS, User: bot}, NewChatMember: wChatMember{Status: newS, User: bot}}
	if !member {
		zero := int64(0)
		upd.NewChatMember.UntilDate = &zero
	}
	s.enqueue("my_chat_member", c.id, func(up *wUpdate) { up.MyChatMember = upd })
	s.notify()
}

// MigratedTo is the supergroup id a migrated group moved to (0 if it did not).
func (c *Chat) MigratedTo() int64 {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.migratedTo
}

// serviceUser is Telegram's service account (id 777000), the author of service messages that
// no fake user caused. Caller holds s.mu.
func (s *Server) serviceUser() *User {
	const id = 777000
	if u := s.users[id]; u != nil {
		return u
	}
	u := &User{s: s, id: id, first: "Telegram", started: true}
	s.users[id] = u
	return u
}

// Reset forgets every user, chat, message, file, callback, command list, call, delivery, fault
// and webhook, as a fresh server would, except that update ids keep growing: Telegram never
// reuses an update_id, and a bot that persisted its offset must not skip new updates.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hook != nil {
		s.hook.cancel()
		s.hook = nil
	}
	if s.poll != nil {
		close(s.poll.abort)
		s.poll = nil
	}
	s.users, s.chats = map[int64]*User{}, map[int64]*Chat{}
	s.updates, s.allowed, s.lastPoll = nil, nil, pollMemo{}
	s.callbacks, s.files, s.filePaths = map[string]*callbackQuery{}, map[string]*storedFile{}, map[string]*storedFile{}
	s.markups = map[markupKey]*markup{}
	s.commands, s.calls, s.deliveries, s.specDrift = map[string][]wBotCommand{}, nil, nil, nil
	s.limits = newRateLimiter(s.opts.GlobalRate)
	s.faults.rules = nil
	s.dupDelivery = false
	s.notify()
}
