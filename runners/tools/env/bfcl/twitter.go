package bfcl

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/runners/pycall"
)

func init() { registerClass("TwitterAPI", newTwitter) }

// twitter is BFCL's TwitterAPI (posting_api): an account, its tweets by integer ID, comments,
// retweets and the accounts it follows.
type twitter struct {
	username, password any
	authenticated      any
	tweets             []tweetEntry
	comments           []keyed
	retweets           Dict
	following          []any
	tweetCounter       int
	methods            methods
}

// tweetEntry is one tweet under its ID.
type tweetEntry struct {
	id    int
	tweet Dict
}

// keyed is an entry of a dict whose keys may be ints or strings (comments: the scenario's
// keys are strings, those comment adds are ints, and Python keeps both).
type keyed struct {
	key   any
	value []any
}

func newTwitter() Class { t := &twitter{}; t.methods = t.table(); return t }

// Load is _load_scenario: each attribute from the scenario, else from the defaults; the
// tweets' keys become ints.
func (t *twitter) Load(scenario json.RawMessage, _ bool) error {
	sc, err := scenarioDict("TwitterAPI", scenario)
	if err != nil {
		return err
	}
	get := sc.getOr
	t.username = get("username", "john")
	t.password = get("password", "john123")
	t.authenticated = get("authenticated", false)
	t.tweets = nil
	tweets, _ := get("tweets", Dict{}).(Dict)
	for _, it := range tweets {
		id, err := strconv.Atoi(it.Key)
		if err != nil {
			return fmt.Errorf("TwitterAPI: tweets: key %q is not an int", it.Key)
		}
		tw, ok := it.Value.(Dict)
		if !ok {
			return fmt.Errorf("TwitterAPI: tweet %s is not an object", it.Key)
		}
		t.tweets = t.setTweet(t.tweets, id, tw)
	}
	t.comments = nil
	comments, _ := get("comments", Dict{}).(Dict)
	for _, it := range comments {
		l, _ := it.Value.([]any)
		t.comments = append(t.comments, keyed{key: it.Key, value: l})
	}
	t.retweets, _ = get("retweets", Dict{}).(Dict)
	t.following, _ = get("following_list", []any{"alice", "bob"}).([]any)
	t.tweetCounter, _ = get("tweet_counter", 0).(int)
	return nil
}

func (t *twitter) setTweet(l []tweetEntry, id int, tw Dict) []tweetEntry {
	for i := range l {
		if l[i].id == id {
			l[i].tweet = tw
			return l
		}
	}
	return append(l, tweetEntry{id: id, tweet: tw})
}

// State is the public attributes; the tweets' keys written as their ints, the comments' as
// Python's repr of theirs (an int 1 and a string '1' are two keys).
func (t *twitter) State() map[string]any {
	tweets := map[string]any{}
	for _, e := range t.tweets {
		tweets[strconv.Itoa(e.id)] = e.tweet
	}
	comments := map[string]any{}
	for _, c := range t.comments {
		comments[pycall.Repr(c.key)] = c.value
	}
	return map[string]any{
		"username": t.username, "password": t.password, "authenticated": t.authenticated,
		"tweets": tweets, "comments": comments, "retweets": t.retweets,
		"following_list": t.following, "tweet_counter": t.tweetCounter,
	}
}

func (t *twitter) Call(name string, a map[string]any) (any, error) {
	return t.methods.call("TwitterAPI", name, a)
}

// tweetKey returns the int key a tweet_id looks up (a float equal to an int finds it, as in
// a Python dict), false for any other value.
func tweetKey(v any) (int, bool) {
	if i, ok := pyIsInt(v); ok {
		return i, true
	}
	if x, ok := v.(float64); ok && x == float64(int(x)) {
		return int(x), true
	}
	return 0, false
}

// tweet returns the tweet with the given ID, nil when there is none.
func (t *twitter) tweet(v any) Dict {
	id, ok := tweetKey(v)
	if !ok {
		return nil
	}
	for _, e := range t.tweets {
		if e.id == id {
			return e.tweet
		}
	}
	return nil
}

func tweetNotFound(id any) Dict {
	return dict("error", fmt.Sprintf("Tweet with ID %s not found.", pycall.Str(id)))
}

func notAuthenticated(what string) Dict {
	return dict("error", "User not authenticated. Please authenticate before "+what+".")
}

func (t *twitter) table() methods {
	return methods{
		"authenticate_twitter": {params: []param{req("username"), req("password")}, run: func(a args) any {
			if pycall.Str(a["username"]) == pycall.Str(t.username) && pyTypeName(a["username"]) == pyTypeName(t.username) &&
				pycall.Str(a["password"]) == pycall.Str(t.password) && pyTypeName(a["password"]) == pyTypeName(t.password) {
				t.authenticated = true
				return dict("authentication_status", true)
			}
			return dict("authentication_status", false)
		}},
		"posting_get_login_status": {run: func(args) any {
			return dict("login_status", pyTruth(t.authenticated))
		}},
		"post_tweet": {params: []param{req("content"), opt("tags", []any{}), opt("mentions", []any{})}, run: func(a args) any {
			if !pyTruth(t.authenticated) {
				return notAuthenticated("posting")
			}
			tw := dict("id", t.tweetCounter, "username", t.username, "content", a["content"], "tags", a["tags"], "mentions", a["mentions"])
			t.tweets = t.setTweet(t.tweets, t.tweetCounter, tw)
			t.tweetCounter++
			return tw
		}},
		"retweet": {params: []param{req("tweet_id")}, run: func(a args) any {
			if !pyTruth(t.authenticated) {
				return notAuthenticated("retweeting")
			}
			if t.tweet(a["tweet_id"]) == nil {
				return tweetNotFound(a["tweet_id"])
			}
			user := pycall.Str(t.username)
			i := slices.IndexFunc(t.retweets, func(it Item) bool { return it.Key == user })
			if i < 0 {
				t.retweets = append(t.retweets, Item{Key: user, Value: []any{}})
				i = len(t.retweets) - 1
			}
			l, _ := t.retweets[i].Value.([]any)
			id, _ := tweetKey(a["tweet_id"])
			if slices.ContainsFunc(l, func(v any) bool { k, ok := tweetKey(v); return ok && k == id }) {
				return dict("retweet_status", "Already retweeted")
			}
			t.retweets[i].Value = append(l, a["tweet_id"])
			return dict("retweet_status", "Successfully retweeted")
		}},
		"comment": {params: []param{req("tweet_id"), req("comment_content")}, run: func(a args) any {
			if !pyTruth(t.authenticated) {
				// The Python method raises a dict, which Python refuses to raise.
				panic(pyError("exceptions must derive from BaseException"))
			}
			if t.tweet(a["tweet_id"]) == nil {
				return tweetNotFound(a["tweet_id"])
			}
			id, _ := tweetKey(a["tweet_id"])
			i := slices.IndexFunc(t.comments, func(c keyed) bool { k, ok := tweetKey(c.key); return ok && k == id })
			if i < 0 {
				t.comments = append(t.comments, keyed{key: id})
				i = len(t.comments) - 1
			}
			t.comments[i].value = append(t.comments[i].value, dict("username", t.username, "content", a["comment_content"]))
			return dict("comment_status", "Comment added successfully")
		}},
		"mention": {params: []param{req("tweet_id"), req("mentioned_usernames")}, run: func(a args) any {
			tw := t.tweet(a["tweet_id"])
			if tw == nil {
				return tweetNotFound(a["tweet_id"])
			}
			for i := range tw {
				if tw[i].Key == "mentions" {
					l, _ := tw[i].Value.([]any)
					tw[i].Value = append(slices.Clone(l), a.list("mentioned_usernames")...)
				}
			}
			return dict("mention_status", "Users mentioned successfully")
		}},
		"follow_user": {params: []param{req("username_to_follow")}, run: func(a args) any {
			if !pyTruth(t.authenticated) {
				return notAuthenticated("following")
			}
			u := a["username_to_follow"]
			if slices.ContainsFunc(t.following, func(v any) bool { return pycall.Str(v) == pycall.Str(u) }) {
				return dict("follow_status", false)
			}
			t.following = append(t.following, u)
			return dict("follow_status", true)
		}},
		"list_all_following": {run: func(args) any {
			if !pyTruth(t.authenticated) {
				return notAuthenticated("listing following")
			}
			return slices.Clone(t.following)
		}},
		"unfollow_user": {params: []param{req("username_to_unfollow")}, run: func(a args) any {
			if !pyTruth(t.authenticated) {
				return notAuthenticated("unfollowing")
			}
			u := a["username_to_unfollow"]
			i := slices.IndexFunc(t.following, func(v any) bool { return pycall.Str(v) == pycall.Str(u) })
			if i < 0 {
				return dict("unfollow_status", false)
			}
			t.following = slices.Delete(t.following, i, i+1)
			return dict("unfollow_status", true)
		}},
		"get_tweet": {params: []param{req("tweet_id")}, run: func(a args) any {
			tw := t.tweet(a["tweet_id"])
			if tw == nil {
				return tweetNotFound(a["tweet_id"])
			}
			return tw
		}},
		"get_user_tweets": {params: []param{req("username")}, run: func(a args) any {
			out := []any{}
			for _, e := range t.tweets {
				if pycall.Str(e.tweet.get("username")) == pycall.Str(a["username"]) {
					out = append(out, e.tweet)
				}
			}
			return out
		}},
		"search_tweets": {params: []param{req("keyword")}, run: func(a args) any {
			kw := strings.ToLower(a.str("keyword"))
			out := []any{}
			for _, e := range t.tweets {
				content, _ := e.tweet.get("content").(string)
				match := strings.Contains(strings.ToLower(content), kw)
				tags, _ := e.tweet.get("tags").([]any)
				for _, tag := range tags {
					if s, ok := tag.(string); ok && strings.ToLower(s) == kw {
						match = true
					}
				}
				if match {
					out = append(out, e.tweet)
				}
			}
			return out
		}},
		"get_tweet_comments": {params: []param{req("tweet_id")}, run: func(a args) any {
			if t.tweet(a["tweet_id"]) == nil {
				return tweetNotFound(a["tweet_id"])
			}
			for _, c := range t.comments {
				if pycall.Str(c.key) == pycall.Str(a["tweet_id"]) && pyTypeName(c.key) == pyTypeName(a["tweet_id"]) {
					return c.value
				}
			}
			return []any{}
		}},
		"get_user_stats": {params: []param{req("username")}, run: func(a args) any {
			u := pycall.Str(a["username"])
			n := 0
			for _, e := range t.tweets {
				if pycall.Str(e.tweet.get("username")) == u {
					n++
				}
			}
			following := 0
			if u == pycall.Str(t.username) {
				following = len(t.following)
			}
			rt := 0
			if l, ok := t.retweets.get(u).([]any); ok {
				rt = len(l)
			}
			return dict("tweet_count", n, "following_count", following, "retweet_count", rt)
		}},
	}
}

// Methods lists the public methods, sorted.
func (t *twitter) Methods() []string { return t.methods.names() }

// Params lists a method's parameters in signature order (positional arguments bind to them).
func (t *twitter) Params(method string) []string { return t.methods.paramNames(method) }
