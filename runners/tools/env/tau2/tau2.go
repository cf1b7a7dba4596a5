// Package tau2 owns realx's τ2-bench (sierra-research/tau2-bench): its domains registered as
// environments ("tau2-airline"; "tau2-retail"), its tasks read from a sample (the user's
// scenario, the gold actions, communicate_info and reward_basis), its grading as τ2 grades —
// the database the run's calls make against the one the gold actions make on a fresh copy,
// compared by hash, the communicate_info checks, the NL assertions put to an LLM judge with
// τ2's prompt (nl.go), the reward the product of the reward_basis components — pass^k over
// repeats, and its user, simulated by a model with τ2's published
// guidelines (User).
//
// The domains' tools are written in Go in their own packages (airline, retail); this package
// wires them in.
package tau2

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/env"
	"github.com/realx-bench/realx/runners/tools/env/tau2/airline"
	"github.com/realx-bench/realx/runners/tools/env/tau2/retail"
	"github.com/realx-bench/realx/tasks"
)

// Domain is one τ2 domain: its environment and its data as published.
type Domain struct {
	// Name is τ2's name of the domain ("airline"); Kind the environment's name in a suite
	// ("tau2-airline").
	Name, Kind string
	// New opens the domain's environment on a database (the published one when it is empty).
	New func(db json.RawMessage) (env.Environment, error)
	// DB, Policy and Tasks return the published database, policy and tasks.
	DB, Policy, Tasks func() []byte

	// gold caches the hash of each task's gold database, by task ID.
	gold sync.Map
}

// domains are the registered domains, by name.
var domains = map[string]*Domain{}

// register adds a domain and registers its environment, which grades its episodes.
func register(d *Domain) {
	domains[d.Name] = d
	env.Register(env.Kind{
		Name:        d.Kind,
		Description: fmt.Sprintf("τ2-bench's %s domain: its tools on a fresh copy of its database, graded as τ2 grades", d.Name),
		New:         d.New,
		Grade: func(ctx context.Context, s *tasks.Sample, output string, ep *runners.Episode) (env.Grade, error) {
			r, err := d.GradeSample(ctx, s, ep)
			if err != nil {
				return env.Grade{}, err
			}
			return r.Grade(), nil
		},
	})
}

func init() {
	register(&Domain{Name: "airline", Kind: "tau2-airline", New: airline.New, DB: airline.DB, Policy: airline.Policy, Tasks: airline.Tasks})
	register(&Domain{Name: "retail", Kind: "tau2-retail", New: retail.New, DB: retail.DB, Policy: retail.Policy, Tasks: retail.Tasks})
}

// Lookup returns the domain called name ("airline", or its environment's name "tau2-airline").
func Lookup(name string) (*Domain, bool) {
	if d, ok := domains[name]; ok {
		return d, true
	}
	for _, d := range domains {
		if d.Kind == name {
			return d, true
		}
	}
	return nil, false
}

// Domains returns the registered domains' names, sorted.
func Domains() []string {
	var out []string
	for name := range domains {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}
