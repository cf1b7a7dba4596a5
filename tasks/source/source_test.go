package source_test

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/tasks"
	"github.com/realx-bench/realx/tasks/source"
	"github.com/realx-bench/realx/tasks/source/hubtest"
)

const rev = "0123456789abcdef0123456789abcdef01234567"

// png1x1 is a 1×1 PNG.
var png1x1, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")

// realxBenchParquet is a Parquet file shaped as RealX-Bench's on the hub: a query, the
// accepted answers, the 0/1 capability flags, and an embedded image.
func realxBenchParquet(t *testing.T, rows int) []byte {
	t.Helper()
	var data []map[string]any
	for i := range rows {
		data = append(data, map[string]any{
			"query": fmt.Sprintf("What is shown in picture %d?", i), "answer": "a dot or a point",
			"perception": int64(1), "search": int64(i % 2), "reason": int64(0),
			"image": hubtest.ImageValue(png1x1, fmt.Sprintf("%d.png", i)),
		})
	}
	b, err := hubtest.Parquet(parquet.Group{
		"query": parquet.String(), "answer": parquet.String(),
		"perception": parquet.Int(64), "search": parquet.Int(64), "reason": parquet.Int(64),
		"image": parquet.Optional(hubtest.Image()),
	}, data, 2)
	require.NoError(t, err)
	return b
}

// parquetSuite is a suite reading a repository's Parquet shards.
const parquetSuite = `name: rx
data:
  source:
    repo: glowol/RealXBench
    revision: ` + rev + `
    samples: 6
    files:
      - path: data/test-00000-of-00002.parquet
      - path: data/test-00001-of-00002.parquet
  fields: {id: "#", question: query, images: [image]}
judge: {kind: em}
`

// writeSuite writes a suite file into a temporary directory and loads it, with its data
// cache cache.
func writeSuite(t *testing.T, yaml, cache string) *tasks.Suite {
	t.Helper()
	name := filepath.Join(t.TempDir(), "suite.yaml")
	require.NoError(t, os.WriteFile(name, []byte(yaml), 0o644))
	s, err := tasks.LoadFile(name)
	require.NoError(t, err)
	s.SetDataCache(cache)
	return s
}

func puller(h *hubtest.Hub, cache string) *source.Puller {
	return &source.Puller{Cache: cache, Endpoint: h.URL, AllowPrivateURLs: true}
}

// TestPullParquetWithImages pulls a private repository's Parquet shards, one through the hub's
// redirect to its CDN: the token goes to the hub and not to the CDN, each file is verified and
// recorded in the lock file, and the suite then reads its samples, images embedded, from the
// cache. A second pull verifies and keeps what is there.
func TestPullParquetWithImages(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t)
	shard0, shard1 := realxBenchParquet(t, 4), realxBenchParquet(t, 2)
	h.Add("glowol/RealXBench", rev, true, map[string][]byte{
		"data/test-00000-of-00002.parquet": shard0,
		"data/test-00001-of-00002.parquet": shard1,
	}, "data/test-00000-of-00002.parquet")
	cache := t.TempDir()
	s := writeSuite(t, parquetSuite, cache)

	_, err := s.Samples()
	require.ErrorIs(t, err, tasks.ErrNotPulled, "a run never downloads")

	p := puller(h, cache)
	p.Token = h.Token
	var reports []source.Progress
	p.Progress = func(pr source.Progress) { reports = append(reports, pr) }
	res, err := p.Pull(context.Background(), s.Data.Source)
	require.NoError(t, err)
	require.Len(t, res, 2)
	assert.Equal(t, source.Result{Path: "data/test-00000-of-00002.parquet", Size: int64(len(shard0)), SHA256: hubtest.Digest(shard0),
		MD5: md5Hex(shard0), Status: source.Downloaded, Recorded: true, Commit: rev}, res[0])
	assert.Equal(t, hubtest.Digest(shard1), res[1].SHA256)
	last := reports[len(reports)-1]
	assert.True(t, last.Finished)
	assert.Equal(t, int64(len(shard1)), last.Done)

	var hub, cdn int
	for _, r := range h.Requests() {
		switch r.Server {
		case "hub":
			hub++
			assert.Equal(t, "Bearer "+h.Token, r.Authorization, "the token goes to the hub")
		case "cdn":
			cdn++
			assert.Empty(t, r.Authorization, "the token never goes to the CDN")
		}
	}
	assert.Equal(t, 2, hub)
	assert.Equal(t, 1, cdn)

	lock, err := tasks.ReadLock(cache, s.Data.Source)
	require.NoError(t, err)
	assert.Equal(t, "hf:glowol/RealXBench@"+rev, lock.Source)
	assert.Equal(t, tasks.LockedFile{SHA256: hubtest.Digest(shard0), MD5: md5Hex(shard0), Size: int64(len(shard0))}, lock.Files["data/test-00000-of-00002.parquet"])
	assert.Empty(t, lock.Commit, "a source at a commit records none")

	ds, err := s.Samples()
	require.NoError(t, err)
	require.Len(t, ds.Samples, 6, "both shards, in order")
	a := ds.Samples[5]
	assert.Equal(t, "5", a.ID)
	assert.Equal(t, "What is shown in picture 1?", a.Question)
	assert.Equal(t, "a dot or a point", a.Answer)
	assert.Equal(t, map[string]any{"perception": json.Number("1"), "search": json.Number("1"), "reason": json.Number("0")}, a.Metadata,
		"the embedded image is no metadata")
	require.Len(t, a.Images, 1)
	img, typ, err := a.Images[0].Read(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "image/png", typ)
	assert.Equal(t, png1x1, img)
	assert.Equal(t, filepath.Join(cache, "hf", "datasets", "glowol", "RealXBench", rev), ds.Path)

	before := len(h.Requests())
	res, err = p.Pull(context.Background(), s.Data.Source)
	require.NoError(t, err)
	assert.Equal(t, source.Present, res[0].Status)
	assert.Len(t, h.Requests(), before, "what is pulled is verified, not fetched again")
}

// TestPullTSVWithBase64Images pulls a VLMEvalKit TSV, its images in base64, from a URL (a
// source without a repository): no token is sent there, and the suite reads it from the cache.
func TestPullTSVWithBase64Images(t *testing.T) {
	t.Parallel()
	tsv, err := os.ReadFile("../testdata/vlmevalkit/quote_all.tsv")
	require.NoError(t, err)
	h := hubtest.New(t)
	h.Add("opencompass/vlmeval", rev, false, map[string][]byte{"MMBench.tsv": tsv})
	u := h.URL + "/datasets/opencompass/vlmeval/resolve/" + rev + "/MMBench.tsv"
	cache := t.TempDir()
	s := writeSuite(t, fmt.Sprintf("name: mmb\ndata:\n  source:\n    files: [{path: MMBench.tsv, url: %q, sha256: %s, size: %d}]\njudge: {kind: choice}\n",
		u, hubtest.Digest(tsv), len(tsv)), cache)

	p := puller(h, cache)
	p.Token = h.Token
	res, err := p.Pull(context.Background(), s.Data.Source)
	require.NoError(t, err)
	assert.False(t, res[0].Recorded, "the suite pins the digest")
	for _, r := range h.Requests() {
		assert.Empty(t, r.Authorization, "the token goes to the hub for a repository's files only")
	}
	ds, err := s.Samples()
	require.NoError(t, err)
	require.Len(t, ds.Samples, 4)
	assert.Equal(t, []string{"red", "blue", "green", "white"}, ds.Samples[0].Choices)
	require.Len(t, ds.Samples[2].Images, 2)
	for _, img := range ds.Samples[2].Images {
		assert.NoError(t, img.Check())
	}
	assert.Equal(t, hubtest.Digest(tsv), ds.Digest)
}

// TestPullResumesAnInterruptedDownload cuts a download through the CDN short: the pull fails
// and keeps what came, and the next one asks for the rest only (an HTTP range, through the
// hub's redirect), then verifies the whole file.
func TestPullResumesAnInterruptedDownload(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t)
	shard := realxBenchParquet(t, 40)
	const name = "data/test-00000-of-00001.parquet"
	h.Add("glowol/RealXBench", rev, false, map[string][]byte{name: shard}, name)
	h.Cut(name, 1000)
	cache := t.TempDir()
	src := &tasks.DataSource{Repo: "glowol/RealXBench", Revision: rev, Files: []tasks.SourceFile{{Path: name}}}
	p := puller(h, cache)

	_, err := p.Pull(context.Background(), src)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "1000 of the file's bytes are kept: pull again to resume")
	part := filepath.Join(tasks.EntryDir(cache, src)+".partial", filepath.FromSlash(name))
	st, err := os.Stat(part)
	require.NoError(t, err)
	assert.Equal(t, int64(1000), st.Size())

	res, err := p.Pull(context.Background(), src)
	require.NoError(t, err)
	assert.Equal(t, source.Resumed, res[0].Status)
	assert.Equal(t, hubtest.Digest(shard), res[0].SHA256)
	reqs := h.Requests()
	lastCDN := reqs[len(reqs)-1]
	assert.Equal(t, "cdn", lastCDN.Server)
	assert.Equal(t, "bytes=1000-", lastCDN.Range, "only the rest is fetched")
	got, err := os.ReadFile(filepath.Join(tasks.EntryDir(cache, src), filepath.FromSlash(name)))
	require.NoError(t, err)
	assert.Equal(t, shard, got)
	_, err = os.Stat(part)
	assert.ErrorIs(t, err, os.ErrNotExist, "the partial file is gone")
}

// TestPullRefusesAChecksumMismatch: a file whose SHA-256 is not the one the suite pins is
// refused with an error naming both digests and where the expected one comes from; nothing of
// it is kept, and the suite's data stays not pulled.
func TestPullRefusesAChecksumMismatch(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t)
	shard := realxBenchParquet(t, 3)
	h.Add("glowol/RealXBench", rev, false, map[string][]byte{"test.parquet": shard})
	cache := t.TempDir()
	wrong := strings.Repeat("ab", 32)
	s := writeSuite(t, fmt.Sprintf("name: rx\ndata:\n  source: {repo: glowol/RealXBench, revision: %s, files: [{path: test.parquet, sha256: %s}]}\n  fields: {id: \"#\", question: query}\njudge: {kind: em}\n", rev, wrong), cache)

	_, err := puller(h, cache).Pull(context.Background(), s.Data.Source)
	var ce *tasks.ChecksumError
	require.ErrorAs(t, err, &ce)
	assert.ErrorIs(t, err, tasks.ErrChecksum)
	assert.Equal(t, "glowol/RealXBench@0123456789ab:test.parquet: checksum mismatch: its SHA-256 is "+hubtest.Digest(shard)+
		", but "+wrong+" was pinned in the suite; the download was not kept: pull again, and if it fails the same way, the data is not the suite's", err.Error())
	entries, _ := os.ReadDir(tasks.EntryDir(cache, s.Data.Source))
	assert.Empty(t, entries, "nothing enters the cache")
	_, err = s.Samples()
	assert.ErrorIs(t, err, tasks.ErrNotPulled)
}

// TestPullChecksTheHubsDigest: a large file whose bytes are not those the hub's X-Linked-Etag
// gives (a corrupt CDN) is refused even when the suite pins nothing.
func TestPullChecksTheHubsDigest(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t)
	h.Add("o/d", rev, false, map[string][]byte{"a.parquet": []byte("the real bytes")}, "a.parquet")
	// The hub's digest names one blob; the CDN serves another under it.
	h.CorruptBlob("a.parquet", []byte("other bytes!!!"))
	_, err := puller(h, t.TempDir()).Pull(context.Background(), &tasks.DataSource{Repo: "o/d", Revision: rev, Files: []tasks.SourceFile{{Path: "a.parquet"}}})
	require.ErrorIs(t, err, tasks.ErrChecksum)
	assert.Contains(t, err.Error(), "given by the hub (X-Linked-Etag)")
}

// TestRunRefusesAChangedCachedFile: a file changed in the cache after its pull recorded it is
// refused when the suite reads it.
func TestRunRefusesAChangedCachedFile(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t)
	h.Add("glowol/RealXBench", rev, false, map[string][]byte{
		"data/test-00000-of-00002.parquet": realxBenchParquet(t, 4),
		"data/test-00001-of-00002.parquet": realxBenchParquet(t, 2),
	})
	cache := t.TempDir()
	s := writeSuite(t, parquetSuite, cache)
	_, err := puller(h, cache).Pull(context.Background(), s.Data.Source)
	require.NoError(t, err)
	name := filepath.Join(tasks.EntryDir(cache, s.Data.Source), "data", "test-00001-of-00002.parquet")
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	b[len(b)/2] ^= 1 // the same size, another byte
	require.NoError(t, os.WriteFile(name, b, 0o644))
	_, err = s.Samples()
	require.ErrorIs(t, err, tasks.ErrChecksum)
	assert.Contains(t, err.Error(), "recorded in the lock file when it was first pulled; the cached file changed since it was pulled: pull it again (realx data pull)")

	require.NoError(t, os.WriteFile(name, b[:10], 0o644))
	_, err = s.Samples()
	assert.ErrorIs(t, err, tasks.ErrNotPulled, "a file of another size is not the file pulled")
}

// TestPullHubRefusals: the hub's 401 and 404 answers each say what went wrong and what to do.
func TestPullHubRefusals(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t)
	h.Add("o/private", rev, true, map[string][]byte{"a.jsonl": []byte("{}\n")})
	h.Add("o/public", rev, false, map[string][]byte{"a.jsonl": []byte("{}\n")})
	other := strings.Repeat("f", 40)
	cases := []struct {
		repo, revision, file, token, want string
		status                            int
	}{
		{"o/private", rev, "a.jsonl", "", "the hub does not let o/private be read without a token: the repository does not exist, or it is private or gated (set HF_TOKEN to a token that can read it) (401 Unauthorized: Repository not found)", 401},
		{"o/missing", rev, "a.jsonl", "", "the hub does not let o/missing be read without a token", 401},
		{"o/private", rev, "a.jsonl", "hf_notTheHubsToken", "the hub refused the token in HF_TOKEN for o/private: it is not a valid token", 401},
		{"o/missing", rev, "a.jsonl", h.Token, "there is no dataset repository o/missing on the hub", 404},
		{"o/public", other, "a.jsonl", "", "o/public has no revision " + other + ": data.source.revision must be one of its commits (404 Not Found: Invalid rev id: " + other + ")", 404},
		{"o/public", rev, "b.jsonl", "", "o/public has no file b.jsonl at revision " + rev + ": check data.source.files (404 Not Found: Entry not found)", 404},
	}
	for _, c := range cases {
		p := puller(h, t.TempDir())
		p.Token = c.token
		_, err := p.Pull(context.Background(), &tasks.DataSource{Repo: c.repo, Revision: c.revision, Files: []tasks.SourceFile{{Path: c.file}}})
		var he *source.HubError
		require.ErrorAs(t, err, &he, c.want)
		assert.Equal(t, c.status, he.Status)
		assert.Contains(t, err.Error(), c.want)
		if c.token != "" {
			assert.NotContains(t, err.Error(), c.token)
		}
	}
}

// TestPullRefusesLocalAddresses: without AllowPrivateURLs, a download never connects to a
// loopback or private address, whatever the suite or HF_ENDPOINT names.
func TestPullRefusesLocalAddresses(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t)
	h.Add("o/d", rev, false, map[string][]byte{"a.jsonl": []byte("{}\n")})
	for _, src := range []*tasks.DataSource{
		{Repo: "o/d", Revision: rev, Files: []tasks.SourceFile{{Path: "a.jsonl"}}},
		{Files: []tasks.SourceFile{{Path: "a.jsonl", URL: h.URL + "/datasets/o/d/resolve/" + rev + "/a.jsonl"}}},
	} {
		_, err := (&source.Puller{Cache: t.TempDir(), Endpoint: h.URL}).Pull(context.Background(), src)
		require.ErrorIs(t, err, tasks.ErrOutside)
		assert.Contains(t, err.Error(), "is loopback: data is not pulled from local or private addresses unless allowed (realx data pull --allow-private-urls)")
	}
	assert.Empty(t, h.Requests())
}

// TestPullGivesUpOnAStalledDownload: a server that sends the headers and then nothing fails
// the download after the idle timeout, keeping it to resume.
func TestPullGivesUpOnAStalledDownload(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("partly"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	p := &source.Puller{Cache: t.TempDir(), AllowPrivateURLs: true, IdleTimeout: 1}
	_, err := p.Pull(context.Background(), &tasks.DataSource{Files: []tasks.SourceFile{{Path: "a.tsv", URL: srv.URL + "/a.tsv"}}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "received nothing for 1ns")
	assert.False(t, errors.Is(err, context.Canceled))
}

// md5Hex returns the hex MD5 of b.
func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// TestPullBranchRecordsItsCommit pulls a source named by a branch (the hub's Parquet
// conversion, refs/convert/parquet): the first pull records the commit the hub resolved it to
// in the lock file; once the branch has moved, a pull that downloads again is refused, naming
// both commits, and the data pulled so far stays readable.
func TestPullBranchRecordsItsCommit(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t)
	shard := realxBenchParquet(t, 3)
	const name = "default/train/0000.parquet"
	h.Add("glowol/RealXBench", rev, false, map[string][]byte{name: shard}, name)
	h.Branch("glowol/RealXBench", "refs/convert/parquet")
	cache := t.TempDir()
	s := writeSuite(t, "name: rx\ndata:\n  source: {repo: glowol/RealXBench, revision: refs/convert/parquet, files: [{path: "+name+"}]}\n"+
		"  fields: {id: \"#\", question: query}\njudge: {kind: em}\n", cache)
	src := s.Data.Source
	assert.False(t, src.Pinned())
	assert.Equal(t, filepath.Join(cache, "hf", "datasets", "glowol", "RealXBench", "refs%2Fconvert%2Fparquet"), tasks.EntryDir(cache, src))

	p := puller(h, cache)
	res, err := p.Pull(context.Background(), src)
	require.NoError(t, err)
	assert.Equal(t, rev, res[0].Commit)
	lock, err := tasks.ReadLock(cache, src)
	require.NoError(t, err)
	assert.Equal(t, rev, lock.Commit, "the commit the branch resolved to")
	assert.Equal(t, "hf:glowol/RealXBench@refs/convert/parquet", lock.Source)
	assert.Contains(t, h.Requests()[0].Path, "/resolve/refs/convert/parquet/", "the branch, escaped in the URL")

	// The branch moves to another commit with other data.
	other := realxBenchParquet(t, 4)
	const moved = "fedcba9876543210fedcba9876543210fedcba98"
	h.Add("glowol/RealXBench", moved, false, map[string][]byte{name: other}, name)
	before := len(h.Requests())
	_, err = p.Pull(context.Background(), src)
	require.NoError(t, err, "pulled before: verified, not fetched")
	assert.Len(t, h.Requests(), before)

	require.NoError(t, os.Remove(filepath.Join(tasks.EntryDir(cache, src), filepath.FromSlash(name))))
	_, err = p.Pull(context.Background(), src)
	var bm *source.BranchMovedError
	require.ErrorAs(t, err, &bm)
	assert.Contains(t, err.Error(), "glowol/RealXBench@refs/convert/parquet:default/train/0000.parquet: the hub served it from commit "+moved+
		", but the first pull of branch refs/convert/parquet recorded commit "+rev+" in the lock file: the branch moved")
	lock, err = tasks.ReadLock(cache, src)
	require.NoError(t, err)
	assert.Equal(t, rev, lock.Commit, "the recorded commit stands")
}

// TestPullChecksAPinnedMD5 pulls files whose publisher gives their MD5 only (VLMEvalKit's
// DATASET_MD5): a file that matches is pulled and its SHA-256 recorded; one that does not is
// refused with both MD5s.
func TestPullChecksAPinnedMD5(t *testing.T) {
	t.Parallel()
	tsv, err := os.ReadFile("../testdata/vlmevalkit/quote_minimal.tsv")
	require.NoError(t, err)
	h := hubtest.New(t)
	h.Add("DreamMr/HR-Bench", rev, false, map[string][]byte{"hr_bench_4k.tsv": tsv})
	cache := t.TempDir()
	suite := "name: hr\ndata:\n  source: {repo: DreamMr/HR-Bench, revision: main, files: [{path: hr_bench_4k.tsv, md5: %s}]}\njudge: {kind: choice}\n"
	s := writeSuite(t, fmt.Sprintf(suite, md5Hex(tsv)), cache)
	res, err := puller(h, cache).Pull(context.Background(), s.Data.Source)
	require.NoError(t, err)
	assert.Equal(t, md5Hex(tsv), res[0].MD5)
	assert.True(t, res[0].Recorded, "its SHA-256 is recorded")
	ds, err := s.Samples()
	require.NoError(t, err)
	assert.Len(t, ds.Samples, 4)

	wrong := strings.Repeat("0f", 16)
	s = writeSuite(t, fmt.Sprintf(suite, wrong), t.TempDir())
	_, err = puller(h, t.TempDir()).Pull(context.Background(), s.Data.Source)
	require.ErrorIs(t, err, tasks.ErrChecksum)
	assert.Contains(t, err.Error(), "DreamMr/HR-Bench@main:hr_bench_4k.tsv: checksum mismatch: its MD5 is "+md5Hex(tsv)+", but "+wrong+" was pinned in the suite")
}

// TestPullGlob pulls the files of a repository that a glob matches (the hub's Parquet
// conversion, whose shard names are not known in advance): the first pull lists the
// repository through the hub's tree API, every page of it, records the matching paths in the
// lock file and pulls them; the suite reads them in order, and later pulls take the recorded
// list without listing again.
func TestPullGlob(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t)
	h.PageSize = 2
	shard0, shard1 := realxBenchParquet(t, 3), realxBenchParquet(t, 2)
	h.Add("glowol/RealXBench", rev, true, map[string][]byte{
		"default/train/0000.parquet": shard0, "default/train/0001.parquet": shard1,
		"default/train/README.md": []byte("not a shard"), "other/test/0000.parquet": shard1,
	}, "default/train/0000.parquet")
	h.Branch("glowol/RealXBench", "refs/convert/parquet")
	cache := t.TempDir()
	s := writeSuite(t, "name: rx\ndata:\n  source: {repo: glowol/RealXBench, revision: refs/convert/parquet, samples: 5, files: [{glob: \"default/*/*.parquet\"}]}\n"+
		"  fields: {id: \"#\", question: query, images: [image]}\njudge: {kind: em}\n", cache)
	assert.Equal(t, "parquet", s.Data.Format, "from the glob's extension")
	st, err := s.PullStatus()
	require.NoError(t, err)
	assert.Equal(t, []string{"default/*/*.parquet"}, st.Missing)

	p := puller(h, cache)
	p.Token = h.Token
	res, err := p.Pull(context.Background(), s.Data.Source)
	require.NoError(t, err)
	require.Len(t, res, 2)
	assert.Equal(t, "default/train/0000.parquet", res[0].Path)
	assert.Equal(t, "default/train/0001.parquet", res[1].Path)
	var lists int
	for _, r := range h.Requests() {
		if strings.HasPrefix(r.Path, "/api/datasets/glowol/RealXBench/tree/refs/convert/parquet/default") {
			lists++
			assert.Equal(t, "Bearer "+h.Token, r.Authorization)
		}
	}
	assert.Greater(t, lists, 1, "every page of the listing")
	lock, err := tasks.ReadLock(cache, s.Data.Source)
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{"default/*/*.parquet": {"default/train/0000.parquet", "default/train/0001.parquet"}}, lock.Globs)

	ds, err := s.Samples()
	require.NoError(t, err)
	assert.Len(t, ds.Samples, 5, "both shards, in order")

	before := len(h.Requests())
	_, err = p.Pull(context.Background(), s.Data.Source)
	require.NoError(t, err)
	assert.Len(t, h.Requests(), before, "the recorded list, its files verified: nothing fetched")

	none := writeSuite(t, "name: rx\ndata:\n  source: {repo: glowol/RealXBench, revision: "+rev+", files: [{glob: \"default/*/*.jsonl\"}]}\njudge: {kind: em}\n", t.TempDir())
	_, err = p.Pull(context.Background(), none.Data.Source)
	assert.ErrorContains(t, err, `no file of glowol/RealXBench@0123456789ab matches data.source glob "default/*/*.jsonl"`)
}
