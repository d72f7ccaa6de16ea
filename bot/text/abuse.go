package text

import "fmt"

// FloodWarning is said once to a user who sends too much too fast, before their updates are
// ignored for cooldown. It is polite: a person tapping quickly reads it too.
func FloodWarning(l Lang, cooldown string) string {
	if l == EN {
		return fmt.Sprintf("You are sending messages too quickly. Please wait %s and try again: until then I will not answer.", cooldown)
	}
	return fmt.Sprintf("Вы отправляете сообщения слишком часто. Пожалуйста, подождите %s и повторите: до тех пор я не смогу ответить.", cooldown)
}

// Seconds words a short wait, for FloodWarning.
func Seconds(l Lang, n int) string {
	if l == EN {
		return fmt.Sprintf("%d %s", n, PluralEN(int64(n), "second", "seconds"))
	}
	return fmt.Sprintf("%d %s", n, PluralRU(int64(n), "секунду", "секунды", "секунд"))
}
