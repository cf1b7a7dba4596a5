package airline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/env"
	"github.com/realx-bench/realx/runners/tools/env/tau2/pycalc"
	"github.com/realx-bench/realx/runners/tools/env/tau2/pyjson"
)

// now is the airline's clock: τ2 fixes the time of every task.
const now = "2024-05-15T15:00:00"

// Airline is one sample's airline: its database and the tools that read and change it.
type Airline struct {
	db    *Database
	table env.Table
}

// New opens an airline on a copy of db (the published database when db is empty).
func New(db json.RawMessage) (env.Environment, error) {
	var d *Database
	var err error
	if len(db) == 0 {
		d, err = publishedDB()
	} else {
		d, err = ParseDatabase(db)
	}
	if err != nil {
		return nil, err
	}
	a := &Airline{db: d}
	a.table = a.tools()
	return a, nil
}

// Functions declares the airline's tools, in tools.py's order.
func (a *Airline) Functions() []runners.ToolDef { return a.table.Functions() }

// Call runs a tool: a refusal (a reservation not found, a payment that does not add up) is
// an observation "Error: …" with τ2's message.
func (a *Airline) Call(ctx context.Context, name string, args json.RawMessage) (*runners.Observation, error) {
	if !slices.ContainsFunc(a.table, func(f env.Function) bool { return f.Def.Name == name }) {
		return env.ErrorObservation(fmt.Sprintf("Tool '%s' not found.", name)), nil
	}
	return a.table.Call(ctx, name, args)
}

// State returns the database as canonical JSON.
func (a *Airline) State() (json.RawMessage, error) { return env.StateJSON(a.db) }

// result is a tool's result as τ2 writes it for the model: a string as it is, anything else
// as Python's json.dumps writes it.
func result(v any) (any, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	s, err := pyjson.Dumps(v)
	if err != nil {
		return nil, &env.Failure{Err: err}
	}
	return s, nil
}

func (a *Airline) user(id string) (*User, error) {
	u, ok := a.db.Users.Get(id)
	if !ok {
		return nil, fmt.Errorf("User %s not found", id)
	}
	return u, nil
}

func (a *Airline) reservation(id string) (*Reservation, error) {
	r, ok := a.db.Reservations.Get(id)
	if !ok {
		return nil, fmt.Errorf("Reservation %s not found", id)
	}
	return r, nil
}

// reservationArg returns the reservation named by the only argument, reservation_id, of the
// tool fn.
func (a *Airline) reservationArg(fn string, args json.RawMessage) (*Reservation, error) {
	var in struct {
		ReservationID string `json:"reservation_id"`
	}
	if err := pyjson.Kwargs(fn, args, &in, []string{"reservation_id"}); err != nil {
		return nil, err
	}
	return a.reservation(in.ReservationID)
}

// reservationOwner returns reservation id and the user who holds it, for a change of it.
func (a *Airline) reservationOwner(id string) (*Reservation, *User, error) {
	r, err := a.reservation(id)
	if err != nil {
		return nil, nil, err
	}
	u, err := a.user(r.UserID)
	if err != nil {
		return nil, nil, err
	}
	return r, u, nil
}

func (a *Airline) flight(number string) (*Flight, error) {
	f, ok := a.db.Flights.Get(number)
	if !ok {
		return nil, fmt.Errorf("Flight %s not found", number)
	}
	return f, nil
}

func (a *Airline) flightInstance(number, date string) (*FlightDateStatus, error) {
	f, err := a.flight(number)
	if err != nil {
		return nil, err
	}
	d, ok := f.Dates.Get(date)
	if !ok {
		return nil, fmt.Errorf("Flight %s not found on date %s", number, date)
	}
	return d, nil
}

// availableFlight checks that the flight fi is available on its date with n seats left in
// cabin, and returns it as a reservation's flight at the cabin's price, with the status of its
// date (whose seats a booking takes).
func (a *Airline) availableFlight(fi FlightInfo, cabin string, n int) (ReservationFlight, *FlightDateStatus, error) {
	f, err := a.flight(fi.FlightNumber)
	if err != nil {
		return ReservationFlight{}, nil, err
	}
	d, err := a.flightInstance(fi.FlightNumber, fi.Date)
	if err != nil {
		return ReservationFlight{}, nil, err
	}
	if d.Status != "available" {
		return ReservationFlight{}, nil, fmt.Errorf("Flight %s not available on date %s", fi.FlightNumber, fi.Date)
	}
	seats, ok := d.AvailableSeats.Get(cabin)
	if !ok {
		return ReservationFlight{}, nil, fmt.Errorf("'%s'", cabin) // Python's KeyError, for a cabin that is none
	}
	if int(seats) < n {
		return ReservationFlight{}, nil, fmt.Errorf("Not enough seats on flight %s", fi.FlightNumber)
	}
	price, _ := d.Prices.Get(cabin)
	return ReservationFlight{FlightNumber: fi.FlightNumber, Origin: f.Origin, Destination: f.Destination,
		Date: fi.Date, Price: price}, d, nil
}

// newReservationID returns the first of τ2's three reservation IDs not taken.
func (a *Airline) newReservationID() (string, error) {
	for _, id := range []string{"HATHAT", "HATHAU", "HATHAV"} {
		if _, ok := a.db.Reservations.Get(id); !ok {
			return id, nil
		}
	}
	return "", errors.New("Too many reservations")
}

// DirectFlight is a flight found by a search, on its date.
type DirectFlight struct {
	FlightNumber              string                 `json:"flight_number"`
	Origin                    string                 `json:"origin"`
	Destination               string                 `json:"destination"`
	Status                    string                 `json:"status"`
	ScheduledDepartureTimeEST string                 `json:"scheduled_departure_time_est"`
	ScheduledArrivalTimeEST   string                 `json:"scheduled_arrival_time_est"`
	Date                      *string                `json:"date"`
	AvailableSeats            pyjson.Map[pyjson.Int] `json:"available_seats"`
	Prices                    pyjson.Map[pyjson.Int] `json:"prices"`
}

// searchDirect finds the flights available on date, from origin and to destination when they
// are set, leaving at leaveAfter or later when it is set.
func (a *Airline) searchDirect(date, origin, destination, leaveAfter string) []DirectFlight {
	var out []DirectFlight
	for _, key := range a.db.Flights.Keys() {
		f, _ := a.db.Flights.Get(key)
		d, ok := f.Dates.Get(date)
		if (origin != "" && f.Origin != origin) || (destination != "" && f.Destination != destination) ||
			!ok || d.Status != "available" || (leaveAfter != "" && f.ScheduledDepartureTimeEST < leaveAfter) {
			continue
		}
		df := DirectFlight{FlightNumber: f.FlightNumber, Origin: f.Origin, Destination: f.Destination, Status: "available",
			ScheduledDepartureTimeEST: f.ScheduledDepartureTimeEST, ScheduledArrivalTimeEST: f.ScheduledArrivalTimeEST}
		if d.AvailableSeats != nil {
			df.AvailableSeats = *d.AvailableSeats
		}
		if d.Prices != nil {
			df.Prices = *d.Prices
		}
		out = append(out, df)
	}
	return out
}

// chargeUpdate charges total to the user's payment method id for a change of reservation r:
// a certificate cannot pay, a gift card must hold enough. A change that costs something is
// recorded in r's payment history.
func chargeUpdate(r *Reservation, u *User, id string, total int) error {
	pm, ok := u.PaymentMethods.Get(id)
	if !ok {
		return errors.New("Payment method not found")
	}
	switch {
	case pm.Source == "certificate":
		return errors.New("Certificate cannot be used to update reservation")
	case pm.Source == "gift_card" && amount(pm) < float64(total):
		return errors.New("Gift card balance is not enough")
	}
	if pm.Source == "gift_card" {
		v := pyjson.Float(amount(pm) - float64(total))
		pm.Amount = &v
	}
	if total != 0 {
		r.PaymentHistory = append(r.PaymentHistory, Payment{PaymentID: id, Amount: pyjson.Int(total)})
	}
	return nil
}

// amount is the balance of a gift card or certificate.
func amount(pm *PaymentMethod) float64 {
	if pm.Amount == nil {
		return 0
	}
	return float64(*pm.Amount)
}

// literal is a Literal field of a pydantic model and the value given for it.
type literal struct {
	field, value string
	values       []string
}

// pydanticVersion is the pydantic τ2-bench locks (uv.lock), whose error messages link to its
// documentation.
const pydanticVersion = "2.12"

// validate checks Literal fields as pydantic does when model is built: every field whose value
// is not one of its values is reported, in pydantic's words.
func validate(model string, fields ...literal) error {
	var lines []string
	for _, f := range fields {
		if slices.Contains(f.values, f.value) {
			continue
		}
		quoted := make([]string, len(f.values))
		for i, v := range f.values {
			quoted[i] = "'" + v + "'"
		}
		lines = append(lines, f.field, fmt.Sprintf("  Input should be %s or %s [type=literal_error, input_value=%s, input_type=str]",
			strings.Join(quoted[:len(quoted)-1], ", "), quoted[len(quoted)-1], pyRepr(f.value)),
			"    For further information visit https://errors.pydantic.dev/"+pydanticVersion+"/v/literal_error")
	}
	switch n := len(lines) / 3; n {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("1 validation error for %s\n%s", model, strings.Join(lines, "\n"))
	default:
		return fmt.Errorf("%d validation errors for %s\n%s", n, model, strings.Join(lines, "\n"))
	}
}

// pyRepr writes a string as Python's repr does (for the plain strings of arguments).
func pyRepr(s string) string {
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

var cabins = []string{"business", "economy", "basic_economy"}

// FlightInfo names a flight on a date, as a booking or change gives it.
type FlightInfo struct {
	FlightNumber string `json:"flight_number"`
	Date         string `json:"date"`
}

func (a *Airline) bookReservation(_ context.Context, args json.RawMessage) (any, error) {
	var in struct {
		UserID          string       `json:"user_id"`
		Origin          string       `json:"origin"`
		Destination     string       `json:"destination"`
		FlightType      string       `json:"flight_type"`
		Cabin           string       `json:"cabin"`
		Flights         []FlightInfo `json:"flights"`
		Passengers      []Passenger  `json:"passengers"`
		PaymentMethods  []Payment    `json:"payment_methods"`
		TotalBaggages   pyjson.Int   `json:"total_baggages"`
		NonfreeBaggages pyjson.Int   `json:"nonfree_baggages"`
		Insurance       string       `json:"insurance"`
	}
	if err := pyjson.Kwargs("book_reservation", args, &in, []string{"user_id", "origin", "destination", "flight_type",
		"cabin", "flights", "passengers", "payment_methods", "total_baggages", "nonfree_baggages", "insurance"}); err != nil {
		return nil, err
	}
	u, err := a.user(in.UserID)
	if err != nil {
		return nil, err
	}
	id, err := a.newReservationID()
	if err != nil {
		return nil, err
	}
	if err := validate("Reservation", literal{"flight_type", in.FlightType, []string{"round_trip", "one_way"}},
		literal{"cabin", in.Cabin, cabins}, literal{"insurance", in.Insurance, []string{"yes", "no"}}); err != nil {
		return nil, err
	}
	r := &Reservation{ReservationID: id, UserID: in.UserID, Origin: in.Origin, Destination: in.Destination,
		FlightType: in.FlightType, Cabin: in.Cabin, Flights: []ReservationFlight{},
		Passengers: slices.Clone(in.Passengers), PaymentHistory: slices.Clone(in.PaymentMethods), CreatedAt: now,
		TotalBaggages: in.TotalBaggages, NonfreeBaggages: in.NonfreeBaggages, Insurance: in.Insurance}
	if r.Passengers == nil {
		r.Passengers = []Passenger{}
	}
	if r.PaymentHistory == nil {
		r.PaymentHistory = []Payment{}
	}
	n := len(in.Passengers)
	total := 0
	var dates []*FlightDateStatus
	for _, fi := range in.Flights {
		rf, d, err := a.availableFlight(fi, in.Cabin, n)
		if err != nil {
			return nil, err
		}
		r.Flights = append(r.Flights, rf)
		dates = append(dates, d)
		total += int(rf.Price) * n
	}
	if in.Insurance == "yes" {
		total += 30 * n
	}
	total += 50 * int(in.NonfreeBaggages)
	for _, p := range in.PaymentMethods {
		pm, ok := u.PaymentMethods.Get(p.PaymentID)
		if !ok {
			return nil, fmt.Errorf("Payment method %s not found", p.PaymentID)
		}
		if (pm.Source == "gift_card" || pm.Source == "certificate") && amount(pm) < float64(p.Amount) {
			return nil, fmt.Errorf("Not enough balance in payment method %s", p.PaymentID)
		}
	}
	paid := 0
	for _, p := range in.PaymentMethods {
		paid += int(p.Amount)
	}
	if paid != total {
		return nil, fmt.Errorf("Payment amount does not add up, total price is %d, but paid %d", total, paid)
	}
	for _, p := range in.PaymentMethods {
		pm, ok := u.PaymentMethods.Get(p.PaymentID)
		if !ok {
			// A certificate named twice is gone after its first payment: Python's KeyError.
			return nil, fmt.Errorf("'%s'", p.PaymentID)
		}
		switch pm.Source {
		case "gift_card":
			v := pyjson.Float(amount(pm) - float64(p.Amount))
			pm.Amount = &v
		case "certificate":
			u.PaymentMethods.Delete(p.PaymentID)
		}
	}
	for _, d := range dates {
		seats, _ := d.AvailableSeats.Get(in.Cabin)
		d.AvailableSeats.Set(in.Cabin, seats-pyjson.Int(n))
	}
	a.db.Reservations.Set(id, r)
	u.Reservations = append(u.Reservations, id)
	return result(r)
}

func (a *Airline) calculate(_ context.Context, args json.RawMessage) (any, error) {
	var in struct {
		Expression string `json:"expression"`
	}
	if err := pyjson.Kwargs("calculate", args, &in, []string{"expression"}); err != nil {
		return nil, err
	}
	return pycalc.Calculate(in.Expression)
}

func (a *Airline) cancelReservation(_ context.Context, args json.RawMessage) (any, error) {
	r, err := a.reservationArg("cancel_reservation", args)
	if err != nil {
		return nil, err
	}
	var refunds []Payment
	for _, p := range r.PaymentHistory {
		refunds = append(refunds, Payment{PaymentID: p.PaymentID, Amount: -p.Amount})
	}
	r.PaymentHistory = append(r.PaymentHistory, refunds...)
	cancelled := "cancelled"
	r.Status = &cancelled
	// τ2 releases no seats on a cancellation.
	return result(r)
}

func (a *Airline) getReservationDetails(_ context.Context, args json.RawMessage) (any, error) {
	r, err := a.reservationArg("get_reservation_details", args)
	if err != nil {
		return nil, err
	}
	return result(r)
}

func (a *Airline) getUserDetails(_ context.Context, args json.RawMessage) (any, error) {
	var in struct {
		UserID string `json:"user_id"`
	}
	if err := pyjson.Kwargs("get_user_details", args, &in, []string{"user_id"}); err != nil {
		return nil, err
	}
	u, err := a.user(in.UserID)
	if err != nil {
		return nil, err
	}
	return result(u)
}

// airports are the airports list_all_airports lists, in its order.
var airports = [][2]string{
	{"SFO", "San Francisco"}, {"JFK", "New York"}, {"LAX", "Los Angeles"}, {"ORD", "Chicago"},
	{"DFW", "Dallas"}, {"DEN", "Denver"}, {"SEA", "Seattle"}, {"ATL", "Atlanta"}, {"MIA", "Miami"},
	{"BOS", "Boston"}, {"PHX", "Phoenix"}, {"IAH", "Houston"}, {"LAS", "Las Vegas"}, {"MCO", "Orlando"},
	{"EWR", "Newark"}, {"CLT", "Charlotte"}, {"MSP", "Minneapolis"}, {"DTW", "Detroit"},
	{"PHL", "Philadelphia"}, {"LGA", "LaGuardia"},
}

func (a *Airline) listAllAirports(_ context.Context, args json.RawMessage) (any, error) {
	if err := pyjson.Kwargs("list_all_airports", args, &struct{}{}, nil); err != nil {
		return nil, err
	}
	type airport struct {
		IATA string `json:"iata"`
		City string `json:"city"`
	}
	out := make([]airport, len(airports))
	for i, ap := range airports {
		out[i] = airport{ap[0], ap[1]}
	}
	return result(out)
}

// searchArgs are the arguments of the two flight searches.
type searchArgs struct {
	Origin      string `json:"origin"`
	Destination string `json:"destination"`
	Date        string `json:"date"`
}

func (a *Airline) searchDirectFlight(_ context.Context, args json.RawMessage) (any, error) {
	var in searchArgs
	if err := pyjson.Kwargs("search_direct_flight", args, &in, []string{"origin", "destination", "date"}); err != nil {
		return nil, err
	}
	out := a.searchDirect(in.Date, in.Origin, in.Destination, "")
	if out == nil {
		out = []DirectFlight{}
	}
	return result(out)
}

func (a *Airline) searchOnestopFlight(_ context.Context, args json.RawMessage) (any, error) {
	var in searchArgs
	if err := pyjson.Kwargs("search_onestop_flight", args, &in, []string{"origin", "destination", "date"}); err != nil {
		return nil, err
	}
	out := [][2]DirectFlight{}
	for _, first := range a.searchDirect(in.Date, in.Origin, "", "") {
		first.Date = &in.Date
		date2 := in.Date
		if strings.Contains(first.ScheduledArrivalTimeEST, "+1") {
			// τ2 takes the next day in May, its day number written without padding.
			day, err := strconv.Atoi(in.Date[max(0, len(in.Date)-2):])
			if err != nil {
				return nil, fmt.Errorf("invalid literal for int() with base 10: '%s'", in.Date[max(0, len(in.Date)-2):])
			}
			date2 = fmt.Sprintf("2024-05-%d", day+1)
		}
		for _, second := range a.searchDirect(date2, first.Destination, in.Destination, first.ScheduledArrivalTimeEST) {
			second.Date = &date2
			out = append(out, [2]DirectFlight{first, second})
		}
	}
	return result(out)
}

func (a *Airline) sendCertificate(_ context.Context, args json.RawMessage) (any, error) {
	var in struct {
		UserID string      `json:"user_id"`
		Amount json.Number `json:"amount"`
	}
	if err := pyjson.Kwargs("send_certificate", args, &in, []string{"user_id", "amount"}); err != nil {
		return nil, err
	}
	amount, err := in.Amount.Float64()
	if err != nil {
		return nil, fmt.Errorf("1 validation error for Certificate: amount: Input should be a valid number, got %q", in.Amount)
	}
	// Python writes the amount as the model sent it: 100 stays 100, 100.0 stays 100.0.
	text := in.Amount.String()
	if strings.ContainsAny(text, ".eE") {
		text = pyjson.FormatFloat(amount)
	}
	u, err := a.user(in.UserID)
	if err != nil {
		return nil, err
	}
	for _, n := range []int{3221322, 3221323, 3221324} {
		id := fmt.Sprintf("certificate_%d", n)
		if _, taken := u.PaymentMethods.Get(id); taken {
			continue
		}
		v := pyjson.Float(amount)
		u.PaymentMethods.Set(id, &PaymentMethod{Source: "certificate", ID: id, Amount: &v})
		return fmt.Sprintf("Certificate %s added to user %s with amount %s.", id, in.UserID, text), nil
	}
	return nil, errors.New("Too many certificates")
}

func (a *Airline) transferToHumanAgents(_ context.Context, args json.RawMessage) (any, error) {
	var in struct {
		Summary string `json:"summary"`
	}
	if err := pyjson.Kwargs("transfer_to_human_agents", args, &in, []string{"summary"}); err != nil {
		return nil, err
	}
	return "Transfer successful", nil
}

func (a *Airline) updateReservationBaggages(_ context.Context, args json.RawMessage) (any, error) {
	var in struct {
		ReservationID   string     `json:"reservation_id"`
		TotalBaggages   pyjson.Int `json:"total_baggages"`
		NonfreeBaggages pyjson.Int `json:"nonfree_baggages"`
		PaymentID       string     `json:"payment_id"`
	}
	if err := pyjson.Kwargs("update_reservation_baggages", args, &in,
		[]string{"reservation_id", "total_baggages", "nonfree_baggages", "payment_id"}); err != nil {
		return nil, err
	}
	r, u, err := a.reservationOwner(in.ReservationID)
	if err != nil {
		return nil, err
	}
	total := 50 * max(0, int(in.NonfreeBaggages)-int(r.NonfreeBaggages))
	if err := chargeUpdate(r, u, in.PaymentID, total); err != nil {
		return nil, err
	}
	r.TotalBaggages, r.NonfreeBaggages = in.TotalBaggages, in.NonfreeBaggages
	return result(r)
}

func (a *Airline) updateReservationFlights(_ context.Context, args json.RawMessage) (any, error) {
	var in struct {
		ReservationID string       `json:"reservation_id"`
		Cabin         string       `json:"cabin"`
		Flights       []FlightInfo `json:"flights"`
		PaymentID     string       `json:"payment_id"`
	}
	if err := pyjson.Kwargs("update_reservation_flights", args, &in,
		[]string{"reservation_id", "cabin", "flights", "payment_id"}); err != nil {
		return nil, err
	}
	r, u, err := a.reservationOwner(in.ReservationID)
	if err != nil {
		return nil, err
	}
	n := len(r.Passengers)
	total := 0
	flights := []ReservationFlight{}
	for _, fi := range in.Flights {
		i := slices.IndexFunc(r.Flights, func(rf ReservationFlight) bool {
			return rf.FlightNumber == fi.FlightNumber && rf.Date == fi.Date && in.Cabin == r.Cabin
		})
		if i >= 0 {
			total += int(r.Flights[i].Price) * n
			flights = append(flights, r.Flights[i])
			continue
		}
		rf, _, err := a.availableFlight(fi, in.Cabin, n)
		if err != nil {
			return nil, err
		}
		flights = append(flights, rf)
		total += int(rf.Price) * n
	}
	paid := 0
	for _, rf := range r.Flights {
		paid += int(rf.Price)
	}
	total -= paid * n
	if err := chargeUpdate(r, u, in.PaymentID, total); err != nil {
		return nil, err
	}
	// τ2 books no seats on a change: the flights' seat counts stay as they were.
	r.Flights, r.Cabin = flights, in.Cabin
	return result(r)
}

func (a *Airline) updateReservationPassengers(_ context.Context, args json.RawMessage) (any, error) {
	var in struct {
		ReservationID string      `json:"reservation_id"`
		Passengers    []Passenger `json:"passengers"`
	}
	if err := pyjson.Kwargs("update_reservation_passengers", args, &in, []string{"reservation_id", "passengers"}); err != nil {
		return nil, err
	}
	r, err := a.reservation(in.ReservationID)
	if err != nil {
		return nil, err
	}
	if len(in.Passengers) != len(r.Passengers) {
		return nil, errors.New("Number of passengers does not match")
	}
	r.Passengers = slices.Clone(in.Passengers)
	return result(r)
}

func (a *Airline) getFlightStatus(_ context.Context, args json.RawMessage) (any, error) {
	var in struct {
		FlightNumber string `json:"flight_number"`
		Date         string `json:"date"`
	}
	if err := pyjson.Kwargs("get_flight_status", args, &in, []string{"flight_number", "date"}); err != nil {
		return nil, err
	}
	d, err := a.flightInstance(in.FlightNumber, in.Date)
	if err != nil {
		return nil, err
	}
	return d.Status, nil
}
