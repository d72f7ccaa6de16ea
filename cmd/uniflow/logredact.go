package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
)

// Every log line UniFlow writes goes through one JSON handler whose ReplaceAttr redacts, so no
// call site has to remember to (152-ФЗ; design 5): the secrets the process was configured with
// (bot token, database and Redis passwords, webhook secret) by value; any password in a URL;
// anything in a Bot API path's token place; whole phone numbers, masked to their last two digits;
// and, in errors, every quoted part: Go's %q is how user input gets into an error ("parse amount
// \"...\""), and a message text must never reach a log. Attributes named for a message's content
// (text, caption) are dropped whatever they hold.

// newLogHandler is the one place a log handler is made; secrets are the configured secret values.
func newLogHandler(w io.Writer, level slog.Leveler, secrets ...string) slog.Handler {
	r := newRedactor(secrets...)
	return slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: r.attr})
}

type redactor struct {
	secrets []string
}

func newRedactor(secrets ...string) redactor {
	var r redactor
	for _, s := range secrets {
		// Short values would redact innocent words; real secrets are long.
		if len(s) >= 6 {
			r.secrets = append(r.secrets, s, url.PathEscape(s), url.QueryEscape(s))
		}
	}
	return r
}

var (
	// urlPassword is the password of scheme://user:password@host.
	urlPassword = regexp.MustCompile(`(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^@\s]*@`)
	// kvPassword is password=... in a key/value DSN.
	kvPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('[^']*'|\S+)`)
	// phoneLike is an international number (+7 912 000-00-01) or a Russian one written without
	// its plus (89120000001). Telegram ids are not matched: they have no plus, and no id in use
	// has 11 digits starting with 7 or 8 (supergroup ids are -100 followed by ten digits).
	phoneLike = regexp.MustCompile(`\+\d[\d\s()-]{7,17}\d|(?:^|[^\d+-])[78]\d{10}(?:$|\D)`)
	// quoted is a Go-quoted string, as %q writes it.
	quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
)

func (r redactor) attr(_ []string, a slog.Attr) slog.Attr {
	switch strings.ToLower(a.Key) {
	case "text", "caption", "message_text":
		return slog.String(a.Key, "<redacted>")
	}
	switch v := a.Value; v.Kind() {
	case slog.KindString:
		if k := strings.ToLower(a.Key); k == "err" || k == "error" {
			return slog.String(a.Key, r.redact(quoted.ReplaceAllString(v.String(), `"…"`)))
		}
		return slog.String(a.Key, r.redact(v.String()))
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, r.redact(quoted.ReplaceAllString(x.Error(), `"…"`)))
		case fmt.Stringer:
			return slog.String(a.Key, r.redact(x.String()))
		case []byte:
			return slog.String(a.Key, r.redact(string(x)))
		}
	}
	return a
}

// redact removes secrets, URL passwords, bot tokens and whole phones from s.
func (r redactor) redact(s string) string {
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, "<redacted>")
	}
	s = urlPassword.ReplaceAllString(s, "${1}<redacted>@")
	s = kvPassword.ReplaceAllString(s, "${1}<redacted>")
	s = redactSecrets(s, "") // telegram.go: the /bot<token>/ place
	return phoneLike.ReplaceAllStringFunc(s, maskPhone)
}

// maskPhone keeps a number's last two digits and whatever surrounds it.
func maskPhone(m string) string {
	digits := 0
	for _, c := range m {
		if c >= '0' && c <= '9' {
			digits++
		}
	}
	var b strings.Builder
	seen := 0
	for _, c := range m {
		if c >= '0' && c <= '9' {
			seen++
			if seen <= digits-2 {
				b.WriteByte('*')
				continue
			}
		}
		b.WriteRune(c)
	}
	return b.String()
}

// redactedText is how an error is printed outside a log (main's last word): the same rules.
func redactedText(s string, secrets ...string) string {
	return newRedactor(secrets...).redact(s)
}

// secrets are the configured values no log may show.
func (c Config) secrets() []string {
	out := []string{c.TelegramToken, c.Webhook.Secret}
	if _, secret, ok := strings.Cut(c.TelegramToken, ":"); ok {
		out = append(out, secret)
	}
	if u, err := url.Parse(c.DatabaseURL); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			out = append(out, p)
		}
	}
	if c.Redis != nil {
		out = append(out, c.Redis.Password)
	}
	if len(c.CallbackSecret) > 0 { // the buttons' key (issue 6)
		out = append(out, string(c.CallbackSecret))
	}
	return out
}
