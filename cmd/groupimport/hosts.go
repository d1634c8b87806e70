package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// clusters maps --cluster names to Capillary's documented API hosts.
var clusters = map[string]string{
	"eu":            "https://eu.api.capillarytech.com",
	"apac":          "https://apac.api.capillarytech.com",
	"india":         "https://apac.api.capillarytech.com",
	"apac2":         "https://apac2.api.capillarytech.com",
	"sea":           "https://apac2.api.capillarytech.com",
	"us":            "https://us.api.capillarytech.com",
	"north-america": "https://north-america.api.capillarytech.com",
	"china":         "https://api.capillarytech.cn",
}

func clusterNames() string {
	names := make([]string, 0, len(clusters))
	for n := range clusters {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// checkHost accepts an API base URL. Plain http would send credentials in
// the clear, so it is accepted only for loopback hosts (the sandbox) unless
// insecure is set.
func checkHost(host string, insecure bool) (string, error) {
	base, err := parseHost(host)
	if err != nil {
		return "", usagef("--host: %v", err)
	}
	u, _ := url.Parse(base)
	if u.Scheme == "http" && !insecure && !isLoopback(u.Hostname()) {
		return "", usagef("--host %s uses plain http, which would send credentials unencrypted; use https, or pass --insecure-http if you really mean it", base)
	}
	return base, nil
}

// parseHost reads an API base URL, scheme and host with an optional port
// and trailing slash, and returns it as scheme://host[:port]. The error
// names what is wrong, and never repeats a password the URL holds.
func parseHost(s string) (string, error) {
	s = strings.TrimSpace(s)
	const want = "give the scheme and host, such as https://eu.api.capillarytech.com (or use --cluster)"
	if s == "" {
		return "", errors.New("empty; " + want)
	}
	if !strings.Contains(s, "://") {
		return "", fmt.Errorf("%q has no scheme; %s", redactURL(s), want)
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, password and all
		}
		return "", fmt.Errorf("%s is not a URL (%v); %s", redactURL(s), err, want)
	}
	switch {
	case u.User != nil:
		return "", errors.New("the URL must not carry credentials; put them in CAP_TILL/CAP_PASSWORD or CAP_CLIENT_KEY/CAP_CLIENT_SECRET")
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("scheme %q is not supported: use https:// (http:// only for a local sandbox)", u.Scheme)
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("%s has no host name; %s", s, want)
	case u.Path != "" && u.Path != "/":
		return "", fmt.Errorf("%s has a path (%s); %s", s, u.Path, want)
	case u.RawQuery != "" || u.ForceQuery:
		return "", fmt.Errorf("%s has a query; %s", s, want)
	case u.Fragment != "" || strings.Contains(s, "#"):
		return "", fmt.Errorf("%s has a fragment; %s", s, want)
	}
	if err := checkPort(u, s); err != nil {
		return "", err
	}
	return u.Scheme + "://" + u.Host, nil
}

// checkPort refuses a port out of range, or a colon with no port after it.
func checkPort(u *url.URL, s string) error {
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %s is out of range: a port is a number from 1 to 65535", port)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return fmt.Errorf("%s has no port after the colon; drop the colon or give a port", s)
	}
	return nil
}

// hostValue is --host: a malformed URL is refused as the flags are read,
// before any input is opened. Whether plain http is allowed depends on
// --insecure-http, so checkHost judges that later.
//
// Set keeps its refusal (refused) rather than returning it: the flag
// package would repeat the value, and a --host may hold a password.
// parseFlags reports it, in parseHost's words, which redact the URL.
type hostValue struct {
	p   *string
	err *error
}

func (h hostValue) refused() error { return *h.err }

func (h hostValue) String() string {
	if h.p == nil {
		return ""
	}
	return *h.p
}

// Set implements flag.Value.
func (h hostValue) Set(s string) error {
	if _, err := parseHost(s); err != nil {
		*h.err = err
		return nil
	}
	*h.p, *h.err = s, nil
	return nil
}

// hostVar defines --host on fs, with def (from CAP_HOST) as its value
// until the flag is given.
func hostVar(fs *flag.FlagSet, p *string, def, usage string) {
	*p = def
	fs.Var(hostValue{p, new(error)}, "host", usage)
}

// checkEnvHost holds CAP_HOST, when it stands in for --host, to the
// rules --host is held to, as early.
func checkEnvHost(host string, hostSet bool) error {
	if host == "" || hostSet {
		return nil
	}
	if _, err := parseHost(host); err != nil {
		return usagef("CAP_HOST (for --host): %v", err)
	}
	return nil
}

func isLoopback(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// redactURL hides userinfo in a string that may not parse.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	if i := strings.Index(s, "@"); i >= 0 {
		return "…" + s[i:]
	}
	return s
}

func resolveHost(host, cluster string, insecure bool) (string, error) {
	switch {
	case host != "" && cluster != "":
		return "", usagef("give --host or --cluster, not both")
	case cluster != "":
		h, ok := clusters[strings.ToLower(cluster)]
		if !ok {
			return "", usagef("--cluster %q is not one of %s", cluster, clusterNames())
		}
		return h, nil
	case host != "":
		return checkHost(host, insecure)
	}
	return "", usagef("no API host: pass --cluster (%s), --host URL or set CAP_HOST; or try the tool with --sandbox", clusterNames())
}
