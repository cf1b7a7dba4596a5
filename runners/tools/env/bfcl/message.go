package bfcl

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/realx-bench/realx/runners/pycall"
)

func init() { registerClass("MessageAPI", newMessageAPI) }

// messageAPI is BFCL's MessageAPI: users and their IDs, an inbox of {receiver: message}
// entries, a logged-in user, and message IDs drawn from a seeded random generator.
type messageAPI struct {
	generatedIDs []int
	userCount    int
	userMap      Dict
	inbox        []Dict
	messageCount int
	currentUser  any
	random       *pyRandom
	methods      methods
}

func newMessageAPI() Class { m := &messageAPI{}; m.methods = m.table(); return m }

// Load is _load_scenario: each attribute from the scenario, else from the defaults.
func (m *messageAPI) Load(scenario json.RawMessage, _ bool) error {
	sc, err := scenarioDict("MessageAPI", scenario)
	if err != nil {
		return err
	}
	get := sc.getOr
	seed, ok := get("random_seed", 200191).(int)
	if !ok {
		return fmt.Errorf("MessageAPI: random_seed is not an int")
	}
	m.random = newPyRandom(seed)
	m.generatedIDs = nil
	if ids, ok := get("generated_ids", []any{}).([]any); ok {
		for _, id := range ids {
			if i, ok := id.(int); ok && !slices.Contains(m.generatedIDs, i) {
				m.generatedIDs = append(m.generatedIDs, i)
			}
		}
	}
	m.userCount, _ = get("user_count", 4).(int)
	m.userMap, _ = get("user_map", dict("Alice", "USR001", "Bob", "USR002", "Catherine", "USR003", "Daniel", "USR004")).(Dict)
	m.inbox = nil
	inbox, _ := get("inbox", []any{dict("USR002", "My name is Alice. I want to connect."),
		dict("USR003", "Could you upload the file?"), dict("USR004", "Could you upload the file?")}).([]any)
	for i, e := range inbox {
		d, ok := e.(Dict)
		if !ok || len(d) == 0 {
			return fmt.Errorf("MessageAPI: inbox item %d is not {receiver: message}", i)
		}
		m.inbox = append(m.inbox, d)
	}
	m.messageCount, _ = get("message_count", 3).(int)
	m.currentUser = get("current_user", nil)
	return nil
}

// State is the public attributes (generated_ids, a set, sorted).
func (m *messageAPI) State() map[string]any {
	ids := slices.Clone(m.generatedIDs)
	slices.Sort(ids)
	inbox := make([]any, len(m.inbox))
	for i, d := range m.inbox {
		inbox[i] = d
	}
	return map[string]any{
		"generated_ids": ids, "user_count": m.userCount, "user_map": m.userMap,
		"inbox": inbox, "message_count": m.messageCount, "current_user": m.currentUser,
	}
}

func (m *messageAPI) Call(name string, a map[string]any) (any, error) {
	return m.methods.call("MessageAPI", name, a)
}

func (m *messageAPI) loggedIn() bool { return pyTruth(m.currentUser) }

var notLoggedIn = dict("error", "No user is currently logged in.")

// hasUserID reports whether id is one of user_map's values.
func (m *messageAPI) hasUserID(id any) bool {
	return slices.ContainsFunc(m.userMap, func(it Item) bool { return it.Value == id })
}

func (m *messageAPI) table() methods {
	return methods{
		"list_users": {run: func(args) any {
			users := []any{}
			for _, it := range m.userMap {
				users = append(users, it.Key)
			}
			return dict("user_list", users)
		}},
		"get_user_id": {params: []param{req("user")}, run: func(a args) any {
			u := fmt.Sprint(a["user"])
			if v := m.userMap.get(u); v != nil || slices.ContainsFunc(m.userMap, func(it Item) bool { return it.Key == u }) {
				return dict("user_id", v)
			}
			return dict("error", fmt.Sprintf("User '%s' not found in the workspace.", u))
		}},
		"message_login": {params: []param{req("user_id")}, run: func(a args) any {
			id := a["user_id"]
			if !m.hasUserID(id) {
				return dict("login_status", false, "message", fmt.Sprintf("User ID '%s' not found.", pycall.Str(id)))
			}
			m.currentUser = id
			return dict("login_status", true, "message", fmt.Sprintf("User '%s' logged in successfully.", pycall.Str(id)))
		}},
		"message_get_login_status": {run: func(args) any {
			return dict("login_status", m.loggedIn())
		}},
		"send_message": {params: []param{req("receiver_id"), req("message")}, run: func(a args) any {
			if !m.loggedIn() {
				return notLoggedIn
			}
			to := a["receiver_id"]
			if !m.hasUserID(to) {
				return dict("error", fmt.Sprintf("Receiver ID '%s' not found.", pycall.Str(to)))
			}
			id := m.random.randint(10000, 99999)
			for slices.Contains(m.generatedIDs, id) {
				id = m.random.randint(10000, 99999)
			}
			m.generatedIDs = append(m.generatedIDs, id)
			m.inbox = append(m.inbox, Dict{{Key: pycall.Str(to), Value: a["message"]}})
			m.messageCount++
			return dict("sent_status", true, "message_id", dict("new_id", id),
				"message", fmt.Sprintf("Message sent to '%s' successfully.", pycall.Str(to)))
		}},
		"delete_message": {params: []param{req("receiver_id")}, run: func(a args) any {
			if !m.loggedIn() {
				return notLoggedIn
			}
			to := pycall.Str(a["receiver_id"])
			for i := len(m.inbox) - 1; i >= 0; i-- {
				if m.inbox[i][0].Key == to {
					// list.remove drops the first entry equal to the one found.
					j := slices.IndexFunc(m.inbox, func(d Dict) bool { return dictEqual(d, m.inbox[i]) })
					m.inbox = slices.Delete(m.inbox, j, j+1)
					return dict("deleted_status", true, "message_id", to,
						"message", fmt.Sprintf("Receiver %s's first message deleted successfully.", to))
				}
			}
			return dict("error", fmt.Sprintf("Receiver ID %s not found.", to))
		}},
		"view_messages_sent": {run: func(args) any {
			if !m.loggedIn() {
				return notLoggedIn
			}
			sent := Dict{}
			for _, msg := range m.inbox {
				to, content := msg[0].Key, msg[0].Value
				i := slices.IndexFunc(sent, func(it Item) bool { return it.Key == to })
				if i < 0 {
					sent = append(sent, Item{Key: to, Value: []any{content}})
				} else {
					sent[i].Value = append(sent[i].Value.([]any), content)
				}
			}
			return dict("messages", sent)
		}},
		"add_contact": {params: []param{req("user_name")}, run: func(a args) any {
			name := a.str("user_name")
			if slices.ContainsFunc(m.userMap, func(it Item) bool { return it.Key == name }) {
				return dict("error", fmt.Sprintf("User name '%s' already exists.", name))
			}
			m.userCount++
			id := fmt.Sprintf("USR%03d", m.userCount)
			if m.hasUserID(id) {
				return dict("error", fmt.Sprintf("User ID '%s' already exists.", id))
			}
			m.userMap = append(m.userMap, Item{Key: name, Value: id})
			return dict("added_status", true, "user_id", id, "message", fmt.Sprintf("Contact '%s' added successfully.", name))
		}},
		"search_messages": {params: []param{req("keyword")}, run: func(a args) any {
			if !m.loggedIn() {
				return notLoggedIn
			}
			kw := strings.ToLower(a.str("keyword"))
			results := []any{}
			for _, msg := range m.inbox {
				content, ok := msg[0].Value.(string)
				if !ok {
					panic(pyError(fmt.Sprintf("'%s' object has no attribute 'lower'", pyTypeName(msg[0].Value))))
				}
				if strings.Contains(strings.ToLower(content), kw) {
					results = append(results, dict("receiver_id", msg[0].Key, "message", content))
				}
			}
			return dict("results", results)
		}},
		"get_message_stats": {run: func(args) any {
			if !m.loggedIn() {
				return notLoggedIn
			}
			var contacts []string
			for _, msg := range m.inbox {
				if !slices.Contains(contacts, msg[0].Key) {
					contacts = append(contacts, msg[0].Key)
				}
			}
			return dict("stats", dict("received_count", len(m.inbox), "total_contacts", len(contacts)))
		}},
	}
}

// dictEqual compares two Dicts as Python compares dicts: the same keys with equal values.
func dictEqual(a, b Dict) bool {
	if len(a) != len(b) {
		return false
	}
	for _, it := range a {
		if !slices.ContainsFunc(b, func(o Item) bool { return o.Key == it.Key && pycall.Str(o.Value) == pycall.Str(it.Value) }) {
			return false
		}
	}
	return true
}

// Methods lists the public methods, sorted.
func (m *messageAPI) Methods() []string { return m.methods.names() }

// Params lists a method's parameters in signature order (positional arguments bind to them).
func (m *messageAPI) Params(method string) []string { return m.methods.paramNames(method) }
