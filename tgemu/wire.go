package tgemu

import "encoding/json"

// Wire objects, with the field names of the Bot API spec. Only what the emulator produces is
// declared; optional fields use omitempty so that absent means absent, like Telegram.

type wUser struct {
	ID                      int64  `json:"id"`
	IsBot                   bool   `json:"is_bot"`
	FirstName               string `json:"first_name"`
	LastName                string `json:"last_name,omitempty"`
	Username                string `json:"username,omitempty"`
	LanguageCode            string `json:"language_code,omitempty"`
	CanJoinGroups           *bool  `json:"can_join_groups,omitempty"`
	CanReadAllGroupMessages *bool  `json:"can_read_all_group_messages,omitempty"`
	SupportsInlineQueries   *bool  `json:"supports_inline_queries,omitempty"`
}

type wChat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	Username  string `json:"username,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

type wEntity struct {
	Type     string `json:"type"`
	Offset   int    `json:"offset"`
	Length   int    `json:"length"`
	URL      string `json:"url,omitempty"`
	User     *wUser `json:"user,omitempty"`
	Language string `json:"language,omitempty"`
	EmojiID  string `json:"custom_emoji_id,omitempty"`
}

type wPhotoSize struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wDocument struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileName     string `json:"file_name,omitempty"`
	MimeType     string `json:"mime_type,omitempty"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wSticker struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Type         string `json:"type"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	IsAnimated   bool   `json:"is_animated"`
	IsVideo      bool   `json:"is_video"`
	Emoji        string `json:"emoji,omitempty"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wVoice struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Duration     int    `json:"duration"`
	MimeType     string `json:"mime_type,omitempty"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wLocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

type wContact struct {
	PhoneNumber string `json:"phone_number"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name,omitempty"`
	UserID      int64  `json:"user_id,omitempty"`
	VCard       string `json:"vcard,omitempty"`
}

type wMessage struct {
	MessageID         int             `json:"message_id"`
	From              *wUser          `json:"from,omitempty"`
	Date              int64           `json:"date"`
	Chat              wChat           `json:"chat"`
	ForwardFrom       *wUser          `json:"forward_from,omitempty"`
	ForwardDate       int64           `json:"forward_date,omitempty"`
	ReplyToMessage    *wMessage       `json:"reply_to_message,omitempty"`
	EditDate          int64           `json:"edit_date,omitempty"`
	Text              string          `json:"text,omitempty"`
	Entities          []wEntity       `json:"entities,omitempty"`
	Caption           string          `json:"caption,omitempty"`
	CaptionEntities   []wEntity       `json:"caption_entities,omitempty"`
	Photo             []wPhotoSize    `json:"photo,omitempty"`
	Document          *wDocument      `json:"document,omitempty"`
	Sticker           *wSticker       `json:"sticker,omitempty"`
	Voice             *wVoice         `json:"voice,omitempty"`
	Contact           *wContact       `json:"contact,omitempty"`
	Location          *wLocation      `json:"location,omitempty"`
	NewChatMembers    []wUser         `json:"new_chat_members,omitempty"`
	GroupChatCreated  bool            `json:"group_chat_created,omitempty"`
	MigrateToChatID   int64           `json:"migrate_to_chat_id,omitempty"`
	MigrateFromChatID int64           `json:"migrate_from_chat_id,omitempty"`
	ReplyMarkup       json.RawMessage `json:"reply_markup,omitempty"`
}

type wCallbackQuery struct {
	ID           string    `json:"id"`
	From         wUser     `json:"from"`
	Message      *wMessage `json:"message,omitempty"`
	ChatInstance string    `json:"chat_instance"`
	Data         string    `json:"data,omitempty"`
}

type wChatMember struct {
	Status string `json:"status"`
	User   wUser  `json:"user"`
	// Administrator rights are not modelled; the bot is an ordinary member in groups.
	UntilDate *int64 `json:"until_date,omitempty"`
}

type wChatMemberUpdated struct {
	Chat          wChat       `json:"chat"`
	From          wUser       `json:"from"`
	Date          int64       `json:"date"`
	OldChatMember wChatMember `json:"old_chat_member"`
	NewChatMember wChatMember `json:"new_chat_member"`
}

type wUpdate struct {
	UpdateID      int                 `json:"update_id"`
	Message       *wMessage           `json:"message,omitempty"`
	EditedMessage *wMessage           `json:"edited_message,omitempty"`
	CallbackQuery *wCallbackQuery     `json:"callback_query,omitempty"`
	MyChatMember  *wChatMemberUpdated `json:"my_chat_member,omitempty"`
}

type wFile struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileSize     int    `json:"file_size,omitempty"`
	FilePath     string `json:"file_path,omitempty"`
}

type wBotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

type wMessageID struct {
	MessageID int `json:"message_id"`
}

type wWebhookInfo struct {
	URL                  string   `json:"url"`
	HasCustomCertificate bool     `json:"has_custom_certificate"`
	PendingUpdateCount   int      `json:"pending_update_count"`
	IPAddress            string   `json:"ip_address,omitempty"`
	LastErrorDate        int64    `json:"last_error_date,omitempty"`
	LastErrorMessage     string   `json:"last_error_message,omitempty"`
	MaxConnections       int      `json:"max_connections,omitempty"`
	AllowedUpdates       []string `json:"allowed_updates,omitempty"`
}
