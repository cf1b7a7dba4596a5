package airline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/tools/env"
	"github.com/realx-bench/realx/runners/tools/env/tau2/airline"
)

// open opens an airline on the small database of testdata (tau2-bench's own tool tests' fixture,
// with a gift card added).
func open(t *testing.T) env.Environment {
	t.Helper()
	db, err := os.ReadFile("testdata/small.json")
	require.NoError(t, err)
	e, err := airline.New(db)
	require.NoError(t, err)
	return e
}

// call runs a tool and returns its observation's text and error.
func call(t *testing.T, e env.Environment, name, args string) (string, string) {
	t.Helper()
	obs, err := e.Call(context.Background(), name, json.RawMessage(args))
	require.NoError(t, err)
	return obs.Text, obs.Error
}

func state(t *testing.T, e env.Environment) string {
	t.Helper()
	s, err := e.State()
	require.NoError(t, err)
	return string(s)
}

// TestTools calls each tool as tau2-bench's tool tests do, with the results and error messages
// tools.py gives: results written as Python's json.dumps writes them.
func TestTools(t *testing.T) {
	t.Parallel()
	const book = `{"user_id": "mia_li_3668", "origin": "PHL", "destination": "LGA", "flight_type": "one_way", "cabin": "economy",
		"flights": [{"flight_number": "HAT001", "date": "%s"}], "passengers": [{"first_name": "Noah", "last_name": "Brown", "dob": "1990-01-01"}],
		"payment_methods": [{"payment_id": "%s", "amount": %d}], "total_baggages": 2, "nonfree_baggages": 0, "insurance": "no"}`
	for _, tc := range []struct {
		name, tool, args string
		text, err        string // text: a part of the result; err: the whole error
	}{
		{"book, paid too little", "book_reservation", sprintf(book, "2024-05-16", "credit_card_4421486", 121), "", "Payment amount does not add up, total price is 122, but paid 121"},
		{"book, certificate too small", "book_reservation", sprintf(book, "2024-05-16", "certificate_4856383", 122), "", "Not enough balance in payment method certificate_4856383"},
		{"book, flight landed", "book_reservation", sprintf(book, "2024-05-15", "credit_card_4421486", 122), "", "Flight HAT001 not available on date 2024-05-15"},
		{"book, unknown payment", "book_reservation", sprintf(book, "2024-05-16", "card_x", 122), "", "Payment method card_x not found"},
		{"book", "book_reservation", sprintf(book, "2024-05-16", "credit_card_4421486", 122), `{"reservation_id": "HATHAT", "user_id": "mia_li_3668", "origin": "PHL"`, ""},
		{"reservation", "get_reservation_details", `{"reservation_id": "4WQ150"}`, `"total_baggages": 5, "nonfree_baggages": 0, "insurance": "no", "status": null}`, ""},
		{"no reservation", "get_reservation_details", `{"reservation_id": "NONEXISTENT"}`, "", "Reservation NONEXISTENT not found"},
		{"user", "get_user_details", `{"user_id": "mia_li_3668"}`, `"payment_methods": {"credit_card_4421486": {"source": "credit_card", "id": "credit_card_4421486", "brand": "visa", "last_four": "7447"}, "certificate_4856383": {"source": "certificate", "id": "certificate_4856383", "amount": 100.0}`, ""},
		{"no user", "get_user_details", `{"user_id": "NONEXISTENT"}`, "", "User NONEXISTENT not found"},
		{"airports", "list_all_airports", `{}`, `[{"iata": "SFO", "city": "San Francisco"}, {"iata": "JFK", "city": "New York"}`, ""},
		{"direct", "search_direct_flight", `{"origin": "PHL", "destination": "LGA", "date": "2024-05-16"}`, `[{"flight_number": "HAT001", "origin": "PHL", "destination": "LGA", "status": "available", "scheduled_departure_time_est": "06:00:00", "scheduled_arrival_time_est": "07:00:00", "date": null, "available_seats": {"basic_economy": 16, "economy": 10, "business": 13}, "prices": {"basic_economy": 87, "economy": 122, "business": 471}}]`, ""},
		{"direct, none", "search_direct_flight", `{"origin": "PHL", "destination": "LGA", "date": "2024-05-17"}`, `[]`, ""},
		{"one stop", "search_onestop_flight", `{"origin": "PHL", "destination": "LAX", "date": "2024-05-16"}`, `"date": "2024-05-16", "available_seats"`, ""},
		{"one stop, none", "search_onestop_flight", `{"origin": "PHL", "destination": "LAX", "date": "2024-05-17"}`, `[]`, ""},
		{"certificate", "send_certificate", `{"user_id": "mia_li_3668", "amount": 100}`, "Certificate certificate_3221322 added to user mia_li_3668 with amount 100.", ""},
		{"transfer", "transfer_to_human_agents", `{"summary": "The user wants to cancel the reservation."}`, "Transfer successful", ""},
		{"bags by certificate", "update_reservation_baggages", `{"reservation_id": "4WQ150", "total_baggages": 2, "nonfree_baggages": 2, "payment_id": "certificate_4856383"}`, "", "Certificate cannot be used to update reservation"},
		{"bags, gift card short", "update_reservation_baggages", `{"reservation_id": "4WQ150", "total_baggages": 9, "nonfree_baggages": 4, "payment_id": "gift_card_1"}`, "", "Gift card balance is not enough"},
		{"bags", "update_reservation_baggages", `{"reservation_id": "4WQ150", "total_baggages": 2, "nonfree_baggages": 2, "payment_id": "credit_card_4421486"}`, `{"payment_id": "credit_card_4421486", "amount": 100}], "created_at": "2024-05-02T03:10:19", "total_baggages": 2, "nonfree_baggages": 2`, ""},
		{"passengers, too few", "update_reservation_passengers", `{"reservation_id": "4WQ150", "passengers": [{"first_name": "A", "last_name": "B", "dob": "2000-01-01"}]}`, "", "Number of passengers does not match"},
		{"status", "get_flight_status", `{"flight_number": "HAT001", "date": "2024-05-14"}`, "cancelled", ""},
		{"status, no date", "get_flight_status", `{"flight_number": "HAT001", "date": "2024-05-20"}`, "", "Flight HAT001 not found on date 2024-05-20"},
		{"status, no flight", "get_flight_status", `{"flight_number": "HAT999", "date": "2024-05-20"}`, "", "Flight HAT999 not found"},
		{"unknown tool", "fly", `{}`, "", "Tool 'fly' not found."},
		{"unexpected argument", "get_user_details", `{"user_id": "mia_li_3668", "name": "Mia"}`, "", "get_user_details() got an unexpected keyword argument 'name'"},
		{"missing argument", "get_user_details", `{}`, "", "get_user_details() missing 1 required positional argument: 'user_id'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := open(t)
			before := state(t, e)
			text, errText := call(t, e, tc.tool, tc.args)
			assert.Equal(t, tc.err, errText)
			if tc.err != "" {
				assert.Equal(t, "Error: "+tc.err, text)
				assert.Equal(t, before, state(t, e), "a refused call changes nothing")
				return
			}
			assert.Contains(t, text, tc.text)
		})
	}
}

// sprintf formats a call's arguments written over several lines.
func sprintf(format string, args ...any) string {
	return strings.NewReplacer("\n", "", "\t", "").Replace(fmt.Sprintf(format, args...))
}

// TestWrites checks what the write tools leave in the database: seats taken by a booking, a
// cancellation's refunds, a change's payment (negative for a cheaper cabin), a gift card's
// balance, a certificate spent.
func TestWrites(t *testing.T) {
	t.Parallel()
	e := open(t)
	_, errText := call(t, e, "book_reservation", sprintf(`{"user_id": "mia_li_3668", "origin": "PHL", "destination": "LAX", "flight_type": "one_way", "cabin": "business",
		"flights": [{"flight_number": "HAT001", "date": "2024-05-16"}, {"flight_number": "HAT002", "date": "2024-05-16"}],
		"passengers": [{"first_name": "Noah", "last_name": "Brown", "dob": "1990-01-01"}, {"first_name": "Ava", "last_name": "Brown", "dob": "1992-01-01"}],
		"payment_methods": [{"payment_id": "certificate_4856383", "amount": 100}, {"payment_id": "gift_card_1", "amount": 150}, {"payment_id": "credit_card_4421486", "amount": %d}],
		"total_baggages": 3, "nonfree_baggages": 1, "insurance": "yes"}`, 2*471*2+30*2+50-250))
	require.Empty(t, errText)
	var db airline.Database
	require.NoError(t, json.Unmarshal([]byte(state(t, e)), &db))
	f, _ := db.Flights.Get("HAT002")
	d, _ := f.Dates.Get("2024-05-16")
	seats, _ := d.AvailableSeats.Get("business")
	assert.EqualValues(t, 11, seats, "two seats taken")
	u, _ := db.Users.Get("mia_li_3668")
	_, kept := u.PaymentMethods.Get("certificate_4856383")
	assert.False(t, kept, "a certificate is spent whole")
	gift, _ := u.PaymentMethods.Get("gift_card_1")
	assert.EqualValues(t, 0, *gift.Amount)
	assert.Equal(t, []string{"4WQ150", "HATHAT"}, u.Reservations)

	text, errText := call(t, e, "update_reservation_flights", `{"reservation_id": "4WQ150", "cabin": "basic_economy", "flights": [{"flight_number": "HAT001", "date": "2024-05-16"}], "payment_id": "credit_card_4421486"}`)
	require.Empty(t, errText)
	assert.Contains(t, text, `{"payment_id": "credit_card_4421486", "amount": -70}`, "2 × 87 − 2 × 122")
	assert.Contains(t, text, `"cabin": "basic_economy"`)

	text, errText = call(t, e, "cancel_reservation", `{"reservation_id": "4WQ150"}`)
	require.Empty(t, errText)
	assert.Contains(t, text, `"payment_history": [{"payment_id": "credit_card_4421486", "amount": 500}, {"payment_id": "credit_card_4421486", "amount": -70}, {"payment_id": "credit_card_4421486", "amount": -500}, {"payment_id": "credit_card_4421486", "amount": 70}]`)
	assert.Contains(t, text, `"status": "cancelled"}`)

	fresh := open(t)
	assert.NotEqual(t, state(t, fresh), state(t, e))
	assert.Equal(t, state(t, open(t)), state(t, fresh), "the same database gives the same state")
}

// TestFunctions declares every tool of tools.py with a valid schema.
func TestFunctions(t *testing.T) {
	t.Parallel()
	var names []string
	for _, d := range open(t).Functions() {
		names = append(names, d.Name)
		var v map[string]any
		require.NoError(t, json.Unmarshal(d.Parameters, &v), d.Name)
	}
	assert.Equal(t, []string{"book_reservation", "calculate", "cancel_reservation", "get_flight_status", "get_reservation_details",
		"get_user_details", "list_all_airports", "search_direct_flight", "search_onestop_flight", "send_certificate",
		"transfer_to_human_agents", "update_reservation_baggages", "update_reservation_flights", "update_reservation_passengers"}, names)
	_, err := airline.New(json.RawMessage(`{"flights": {}, "users": {}, "reservations": {}, "planes": {}}`))
	assert.ErrorContains(t, err, "airline database")
	assert.NotEmpty(t, airline.Policy())
	assert.True(t, json.Valid(airline.Tasks()))
}

// TestPublished opens the published database afresh each time: a change to one environment is
// not seen by the next.
func TestPublished(t *testing.T) {
	t.Parallel()
	a, err := airline.New(nil)
	require.NoError(t, err)
	before := state(t, a)
	_, errText := call(t, a, "send_certificate", `{"user_id": "chen_jackson_3290", "amount": 50}`)
	require.Empty(t, errText)
	_, errText = call(t, a, "cancel_reservation", `{"reservation_id": "4WQ150"}`)
	require.Empty(t, errText)
	b, err := airline.New(nil)
	require.NoError(t, err)
	assert.Equal(t, before, state(t, b))
	assert.NotEqual(t, before, state(t, a))
	text, _ := call(t, b, "get_reservation_details", `{"reservation_id": "4WQ150"}`)
	assert.Contains(t, text, `"status": null`)
}
