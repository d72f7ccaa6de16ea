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
