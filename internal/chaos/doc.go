// Package chaos holds UniFlow's crash and fault harness (issue 11), a test only: the built
// uniflow binary runs against the emulator while it is SIGKILLed and restarted, its PostgreSQL
// and Redis (its own, never the machine's shared ones) are restarted, two webhook replicas take
// turns, and a fifth of the Telegram calls fail; after each phase the database and the emulator
// are checked for lost updates, duplicates, broken chat order and stuck conversations.
//
// `go test ./internal/chaos` runs the short variant (in `make test`); `make chaos` runs the full
// one (CHAOS=full). See the README's Operations section.
package chaos
