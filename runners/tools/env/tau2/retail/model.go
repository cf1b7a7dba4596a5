package retail

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/runners/tools/env/tau2/pyjson"
)

// This file is the retail database as τ2's data model (pydantic) declares it: products with
// their variants, users with their payment methods, orders. Dictionaries keep the order of
// the database text, as Python's do; each model writes its fields in the order the model
// declares them, as model_dump does.

// database is the retail database.
type database struct {
	products omap[*product]
	users    omap[*user]
	orders   omap[*order]
}

// omap is a dictionary with its keys in insertion order.
type omap[V any] struct {
	keys []string
	vals map[string]V
}

func (m *omap[V]) get(k string) (V, bool) {
	v, ok := m.vals[k]
	return v, ok
}

func (m *omap[V]) set(k string, v V) {
	if m.vals == nil {
		m.vals = map[string]V{}
	}
	if _, ok := m.vals[k]; !ok {
		m.keys = append(m.keys, k)
	}
	m.vals[k] = v
}

// each calls f on every entry in order.
func (m *omap[V]) each(f func(k string, v V)) {
	for _, k := range m.keys {
		f(k, m.vals[k])
	}
}

// cloneMap copies m, each value through c.
func cloneMap[V any](m omap[V], c func(V) V) omap[V] {
	out := omap[V]{keys: slices.Clone(m.keys), vals: make(map[string]V, len(m.vals))}
	for k, v := range m.vals {
		out.vals[k] = c(v)
	}
	return out
}

type variant struct {
	itemID    string
	options   pyjson.Object // string values
	available bool
	price     float64
}

type product struct {
	name      string
	productID string
	variants  omap[*variant]
}

type userName struct{ firstName, lastName string }

type address struct{ address1, address2, city, country, state, zip string }

// paymentMethod is a credit card (brand, lastFour), a gift card (balance) or a PayPal account.
type paymentMethod struct {
	source   string
	id       string
	brand    string
	lastFour string
	balance  float64
}

func (p *paymentMethod) isGiftCard() bool { return p.source == "gift_card" }

type user struct {
	userID         string
	name           userName
	address        address
	email          string
	paymentMethods omap[*paymentMethod]
	orders         []string
}

type fulfillment struct {
	trackingID []string
	itemIDs    []string
}

type orderItem struct {
	name      string
	productID string
	itemID    string
	price     float64
	options   pyjson.Object
}

type orderPayment struct {
	transactionType string
	amount          float64
	paymentMethodID string
}

// order is an order; the optional fields are nil when unset (None).
type order struct {
	orderID                 string
	userID                  string
	address                 address
	items                   []*orderItem
	status                  string
	fulfillments            []fulfillment
	paymentHistory          []orderPayment
	cancelReason            *string
	exchangeItems           *[]string
	exchangeNewItems        *[]string
	exchangePaymentMethodID *string
	exchangePriceDifference any // nil, float64 or pyjson.Int
	returnItems             *[]string
	returnPaymentMethodID   *string
}

// The values the data model's literals allow.
var (
	orderStatuses    = []string{"processed", "pending", "pending (item modified)", "delivered", "cancelled", "exchange requested", "return requested"}
	cancelReasons    = []string{"no longer needed", "ordered by mistake"}
	transactionTypes = []string{"payment", "refund"}
	paymentSources   = []string{"credit_card", "gift_card", "paypal"}
)

// clone copies the database deeply.
func (db *database) clone() *database {
	return &database{
		products: cloneMap(db.products, func(p *product) *product {
			c := *p
			c.variants = cloneMap(p.variants, func(v *variant) *variant { c := *v; c.options = slices.Clone(v.options); return &c })
			return &c
		}),
		users: cloneMap(db.users, func(u *user) *user {
			c := *u
			c.paymentMethods = cloneMap(u.paymentMethods, func(p *paymentMethod) *paymentMethod { c := *p; return &c })
			c.orders = slices.Clone(u.orders)
			return &c
		}),
		orders: cloneMap(db.orders, func(o *order) *order {
			c := *o
			c.items = make([]*orderItem, len(o.items))
			for i, it := range o.items {
				ci := *it
				ci.options = slices.Clone(it.options)
				c.items[i] = &ci
			}
			c.fulfillments = make([]fulfillment, len(o.fulfillments))
			for i, f := range o.fulfillments {
				c.fulfillments[i] = fulfillment{slices.Clone(f.trackingID), slices.Clone(f.itemIDs)}
			}
			c.paymentHistory = slices.Clone(o.paymentHistory)
			c.exchangeItems = cloneStrings(o.exchangeItems)
			c.exchangeNewItems = cloneStrings(o.exchangeNewItems)
			c.returnItems = cloneStrings(o.returnItems)
			return &c
		}),
	}
}

func cloneStrings(p *[]string) *[]string {
	if p == nil {
		return nil
	}
	c := slices.Clone(*p)
	return &c
}

// ---- writing: the tree model_dump gives ----

func (db *database) tree() pyjson.Object {
	products, users, orders := pyjson.Object{}, pyjson.Object{}, pyjson.Object{}
	db.products.each(func(k string, p *product) { products = append(products, pyjson.Member{Key: k, Val: p.tree()}) })
	db.users.each(func(k string, u *user) { users = append(users, pyjson.Member{Key: k, Val: u.tree()}) })
	db.orders.each(func(k string, o *order) { orders = append(orders, pyjson.Member{Key: k, Val: o.tree()}) })
	return pyjson.Object{
		{Key: "products", Val: products},
		{Key: "users", Val: users},
		{Key: "orders", Val: orders},
	}
}

func (v *variant) tree() pyjson.Object {
	return pyjson.Object{
		{Key: "item_id", Val: v.itemID},
		{Key: "options", Val: v.options},
		{Key: "available", Val: v.available},
		{Key: "price", Val: v.price},
	}
}

func (p *product) tree() pyjson.Object {
	variants := pyjson.Object{}
	p.variants.each(func(k string, v *variant) { variants = append(variants, pyjson.Member{Key: k, Val: v.tree()}) })
	return pyjson.Object{
		{Key: "name", Val: p.name},
		{Key: "product_id", Val: p.productID},
		{Key: "variants", Val: variants},
	}
}

func (a address) tree() pyjson.Object {
	return pyjson.Object{
		{Key: "address1", Val: a.address1},
		{Key: "address2", Val: a.address2},
		{Key: "city", Val: a.city},
		{Key: "country", Val: a.country},
		{Key: "state", Val: a.state},
		{Key: "zip", Val: a.zip},
	}
}

func (p *paymentMethod) tree() pyjson.Object {
	o := pyjson.Object{{Key: "source", Val: p.source}, {Key: "id", Val: p.id}}
	switch p.source {
	case "credit_card":
		o = append(o, pyjson.Member{Key: "brand", Val: p.brand}, pyjson.Member{Key: "last_four", Val: p.lastFour})
	case "gift_card":
		o = append(o, pyjson.Member{Key: "balance", Val: p.balance})
	}
	return o
}

func (u *user) tree() pyjson.Object {
	methods := pyjson.Object{}
	u.paymentMethods.each(func(k string, p *paymentMethod) { methods = append(methods, pyjson.Member{Key: k, Val: p.tree()}) })
	return pyjson.Object{
		{Key: "user_id", Val: u.userID},
		{Key: "name", Val: pyjson.Object{{Key: "first_name", Val: u.name.firstName}, {Key: "last_name", Val: u.name.lastName}}},
		{Key: "address", Val: u.address.tree()},
		{Key: "email", Val: u.email},
		{Key: "payment_methods", Val: methods},
		{Key: "orders", Val: slices.Clone(u.orders)},
	}
}

func (o *order) tree() pyjson.Object {
	items := make([]any, len(o.items))
	for i, it := range o.items {
		items[i] = pyjson.Object{
			{Key: "name", Val: it.name},
			{Key: "product_id", Val: it.productID},
			{Key: "item_id", Val: it.itemID},
			{Key: "price", Val: it.price},
			{Key: "options", Val: it.options},
		}
	}
	fulfillments := make([]any, len(o.fulfillments))
	for i, f := range o.fulfillments {
		fulfillments[i] = pyjson.Object{{Key: "tracking_id", Val: f.trackingID}, {Key: "item_ids", Val: f.itemIDs}}
	}
	payments := make([]any, len(o.paymentHistory))
	for i, p := range o.paymentHistory {
		payments[i] = pyjson.Object{
			{Key: "transaction_type", Val: p.transactionType},
			{Key: "amount", Val: p.amount},
			{Key: "payment_method_id", Val: p.paymentMethodID},
		}
	}
	return pyjson.Object{
		{Key: "order_id", Val: o.orderID},
		{Key: "user_id", Val: o.userID},
		{Key: "address", Val: o.address.tree()},
		{Key: "items", Val: items},
		{Key: "status", Val: o.status},
		{Key: "fulfillments", Val: fulfillments},
		{Key: "payment_history", Val: payments},
		{Key: "cancel_reason", Val: optString(o.cancelReason)},
		{Key: "exchange_items", Val: optStrings(o.exchangeItems)},
		{Key: "exchange_new_items", Val: optStrings(o.exchangeNewItems)},
		{Key: "exchange_payment_method_id", Val: optString(o.exchangePaymentMethodID)},
		{Key: "exchange_price_difference", Val: o.exchangePriceDifference},
		{Key: "return_items", Val: optStrings(o.returnItems)},
		{Key: "return_payment_method_id", Val: optString(o.returnPaymentMethodID)},
	}
}

func optString(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func optStrings(p *[]string) any {
	if p == nil {
		return nil
	}
	return *p
}

// ---- reading: validating the text as pydantic validates the models ----

// reader reads a parsed database, keeping the first problem with the path where it is.
type reader struct{ err error }

func (r *reader) fail(path, format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
	}
}

// obj checks that v is an pyjson.Object with every field of required and no field outside
// required and optional (the database refuses unknown fields at every level).
func (r *reader) obj(path string, v any, required []string, optional ...string) pyjson.Object {
	o, ok := v.(pyjson.Object)
	if !ok {
		r.fail(path, "want an pyjson.Object, not %s", kind(v))
		return nil
	}
	for _, m := range o {
		if !slices.Contains(required, m.Key) && !slices.Contains(optional, m.Key) {
			r.fail(path, "unknown field %q", m.Key)
		}
	}
	for _, k := range required {
		if _, ok := o.Get(k); !ok {
			r.fail(path, "missing field %q", k)
		}
	}
	return o
}

func (r *reader) str(path string, o pyjson.Object, key string) string {
	v, _ := o.Get(key)
	s, ok := v.(string)
	if !ok && r.err == nil {
		r.fail(path+"."+key, "want a string, not %s", kind(v))
	}
	return s
}

func (r *reader) optStr(path string, o pyjson.Object, key string) *string {
	if v, ok := o.Get(key); !ok || v == nil {
		return nil
	}
	s := r.str(path, o, key)
	return &s
}

func (r *reader) num(path string, o pyjson.Object, key string) float64 {
	v, _ := o.Get(key)
	n, ok := v.(json.Number)
	if !ok {
		r.fail(path+"."+key, "want a number, not %s", kind(v))
		return 0
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		r.fail(path+"."+key, "%v", err)
	}
	return f
}

func (r *reader) boolean(path string, o pyjson.Object, key string) bool {
	v, _ := o.Get(key)
	b, ok := v.(bool)
	if !ok {
		r.fail(path+"."+key, "want true or false, not %s", kind(v))
	}
	return b
}

func (r *reader) strs(path string, v any) []string {
	a, ok := v.([]any)
	if !ok {
		r.fail(path, "want a list of strings, not %s", kind(v))
		return nil
	}
	out := make([]string, len(a))
	for i, e := range a {
		s, ok := e.(string)
		if !ok {
			r.fail(fmt.Sprintf("%s[%d]", path, i), "want a string, not %s", kind(e))
		}
		out[i] = s
	}
	return out
}

func (r *reader) optStrs(path string, o pyjson.Object, key string) *[]string {
	v, ok := o.Get(key)
	if !ok || v == nil {
		return nil
	}
	s := r.strs(path+"."+key, v)
	return &s
}

func (r *reader) literal(path string, s string, allowed []string) {
	if !slices.Contains(allowed, s) {
		r.fail(path, "%q is not one of %s", s, strings.Join(quoteAll(allowed), ", "))
	}
}

// stringMap reads a dictionary of strings (options).
func (r *reader) stringMap(path string, v any) pyjson.Object {
	o, ok := v.(pyjson.Object)
	if !ok {
		r.fail(path, "want an pyjson.Object, not %s", kind(v))
		return nil
	}
	for _, m := range o {
		if _, ok := m.Val.(string); !ok {
			r.fail(path+"."+m.Key, "want a string, not %s", kind(m.Val))
		}
	}
	return o
}

// readDatabase validates a parsed database.
func readDatabase(v any) (*database, error) {
	r := &reader{}
	top := r.obj("database", v, []string{"products", "users", "orders"})
	db := &database{}
	if r.err != nil {
		return nil, r.err
	}
	eachEntry(r, "products", top, func(path, k string, v any) {
		o := r.obj(path, v, []string{"name", "product_id", "variants"})
		if r.err != nil {
			return
		}
		p := &product{name: r.str(path, o, "name"), productID: r.str(path, o, "product_id")}
		eachEntry(r, path+".variants", o, func(path, k string, v any) {
			o := r.obj(path, v, []string{"item_id", "options", "available", "price"})
			if r.err != nil {
				return
			}
			opts, _ := o.Get("options")
			p.variants.set(k, &variant{
				itemID:    r.str(path, o, "item_id"),
				options:   r.stringMap(path+".options", opts),
				available: r.boolean(path, o, "available"),
				price:     r.num(path, o, "price"),
			})
		})
		db.products.set(k, p)
	})
	eachEntry(r, "users", top, func(path, k string, v any) {
		o := r.obj(path, v, []string{"user_id", "name", "address", "email", "payment_methods", "orders"})
		if r.err != nil {
			return
		}
		nv, _ := o.Get("name")
		no := r.obj(path+".name", nv, []string{"first_name", "last_name"})
		if r.err != nil {
			return
		}
		ov, _ := o.Get("orders")
		u := &user{
			userID:  r.str(path, o, "user_id"),
			name:    userName{r.str(path+".name", no, "first_name"), r.str(path+".name", no, "last_name")},
			address: r.address(path+".address", o),
			email:   r.str(path, o, "email"),
			orders:  r.strs(path+".orders", ov),
		}
		eachEntry(r, path+".payment_methods", o, func(path, k string, v any) {
			po, ok := v.(pyjson.Object)
			if !ok {
				r.fail(path, "want an pyjson.Object, not %s", kind(v))
				return
			}
			src, _ := po.Get("source")
			s, _ := src.(string)
			r.literal(path+".source", s, paymentSources)
			p := &paymentMethod{source: s}
			switch s {
			case "credit_card":
				r.obj(path, v, []string{"source", "id", "brand", "last_four"})
				p.brand, p.lastFour = r.str(path, po, "brand"), r.str(path, po, "last_four")
			case "gift_card":
				r.obj(path, v, []string{"source", "id", "balance"})
				p.balance = r.num(path, po, "balance")
			default:
				r.obj(path, v, []string{"source", "id"})
			}
			p.id = r.str(path, po, "id")
			u.paymentMethods.set(k, p)
		})
		db.users.set(k, u)
	})
	eachEntry(r, "orders", top, func(path, k string, v any) {
		o := r.obj(path, v, []string{"order_id", "user_id", "address", "items", "status", "fulfillments", "payment_history"},
			"cancel_reason", "exchange_items", "exchange_new_items", "exchange_payment_method_id", "exchange_price_difference", "return_items", "return_payment_method_id")
		if r.err != nil {
			return
		}
		ord := &order{
			orderID:                 r.str(path, o, "order_id"),
			userID:                  r.str(path, o, "user_id"),
			address:                 r.address(path+".address", o),
			status:                  r.str(path, o, "status"),
			cancelReason:            r.optStr(path, o, "cancel_reason"),
			exchangeItems:           r.optStrs(path, o, "exchange_items"),
			exchangeNewItems:        r.optStrs(path, o, "exchange_new_items"),
			exchangePaymentMethodID: r.optStr(path, o, "exchange_payment_method_id"),
			returnItems:             r.optStrs(path, o, "return_items"),
			returnPaymentMethodID:   r.optStr(path, o, "return_payment_method_id"),
		}
		r.literal(path+".status", ord.status, orderStatuses)
		if ord.cancelReason != nil {
			r.literal(path+".cancel_reason", *ord.cancelReason, cancelReasons)
		}
		if d, ok := o.Get("exchange_price_difference"); ok && d != nil {
			ord.exchangePriceDifference = r.num(path, o, "exchange_price_difference")
		}
		eachItem(r, path+".items", o, func(path string, v any) {
			io := r.obj(path, v, []string{"name", "product_id", "item_id", "price", "options"})
			if r.err != nil {
				return
			}
			opts, _ := io.Get("options")
			ord.items = append(ord.items, &orderItem{
				name: r.str(path, io, "name"), productID: r.str(path, io, "product_id"), itemID: r.str(path, io, "item_id"),
				price: r.num(path, io, "price"), options: r.stringMap(path+".options", opts),
			})
		})
		eachItem(r, path+".fulfillments", o, func(path string, v any) {
			fo := r.obj(path, v, []string{"tracking_id", "item_ids"})
			if r.err != nil {
				return
			}
			t, _ := fo.Get("tracking_id")
			i, _ := fo.Get("item_ids")
			ord.fulfillments = append(ord.fulfillments, fulfillment{r.strs(path+".tracking_id", t), r.strs(path+".item_ids", i)})
		})
		eachItem(r, path+".payment_history", o, func(path string, v any) {
			po := r.obj(path, v, []string{"transaction_type", "amount", "payment_method_id"})
			if r.err != nil {
				return
			}
			p := orderPayment{transactionType: r.str(path, po, "transaction_type"), amount: r.num(path, po, "amount"), paymentMethodID: r.str(path, po, "payment_method_id")}
			r.literal(path+".transaction_type", p.transactionType, transactionTypes)
			ord.paymentHistory = append(ord.paymentHistory, p)
		})
		db.orders.set(k, ord)
	})
	if r.err != nil {
		return nil, r.err
	}
	return db, nil
}

func (r *reader) address(path string, parent pyjson.Object) address {
	v, _ := parent.Get(path[strings.LastIndexByte(path, '.')+1:])
	o := r.obj(path, v, []string{"address1", "address2", "city", "country", "state", "zip"})
	if r.err != nil {
		return address{}
	}
	return address{r.str(path, o, "address1"), r.str(path, o, "address2"), r.str(path, o, "city"), r.str(path, o, "country"), r.str(path, o, "state"), r.str(path, o, "zip")}
}

// eachEntry calls f on each entry of the dictionary parent[key].
func eachEntry(r *reader, path string, parent pyjson.Object, f func(path, key string, v any)) {
	v, _ := parent.Get(path[strings.LastIndexByte(path, '.')+1:])
	o, ok := v.(pyjson.Object)
	if !ok {
		r.fail(path, "want an pyjson.Object, not %s", kind(v))
		return
	}
	for _, m := range o {
		if r.err != nil {
			return
		}
		f(path+"."+m.Key, m.Key, m.Val)
	}
}

// eachItem calls f on each element of the list parent[key].
func eachItem(r *reader, path string, parent pyjson.Object, f func(path string, v any)) {
	v, _ := parent.Get(path[strings.LastIndexByte(path, '.')+1:])
	a, ok := v.([]any)
	if !ok {
		r.fail(path, "want a list, not %s", kind(v))
		return
	}
	for i, e := range a {
		if r.err != nil {
			return
		}
		f(fmt.Sprintf("%s[%d]", path, i), e)
	}
}

// kind names the JSON type of a parsed value, for errors.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case pyjson.Object:
		return "an pyjson.Object"
	}
	return fmt.Sprintf("%T", v)
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}
