package tgemu

import "fmt"

// ReplyIn sends text in chat c as a reply to message to (Telegram's "Reply"): the update carries
// reply_to_message, as a staff member answering a message the bot posted in a group.
func (u *User) ReplyIn(c *Chat, to Message, text string) (Message, error) {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	if c.migratedTo != 0 {
		c = u.s.chats[c.migratedTo]
	}
	target, err := u.s.liveMessage(to)
	if err != nil {
		return Message{}, err
	}
	if target.chat != c {
		return Message{}, fmt.Errorf("tgemu: message %d is in chat %d, not %d", to.ID, to.ChatID, c.id)
	}
	return u.post(c, &message{text: text, entities: userEntities(text), replyTo: target}), nil
}

// sendReplying sends text in c, as a reply to message replyTo of c when it is not 0.
func (u *User) sendReplying(c *Chat, replyTo int, text string) (Message, error) {
	if replyTo == 0 {
		return u.SendIn(c, text), nil
	}
	to, ok := c.Message(replyTo)
	if !ok {
		return Message{}, errDesc(404, fmt.Sprintf("Not Found: message %d not found in chat %d", replyTo, c.ID()))
	}
	return u.ReplyIn(c, to, text)
}
