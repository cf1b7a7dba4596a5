// Package retail owns τ2-bench's retail domain (sierra-research/tau2-bench, MIT): its
// database, policy and tasks as published (SOURCE.md), and its tools written in Go from the
// published behaviour — the same names, parameters, results and error messages, so a model
// sees what it sees in τ2 and a run's calls rebuild the database τ2 would.
//
// New opens an environment on a database; its State is the database as canonical JSON (the
// model's dump with every key sorted, compact), which differs from the text τ2 hashes only by
// the separators' spaces. The τ2 framework (tasks, the simulated user, grading) lives elsewhere and uses this
// package through New, DB, Policy and Tasks.
package retail

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/env"
	"github.com/realx-bench/realx/runners/tools/env/tau2/pyjson"
)

var (
	//go:embed db.json.gz
	dbGzip []byte
	//go:embed policy.md
	policy []byte
	//go:embed tasks.json
	tasks []byte
	//go:embed tools.json
	toolsJSON []byte
)

// DB returns the shipped database (data/tau2/domains/retail/db.json), as published.
func DB() []byte {
	shipped.once.Do(loadShipped)
	if shipped.err != nil {
		panic(shipped.err) // the embedded file is part of the build
	}
	return bytes.Clone(shipped.text)
}

// Policy returns the agent's policy (data/tau2/domains/retail/policy.md), as published.
func Policy() []byte { return bytes.Clone(policy) }

// Tasks returns the shipped tasks (data/tau2/domains/retail/tasks.json), as published.
func Tasks() []byte { return bytes.Clone(tasks) }

// shipped is the shipped database, decompressed and read once.
var shipped struct {
	once sync.Once
	text []byte
	db   *database
	err  error
}

func loadShipped() {
	zr, err := gzip.NewReader(bytes.NewReader(dbGzip))
	if err == nil {
		shipped.text, err = io.ReadAll(zr)
	}
	if err == nil {
		shipped.db, err = parseDatabase(shipped.text)
	}
	if err != nil {
		shipped.err = fmt.Errorf("retail: the shipped db.json: %w", err)
	}
}

// parseDatabase reads a database from its JSON text.
func parseDatabase(text []byte) (*database, error) {
	tree, err := pyjson.Parse(text)
	if err != nil {
		return nil, err
	}
	return readDatabase(tree)
}

// New opens a retail environment on a database (JSON as db.json; nil for the shipped one). A
// database that does not read as τ2's data model is an error naming the field.
func New(db json.RawMessage) (env.Environment, error) {
	shipped.once.Do(loadShipped)
	if shipped.err != nil {
		return nil, shipped.err
	}
	var d *database
	if trimmed := bytes.TrimSpace(db); len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) || bytes.Equal(db, shipped.text) {
		d = shipped.db.clone() // the shipped database is read once
	} else {
		var err error
		if d, err = parseDatabase(db); err != nil {
			return nil, fmt.Errorf("retail database: %w", err)
		}
	}
	e := &environment{db: d}
	e.table = e.functions()
	return e, nil
}

// environment is one sample's retail store.
type environment struct {
	db    *database
	table env.Table
}

func (e *environment) Functions() []runners.ToolDef { return e.table.Functions() }

// Call runs the tool called name; an unknown name is refused as τ2 refuses it.
func (e *environment) Call(ctx context.Context, name string, args json.RawMessage) (*runners.Observation, error) {
	if !slices.ContainsFunc(e.table, func(f env.Function) bool { return f.Def.Name == name }) {
		return env.ErrorObservation(fmt.Sprintf("Tool '%s' not found.", name)), nil
	}
	return e.table.Call(ctx, name, args)
}

// State returns the database as canonical JSON: model_dump's tree with every pyjson.Object's keys
// sorted, compact, floats as Python writes them, every character outside printable ASCII and
// < > & escaped (so that Go's JSON encoding, which escapes those, leaves the bytes as they are).
func (e *environment) State() (json.RawMessage, error) {
	var b strings.Builder
	b.Grow(3 << 20)
	pyjson.Write(&b, e.db.tree(), pyjson.Style{SortKeys: true, Compact: true, EscapeHTML: true})
	return json.RawMessage(b.String()), nil
}

// tau2Hash is τ2's hash of the database (get_db_hash): the SHA-256 of
// json.dumps(db.model_dump(), sort_keys=True), in hex.
func (e *environment) tau2Hash() string {
	var b strings.Builder
	b.Grow(3 << 20)
	pyjson.Write(&b, e.db.tree(), pyjson.Style{SortKeys: true})
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}
