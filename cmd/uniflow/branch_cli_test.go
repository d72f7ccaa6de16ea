package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
)

// The operator adds branches and moves staff between them from the shell; the list marks the
// default and the pilot's branches; a pilot branch that does not exist stops the start.
func TestBranchCLI(t *testing.T) {
	t.Parallel()
	pool, dsn := pgtest.New(t)
	env := map[string]string{"DATABASE_URL": dsn, "PILOT_BRANCHES": "2"}
	getenv := func(k string) string { return env[k] }
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"branch"}, args...), getenv, &out)
		return out.String(), err
	}
	ctx := context.Background()
	svc := crm.New(pool, crm.Options{})
	if err := svc.EnsureOwners(ctx, []int64{700}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"add", "Север"}, `branch 2 "Север" added`},
		{[]string{"staff", "700", "север"}, `now works in branch 2 "Север"`},
		{[]string{"staff", "700", "1"}, `now works in branch 1 "main"`},
		{[]string{"list"}, "1   main   yes      \n"},    // the default
		{[]string{"list"}, "2   Север           yes\n"}, // the pilot's
	} {
		out, err := cli(tc.args...)
		if err != nil || !strings.Contains(out, tc.want) {
			t.Errorf("branch %v: %q, %v; want %q", tc.args, out, err, tc.want)
		}
	}
	for _, tc := range []struct {
		args []string
		err  error
	}{
		{[]string{"add", "СЕВЕР"}, crm.ErrInvalidInput},
		{[]string{"staff", "700", "Юг"}, crm.ErrNotFound},
		{[]string{"staff", "701", "main"}, crm.ErrNotFound},
	} {
		if _, err := cli(tc.args...); !errors.Is(err, tc.err) {
			t.Errorf("branch %v: %v, want %v", tc.args, err, tc.err)
		}
	}
	for _, args := range [][]string{{}, {"frobnicate"}, {"add"}, {"staff", "x", "main"}} {
		if _, err := cli(args...); err == nil {
			t.Errorf("branch %v accepted", args)
		}
	}
	if err := checkPilotBranches(ctx, svc, []int64{1, 2}); err != nil {
		t.Errorf("existing pilot branches: %v", err)
	}
	if err := checkPilotBranches(ctx, svc, []int64{1, 3}); err == nil || !strings.Contains(err.Error(), "PILOT_BRANCHES: no branch 3") {
		t.Errorf("a missing pilot branch: %v", err)
	}
}
