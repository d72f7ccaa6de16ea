package importer

import (
	"strings"
	"unicode"
)

// field is a value a row can carry.
type field int

const (
	fNone field = iota
	// clients (and the owner of a vehicle)
	fPhone
	fName
	fSource
	fConsent
	fCompany
	// vehicles
	fPlate
	fVIN
	fMake
	fModel
	fYear
	fMileage
	fLastVisit
	// catalog
	fSKU
	fType
	fItemName
	fUnit
	fPrice
	fStock
	fMinStock
	fNorm
	fRepeatDays
	fRepeatKm
	nFields // how many there are
)

// column is a field of a kind: its canonical header (the first name) and the synonyms read.
type column struct {
	f     field
	names []string
}

// columns are the fields of each kind in the order Headers gives them. Synonyms are compared
// by headerKey, so case, spaces and punctuation do not matter ("Гос. номер" is "госномер").
var columns = map[Kind][]column{
	KindClients: {
		{fPhone, []string{"Телефон", "Тел", "Телефон клиента", "Мобильный", "Мобильный телефон", "Сотовый", "Номер телефона", "Phone", "Phone number", "Mobile", "Tel", "Telephone"}},
		{fName, []string{"ФИО", "Имя", "Клиент", "Фамилия Имя", "Имя клиента", "Name", "Full name", "Client", "Customer"}},
		{fSource, []string{"Источник", "Откуда", "Источник клиента", "Source", "Lead source"}},
		{fConsent, []string{"Согласие на рассылку", "Согласие", "Рассылка", "Marketing consent", "Consent", "Newsletter"}},
		{fCompany, []string{"Компания", "Юрлицо", "Юр. лицо", "Юридическое лицо", "Company", "Is company"}},
	},
	KindVehicles: {
		{fPhone, []string{"Телефон", "Тел", "Телефон клиента", "Телефон владельца", "Мобильный", "Phone", "Owner phone", "Mobile", "Tel"}},
		{fPlate, []string{"Госномер", "Гос номер", "Гос. номер", "Номер авто", "Номер автомобиля", "Регистрационный номер", "Номер", "Plate", "License plate", "Licence plate", "Registration"}},
		{fVIN, []string{"VIN", "VIN-код", "VIN код", "ВИН", "Номер кузова"}},
		{fMake, []string{"Марка", "Производитель", "Make", "Brand"}},
		{fModel, []string{"Модель", "Model"}},
		{fYear, []string{"Год", "Год выпуска", "Year"}},
		{fMileage, []string{"Пробег", "Пробег км", "Одометр", "Mileage", "Odometer", "Km"}},
		{fLastVisit, []string{"Дата последнего визита", "Последний визит", "Дата визита", "Last visit", "Last visit date"}},
	},
	KindCatalog: {
		{fSKU, []string{"Артикул", "Код", "Код товара", "Артикул товара", "SKU", "Code", "Part number", "Article"}},
		{fType, []string{"Тип", "Вид", "Type", "Kind"}},
		{fItemName, []string{"Наименование", "Название", "Товар", "Услуга", "Name", "Title", "Description"}},
		{fUnit, []string{"Ед.", "Ед", "Ед. изм.", "Единица", "Единица измерения", "Unit", "UoM"}},
		{fPrice, []string{"Цена", "Стоимость", "Цена продажи", "Розничная цена", "Price", "Cost", "Retail price"}},
		{fStock, []string{"Остаток", "Кол-во", "Количество", "Наличие", "Stock", "Qty", "Quantity", "On hand"}},
		{fMinStock, []string{"Мин. остаток", "Минимальный остаток", "Мин остаток", "Min stock", "Minimum stock", "Reorder level"}},
		{fNorm, []string{"Нормо-часы", "Нормочасы", "Норма", "Норма часов", "Норма времени", "Norm hours", "Hours", "Labour hours"}},
		{fRepeatDays, []string{"Повтор дней", "Повтор, дней", "Повтор через дней", "Repeat days", "Repeat after days"}},
		{fRepeatKm, []string{"Повтор км", "Повтор, км", "Повтор через км", "Repeat km", "Repeat after km"}},
	},
}

// Headers returns the canonical headers of a kind, in order: what export writes and import
// reads back. nil for an unknown kind.
func Headers(k Kind) []string {
	cols := columns[k]
	if cols == nil {
		return nil
	}
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.names[0]
	}
	return out
}

// headerKey is how headers are compared: lower case, ё as е, letters and digits only.
func headerKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r == 'ё':
			b.WriteRune('е')
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mapHeader tells which field each column of a header row is (fNone: unknown), and lists the
// unknown non-empty headers. A field named twice is read from its first column; the second is
// reported as unknown.
func mapHeader(k Kind, header []string) (fields []field, unknown []string) {
	byKey := map[string]field{}
	for _, c := range columns[k] {
		for _, n := range c.names {
			byKey[headerKey(n)] = c.f
		}
	}
	seen := map[field]bool{}
	fields = make([]field, len(header))
	for i, h := range header {
		f := byKey[headerKey(h)]
		if f != fNone && !seen[f] {
			fields[i] = f
			seen[f] = true
			continue
		}
		if strings.TrimSpace(h) != "" {
			unknown = append(unknown, strings.TrimSpace(h))
		}
	}
	return fields, unknown
}

// HasKnownColumn reports whether a header row has a column of kind.
func HasKnownColumn(k Kind, header []string) bool {
	fields, _ := mapHeader(k, header)
	for _, f := range fields {
		if f != fNone {
			return true
		}
	}
	return false
}
