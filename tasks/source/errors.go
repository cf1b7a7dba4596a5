package source

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/realx-bench/realx/tasks"
)

// HubError is a refusal of the hub or of a source's server: the HTTP status, the hub's
// X-Error-Code (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo) and message, and
// what it means for the pull.
type HubError struct {
	Status int
	// Code is the hub's X-Error-Code, "" when it gave none.
	Code string
	// Message is the server's message (X-Error-Message, or the body's "error").
	Message string
	// What says what was refused and what to do.
	What string
}

func (e *HubError) Error() string {
	msg := e.What
	if e.Message != "" {
		msg += fmt.Sprintf(" (%d %s: %s)", e.Status, http.StatusText(e.Status), e.Message)
	} else {
		msg += fmt.Sprintf(" (%d %s)", e.Status, http.StatusText(e.Status))
	}
	return msg
}

// statusError reads a refusal of the hub (or of a source's server) for f of src.
func (p *Puller) statusError(src *tasks.DataSource, f tasks.SourceFile, u string, resp *http.Response) error {
	e := &HubError{Status: resp.StatusCode, Code: resp.Header.Get("X-Error-Code"), Message: resp.Header.Get("X-Error-Message")}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if e.Message == "" {
		var j struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &j) == nil {
			e.Message = j.Error
		}
	}
	e.Message = shorten(strings.TrimSpace(e.Message), 300)
	fromHub := src.Repo != "" && resp.Request != nil && resp.Request.URL.Host == p.hubHost()
	if !fromHub {
		e.What = fmt.Sprintf("GET %s was refused", redactURL(resp.Request.URL.String()))
		if src.Repo != "" {
			e.What = fmt.Sprintf("the hub's CDN refused %s (%s)", p.location(src, f), redactURL(resp.Request.URL.String()))
		}
		return e
	}
	repo := src.Repo
	switch {
	case e.Message == "Invalid credentials in Authorization header":
		e.What = fmt.Sprintf("the hub refused the token in %s for %s: it is not a valid token", TokenEnv, repo)
	case e.Code == "GatedRepo":
		e.What = fmt.Sprintf("%s is gated: accept its conditions on the hub with the account whose token is in %s", repo, TokenEnv)
	case e.Code == "RevisionNotFound":
		e.What = fmt.Sprintf("%s has no revision %s: data.source.revision must be one of its commits", repo, src.Revision)
	case e.Code == "EntryNotFound":
		e.What = fmt.Sprintf("%s has no file %s at revision %s: check data.source.files", repo, f.Path, src.Revision)
	case resp.StatusCode == http.StatusUnauthorized && p.Token == "":
		e.What = fmt.Sprintf("the hub does not let %s be read without a token: the repository does not exist, or it is private or gated (set %s to a token that can read it)", repo, TokenEnv)
	case resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusForbidden:
		e.What = fmt.Sprintf("the token in %s cannot read %s: the repository does not exist, or the token's account has no access to it", TokenEnv, repo)
	case e.Code == "RepoNotFound":
		e.What = fmt.Sprintf("there is no dataset repository %s on the hub %s", repo, p.hubName())
	default:
		e.What = fmt.Sprintf("the hub refused %s", p.location(src, f))
	}
	return e
}

// hubName names the hub's endpoint in messages.
func (p *Puller) hubName() string {
	return redactURL(cmpOr(p.Endpoint, tasks.DefaultHubEndpoint))
}

// scrubbed is an error whose text had the hub's token taken out; Unwrap gives the original.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// scrub takes the Puller's token out of err's text, as written and URL-encoded.
func (p *Puller) scrub(err error) error {
	if err == nil || p.Token == "" {
		return err
	}
	msg := err.Error()
	clean := strings.NewReplacer(p.Token, "[HF_TOKEN]", url.QueryEscape(p.Token), "[HF_TOKEN]").Replace(msg)
	if clean == msg {
		return err
	}
	return &scrubbed{msg: clean, err: err}
}

// shorten cuts s to at most n bytes, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
