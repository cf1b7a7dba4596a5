package realx

import (
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
)

// ConnectUser returns the model that plays a simulated user (τ2's) through the same machinery
// as the model under test — paced, retried under Config.Retry, its tokens counted at m.Prices,
// answered from the response cache when it is on, so that a run's user turns can be replayed
// offline — without becoming the model under test. Plans take it in their UserFactory.
func (e *Engine) ConnectUser(m *Model) (runners.Model, error) {
	policy := e.cfg.Retry
	onRetry := policy.OnRetry
	policy.OnRetry = func(ev runners.RetryEvent) {
		e.obs.Retry()
		if onRetry != nil {
			onRetry(ev)
		}
	}
	cfg := runners.ThrottleConfig{MaxConcurrency: e.cfg.Concurrency, Fixed: e.cfg.Throttle.Fixed}
	return e.clients.Model(m.Endpoint, runners.CallPolicy{Retry: policy, Throttle: cfg, Observe: func(resp *runners.ChatResponse, err error) {
		if err == nil && m.Prices != nil {
			e.mu.Lock()
			e.extra += m.Prices.Cost(resp.Usage.Counted())
			e.mu.Unlock()
		}
	}})
}

// UserEndpoint describes the model m that plays the simulated user of suite, for the run's
// manifest: its model, endpoint and key variable, and promptSHA256, the hash of the fixed
// prompt it is given (a different simulator changes scores).
func UserEndpoint(m *Model, suite, promptSHA256 string) reports.Endpoint {
	ep := m.Describe()
	ep.Role, ep.Suite, ep.Prompt = "user", suite, promptSHA256
	return ep
}
