package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary"
)

const checkUsage = `Usage: groupimport check [flags]

check is a read-only preflight of an org before a long import: it sends no
write. It checks the host (DNS, TLS), the credentials, which lookup contract
the org answers, the server's clock, request ids and rate-limit headers, and
fetches the org's extended-field catalogue for user groups.

Every failed line says what to do. Exit 0 when an import would work, 3 when
not, 2 for a mistake in the command.

Examples:
  CAP_TILL=store.server CAP_PASSWORD_FILE=~/.cap-pass groupimport check --cluster eu
  groupimport check --cluster eu --save-ext-fields ext-fields.json
  groupimport check --sandbox --json
`

// A check's outcome.
const (
	checkOK   = "ok"
	checkWarn = "warn" // worth knowing; an import would still work
	checkFail = "fail" // an import would not work
	checkSkip = "skip" // not checked, because an earlier check failed
)

// checkLine is one line of the checklist.
type checkLine struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

type checkOptions struct {
	conn      connection
	timeout   time.Duration
	json      bool
	saveExt   string
	overwrite bool
}

func runCheck(ctx context.Context, args []string, env *Env) error {
	var o checkOptions
	fs := newFlagSet("check")
	hostVar(fs, &o.conn.host, env.Getenv("CAP_HOST"), "API base `URL` (env CAP_HOST)")
	fs.StringVar(&o.conn.cluster, "cluster", "", "Capillary cluster `NAME` instead of --host: "+clusterNames())
	fs.BoolVar(&o.conn.useSandbox, "sandbox", false, "check a local sandbox API started for the purpose")
	fs.BoolVar(&o.conn.insecureHTTP, "insecure-http", false, "allow a plain http:// host that is not loopback")
	fs.DurationVar(&o.timeout, "timeout", 15*time.Second, "per request")
	fs.BoolVar(&o.json, "json", false, "print the checklist as JSON on stdout, for scripts")
	fs.StringVar(&o.saveExt, "save-ext-fields", "", "save the org's extended-field catalogue (the JSON of GET /v2/extendedFields) to `FILE`, for --ext-fields")
	fs.BoolVar(&o.overwrite, "overwrite", false, "replace an existing --save-ext-fields file")
	pos, err := parseFlags(fs, "check", checkUsage, args, env.Stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("check takes no arguments; got %q. See groupimport check --help", pos)
	}
	if o.conn.useSandbox && (o.conn.host != "" && fsSet(fs, "host") || o.conn.cluster != "") {
		return usagef("--sandbox checks a local fake API; drop --host/--cluster")
	}
	if o.saveExt != "" && !o.overwrite {
		if _, err := os.Lstat(o.saveExt); err == nil {
			return usagef("--save-ext-fields %s already exists; pass --overwrite to replace it", o.saveExt)
		}
	}
	if !o.conn.useSandbox {
		if _, _, err := credentials(env.Getenv); err != nil {
			// A checklist still: what is missing, and what could not be
			// checked without it.
			host, herr := resolveHost(o.conn.host, o.conn.cluster, o.conn.insecureHTTP)
			if herr != nil {
				return herr
			}
			o.print(env, host, noCredentials(err))
			return err
		}
	}
	client, stop, _, err := o.conn.dial(env, 1)
	if err != nil {
		return err
	}
	defer stop()
	if failed := o.print(env, client.Host(), o.run(ctx, client)); failed {
		return &exitError{exitAborted, errors.New("check failed: an import would not work; see the lines marked FAIL")}
	}
	return nil
}

// print shows the checklist, as text or JSON, and reports whether a check
// failed.
func (o *checkOptions) print(env *Env, host string, lines []checkLine) (failed bool) {
	for _, l := range lines {
		failed = failed || l.Status == checkFail
	}
	if o.json {
		b, _ := json.MarshalIndent(struct {
			OK     bool        `json:"ok"`
			Host   string      `json:"host"`
			Checks []checkLine `json:"checks"`
		}{!failed, host, lines}, "", "  ")
		env.Stdout.Write(append(b, '\n'))
	} else {
		printChecklist(env.Stdout, lines)
	}
	return failed
}

// noCredentials is the checklist of a check run without credentials:
// nothing is sent, and every check that needs them is skipped.
func noCredentials(err error) []checkLine {
	detail := err.Error()
	if strings.HasPrefix(detail, "no credentials") {
		detail = "none in the environment: CAP_TILL, CAP_PASSWORD, CAP_CLIENT_KEY and CAP_CLIENT_SECRET (and their _FILE forms) are unset"
	}
	lines := []checkLine{{Name: "credentials", Status: checkFail, Detail: detail,
		Fix: "export CAP_TILL and CAP_PASSWORD (or CAP_PASSWORD_FILE), or CAP_CLIENT_KEY and CAP_CLIENT_SECRET (or CAP_CLIENT_SECRET_FILE)"}}
	for _, n := range []string{"dns", "tls", "lookup contract", "server clock", "request ids", "rate limits", "extended fields"} {
		lines = append(lines, checkLine{Name: n, Status: checkSkip, Detail: "not checked: no credentials, so nothing was sent"})
	}
	return lines
}

func fsSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func printChecklist(w io.Writer, lines []checkLine) {
	mark := map[string]string{checkOK: "  ok  ", checkWarn: " warn ", checkFail: " FAIL ", checkSkip: " skip "}
	width := 0
	for _, l := range lines {
		width = max(width, len(l.Name))
	}
	for _, l := range lines {
		fmt.Fprintf(w, "[%s] %-*s  %s\n", mark[l.Status], width, l.Name, l.Detail)
		if l.Fix != "" {
			fmt.Fprintf(w, "         %*s  fix: %s\n", width, "", l.Fix)
		}
	}
}

// run makes the checks in order; a check that cannot be made because an
// earlier one failed is skipped.
func (o *checkOptions) run(ctx context.Context, client *capillary.Client) []checkLine {
	var lines []checkLine
	add := func(l checkLine) bool { lines = append(lines, l); return l.Status != checkFail }
	u, _ := url.Parse(client.Host())
	skip := func(names ...string) []checkLine {
		for _, n := range names {
			lines = append(lines, checkLine{Name: n, Status: checkSkip, Detail: "not checked: an earlier check failed"})
		}
		return lines
	}
	later := []string{"credentials", "lookup contract", "server clock", "request ids", "rate limits", "extended fields"}

	// The probes go through the transport the requests use, proxy and
	// all: behind a proxy, the host may not resolve or be reachable from
	// here at all.
	hc := o.conn.hc
	proxy := proxyFor(hc, u)
	if proxy != nil {
		add(checkLine{Name: "dns", Status: checkOK, Detail: fmt.Sprintf("requests go through the proxy %s, which resolves %s", proxy.Host, u.Hostname())})
	} else if !add(checkDNS(ctx, u.Hostname(), o.timeout)) {
		return skip(append([]string{"tls"}, later...)...)
	}
	if !add(checkTLS(ctx, hc, u, proxy, o.timeout)) {
		return skip(later...)
	}
	if l, ok := o.checkToken(ctx, client); ok {
		if !add(l) {
			return skip(later[1:]...)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, o.timeout)
	probe := "groupimport-check-" + randomHex(6)
	resp, err := client.Lookup(cctx, probe)
	cancel()
	switch {
	case err != nil:
		p := capillary.HostProblem(err)
		add(checkLine{Name: "credentials", Status: checkFail, Detail: "the lookup got no answer: " + err.Error(), Fix: adviceOr(p, "check the host, the network and --timeout")})
		return skip(later[1:]...)
	case resp.Status == 401 || resp.Status == 403:
		add(checkLine{Name: "credentials", Status: checkFail, Detail: fmt.Sprintf("the API refused them (HTTP %d: %s)", resp.Status, resp.Message()),
			Fix: "check CAP_TILL/CAP_PASSWORD (the till's own password; groupimport sends its MD5) or CAP_CLIENT_KEY/CAP_CLIENT_SECRET, and that they belong to this cluster"})
		return skip(later[1:]...)
	case capillary.ProxyAuthRequired(resp) != nil:
		add(checkLine{Name: "credentials", Status: checkFail, Detail: capillary.ProxyAuthRequired(resp).Detail, Fix: capillary.ProxyAuth.Advice()})
		return skip(later[1:]...)
	case capillary.NotAPI(resp) != "":
		add(checkLine{Name: "credentials", Status: checkFail, Detail: "the host answered " + capillary.NotAPI(resp), Fix: capillary.NotTheAPI.Advice()})
		return skip(later[1:]...)
	}
	if oauth, _ := client.Token(ctx); !oauth {
		add(checkLine{Name: "credentials", Status: checkOK, Detail: "the API accepted the till's Basic credentials (an authenticated GET)"})
	}
	lines = append(lines, checkContract(client, resp), checkClock(resp), checkRequestID(resp), checkRateHeaders(resp))
	lines = append(lines, o.checkCatalogue(ctx, client))
	return lines
}

// checkToken proves OAuth credentials by fetching a token; ok is false for
// Basic credentials, which only a request can prove.
func (o *checkOptions) checkToken(ctx context.Context, client *capillary.Client) (checkLine, bool) {
	cctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	oauth, err := client.Token(cctx)
	if !oauth {
		return checkLine{}, false
	}
	if err != nil {
		fix := "check CAP_CLIENT_KEY and CAP_CLIENT_SECRET, and that they belong to this cluster"
		if p := capillary.HostProblem(err); p != capillary.NoProblem {
			fix = p.Advice()
		}
		return checkLine{Name: "credentials", Status: checkFail, Detail: "no OAuth token: " + err.Error(), Fix: fix}, true
	}
	return checkLine{Name: "credentials", Status: checkOK, Detail: "the OAuth client key got a token"}, true
}

func checkDNS(ctx context.Context, host string, timeout time.Duration) checkLine {
	if ip := net.ParseIP(host); ip != nil {
		return checkLine{Name: "dns", Status: checkOK, Detail: host + " is an address; nothing to resolve"}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupHost(ctx, host)
	if err != nil {
		return checkLine{Name: "dns", Status: checkFail, Detail: err.Error(), Fix: capillary.NoSuchHost.Advice()}
	}
	return checkLine{Name: "dns", Status: checkOK, Detail: fmt.Sprintf("%s resolves to %s", host, strings.Join(addrs, ", "))}
}

// proxyFor is the proxy hc sends requests for u through, or nil for none.
func proxyFor(hc *http.Client, u *url.URL) *url.URL {
	t, ok := hc.Transport.(*http.Transport)
	if !ok || t.Proxy == nil {
		return nil
	}
	p, err := t.Proxy(&http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}})
	if err != nil {
		return nil
	}
	return p
}

// checkTLS sends one unauthenticated HEAD for the host's root through hc's
// transport, as the requests will go: through the same proxy, with the
// system's trust store. Any answer proves the connection and shows the
// certificate; a 407 is a proxy that wants credentials.
func checkTLS(ctx context.Context, hc *http.Client, u *url.URL, proxy *url.URL, timeout time.Duration) checkLine {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	via := ""
	if proxy != nil {
		via = " (through the proxy " + proxy.Host + ")"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u.Scheme+"://"+u.Host+"/", nil)
	if err != nil {
		return checkLine{Name: "tls", Status: checkFail, Detail: err.Error(), Fix: "check --host"}
	}
	resp, err := hc.Transport.RoundTrip(req)
	if err != nil {
		return checkLine{Name: "tls", Status: checkFail, Detail: "cannot connect" + via + ": " + err.Error(), Fix: adviceOr(capillary.HostProblem(err), "check the host and port")}
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusProxyAuthRequired {
		who := "a proxy"
		if proxy != nil {
			who = "the proxy " + proxy.Host
		}
		return checkLine{Name: "tls", Status: checkFail, Detail: who + " answered HTTP 407 Proxy Authentication Required", Fix: capillary.ProxyAuth.Advice()}
	}
	if resp.TLS == nil {
		if isLoopback(u.Hostname()) && proxy == nil {
			return checkLine{Name: "tls", Status: checkOK, Detail: "plain http to a loopback address (a local sandbox): nothing leaves this machine"}
		}
		return checkLine{Name: "tls", Status: checkWarn, Detail: "plain http" + via + ": requests and credentials are not encrypted", Fix: "use the https:// address of the API"}
	}
	cs := resp.TLS
	leaf := cs.PeerCertificates[0]
	detail := fmt.Sprintf("%s, certificate for %s issued by %s, valid until %s%s", tls.VersionName(cs.Version),
		leaf.Subject.CommonName, leaf.Issuer.CommonName, leaf.NotAfter.Format(time.DateOnly), via)
	if left := time.Until(leaf.NotAfter); left < 14*24*time.Hour {
		return checkLine{Name: "tls", Status: checkWarn, Detail: detail + fmt.Sprintf(" (expires in %s)", left.Round(time.Hour))}
	}
	return checkLine{Name: "tls", Status: checkOK, Detail: detail}
}

func checkContract(client *capillary.Client, resp *capillary.Response) checkLine {
	k := client.Contract()
	if k == capillary.ContractUnknown {
		return checkLine{Name: "lookup contract", Status: checkFail, Detail: "the lookup's answer fits neither published contract: " + resp.Message(),
			Fix: "an import could create groups but not settle conflicts or lost answers; check the host, and report the answer to Capillary support with its request id " + resp.RequestID}
	}
	detail := k.String()
	if k == capillary.ContractCurrent {
		detail += "; its lookup does not report maxGroupSize or createdOn, so --on-conflict lookup cannot compare sizes and a lost answer ends exists, not created"
	}
	return checkLine{Name: "lookup contract", Status: checkOK, Detail: detail}
}

func checkClock(resp *capillary.Response) checkLine {
	date := resp.Date()
	if date.IsZero() {
		return checkLine{Name: "server clock", Status: checkWarn, Detail: "the answer has no Date header",
			Fix: "a retry whose first answer was lost cannot be proved this run's creation: such rows end exists, with a message saying so"}
	}
	skew := date.Sub(resp.Received).Round(time.Second)
	detail := fmt.Sprintf("the server's clock is %s (its Date header reads to the second)", skewText(skew))
	if skew > time.Minute || skew < -time.Minute {
		return checkLine{Name: "server clock", Status: checkWarn, Detail: detail, Fix: "no harm to an import (it judges creation times on the server's clock), but check this machine's time sync"}
	}
	return checkLine{Name: "server clock", Status: checkOK, Detail: detail}
}

func skewText(d time.Duration) string {
	switch {
	case d >= -time.Second && d <= time.Second: // Date is truncated to the second
		return "within a second of ours"
	case d > 0:
		return d.String() + " ahead of ours"
	}
	return (-d).String() + " behind ours"
}

func checkRequestID(resp *capillary.Response) checkLine {
	if resp.RequestID == "" {
		return checkLine{Name: "request ids", Status: checkWarn, Detail: "answers carry no X-Cap-Requestid header", Fix: "results will have no request id for support to trace; a proxy may be stripping it"}
	}
	return checkLine{Name: "request ids", Status: checkOK, Detail: "answers carry X-Cap-Requestid (e.g. " + resp.RequestID + ")"}
}

// checkRateHeaders lists any rate-limit headers in the answer.
func checkRateHeaders(resp *capillary.Response) checkLine {
	var seen []string
	for name, v := range resp.Header {
		n := strings.ToLower(name)
		if strings.Contains(n, "ratelimit") || strings.Contains(n, "rate-limit") || n == "retry-after" {
			seen = append(seen, name+": "+strings.Join(v, ", "))
		}
	}
	sort.Strings(seen)
	if len(seen) == 0 {
		return checkLine{Name: "rate limits", Status: checkOK, Detail: "no rate-limit headers: the quota is learnt from 429 answers; pick --rate from the org's quota (about 100/min on demo clusters)"}
	}
	return checkLine{Name: "rate limits", Status: checkOK, Detail: strings.Join(seen, "; ")}
}

func (o *checkOptions) checkCatalogue(ctx context.Context, client *capillary.Client) checkLine {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	fields, raw, _, err := client.ExtendedFields(ctx)
	if err != nil {
		return checkLine{Name: "extended fields", Status: checkWarn, Detail: "the catalogue could not be fetched: " + err.Error(),
			Fix: "imports still work; extended-field warnings (91016/91017) cannot be predicted with --ext-fields server"}
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name + " " + f.DataType
	}
	sort.Strings(names)
	detail := importer.Plural(len(fields), "user-group field")
	if len(names) > 0 {
		detail += ": " + strings.Join(names, ", ")
	} else {
		detail += " (extended fields in the file will be refused with 91016)"
	}
	if o.saveExt != "" {
		if err := writeNew(o.saveExt, raw, o.overwrite); err != nil {
			return checkLine{Name: "extended fields", Status: checkFail, Detail: detail + "; saving it failed: " + err.Error(), Fix: "choose another --save-ext-fields path"}
		}
		detail += "; saved to " + o.saveExt
	}
	return checkLine{Name: "extended fields", Status: checkOK, Detail: detail}
}

// writeNew writes data to path, refusing to replace a file unless
// overwrite is set.
func writeNew(path string, data []byte, overwrite bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if overwrite {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o666)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func adviceOr(p capillary.Problem, otherwise string) string {
	if a := p.Advice(); a != "" {
		return a
	}
	return otherwise
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
