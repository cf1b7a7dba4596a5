package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// versionCommand is `realx version`: what `realx --version` prints, as a command too, since
// that is where people look first.
func versionCommand() *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "print the version of realx",
		ArgsUsage: " ",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError("version: takes no arguments")
			}
			_, err := fmt.Fprintf(c.App.Writer, "realx version %s\n", version)
			return err
		},
	}
}
