package airline

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/env"
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
