package main

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
)

// With no TELEGRAM_BOT_TOKEN the program is the sandbox: the built-in emulator plays Telegram,
// the whole program reads the emulator's virtual clock, its data goes to a database of its own
// (sandbox.Database: DATABASE_URL's name + "_sandbox") and Redis keys under REDIS_PREFIX +
// "sandbox:", and HTTP_ADDR serves the sandbox page (sandbox/) beside /healthz.

// sandboxRedisPrefix keeps the sandbox's Redis keys apart from a shop's on the same Redis.
const sandboxRedisPrefix = "sandbox:"

// loopbackAddr reports whether addr (host:port) listens on loopback only.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// pageURL is a URL a browser on this machine can open for a server listening on addr: an
// unspecified address (0.0.0.0, [::]) is reached on loopback.
func pageURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr + "/"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// sandboxPageAllowed decides whether the sandbox page is served on addr: always on loopback;
// elsewhere only with SANDBOX_PUBLIC=true, and then with a warning, since the page has no login.
// Without the flag the server still answers /healthz, /readyz and /metrics, as with a token (a
// container binds 0.0.0.0 and its probes need them; they show nothing of the sandbox's data).
func sandboxPageAllowed(addr string, public bool, log *slog.Logger) bool {
	if loopbackAddr(addr) {
		return true
	}
	if public {
		log.Warn("the sandbox page is served beyond loopback: anyone who reaches "+addr+" can act as every persona and reset the sandbox",
			slog.String("addr", addr), slog.String("flag", envSandboxPublic))
		return true
	}
	log.Warn(fmt.Sprintf("the sandbox page is not served: %s=%s is not a loopback address; set %s=true to serve it there (it has no login)", envHTTPAddr, addr, envSandboxPublic))
	return false
}
