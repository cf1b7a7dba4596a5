package runners

import (
	"cmp"
	"encoding/base64"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// secrets are what of an endpoint must never appear in the text of an error: its API key, the
// user name and password in its base URL, and the values of its base URL's query parameters
// (?api_key=…, ?key=…, and any other: a gateway may put a credential under any name).
type secrets struct {
	// spans are replaced wherever they occur: the forms in which a URL prints its userinfo
	// ("user:pass@", and "user:***@" as net/http prints it) and each query parameter
	// ("name=value"), longest first.
	spans []replacement
	// tokens are replaced where they stand as whole tokens and are long enough to be secrets
	// (redact): the key, the user name, the password, their Basic credentials and each query
	// value, as written and decoded.
	tokens []string
}

// replacement is a string to replace, and what replaces it.
type replacement struct{ old, new string }

// newSecrets returns the secrets of an endpoint with key at baseURL. A base URL that does not
// parse still has its key redacted.
func newSecrets(key, baseURL string) *secrets {
	s := &secrets{}
	s.token(key)
	u, err := url.Parse(baseURL)
	if err != nil {
		return s
	}
	if u.User != nil {
		name := u.User.Username()
		pass, hasPass := u.User.Password()
		s.span(rawUserinfo(baseURL)+"@", "[redacted]@")
		s.span(u.User.String()+"@", "[redacted]@")
		s.span(name+":***@", "[redacted]@")
		s.span(url.User(name).String()+":***@", "[redacted]@")
		s.token(name)
		s.token(url.User(name).String())
		if hasPass {
			s.token(pass)
			s.token(url.QueryEscape(pass))
			s.token(base64.StdEncoding.EncodeToString([]byte(name + ":" + pass)))
		}
	}
	for _, pair := range strings.Split(u.RawQuery, "&") {
		name, value, ok := strings.Cut(pair, "=")
		if !ok || value == "" {
			continue
		}
		dname, err1 := url.QueryUnescape(name)
		dvalue, err2 := url.QueryUnescape(value)
		if err1 != nil || err2 != nil {
			dname, dvalue = name, value
		}
		s.span(pair, name+"=[redacted]")
		s.span(url.QueryEscape(dname)+"="+url.QueryEscape(dvalue), url.QueryEscape(dname)+"=[redacted]")
		s.span(dname+"="+dvalue, dname+"=[redacted]")
		s.token(value)
		s.token(dvalue)
		s.token(url.QueryEscape(dvalue))
	}
	slices.SortStableFunc(s.spans, func(a, b replacement) int { return cmp.Compare(len(b.old), len(a.old)) })
	return s
}

// rawUserinfo returns the userinfo of rawURL as written, before any decoding, or "".
func rawUserinfo(rawURL string) string {
	_, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		return rest[:i]
	}
	return ""
}

func (s *secrets) span(old, new string) {
	if old != "" && old != "@" && !slices.Contains(s.spans, replacement{old, new}) {
		s.spans = append(s.spans, replacement{old, new})
	}
}

func (s *secrets) token(t string) {
	if t != "" && !slices.Contains(s.tokens, t) {
		s.tokens = append(s.tokens, t)
	}
}

// redact returns text with every secret taken out.
func (s *secrets) redact(text string) string {
	for _, sp := range s.spans {
		text = strings.ReplaceAll(text, sp.old, sp.new)
	}
	for _, t := range s.tokens {
		text = redact(text, t)
	}
	return text
}

// error returns err, or when its text holds a secret, an error that reads without it and is
// still err to errors.Is and errors.As.
func (s *secrets) error(err error) error {
	if err == nil {
		return nil
	}
	if msg := err.Error(); s.redact(msg) != msg {
		return &rewordedError{msg: s.redact(msg), err: err}
	}
	return err
}

// minSecretLen is the length from which a secret is looked for in error text on its own; a
// shorter one (vLLM's "EMPTY" key, a test's "x") is a placeholder whose letters occur in
// ordinary words, and is taken out only where it follows "Bearer " (or, in a URL, where it
// stands as userinfo or a query value: see secrets).
const minSecretLen = 8

// redact returns s with each occurrence of key that stands as a whole token (not inside a
// longer word) replaced by "[redacted]", when key is long enough to be a secret or the
// occurrence follows "Bearer ".
func redact(s, key string) string {
	if key == "" {
		return s
	}
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, key)
		if i < 0 {
			break
		}
		before, after := rest[:i], rest[i+len(key):]
		whole := !endsInWord(before) && !startsWord(after)
		bearer := len(before) >= len("Bearer ") && strings.EqualFold(before[len(before)-len("Bearer "):], "Bearer ")
		b.WriteString(before)
		if whole && (bearer || len(key) >= minSecretLen) {
			b.WriteString("[redacted]")
		} else {
			b.WriteString(key)
		}
		rest = after
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(rest)
	return b.String()
}

// endsInWord reports whether s ends with a letter or digit; startsWord whether it starts with
// one.
func endsInWord(s string) bool {
	r, n := utf8.DecodeLastRuneInString(s)
	return n > 0 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func startsWord(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	return n > 0 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// rewordedError is an error shown with other text: its secrets taken out, or cut short.
// errors.Is and errors.As see the error it stands for, so that a cancelled call is still
// context.Canceled and a timeout still a net.Error; it has no Unwrap, so that walking the
// chain never reaches the original text.
type rewordedError struct {
	msg string
	err error
}

func (e *rewordedError) Error() string { return e.msg }

// Is reports whether the reworded error is target, or wraps it.
func (e *rewordedError) Is(target error) bool { return errors.Is(e.err, target) }

// As finds the first error in the reworded error's chain that matches target.
func (e *rewordedError) As(target any) bool { return errors.As(e.err, target) }

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
