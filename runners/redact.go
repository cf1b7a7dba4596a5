package runners

import (
	"net/url"
	"regexp"
	"strings"
)

// secretParam is what a query parameter that carries a credential is called.
var secretParam = regexp.MustCompile(`(?i)key|token|secret|passw|auth|sig|credential`)

// RedactURL returns raw without what may be a credential: the user and password of its
// userinfo, and query parameters named like keys (api_key, token, sig …). Anything that does
// not parse as a URL with a scheme is returned as it is.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		return raw
	}
	changed := u.User != nil
	u.User = nil
	if u.RawQuery != "" {
		q := u.Query()
		for name := range q {
			if secretParam.MatchString(name) {
				q.Del(name)
				changed = true
			}
		}
		u.RawQuery = q.Encode()
	}
	if !changed {
		return raw
	}
	return u.String()
}

// RedactArgs returns a command line with RedactURL applied to every argument, and to the
// value of every --flag=value.
func RedactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if flag, value, ok := strings.Cut(a, "="); ok && strings.HasPrefix(flag, "-") {
			out[i] = flag + "=" + RedactURL(value)
			continue
		}
		out[i] = RedactURL(a)
	}
	return out
}

// IsHTTPURL reports whether raw is an http(s) URL with a host.
func IsHTTPURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
