package importer

import "fmt"

// Code says what is wrong with a value; Problem carries it with the reason in both languages.
type Code string

// The problem codes.
const (
	CodeMissing    Code = "missing"     // a mandatory value is empty
	CodePhone      Code = "phone"       // not a phone number
	CodePlate      Code = "plate"       // not a licence plate
	CodeVIN        Code = "vin"         // not a VIN: 17 letters and digits without I, O, Q
	CodeNumber     Code = "number"      // not a number, or out of range
	CodeMoney      Code = "money"       // not an amount of money
	CodeDate       Code = "date"        // not a date
	CodeBool       Code = "bool"        // not yes or no
	CodeType       Code = "type"        // not "service" or "part"
	CodeTooLong    Code = "too_long"    // longer than the field holds
	CodeInvalid    Code = "invalid"     // a combination the record cannot hold (a service with stock)
	CodeNoOwner    Code = "no_owner"    // a vehicle's phone is no client's
	CodeOtherOwner Code = "other_owner" // the vehicle belongs to another client
	CodeOtherKind  Code = "other_kind"  // the catalog has the item as the other type
	CodeDuplicate  Code = "duplicate"   // an earlier row of the file has the same key
	CodeConflict   Code = "conflict"    // the database has another value
)

// reasons are the texts of the codes, English then Russian; %v is the code's detail (a line
// number, a limit) where the text has one.
var reasons = map[Code][2]string{
	CodeMissing:    {"required value is empty", "обязательное значение не заполнено"},
	CodePhone:      {"not a phone number", "не номер телефона"},
	CodePlate:      {"not a licence plate", "не госномер"},
	CodeVIN:        {"not a VIN (17 letters and digits, no I, O, Q)", "не VIN (17 букв и цифр без I, O, Q)"},
	CodeNumber:     {"not a number in range", "не число или вне допустимого"},
	CodeMoney:      {"not an amount of money", "не сумма денег"},
	CodeDate:       {"not a date (DD.MM.YYYY)", "не дата (ДД.ММ.ГГГГ)"},
	CodeBool:       {"not yes or no", "не да или нет"},
	CodeType:       {"type is not service or part", "тип не услуга и не товар"},
	CodeTooLong:    {"too long, at most %v characters", "слишком длинно, не больше %v символов"},
	CodeInvalid:    {"%v", "%v"},
	CodeNoOwner:    {"no client with this phone: import clients first", "нет клиента с таким телефоном: сначала импортируйте клиентов"},
	CodeOtherOwner: {"the car belongs to another client (%v)", "машина принадлежит другому клиенту (%v)"},
	CodeOtherKind:  {"the catalog has it as %v: kept", "в каталоге это %v: оставлено"},
	CodeDuplicate:  {"repeats line %v", "повтор строки %v"},
	CodeConflict:   {"the database has %q: kept", "в базе %q: оставлено"},
}

// problem builds a Problem with both texts of code; detail fills the texts' %v (or, for
// CodeInvalid, is a pair of English and Russian texts).
func problem(line int, column, value string, code Code, detail ...any) Problem {
	t := reasons[code]
	p := Problem{Line: line, Column: column, Value: value, Code: code, Reason: t[0], ReasonRU: t[1]}
	switch {
	case code == CodeInvalid && len(detail) == 2:
		p.Reason, p.ReasonRU = fmt.Sprint(detail[0]), fmt.Sprint(detail[1])
	case len(detail) > 0:
		p.Reason, p.ReasonRU = fmt.Sprintf(t[0], detail...), fmt.Sprintf(t[1], detail...)
	}
	return p
}
