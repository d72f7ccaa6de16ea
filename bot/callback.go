package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxCallbackData is Telegram's limit on callback_data, in bytes.
const maxCallbackData = 64

// action is what a button does. Codes are one letter to keep callback data
// short: buttons carry ids and a version, never names.
type action string

const (
	// Order actions; ID is the order, Version the order version the card showed.
	actTake       action = "t" // take a new request
	actAssignMenu action = "a" // show mechanics to assign
	actAssignTo   action = "m" // Arg: mechanic staff id
	actStatus     action = "s" // Arg: target status
	actRefresh    action = "r" // redraw the card

	// Booking actions; Version is the conversation's nonce, so a button from
	// an earlier conversation is recognised as stale.
	actVehicle   action = "v" // ID: vehicle id, 0 for a new car
	actSlot      action = "l" // ID: slot start, Unix seconds
	actNoSlot    action = "n" // book without a time
	actSkip      action = "k" // skip an optional question
	actConfirm   action = "c"
	actEdit      action = "e"
	actEditField action = "f" // Arg: field name
	actCancel    action = "x"

	// Menu actions, valid at any time.
	actMenuBook action = "B"
	actMenuMy   action = "M"
)

var knownActions = map[action]bool{
	actTake: true, actAssignMenu: true, actAssignTo: true, actStatus: true, actRefresh: true,
	actVehicle: true, actSlot: true, actNoSlot: true, actSkip: true, actConfirm: true, actEdit: true,
	actEditField: true, actCancel: true, actMenuBook: true, actMenuMy: true,
	// Order work (issue 4): work_actions.go.
	actCatalogPage: true, actItem: true, actItemAdd: true, actItemEdit: true, actReceiveItem: true,
	actWork: true, actLineAdd: true, actLinePick: true, actLineSearchPg: true, actLine: true,
	actLineQty: true, actLinePrice: true, actLineRemove: true, actNeedPart: true,
	actSendEstimate: true, actRecordMenu: true, actDiscount: true, actPayMenu: true, actPay: true,
	actHistory: true, actDoc: true, actCorrect: true, actDecide: true, actRecord: true,
	actEstPage: true, actNewOrder: true, actQty: true,
	// Scheduler (issue 7): booking_answers.go, jobs_command.go.
	actBookingAnswer: true, actBookingSlot: true, actRunJob: true,
	// Staff, audit and personal data (issue 6): staff_admin.go.
	actStaffList: true, actStaffShow: true, actStaffRole: true, actStaffOff: true, actStaffOffSure: true,
	actAuditPage: true, actForgetConfirm: true, actForgetKeep: true,
	// Offers, feedback, the digest, campaigns (issue 7): offers.go.
	actOfferBook: true, actOfferUnsub: true, actRate: true, actDigestOpen: true, actCampaign: true,
	actSubscribe: true,
	// Owner reports (issue 9): report.go.
	actReport: true,
	// Import and export (issue 8): import_flow.go, export_command.go.
	actImportKind: true, actImportApply: true, actImportCancel: true, actImportStop: true,
	actImportUndo: true, actExport: true,
	// Clients' messages to the shop (issue 7): client_messages.go.
	actClientAnswered: true, actClientMessage: true,
}

// callback is the typed content of a button's callback_data.
type callback struct {
	Action  action
	ID      int64
	Version int64
	Arg     string
}

var errBadCallback = errors.New("malformed callback data")

// encode packs c as "a:id:version:arg" with numbers in base 36, the payload
// that is sealed with a tag on its way out (callback_seal.go). It panics on a
// payload that would not fit 64 bytes with its tag: that is a programming
// error, and the codec test checks the longest possible values.
func (c callback) encode() string {
	s := string(c.Action) + ":" + strconv.FormatInt(c.ID, 36) + ":" + strconv.FormatInt(c.Version, 36)
	if c.Arg != "" {
		s += ":" + c.Arg
	}
	if len(s) > maxPayload {
		panic(fmt.Sprintf("callback payload %q is %d bytes, over the %d that fit Telegram's %d with the tag", s, len(s), maxPayload, maxCallbackData))
	}
	return s
}

// decodeCallback parses a payload (opened by openCallback). The client
// controls every byte, so anything unexpected is an error, never a guess.
func decodeCallback(data string) (callback, error) {
	if len(data) == 0 || len(data) > maxPayload {
		return callback{}, errBadCallback
	}
	parts := strings.Split(data, ":")
	if len(parts) < 3 || len(parts) > 4 || !knownActions[action(parts[0])] {
		return callback{}, errBadCallback
	}
	id, err := strconv.ParseInt(parts[1], 36, 64)
	if err != nil || id < 0 {
		return callback{}, errBadCallback
	}
	ver, err := strconv.ParseInt(parts[2], 36, 64)
	if err != nil || ver < 0 {
		return callback{}, errBadCallback
	}
	c := callback{Action: action(parts[0]), ID: id, Version: ver}
	if len(parts) == 4 {
		if !validArg(parts[3]) {
			return callback{}, errBadCallback
		}
		c.Arg = parts[3]
	}
	return c, nil
}

func validArg(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
