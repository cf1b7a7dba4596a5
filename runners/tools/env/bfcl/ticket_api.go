package bfcl

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/realx-bench/realx/runners/pycall"
)

func init() { registerClass("TicketAPI", func() Class { return newTicketAPI() }) }

// ticketAPI is BFCL's TicketAPI: a support-ticket queue behind a login. Its public state is
// ticket_queue (a list of ticket dicts), ticket_counter (the next id) and current_user.
type ticketAPI struct {
	ticketQueue   []any
	ticketCounter any
	currentUser   any
	methods       pyMethods
}

func newTicketAPI() *ticketAPI {
	t := &ticketAPI{}
	t.methods = pyMethods{
		"create_ticket":           {[]param{req("title"), opt("description", ""), opt("priority", 1)}, t.createTicket},
		"get_ticket":              {[]param{req("ticket_id")}, t.getTicket},
		"close_ticket":            {[]param{req("ticket_id")}, t.closeTicket},
		"resolve_ticket":          {[]param{req("ticket_id"), req("resolution")}, t.resolveTicket},
		"edit_ticket":             {[]param{req("ticket_id"), req("updates")}, t.editTicket},
		"ticket_login":            {[]param{req("username"), req("password")}, t.login},
		"ticket_get_login_status": {nil, t.loginStatus},
		"logout":                  {nil, t.logout},
		"get_user_tickets":        {[]param{opt("status", nil)}, t.userTickets},
	}
	t.Load(nil, false)
	return t
}

// Load sets the queue, counter and user from the scenario, defaulting to an empty queue,
// counter 1 and nobody logged in. TicketAPI has no long-context filler.
func (t *ticketAPI) Load(scenario json.RawMessage, longContext bool) error {
	s, err := loadScenario("TicketAPI", scenario)
	if err != nil {
		return err
	}
	q := scenarioGet(s, "ticket_queue", []any{})
	list, ok := q.([]any)
	if !ok {
		return fmt.Errorf("bfcl: TicketAPI scenario: ticket_queue is a %s, not a list", pyTypeName(q))
	}
	t.ticketQueue = list
	t.ticketCounter = scenarioGet(s, "ticket_counter", 1)
	t.currentUser = scenarioGet(s, "current_user", nil)
	return nil
}

// Call runs a TicketAPI method.
func (t *ticketAPI) Call(name string, args map[string]any) (any, error) {
	return t.methods.call("TicketAPI", name, args)
}

// Methods lists TicketAPI's public methods.
func (t *ticketAPI) Methods() []string { return t.methods.methodNames() }

// Params lists a TicketAPI method's parameters in signature order (positional arguments bind to
// them in this order); nil for an unknown method.
func (t *ticketAPI) Params(method string) []string { return t.methods.paramNames(method) }

// State returns ticket_queue, ticket_counter and current_user.
func (t *ticketAPI) State() map[string]any {
	return map[string]any{
		"ticket_queue":   pyPlain(t.ticketQueue),
		"ticket_counter": pyPlain(t.ticketCounter),
		"current_user":   pyPlain(t.currentUser),
	}
}

func (t *ticketAPI) createTicket(a map[string]any) (any, error) {
	if !pyTruth(t.currentUser) {
		return dictOf("error", "User not authenticated. Please log in to create a ticket."), nil
	}
	low, err := pyLess(a["priority"], 1)
	if err != nil {
		return nil, err
	}
	high := false
	if !low {
		if high, err = pyGreater(a["priority"], 5); err != nil {
			return nil, err
		}
	}
	if low || high {
		return dictOf("error", "Invalid priority. Priority must be between 1 and 5."), nil
	}
	ticket := dictOf(
		"id", t.ticketCounter,
		"title", a["title"],
		"description", a["description"],
		"status", "Open",
		"priority", a["priority"],
		"created_by", t.currentUser,
	)
	next, err := pyArith("+", t.ticketCounter, 1)
	if err != nil {
		return nil, err
	}
	t.ticketQueue = append(t.ticketQueue, ticket)
	t.ticketCounter = next
	return ticket, nil
}

// findTicket is _find_ticket: the first ticket whose id equals ticketID.
func (t *ticketAPI) findTicket(ticketID any) (*pyDict, error) {
	for _, e := range t.ticketQueue {
		ticket, ok := e.(*pyDict)
		if !ok {
			return nil, pyStrSubscriptError(e)
		}
		id, err := ticket.item("id")
		if err != nil {
			return nil, err
		}
		if pyEq(id, ticketID) {
			return ticket, nil
		}
	}
	return nil, nil
}

func notFound(ticketID any) *pyDict {
	return dictOf("error", fmt.Sprintf("Ticket with ID %s not found.", pycall.Str(ticketID)))
}

func (t *ticketAPI) getTicket(a map[string]any) (any, error) {
	ticket, err := t.findTicket(a["ticket_id"])
	if err != nil || ticket == nil {
		return notFound(a["ticket_id"]), err
	}
	return ticket, nil
}

func (t *ticketAPI) closeTicket(a map[string]any) (any, error) {
	return t.changeStatus(a["ticket_id"], "Closed", "closed", func(*pyDict) {})
}

func (t *ticketAPI) resolveTicket(a map[string]any) (any, error) {
	return t.changeStatus(a["ticket_id"], "Resolved", "resolved", func(ticket *pyDict) { ticket.set("resolution", a["resolution"]) })
}

// changeStatus is close_ticket's and resolve_ticket's body: the ticket under id gets status
// (done in the messages) unless it has it already, and then update.
func (t *ticketAPI) changeStatus(id any, status, done string, update func(ticket *pyDict)) (any, error) {
	ticket, err := t.findTicket(id)
	if err != nil || ticket == nil {
		return notFound(id), err
	}
	old, err := ticket.item("status")
	if err != nil {
		return nil, err
	}
	if pyEq(old, status) {
		return dictOf("error", fmt.Sprintf("Ticket with ID %s is already %s.", pycall.Str(id), done)), nil
	}
	ticket.set("status", status)
	update(ticket)
	return dictOf("status", fmt.Sprintf("Ticket %s has been %s successfully.", pycall.Str(id), done)), nil
}

func (t *ticketAPI) editTicket(a map[string]any) (any, error) {
	id := a["ticket_id"]
	ticket, err := t.findTicket(id)
	if err != nil || ticket == nil {
		return notFound(id), err
	}
	updates, ok := a["updates"].(*pyDict)
	if !ok {
		return nil, fmt.Errorf("'%s' object has no attribute 'keys'", pyTypeName(a["updates"]))
	}
	valid := map[string]bool{"title": true, "description": true, "status": true, "priority": true}
	var invalid []string
	for _, k := range updates.keys {
		if s, ok := k.(string); !ok || !valid[s] {
			invalid = append(invalid, pycall.Str(k))
		}
	}
	if len(invalid) > 0 {
		// Python joins a set here, whose order is its hashes'; the update's order is used.
		return dictOf("error", "Invalid fields for update: "+strings.Join(invalid, ", ")), nil
	}
	for _, k := range updates.keys {
		if v, _ := updates.get(k); v != nil {
			ticket.set(k, v)
		}
	}
	return dictOf("status", fmt.Sprintf("Ticket %s has been updated successfully.", pycall.Str(id))), nil
}

func (t *ticketAPI) login(a map[string]any) (any, error) {
	if pyTruth(a["username"]) && pyTruth(a["password"]) {
		t.currentUser = a["username"]
		return dictOf("success", true), nil
	}
	return dictOf("success", false), nil
}

func (t *ticketAPI) loginStatus(map[string]any) (any, error) {
	return dictOf("username", pyTruth(t.currentUser)), nil // BFCL v3's key (v4 renamed it login_status)
}

func (t *ticketAPI) logout(map[string]any) (any, error) {
	if pyTruth(t.currentUser) {
		t.currentUser = nil
		return dictOf("success", true), nil
	}
	return dictOf("success", false), nil
}

func (t *ticketAPI) userTickets(a map[string]any) (any, error) {
	if !pyTruth(t.currentUser) {
		return []any{dictOf("error", "User not authenticated. Please log in to view tickets.")}, nil
	}
	var mine []any
	for _, e := range t.ticketQueue {
		ticket, ok := e.(*pyDict)
		if !ok {
			return nil, pyStrSubscriptError(e)
		}
		by, err := ticket.item("created_by")
		if err != nil {
			return nil, err
		}
		if pyEq(by, t.currentUser) {
			mine = append(mine, ticket)
		}
	}
	if !pyTruth(a["status"]) {
		return append([]any{}, mine...), nil
	}
	want, err := strArg(a["status"], "lower")
	if err != nil {
		return nil, err
	}
	filtered := []any{}
	for _, e := range mine {
		st, err := e.(*pyDict).item("status")
		if err != nil {
			return nil, err
		}
		s, err := strArg(st, "lower")
		if err != nil {
			return nil, err
		}
		if strings.ToLower(s) == strings.ToLower(want) {
			filtered = append(filtered, e)
		}
	}
	return filtered, nil
}
