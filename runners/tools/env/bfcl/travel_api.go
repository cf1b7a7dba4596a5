package bfcl

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/realx-bench/realx/runners/pycall"
)

func init() { registerClass("TravelAPI", func() Class { return newTravelAPI() }) }

// travelToday is the clock verify_traveler_information computes ages with (Python's
// datetime.today()); tests set it.
var travelToday = time.Now

// travelRoute is one priced route of get_flight_cost, in the published table's order.
type travelRoute struct {
	from, to string
	base     int
}

// travelRoutes are get_flight_cost's base costs in USD.
var travelRoutes = []travelRoute{
	{"SFO", "LAX", 200}, {"SFO", "JFK", 500}, {"SFO", "ORD", 400}, {"SFO", "BOS", 450}, {"SFO", "RMS", 300}, {"SFO", "SBK", 350},
	{"SFO", "MPC", 370}, {"SFO", "SVP", 320}, {"SFO", "SHD", 330}, {"SFO", "SSV", 340}, {"SFO", "OKD", 360}, {"SFO", "WLB", 310},
	{"SFO", "CRH", 380}, {"SFO", "ATV", 390}, {"SFO", "PHV", 420}, {"SFO", "GFD", 430}, {"SFO", "CIA", 700}, {"LAX", "SFO", 100},
	{"LAX", "JFK", 600}, {"LAX", "ORD", 500}, {"LAX", "BOS", 550}, {"LAX", "RMS", 310}, {"LAX", "SBK", 320}, {"LAX", "MPC", 330},
	{"LAX", "SVP", 340}, {"LAX", "SHD", 350}, {"LAX", "SSV", 360}, {"LAX", "OKD", 370}, {"LAX", "WLB", 380}, {"LAX", "CRH", 390},
	{"LAX", "ATV", 400}, {"LAX", "PHV", 410}, {"LAX", "GFD", 420}, {"LAX", "HND", 430}, {"JFK", "ORD", 300}, {"JFK", "BOS", 250},
	{"JFK", "RMS", 450}, {"JFK", "SBK", 460}, {"JFK", "MPC", 470}, {"JFK", "SVP", 480}, {"JFK", "SHD", 490}, {"JFK", "SSV", 500},
	{"JFK", "OKD", 510}, {"JFK", "WLB", 520}, {"JFK", "CRH", 530}, {"JFK", "ATV", 540}, {"JFK", "PHV", 550}, {"JFK", "GFD", 560},
	{"JFK", "LAX", 570}, {"JFK", "HND", 800}, {"JFK", "PVG", 950}, {"JFK", "PEK", 1000}, {"ORD", "LAX", 180}, {"ORD", "BOS", 200},
	{"ORD", "RMS", 350}, {"ORD", "SBK", 360}, {"ORD", "MPC", 370}, {"ORD", "SVP", 380}, {"ORD", "SHD", 390}, {"ORD", "SSV", 400},
	{"ORD", "OKD", 410}, {"ORD", "WLB", 420}, {"ORD", "CRH", 430}, {"ORD", "ATV", 440}, {"ORD", "PHV", 450}, {"ORD", "GFD", 460},
	{"BOS", "RMS", 400}, {"BOS", "SBK", 410}, {"BOS", "MPC", 420}, {"BOS", "SVP", 430}, {"BOS", "SHD", 440}, {"BOS", "SSV", 450},
	{"BOS", "OKD", 460}, {"BOS", "WLB", 470}, {"BOS", "CRH", 480}, {"BOS", "ATV", 490}, {"BOS", "PHV", 500}, {"BOS", "GFD", 510},
	{"RMS", "BOS", 200}, {"RMS", "JFK", 210}, {"RMS", "SBK", 220}, {"RMS", "MPC", 230}, {"RMS", "SVP", 240}, {"RMS", "SHD", 250},
	{"RMS", "SSV", 260}, {"RMS", "OKD", 270}, {"RMS", "WLB", 280}, {"RMS", "CRH", 290}, {"RMS", "ATV", 300}, {"RMS", "PHV", 310},
	{"RMS", "GFD", 320}, {"RMS", "LAX", 330}, {"SBK", "MPC", 200}, {"SBK", "SVP", 210}, {"SBK", "SHD", 220}, {"SBK", "SSV", 230},
	{"SBK", "OKD", 240}, {"SBK", "WLB", 250}, {"SBK", "CRH", 260}, {"SBK", "ATV", 270}, {"SBK", "PHV", 280}, {"SBK", "GFD", 290},
	{"MPC", "SVP", 210}, {"MPC", "SHD", 220}, {"MPC", "SSV", 230}, {"MPC", "OKD", 240}, {"MPC", "WLB", 250}, {"MPC", "CRH", 260},
	{"MPC", "ATV", 270}, {"MPC", "PHV", 280}, {"MPC", "GFD", 290}, {"SVP", "SHD", 230}, {"SVP", "SSV", 240}, {"SVP", "OKD", 250},
	{"SVP", "WLB", 260}, {"SVP", "CRH", 270}, {"SVP", "ATV", 280}, {"SVP", "PHV", 290}, {"SVP", "GFD", 300}, {"SHD", "SSV", 220},
	{"SHD", "OKD", 230}, {"SHD", "WLB", 240}, {"SHD", "CRH", 250}, {"SHD", "ATV", 260}, {"SHD", "PHV", 270}, {"SHD", "GFD", 280},
	{"SSV", "OKD", 240}, {"SSV", "WLB", 250}, {"SSV", "CRH", 260}, {"SSV", "ATV", 270}, {"SSV", "PHV", 280}, {"SSV", "GFD", 290},
	{"OKD", "WLB", 230}, {"OKD", "CRH", 240}, {"OKD", "ATV", 250}, {"OKD", "PHV", 260}, {"OKD", "GFD", 270}, {"WLB", "CRH", 250},
	{"WLB", "ATV", 260}, {"WLB", "PHV", 270}, {"WLB", "GFD", 280}, {"CRH", "ATV", 240}, {"CRH", "PHV", 250}, {"CRH", "GFD", 260},
	{"CRH", "SFO", 270}, {"CRH", "RMS", 280}, {"CRH", "HKG", 290}, {"CRH", "JFK", 300}, {"ATV", "PHV", 230}, {"ATV", "GFD", 240},
	{"PHV", "GFD", 220}, {"LHR", "CDG", 100}, {"OKD", "LAX", 220},
}

// travelAirports is list_all_airports' answer.
var travelAirports = []string{"RMS", "SBK", "MPC", "SVP", "SHD", "CDG", "LHR", "SSV", "OKD", "WLB", "PEK", "HND", "HKG", "CIA", "CRH", "ATV", "PHV", "GFD", "SFO", "LAX", "JFK", "ORD", "BOS"}

// travelCityAirports is get_nearest_airport_by_city's map.
var travelCityAirports = map[string]string{
	"Rivermist": "RMS", "Stonebrook": "SBK", "Maplecrest": "MPC", "Silverpine": "SVP", "Shadowridge": "SHD",
	"London": "LHR", "Paris": "CDG", "Sunset Valley": "SSV", "Oakendale": "OKD", "Willowbend": "WLB",
	"Crescent Hollow": "CRH", "Autumnville": "ATV", "Pinehaven": "PHV", "Greenfield": "GFD",
	"San Francisco": "SFO", "Los Angeles": "LAX", "New York": "JFK", "Chicago": "ORD", "Boston": "BOS",
	"Beijing": "PEK", "Hong Kong": "HKG", "Rome": "CIA", "Tokyo": "HND",
}

// travelExchangeRates are compute_exchange_rate's rates from USD, in the published order.
var travelExchangeRates = []struct {
	currency string
	rate     any
}{
	{"RMB", 7}, {"EUR", 0.8}, {"JPY", 110}, {"GBP", 0.7}, {"CAD", 1.3}, {"AUD", 1.4},
	{"INR", 70}, {"RUB", 60}, {"BRL", 3.8}, {"MXN", 20},
}

// travelAPI is BFCL's TravelAPI: flights, credit cards, bookings and insurance behind an access
// token. Its public state is credit_card_list, booking_record, access_token, token_type,
// token_expires_in, token_scope, user_first_name, user_last_name, budget_limit and long_context.
type travelAPI struct {
	creditCards    *pyDict
	bookings       *pyDict
	accessToken    any
	tokenType      any
	tokenExpiresIn any
	tokenScope     any
	firstName      any
	lastName       any
	budgetLimit    any
	longContext    bool
	random         *pyRandom
	flightCosts    map[string]any // _flight_cost_lookup: route key to cost
	methods        pyMethods
}

func newTravelAPI() *travelAPI {
	t := &travelAPI{}
	t.methods = pyMethods{
		"authenticate_travel":         {[]param{req("client_id"), req("client_secret"), req("refresh_token"), req("grant_type"), req("user_first_name"), req("user_last_name")}, t.authenticate},
		"travel_get_login_status":     {nil, t.loginStatus},
		"get_budget_fiscal_year":      {[]param{opt("lastModifiedAfter", nil), opt("includeRemoved", nil)}, t.budgetFiscalYear},
		"register_credit_card":        {[]param{req("access_token"), req("card_number"), req("expiration_date"), req("cardholder_name"), req("card_verification_number")}, t.registerCard},
		"get_flight_cost":             {[]param{req("travel_from"), req("travel_to"), req("travel_date"), req("travel_class")}, t.flightCost},
		"get_credit_card_balance":     {[]param{req("access_token"), req("card_id")}, t.cardBalance},
		"book_flight":                 {[]param{req("access_token"), req("card_id"), req("travel_date"), req("travel_from"), req("travel_to"), req("travel_class")}, t.bookFlight},
		"retrieve_invoice":            {[]param{req("access_token"), opt("booking_id", nil), opt("insurance_id", nil)}, t.retrieveInvoice},
		"list_all_airports":           {nil, t.listAirports},
		"cancel_booking":              {[]param{req("access_token"), req("booking_id")}, t.cancelBooking},
		"compute_exchange_rate":       {[]param{req("base_currency"), req("target_currency"), req("value")}, t.exchangeRate},
		"verify_traveler_information": {[]param{req("first_name"), req("last_name"), req("date_of_birth"), req("passport_number")}, t.verifyTraveler},
		"set_budget_limit":            {[]param{req("access_token"), req("budget_limit")}, t.setBudgetLimit},
		"get_nearest_airport_by_city": {[]param{req("location")}, t.nearestAirport},
		"purchase_insurance":          {[]param{req("access_token"), req("insurance_type"), req("booking_id"), req("insurance_cost"), req("card_id")}, t.purchaseInsurance},
		"contact_customer_support":    {[]param{req("booking_id"), req("message")}, t.contactSupport},
		"get_all_credit_cards":        {nil, t.allCards},
	}
	if err := t.Load(nil, false); err != nil {
		panic(err)
	}
	return t
}

// Load sets the state from the scenario over DEFAULT_STATE (no cards, no bookings, no token,
// random_seed 141053); in the long-context category the published cards and bookings are
// added after the scenario's, without replacing any.
func (t *travelAPI) Load(scenario json.RawMessage, longContext bool) error {
	s, err := loadScenario("TravelAPI", scenario)
	if err != nil {
		return err
	}
	seed, ok := scenarioGet(s, "random_seed", 141053).(int)
	if !ok {
		return fmt.Errorf("bfcl: TravelAPI scenario: random_seed is not an integer")
	}
	t.random = newPyRandom(seed)
	for k, dst := range map[string]**pyDict{"credit_card_list": &t.creditCards, "booking_record": &t.bookings} {
		d, ok := scenarioGet(s, k, newPyDict()).(*pyDict)
		if !ok {
			return fmt.Errorf("bfcl: TravelAPI scenario: %s is not an object", k)
		}
		*dst = d
	}
	t.accessToken = scenarioGet(s, "access_token", nil)
	t.tokenType = scenarioGet(s, "token_type", nil)
	t.tokenExpiresIn = scenarioGet(s, "token_expires_in", nil)
	t.tokenScope = scenarioGet(s, "token_scope", nil)
	t.firstName = scenarioGet(s, "user_first_name", nil)
	t.lastName = scenarioGet(s, "user_last_name", nil)
	t.budgetLimit = scenarioGet(s, "budget_limit", nil)
	t.longContext = longContext
	t.flightCosts = map[string]any{}
	if longContext {
		for name, dst := range map[string]*pyDict{"CREDIT_CARD_EXTENSION": t.creditCards, "BOOKING_RECORD_EXTENSION": t.bookings} {
			ext := filler(name).(*pyDict)
			for _, k := range ext.keys {
				if !dst.has(k) {
					v, _ := ext.get(k)
					dst.set(k, v)
				}
			}
		}
	}
	return nil
}

// Call runs a TravelAPI method.
func (t *travelAPI) Call(name string, args map[string]any) (any, error) {
	return t.methods.call("TravelAPI", name, args)
}

// Methods lists TravelAPI's public methods.
func (t *travelAPI) Methods() []string { return t.methods.methodNames() }

// Params lists a TravelAPI method's parameters in signature order (positional arguments bind to
// them in this order); nil for an unknown method.
func (t *travelAPI) Params(method string) []string { return t.methods.paramNames(method) }

// State returns TravelAPI's public attributes.
func (t *travelAPI) State() map[string]any {
	return map[string]any{
		"credit_card_list": pyPlain(t.creditCards),
		"booking_record":   pyPlain(t.bookings),
		"access_token":     pyPlain(t.accessToken),
		"token_type":       pyPlain(t.tokenType),
		"token_expires_in": pyPlain(t.tokenExpiresIn),
		"token_scope":      pyPlain(t.tokenScope),
		"user_first_name":  pyPlain(t.firstName),
		"user_last_name":   pyPlain(t.lastName),
		"budget_limit":     pyPlain(t.budgetLimit),
		"long_context":     t.longContext,
	}
}

func (t *travelAPI) authenticate(a map[string]any) (any, error) {
	t.tokenExpiresIn = 2
	t.accessToken = fmt.Sprint(t.random.randint(100000, 999999))
	t.tokenType = "Bearer"
	t.tokenScope = a["grant_type"]
	t.firstName = a["user_first_name"]
	t.lastName = a["user_last_name"]
	return dictOf("expires_in", 2, "access_token", t.accessToken, "token_type", "Bearer", "scope", a["grant_type"]), nil
}

func (t *travelAPI) loginStatus(map[string]any) (any, error) {
	notIn := t.tokenExpiresIn == nil || pyEq(t.tokenExpiresIn, 0)
	return dictOf("status", !notIn), nil
}

func (t *travelAPI) budgetFiscalYear(map[string]any) (any, error) {
	return dictOf("budget_fiscal_year", "2018"), nil
}

func (t *travelAPI) registerCard(a map[string]any) (any, error) {
	switch {
	case t.tokenExpiresIn == nil:
		return dictOf("error", "Token not initialized"), nil
	case pyEq(t.tokenExpiresIn, 0):
		return dictOf("error", "Token expired"), nil
	case !pyEq(a["access_token"], t.accessToken):
		t.spendToken() // not None here
		return dictOf("error", "Invalid access token"), nil
	case t.creditCards.has(a["card_number"]):
		return dictOf("error", "Card already registered"), nil
	}
	id := fmt.Sprint(t.random.randint(100000000000, 999999999999))
	t.creditCards.set(id, dictOf(
		"card_number", a["card_number"],
		"expiration_date", a["expiration_date"],
		"cardholder_name", a["cardholder_name"],
		"card_verification_number", a["card_verification_number"],
		"balance", t.random.randint(10000, 99999),
	))
	return dictOf("card_id", id), nil
}

// flightCostError is a ValueError get_flight_cost raises, which book_flight turns into a result.
type flightCostError struct{ msg string }

func (e flightCostError) Error() string { return e.msg }

func (t *travelAPI) flightCost(a map[string]any) (any, error) {
	from, to, date, class := a["travel_from"], a["travel_to"], a["travel_date"], a["travel_class"]
	base, found := 0, false
	for _, r := range travelRoutes {
		if pyEq(from, r.from) && pyEq(to, r.to) {
			base, found = r.base, true
			break
		}
	}
	if !found {
		return nil, flightCostError{"No available route for the given airports."}
	}
	factor := 0
	switch {
	case pyEq(class, "economy"):
		factor = 1
	case pyEq(class, "business"):
		factor = 2
	case pyEq(class, "first"):
		factor = 5
	default:
		return nil, flightCostError{"Invalid travel class. Options are: economy, business, first."}
	}
	chars, err := pyIter(date)
	if err != nil {
		return nil, err
	}
	sum := 0
	for _, c := range chars {
		if s, ok := c.(string); ok && len(s) == 1 && s[0] >= '0' && s[0] <= '9' {
			sum += int(s[0] - '0')
		}
	}
	mult := 1
	if sum%2 == 0 {
		mult = 2
	}
	key := func(from, to any) string {
		return pycall.Str(from) + "|" + pycall.Str(to) + "|" + pycall.Str(class) + "|" + pycall.Str(date)
	}
	costs := []any{}
	t.flightCosts = map[string]any{}
	if t.longContext {
		for _, r := range travelRoutes {
			c := float64(r.base * factor * mult)
			t.flightCosts[key(r.from, r.to)] = c
			costs = append(costs, c)
		}
	} else {
		c := float64(base * factor * mult)
		costs = append(costs, c)
		t.flightCosts[key(from, to)] = c
	}
	return dictOf("travel_cost_list", costs), nil
}

// tokenCheck is the token test the secured methods start with: an expired or wrong token gives
// the error result (with extra leading fields, like booking_status false), nil when valid.
func (t *travelAPI) tokenCheck(token any, extra ...any) *pyDict {
	if pyEq(t.tokenExpiresIn, 0) {
		return dictOf(append(extra, "error", "Token expired")...)
	}
	if !pyEq(token, t.accessToken) {
		t.spendToken()
		return dictOf(append(extra, "error", "Invalid access token")...)
	}
	return nil
}

// spendToken is BFCL v3's `self.token_expires_in -= 1` after a wrong token (v4 dropped it);
// None cannot be decremented, which raises in Python: the exception is the method's.
func (t *travelAPI) spendToken() {
	v, err := pyArith("-", t.tokenExpiresIn, 1)
	if err != nil {
		panic(pyError(fmt.Sprintf("unsupported operand type(s) for -=: '%s' and 'int'", pyTypeName(t.tokenExpiresIn))))
	}
	t.tokenExpiresIn = v
}

// card returns the card dict under id.
func (t *travelAPI) card(id any) (*pyDict, error) { return t.creditCards.dictItem(id) }

func (t *travelAPI) cardBalance(a map[string]any) (any, error) {
	if e := t.tokenCheck(a["access_token"]); e != nil {
		return e, nil
	}
	if !t.creditCards.has(a["card_id"]) {
		return dictOf("error", "Card not registered. Here are a list of card_id's: "+pycall.Repr(append([]any{}, t.creditCards.keys...))), nil
	}
	c, err := t.card(a["card_id"])
	if err != nil {
		return nil, err
	}
	b, err := c.item("balance")
	if err != nil {
		return nil, err
	}
	return dictOf("card_balance", b), nil
}

func (t *travelAPI) bookFlight(a map[string]any) (any, error) {
	fail := func(msg string) (any, error) { return dictOf("booking_status", false, "error", msg), nil }
	if e := t.tokenCheck(a["access_token"], "booking_status", false); e != nil {
		return e, nil
	}
	cardID := a["card_id"]
	if !t.creditCards.has(cardID) {
		return fail("Card not registered")
	}
	c, err := t.card(cardID)
	if err != nil {
		return nil, err
	}
	if !c.has("balance") {
		return fail("Balance not found")
	}
	from, to, date, class := a["travel_from"], a["travel_to"], a["travel_date"], a["travel_class"]
	isAirport := func(v any) bool {
		for _, ap := range travelAirports {
			if pyEq(v, ap) {
				return true
			}
		}
		return false
	}
	if !isAirport(from) {
		return fail("Invalid departure airport code: " + pycall.Str(from))
	}
	if !isAirport(to) {
		return fail("Invalid destination airport code: " + pycall.Str(to))
	}
	if _, err := pyStrptime(date, "%Y-%m-%d"); err != nil {
		if _, isStr := date.(string); !isStr {
			return nil, err
		}
		return fail("Invalid date format. Use YYYY-MM-DD.")
	}
	if !pyEq(class, "economy") && !pyEq(class, "business") && !pyEq(class, "first") {
		// Python formats a set here, in its hash order; one order is written.
		return fail("Invalid travel class. Must be one of {'economy', 'business', 'first'}")
	}
	if _, err := t.flightCost(map[string]any{"travel_from": from, "travel_to": to, "travel_date": date, "travel_class": class}); err != nil {
		if fe, ok := err.(flightCostError); ok {
			return fail(fe.msg)
		}
		return nil, err
	}
	cost, ok := t.flightCosts[pycall.Str(from)+"|"+pycall.Str(to)+"|"+pycall.Str(class)+"|"+pycall.Str(date)]
	if !ok {
		return fail("No available route for the given parameters")
	}
	bal, _ := c.get("balance")
	if lt, err := pyLess(bal, cost); err != nil || lt {
		if err != nil {
			return nil, err
		}
		return fail("Insufficient funds")
	}
	if t.budgetLimit != nil {
		lt, err := pyLess(bal, t.budgetLimit)
		if err != nil {
			return nil, err
		}
		if lt {
			return fail("Balance is less than budget limit")
		}
	}
	nb, err := pyArith("-", bal, cost)
	if err != nil {
		return nil, err
	}
	c.set("balance", nb)
	bookingID := fmt.Sprint(t.random.randint(1000000, 9999999))
	transactionID := fmt.Sprint(t.random.randint(10000000, 99999999))
	t.bookings.set(bookingID, dictOf(
		"card_id", cardID,
		"travel_date", date,
		"travel_from", from,
		"travel_to", to,
		"travel_class", class,
		"travel_cost", cost,
		"transaction_id", transactionID,
	))
	history := any(newPyDict())
	if t.longContext {
		history = t.bookings
	}
	return dictOf("booking_id", bookingID, "transaction_id", transactionID, "booking_status", true, "booking_history", history), nil
}

// booking returns the booking dict under id.
func (t *travelAPI) booking(id any) (*pyDict, error) { return t.bookings.dictItem(id) }

func (t *travelAPI) retrieveInvoice(a map[string]any) (any, error) {
	if e := t.tokenCheck(a["access_token"]); e != nil {
		return e, nil
	}
	id := a["booking_id"]
	if !t.bookings.has(id) {
		return dictOf("error", "Booking not found"), nil
	}
	b, err := t.booking(id)
	if err != nil {
		return nil, err
	}
	inv := dictOf("booking_id", id)
	for _, k := range []string{"travel_date", "travel_from", "travel_to", "travel_class", "travel_cost", "transaction_id"} {
		v, err := b.item(k)
		if err != nil {
			return nil, err
		}
		inv.set(k, v)
	}
	return dictOf("invoice", inv), nil
}

func (t *travelAPI) listAirports(map[string]any) (any, error) {
	out := make([]any, len(travelAirports))
	for i, ap := range travelAirports {
		out[i] = ap
	}
	return out, nil
}

func (t *travelAPI) cancelBooking(a map[string]any) (any, error) {
	if e := t.tokenCheck(a["access_token"], "cancel_status", false); e != nil {
		return e, nil
	}
	id := a["booking_id"]
	if !t.bookings.has(id) {
		return dictOf("cancel_status", false, "error", "Booking not found"), nil
	}
	b, err := t.booking(id)
	if err != nil {
		return nil, err
	}
	cardID, err := b.item("card_id")
	if err != nil {
		return nil, err
	}
	cost, err := b.item("travel_cost")
	if err != nil {
		return nil, err
	}
	c, err := t.card(cardID)
	if err != nil {
		return nil, err
	}
	bal, err := c.item("balance")
	if err != nil {
		return nil, err
	}
	nb, err := pyArith("+", bal, cost)
	if err != nil {
		return nil, err
	}
	c.set("balance", nb)
	t.bookings.del(id)
	return dictOf("cancel_status", true), nil
}

func (t *travelAPI) exchangeRate(a map[string]any) (any, error) {
	base, target, value := a["base_currency"], a["target_currency"], a["value"]
	for _, r := range travelExchangeRates {
		if pyEq(base, "USD") && pyEq(target, r.currency) {
			v, err := pyArith("*", value, r.rate)
			if err != nil {
				return nil, err
			}
			return dictOf("exchanged_value", v), nil // BFCL v3: value * rate, an int for an int
		}
		if pyEq(base, r.currency) && pyEq(target, "USD") {
			v, err := pyArith("/", value, r.rate)
			if err != nil {
				return nil, err
			}
			return dictOf("exchanged_value", pyRound(v.(float64), 2)), nil
		}
	}
	return nil, fmt.Errorf("No available exchange rate for the given currencies.")
}

func (t *travelAPI) verifyTraveler(a map[string]any) (any, error) {
	first, last := a["first_name"], a["last_name"]
	if !pyEq(t.firstName, first) || !pyEq(t.lastName, last) {
		return dictOf("verification_status", false, "verification_failure",
			"Cannot book flight information for another user."+
				fmt.Sprintf("Expected %s %s, got %s %s", pycall.Str(t.firstName), pycall.Str(t.lastName), pycall.Str(first), pycall.Str(last))), nil
	}
	birth, err := pyStrptime(a["date_of_birth"], "%Y-%m-%d")
	if err != nil {
		if _, isStr := a["date_of_birth"].(string); !isStr {
			return nil, err
		}
		return dictOf("verification_status", false, "verification_failure", "Invalid date of birth format. Please use YYYY-MM-DD."), nil
	}
	today := travelToday()
	age := today.Year() - birth.Year()
	if int(today.Month()) < int(birth.Month()) || (today.Month() == birth.Month() && today.Day() < birth.Day()) {
		age--
	}
	if age < 18 {
		return dictOf("verification_status", false, "verification_failure", "Traveler must be at least 18 years old."), nil
	}
	passport, err := strArg(a["passport_number"], "startswith")
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(passport, "US") {
		return dictOf("verification_status", false, "verification_failure", "Passport must be issued by the United States."), nil
	}
	return dictOf("verification_status", true), nil
}

func (t *travelAPI) setBudgetLimit(a map[string]any) (any, error) {
	if e := t.tokenCheck(a["access_token"]); e != nil {
		return e, nil
	}
	f, err := pyFloat(a["budget_limit"])
	if err != nil {
		return nil, err
	}
	t.budgetLimit = f
	return dictOf("budget_limit", f), nil
}

func (t *travelAPI) nearestAirport(a map[string]any) (any, error) {
	if loc, ok := a["location"].(string); ok {
		if ap, ok := travelCityAirports[loc]; ok {
			return dictOf("nearest_airport", ap), nil
		}
	}
	return dictOf("nearest_airport", "Unknown"), nil
}

func (t *travelAPI) purchaseInsurance(a map[string]any) (any, error) {
	if e := t.tokenCheck(a["access_token"], "insurance_status", false); e != nil {
		return e, nil
	}
	cost := a["insurance_cost"]
	if t.budgetLimit != nil {
		lt, err := pyLess(t.budgetLimit, cost)
		if err != nil {
			return nil, err
		}
		if lt {
			return dictOf("insurance_status", false, "error", "Exceeded budget limit"), nil
		}
	}
	if !t.bookings.has(a["booking_id"]) {
		return dictOf("insurance_status", false, "error", "Booking not found"), nil
	}
	if !t.creditCards.has(a["card_id"]) {
		return dictOf("insurance_status", false, "error", "Credit card not registered"), nil
	}
	c, err := t.card(a["card_id"])
	if err != nil {
		return nil, err
	}
	bal, err := c.item("balance")
	if err != nil {
		return nil, err
	}
	nb, err := pyArith("-", bal, cost)
	if err != nil {
		return nil, err
	}
	c.set("balance", nb)
	return dictOf("insurance_id", fmt.Sprint(t.random.randint(100000000, 999999999)), "insurance_status", true), nil
}

func (t *travelAPI) contactSupport(a map[string]any) (any, error) {
	if !t.bookings.has(a["booking_id"]) {
		return dictOf("error", "Booking not found"), nil
	}
	return dictOf("customer_support_message", "Thank you for contacting customer support. Your message has been received and we will get back to you shortly."), nil
}

func (t *travelAPI) allCards(map[string]any) (any, error) {
	return dictOf("credit_card_list", t.creditCards), nil
}
