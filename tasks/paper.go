package tasks

import "cmp"

// PaperNumber is a number a paper reports on the suite, which a run of the model should
// reproduce: reports print it beside the measured value.
//
// It is the type of the same name that data-h14 adds (with its checks in validate.go), copied
// here field for field for the paper tables of issue 15: whichever lands second drops this
// file.
type PaperNumber struct {
	// Model names the model: a preset's name (deepeyesv2-7b) where there is one.
	Model string `yaml:"model" json:"model"`
	// Value is the figure as the paper gives it (accuracy in percent: 81.8).
	Value float64 `yaml:"value" json:"value"`
	// Metric is what the figure measures: accuracy when empty.
	Metric string `yaml:"metric" json:"metric,omitempty"`
	// Capability is the capability the figure is over (one of the suite's, or a "+" join of
	// them); the whole suite when empty.
	Capability string `yaml:"capability" json:"capability,omitempty"`
	// Source is where the figure is printed: "DeepEyesV2 (arXiv 2511.05271), Table 2".
	Source string `yaml:"source" json:"source"`
}

// MetricName returns the number's metric, accuracy when none is given.
func (p PaperNumber) MetricName() string { return cmp.Or(p.Metric, "accuracy") }
