package main

import (
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/tasks/source/hubtest"
)

// This file holds the rows of TestSuitesRunOnFixtures for the search suites: RealX-Bench,
// MMSearch, FVQA, InfoSeek, SimpleVQA and BrowseComp-VL, each on a fixture in the format of its
// real data.

func init() {
	suiteRows = append(suiteRows, realXBenchRow)
}

// realXBenchQA are the fixture's questions of realXBenchRow as its scripted model answers them:
// the first two by exact match (the second with one of the accepted answers joined by " or "),
// the third by the judge only, the fourth wrong.
var realXBenchQA = []scriptedQA{
	{"What colour is the door", "door colour", "red"},
	{"Who designed the museum", "museum architect", "Gehry"},
	{"In what year was this flag made official", "flag official law year", "it was 1999, by law"},
	{"What is the capital of the country", "capital city", "Oslo"},
}

// realXBenchRow runs realx-bench as DeepEyesV2 (the preset deepeyesv2-7b): the rule, then the
// verify.md judge.
var realXBenchRow = suiteRow{
	suite:    "realx-bench",
	fixture:  realXBenchFixture,
	model:    "deepeyesv2-7b",
	reply:    deepEyesV2Searcher(realXBenchQA...),
	judge:    verifyJudge("it was 1999, by law"),
	accuracy: "75.0", n: 4,
	check: func(t *testing.T, run string) {
		caps := report(t, run, "--format", "csv")
		assert.Contains(t, caps, "integration,")
		assert.Contains(t, caps, "perception,")
		assert.Contains(t, caps, "search+reason,")
		steps := report(t, run, "--by", "judge_step", "--format", "csv")
		assert.Contains(t, steps, "llm", "the judge decided the answers the rule did not")
	},
}

// realXBenchFixture is RealX-Bench as the hub's Parquet conversion of glowol/RealXBench holds
// it: query, answer (accepted answers joined by " or "), the 0/1 flags and the image.
func realXBenchFixture(t *testing.T) suiteFixture {
	flag := func() parquet.Node { return parquet.Leaf(parquet.Int64Type) }
	cols := parquet.Group{"query": parquet.String(), "answer": parquet.String(),
		"perception": flag(), "search": flag(), "reason": flag(), "image": hubtest.Image()}
	rows := []map[string]any{
		{"query": "What colour is the door in the photo?", "answer": "red", "perception": int64(1), "search": int64(0), "reason": int64(0)},
		{"query": "Who designed the museum in the photo?", "answer": "Frank Gehry or Gehry", "perception": int64(0), "search": int64(1), "reason": int64(0)},
		{"query": "In what year was this flag made official by law?", "answer": "1999", "perception": int64(1), "search": int64(1), "reason": int64(1)},
		{"query": "What is the capital of the country whose flag this is?", "answer": "Stockholm", "perception": int64(0), "search": int64(1), "reason": int64(1)},
	}
	for i, r := range rows {
		r["image"] = hubtest.ImageValue(pngOf(t, uint32(0x204060*(i+1))), "")
	}
	data, err := hubtest.Parquet(cols, rows, 0)
	require.NoError(t, err)
	return suiteFixture{
		Files: map[string][]byte{"default/test/0000.parquet": data},
		Corpus: []corpusDoc{
			{ID: "door", Title: "The red door", URL: "https://example.org/door", Text: "The door colour of the house is red."},
			{ID: "museum", Title: "Guggenheim Bilbao", URL: "https://example.org/museum", Text: "The museum architect was Frank Gehry."},
			{ID: "flag", Title: "Flag of Japan", URL: "https://example.org/flag", Text: "The flag was made official by law in 1999: the flag official law year."},
			{ID: "capital", Title: "Sweden", URL: "https://example.org/sweden", Text: "The capital city of Sweden is Stockholm."},
		},
	}
}
