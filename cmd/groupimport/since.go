package main

import (
	"errors"
	"io/fs"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/report"
)

// checkSince refuses --since where it cannot help: a dry run sends
// nothing, a --sandbox is a fresh server every run, and a record that is
// also the one this run writes would be replaced while it is read.
func (o *importOptions) checkSince(out string) error {
	switch {
	case o.since == "":
		return nil
	case o.dryRun:
		return usagef("--since is for import runs: a dry run sends nothing to save")
	case o.useSandbox:
		return usagef("--since: --sandbox starts an empty server every run, which holds none of the last results' groups; use groupimport sandbox and --host")
	case report.SameFile(o.since, out):
		return usagef("--since %s is the results file this run writes; write tonight's to another --out, then move it over the last one", o.since)
	}
	return nil
}

// loadSince reads the last results (--since) into the run's compact
// record, after checking that they are an import's, made against this
// host with these credentials. Every problem is a usage error (exit 2),
// found before anything is sent.
func (o *importOptions) loadSince(e *engine, env *Env) error {
	if o.since == "" {
		return nil
	}
	rec := importer.NewSince()
	notes, err := report.ReadSince(o.since, *o.origin(e), rec.Add)
	switch {
	case errors.Is(err, report.ErrOtherOrigin):
		return usagef("--since: %v. Its groups are on another server, or another org's; give the results of a run against this one", err)
	case errors.Is(err, report.ErrOtherKind):
		return usagef("--since: %v; give the results file of an import", err)
	case errors.Is(err, fs.ErrNotExist):
		return usagef("--since %s: no such file; the first night is a plain import, whose results are the next night's --since", o.since)
	case err != nil:
		return usagef("--since %s: %v", o.since, err)
	}
	for _, n := range notes {
		env.log.warnf("%s", n)
	}
	if rec.NoFingerprint > 0 {
		env.log.warnf("--since: %s of %s carry no fingerprint (an older version wrote it): their rows take the normal path; tonight's results will have them",
			importer.Plural(rec.NoFingerprint, "successful line"), o.since)
	}
	rec.Seal()
	env.log.infof("--since %s: %s settled there; rows unchanged since are not sent", o.since, importer.Plural(rec.Len(), "group"))
	o.sinceRec = rec
	e.cfg.Since = rec
	return nil
}

// sinceSummary says what the run did not touch: the groups of the last
// results that the input no longer has.
func (o *importOptions) sinceSummary(env *Env) {
	if o.sinceRec == nil {
		return
	}
	if n := o.sinceRec.NotInInput(); n > 0 {
		env.log.infof("%s of the last results %s not in this file; nothing was done with them", importer.Plural(n, "group"), isAre(n))
	}
}
