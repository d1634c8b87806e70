package importer

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// Traffic counts how the server answers while a run goes on, for a live
// display: a run slowed by 429s and 5xx should say so. Wrap the API with
// Watch; the counters are safe to read at any time.
type Traffic struct {
	// Requests is every request answered or failed.
	Requests atomic.Int64
	// Throttled counts 429 answers; each holds the run back and is sent
	// again.
	Throttled atomic.Int64
	// Failed counts answers the policy retries: 5xx, 408, timeouts,
	// dropped connections and unreadable bodies.
	Failed atomic.Int64
}

// Watch returns api with its answers counted in t.
func (t *Traffic) Watch(api API) API { return watched{api, t} }

type watched struct {
	API
	t *Traffic
}

func (w watched) count(ctx context.Context, resp *capillary.Response, err error) (*capillary.Response, error) {
	w.t.Requests.Add(1)
	switch {
	case err != nil:
		// A request cut off by a stop is not the server's doing.
		if !errors.Is(err, capillary.ErrUnauthorized) && ctx.Err() == nil {
			w.t.Failed.Add(1)
		}
	case resp.Status == http.StatusTooManyRequests:
		w.t.Throttled.Add(1)
	case resp.Status >= 500 || resp.Status == http.StatusRequestTimeout || resp.BodyErr != nil:
		w.t.Failed.Add(1)
	}
	return resp, err
}

func (w watched) Create(ctx context.Context, g *capillary.Group) (*capillary.Response, error) {
	resp, err := w.API.Create(ctx, g)
	return w.count(ctx, resp, err)
}

func (w watched) Lookup(ctx context.Context, id string) (*capillary.Response, error) {
	resp, err := w.API.Lookup(ctx, id)
	return w.count(ctx, resp, err)
}

func (w watched) Update(ctx context.Context, g *capillary.Group) (*capillary.Response, error) {
	resp, err := w.API.Update(ctx, g)
	return w.count(ctx, resp, err)
}
