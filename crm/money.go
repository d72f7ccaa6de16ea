package crm

import (
	"strconv"
	"strings"
)

// Money is an amount in kopecks.
type Money int64

// String formats m the Russian way: "1 234,56 ₽", "-5,00 ₽". Groups are separated by plain spaces.
func (m Money) String() string {
	neg := m < 0
	u := uint64(m)
	if neg {
		u = uint64(-m) // correct for math.MinInt64 too, by two's complement
	}
	rub, kop := u/100, u%100
	digits := strconv.FormatUint(rub, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(d)
	}
	b.WriteByte(',')
	if kop < 10 {
		b.WriteByte('0')
	}
	b.WriteString(strconv.FormatUint(kop, 10))
	b.WriteString(" ₽")
	return b.String()
}
