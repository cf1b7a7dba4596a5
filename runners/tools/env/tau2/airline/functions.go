package airline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/env"
	"github.com/realx-bench/realx/runners/tools/env/tau2/pyjson"
)

// The JSON Schemas of the tools' arguments, their descriptions those of tools.py's docstrings.
const (
	strProp    = `{"type":"string","description":%q}`
	intProp    = `{"type":"integer","description":%q}`
	flightInfo = `{"type":"object","properties":{"flight_number":{"type":"string","description":"Flight number, such as 'HAT001'."},"date":{"type":"string","description":"The date for the flight in the format 'YYYY-MM-DD', such as '2024-05-01'."}},"required":["flight_number","date"]}`
	passenger  = `{"type":"object","properties":{"first_name":{"type":"string","description":"Passenger's first name"},"last_name":{"type":"string","description":"Passenger's last name"},"dob":{"type":"string","description":"Date of birth in YYYY-MM-DD format"}},"required":["first_name","last_name","dob"]}`
	payment    = `{"type":"object","properties":{"payment_id":{"type":"string","description":"Unique identifier for the payment"},"amount":{"type":"integer","description":"Payment amount in dollars"}},"required":["payment_id","amount"]}`
	cabinEnum  = `{"type":"string","enum":["business","economy","basic_economy"],"description":%q}`
)

// schema writes an object schema of the given properties (name, then its schema), all
// required.
func schema(props ...string) []byte {
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{`)
	var names []string
	for i := 0; i < len(props); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", props[i], props[i+1])
		names = append(names, fmt.Sprintf("%q", props[i]))
	}
	fmt.Fprintf(&b, `},"required":[%s]}`, strings.Join(names, ","))
	return []byte(b.String())
}

func str(desc string) string     { return fmt.Sprintf(strProp, desc) }
func integer(desc string) string { return fmt.Sprintf(intProp, desc) }
func array(desc, items string) string {
	return fmt.Sprintf(`{"type":"array","items":%s,"description":%q}`, items, desc)
}

// tools returns the airline's functions, in the order τ2 lists them (by name).
func (a *Airline) tools() env.Table {
	def := func(name, desc string, params []byte, run func(context.Context, json.RawMessage) (any, error)) env.Function {
		return env.Function{Def: runners.ToolDef{Name: name, Description: desc, Parameters: params}, Run: run}
	}
	resID := func(example string) string { return str("The reservation ID, such as '" + example + "'.") }
	paymentID := str("The payment id stored in user profile, such as 'credit_card_7815826', 'gift_card_7815826', 'certificate_7815826'.")
	return env.Table{
		def("book_reservation", "Book a reservation.", schema(
			"user_id", str("The ID of the user to book the reservation such as 'sara_doe_496'`."),
			"origin", str("The IATA code for the origin city such as 'SFO'."),
			"destination", str("The IATA code for the destination city such as 'JFK'."),
			"flight_type", `{"type":"string","enum":["round_trip","one_way"],"description":"The type of flight such as 'one_way' or 'round_trip'."}`,
			"cabin", fmt.Sprintf(cabinEnum, "The cabin class such as 'basic_economy', 'economy', or 'business'."),
			"flights", array("An array of objects containing details about each piece of flight.", flightInfo),
			"passengers", array("An array of objects containing details about each passenger.", passenger),
			"payment_methods", array("An array of objects containing details about each payment method.", payment),
			"total_baggages", integer("The total number of baggage items to book the reservation."),
			"nonfree_baggages", integer("The number of non-free baggage items to book the reservation."),
			"insurance", `{"type":"string","enum":["yes","no"],"description":"Whether the reservation has insurance."}`,
		), a.bookReservation),
		def("calculate", "Calculate the result of a mathematical expression.", schema(
			"expression", str("The mathematical expression to calculate, such as '2 + 2'. The expression can contain numbers, operators (+, -, *, /), parentheses, and spaces."),
		), a.calculate),
		def("cancel_reservation", "Cancel the whole reservation.", schema("reservation_id", resID("ZFA04Y")), a.cancelReservation),
		def("get_flight_status", "Get the status of a flight.", schema(
			"flight_number", str("The flight number."), "date", str("The date of the flight."),
		), a.getFlightStatus),
		def("get_reservation_details", "Get the details of a reservation.", schema("reservation_id", resID("8JX2WO")), a.getReservationDetails),
		def("get_user_details", "Get the details of a user, including their reservations.", schema(
			"user_id", str("The user ID, such as 'sara_doe_496'."),
		), a.getUserDetails),
		def("list_all_airports", "Returns a list of all available airports.", schema(), a.listAllAirports),
		def("search_direct_flight", "Search for direct flights between two cities on a specific date.", schema(
			"origin", str("The origin city airport in three letters, such as 'JFK'."),
			"destination", str("The destination city airport in three letters, such as 'LAX'."),
			"date", str("The date of the flight in the format 'YYYY-MM-DD', such as '2024-01-01'."),
		), a.searchDirectFlight),
		def("search_onestop_flight", "Search for one-stop flights between two cities on a specific date.", schema(
			"origin", str("The origin city airport in three letters, such as 'JFK'."),
			"destination", str("The destination city airport in three letters, such as 'LAX'."),
			"date", str("The date of the flight in the format 'YYYY-MM-DD', such as '2024-05-01'."),
		), a.searchOnestopFlight),
		def("send_certificate", "Send a certificate to a user. Be careful!", schema(
			"user_id", str("The ID of the user to book the reservation, such as 'sara_doe_496'."),
			"amount", integer("The amount of the certificate to send."),
		), a.sendCertificate),
		def("transfer_to_human_agents", "Transfer the user to a human agent, with a summary of the user's issue.\nOnly transfer if\n -  the user explicitly asks for a human agent\n -  given the policy and the available tools, you cannot solve the user's issue.", schema(
			"summary", str("A summary of the user's issue."),
		), a.transferToHumanAgents),
		def("update_reservation_baggages", "Update the baggage information of a reservation.", schema(
			"reservation_id", resID("ZFA04Y"),
			"total_baggages", integer("The updated total number of baggage items included in the reservation."),
			"nonfree_baggages", integer("The updated number of non-free baggage items included in the reservation."),
			"payment_id", paymentID,
		), a.updateReservationBaggages),
		def("update_reservation_flights", "Update the flight information of a reservation.", schema(
			"reservation_id", resID("ZFA04Y"),
			"cabin", fmt.Sprintf(cabinEnum, "The cabin class of the reservation"),
			"flights", array("An array of objects containing details about each piece of flight in the ENTIRE new reservation. Even if the a flight segment is not changed, it should still be included in the array.", flightInfo),
			"payment_id", paymentID,
		), a.updateReservationFlights),
		def("update_reservation_passengers", "Update the passenger information of a reservation.", schema(
			"reservation_id", resID("ZFA04Y"),
			"passengers", array("An array of objects containing details about each passenger.", passenger),
		), a.updateReservationPassengers),
	}
}

// Calculate evaluates an arithmetic expression as τ2's calculate tool does — Python's eval
// of numbers, + - * / // ** and parentheses — and writes the value rounded to two decimals
// as Python writes a float.
func Calculate(expr string) (string, error) {
	for _, r := range expr {
		if !strings.ContainsRune("0123456789+-*/(). ", r) {
			return "", errors.New("Invalid characters in expression")
		}
	}
	p := &calc{s: expr}
	v, err := p.sum()
	if err == nil {
		p.space()
		if p.i < len(p.s) {
			err = errors.New("invalid syntax")
		}
	}
	if err != nil {
		return "", err
	}
	return pyjson.FormatFloat(pyRound2(v)), nil
}

// pyRound2 rounds to two decimals, halves to even, as Python's round(x, 2) does.
func pyRound2(v float64) float64 {
	r := math.RoundToEven(v*100) / 100
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return v
	}
	return r
}

// calc parses and evaluates an expression by recursive descent, with Python's precedence:
// ** binds tighter than unary minus on its left, and is right-associative.
type calc struct {
	s string
	i int
}

func (p *calc) space() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *calc) peek(tok string) bool {
	p.space()
	return strings.HasPrefix(p.s[p.i:], tok)
}

func (p *calc) sum() (float64, error) {
	v, err := p.product()
	for err == nil {
		switch {
		case p.peek("+"):
			p.i++
			var w float64
			w, err = p.product()
			v += w
		case p.peek("-"):
			p.i++
			var w float64
			w, err = p.product()
			v -= w
		default:
			return v, nil
		}
	}
	return 0, err
}

func (p *calc) product() (float64, error) {
	v, err := p.unary()
	for err == nil {
		switch {
		case p.peek("**"):
			return v, nil // reached only through unary's power
		case p.peek("//"):
			p.i += 2
			var w float64
			if w, err = p.unary(); err == nil {
				if w == 0 {
					return 0, errors.New("float floor division by zero")
				}
				v = math.Floor(v / w)
			}
		case p.peek("*"):
			p.i++
			var w float64
			w, err = p.unary()
			v *= w
		case p.peek("/"):
			p.i++
			var w float64
			if w, err = p.unary(); err == nil {
				if w == 0 {
					return 0, errors.New("division by zero")
				}
				v /= w
			}
		default:
			return v, nil
		}
	}
	return 0, err
}

func (p *calc) unary() (float64, error) {
	switch {
	case p.peek("-"):
		p.i++
		v, err := p.unary()
		return -v, err
	case p.peek("+"):
		p.i++
		return p.unary()
	}
	return p.power()
}

func (p *calc) power() (float64, error) {
	v, err := p.atom()
	if err != nil {
		return 0, err
	}
	if p.peek("**") {
		p.i += 2
		w, err := p.unary()
		if err != nil {
			return 0, err
		}
		return math.Pow(v, w), nil
	}
	return v, nil
}

func (p *calc) atom() (float64, error) {
	p.space()
	if p.peek("(") {
		p.i++
		v, err := p.sum()
		if err != nil {
			return 0, err
		}
		if !p.peek(")") {
			return 0, errors.New("invalid syntax")
		}
		p.i++
		return v, nil
	}
	start := p.i
	for p.i < len(p.s) && strings.IndexByte("0123456789.", p.s[p.i]) >= 0 {
		p.i++
	}
	if start == p.i {
		return 0, errors.New("invalid syntax")
	}
	var v float64
	if _, err := fmt.Sscan(p.s[start:p.i], &v); err != nil {
		return 0, errors.New("invalid syntax")
	}
	return v, nil
}
