package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/migrations"
)

const branchUsage = `usage:
  uniflow branch list
  uniflow branch add NAME
  uniflow branch staff TELEGRAM_USER_ID BRANCH

A shop starts with one branch, and while it has one nobody is offered a choice of branch. add
makes another; staff moves a staff member (by Telegram user id) to a branch (by name or id):
the orders they take at the desk and the stock they receive are that branch's from then on.
Reports filter by branch; PILOT_BRANCHES names branches by the ids list prints.
`

// runBranch manages branches at the shell: adding one is rare and changes what every report
// shows, so it is the operator's, like inviting the first owner.
func runBranch(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("branch: a subcommand is required\n\n%s", branchUsage)
	}
	want := map[string]int{"list": 0, "add": 1, "staff": 2}
	n, ok := want[args[0]]
	if !ok {
		return fmt.Errorf("branch: unknown subcommand %q\n\n%s", args[0], branchUsage)
	}
	if len(args)-1 != n {
		return fmt.Errorf("branch %s: want %d arguments, got %d\n\n%s", args[0], n, len(args)-1, branchUsage)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	pool, err := connectPostgres(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := migrations.ApplyLogged(ctx, cfg.DatabaseURL, newLogger(io.Discard, cfg)); err != nil {
		return fmt.Errorf("branch: %w", err)
	}
	svc := crm.New(pool, crm.Options{Location: cfg.Location})
	switch args[0] {
	case "add":
		b, err := svc.AddBranch(ctx, args[1])
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "branch %d %q added\n", b.ID, b.Name)
		return err
	case "staff":
		userID, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil || userID <= 0 {
			return fmt.Errorf("branch staff: %q is not a Telegram user id", args[1])
		}
		b, err := svc.BranchByName(ctx, args[2])
		if err != nil {
			return fmt.Errorf("branch staff: %w", err)
		}
		st, err := svc.MoveStaffToBranch(ctx, userID, b.ID)
		if err != nil {
			return fmt.Errorf("branch staff: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "%s (%s) now works in branch %d %q\n", st.Name, st.Role, b.ID, b.Name)
		return err
	}
	bs, err := svc.Branches(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tDEFAULT\tPILOT")
	for _, b := range bs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", b.ID, b.Name, yes(b.IsDefault), yes(slices.Contains(cfg.Pilot.Branches, b.ID)))
	}
	return tw.Flush()
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

// checkPilotBranches refuses to start with a pilot branch that does not exist: a typo would
// silence every notice to the staff.
func checkPilotBranches(ctx context.Context, svc *crm.Service, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	bs, err := svc.Branches(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.ContainsFunc(bs, func(b crm.Branch) bool { return b.ID == id }) {
			return fmt.Errorf("%s: no branch %d (uniflow branch list shows them)", envPilotBranches, id)
		}
	}
	return nil
}
