package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/env/tau2"
	"github.com/realx-bench/realx/tasks"
)

// userFlags are the flags of the model that plays τ2's simulated user.
func userFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "user-model", Usage: "the model that plays the simulated user of τ2 suites (tau2-airline, tau2-retail): a name from --models, PROVIDER:MODEL, or a model name with --user-base-url"},
		&cli.StringFlag{Name: "user-base-url", Usage: "the OpenAI-compatible base URL of the --user-model"},
		&cli.StringFlag{Name: "user-api-key-env", Usage: "the environment variable holding the --user-model's API key (default: the provider's)"},
		&cli.Float64Flag{Name: "user-temperature", Usage: "the simulated user's sampling temperature", DefaultText: "the models file's, else 0 (τ2's)"},
	}
}

// simulatedUser is the model that plays τ2's user, when --user-model names one.
type simulatedUser struct {
	model  *realx.Model
	client runners.Model
	gen    tasks.Generation
}

// connectUser resolves and connects the --user-model; nil when it is not given.
func connectUser(c *cli.Context, eng *realx.Engine, models map[string]runners.ModelEntry, getenv func(string) string) (*simulatedUser, error) {
	name := c.String("user-model")
	if name == "" {
		if c.IsSet("user-base-url") || c.IsSet("user-api-key-env") {
			return nil, fmt.Errorf("--user-base-url and --user-api-key-env need --user-model")
		}
		return nil, nil
	}
	m, err := realx.ResolveModel(realx.ModelRef{Name: name, BaseURL: c.String("user-base-url"), KeyEnv: c.String("user-api-key-env"), Models: models}, getenv)
	if err != nil {
		return nil, fmt.Errorf("--user-model: %w", err)
	}
	// The user's flags chose what ResolveModel credits to the model's.
	m.URLFrom = strings.Replace(m.URLFrom, "--base-url", "--user-base-url", 1)
	m.KeyFrom = strings.Replace(m.KeyFrom, "--api-key-env", "--user-api-key-env", 1)
	m.Endpoint.Timeout = c.Duration("request-timeout")
	client, err := eng.ConnectUser(m)
	if err != nil {
		return nil, fmt.Errorf("--user-model: %w", err)
	}
	gen := m.Generation
	if t := c.Float64("user-temperature"); c.IsSet("user-temperature") || gen.Temperature == nil {
		gen.Temperature = &t
	}
	return &simulatedUser{model: m, client: client, gen: gen}, nil
}

// use gives a τ2 suite's plan its simulated user, and refuses a τ2 suite without one.
func (u *simulatedUser) use(s *tasks.Suite, spec tasks.AgentSpec, o *realx.PlanOptions) error {
	if spec.Environment == nil {
		return nil
	}
	if _, ok := tau2.Lookup(spec.Environment.Name); !ok {
		return nil
	}
	if u == nil {
		return fmt.Errorf("%s: suite %s is played with τ2's simulated user: give the model that plays it with --user-model", s.Source, s.Name)
	}
	o.Users = tau2.Users(u.client, u.gen)
	ep := realx.UserEndpoint(u.model, s.Name, tau2.PromptSHA256())
	o.UserEndpoint = &ep
	return nil
}
