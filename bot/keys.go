package bot

import (
	"strconv"
	"time"
)

// Redis keys, one function per kind. Everything in Redis may be lost: a lost
// key costs at most a half-finished dialog or one duplicate check.

// updateTTL matches Telegram's 24-hour limit on keeping an update, after
// which it can no longer be delivered again.
const updateTTL = 24 * time.Hour

// conversationTTL is how long a half-finished booking waits for the client.
const conversationTTL = 6 * time.Hour

// drawnTTL is how long we remember what a message shows. Edits of older
// messages are rare; forgetting costs at most one refused no-op edit.
const drawnTTL = 7 * 24 * time.Hour

func drawnKey(prefix string, chatID int64, messageID int) string {
	return prefix + "drawn:" + strconv.FormatInt(chatID, 10) + ":" + strconv.Itoa(messageID)
}

// updateKey is scoped to the bot: update ids are only unique per bot, and a
// new bot (or a new emulator) starts counting again from its own number.
func updateKey(prefix string, botID int64, updateID int) string {
	return prefix + "upd:" + strconv.FormatInt(botID, 10) + ":" + strconv.Itoa(updateID)
}

func conversationKey(prefix string, userID int64) string {
	return prefix + "conv:" + strconv.FormatInt(userID, 10)
}

// leadSourceKey keeps the first lead source a user came with (a deep link's "/start src_flyer")
// beyond one conversation. It lives as long as a conversation would.
func leadSourceKey(prefix string, userID int64) string {
	return prefix + "lead:" + strconv.FormatInt(userID, 10)
}
