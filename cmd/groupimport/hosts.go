package main

import (
	"net"
	"net/url"
	"sort"
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
	u, err := url.Parse(strings.TrimSpace(host))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", usagef("--host %q is not a URL like https://eu.api.capillarytech.com (or use --cluster)", redactURL(host))
	}
	if u.User != nil {
		return "", usagef("--host must not carry credentials; put them in CAP_TILL/CAP_PASSWORD or CAP_CLIENT_KEY/CAP_CLIENT_SECRET")
	}
	if u.Scheme == "http" && !insecure && !isLoopback(u.Hostname()) {
		return "", usagef("--host %s uses plain http, which would send credentials unencrypted; use https, or pass --insecure-http if you really mean it", u.Redacted())
	}
	if u.Path != "" && u.Path != "/" {
		return "", usagef("--host %s has a path; give only the scheme and host, e.g. https://eu.api.capillarytech.com", u.Redacted())
	}
	return u.Scheme + "://" + u.Host, nil
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
