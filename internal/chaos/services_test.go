package chaos

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// The harness restarts PostgreSQL and Redis, so it runs its own of each: the machine's are
// shared with other tests and must never be restarted or flushed.

// freePort is a TCP port nobody listened on a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// postgres is a PostgreSQL cluster of the harness's own.
type postgres struct {
	t      *testing.T
	bin    string // the directory of initdb, pg_ctl, postgres
	dir    string
	port   int
	asUser string // "postgres" when we run as root (PostgreSQL refuses to), else ""
}

// startPostgres initdbs a cluster in a temporary directory and starts it on a free port; it
// skips the test when PostgreSQL's server binaries are not installed.
func startPostgres(t *testing.T) *postgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	slices.Sort(bins)
	if len(bins) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			bins = []string{p}
		}
	}
	if len(bins) == 0 {
		t.Skip("chaos: PostgreSQL's initdb not found (/usr/lib/postgresql/*/bin/initdb or on PATH); the harness needs a PostgreSQL of its own")
	}
	pg := &postgres{t: t, bin: filepath.Dir(bins[len(bins)-1]), port: freePort(t)}
	dir, err := os.MkdirTemp("", "uniflow-chaos-pg-")
	if err != nil {
		t.Fatal(err)
	}
	pg.dir = dir
	t.Cleanup(func() {
		_ = pg.ctl("stop", "-m", "immediate")
		_ = os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("chaos: running as root and there is no postgres user to run PostgreSQL as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		pg.asUser = "postgres"
	}
	if out, err := pg.command(filepath.Join(pg.bin, "initdb"), "-D", pg.data(), "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--no-sync", "--locale", "C").CombinedOutput(); err != nil {
		t.Fatalf("chaos: initdb: %v\n%s", err, out)
	}
	if err := pg.start(); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(context.Background(), pg.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE DATABASE uniflow"); err != nil {
		t.Fatal(err)
	}
	return pg
}

func (pg *postgres) data() string { return filepath.Join(pg.dir, "data") }

func (pg *postgres) command(name string, args ...string) *exec.Cmd {
	if pg.asUser != "" {
		return exec.Command("runuser", append([]string{"-u", pg.asUser, "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}

func (pg *postgres) ctl(args ...string) error {
	args = append([]string{"-D", pg.data(), "-w", "-t", "60"}, args...)
	if out, err := pg.command(filepath.Join(pg.bin, "pg_ctl"), args...).CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl %v: %v\n%s", args, err, out)
	}
	return nil
}

// start runs the server; fsync is off, as nothing here must survive the machine.
func (pg *postgres) start() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
		pg.port, pg.dir)
	return pg.ctl("-l", filepath.Join(pg.dir, "log"), "-o", opts, "start")
}

// restart stops the server the way an operator's restart does (fast: connections are cut) and
// starts it again; down is how long it was not there.
func (pg *postgres) restart() (down time.Duration, err error) {
	start := time.Now()
	if err := pg.ctl("-m", "fast", "stop"); err != nil {
		return 0, err
	}
	if err := pg.start(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

func (pg *postgres) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", pg.port, db)
}

// redisServer is a Redis of the harness's own, without persistence: a restart loses its data.
type redisServer struct {
	t    *testing.T
	bin  string
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

func startRedis(t *testing.T) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("chaos: redis-server not found on PATH; the harness needs a Redis of its own")
	}
	r := &redisServer{t: t, bin: bin, port: freePort(t)}
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.kill)
	return r
}

func (r *redisServer) start() error {
	r.cmd = exec.Command(r.bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--protected-mode", "no")
	if err := r.cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	r.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(r.cmd, r.done)
	c := redis.NewClient(&redis.Options{Addr: r.addr()})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s did not answer", r.addr())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

func (r *redisServer) kill() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Kill()
		<-r.done
	}
}

// restart kills Redis and starts an empty one on the same port: its data is lost.
func (r *redisServer) restart() (down time.Duration, err error) {
	start := time.Now()
	r.kill()
	if err := r.start(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

func (r *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }
