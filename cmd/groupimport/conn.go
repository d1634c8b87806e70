package main

import (
	"net/http"

	"github.com/capillary-tools/groupimport/importer/capillary"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// connection is where a command reaches the API: a host (or cluster) and
// the credentials in the environment, or a sandbox started in-process.
type connection struct {
	host, cluster string
	useSandbox    bool
	insecureHTTP  bool

	// hc is the HTTP client dial built: every request of the command,
	// check's probes included, goes through its transport.
	hc *http.Client
}

// newHTTPClient is the one place an HTTP client is built, so that import,
// diff and check reach the API the same way: through the same proxy, with
// the same TLS trust and connection pool.
func newHTTPClient(env *Env, conns int) *http.Client {
	hc := capillary.NewHTTPClient(conns)
	if env.Proxy != nil {
		hc.Transport.(*http.Transport).Proxy = env.Proxy
	}
	return hc
}

// dial builds the API client, with a connection pool for conns concurrent
// requests. The returned stop ends the sandbox, if one was started; who is
// the credential's public name (the till or the client key, never a
// secret).
func (c *connection) dial(env *Env, conns int) (client *capillary.Client, stop func(), who string, err error) {
	hc := newHTTPClient(env, conns)
	c.hc = hc
	var (
		host string
		auth capillary.Auth
	)
	stop = func() {}
	if c.useSandbox {
		srv := newDemoSandbox()
		env.log.infof("started a sandbox API at %s (a local fake; nothing leaves this machine)", srv.URL)
		host, auth, stop = srv.URL, capillary.NewBasic(sandbox.DefaultTill, sandbox.DefaultTillPassword), srv.Close
		who = "till " + sandbox.DefaultTill
	} else {
		if host, err = resolveHost(c.host, c.cluster, c.insecureHTTP); err != nil {
			return nil, nil, "", err
		}
		if auth, who, err = credentials(env.Getenv); err != nil {
			return nil, nil, "", err
		}
	}
	client, err = capillary.New(host, auth, hc)
	if err != nil {
		stop()
		return nil, nil, "", err
	}
	client.OnContract(func(k capillary.Contract, why string) {
		env.log.infof("the server speaks the %s lookup contract: %s", k, why)
	})
	return client, stop, who, nil
}
