package bfcl

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/runners/pycall"
)

// The methods of TradingBot that BFCL v3's data calls and its v4 release removed
// (update_market_status, make_transaction, update_stock_price), as the class has them at the
// data's commit (cd9429cc).

// strptimeClock is Python's strptime pattern of "%I:%M %p": an hour 1–12, a minute, any run
// of whitespace, AM or PM in any case.
var strptimeClock = regexp.MustCompile(`(?i)^(1[0-2]|0[1-9]|[1-9]):([0-5][0-9]|[0-9])\s+(am|pm)`)

// clockMinutes parses a time as datetime.strptime(s, "%I:%M %p").time() does, in minutes after
// midnight, with Python's errors.
func clockMinutes(v any) (int, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("strptime() argument 1 must be str, not %s", pyTypeName(v))
	}
	m := strptimeClock.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("time data %s does not match format '%%I:%%M %%p'", pycall.ReprString(s))
	}
	if len(m[0]) < len(s) {
		return 0, fmt.Errorf("unconverted data remains: %s", s[len(m[0]):])
	}
	h, _ := strconv.Atoi(m[1])
	min, _ := strconv.Atoi(m[2])
	h %= 12
	if strings.EqualFold(m[3], "pm") {
		h += 12
	}
	return h*60 + min, nil
}

// updateMarketStatus opens the market from 9:30 AM to 4:00 PM, both included.
func (t *tradingBot) updateMarketStatus(a map[string]any) (any, error) {
	now, err := clockMinutes(a["current_time_str"])
	if err != nil {
		return nil, err
	}
	if 9*60+30 <= now && now <= 16*60 {
		t.marketStatus = "Open"
		return dictOf("status", "Open"), nil
	}
	t.marketStatus = "Closed"
	return dictOf("status", "Closed"), nil
}

// makeTransaction deposits or withdraws an amount on the account.
func (t *tradingBot) makeTransaction(a map[string]any) (any, error) {
	if !pyTruth(t.authenticated) {
		return dictOf("error", "User not authenticated. Please log in to make a transaction."), nil
	}
	if !pyEq(t.marketStatus, "Open") {
		return dictOf("error", "Market is closed. Transactions are not allowed."), nil
	}
	id, err := t.accountInfo.item("account_id")
	if err != nil {
		return nil, err
	}
	if !pyEq(a["account_id"], id) {
		return dictOf("error", fmt.Sprintf("Account with ID %s not found.", pycall.Str(a["account_id"]))), nil
	}
	amount := a["amount"]
	if le, err := pyLessEq(amount, 0); err != nil || le {
		return dictOf("error", "Transaction amount must be positive."), err
	}
	bal, err := t.accountInfo.item("balance")
	if err != nil {
		return nil, err
	}
	switch {
	case pyEq(a["xact_type"], "deposit"):
		nb, err := pyArith("+", bal, amount)
		if err != nil {
			return nil, err
		}
		t.accountInfo.set("balance", nb)
		t.transactionHistory = append(t.transactionHistory, dictOf("type", "deposit", "amount", amount, "timestamp", t.transactionTimestamp()))
		return dictOf("status", "Deposit successful", "new_balance", nb), nil
	case pyEq(a["xact_type"], "withdrawal"):
		if gt, err := pyGreater(amount, bal); err != nil || gt {
			return dictOf("error", "Insufficient funds for withdrawal."), err
		}
		nb, err := pyArith("-", bal, amount)
		if err != nil {
			return nil, err
		}
		t.accountInfo.set("balance", nb)
		t.transactionHistory = append(t.transactionHistory, dictOf("type", "withdrawal", "amount", amount, "timestamp", t.transactionTimestamp()))
		return dictOf("status", "Withdrawal successful", "new_balance", nb), nil
	}
	return dictOf("error", "Invalid transaction type. Use 'deposit' or 'withdrawal'."), nil
}

// updateStockPrice sets a stock's price and its percent change from the old one.
func (t *tradingBot) updateStockPrice(a map[string]any) (any, error) {
	sym := a["symbol"]
	if !t.stocks.has(sym) {
		return dictOf("error", fmt.Sprintf("Stock with symbol '%s' not found.", pycall.Str(sym))), nil
	}
	newPrice := a["new_price"]
	if le, err := pyLessEq(newPrice, 0); err != nil || le {
		return dictOf("error", "New price must be a positive value."), err
	}
	sv, _ := t.stocks.get(sym)
	stock, ok := sv.(*pyDict)
	if !ok {
		return nil, pyStrSubscriptError(sv)
	}
	old, err := stock.item("price")
	if err != nil {
		return nil, err
	}
	stock.set("price", newPrice)
	diff, err := pyArith("-", newPrice, old)
	if err != nil {
		return nil, err
	}
	ratio, err := pyArith("/", diff, old)
	if err != nil {
		return nil, err
	}
	pct, err := pyArith("*", ratio, 100)
	if err != nil {
		return nil, err
	}
	stock.set("percent_change", pct)
	return dictOf("symbol", sym, "old_price", old, "new_price", newPrice), nil
}
