package bfcl

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/realx-bench/realx/runners/pycall"
)

// pyStrptime parses text as Python's datetime.strptime does for the two formats the classes
// use, "%Y-%m-%d" and "%Y-%m-%d %H:%M:%S": Python's field patterns (months and days may
// be one digit, whitespace in the format matches any run of it), then a valid calendar date.
// Errors carry Python's ValueError and TypeError messages.
func pyStrptime(v any, format string) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("strptime() argument 1 must be str, not %s", pyTypeName(v))
	}
	var re *regexp.Regexp
	switch format {
	case "%Y-%m-%d":
		re = strptimeDate
	case "%Y-%m-%d %H:%M:%S":
		re = strptimeDateTime
	default:
		return time.Time{}, fmt.Errorf("bfcl: strptime format %q is not supported", format)
	}
	m := re.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("time data %s does not match format %s", pycall.ReprString(s), pycall.ReprString(format))
	}
	if len(m[0]) < len(s) {
		return time.Time{}, fmt.Errorf("unconverted data remains: %s", s[len(m[0]):])
	}
	n := make([]int, len(m)-1)
	for i, f := range m[1:] {
		n[i], _ = strconv.Atoi(trimSpace(f))
	}
	year, month, day := n[0], n[1], n[2]
	hour, minute, sec := 0, 0, 0
	if len(n) > 3 {
		hour, minute, sec = n[3], n[4], n[5]
	}
	if year < 1 {
		return time.Time{}, fmt.Errorf("year %d is out of range", year)
	}
	if day > time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return time.Time{}, errors.New("day is out of range for month")
	}
	if sec > 59 {
		return time.Time{}, errors.New("second must be in 0..59")
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC), nil
}

func trimSpace(s string) string {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	return s
}

const (
	pyYear   = `(\d\d\d\d)`
	pyMonth  = `(1[0-2]|0[1-9]|[1-9])`
	pyDay    = `(3[01]|[12]\d|0[1-9]|[1-9]| [1-9])`
	pyHour   = `(2[0-3]|[0-1]\d|\d)`
	pyMinute = `([0-5]\d|\d)`
	pySecond = `(6[0-1]|[0-5]\d|\d)`
)

var (
	strptimeDate     = regexp.MustCompile(`^` + pyYear + `-` + pyMonth + `-` + pyDay)
	strptimeDateTime = regexp.MustCompile(`^` + pyYear + `-` + pyMonth + `-` + pyDay + `\s+` + pyHour + `:` + pyMinute + `:` + pySecond)
)

// longContextFiller is the published long-context filler (long_context.py) that TradingBot,
// TravelAPI and VehicleControlAPI add to their results or state in the long-context category,
// as JSON; the one Ellipsis in WATCH_LIST_EXTENSION is written "<Ellipsis>".
//
//go:embed long_context_h17b.json
var longContextFiller []byte

// filler returns one constant of the long-context filler, by its Python name, deep-copied.
func filler(name string) any {
	v, _ := fillerDict().get(name)
	return pyCopy(v)
}

var fillerDict = sync.OnceValue(func() *pyDict {
	v, err := decodePy(longContextFiller)
	if err != nil {
		panic("bfcl: long_context_h17b.json: " + err.Error())
	}
	d := v.(*pyDict)
	if list, ok := d.vals[keyOf("WATCH_LIST_EXTENSION")].([]any); ok {
		for i, e := range list {
			if e == "<Ellipsis>" {
				list[i] = pyEllipsis{}
			}
		}
	}
	return d
})
