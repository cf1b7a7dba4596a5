package runners

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"
)

// PreflightTimeout bounds each request of Preflight.
const PreflightTimeout = 30 * time.Second

// EndpointError is an endpoint that cannot serve a run at all, found by Preflight before the
// first sample or by Unusable during the run: nothing listens there, it refuses the key, it
// has no such model, or no OpenAI-compatible API at that path. Sending it samples would only
// record the same error against each.
type EndpointError struct {
	// URL is the base URL, without credentials; Model the model asked for.
	URL, Model string
	// Problem says what is wrong, and what to check.
	Problem string
	// Err is the error the endpoint gave.
	Err error
}

// Error says which endpoint cannot serve the run, and why.
func (e *EndpointError) Error() string {
	return fmt.Sprintf("the model endpoint %s (model %s) %s: %v", e.URL, e.Model, e.Problem, e.Err)
}

// Unwrap returns the endpoint's error.
func (e *EndpointError) Unwrap() error { return e.Err }

// The problems of an EndpointError.
const (
	problemUnreachable = "cannot be reached; is the server running, and is the base URL right?"
	problemKey         = "refuses the key; check the API key variable (--api-key-env) and its value"
	problemNotFound    = "has no such model, or no OpenAI-compatible API at that path (a base URL usually ends in /v1); check --model and --base-url"
)

// Unusable returns the problem err shows with the whole endpoint, when it is one that every
// request would meet: nothing listens (connection refused, no such host), the key is refused
// (401, 403), no such model or path (404). It returns "" for an error of one request (a 400,
// a timeout, a 5xx, a reset), which may be the sample's or may pass.
func Unusable(err error) string {
	var me *ModelError
	if !errors.As(err, &me) {
		return ""
	}
	switch me.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return problemKey
	case http.StatusNotFound:
		return problemNotFound
	case 0:
		if unreachable(err) {
			return problemUnreachable
		}
	}
	return ""
}

// unreachable reports whether err says that no server answers at the address: the connection
// was refused, or the host name does not resolve.
func unreachable(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsNotFound
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// Served is what Preflight learned of the endpoint.
type Served struct {
	// Models are the models the endpoint lists (GET /models), sorted; nil when it lists none.
	Models []string
	// Listed says whether the model asked for is among them.
	Listed bool
	// Chatted is set when the endpoint serves no model list and a one-token chat was sent
	// instead.
	Chatted bool
}

// Preflight checks, with one cheap request, that ep can serve a run: GET BASE/models (its
// key sent as a run sends it). When the endpoint serves no such list (404, or an answer that
// is not one), it sends one chat request of one token to m, the model behind ep, instead. It
// returns an *EndpointError when nothing listens there, the key is refused (401, 403), or
// there is no such model or API (404 from both); any other failure (a timeout, a 5xx) is no
// proof that the run cannot go, and is returned as a plain error for the caller to note. A
// model the list does not name is not refused (gateways serve models they do not list):
// Served says so.
func Preflight(ctx context.Context, ep Endpoint, m Model) (*Served, error) {
	sec := newSecrets(ep.APIKey, ep.BaseURL)
	fail := func(problem string, err error) error {
		return &EndpointError{URL: RedactURL(ep.BaseURL), Model: ep.Model, Problem: problem, Err: sec.error(err)}
	}
	ctx, cancel := context.WithTimeout(ctx, PreflightTimeout)
	defer cancel()
	list, status, err := listModels(ctx, ep)
	switch {
	case err != nil && unreachable(err):
		return nil, fail(problemUnreachable, err)
	case err != nil:
		return nil, sec.error(err)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return nil, fail(problemKey, fmt.Errorf("GET /models: HTTP %d", status))
	case status == http.StatusOK && list != nil:
		return &Served{Models: list, Listed: slices.Contains(list, ep.Model)}, nil
	}
	// No model list here: one token of chat says whether the model is served.
	one, zero := 1, 0.0
	req := &ChatRequest{Messages: []Message{TextMessage(RoleUser, "Say OK.")}}
	req.Generation.MaxTokens, req.Generation.Temperature = &one, &zero
	_, err = m.Chat(ctx, req)
	if problem := Unusable(err); problem != "" {
		return nil, fail(problem, err)
	}
	return &Served{Chatted: true}, nil // answered, or failed in a way one request may
}

// listModels asks ep for its models: the sorted ids of an OpenAI model list, with the HTTP
// status; nil ids when the answer is not such a list.
func listModels(ctx context.Context, ep Endpoint) ([]string, int, error) {
	u, err := url.Parse(ep.BaseURL)
	if err != nil {
		return nil, 0, fmt.Errorf("base URL: %w", err)
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/models"
	u.RawPath = ""
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, err
	}
	if ep.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+ep.APIKey)
	}
	hc := ep.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	var body struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil || resp.StatusCode != http.StatusOK || json.Unmarshal(data, &body) != nil || body.Data == nil {
		return nil, resp.StatusCode, nil
	}
	ids := make([]string, 0, len(body.Data))
	for _, d := range body.Data {
		ids = append(ids, d.ID)
	}
	slices.Sort(ids)
	return ids, resp.StatusCode, nil
}
