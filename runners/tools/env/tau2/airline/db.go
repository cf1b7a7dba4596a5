// Package airline owns τ2-bench's airline domain in Go: its database of flights, users and
// reservations, the tools an airline agent calls on it (written from the published behaviour
// of tau2-bench's tools.py: the same results and the same error messages), and the domain's
// data as published — database, policy and tasks, embedded (data/SOURCE.md says where they
// come from). New opens an environment on a copy of a database; its state is the database as
// canonical JSON, whose hash τ2's grader compares.
package airline

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/realx-bench/realx/runners/tools/env/tau2/pyjson"
)

var (
	//go:embed data/db.json.gz
	dbGzip []byte
	//go:embed data/policy.md
	policy []byte
	//go:embed data/tasks.json
	tasks []byte

	dbOnce sync.Once
	dbJSON []byte
	dbErr  error
)

// DB returns the domain's database as published (JSON: flights, users and reservations).
func DB() []byte {
	dbOnce.Do(func() {
		zr, err := gzip.NewReader(bytes.NewReader(dbGzip))
		if err != nil {
			dbErr = err
			return
		}
		dbJSON, dbErr = io.ReadAll(zr)
	})
	if dbErr != nil {
		panic(fmt.Sprintf("airline: the embedded database does not read: %v", dbErr)) // a broken build
	}
	return dbJSON
}

// Policy returns the domain's policy, the agent's system prompt in τ2 (Markdown).
func Policy() []byte { return policy }

// Tasks returns the domain's tasks as published (tau2-bench's tasks.json).
func Tasks() []byte { return tasks }

// Database is the airline's state: every flight, user and reservation, by ID, in the order
// the data lists them.
type Database struct {
	Flights      pyjson.Map[*Flight]      `json:"flights"`
	Users        pyjson.Map[*User]        `json:"users"`
	Reservations pyjson.Map[*Reservation] `json:"reservations"`
}

// Flight is a scheduled flight and its status on each date.
type Flight struct {
	FlightNumber              string                        `json:"flight_number"`
	Origin                    string                        `json:"origin"`
	Destination               string                        `json:"destination"`
	ScheduledDepartureTimeEST string                        `json:"scheduled_departure_time_est"`
	ScheduledArrivalTimeEST   string                        `json:"scheduled_arrival_time_est"`
	Dates                     pyjson.Map[*FlightDateStatus] `json:"dates"`
}

// FlightDateStatus is a flight on one date: available (with its seats and prices), on time,
// delayed, flying, landed or cancelled (with the times that status has).
type FlightDateStatus struct {
	Status                    string                  `json:"status"`
	AvailableSeats            *pyjson.Map[pyjson.Int] `json:"available_seats,omitempty"`
	Prices                    *pyjson.Map[pyjson.Int] `json:"prices,omitempty"`
	ActualDepartureTimeEST    *string                 `json:"actual_departure_time_est,omitempty"`
	ActualArrivalTimeEST      *string                 `json:"actual_arrival_time_est,omitempty"`
	EstimatedDepartureTimeEST *string                 `json:"estimated_departure_time_est,omitempty"`
	EstimatedArrivalTimeEST   *string                 `json:"estimated_arrival_time_est,omitempty"`
}

// Name is a person's name.
type Name struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

// Address is a user's address.
type Address struct {
	Address1 string  `json:"address1"`
	Address2 *string `json:"address2"`
	City     string  `json:"city"`
	Country  string  `json:"country"`
	State    string  `json:"state"`
	Zip      string  `json:"zip"`
}

// PaymentMethod is a user's saved credit card, gift card or certificate.
type PaymentMethod struct {
	Source   string        `json:"source"`
	ID       string        `json:"id"`
	Brand    *string       `json:"brand,omitempty"`
	LastFour *string       `json:"last_four,omitempty"`
	Amount   *pyjson.Float `json:"amount,omitempty"`
}

// Passenger is a passenger of a reservation, or one a user saved.
type Passenger struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	DOB       string `json:"dob"`
}

// User is a customer.
type User struct {
	UserID          string                     `json:"user_id"`
	Name            Name                       `json:"name"`
	Address         Address                    `json:"address"`
	Email           string                     `json:"email"`
	DOB             string                     `json:"dob"`
	PaymentMethods  pyjson.Map[*PaymentMethod] `json:"payment_methods"`
	SavedPassengers []Passenger                `json:"saved_passengers"`
	Membership      string                     `json:"membership"`
	Reservations    []string                   `json:"reservations"`
}

// Payment is a payment (or, negative, a refund) of a reservation.
type Payment struct {
	PaymentID string     `json:"payment_id"`
	Amount    pyjson.Int `json:"amount"`
}

// ReservationFlight is one flight of a reservation.
type ReservationFlight struct {
	FlightNumber string     `json:"flight_number"`
	Origin       string     `json:"origin"`
	Destination  string     `json:"destination"`
	Date         string     `json:"date"`
	Price        pyjson.Int `json:"price"`
}

// Reservation is a booking.
type Reservation struct {
	ReservationID   string              `json:"reservation_id"`
	UserID          string              `json:"user_id"`
	Origin          string              `json:"origin"`
	Destination     string              `json:"destination"`
	FlightType      string              `json:"flight_type"`
	Cabin           string              `json:"cabin"`
	Flights         []ReservationFlight `json:"flights"`
	Passengers      []Passenger         `json:"passengers"`
	PaymentHistory  []Payment           `json:"payment_history"`
	CreatedAt       string              `json:"created_at"`
	TotalBaggages   pyjson.Int          `json:"total_baggages"`
	NonfreeBaggages pyjson.Int          `json:"nonfree_baggages"`
	Insurance       string              `json:"insurance"`
	Status          *string             `json:"status"`
}

// published is the published database, parsed once: New copies it (Clone) rather than
// parsing it again for every sample.
var published struct {
	once sync.Once
	db   *Database
	err  error
}

// publishedDB returns a copy of the published database.
func publishedDB() (*Database, error) {
	published.once.Do(func() { published.db, published.err = ParseDatabase(DB()) })
	if published.err != nil {
		return nil, published.err
	}
	return published.db.Clone(), nil
}

// Clone returns a deep copy of db.
func (db *Database) Clone() *Database {
	same := func(v pyjson.Int) pyjson.Int { return v }
	return &Database{
		Flights: db.Flights.Clone(func(f *Flight) *Flight {
			c := *f
			c.Dates = f.Dates.Clone(func(d *FlightDateStatus) *FlightDateStatus {
				c := *d
				if d.AvailableSeats != nil {
					s := d.AvailableSeats.Clone(same)
					c.AvailableSeats = &s
				}
				if d.Prices != nil {
					p := d.Prices.Clone(same)
					c.Prices = &p
				}
				return &c
			})
			return &c
		}),
		Users: db.Users.Clone(func(u *User) *User {
			c := *u
			c.PaymentMethods = u.PaymentMethods.Clone(func(p *PaymentMethod) *PaymentMethod {
				c := *p
				if p.Amount != nil {
					a := *p.Amount
					c.Amount = &a
				}
				return &c
			})
			c.SavedPassengers = slices.Clone(u.SavedPassengers)
			c.Reservations = slices.Clone(u.Reservations)
			return &c
		}),
		Reservations: db.Reservations.Clone(func(r *Reservation) *Reservation {
			c := *r
			c.Flights = slices.Clone(r.Flights)
			c.Passengers = slices.Clone(r.Passengers)
			c.PaymentHistory = slices.Clone(r.PaymentHistory)
			if r.Status != nil {
				st := *r.Status
				c.Status = &st
			}
			return &c
		}),
	}
}

// ParseDatabase reads a database (DB's JSON, or a state an environment wrote).
func ParseDatabase(data []byte) (*Database, error) {
	var db Database
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&db); err != nil {
		return nil, fmt.Errorf("airline database: %w", err)
	}
	if db.Flights.Len() == 0 && db.Users.Len() == 0 {
		return nil, fmt.Errorf("airline database: it has no flights and no users")
	}
	return &db, nil
}
