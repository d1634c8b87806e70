package main

import (
	"context"
	"fmt"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary"
	"github.com/capillary-tools/groupimport/importer/input"
)

// engine is what import, validate and diff set up alike before the rows
// flow: the input opened with its header read, the API client when the run
// needs one, and the engine's configuration from the flags.
type engine struct {
	in     *input.File
	client *capillary.Client // nil for a dry run that needs no catalogue
	who    string            // the credential's public name
	stop   func()
	cfg    importer.Config
}

// setUp opens the input and builds the engine's configuration. send says
// whether rows go to the API (an import or a diff, not a dry run).
func (o *importOptions) setUp(ctx context.Context, inputPath string, send bool, env *Env) (*engine, error) {
	in, err := o.open(inputPath, env)
	if err != nil {
		return nil, err
	}
	e := &engine{in: in, stop: func() {}}
	env.log.infof("reading %s", describeInput(in))
	if len(in.Columns.Unknown) > 0 {
		env.log.warnf("%s (known: %s; rename with --map)", unknownColumns(in.Columns.Unknown), importer.FieldNames())
	}
	if send || o.extFields == "server" {
		client, stop, who, err := o.client(env)
		if err != nil {
			e.close()
			return nil, err
		}
		e.client, e.stop, e.who = client, stop, who
	}
	extTypes, err := loadCatalogue(ctx, o.extFields, e.client, env)
	if err != nil {
		e.close()
		return nil, err
	}
	e.cfg = importer.Config{
		Validator:    &importer.Validator{Cols: in.Columns, MaxGroupSize: o.maxGroupSize, ExtTypes: extTypes},
		OnConflict:   importer.OnConflict(o.onConflict.value),
		DryRun:       !send,
		Workers:      o.workers,
		Policy:       importer.DefaultPolicy(),
		Timeout:      o.timeout,
		DrainTimeout: o.drain,
		StallTimeout: o.stall,
		Kill:         env.Kill,
	}
	e.cfg.Policy.MaxAttempts = o.maxAttempts
	e.cfg.MaxErrorRate = o.maxErrors.share
	if o.maxErrors.count >= 0 {
		e.cfg.StopAfterErrors = o.maxErrors.count + 1
	}
	return e, nil
}

// pace sends the engine's requests through one limiter at --rate, with
// the traffic watched for the display.
func (e *engine) pace(o *importOptions, d *display) {
	d.traffic = new(importer.Traffic)
	e.cfg.API = d.traffic.Watch(e.client)
	d.limiter = importer.NewLimiter(o.rate.limit, o.burst)
	e.cfg.Pacer = d.limiter
}

func (e *engine) close() {
	e.stop()
	e.in.Close()
}

// closeErr keeps the first error of a run: a failure to close an output
// after the run counts only when the run itself went well.
func closeErr(runErr error, what string, err error) error {
	if err != nil && runErr == nil {
		return fmt.Errorf("%w: %s: %w", importer.ErrAborted, what, err)
	}
	return runErr
}
