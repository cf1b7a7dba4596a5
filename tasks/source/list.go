package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/realx-bench/realx/tasks"
)

// The limits of a listing of a repository's files.
const (
	maxListBytes = 64 << 20 // a page of the hub's tree API
	maxListPages = 1000
)

// treeEntry is one item of the hub's tree API: a file or a directory of a repository.
type treeEntry struct {
	Type string `json:"type"`
	Path string `json:"path"`
}

// linkNext reads the URL of the next page from a Link header, as the hub paginates.
var linkNext = regexp.MustCompile(`<([^>]+)>\s*;\s*rel="next"`)

// list returns the paths of src's repository files that match glob, sorted, as the hub's tree
// API lists them at the source's revision ($HF_ENDPOINT/api/datasets/REPO/tree/REVISION/DIR,
// recursively, beneath the pattern's directory without a wildcard, every page of it). A glob
// that matches no file is an error.
func (p *Puller) list(ctx context.Context, src *tasks.DataSource, glob string) ([]string, error) {
	base := strings.TrimRight(cmpOr(p.Endpoint, tasks.DefaultHubEndpoint), "/")
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s %q is not an http(s) URL", EndpointEnv, base)
	}
	dir := literalDir(glob)
	u := base + "/api/datasets/" + src.Repo + "/tree/" + url.PathEscape(src.Revision)
	if dir != "" {
		u += "/" + url.PathEscape(dir)
	}
	u += "?recursive=True&expand=False"
	var matched []string
	for page := 0; u != ""; page++ {
		if page == maxListPages {
			return nil, fmt.Errorf("listing %s: more than %d pages", src.Name(), maxListPages)
		}
		entries, next, err := p.listPage(ctx, src, glob, u)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if ok, _ := path.Match(glob, e.Path); ok && e.Type == "file" {
				matched = append(matched, e.Path)
			}
		}
		u = next
	}
	if len(matched) == 0 {
		return nil, fmt.Errorf("no file of %s matches data.source glob %q: check it against the repository's files", src.Name(), glob)
	}
	slices.Sort(matched)
	return slices.Compact(matched), nil
}

// listPage fetches one page of a listing, and the URL of the next ("" for none). The token
// goes to the hub alone, and the next page must be the hub's.
func (p *Puller) listPage(ctx context.Context, src *tasks.DataSource, glob, u string) ([]treeEntry, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", err
	}
	hubHost := p.hubHost()
	if req.URL.Host != hubHost {
		return nil, "", fmt.Errorf("listing %s: the hub's next page is on another host (%s)", src.Name(), req.URL.Host)
	}
	req.Header.Set("User-Agent", "realx")
	if p.Token != "" {
		req.Header.Set("Authorization", "Bearer "+p.Token)
	}
	client := &http.Client{Transport: p.transport(), CheckRedirect: func(*http.Request, []*http.Request) error {
		return errors.New("the hub's tree API does not redirect")
	}}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", fetchError(ctx, u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", p.statusError(src, tasks.SourceFile{Path: glob}, u, resp)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxListBytes+1))
	if err != nil {
		return nil, "", fetchError(ctx, u, err)
	}
	if len(body) > maxListBytes {
		return nil, "", fmt.Errorf("listing %s: a page of more than %d bytes", src.Name(), maxListBytes)
	}
	var entries []treeEntry
	if err := json.Unmarshal(body, &entries); err != nil {
		return nil, "", fmt.Errorf("listing %s: the hub's answer is not a list of files: %v", src.Name(), err)
	}
	next := ""
	if m := linkNext.FindStringSubmatch(resp.Header.Get("Link")); m != nil {
		next = m[1]
	}
	return entries, next, nil
}

// literalDir returns the directory of glob above its first wildcard: what the listing needs
// to cover ("" for the whole repository).
func literalDir(glob string) string {
	parts := strings.Split(glob, "/")
	var dir []string
	for _, part := range parts[:len(parts)-1] {
		if strings.ContainsAny(part, `*?[\`) {
			break
		}
		dir = append(dir, part)
	}
	return strings.Join(dir, "/")
}
