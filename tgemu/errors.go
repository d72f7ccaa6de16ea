package tgemu

import (
	"fmt"
	"strings"
)

// apiError is a failed Bot API call as Telegram reports it: the HTTP status equals Code and
// Desc already carries Telegram's prefix ("Bad Request: ", "Forbidden: ", ...).
type apiError struct {
	Code       int
	Desc       string
	RetryAfter int   // seconds, only for 429
	MigrateTo  int64 // only for "group chat was upgraded to a supergroup chat"
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Desc) }

// Exact descriptions of the reference server (tdlib/telegram-bot-api), see notes 2.1/2.2.
const (
	descNotModified     = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
	descQueryTooOld     = "Bad Request: query is too old and response timeout expired or query ID is invalid"
	descBlocked         = "Forbidden: bot was blocked by the user"
	descCantInitiate    = "Forbidden: bot can't initiate conversation with a user"
	descDeactivated     = "Forbidden: user is deactivated"
	descKickedGroup     = "Forbidden: bot was kicked from the group chat"
	descKickedSuper     = "Forbidden: bot was kicked from the supergroup chat"
	descConflictPoll    = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
	descConflictWebhook = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
	descConflictSetHook = "Conflict: terminated by setWebhook request"
	descUnauthorized    = "Unauthorized"
	descNotFound        = "Not Found: method not found"
	descMigrated        = "Bad Request: group chat was upgraded to a supergroup chat"
	descChatNotFound    = "Bad Request: chat not found"
	descTextEmpty       = "Bad Request: message text is empty"
	descTooLong         = "Bad Request: message is too long"
	descRawTooLong      = "Bad Request: text is too long"
	descCaptionTooLong  = "Bad Request: message caption is too long"
	descButtonData      = "Bad Request: BUTTON_DATA_INVALID"
	descButtonType      = "Bad Request: BUTTON_TYPE_INVALID"
	descTextButtons     = "Bad Request: text buttons are unallowed in the inline keyboard"
	descMarkupTooLong   = "Bad Request: reply markup is too long"
	descEditNotFound    = "Bad Request: message to edit not found"
	descCantEdit        = "Bad Request: message can't be edited"
	descDeleteNotFound  = "Bad Request: message to delete not found"
	descCantDelete      = "Bad Request: message can't be deleted"
	descReplyNotFound   = "Bad Request: message to be replied not found"
	descMsgIDMissing    = "Bad Request: message identifier is not specified"
	descChatIDEmpty     = "Bad Request: chat_id is empty"
	descFileTooBig      = "Bad Request: file is too big"
	descWrongFileID     = "Bad Request: wrong file_id or the file is temporarily unavailable"
	descInvalidFileID   = "Bad Request: invalid file_id"
	descNoPhoto         = "Bad Request: there is no photo in the request"
	descNoDocument      = "Bad Request: there is no document in the request"
	descBadParseMode    = "Bad Request: unsupported parse_mode"
	descUserNotFound    = "Bad Request: user not found"
	descCopyNotFound    = "Bad Request: message to copy not found"
	descFwdNotFound     = "Bad Request: message to forward not found"
	descBadAction       = "Bad Request: wrong parameter action in request"
	descWebhookSet      = "Webhook was set"
	descWebhookIsSet    = "Webhook is already set"
	descWebhookDeleted  = "Webhook was deleted"
	descWebhookNotSet   = "Webhook is already deleted"
)

func errBadRequest(detail string) *apiError {
	return &apiError{Code: 400, Desc: "Bad Request: " + lowerFirst(detail)}
}

func errDesc(code int, desc string) *apiError { return &apiError{Code: code, Desc: desc} }

func errTooMany(retryAfter int) *apiError {
	if retryAfter < 1 {
		retryAfter = 1
	}
	return &apiError{Code: 429, Desc: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), RetryAfter: retryAfter}
}

func errMigrated(to int64) *apiError {
	return &apiError{Code: 400, Desc: descMigrated, MigrateTo: to}
}

// lowerFirst mirrors the reference server: the first letter of a detail is lower-cased
// unless the detail is an UPPER_CASE error code such as BUTTON_DATA_INVALID.
func lowerFirst(s string) string {
	if s == "" || strings.ToUpper(s) == s {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
