package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/realx-bench/realx/runners/tools/search/provider"
)

// DeepEyesV2Provider is the provider name of records imported from DeepEyesV2's cache.
const DeepEyesV2Provider = "deepeyesv2-cache"

// DeepEyesV2Options configure ImportDeepEyesV2.
type DeepEyesV2Options struct {
	// SampleID maps a cache key ("fvqa_train_12") to the id of the suite's sample; nil keeps
	// the key.
	SampleID func(key string) string
	// QueryImage returns the image a sample searched with, when the dataset is at hand; its
	// record is then also keyed by the image's hash, so that it answers a search with that image
	// in any sample. Nil, or an error, keys the record by sample only.
	QueryImage func(key string) ([]byte, error)
	// Overwrite replaces records the store holds with other content.
	Overwrite bool
}

// deepEyesV2Entry is one value of the cache: the titles of the results and their cached
// images, in order.
type deepEyesV2Entry struct {
	Titles []string  `json:"tool_returned_web_title"`
	Paths  []*string `json:"cached_images_path"`
}

// ImportDeepEyesV2 reads DeepEyesV2's released image-search cache
// (fvqa_train_image_search_results_cache.json of honglyhly/DeepEyesV2_Search_Cache, after
// MMSearch-R1: a JSON object keyed by sample id whose values are {"tool_returned_web_title":
// [...], "cached_images_path": [...]}) into s. images holds the cached images (the unpacked
// cached_images archive); a path of the cache is looked for in images as it is and then without
// its leading directories, so that the absolute paths of the machine that wrote the cache are
// found. As DeepEyesV2's search_utils does, a result whose image is null or missing is dropped
// with its title (counted in Missing).
//
// Each sample becomes the record of ImageOfSample(SampleID(key)): its hits in order, each a
// title and its image as the thumbnail.
func ImportDeepEyesV2(s *Store, cache io.Reader, images fs.FS, o DeepEyesV2Options) (ImportStats, error) {
	var st ImportStats
	if !s.Writable() {
		return st, errors.New("search store import: the store is read-only (a snapshot): import into a directory")
	}
	dec := json.NewDecoder(cache)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return st, fmt.Errorf("deepeyesv2 cache: not a JSON object keyed by sample id (%v)", err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return st, fmt.Errorf("deepeyesv2 cache: %w", err)
		}
		key := tok.(string)
		var e deepEyesV2Entry
		if err := dec.Decode(&e); err != nil {
			return st, fmt.Errorf("deepeyesv2 cache: sample %q: %w", key, err)
		}
		if len(e.Titles) != len(e.Paths) {
			return st, fmt.Errorf("deepeyesv2 cache: sample %q has %d titles and %d image paths", key, len(e.Titles), len(e.Paths))
		}
		var hits []provider.Hit
		for i, p := range e.Paths {
			if p == nil {
				st.Missing++
				continue
			}
			data, err := findImage(images, *p)
			if err != nil {
				st.Missing++
				continue
			}
			blob, err := s.PutBlob(data, http.DetectContentType(data))
			if err != nil {
				return st, err
			}
			hits = append(hits, provider.Hit{Title: e.Titles[i], Thumb: blob})
		}
		id := key
		if o.SampleID != nil {
			id = o.SampleID(key)
		}
		reqs := []Request{ImageOfSample(id)}
		if o.QueryImage != nil {
			if img, err := o.QueryImage(key); err == nil && len(img) > 0 {
				reqs = append(reqs, Image(img, ""))
			}
		}
		for _, r := range reqs {
			n, err := add(s, []*Record{{Request: r, Provider: DeepEyesV2Provider, Hits: hits}}, nil, nil, ImportOptions{Overwrite: o.Overwrite})
			if err != nil {
				return st, err
			}
			st.Records += n.Records
			st.Same += n.Same
			st.Conflicts = append(st.Conflicts, n.Conflicts...)
		}
	}
	slices.Sort(st.Conflicts)
	return st, nil
}

// findImage reads p from images: as it is, then without one leading directory after another.
func findImage(images fs.FS, p string) ([]byte, error) {
	p = strings.TrimLeft(path.Clean(strings.ReplaceAll(p, "\\", "/")), "/")
	for p != "" && p != "." {
		if fs.ValidPath(p) {
			if b, err := fs.ReadFile(images, p); err == nil {
				return b, nil
			}
		}
		_, rest, ok := strings.Cut(p, "/")
		if !ok {
			break
		}
		p = rest
	}
	return nil, fs.ErrNotExist
}
