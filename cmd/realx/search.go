package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/search"
	"github.com/realx-bench/realx/runners/tools/search/provider"
	"github.com/realx-bench/realx/runners/tools/search/store"
)

// searchFlags are the flags of `realx run` that say how the search tools are answered, and
// how the model's turns are recorded or replayed.
func searchFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "search", Usage: "how the search tools are answered: live, record (ask, and write to --search-store), replay (from the store only; a request it lacks fails its sample) or replay-or-live",
			DefaultText: "replay-or-live with --search-store; else live, from the provider or the offline corpus; else replay of the suite's shipped store"},
		&cli.StringFlag{Name: "search-store", Usage: "the search store directory: record and replay-or-live write to it, replay reads it", DefaultText: "the suite's shipped store, read-only"},
		&cli.StringFlag{Name: "search-provider", Usage: "the search provider: " + strings.Join(provider.Names(), ", ") + ", or none (the offline corpus, whatever the suite names); its key is read from its variable (SERPER_API_KEY …)", DefaultText: "the suite's, else the offline corpus"},
		&cli.StringFlag{Name: "search-base-url", Usage: "the search provider's endpoint (a proxy, a SearXNG instance)", DefaultText: "$REALX_<PROVIDER>_BASE_URL, else the provider's"},
		&cli.StringFlag{Name: "search-corpus", Usage: "an offline corpus: JSON Lines of {id, title, url, text, images}", DefaultText: "the suite's"},
		&cli.StringFlag{Name: "search-upload-cmd", Usage: "a shell command that uploads an image (on stdin) and prints its public URL, for reverse image search by URL", DefaultText: "$" + provider.UploadCommandVar},
		&cli.StringFlag{Name: "search-image-url-prefix", Usage: "a public URL prefix under which images are served as <sha256>.<ext> (written to $" + provider.ImageDirVar + " when set)", DefaultText: "$" + provider.ImageURLPrefixVar},
		&cli.StringFlag{Name: "search-summarizer", Usage: "summarise long pages web_visit reads with this model (PROVIDER:MODEL, a models file's name, or a name with --search-summarizer-base-url); else they are cut"},
		&cli.StringFlag{Name: "search-summarizer-base-url", Usage: "the page summarizer's OpenAI-compatible base URL"},
		&cli.StringFlag{Name: "search-summarizer-api-key-env", Usage: "the environment variable holding the page summarizer's API key"},
		&cli.StringFlag{Name: "record-model", Usage: "append the model's replies to this JSON Lines file as the run goes: a recording --replay-model plays again"},
		&cli.StringFlag{Name: "replay-model", Usage: "answer the model's turns from a recording (--record-model's) instead of an endpoint: no model is called, and a request the recording lacks fails its sample"},
	}
}

// readSearchConfig reads the search flags; getenv reads the uploader's settings and the
// summarizer's key, and models is the models file's entries (nil for none).
func readSearchConfig(c *cli.Context, getenv func(string) string, models map[string]runners.ModelEntry) (*realx.SearchConfig, error) {
	cfg := &realx.SearchConfig{Mode: search.Mode(c.String("search")), Store: c.String("search-store"),
		Provider: c.String("search-provider"), BaseURL: c.String("search-base-url"), Corpus: c.String("search-corpus"),
		AllowPrivateURLs: c.Bool("allow-private-urls"), Getenv: getenv}
	if cfg.Mode != "" {
		if _, err := search.ParseMode(string(cfg.Mode)); err != nil {
			return nil, fmt.Errorf("--search: %w", err)
		}
	}
	if p := cfg.Provider; p != "" && p != realx.NoProvider {
		if _, ok := provider.Lookup(p); !ok {
			return nil, fmt.Errorf("--search-provider: unknown search provider %q: the providers are %s", p, strings.Join(provider.Names(), ", "))
		}
	}
	if u := cfg.BaseURL; u != "" && !runners.IsHTTPURL(u) {
		return nil, fmt.Errorf("--search-base-url %q is not an http(s) URL", runners.RedactURL(u))
	}
	upload := cmp.Or(c.String("search-upload-cmd"), getenv(provider.UploadCommandVar))
	prefix := cmp.Or(c.String("search-image-url-prefix"), getenv(provider.ImageURLPrefixVar))
	switch {
	case upload != "" && prefix != "":
		return nil, errors.New("--search-upload-cmd and --search-image-url-prefix (or their variables) are two ways of giving images a URL: give one")
	case upload != "":
		cfg.Uploader = &provider.CommandUploader{Command: upload}
	case prefix != "":
		if !runners.IsHTTPURL(prefix) {
			return nil, fmt.Errorf("--search-image-url-prefix %q is not an http(s) URL", prefix)
		}
		cfg.Uploader = &provider.PrefixUploader{Prefix: prefix, Dir: getenv(provider.ImageDirVar)}
	}
	if name := c.String("search-summarizer"); name != "" {
		m, err := realx.ResolveModel(realx.ModelRef{Name: name, BaseURL: c.String("search-summarizer-base-url"),
			KeyEnv: c.String("search-summarizer-api-key-env"), Models: models, ModelsFile: c.String("models")}, getenv)
		if err != nil {
			return nil, fmt.Errorf("--search-summarizer: %w", err)
		}
		cfg.Summarizer = m
	} else if c.IsSet("search-summarizer-base-url") || c.IsSet("search-summarizer-api-key-env") {
		return nil, errors.New("--search-summarizer-base-url and --search-summarizer-api-key-env go with --search-summarizer")
	}
	return cfg, nil
}

// noteUnusedSearchFlags notes the search flags given to a run none of whose suites calls a
// search tool: they change nothing.
func noteUnusedSearchFlags(c *cli.Context, eng *realx.Engine) {
	if _, counts := eng.SearchCounts(); counts != nil {
		return
	}
	var given []string
	for _, f := range searchFlags() {
		name := f.Names()[0]
		if strings.HasPrefix(name, "search") && c.IsSet(name) {
			given = append(given, "--"+name)
		}
	}
	if len(given) > 0 {
		fmt.Fprintf(c.App.ErrWriter, "realx: note: no suite of this run calls a search tool: %s changes nothing\n", strings.Join(given, ", "))
	}
}

// replayURL is the base URL a run whose model is replayed records: "replay:FILE".
func replayURL(file string) string { return "replay:" + file }

// replayedModel returns the model of a run whose turns are replayed from the recording file
// (--replay-model), named by --label or --model, and the Connect of an Engine that answers
// its calls from the recording.
func replayedModel(c *cli.Context, file string) (*realx.Model, func(runners.Endpoint) runners.Model, error) {
	if c.IsSet("base-url") || c.IsSet("api-key-env") {
		return nil, nil, errors.New("--replay-model calls no endpoint: leave out --base-url and --api-key-env")
	}
	rp, err := runners.OpenReplay(file)
	if err != nil {
		return nil, nil, err
	}
	label := cmp.Or(c.String("label"), c.String("model"), "replayed")
	m := &realx.Model{Label: label, Endpoint: runners.Endpoint{BaseURL: replayURL(file), Model: label}, URLFrom: "--replay-model"}
	connect := func(ep runners.Endpoint) runners.Model {
		if ep.BaseURL == m.Endpoint.BaseURL {
			return rp
		}
		return runners.NewOpenAI(ep)
	}
	return m, connect, nil
}

// printSearchCounts prints what the run's searches did, by kind, when it had search tools.
func printSearchCounts(w io.Writer, eng *realx.Engine) {
	mode, counts := eng.SearchCounts()
	if counts == nil {
		return
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(counts.ByKind)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts.ByKind[k].Requests))
	}
	t := counts.Total()
	fmt.Fprintf(w, "realx: searches (%s): %d requests (%s): %d from the store, %d missing from it, %d asked live, %d recorded\n",
		mode, t.Requests, strings.Join(parts, ", "), t.StoreHits, t.StoreMisses, t.Live, t.Recorded)
}

// searchCommand is `realx search`: moving search stores between machines, and importing
// DeepEyesV2's image-search cache.
func searchCommand() *cli.Command {
	return &cli.Command{
		Name:  "search",
		Usage: "export, import and merge search stores (the recorded answers of the search tools)",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError("search: unknown command %q (want export or import; see realx search --help)", c.Args().First())
			}
			return cli.ShowSubcommandHelp(c)
		},
		Subcommands: []*cli.Command{
			{
				Name:      "export",
				Usage:     "write a search store as a .tar.gz archive: the same store gives the same bytes on any machine",
				ArgsUsage: "STORE_DIR",
				Flags:     []cli.Flag{&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "the archive (- for stdout); required"}},
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usageError("search export: name one store directory")
					}
					if c.String("output") == "" {
						return usageError("search export: give the archive to write (-o FILE.tar.gz, or -o - for stdout)")
					}
					s, err := openStore(c.Args().First())
					if err != nil {
						return err
					}
					if out := c.String("output"); out != "-" {
						f, err := reports.CreateOutput(out)
						if err != nil {
							return err
						}
						defer f.Abort()
						if err := store.Export(s, f); err != nil {
							return err
						}
						return f.Commit()
					}
					return store.Export(s, c.App.Writer)
				},
			},
			{
				Name:  "import",
				Usage: "add an archive (search export's), another store directory, or DeepEyesV2's image-search cache (--from deepeyesv2) to a store, every file checked",
				Description: `realx search import STORE_DIR ARCHIVE.tar.gz     the records and images of an exported store
realx search import STORE_DIR OTHER_STORE_DIR    merge another store
realx search import STORE_DIR --from deepeyesv2 CACHE.json --images DIR
    DeepEyesV2's released cache (fvqa_train_image_search_results_cache.json and the unpacked
    cached_images/ of honglyhly/DeepEyesV2_Search_Cache): one image search per sample id,
    which the deepeyesv2 image_search finds by the sample's id.
A record the store holds with other content is kept, and listed, unless --overwrite.`,
				ArgsUsage: "STORE_DIR SOURCE",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "from", Usage: "the source's format: realx (an archive or a store directory) or deepeyesv2 (a cache JSON)", Value: "realx"},
					&cli.StringFlag{Name: "images", Usage: "with --from deepeyesv2: the directory of the cache's images"},
					&cli.BoolFlag{Name: "overwrite", Usage: "replace records the store holds with other content"},
				},
				Action: importStore,
			},
		},
	}
}

// importStore is `realx search import`.
func importStore(c *cli.Context) error {
	if c.NArg() != 2 {
		return usageError("search import: name the store directory and what to import into it")
	}
	dst, src := c.Args().Get(0), c.Args().Get(1)
	s, err := store.Open(dst)
	if err != nil {
		return err
	}
	o := store.ImportOptions{Overwrite: c.Bool("overwrite")}
	var st store.ImportStats
	switch from := c.String("from"); {
	case from == "deepeyesv2":
		if c.String("images") == "" {
			return usageError("search import --from deepeyesv2: give the directory of the cache's images (--images DIR)")
		}
		f, err := os.Open(src)
		if err != nil {
			return err
		}
		defer f.Close()
		st, err = store.ImportDeepEyesV2(s, f, os.DirFS(c.String("images")), store.DeepEyesV2Options{Overwrite: o.Overwrite})
		if err != nil {
			return err
		}
	case from != "realx":
		return usageError("search import: unknown --from %q (want realx or deepeyesv2)", from)
	case c.IsSet("images"):
		return usageError("search import: --images goes with --from deepeyesv2")
	default:
		fi, err := os.Stat(src)
		if err != nil {
			return err
		}
		if fi.IsDir() {
			other, err := store.OpenFS(os.DirFS(src))
			if err != nil {
				return err
			}
			st, err = store.Merge(s, other, o)
			if err != nil {
				return err
			}
			break
		}
		f, err := os.Open(src)
		if err != nil {
			return err
		}
		defer f.Close()
		if st, err = store.Import(s, f, o); err != nil {
			return err
		}
	}
	digest, err := s.Digest()
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "imported into %s: %d records, %d images written, %d records there already", dst, st.Records, st.Blobs, st.Same)
	if st.Missing > 0 {
		fmt.Fprintf(c.App.Writer, ", %d results without their image left out", st.Missing)
	}
	fmt.Fprintf(c.App.Writer, "; store %s\n", digest)
	if n := len(st.Conflicts); n > 0 {
		what := "kept the store's"
		if o.Overwrite {
			what = "replaced them"
		}
		fmt.Fprintf(c.App.ErrWriter, "realx: %d records differ from the store's (%s): %s\n", n, what, strings.Join(st.Conflicts[:min(n, 5)], ", "))
	}
	return nil
}

// openStore opens an existing store directory for reading.
func openStore(dir string) (*store.Store, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	return store.OpenFS(os.DirFS(dir))
}
