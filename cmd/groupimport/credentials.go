package main

import (
	"os"
	"strings"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// credentials reads the API credentials from the environment, never from
// flags: argv is visible to every user of the machine. A VAR_FILE variable
// names a file holding the secret instead (for secret mounts).
func credentials(getenv func(string) string) (capillary.Auth, string, error) {
	till := getenv("CAP_TILL")
	key := getenv("CAP_CLIENT_KEY")
	password, err := secret(getenv, "CAP_PASSWORD")
	if err != nil {
		return nil, "", err
	}
	clientSecret, err := secret(getenv, "CAP_CLIENT_SECRET")
	if err != nil {
		return nil, "", err
	}
	switch {
	case till != "" && key != "":
		return nil, "", usagef("both CAP_TILL and CAP_CLIENT_KEY are set; unset one so it is clear which credentials to use")
	case key != "":
		if clientSecret == "" {
			return nil, "", usagef("CAP_CLIENT_KEY is set but CAP_CLIENT_SECRET (or CAP_CLIENT_SECRET_FILE) is not")
		}
		return capillary.NewOAuth(key, clientSecret), "OAuth client key " + key, nil
	case till != "":
		if password == "" {
			return nil, "", usagef("CAP_TILL is set but CAP_PASSWORD (or CAP_PASSWORD_FILE) is not")
		}
		return capillary.NewBasic(till, password), "till " + till, nil
	}
	return nil, "", usagef("no credentials: set CAP_TILL and CAP_PASSWORD (till login), or CAP_CLIENT_KEY and CAP_CLIENT_SECRET (OAuth); credentials are read only from the environment")
}

func secret(getenv func(string) string, name string) (string, error) {
	path := getenv(name + "_FILE")
	if v := getenv(name); v != "" {
		if path != "" {
			// Neither may silently win: the one left over from another
			// setup would send the wrong secret.
			return "", usagef("both %s and %s_FILE are set; unset one so it is clear which secret to use", name, name)
		}
		return v, nil
	}
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		// The path is not secret; the content would be.
		return "", usagef("%s_FILE: %v", name, err)
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		return "", usagef("%s_FILE %s is empty", name, path)
	}
	return v, nil
}
