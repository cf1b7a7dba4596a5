package realx

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/tasks"
)

// Predictions are a published predictions file's outputs to grade, by sample id: a Plan with
// Predictions grades them in the model's place (realx score).
type Predictions struct {
	// Path is the file; Digest the hex SHA-256 of its bytes.
	Path, Digest string
	// ByID maps each sample id to its output.
	ByID map[string]string
}

// ReadPredictions reads a predictions file — JSONL, a JSON array, or a JSON object of records
// keyed by id — mapping each record's idField (its key, when absent) to its responseField. A
// record without the id or the response field is an error (one line for all the records that
// lack it), as is a second prediction for an id; a null response is an empty output; any other
// value that is not a string is written as Python's str() writes it (judges.PyStr), as official
// scorers read it. Every problem is returned at once, at its line.
func ReadPredictions(path, idField, responseField string) (*Predictions, error) {
	records, err := tasks.ReadRecords(path, "")
	if err != nil {
		return nil, err
	}
	preds := make(map[string]string, len(records))
	var problems tasks.Errors
	var noID, noResponse []int
	for _, r := range records {
		id := r.Key
		if v, ok := r.Value[idField]; ok {
			id, _ = tasks.Text(v)
		}
		if id == "" {
			noID = append(noID, r.Line)
			continue
		}
		v, ok := r.Value[responseField]
		if !ok {
			noResponse = append(noResponse, r.Line)
			continue
		}
		if _, dup := preds[id]; dup {
			problems = append(problems, &tasks.Error{File: path, Line: r.Line, Msg: fmt.Sprintf("a second prediction for %q", id)})
			continue
		}
		preds[id] = judges.PyStr(v)
	}
	if len(noID) > 0 {
		problems = append(problems, missingField(path, noID, fmt.Sprintf("no %q field to name the sample (--id-field)", idField)))
	}
	if len(noResponse) > 0 {
		problems = append(problems, missingField(path, noResponse, fmt.Sprintf("no %q field to grade (--response-field)", responseField)))
	}
	if len(problems) > 0 {
		problems.Sort()
		return nil, problems
	}
	digest, err := fileDigest(path)
	if err != nil {
		return nil, err
	}
	return &Predictions{Path: path, Digest: digest, ByID: preds}, nil
}

// Missing returns how many of the plan's samples have no prediction, and how many predictions
// name no sample of it.
func (ps *Predictions) Missing(p *Plan) (missing, extra int) {
	for i := range p.Samples {
		if _, ok := ps.ByID[p.Samples[i].ID]; !ok {
			missing++
		}
	}
	return missing, len(ps.ByID) - (len(p.Samples) - missing)
}

// missingField is the one problem of the records at lines that lack a field: "record has msg"
// for one, "N records have msg, at lines 1, 2, 3 …" for more.
func missingField(path string, lines []int, msg string) *tasks.Error {
	if len(lines) == 1 {
		return &tasks.Error{File: path, Line: lines[0], Msg: "record has " + msg}
	}
	shown := make([]string, 0, 3)
	for _, l := range lines[:min(3, len(lines))] {
		shown = append(shown, strconv.Itoa(l))
	}
	more := ""
	if len(lines) > 3 {
		more = " …"
	}
	return &tasks.Error{File: path, Line: lines[0], Msg: fmt.Sprintf("%d records have %s, at lines %s%s", len(lines), msg, strings.Join(shown, ", "), more)}
}

// fileDigest returns the hex SHA-256 of the file at path.
func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
