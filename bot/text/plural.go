package text

// PluralRU picks one of three forms by the Russian rule: 1 заказ, 2 заказа,
// 5 заказов, 21 заказ, 11 заказов.
func PluralRU(n int64, one, few, many string) string {
	if n < 0 {
		n = -n
	}
	switch mod10, mod100 := n%10, n%100; {
	case mod10 == 1 && mod100 != 11:
		return one
	case mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14):
		return few
	default:
		return many
	}
}

// PluralEN picks the English singular or plural.
func PluralEN(n int64, one, other string) string {
	if n == 1 || n == -1 {
		return one
	}
	return other
}
