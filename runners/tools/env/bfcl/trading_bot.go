package bfcl

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/realx-bench/realx/runners/pycall"
)

func init() { registerClass("TradingBot", func() Class { return newTradingBot() }) }

// tradingCurrentTime is the TradingBot's fixed clock, 2024-09-01 10:30.
var tradingCurrentTime = time.Date(2024, 9, 1, 10, 30, 0, 0, time.UTC)

// tradingDefaultState is TradingBot's DEFAULT_STATE.
const tradingDefaultState = `{
 "orders": {
  "12345": {"id": 12345, "order_type": "Buy", "symbol": "AAPL", "price": 210.65, "amount": 10, "status": "Completed"},
  "12446": {"id": 12446, "order_type": "Sell", "symbol": "GOOG", "price": 2840.56, "amount": 5, "status": "Pending"}
 },
 "account_info": {"account_id": 12345, "balance": 10000.0, "binding_card": 1974202140965533},
 "authenticated": false,
 "market_status": "Closed",
 "order_counter": 12446,
 "stocks": {
  "AAPL": {"price": 227.16, "percent_change": 0.17, "volume": 2.552, "MA(5)": 227.11, "MA(20)": 227.09},
  "GOOG": {"price": 2840.34, "percent_change": 0.24, "volume": 1.123, "MA(5)": 2835.67, "MA(20)": 2842.15},
  "TSLA": {"price": 667.92, "percent_change": -0.12, "volume": 1.654, "MA(5)": 671.15, "MA(20)": 668.20},
  "MSFT": {"price": 310.23, "percent_change": 0.09, "volume": 3.234, "MA(5)": 309.88, "MA(20)": 310.11},
  "NVDA": {"price": 220.34, "percent_change": 0.34, "volume": 1.234, "MA(5)": 220.45, "MA(20)": 220.67},
  "ALPH": {"price": 1320.45, "percent_change": -0.08, "volume": 1.567, "MA(5)": 1321.12, "MA(20)": 1325.78},
  "OMEG": {"price": 457.23, "percent_change": 0.12, "volume": 2.345, "MA(5)": 456.78, "MA(20)": 458.12},
  "QUAS": {"price": 725.89, "percent_change": -0.03, "volume": 1.789, "MA(5)": 726.45, "MA(20)": 728.00},
  "NEPT": {"price": 88.34, "percent_change": 0.19, "volume": 0.654, "MA(5)": 88.21, "MA(20)": 88.67},
  "SYNX": {"price": 345.67, "percent_change": 0.11, "volume": 2.112, "MA(5)": 345.34, "MA(20)": 346.12},
  "ZETA": {"price": 22.09, "percent_change": -0.05, "volume": 0.789, "MA(5)": 22.12, "MA(20)": 22.34}
 },
 "watch_list": ["NVDA"],
 "transaction_history": [],
 "random_seed": 1053520
}`

// tradingBot is BFCL's TradingBot: orders, an account, stock quotes and a watch list behind a
// login. Its public state is orders (keyed by int ids), account_info, authenticated,
// market_status, order_counter, stocks, watch_list, transaction_history and long_context.
type tradingBot struct {
	orders             *pyDict
	accountInfo        *pyDict
	authenticated      any
	marketStatus       any
	orderCounter       any
	stocks             *pyDict
	watchList          []any
	transactionHistory []any
	longContext        bool
	random             *pyRandom
	methods            pyMethods
}

func newTradingBot() *tradingBot {
	t := &tradingBot{}
	t.methods = pyMethods{
		"get_current_time":            {nil, t.currentTime},
		"get_symbol_by_name":          {[]param{req("name")}, t.symbolByName},
		"get_stock_info":              {[]param{req("symbol")}, t.stockInfo},
		"get_order_details":           {[]param{req("order_id")}, t.orderDetails},
		"cancel_order":                {[]param{req("order_id")}, t.cancelOrder},
		"place_order":                 {[]param{req("order_type"), req("symbol"), req("price"), req("amount")}, t.placeOrder},
		"make_transaction":            {[]param{req("account_id"), req("xact_type"), req("amount")}, t.makeTransaction},
		"update_market_status":        {[]param{req("current_time_str")}, t.updateMarketStatus},
		"update_stock_price":          {[]param{req("symbol"), req("new_price")}, t.updateStockPrice},
		"get_account_info":            {nil, t.accountInfoCall},
		"trading_login":               {[]param{req("username"), req("password")}, t.login},
		"trading_get_login_status":    {nil, t.loginStatus},
		"trading_logout":              {nil, t.logout},
		"fund_account":                {[]param{req("amount")}, t.fundAccount},
		"remove_stock_from_watchlist": {[]param{req("symbol")}, t.removeFromWatchlist},
		"get_watchlist":               {nil, t.watchlist},
		"get_order_history":           {nil, t.orderHistory},
		"get_transaction_history":     {[]param{opt("start_date", nil), opt("end_date", nil)}, t.transactionHistoryCall},
		"get_available_stocks":        {[]param{req("sector")}, t.availableStocks},
		"filter_stocks_by_price":      {[]param{req("stocks"), req("min_price"), req("max_price")}, t.filterByPrice},
		"add_to_watchlist":            {[]param{req("stock")}, t.addToWatchlist},
		"notify_price_change":         {[]param{req("stocks"), req("threshold")}, t.notifyPriceChange},
	}
	if err := t.Load(nil, false); err != nil {
		panic(err)
	}
	return t
}

// Load sets the state from the scenario over DEFAULT_STATE; order ids that are digit strings
// become ints, and the generator is seeded with random_seed (1053520 by default).
func (t *tradingBot) Load(scenario json.RawMessage, longContext bool) error {
	s, err := loadScenario("TradingBot", scenario)
	if err != nil {
		return err
	}
	defV, err := decodePy([]byte(tradingDefaultState))
	if err != nil {
		return err
	}
	def := defV.(*pyDict)
	get := func(k string) any { v, _ := def.get(k); return scenarioGet(s, k, v) }
	dicts := map[string]**pyDict{"orders": &t.orders, "account_info": &t.accountInfo, "stocks": &t.stocks}
	for _, k := range []string{"orders", "account_info", "stocks"} {
		d, ok := get(k).(*pyDict)
		if !ok {
			return fmt.Errorf("bfcl: TradingBot scenario: %s is not an object", k)
		}
		*dicts[k] = d
	}
	orders := newPyDict()
	for _, k := range t.orders.keys {
		v, _ := t.orders.get(k)
		if ks, ok := k.(string); ok && isASCIIDigits(ks) {
			if n, err := strconv.Atoi(ks); err == nil {
				k = n
			}
		}
		orders.set(k, v)
	}
	t.orders = orders
	lists := map[string]*[]any{"watch_list": &t.watchList, "transaction_history": &t.transactionHistory}
	for _, k := range []string{"watch_list", "transaction_history"} {
		l, ok := get(k).([]any)
		if !ok {
			return fmt.Errorf("bfcl: TradingBot scenario: %s is not a list", k)
		}
		*lists[k] = l
	}
	t.authenticated = get("authenticated")
	t.marketStatus = get("market_status")
	t.orderCounter = get("order_counter")
	t.longContext = longContext
	seed, ok := get("random_seed").(int)
	if !ok {
		return fmt.Errorf("bfcl: TradingBot scenario: random_seed is not an integer")
	}
	t.random = newPyRandom(seed)
	return nil
}

func isASCIIDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Call runs a TradingBot method.
func (t *tradingBot) Call(name string, args map[string]any) (any, error) {
	return t.methods.call("TradingBot", name, args)
}

// Methods lists TradingBot's public methods.
func (t *tradingBot) Methods() []string { return t.methods.methodNames() }

// Params lists a TradingBot method's parameters in signature order (positional arguments bind to
// them in this order); nil for an unknown method.
func (t *tradingBot) Params(method string) []string { return t.methods.paramNames(method) }

// State returns TradingBot's public attributes.
func (t *tradingBot) State() map[string]any {
	return map[string]any{
		"orders":              pyPlain(t.orders),
		"account_info":        pyPlain(t.accountInfo),
		"authenticated":       pyPlain(t.authenticated),
		"market_status":       pyPlain(t.marketStatus),
		"order_counter":       pyPlain(t.orderCounter),
		"stocks":              pyPlain(t.stocks),
		"watch_list":          pyPlain(t.watchList),
		"transaction_history": pyPlain(t.transactionHistory),
		"long_context":        t.longContext,
	}
}

// transactionTimestamp is _generate_transaction_timestamp: a random second within the day after
// the fixed clock.
func (t *tradingBot) transactionTimestamp() string {
	return tradingCurrentTime.Add(time.Duration(t.random.randint(0, 86400)) * time.Second).Format("2006-01-02 15:04:05")
}

func (t *tradingBot) currentTime(map[string]any) (any, error) {
	return dictOf("current_time", tradingCurrentTime.Format("03:04 PM")), nil
}

var tradingSymbols = map[string]string{
	"Apple": "AAPL", "Google": "GOOG", "Tesla": "TSLA", "Microsoft": "MSFT", "Nvidia": "NVDA",
	"Zeta Corp": "ZETA", "Alpha Tech": "ALPH", "Omega Industries": "OMEG", "Quasar Ltd.": "QUAS",
	"Neptune Systems": "NEPT", "Synex Solutions": "SYNX", "Amazon": "AMZN",
}

func (t *tradingBot) symbolByName(a map[string]any) (any, error) {
	if name, ok := a["name"].(string); ok {
		if sym, ok := tradingSymbols[name]; ok {
			return dictOf("symbol", sym), nil
		}
	}
	return dictOf("symbol", "Stock not found"), nil
}

func (t *tradingBot) stockInfo(a map[string]any) (any, error) {
	sym := a["symbol"]
	stock, ok := t.stocks.get(sym)
	if !ok {
		return dictOf("error", fmt.Sprintf("Stock with symbol '%s' not found.", pycall.Str(sym))), nil
	}
	if t.longContext {
		c, ok := pyCopy(stock).(*pyDict)
		if !ok {
			return nil, fmt.Errorf("'%s' object has no attribute 'copy'", pyTypeName(stock))
		}
		c.set("MA(5)", filler("MA_5_EXTENSION"))
		c.set("MA(20)", filler("MA_20_EXTENSION"))
		return c, nil
	}
	return stock, nil
}

func (t *tradingBot) orderDetails(a map[string]any) (any, error) {
	id := a["order_id"]
	order, ok := t.orders.get(id)
	if !ok {
		return dictOf("error", fmt.Sprintf("Order with ID %s not found.", pycall.Str(id))+
			"Here is the list of orders_id: "+pycall.Repr(append([]any{}, t.orders.keys...))), nil
	}
	if !t.longContext {
		return order, nil
	}
	c, ok := pyCopy(order).(*pyDict)
	if !ok {
		return nil, fmt.Errorf("'%s' object has no attribute 'copy'", pyTypeName(order))
	}
	sym, err := c.item("symbol")
	if err != nil {
		return nil, err
	}
	ext := filler("ORDER_DETAIL_EXTENSION").(*pyDict)
	meta := newPyDict()
	for _, k := range ext.keys {
		v, _ := ext.get(k)
		meta.set(k, strings.ReplaceAll(v.(string), "{symbol}", pycall.Str(sym)))
	}
	c.set("metadata", meta)
	return c, nil
}

func (t *tradingBot) cancelOrder(a map[string]any) (any, error) {
	id := a["order_id"]
	o, ok := t.orders.get(id)
	if !ok {
		return dictOf("error", fmt.Sprintf("Order with ID %s not found.", pycall.Str(id))), nil
	}
	order, ok := o.(*pyDict)
	if !ok {
		return nil, pyStrSubscriptError(o)
	}
	status, err := order.item("status")
	if err != nil {
		return nil, err
	}
	if pyEq(status, "Completed") {
		return dictOf("error", fmt.Sprintf("Can't cancel order %s. Order is already completed.", pycall.Str(id))), nil
	}
	order.set("status", "Cancelled")
	return dictOf("order_id", id, "status", "Cancelled"), nil
}

// balance is account_info.get("balance", 0).
func (t *tradingBot) balance() any {
	if b, ok := t.accountInfo.get("balance"); ok {
		return b
	}
	return 0
}

func (t *tradingBot) placeOrder(a map[string]any) (any, error) {
	if !pyTruth(t.authenticated) {
		return dictOf("error", "User not authenticated. Please log in to place an order."), nil
	}
	sym := a["symbol"]
	if !t.stocks.has(sym) {
		return dictOf("error", "Invalid stock symbol: "+pycall.Str(sym)), nil
	}
	bad, err := pyLessEq(a["price"], 0)
	if err != nil {
		return nil, err
	}
	if !bad {
		if bad, err = pyLessEq(a["amount"], 0); err != nil {
			return nil, err
		}
	}
	if bad {
		return dictOf("error", "Price and amount must be positive values."), nil
	}
	price, err := pyFloat(a["price"])
	if err != nil {
		return nil, err
	}
	id := t.orderCounter
	t.orders.set(id, dictOf(
		"id", id,
		"order_type", a["order_type"],
		"symbol", sym,
		"price", price,
		"amount", a["amount"],
		"status", "Open",
	))
	next, err := pyArith("+", t.orderCounter, 1)
	if err != nil {
		return nil, err
	}
	t.orderCounter = next
	return dictOf("order_id", id, "order_type", a["order_type"], "status", "Pending", "price", price, "amount", a["amount"]), nil
}

func (t *tradingBot) accountInfoCall(map[string]any) (any, error) {
	if !pyTruth(t.authenticated) {
		return dictOf("error", "User not authenticated. Please log in to view account information."), nil
	}
	return t.accountInfo, nil
}

func (t *tradingBot) login(map[string]any) (any, error) {
	if pyTruth(t.authenticated) {
		return dictOf("status", "Already logged in"), nil
	}
	t.authenticated = true
	return dictOf("status", "Logged in successfully"), nil
}

func (t *tradingBot) loginStatus(map[string]any) (any, error) {
	return dictOf("status", pyTruth(t.authenticated)), nil
}

func (t *tradingBot) logout(map[string]any) (any, error) {
	if !pyTruth(t.authenticated) {
		return dictOf("status", "No user is currently logged in"), nil
	}
	t.authenticated = false
	return dictOf("status", "Logged out successfully"), nil
}

func (t *tradingBot) fundAccount(a map[string]any) (any, error) {
	if !pyTruth(t.authenticated) {
		return dictOf("error", "User not authenticated. Please log in to fund the account."), nil
	}
	amount := a["amount"]
	if le, err := pyLessEq(amount, 0); err != nil || le {
		return dictOf("error", "Funding amount must be positive."), err
	}
	bal, err := t.accountInfo.item("balance")
	if err != nil {
		return nil, err
	}
	nb, err := pyArith("+", bal, amount)
	if err != nil {
		return nil, err
	}
	t.accountInfo.set("balance", nb)
	t.transactionHistory = append(t.transactionHistory, dictOf("type", "deposit", "amount", amount, "timestamp", t.transactionTimestamp()))
	return dictOf("status", "Account funded successfully", "new_balance", nb), nil
}

// listIndex is list.index by Python equality, -1 when absent.
func listIndex(list []any, v any) int {
	for i, e := range list {
		if pyEq(e, v) {
			return i
		}
	}
	return -1
}

func (t *tradingBot) removeFromWatchlist(a map[string]any) (any, error) {
	if !pyTruth(t.authenticated) {
		return dictOf("error", "User not authenticated. Please log in to modify the watchlist."), nil
	}
	sym := a["symbol"]
	i := listIndex(t.watchList, sym)
	if i < 0 {
		return dictOf("error", fmt.Sprintf("Stock %s not found in watchlist.", pycall.Str(sym))), nil
	}
	t.watchList = append(t.watchList[:i:i], t.watchList[i+1:]...)
	return dictOf("status", fmt.Sprintf("Stock %s removed from watchlist successfully.", pycall.Str(sym))), nil
}

func (t *tradingBot) watchlist(map[string]any) (any, error) {
	if !pyTruth(t.authenticated) {
		return []any{"Error: User not authenticated. Please log in to view the watchlist."}, nil
	}
	if t.longContext {
		return append(append([]any{}, t.watchList...), filler("WATCH_LIST_EXTENSION").([]any)...), nil
	}
	return dictOf("watchlist", t.watchList), nil
}

func (t *tradingBot) orderHistory(map[string]any) (any, error) {
	if !pyTruth(t.authenticated) {
		return []any{dictOf("error", "User not authenticated. Please log in to view order history.")}, nil
	}
	return dictOf("history", append([]any{}, t.orders.keys...)), nil
}

func (t *tradingBot) transactionHistoryCall(a map[string]any) (any, error) {
	if !pyTruth(t.authenticated) {
		return []any{dictOf("error", "User not authenticated. Please log in to view transaction history.")}, nil
	}
	start, end := time.Time{}, time.Time{}
	hasStart, hasEnd := pyTruth(a["start_date"]), pyTruth(a["end_date"])
	var err error
	if hasStart {
		if start, err = pyStrptime(a["start_date"], "%Y-%m-%d"); err != nil {
			return nil, err
		}
	}
	if hasEnd {
		if end, err = pyStrptime(a["end_date"], "%Y-%m-%d"); err != nil {
			return nil, err
		}
	}
	filtered := []any{}
	for _, e := range t.transactionHistory {
		tr, ok := e.(*pyDict)
		if !ok {
			return nil, pyStrSubscriptError(e)
		}
		ts, err := tr.item("timestamp")
		if err != nil {
			return nil, err
		}
		at, err := pyStrptime(ts, "%Y-%m-%d %H:%M:%S")
		if err != nil {
			return nil, err
		}
		if (!hasStart || !at.Before(start)) && (!hasEnd || !at.After(end)) {
			filtered = append(filtered, tr)
		}
	}
	if t.longContext {
		filtered = append(filtered, filler("TRANSACTION_HISTORY_EXTENSION").([]any)...)
	}
	return dictOf("transaction_history", filtered), nil
}

func (t *tradingBot) availableStocks(a map[string]any) (any, error) {
	var list []any
	switch a["sector"] {
	case "Technology":
		list = []any{"AAPL", "GOOG", "MSFT", "NVDA"}
		if t.longContext {
			list = append(list, filler("TECHNOLOGY_EXTENSION").([]any)...)
		}
	case "Automobile":
		list = []any{"TSLA", "F", "GM"}
		if t.longContext {
			list = append(list, filler("AUTOMOBILE_EXTENSION").([]any)...)
		}
	default:
		list = []any{}
	}
	return dictOf("stock_list", list), nil
}

// pyIter returns the items a for loop over v visits: a list's elements, a str's characters, a
// dict's keys; anything else is Python's TypeError.
func pyIter(v any) ([]any, error) {
	switch x := v.(type) {
	case []any:
		return x, nil
	case string:
		out := []any{}
		for _, r := range x {
			out = append(out, string(r))
		}
		return out, nil
	case *pyDict:
		return append([]any{}, x.keys...), nil
	}
	return nil, fmt.Errorf("'%s' object is not iterable", pyTypeName(v))
}

func (t *tradingBot) filterByPrice(a map[string]any) (any, error) {
	symbols, err := pyIter(a["stocks"])
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, sym := range symbols {
		price := any(0)
		if s, ok := t.stocks.get(sym); ok {
			sd, ok := s.(*pyDict)
			if !ok {
				return nil, fmt.Errorf("'%s' object has no attribute 'get'", pyTypeName(s))
			}
			if p, ok := sd.get("price"); ok {
				price = p
			}
		}
		ge, err := pyGreaterEq(price, a["min_price"])
		if err != nil {
			return nil, err
		}
		if !ge {
			continue
		}
		le, err := pyLessEq(price, a["max_price"])
		if err != nil {
			return nil, err
		}
		if le {
			out = append(out, sym)
		}
	}
	return dictOf("filtered_stocks", out), nil
}

func (t *tradingBot) addToWatchlist(a map[string]any) (any, error) {
	stock := a["stock"]
	if listIndex(t.watchList, stock) < 0 && t.stocks.has(stock) {
		t.watchList = append(t.watchList, stock)
	}
	return dictOf("symbol", t.watchList), nil
}

func (t *tradingBot) notifyPriceChange(a map[string]any) (any, error) {
	symbols, err := pyIter(a["stocks"])
	if err != nil {
		return nil, err
	}
	var changed []string
	for _, sym := range symbols {
		s, ok := t.stocks.get(sym)
		if !ok {
			continue
		}
		sd, ok := s.(*pyDict)
		if !ok {
			return nil, pyStrSubscriptError(s)
		}
		pc, err := sd.item("percent_change")
		if err != nil {
			return nil, err
		}
		f, ok := pyNum(pc)
		if !ok {
			return nil, fmt.Errorf("bad operand type for abs(): '%s'", pyTypeName(pc))
		}
		var abs any = math.Abs(f)
		if i, ok := pyIsInt(pc); ok {
			abs = max(i, -i)
		}
		ge, err := pyGreaterEq(abs, a["threshold"])
		if err != nil {
			return nil, err
		}
		if ge {
			changed = append(changed, pycall.Str(sym))
		}
	}
	if len(changed) > 0 {
		return dictOf("notification", fmt.Sprintf("Stocks %s have significant price changes.", strings.Join(changed, ", "))), nil
	}
	return dictOf("notification", "No significant price changes in the selected stocks."), nil
}
