package retail

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/env"
	"github.com/realx-bench/realx/runners/tools/env/tau2/pycalc"
	"github.com/realx-bench/realx/runners/tools/env/tau2/pyjson"
)

// This file is the retail tools (tau2's RetailTools), in the order tau2 declares them. Each
// checks what the Python checks, in the same order, with the same messages, and changes the
// database as the Python does — its quirks included, since τ2 grades by the database the
// gold actions leave.

// toolSpec is a tool as tools.json declares it: the OpenAI function schema tau2 derives
// from the Python signature and docstring.
type toolSpec struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
}

// specs reads tools.json, in order.
var specs = func() []toolSpec {
	var out []toolSpec
	if err := json.Unmarshal(toolsJSON, &out); err != nil {
		panic(fmt.Sprintf("retail: tools.json: %v", err))
	}
	return out
}()

// functions builds the table of tools on e's database.
func (e *environment) functions() env.Table {
	bodies := map[string]func(a args) (any, error){
		"calculate":                      func(a args) (any, error) { return pycalc.Calculate(a.str("expression")) },
		"cancel_pending_order":           e.cancelPendingOrder,
		"exchange_delivered_order_items": e.exchangeDeliveredOrderItems,
		"find_user_id_by_name_zip":       e.findUserIDByNameZip,
		"find_user_id_by_email":          e.findUserIDByEmail,
		"get_order_details": func(a args) (any, error) {
			o, err := e.getOrder(a.str("order_id"))
			return dumpOrder(o), err
		},
		"get_product_details": func(a args) (any, error) {
			p, err := e.getProduct(a.str("product_id"))
			if err != nil {
				return nil, err
			}
			return pyjson.Format(p.tree(), pyjson.Style{}), nil
		},
		"get_item_details": func(a args) (any, error) {
			v, err := e.getItem(a.str("item_id"))
			if err != nil {
				return nil, err
			}
			return pyjson.Format(v.tree(), pyjson.Style{}), nil
		},
		"get_user_details": func(a args) (any, error) {
			u, err := e.getUser(a.str("user_id"))
			if err != nil {
				return nil, err
			}
			return pyjson.Format(u.tree(), pyjson.Style{}), nil
		},
		"list_all_product_types":       e.listAllProductTypes,
		"modify_pending_order_address": e.modifyPendingOrderAddress,
		"modify_pending_order_items":   e.modifyPendingOrderItems,
		"modify_pending_order_payment": e.modifyPendingOrderPayment,
		"modify_user_address":          e.modifyUserAddress,
		"return_delivered_order_items": e.returnDeliveredOrderItems,
		"transfer_to_human_agents":     func(args) (any, error) { return "Transfer successful", nil },
	}
	var table env.Table
	for _, s := range specs {
		body, ok := bodies[s.Name]
		if !ok {
			panic(fmt.Sprintf("retail: tools.json declares %s, which has no body", s.Name))
		}
		params, err := readParams(s.Parameters)
		if err != nil {
			panic(fmt.Sprintf("retail: tools.json: %s: %v", s.Name, err))
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, s.Parameters); err != nil {
			panic(fmt.Sprintf("retail: tools.json: %s: %v", s.Name, err))
		}
		name := s.Name
		table = append(table, env.Function{
			Def: runners.ToolDef{Name: name, Description: s.Description, Parameters: compact.Bytes()},
			Run: func(_ context.Context, raw json.RawMessage) (any, error) {
				a, err := bind(name, params, raw)
				if err != nil {
					return nil, err
				}
				res, err := body(a)
				if err != nil {
					return nil, err
				}
				return res, nil
			},
		})
	}
	return table
}

// ---- lookups (the Python's _get_* helpers) ----

func (e *environment) getOrder(id string) (*order, error) {
	o, ok := e.db.orders.get(id)
	if !ok {
		return nil, errors.New("Order not found")
	}
	return o, nil
}

func (e *environment) getUser(id string) (*user, error) {
	u, ok := e.db.users.get(id)
	if !ok {
		return nil, errors.New("User not found")
	}
	return u, nil
}

func (e *environment) getProduct(id string) (*product, error) {
	p, ok := e.db.products.get(id)
	if !ok {
		return nil, errors.New("Product not found")
	}
	return p, nil
}

// getItem finds a variant by its item id in any product, products in order.
func (e *environment) getItem(id string) (*variant, error) {
	for _, pid := range e.db.products.keys {
		if v, ok := e.db.products.vals[pid].variants.get(id); ok {
			return v, nil
		}
	}
	return nil, errors.New("Item not found")
}

func (e *environment) getVariant(productID, variantID string) (*variant, error) {
	p, err := e.getProduct(productID)
	if err != nil {
		return nil, err
	}
	v, ok := p.variants.get(variantID)
	if !ok {
		return nil, errors.New("Variant not found")
	}
	return v, nil
}

func (e *environment) getPaymentMethod(userID, id string) (*paymentMethod, error) {
	u, err := e.getUser(userID)
	if err != nil {
		return nil, err
	}
	p, ok := u.paymentMethods.get(id)
	if !ok {
		return nil, errors.New("Payment method not found")
	}
	return p, nil
}

// dumpOrder writes an order as the model sees it (json.dumps(order.model_dump())).
func dumpOrder(o *order) any {
	if o == nil {
		return nil
	}
	return pyjson.Format(o.tree(), pyjson.Style{})
}

// firstItem returns the first item of o whose id is id, or nil.
func firstItem(o *order, id string) *orderItem {
	for _, it := range o.items {
		if it.itemID == id {
			return it
		}
	}
	return nil
}

// count counts the occurrences of s in ss.
func count(ss []string, s string) int {
	n := 0
	for _, x := range ss {
		if x == s {
			n++
		}
	}
	return n
}

// missingItem returns the first of ids that ids name more often than o holds it, as the
// Python's check of the counts of the items to exchange, modify or return finds it.
func (o *order) missingItem(ids []string) (string, bool) {
	all := make([]string, len(o.items))
	for i, it := range o.items {
		all[i] = it.itemID
	}
	for _, id := range ids {
		if count(ids, id) > count(all, id) {
			return id, true
		}
	}
	return "", false
}

// replacement returns the first item of o whose id is id and the variant newID of its
// product, which must be available, for an exchange or a modification of items.
func (e *environment) replacement(o *order, id, newID string) (*orderItem, *variant, error) {
	it := firstItem(o, id)
	if it == nil {
		return nil, nil, fmt.Errorf("Item %s not found", id)
	}
	v, err := e.getVariant(it.productID, newID)
	if err != nil {
		return nil, nil, err
	}
	if !v.available {
		return nil, nil, fmt.Errorf("New item %s not found or available", newID)
	}
	return it, v, nil
}

// ---- the tools ----

func (e *environment) cancelPendingOrder(a args) (any, error) {
	o, err := e.getOrder(a.str("order_id"))
	if err != nil {
		return nil, err
	}
	if o.status != "pending" {
		return nil, errors.New("Non-pending order cannot be cancelled")
	}
	reason := a.str("reason")
	if !slices.Contains(cancelReasons, reason) {
		return nil, errors.New("Invalid reason")
	}
	// Every payment of the history is refunded, gift cards at once; a lookup that fails
	// part-way leaves the balances refunded so far, as in the Python.
	var refunds []orderPayment
	for _, p := range o.paymentHistory {
		refunds = append(refunds, orderPayment{transactionType: "refund", amount: p.amount, paymentMethodID: p.paymentMethodID})
		u, err := e.getUser(o.userID)
		if err != nil {
			return nil, err
		}
		pm, err := e.getPaymentMethod(u.userID, p.paymentMethodID)
		if err != nil {
			return nil, err
		}
		if pm.isGiftCard() {
			pm.balance = pyjson.Round2(pm.balance + p.amount)
		}
	}
	o.status = "cancelled"
	o.cancelReason = &reason
	o.paymentHistory = append(o.paymentHistory, refunds...)
	return dumpOrder(o), nil
}

func (e *environment) exchangeDeliveredOrderItems(a args) (any, error) {
	o, err := e.getOrder(a.str("order_id"))
	if err != nil {
		return nil, err
	}
	if o.status != "delivered" {
		return nil, errors.New("Non-delivered order cannot be exchanged")
	}
	itemIDs, newItemIDs := a.strs("item_ids"), a.strs("new_item_ids")
	if id, ok := o.missingItem(itemIDs); ok {
		return nil, fmt.Errorf("Number of %s not found.", id)
	}
	if len(itemIDs) != len(newItemIDs) {
		return nil, errors.New("The number of items to be exchanged should match.")
	}
	var diff any = pyjson.Int(0) // the Python's diff_price starts as the int 0
	for i, id := range itemIDs {
		it, v, err := e.replacement(o, id, newItemIDs[i])
		if err != nil {
			return nil, err
		}
		diff = addFloat(diff, v.price-it.price)
	}
	if f, ok := diff.(float64); ok {
		diff = pyjson.Round2(f)
	}
	pm, err := e.getPaymentMethod(o.userID, a.str("payment_method_id"))
	if err != nil {
		return nil, err
	}
	if pm.isGiftCard() && pm.balance < toFloat(diff) {
		return nil, errors.New("Insufficient gift card balance to pay for the price difference")
	}
	o.status = "exchange requested"
	sortedOld, sortedNew := slices.Clone(itemIDs), slices.Clone(newItemIDs)
	sort.Strings(sortedOld)
	sort.Strings(sortedNew)
	pmID := a.str("payment_method_id")
	o.exchangeItems, o.exchangeNewItems = &sortedOld, &sortedNew
	o.exchangePaymentMethodID = &pmID
	o.exchangePriceDifference = diff
	return dumpOrder(o), nil
}

// addFloat adds a float to a Python number that is the int 0 or a float.
func addFloat(n any, f float64) any { return toFloat(n) + f }

func toFloat(n any) float64 {
	switch t := n.(type) {
	case pyjson.Int:
		return float64(t)
	case float64:
		return t
	}
	return 0
}

func (e *environment) findUserIDByNameZip(a args) (any, error) {
	first, last, zip := pyLower(a.str("first_name")), pyLower(a.str("last_name")), a.str("zip")
	for _, id := range e.db.users.keys {
		u := e.db.users.vals[id]
		if pyLower(u.name.firstName) == pyLower(first) && pyLower(u.name.lastName) == pyLower(last) && u.address.zip == zip {
			return id, nil
		}
	}
	return nil, errors.New("User not found")
}

func (e *environment) findUserIDByEmail(a args) (any, error) {
	email := pyLower(a.str("email"))
	for _, id := range e.db.users.keys {
		if pyLower(e.db.users.vals[id].email) == email {
			return id, nil
		}
	}
	return nil, errors.New("User not found")
}

// pyLower lowercases as Python's str.lower does for the text the database holds (Go's
// ToLower agrees with it outside a few special letters, such as 'İ').
func pyLower(s string) string { return strings.ToLower(s) }

func (e *environment) listAllProductTypes(args) (any, error) {
	// {name: product_id}: a later product of the same name replaces an earlier one, then the
	// names are sorted (json.dumps(sort_keys=True)).
	byName := pyjson.Object{}
	for _, id := range e.db.products.keys {
		p := e.db.products.vals[id]
		if i := slices.IndexFunc(byName, func(m pyjson.Member) bool { return m.Key == p.name }); i >= 0 {
			byName[i].Val = p.productID
		} else {
			byName = append(byName, pyjson.Member{Key: p.name, Val: p.productID})
		}
	}
	var b strings.Builder
	pyjson.Write(&b, byName, pyjson.Style{SortKeys: true})
	return b.String(), nil
}

func (e *environment) newAddress(a args) address {
	return address{address1: a.str("address1"), address2: a.str("address2"), city: a.str("city"), state: a.str("state"), country: a.str("country"), zip: a.str("zip")}
}

func (e *environment) modifyPendingOrderAddress(a args) (any, error) {
	o, err := e.getOrder(a.str("order_id"))
	if err != nil {
		return nil, err
	}
	if !strings.Contains(o.status, "pending") {
		return nil, errors.New("Non-pending order cannot be modified")
	}
	o.address = e.newAddress(a)
	return dumpOrder(o), nil
}

func (e *environment) modifyPendingOrderItems(a args) (any, error) {
	o, err := e.getOrder(a.str("order_id"))
	if err != nil {
		return nil, err
	}
	if o.status != "pending" {
		return nil, errors.New("Non-pending order cannot be modified")
	}
	itemIDs, newItemIDs := a.strs("item_ids"), a.strs("new_item_ids")
	if id, ok := o.missingItem(itemIDs); ok {
		return nil, fmt.Errorf("%s not found", id)
	}
	if len(itemIDs) != len(newItemIDs) {
		return nil, errors.New("The number of items to be exchanged should match")
	}
	diff := 0.0
	var last *variant
	for i, id := range itemIDs {
		if id == newItemIDs[i] {
			return nil, errors.New("The new item id should be different from the old item id")
		}
		it, v, err := e.replacement(o, id, newItemIDs[i])
		if err != nil {
			return nil, err
		}
		diff += v.price - it.price
		last = v
	}
	pm, err := e.getPaymentMethod(o.userID, a.str("payment_method_id"))
	if err != nil {
		return nil, err
	}
	if pm.isGiftCard() && pm.balance < diff {
		return nil, errors.New("Insufficient gift card balance to pay for the new item")
	}
	kind := "refund"
	if diff > 0 {
		kind = "payment"
	}
	// The difference is not rounded here, unlike an exchange's.
	o.paymentHistory = append(o.paymentHistory, orderPayment{transactionType: kind, amount: abs(diff), paymentMethodID: a.str("payment_method_id")})
	if pm.isGiftCard() {
		pm.balance = pyjson.Round2(pm.balance - diff)
	}
	// Every modified item takes the price and options of the LAST new variant, as the
	// published code does (its loop reuses the variable of the loop above).
	for i, id := range itemIDs {
		it := firstItem(o, id)
		if it == nil {
			return nil, fmt.Errorf("Item %s not found", id)
		}
		it.itemID = newItemIDs[i]
		it.price = last.price
		it.options = last.options
	}
	o.status = "pending (item modified)"
	return dumpOrder(o), nil
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f + 0 // abs(-0.0) is 0.0
}

func (e *environment) modifyPendingOrderPayment(a args) (any, error) {
	o, err := e.getOrder(a.str("order_id"))
	if err != nil {
		return nil, err
	}
	if !strings.Contains(o.status, "pending") {
		return nil, errors.New("Non-pending order cannot be modified")
	}
	pmID := a.str("payment_method_id")
	pm, err := e.getPaymentMethod(o.userID, pmID)
	if err != nil {
		return nil, err
	}
	if len(o.paymentHistory) != 1 || o.paymentHistory[0].transactionType != "payment" {
		return nil, errors.New("There should be exactly one payment for a pending order")
	}
	if o.paymentHistory[0].paymentMethodID == pmID {
		return nil, errors.New("The new payment method should be different from the current one")
	}
	amount := o.paymentHistory[0].amount
	if pm.isGiftCard() && pm.balance < amount {
		return nil, errors.New("Insufficient gift card balance to pay for the order")
	}
	oldID := o.paymentHistory[0].paymentMethodID
	o.paymentHistory = append(o.paymentHistory,
		orderPayment{transactionType: "payment", amount: amount, paymentMethodID: pmID},
		orderPayment{transactionType: "refund", amount: amount, paymentMethodID: oldID})
	if pm.isGiftCard() {
		pm.balance = pyjson.Round2(pm.balance - amount)
	}
	old, err := e.getPaymentMethod(o.userID, oldID)
	if err != nil {
		return nil, err
	}
	if old.isGiftCard() {
		old.balance = pyjson.Round2(old.balance + amount)
	}
	return dumpOrder(o), nil
}

func (e *environment) modifyUserAddress(a args) (any, error) {
	u, err := e.getUser(a.str("user_id"))
	if err != nil {
		return nil, err
	}
	u.address = e.newAddress(a)
	return pyjson.Format(u.tree(), pyjson.Style{}), nil
}

func (e *environment) returnDeliveredOrderItems(a args) (any, error) {
	o, err := e.getOrder(a.str("order_id"))
	if err != nil {
		return nil, err
	}
	if o.status != "delivered" {
		return nil, errors.New("Non-delivered order cannot be returned")
	}
	u, err := e.getUser(o.userID)
	if err != nil {
		return nil, err
	}
	pmID := a.str("payment_method_id")
	pm, err := e.getPaymentMethod(u.userID, pmID)
	if err != nil {
		return nil, err
	}
	if !pm.isGiftCard() && len(o.paymentHistory) == 0 {
		return nil, errors.New("list index out of range") // the Python's IndexError
	}
	if !pm.isGiftCard() && pmID != o.paymentHistory[0].paymentMethodID {
		return nil, errors.New("Payment method should be the original payment method")
	}
	itemIDs := a.strs("item_ids")
	if _, ok := o.missingItem(itemIDs); ok {
		return nil, errors.New("Some item not found")
	}
	o.status = "return requested"
	sorted := slices.Clone(itemIDs)
	sort.Strings(sorted)
	o.returnItems = &sorted
	o.returnPaymentMethodID = &pmID
	return dumpOrder(o), nil
}
