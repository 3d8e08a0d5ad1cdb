package templating

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// EnvSecrets returns a Secret function that reads secret('NAME') from the variable
// SECRET_<NAME> (name upper-cased) through lookup, os.LookupEnv in production. The value is
// standard base64, line breaks ignored: Kestra's open-source convention, so one
// docker-compose environment serves Kestra and flowctl alike. An empty variable counts as
// missing, since a CI variable that expanded to nothing should fail with the hint rather than
// send an empty token. No error ever carries the variable's value.
func EnvSecrets(lookup func(string) (string, bool)) func(name string) (string, error) {
	return func(name string) (string, error) {
		if strings.TrimSpace(name) == "" {
			return "", errors.New("secret name is empty")
		}
		env := "SECRET_" + strings.ToUpper(name)
		raw, ok := lookup(env)
		if !ok || raw == "" {
			return "", fmt.Errorf("Cannot find secret for key '%s': set %s to the base64 of the value: printf %%s \"$VALUE\" | base64 -w0", name, env)
		}
		clean := strings.NewReplacer("\n", "", "\r", "").Replace(raw)
		// Java's decoder, which Kestra uses, does not insist on the trailing padding.
		value, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(clean, "="))
		if err != nil {
			return "", fmt.Errorf("secret '%s': %s is not valid base64: set it to the output of printf %%s \"$VALUE\" | base64 -w0", name, env)
		}
		return string(value), nil
	}
}

// EnvVars returns the envs.* map: each ENV_<NAME>=value of environ ("K=V" strings, as
// os.Environ gives) under the key <name>, lower-cased, Kestra's convention since 0.23.
func EnvVars(environ []string) map[string]any {
	out := map[string]any{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "ENV_") || len(k) == len("ENV_") {
			continue
		}
		out[strings.ToLower(k[len("ENV_"):])] = v
	}
	return out
}
