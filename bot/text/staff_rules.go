package text

// Texts of the staff rules' refusals and of anonymised clients: who may manage whom, who may use
// a command, a deactivated member, an owner asking to be forgotten. Apart from staff.go so that
// T's other catalogs stay as they were; staff_test.go checks both languages.

// Keys of the staff rules.
const (
	StaffNotSelf Key = "staff_not_self"
)

var staffRulesCatalog = map[Key]forms{
	StaffNotSelf: {
		"Свою роль менять и себя отключать нельзя: это может сделать другой владелец.",
		"You cannot change your own role or deactivate yourself: another owner can.",
	},
}
