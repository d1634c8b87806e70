package main

import (
	"context"
	"fmt"
	"os"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary"
)

// loadCatalogue reads the org's extended-field catalogue for --ext-fields:
// "server" fetches it live through client, anything else names a file
// (the saved JSON of GET /v2/extendedFields, or name=TYPE lines). Empty
// means no catalogue.
func loadCatalogue(ctx context.Context, spec string, client *capillary.Client, env *Env) (importer.Catalogue, error) {
	switch spec {
	case "":
		return nil, nil
	case "server":
		fields, _, _, err := client.ExtendedFields(ctx)
		if err != nil {
			err = fmt.Errorf("--ext-fields server: fetching the catalogue: %w", err)
			if advice := capillary.HostProblem(err).Advice(); advice != "" {
				err = fmt.Errorf("%w; %s", err, advice)
			}
			return nil, &exitError{exitAborted, err}
		}
		env.log.infof("the org's catalogue has %s for user groups", importer.Plural(len(fields), "extended field"))
		return importer.NewCatalogue(fields), nil
	}
	data, err := os.ReadFile(spec)
	if err != nil {
		return nil, usagef("--ext-fields: %v", err)
	}
	c, err := importer.ParseCatalogue(data)
	if err != nil {
		return nil, usagef("--ext-fields %s: %v", spec, err)
	}
	if len(c) == 0 {
		env.log.warnf("--ext-fields %s lists no user-group fields: every extended field will be predicted 91016", spec)
	}
	return c, nil
}
