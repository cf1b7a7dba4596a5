package reports

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

// The files of a run directory.
const (
	ManifestFile = "manifest.json"
	ResultsFile  = "results.jsonl"
	BlobsDir     = "blobs"
)

// Manifest records everything needed to reproduce a run, and nothing secret: API keys appear
// only as the names of the environment variables they came from.
type Manifest struct {
	V       int       `json:"v"`
	Run     string    `json:"run"`
	Created time.Time `json:"created"`
	// Realx is the harness version that made the run.
	Realx string `json:"realx"`
	// Command is how the run was started, without the binary's path.
	Command []string `json:"command"`
	// Workdir is the directory the run was started from, against which the relative paths in
	// the manifest (suite sources) resolve; "" in manifests that did not record it.
	Workdir string      `json:"workdir,omitempty"`
	Suites  []SuiteInfo `json:"suites"`
	Model   ModelInfo   `json:"model"`
	Judges  []JudgeInfo `json:"judges,omitempty"`
	// Endpoints lists every endpoint the run called (its model's, its LLM judges'), with who
	// chose it and which key it was sent.
	Endpoints []Endpoint `json:"endpoints,omitempty"`
	// Concurrency and Limit are the -c and --limit of the run.
	Concurrency int `json:"concurrency,omitempty"`
	Limit       int `json:"limit,omitempty"`
	// Repeats is how many times each sample is run (--repeats); 0 means once.
	Repeats int `json:"repeats,omitempty"`
	// Shard is the part of the samples the run covers (--shard i/N); nil for all of them.
	Shard *Shard `json:"shard,omitempty"`
	// Shards lists the runs a merged run was made of (realx merge).
	Shards []ShardRun `json:"shards,omitempty"`
	// Rejudged names the run whose outputs a run graded again (realx rejudge).
	Rejudged *RejudgeInfo `json:"rejudged,omitempty"`
	// Search says how the run's search tools were answered; nil for a run without them.
	Search *SearchInfo `json:"search,omitempty"`
}

// SuiteInfo identifies a suite and its data by content.
type SuiteInfo struct {
	Name       string `json:"name"`
	Version    string `json:"version,omitempty"`
	Source     string `json:"source"`
	Digest     string `json:"digest"`
	Data       string `json:"data"`
	DataDigest string `json:"data_digest"`
	Samples    int    `json:"samples"`
	// Capabilities counts the samples by capability ("" for none), so that reports can say
	// how many each capability should have; ShardSamples counts, for a run of one shard, the
	// suite's samples in that shard, by capability. Both are nil in manifests written before
	// realx recorded them (and ShardSamples in a run of every sample).
	Capabilities map[string]int    `json:"capabilities,omitempty"`
	ShardSamples map[string]int    `json:"shard_samples,omitempty"`
	Generation   tasks.Generation  `json:"generation"`
	Images       tasks.ImagePolicy `json:"images"`
	Agent        tasks.AgentSpec   `json:"agent"`
	// Repeats is how many times each sample of the suite is run, when more than once.
	Repeats int `json:"repeats,omitempty"`
	// Paper holds the numbers papers report on the suite (its paper: block), which paper
	// tables print beside the measured ones.
	Paper []tasks.PaperNumber `json:"paper,omitempty"`
	// Sandbox is the containment of the suite's local python tool on the host that ran it
	// (cgroup, seccomp, user namespaces); nil when the suite runs no local python tool.
	Sandbox *runners.Containment `json:"sandbox,omitempty"`
}

// ModelInfo says which model answered, where.
type ModelInfo struct {
	Name    string `json:"name"`
	BaseURL string `json:"base_url,omitempty"`
	// BaseURLs lists every base URL of a merged run whose shards were served by different
	// endpoints; BaseURL is then the first shard's.
	BaseURLs []string `json:"base_urls,omitempty"`
	// APIKeyEnv is the name of the environment variable the key came from, never the key.
	APIKeyEnv string `json:"api_key_env,omitempty"`
	// Predictions is the predictions file a scored run graded, instead of a model.
	Predictions string `json:"predictions,omitempty"`
	// PredictionsDigest is the hex SHA-256 of the predictions file's bytes.
	PredictionsDigest string `json:"predictions_digest,omitempty"`
	// Prices are the model's prices, when a models file gave them.
	Prices *Prices `json:"prices,omitempty"`
}

// Prices are a model's prices in US dollars per million tokens, as a manifest records them.
type Prices = runners.Prices

// Endpoint is an OpenAI-compatible endpoint a run calls, as realx prints it before the first
// call and records it in the manifest: where it is, without credentials, who chose it, and
// which key, by the name of its environment variable, is sent to it.
type Endpoint struct {
	// Role is "model" or "judge"; a judge's Suite and Step say which one.
	Role  string `json:"role"`
	Suite string `json:"suite,omitempty"`
	Step  string `json:"step,omitempty"`
	Model string `json:"model"`
	// URL is the base URL without credentials (user info, query parameters named like keys).
	URL string `json:"url"`
	// URLFrom says who chose URL: a flag (--base-url), a models file, a provider's default,
	// or a suite or judge file, at its line.
	URLFrom string `json:"url_from"`
	// KeyEnv names the environment variable whose key is sent, "" when none is; KeyFrom says
	// who chose it, as URLFrom does.
	KeyEnv  string `json:"key_env,omitempty"`
	KeyFrom string `json:"key_from,omitempty"`
}

// String describes e in a line.
func (e Endpoint) String() string {
	role := e.Role
	switch {
	case e.Suite != "" && e.Step != "":
		role += " of " + e.Suite + " (" + e.Step + ")"
	case e.Suite != "":
		role += " of " + e.Suite
	}
	key := "no key"
	if e.KeyEnv != "" {
		key = "the key in $" + e.KeyEnv + " (chosen by " + e.KeyFrom + ")"
	}
	return fmt.Sprintf("%s: %s at %s (chosen by %s), sent %s", role, e.Model, e.URL, e.URLFrom, key)
}

// JudgeInfo identifies the judge of a suite.
type JudgeInfo struct {
	Suite string          `json:"suite"`
	ID    string          `json:"id"`
	Spec  tasks.JudgeSpec `json:"spec"`
}

// The permissions realx asks for the files and directories of a run directory: the kernel
// takes away what the umask says, so that they follow it as any tool's files do (with the
// usual umask 022, 0644 and 0755; with 002, a group shares them). What is private on purpose is
// made otherwise: an unfinished rejudge's directory (this user alone until it is complete),
// the files of an unsandboxed python session, standard input spooled for a report.
const (
	FilePerm os.FileMode = 0o666
	DirPerm  os.FileMode = 0o777
)

// CreateTemp creates a new file in dir, named by pattern with a random string for its last
// "*" (as os.CreateTemp), exclusively, with FilePerm less the umask: os.CreateTemp makes 0600,
// which would keep a run directory's files from the teammates it is shared with.
func CreateTemp(dir, pattern string) (*os.File, error) {
	prefix, suffix := pattern, ""
	if i := strings.LastIndex(pattern, "*"); i >= 0 {
		prefix, suffix = pattern[:i], pattern[i+1:]
	}
	for range 10000 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		name := filepath.Join(dir, prefix+hex.EncodeToString(b[:])+suffix)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, FilePerm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("creating a file in %s: too many names taken", dir)
}

// NewRunID returns a fresh run id: the UTC time and a random suffix.
func NewRunID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// ReadManifest reads dir/manifest.json.
func ReadManifest(dir string) (*Manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestFile), err)
	}
	return &m, nil
}

// WriteManifest writes m to dir/manifest.json atomically, creating dir if needed.
func WriteManifest(dir string, m *Manifest) error {
	if err := os.MkdirAll(dir, DirPerm); err != nil {
		return err
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, ManifestFile), append(data, '\n'))
}

// writeFileAtomic writes data to path through a new file renamed over it, so that a reader
// sees the old file or the new one, never half of it. The file follows the umask, as every
// file of a run directory does.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Blobs stores images of a run by content under its blobs/ directory. It implements
// runners.BlobStore and is safe for concurrent use.
type Blobs struct {
	Dir string
}

// Put stores data as blobs/<sha256> unless it is there already, and returns the hash.
func (b *Blobs) Put(data []byte) (string, error) {
	sum := sha256.Sum256(data)
	key := hex.EncodeToString(sum[:])
	path := filepath.Join(b.Dir, key)
	if _, err := os.Stat(path); err == nil {
		return key, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if err := os.MkdirAll(b.Dir, DirPerm); err != nil {
		return "", err
	}
	return key, writeFileAtomic(path, data)
}

// Get returns the blob stored under key.
func (b *Blobs) Get(key string) ([]byte, error) {
	return os.ReadFile(filepath.Join(b.Dir, key))
}

// CopyBlobs gives run directory dst every blob of run directory src that it lacks, by hard
// link where it can, so that a run made from another's records (realx rejudge) stands on its
// own.
func CopyBlobs(src, dst string) error {
	return copyBlobs(filepath.Join(src, BlobsDir), filepath.Join(dst, BlobsDir))
}
