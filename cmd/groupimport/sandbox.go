package main

import (
	"context"

	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

const sandboxUsage = `Usage: groupimport sandbox [flags]

Runs a local fake of Capillary's user-group API until interrupted: the
documented validation, 1633 conflicts, 91016/91017 warnings, Basic and OAuth
auth, a per-minute quota answered with 429, the extended-field catalogue,
and faults on demand. --api picks which published contract the lookup and
the update follow: current (GET ?id= matches ids and external ids, in the
search shape; PUT needs id and groupName) or legacy (GET ?externalId=
answers the bare group). Point an import at it with --host and the
credentials it prints.

Examples:
  groupimport sandbox --addr 127.0.0.1:8080 --quota 600
  groupimport sandbox --quota 1000 --quota-window 1m --quota-spent-for 30s
  groupimport sandbox --api legacy
  groupimport sandbox --error-rate 0.1 --drop-rate 0.02 --latency 20ms
`

// demoGroups are known to every sandbox the command starts, so the sample
// file shows a 1633 conflict.
var demoGroups = []sandbox.Group{{ExternalID: "FLT-2001", GroupName: "Existing Fleet", MaxGroupSize: 100}}

// newDemoSandbox starts the in-process sandbox behind import --sandbox.
func newDemoSandbox() *sandbox.Server {
	return sandbox.NewServer(sandbox.Config{Groups: demoGroups})
}

func runSandbox(ctx context.Context, args []string, env *Env) error {
	var (
		addr string
		cfg  sandbox.Config
		f    sandbox.Faults
	)
	fs := newFlagSet("sandbox")
	fs.StringVar(&addr, "addr", "127.0.0.1:8080", "listen `ADDRESS`")
	fs.StringVar(&cfg.API, "api", sandbox.APICurrent, "contract of the lookup and update: current, legacy")
	fs.IntVar(&cfg.RatePerMinute, "quota", 0, "requests per minute per credential before 429 (0: unlimited)")
	fs.IntVar(&cfg.RateBurst, "quota-burst", 0, "requests a credential may send at once (default: quota/60)")
	fs.DurationVar(&cfg.QuotaWindow, "quota-window", 0, "count the quota per fixed window of this `DURATION` (a 429 asks back for the window's end) instead of in a bucket")
	fs.DurationVar(&cfg.QuotaSpentFor, "quota-spent-for", 0, "answer 429 to everything for this `DURATION` after starting, as if another job had spent the quota")
	fs.StringVar(&cfg.RetryAfter, "retry-after", sandbox.RetryAfterSeconds, "how 429 says when to return: seconds, http-date, none")
	fs.IntVar(&cfg.ConflictStatus, "conflict-status", 400, "HTTP status of a 1633 answer")
	fs.IntVar(&cfg.MaxGroupSize, "max-group-size", sandbox.DefaultMaxGroupSize, "the org's CONF_MAX_FLEET_GROUP_SIZE")
	fs.DurationVar(&cfg.TokenTTL, "token-ttl", sandbox.DefaultTokenTTL, "OAuth token lifetime")
	fs.DurationVar(&f.Latency, "latency", 0, "added to every request")
	fs.DurationVar(&f.Jitter, "jitter", 0, "plus a random 0..jitter")
	fs.Float64Var(&f.Error5xx, "error-rate", 0, "share of requests answered 5xx")
	fs.Float64Var(&f.Drop, "drop-rate", 0, "share of connections dropped without an answer")
	fs.Float64Var(&f.Throttle, "throttle-rate", 0, "share of requests answered 429 whatever the quota")
	fs.Float64Var(&f.TimeoutAfterCreate, "timeout-after-create", 0, "share of creates that succeed but never answer")
	fs.Int64Var(&f.Seed, "seed", 0, "seed for the fault decisions (0: random)")
	pos, err := parseFlags(fs, "sandbox", sandboxUsage, args, env.Stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("sandbox takes no arguments; got %q", pos)
	}
	cfg.Faults = f
	cfg.Groups = demoGroups
	if err := cfg.Validate(); err != nil {
		return usagef("%v", err)
	}
	return sandbox.ListenAndServe(ctx, addr, cfg, env.Stderr)
}
