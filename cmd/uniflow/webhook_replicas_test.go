package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// roundRobin is a load balancer in front of webhook replicas: each delivery goes to the next one.
type roundRobin struct {
	next    atomic.Int64
	proxies []*httputil.ReverseProxy
	served  []atomic.Int64
}

func newRoundRobin(backends ...string) *roundRobin {
	lb := &roundRobin{served: make([]atomic.Int64, len(backends))}
	for _, b := range backends {
		lb.proxies = append(lb.proxies, httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: b}))
	}
	return lb
}

func (lb *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(lb.next.Add(1)) % len(lb.proxies)
	lb.served[i].Add(1)
	lb.proxies[i].ServeHTTP(w, r)
}

// Two replicas in webhook mode behind a load balancer that alternates between them: a client who
// types a whole booking without waiting for a single reply still gets every answer in its step,
// because a replica answers Telegram only once the update was handled, and Telegram sends a
// chat's next update only after that answer, to whichever replica.
func TestWebhookReplicasKeepChatOrder(t *testing.T) {
	t.Parallel()
	lbAddr, addr1, addr2 := freeAddr(t), freeAddr(t), freeAddr(t)
	lb := newRoundRobin(addr1, addr2)
	lbSrv := &http.Server{Addr: lbAddr, Handler: lb}
	go func() {
		if err := lbSrv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("load balancer: %v", err)
		}
	}()
	t.Cleanup(func() { _ = lbSrv.Close() })

	h := newHarness(t, tgemu.Options{}, map[string]string{
		"TELEGRAM_WEBHOOK_URL":    "http://" + lbAddr + "/tg/hook",
		"TELEGRAM_WEBHOOK_SECRET": webhookSecret,
		"WEBHOOK_LISTEN":          addr1,
	})
	h.start()
	defer h.stop()
	env2 := map[string]string{}
	for k, v := range h.env {
		env2[k] = v
	}
	env2["WEBHOOK_LISTEN"] = addr2
	ctx, cancel := context.WithCancel(context.Background())
	var second sync.WaitGroup
	second.Go(func() {
		if err := run(ctx, []string{"run"}, func(k string) string { return env2[k] }, &syncBuffer{}); err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("second replica: %v", err)
		}
	})
	defer func() { cancel(); second.Wait() }()
	for registered := 0; registered < 2; {
		calls := 0
		for _, c := range h.emu.Calls() {
			if c.Method == "setWebhook" && c.Status == 200 {
				calls++
			}
		}
		registered = calls
		if registered < 2 {
			time.Sleep(20 * time.Millisecond)
		}
	}

	l := langs[0]
	u := h.emu.NewUser(tgemu.UserOptions{FirstName: "Анна", LanguageCode: l.code})
	c := u.Chat()
	u.Start("")
	for _, answer := range []string{"+79161234567", "Анна", "Kia Rio", "2015", "А123ВС77", "стучит подвеска"} {
		u.Send(answer) // no waiting for the bot between answers
	}
	slots := h.next(c, 0, l.askSlot)
	h.press(u, slots, l.noSlotButton)
	summary := h.next(c, slots.ID, l.summary)
	for _, want := range []string{"+79161234567", "Анна", "Kia Rio", "2015", "А123ВС77", "стучит подвеска"} {
		if !strings.Contains(summary.Text, want) {
			t.Errorf("the summary lacks %q: an answer was handled out of its step\n%s", want, summary.Text)
		}
	}
	if a, b := lb.served[0].Load(), lb.served[1].Load(); a < 3 || b < 3 {
		t.Errorf("deliveries per replica: %d and %d, want both replicas to take part", a, b)
	}
}
