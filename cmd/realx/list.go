package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx/benchmarks"
	"github.com/realx-bench/realx/reports"
)

func listCommand() *cli.Command {
	return &cli.Command{
		Name:      "list",
		Usage:     "list the shipped suites and their sizes",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			formatFlag("the listing's format"),
		},
		Action: func(c *cli.Context) error {
			format := c.String("format")
			type suite struct {
				Name         string   `json:"suite"`
				Version      string   `json:"version"`
				Samples      int      `json:"samples"`
				Capabilities []string `json:"capabilities"`
				Judge        string   `json:"judge"`
			}
			var suites []suite
			g := &reports.Grid{Header: []string{"suite", "judge", "capabilities", "version", "samples"}, Left: 3}
			for _, name := range benchmarks.List() {
				s, err := benchmarks.Load(name)
				if err != nil {
					return fmt.Errorf("shipped suite %s: %w", name, err)
				}
				ds, err := s.Samples()
				if err != nil {
					return fmt.Errorf("shipped suite %s: %w", name, err)
				}
				caps := make([]string, len(s.Capabilities))
				for i, cp := range s.Capabilities {
					caps[i] = cp.Name
				}
				suites = append(suites, suite{name, s.Version, len(ds.Samples), caps, s.Judge.Kind})
				g.Rows = append(g.Rows, []string{name, s.Judge.Kind, strings.Join(caps, ", "), s.Version,
					strconv.Itoa(len(ds.Samples))})
			}
			return reports.Write(c.App.Writer, reports.Listing{Grid: g, Value: suites}, format, 0)
		},
	}
}
