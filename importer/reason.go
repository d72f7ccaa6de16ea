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
	CodeDigitsLost Code = "digits_lost" // a number in scientific notation lost its last digits
	CodeFuture     Code = "future"      // a date after today
	CodeDateRange  Code = "date_range"  // a date before 1990
	CodeEncoding   Code = "encoding"    // the row is not valid UTF-8 in a UTF-8 file
	CodeConsent    Code = "consent"     // the client withdrew marketing consent: an import never turns it on
	CodeMileage    Code = "mileage"     // a reading lower than an earlier one (or higher than a later one)
	CodeOpenOrders Code = "open_orders" // the car has open orders: its owner is not changed
	CodeForgotten  Code = "forgotten"   // the phone's owner asked to be forgotten (/forget_me)
	CodeFilled     Code = "filled"      // not a problem: a conflicting row filled this field
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
	CodeDigitsLost: {"a number in scientific notation lost its last digits: format the column as text and type the numbers again",
		"число в экспоненциальной записи потеряло последние цифры: задайте столбцу текстовый формат и введите номера заново"},
	CodeFuture:     {"date in the future", "дата в будущем"},
	CodeDateRange:  {"date before 1990: not a visit date", "дата раньше 1990 года: не дата визита"},
	CodeEncoding:   {"not valid UTF-8 text (the row is in another encoding): fix the row and import it again", "текст не в кодировке UTF-8 (строка в другой кодировке): исправьте строку и загрузите её снова"},
	CodeConsent:    {"the client withdrew consent to offers: an import never turns it back on", "клиент отказался от рассылки: импорт не включает её снова"},
	CodeMileage:    {"mileage lower than the reading of %v: not recorded", "пробег меньше показания %v: не записан"},
	CodeOpenOrders: {"the car has open orders (%v): its owner is not changed", "у машины открытые заказы (%v): владелец не меняется"},
	CodeForgotten:  {"this phone's owner asked to be forgotten (/forget_me): the row is not imported", "владелец этого телефона просил удалить свои данные (/forget_me): строка не загружена"},
	CodeFilled:     {"filled from the file (the row also has a conflict)", "заполнено из файла (в строке есть и конфликт)"},
}

// problem builds a Problem with both texts of code; detail fills the texts' %v (or, for
// CodeInvalid, is a pair of English and Russian texts).
func problem(line int, column, value string, code Code, detail ...any) Problem {
	value = shorten(value)
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

// maxShownValue is how much of a value a problem shows: a 2 MB cell would flood the terminal and
// the problems file, and its start says which it is.
const maxShownValue = 200

// shorten cuts a value longer than maxShownValue characters, saying how long it was.
func shorten(s string) string {
	if len(s) <= maxShownValue {
		return s
	}
	r := []rune(s)
	if len(r) <= maxShownValue {
		return s
	}
	return fmt.Sprintf("%s… (%d characters)", string(r[:maxShownValue]), len(r))
}
