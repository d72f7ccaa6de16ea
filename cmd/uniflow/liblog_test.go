package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestTelegramLibLoggerRedacts(t *testing.T) {
	var buf bytes.Buffer
	l := newTelegramLibLogger(&buf)
	l.Printf("Endpoint: %s, params: %v", "https://api.telegram.org/bot"+testToken+"/getUpdates", "x")
	l.Println(`Post "https://api.telegram.org/bot` + testToken + `/getUpdates": EOF`)
	if strings.Contains(buf.String(), "SECRET") {
		t.Errorf("library log reveals the token:\n%s", buf.String())
	}
	if strings.Count(buf.String(), `"component":"tgbotapi"`) != 2 {
		t.Errorf("want two JSON lines tagged component=tgbotapi, got:\n%s", buf.String())
	}
}

func TestRedisLibLoggerWritesJSON(t *testing.T) {
	var buf bytes.Buffer
	newRedisLibLogger(&buf).Printf(context.Background(), "redis: dial %s: %s", "127.0.0.1:6379", "refused")
	if !strings.Contains(buf.String(), `"level":"WARN","msg":"redis: dial 127.0.0.1:6379: refused","component":"go-redis"`) {
		t.Errorf("got %s", buf.String())
	}
}
