package main

import (
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/jackc/pgx/v5/pgxpool"
)

// No Docker engine runs in CI, so the compose file is checked the way
// `docker compose config` would: with compose-go's real loader (schema,
// interpolation, consistency), plus what UniFlow itself needs of it.

// loadCompose loads docker-compose.yml with a fixed environment, so the
// developer's shell cannot change what is tested.
func loadCompose(t *testing.T, environ ...string) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"../../docker-compose.yml"},
		cli.WithWorkingDirectory("../.."),
		cli.WithEnv(environ),
	)
	if err != nil {
		t.Fatalf("compose options: %v", err)
	}
	p, err := opts.LoadProject(t.Context())
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	return p
}

func TestComposeServices(t *testing.T) {
	p := loadCompose(t)

	names := p.ServiceNames()
	slices.Sort(names)
	if !slices.Equal(names, []string{"postgres", "redis", "uniflow"}) {
		t.Fatalf("services %v, want postgres, redis, uniflow", names)
	}
	app, pg, rd := p.Services["uniflow"], p.Services["postgres"], p.Services["redis"]

	if app.Build == nil || app.Build.Context == "" {
		t.Errorf("uniflow: want build from the repository, got %+v", app.Build)
	}
	if pg.Image != "postgres:16" || rd.Image != "redis:7" {
		t.Errorf("images %q and %q, want postgres:16 and redis:7", pg.Image, rd.Image)
	}

	for _, s := range []types.ServiceConfig{pg, rd} {
		if s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) == 0 {
			t.Errorf("%s: want a health check, got %+v", s.Name, s.HealthCheck)
		}
		dep, ok := app.DependsOn[s.Name]
		if !ok || dep.Condition != types.ServiceConditionHealthy {
			t.Errorf("uniflow depends_on %s = %+v, want condition %s", s.Name, dep, types.ServiceConditionHealthy)
		}
	}

	wantVolumes := map[string]struct {
		service types.ServiceConfig
		target  string
	}{
		"pgdata":    {pg, "/var/lib/postgresql/data"},
		"redisdata": {rd, "/data"},
	}
	for name, want := range wantVolumes {
		if _, ok := p.Volumes[name]; !ok {
			t.Errorf("named volume %s not declared", name)
		}
		mounted := slices.ContainsFunc(want.service.Volumes, func(v types.ServiceVolumeConfig) bool {
			return v.Type == types.VolumeTypeVolume && v.Source == name && v.Target == want.target
		})
		if !mounted {
			t.Errorf("%s: volume %s not mounted at %s: %+v", want.service.Name, name, want.target, want.service.Volumes)
		}
	}
}

// Every variable config.go reads is set on the uniflow service, and the
// result is a valid configuration pointing at the compose services: the
// defaults that suit `make run` (loopback) are wrong in a container.
func TestComposeEnvironmentIsValidConfig(t *testing.T) {
	p := loadCompose(t, "TELEGRAM_BOT_TOKEN=123456:ABCdef", "OWNER_TELEGRAM_IDS=42", "POSTGRES_PASSWORD=s3cret")
	app, pg := p.Services["uniflow"], p.Services["postgres"]

	for _, v := range configVars() {
		if _, ok := app.Environment[v.Name]; !ok {
			t.Errorf("uniflow environment does not set %s", v.Name)
		}
	}
	getenv := func(k string) string {
		if v := app.Environment[k]; v != nil {
			return *v
		}
		return ""
	}
	if getenv(envTelegramToken) != "123456:ABCdef" || getenv(envOwnerIDs) != "42" {
		t.Errorf("token and owners are not passed through from the shell")
	}

	cfg, err := loadConfig(getenv)
	if err != nil {
		t.Fatalf("the compose environment is not a valid configuration: %v", err)
	}
	db, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	c := db.ConnConfig
	env := func(k string) string {
		if v := pg.Environment[k]; v != nil {
			return *v
		}
		return ""
	}
	if c.Host != "postgres" || c.User != env("POSTGRES_USER") || c.Password != env("POSTGRES_PASSWORD") || c.Database != env("POSTGRES_DB") {
		t.Errorf("DATABASE_URL is %s@%s/%s, want it to match the postgres service (%s@postgres/%s, same password)",
			c.User, c.Host, c.Database, env("POSTGRES_USER"), env("POSTGRES_DB"))
	}
	if cfg.Redis.Addr != "redis:6379" {
		t.Errorf("REDIS_URL points at %s, want the redis service", cfg.Redis.Addr)
	}
	if host, _, _ := net.SplitHostPort(cfg.HTTPAddr); host != "0.0.0.0" && host != "" {
		t.Errorf("HTTP_ADDR %s: in a container /healthz must listen beyond loopback", cfg.HTTPAddr)
	}
	if u, _ := url.Parse(cfg.TelegramAPIURL); u == nil || u.Host != "api.telegram.org" {
		t.Errorf("TELEGRAM_API_URL %s, want the real Bot API by default", cfg.TelegramAPIURL)
	}
}

func TestComposeWithoutTokenRunsEmulator(t *testing.T) {
	p := loadCompose(t)
	if v := p.Services["uniflow"].Environment[envTelegramToken]; v == nil || *v != "" {
		t.Errorf("with no token in the shell, TELEGRAM_BOT_TOKEN should be empty (emulator mode), got %v", v)
	}
}

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	var froms []string
	for line := range strings.SplitSeq(df, "\n") {
		if f, ok := strings.CutPrefix(strings.TrimSpace(line), "FROM "); ok {
			froms = append(froms, f)
		}
	}
	if len(froms) < 2 || !strings.HasPrefix(froms[0], "golang:") || !strings.Contains(froms[len(froms)-1], "distroless/static") {
		t.Errorf("want a golang build stage and a distroless/static runtime stage, got FROM %q", froms)
	}
	for _, want := range []string{"CGO_ENABLED=0", "USER nonroot", "./cmd/uniflow"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	ignore, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ignore), ".env") || !strings.Contains(string(ignore), ".git") {
		t.Errorf(".dockerignore must keep .git and .env (secrets) out of the build context")
	}
}

// The replicas override (deploy/replicas.compose.yml) loads with the main file: UniFlow in
// webhook mode with one callback key for all replicas and no host port (so it can scale), and
// Caddy in front publishing 443 with the Caddyfile that spreads deliveries.
func TestComposeReplicas(t *testing.T) {
	env := []string{"WEBHOOK_DOMAIN=crm.example.com", "TELEGRAM_WEBHOOK_SECRET=s3cret", "CALLBACK_SECRET=" + strings.Repeat("k", 32)}
	opts, err := cli.NewProjectOptions([]string{"../../docker-compose.yml", "../../deploy/replicas.compose.yml"},
		cli.WithWorkingDirectory("../.."), cli.WithEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(t.Context())
	if err != nil {
		t.Fatalf("docker-compose.yml with deploy/replicas.compose.yml does not load: %v", err)
	}
	app, ok := p.Services["uniflow"]
	if !ok {
		t.Fatal("no uniflow service")
	}
	if got := app.Environment["TELEGRAM_WEBHOOK_URL"]; got == nil || *got != "https://crm.example.com/telegram/webhook" {
		t.Errorf("TELEGRAM_WEBHOOK_URL = %v", got)
	}
	if got := app.Environment["CALLBACK_SECRET"]; got == nil || *got == "" {
		t.Errorf("CALLBACK_SECRET not set for the replicas")
	}
	if len(app.Ports) != 0 {
		t.Errorf("uniflow publishes %v on the host: replicas could not scale", app.Ports)
	}
	// The replicas' environment is still a valid configuration.
	vars := map[string]string{}
	for k, v := range app.Environment {
		if v != nil {
			vars[k] = *v
		}
	}
	if _, err := loadConfig(func(k string) string { return vars[k] }); err != nil {
		t.Errorf("the replicas' environment is not a valid configuration: %v", err)
	}
	caddy, ok := p.Services["caddy"]
	if !ok {
		t.Fatal("no caddy service")
	}
	published := false
	for _, port := range caddy.Ports {
		published = published || port.Published == "443"
	}
	if !published {
		t.Errorf("caddy publishes %v, want 443", caddy.Ports)
	}
	caddyfile, err := os.ReadFile("../../deploy/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"dynamic a uniflow 8443", "health_uri /readyz", "/telegram/webhook"} {
		if !strings.Contains(string(caddyfile), want) {
			t.Errorf("the Caddyfile lacks %q", want)
		}
	}
	// Without the variables it needs, the override refuses to load rather than run half set up.
	opts, _ = cli.NewProjectOptions([]string{"../../docker-compose.yml", "../../deploy/replicas.compose.yml"},
		cli.WithWorkingDirectory("../.."), cli.WithEnv(nil))
	if _, err := opts.LoadProject(t.Context()); err == nil || !strings.Contains(err.Error(), "WEBHOOK_DOMAIN") {
		t.Errorf("loading without WEBHOOK_DOMAIN: %v, want an error naming it", err)
	}
}
