package runners

import (
	"context"
	"strings"
	"sync"
)

// Clients makes the models a run calls, the model under test and its LLM judges alike, each
// endpoint's calls going through the same machinery: paced by the endpoint's Throttle (one per
// base URL and key, shared by every model that calls it, so that adaptive concurrency and
// rate limits see all its calls), retried, observed (a run counts their tokens and cost), and
// answered from the response cache when it holds the answer. It is safe for concurrent use.
type Clients struct {
	connect func(Endpoint) Model

	mu        sync.Mutex
	cache     *Cache
	cacheMode CacheMode
	throttles map[string]*Throttle
}

// NewClients returns Clients that connect to endpoints with connect (NewOpenAI when nil), with
// no response cache until SetCache.
func NewClients(connect func(Endpoint) Model) *Clients {
	if connect == nil {
		connect = func(ep Endpoint) Model { return NewOpenAI(ep) }
	}
	return &Clients{connect: connect, throttles: map[string]*Throttle{}}
}

// SetCache makes every model of c, those made before included, answer from cache under mode
// from the next call on (none when cache is nil or mode is CacheOff).
func (c *Clients) SetCache(cache *Cache, mode CacheMode) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cache, c.cacheMode = cache, mode
}

// CallPolicy says how a run calls one model.
type CallPolicy struct {
	// Retry is how failed calls are retried.
	Retry RetryPolicy
	// Throttle configures the endpoint's Throttle when it has none yet; a model on an
	// endpoint that another model calls shares that one's.
	Throttle ThrottleConfig
	// Observe, when set, is given the outcome of every call the endpoint answered (cached
	// answers are not), after its retries: the answer, whose tokens a run counts, or the last
	// error. It may be called from many goroutines at once.
	Observe func(*ChatResponse, error)
}

// Model returns the model behind ep as a run calls it under p: answered from the response
// cache when it holds the answer (keyed by ep's base URL and model, and the request's repeat
// index), else paced by ep's Throttle, retried, and observed.
func (c *Clients) Model(ep Endpoint, p CallPolicy) (Model, error) {
	t, err := c.Throttle(ep, p.Throttle)
	if err != nil {
		return nil, err
	}
	var m Model = WithRetry(WithThrottle(c.connect(ep), t), p.Retry)
	if p.Observe != nil {
		m = observed{m: m, observe: p.Observe}
	}
	return cachedBy{c: c, m: m, endpoint: EndpointID(ep)}, nil
}

// Throttle returns the Throttle of ep's endpoint (its base URL and key), made with cfg when it
// has none yet.
func (c *Clients) Throttle(ep Endpoint, cfg ThrottleConfig) (*Throttle, error) {
	key := strings.TrimRight(ep.BaseURL, "/") + "\x00" + ep.APIKey
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.throttles[key]; t != nil {
		return t, nil
	}
	t, err := NewThrottle(cfg)
	if err != nil {
		return nil, err
	}
	c.throttles[key] = t
	return t, nil
}

// CacheMode returns the mode of the response cache, CacheOff when there is none.
func (c *Clients) CacheMode() CacheMode {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cache == nil || c.cacheMode == "" {
		return CacheOff
	}
	return c.cacheMode
}

// Cache returns the response cache in use, nil when there is none.
func (c *Clients) Cache() *Cache {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cacheMode == CacheOff || c.cacheMode == "" {
		return nil
	}
	return c.cache
}

// cachedBy is a Model answered from its Clients' response cache, as it is at each call.
type cachedBy struct {
	c        *Clients
	m        Model
	endpoint string
}

// Chat answers req from the cache when it is on and holds the answer, else from the model.
func (b cachedBy) Chat(ctx context.Context, req *ChatRequest) (*ChatResponse, error) {
	b.c.mu.Lock()
	cache, mode := b.c.cache, b.c.cacheMode
	b.c.mu.Unlock()
	return WithCache(b.m, cache, mode, b.endpoint).Chat(ctx, req)
}

// observed is a Model whose calls' outcomes are given to observe.
type observed struct {
	m       Model
	observe func(*ChatResponse, error)
}

// Chat sends req and gives its outcome to observe.
func (o observed) Chat(ctx context.Context, req *ChatRequest) (*ChatResponse, error) {
	resp, err := o.m.Chat(ctx, req)
	o.observe(resp, err)
	return resp, err
}
