package text

// StatusName is an order status as a person reads it. Statuses are plain
// strings here so that this package stays free of the domain.
func StatusName(l Lang, status string) string {
	names, ok := statusNames[status]
	if !ok {
		return status
	}
	if l == EN {
		return names.en
	}
	return names.ru
}

// StatusAction is the label of a button that moves an order into status.
func StatusAction(l Lang, status string) string {
	names, ok := statusActions[status]
	if !ok {
		return StatusName(l, status)
	}
	if l == EN {
		return names.en
	}
	return names.ru
}

var statusNames = map[string]forms{
	"new":           {"новая заявка", "new request"},
	"accepted":      {"принят", "accepted"},
	"diagnosing":    {"диагностика", "diagnosing"},
	"estimate":      {"смета на согласовании", "estimate awaiting approval"},
	"approved":      {"смета согласована", "estimate approved"},
	"declined":      {"смета отклонена", "estimate declined"},
	"in_progress":   {"в работе", "in progress"},
	"waiting_parts": {"ждём запчасти", "waiting for parts"},
	"ready":         {"готов к выдаче", "ready for pick-up"},
	"delivered":     {"выдан", "delivered"},
	"closed":        {"закрыт", "closed"},
	"cancelled":     {"отменён", "cancelled"},
}

var statusActions = map[string]forms{
	"accepted":      {"✅ Принять", "✅ Accept"},
	"diagnosing":    {"🔍 Диагностика", "🔍 Diagnose"},
	"estimate":      {"🧾 Смета", "🧾 Estimate"},
	"in_progress":   {"🔧 В работу", "🔧 Start work"},
	"waiting_parts": {"📦 Ждём запчасти", "📦 Wait for parts"},
	"ready":         {"🏁 Готов", "🏁 Ready"},
	"delivered":     {"🚗 Выдан", "🚗 Delivered"},
	"closed":        {"📁 Закрыть", "📁 Close"},
	"cancelled":     {"✖️ Отменить", "✖️ Cancel"},
}

// RoleName is a staff role as a person reads it.
func RoleName(l Lang, role string) string {
	names, ok := roleNames[role]
	if !ok {
		return role
	}
	if l == EN {
		return names.en
	}
	return names.ru
}

var roleNames = map[string]forms{
	"owner":    {"владелец", "owner"},
	"admin":    {"администратор", "admin"},
	"manager":  {"менеджер", "manager"},
	"mechanic": {"механик", "mechanic"},
}
