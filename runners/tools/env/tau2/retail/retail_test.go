package retail

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/env"
)

// TestShippedData checks that DB, Tasks and Policy return the published files, as SOURCE.md
// records them by hash.
func TestShippedData(t *testing.T) {
	t.Parallel()
	f, err := os.Open("SOURCE.md")
	require.NoError(t, err)
	defer f.Close()
	row := regexp.MustCompile("^\\| `([a-z.]+)`.*\\| `([0-9a-f]{64})` \\|$")
	want := map[string]string{}
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if m := row.FindStringSubmatch(sc.Text()); m != nil {
			want[m[1]] = m[2]
		}
	}
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	assert.Equal(t, want["db.json.gz"], sum(DB()))
	assert.Equal(t, want["tasks.json"], sum(Tasks()))
	assert.Equal(t, want["policy.md"], sum(Policy()))
	assert.Contains(t, string(Policy()), "retail")
}

func call(t *testing.T, e env.Environment, name, args string) *runners.Observation {
	t.Helper()
	obs, err := e.Call(context.Background(), name, json.RawMessage(args))
	require.NoError(t, err)
	return obs
}

// TestEnvironmentsAreIndependent checks that each New starts from the shipped database, not
// from what another environment changed.
func TestEnvironmentsAreIndependent(t *testing.T) {
	t.Parallel()
	first, err := New(nil)
	require.NoError(t, err)
	before, err := first.State()
	require.NoError(t, err)
	obs := call(t, first, "cancel_pending_order", `{"order_id": "#W6779827", "reason": "no longer needed"}`)
	require.Empty(t, obs.Error)
	assert.Contains(t, obs.Text, `"status": "cancelled"`)
	after, err := first.State()
	require.NoError(t, err)
	assert.NotEqual(t, string(before), string(after))

	second, err := New(nil)
	require.NoError(t, err)
	assert.Contains(t, call(t, second, "get_order_details", `{"order_id": "#W6779827"}`).Text, `"status": "pending"`)
	fresh, err := second.State()
	require.NoError(t, err)
	assert.Equal(t, string(before), string(fresh))
	// The gift card refunded in the first (49 + 4079.45) is untouched in the second.
	user := `{"user_id": "ethan_lopez_6291"}`
	assert.Contains(t, call(t, first, "get_user_details", user).Text, `"balance": 4128.45`)
	assert.Contains(t, call(t, second, "get_user_details", user).Text, `"balance": 49.0`)
}

// TestReplay runs a task's gold actions through env.Replay, as a grader does.
func TestReplay(t *testing.T) {
	t.Parallel()
	kind := env.Kind{Name: "tau2-retail-test", New: New}
	calls := []runners.EpisodeCall{
		{Name: "find_user_id_by_email", Arguments: json.RawMessage(`{"email": "noah.brown7922@example.com"}`)},
		{Name: "modify_user_address", Arguments: json.RawMessage(`{"user_id": "noah_brown_6181", "address1": "1 Elm St", "address2": "", "city": "Boise", "state": "ID", "country": "USA", "zip": "83702"}`)},
		{Name: "get_order_details", Arguments: json.RawMessage(`{"order_id": "#W0"}`)},
	}
	state, obs, err := env.Replay(context.Background(), kind, nil, calls)
	require.NoError(t, err)
	require.Len(t, obs, 3)
	assert.Equal(t, "noah_brown_6181", obs[0].Text)
	assert.Contains(t, obs[1].Text, `"city": "Boise"`)
	assert.Equal(t, "Order not found", obs[2].Error)
	again, _, err := env.Replay(context.Background(), kind, nil, calls)
	require.NoError(t, err)
	assert.Equal(t, string(state), string(again))
	assert.Contains(t, string(state), `"city":"Boise"`)

	// The replayed state, given back as a database, opens the same store.
	e, err := New(state)
	require.NoError(t, err)
	reread, err := e.State()
	require.NoError(t, err)
	assert.Equal(t, string(state), string(reread))
}

// TestStateSurvivesGoEncoding checks that the state's bytes are what Go's JSON encoding
// makes of them (it escapes <, > and &), so a state stored and read back keeps its hash.
func TestStateSurvivesGoEncoding(t *testing.T) {
	t.Parallel()
	e, err := New(nil)
	require.NoError(t, err)
	obs := call(t, e, "modify_user_address", `{"user_id": "noah_brown_6181", "address1": "1 <A> & B", "address2": "Zoë", "city": "c", "state": "s", "country": "USA", "zip": "1"}`)
	require.Empty(t, obs.Error)
	assert.Contains(t, obs.Text, `"address1": "1 <A> & B", "address2": "Zo\u00eb"`, "the model sees Python's text")
	state, err := e.State()
	require.NoError(t, err)
	assert.Contains(t, string(state), `"address1":"1 \u003cA\u003e \u0026 B","address2":"Zo\u00eb"`)
	encoded, err := json.Marshal(struct {
		S json.RawMessage `json:"s"`
	}{state})
	require.NoError(t, err)
	assert.Equal(t, `{"s":`+string(state)+`}`, string(encoded))
	reopened, err := New(state)
	require.NoError(t, err)
	again, err := reopened.State()
	require.NoError(t, err)
	assert.Equal(t, string(state), string(again))
}

// tinyDB is a database of one product, one user and one order, for the reading tests.
const tinyDB = `{
 "products": {"1": {"name": "Mug", "product_id": "1", "variants": {"11": {"item_id": "11", "options": {"colour": "blue"}, "available": true, "price": 10}}}},
 "users": {"zoe_1": {"user_id": "zoe_1", "name": {"first_name": "Zoë \"Z\"\\", "last_name": "😀 \u007f/"}, "address": {"address1": "a", "address2": "", "city": "c", "country": "USA", "state": "s", "zip": "1"}, "email": "z@example.com",
   "payment_methods": {"gift_card_1": {"source": "gift_card", "id": "gift_card_1", "balance": 5}}, "orders": ["#W1"]}},
 "orders": {"#W1": {"order_id": "#W1", "user_id": "zoe_1", "address": {"address1": "a", "address2": "", "city": "c", "country": "USA", "state": "s", "zip": "1"},
   "items": [{"name": "Mug", "product_id": "1", "item_id": "11", "price": 10, "options": {"colour": "blue"}}], "status": "pending", "fulfillments": [],
   "payment_history": [{"transaction_type": "payment", "amount": 10, "payment_method_id": "gift_card_1"}]}}
}`

// TestWriting checks Python's json.dumps on a database of its own: integers in float fields
// written as floats, non-ASCII and control characters escaped, the optional fields as null.
func TestWriting(t *testing.T) {
	t.Parallel()
	e, err := New(json.RawMessage(tinyDB))
	require.NoError(t, err)
	assert.Equal(t, `{"user_id": "zoe_1", "name": {"first_name": "Zo\u00eb \"Z\"\\", "last_name": "\ud83d\ude00 \u007f/"}, `+
		`"address": {"address1": "a", "address2": "", "city": "c", "country": "USA", "state": "s", "zip": "1"}, "email": "z@example.com", `+
		`"payment_methods": {"gift_card_1": {"source": "gift_card", "id": "gift_card_1", "balance": 5.0}}, "orders": ["#W1"]}`,
		call(t, e, "get_user_details", `{"user_id": "zoe_1"}`).Text)
	assert.Equal(t, `{"item_id": "11", "options": {"colour": "blue"}, "available": true, "price": 10.0}`, call(t, e, "get_item_details", `{"item_id": "11"}`).Text)
	assert.Equal(t, `{"Mug": "1"}`, call(t, e, "list_all_product_types", ``).Text)
	order := call(t, e, "cancel_pending_order", `{"order_id": "#W1", "reason": "ordered by mistake"}`).Text
	assert.Contains(t, order, `"payment_history": [{"transaction_type": "payment", "amount": 10.0, "payment_method_id": "gift_card_1"}, {"transaction_type": "refund", "amount": 10.0, "payment_method_id": "gift_card_1"}], "cancel_reason": "ordered by mistake", "exchange_items": null`)
	assert.Contains(t, call(t, e, "get_user_details", `{"user_id": "zoe_1"}`).Text, `"balance": 15.0`)
	state, err := e.State()
	require.NoError(t, err)
	assert.True(t, json.Valid(state))
	assert.True(t, strings.HasPrefix(string(state), `{"orders":{"#W1":{"address":{"address1":"a",`), "keys sorted, compact: %.80s", state)
}

// TestNewRefuses checks that a database τ2's data model would refuse is an error naming the
// field.
func TestNewRefuses(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, db, want string }{
		{"not JSON", `{"products": `, "unexpected EOF"},
		{"not an pyjson.Object", `[]`, "database: want an pyjson.Object, not a list"},
		{"missing", `{"products": {}, "users": {}}`, `database: missing field "orders"`},
		{"unknown", `{"products": {}, "users": {}, "orders": {}, "flights": {}}`, `database: unknown field "flights"`},
		{"status", strings.Replace(tinyDB, `"status": "pending"`, `"status": "shipped"`, 1), `orders.#W1.status: "shipped" is not one of`},
		{"price", strings.Replace(tinyDB, `"price": 10}}}}`, `"price": "10"}}}}`, 1), "products.1.variants.11.price: want a number, not a string"},
		{"source", strings.Replace(tinyDB, `"source": "gift_card"`, `"source": "bitcoin"`, 1), `users.zoe_1.payment_methods.gift_card_1.source: "bitcoin" is not one of`},
		{"gift card", strings.Replace(tinyDB, `, "balance": 5`, ``, 1), `users.zoe_1.payment_methods.gift_card_1: missing field "balance"`},
		{"item", strings.Replace(tinyDB, `"item_id": "11", "price"`, `"item_id": 11, "price"`, 1), "orders.#W1.items[0].item_id: want a string, not a number"},
	} {
		_, err := New(json.RawMessage(c.db))
		if assert.Error(t, err, c.name) {
			assert.Contains(t, err.Error(), c.want, c.name)
		}
	}
}

// TestArgumentTypes checks what Python would not: arguments of the wrong JSON type are
// refused with a message naming them, and the arguments must be an pyjson.Object.
func TestArgumentTypes(t *testing.T) {
	t.Parallel()
	e, err := New(nil)
	require.NoError(t, err)
	for args, want := range map[string]string{
		`{"order_id": 7}`:    "bad arguments: order_id must be a string, not a number",
		`{"order_id": null}`: "bad arguments: order_id must be a string, not null",
		`[]`:                 "bad arguments: want a JSON pyjson.Object, not a list",
		`{"order_id"`:        "bad arguments:",
	} {
		assert.Contains(t, call(t, e, "get_order_details", args).Error, want, args)
	}
	obs := call(t, e, "return_delivered_order_items", `{"order_id": "#W4817420", "item_ids": "6777246137", "payment_method_id": "gift_card_8168843"}`)
	assert.Equal(t, "bad arguments: item_ids must be a list of strings, not a string", obs.Error)
	obs = call(t, e, "return_delivered_order_items", `{"order_id": "#W4817420", "item_ids": [6777246137], "payment_method_id": "gift_card_8168843"}`)
	assert.Equal(t, "bad arguments: item_ids[0] must be a string, not a number", obs.Error)
	assert.Equal(t, "Tool 'think' not found.", call(t, e, "think", `{"thought": "hm"}`).Error, "as τ2's toolkit says it")
}
