package mathequiv

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const math500 = "../../benchmarks/math500/test.jsonl"

type mathRow struct {
	Problem  string `json:"problem"`
	Solution string `json:"solution"`
	Answer   string `json:"answer"`
	UniqueID string `json:"unique_id"`
}

// readJSONL calls row with each line of a JSON Lines file.
func readJSONL(t testing.TB, path string, row func([]byte)) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		row(sc.Bytes())
	}
	require.NoError(t, sc.Err())
}

func readMath500(t testing.TB) []mathRow {
	t.Helper()
	var rows []mathRow
	readJSONL(t, math500, func(line []byte) {
		var r mathRow
		require.NoError(t, json.Unmarshal(line, &r))
		rows = append(rows, r)
	})
	require.Len(t, rows, 500)
	return rows
}

// readAnswers returns the "answer" field of every row of a JSON Lines file, whether written as
// a string or a number.
func readAnswers(t testing.TB, path string) []string {
	t.Helper()
	var out []string
	readJSONL(t, path, func(line []byte) {
		var r struct{ Answer json.RawMessage }
		require.NoError(t, json.Unmarshal(line, &r))
		var s string
		if json.Unmarshal(r.Answer, &s) != nil {
			s = string(r.Answer)
		}
		out = append(out, s)
	})
	require.NotEmpty(t, out)
	return out
}

// boxedExceptions lists MATH-500 problems whose answer field legitimately differs from the last
// \boxed{} of the solution. There are none: every one of the 500 agrees, so the map is empty; a
// row added here must say why.
var boxedExceptions = map[string]string{}

func TestMath500SelfAndBoxed(t *testing.T) {
	t.Parallel()
	parsed := 0
	for _, r := range readMath500(t) {
		o := Compare(r.Answer, r.Answer, Options{})
		assert.True(t, o.Equal && o.Confident, "%s: %q vs itself: %+v", r.UniqueID, r.Answer, o)

		boxed, ok := lastBoxed(r.Solution)
		require.True(t, ok, "%s has no \\boxed", r.UniqueID)
		o = Compare(r.Answer, boxed, Options{})
		if why, ok := boxedExceptions[r.UniqueID]; ok {
			assert.False(t, o.Equal, "%s is listed as an exception (%s) but agrees", r.UniqueID, why)
			continue
		}
		assert.True(t, o.Equal, "%s: answer %q vs boxed %q: %+v", r.UniqueID, r.Answer, boxed, o)

		// Every answer also parses: comparing it with a different number is decided, not a
		// string fallback.
		if _, failed := tryParse(clean(r.Answer), &budget{deadline: farFuture()}); !failed {
			parsed++
		} else {
			t.Errorf("%s: %q does not parse", r.UniqueID, r.Answer)
		}
	}
	assert.Equal(t, 500, parsed)
}

// math500Rewrites are equivalent rewrites of real MATH-500 answers (the gold answer first).
var math500Rewrites = []pair{
	{`\left( 3, \frac{\pi}{2} \right)`, `(3,\pi/2)`, eq},
	{`\left( 3, \frac{\pi}{2} \right)`, `(3, 0.5\pi)`, eq},
	{`p - q`, `-q + p`, eq},
	{`\frac{14}{3}`, `14/3`, eq},
	{`\frac{14}{3}`, `4\frac{2}{3}`, eq},
	{`\frac{14}{3}`, `4.666666666667`, eq},
	{`\text{Evelyn}`, `Evelyn`, eq},
	{`x=5`, `5`, eq},
	{`1,-2`, `-2, 1`, unsure}, // another order: see TestIsEquivCases
	{`\frac{243}{625}`, `0.3888`, eq},
	{`3, 5, 7`, `7, 5, 3`, unsure},
	{`x^5 - x^4 + x^3 - x^2 + x - 1`, `(x-1)(x^4+x^2+1)`, eq},
	{`-\frac{\pi}{6}`, `-\pi/6`, eq},
	{`(6,31,-1)`, `\left(6, 31, -1\right)`, eq},
	{`\frac{3\sqrt{3}}{4}`, `\frac{3}{4}\sqrt{3}`, eq},
	{`(-2,1)`, `\left(-2,1\right)`, eq},
	{`1 \pm \sqrt{19}`, `1+\sqrt{19}, 1-\sqrt{19}`, eq},
	{`\text{east}`, `East`, eq},
	{`\begin{pmatrix} -1/3 \\ 2/3 \\ 5/3 \end{pmatrix}`, `\begin{pmatrix} -\frac{1}{3} \\ \frac{2}{3} \\ \frac{5}{3} \end{pmatrix}`, eq},
	{`\begin{pmatrix} -1/3 \\ 2/3 \\ 5/3 \end{pmatrix}`, `\frac{1}{3}\begin{pmatrix} -1 \\ 2 \\ 5 \end{pmatrix}`, eq},
	{`(3,4]`, `3 < x \le 4`, eq},
	{`\frac{\sqrt{3}}{3}`, `\frac{1}{\sqrt{3}}`, eq},
	{`\dfrac{17}{50}`, `0.34`, eq},
	{`\frac{270}7\text{ degrees}`, `\frac{270}{7}^\circ`, eq},
	{`5x - 7y + 11z + 4 = 0`, `-5x + 7y - 11z - 4 = 0`, eq},
	{`(2,\infty)`, `x > 2`, eq},
	{`\begin{pmatrix} -2 \\ -14 \\ -7 \end{pmatrix}`, `(-2,-14,-7)`, eq},
	{`\left( \frac{3}{2}, -13 \right)`, `(1.5, -13)`, eq},
	{`11,\! 111,\! 111,\! 100`, `11111111100`, eq},
	{`\text{(C)}`, `C`, eq},
	{`\begin{pmatrix} -1 & 0 \\ 0 & -1 \end{pmatrix}`, `-\begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix}`, eq},
	{`864 \mbox{ inches}^2`, `864`, eq},
	{`\dfrac{33}{100}`, `0.33`, eq},
	{`3 \pm 2 \sqrt{2}`, `3+2\sqrt2, 3-2\sqrt2`, eq},
	{`\left(\frac{3}{5},\frac{8}{3}\right]`, `(0.6, 8/3]`, eq},
	{`5.4 \text{ cents}`, `5.4`, eq},
	{`(-\infty, 0]`, `x \le 0`, eq},
	{`\frac{11+9a}{20}`, `\frac{11}{20} + \frac{9a}{20}`, eq},
	{`11 \sqrt{5} + 11`, `11(\sqrt5+1)`, eq},
	{`(-\sqrt{3}, \sqrt{3})`, `-\sqrt{3} < x < \sqrt{3}`, eq},
	{`(0,9) \cup (9,36)`, `(9,36) \cup (0,9)`, eq},
	{`\frac{20000}{\pi}`, `20000/\pi`, eq},
	{`x \in [-2,7]`, `-2 \le x \le 7`, eq},
	{`\{1\pm\sqrt{5},-2\}`, `-2, 1+\sqrt5, 1-\sqrt5`, eq},
	{`\left[ \frac{\pi^2}{8}, \frac{5 \pi^2}{4} \right]`, `[\pi^2/8, 5\pi^2/4]`, eq},
	{`(-\infty, 2) \cup (3, \infty)`, `(3,\infty)\cup(-\infty,2)`, eq},
	{`x^8 + x^7 + x^6 + x^5 + x^4 + x^3 + x^2 + x + 1`, `\frac{x^9-1}{x-1}`, eq},
	{`y = 2x + 3`, `2x+3`, eq},
	{`y = 2x + 3`, `y - 2x = 3`, eq},
	{`-2,1`, `x=-2, x=1`, eq},
	{`15\mbox{ cm}^2`, `15`, eq},
	{`137 \frac{1}{2}`, `137.5`, eq},
	{`137 \frac{1}{2}`, `\frac{275}{2}`, eq},
	{`8n^2 + 4n + 1`, `4n(2n+1)+1`, eq},
	{`y = -2x`, `-2x`, eq},
	{`(2,12) \cup (12,102)`, `(12,102)\cup(2,12)`, eq},
	{`\$18.90`, `18.9`, eq},
	{`\$32,\!348`, `32348`, eq},
	{`10,\!080`, `10080`, eq},
	{`-2 + 7i`, `7i-2`, eq},
	{`1 - 12i`, `-12i+1`, eq},
	{`106^\circ`, `106`, eq},
	{`2516_8`, `2516_{8}`, eq},
	{`\frac 34`, `0.75`, eq},
	{`\frac9{19}`, `9/19`, eq},
	{`.0000672`, `6.72 \times 10^{-5}`, eq},
	{`\cot x`, `\frac{1}{\tan x}`, eq},
	{`6r^2-4r-24`, `2(3r^2-2r-12)`, eq},
	{`(a+5)(b+2)`, `(b+2)(a+5)`, eq},
	{`-13x+3`, `3-13x`, eq},
	{`15x - 80`, `5(3x-16)`, eq},
	{`2k+2`, `2(k+1)`, eq},
	{`3R^2`, `3R^{2}`, eq},
	{`\pi`, `π`, eq},
	{`12\pi`, `12π`, eq},
	{`0.15`, `\frac{3}{20}`, eq},
	{`4.5`, `\frac92`, eq},
	{`1.25`, `5/4`, eq},
	{`\frac{1997}{2}`, `998.5`, eq},
	{`\text{(B)}`, `(B)`, eq},
	{`x^3+3x-6`, `3x+x^3-6`, eq},
	{`5r^5`, `5 r^{5}`, eq},
	{`1+274i`, `274i + 1`, eq},
	{`\sqrt{51}`, `51^{1/2}`, eq},
}

// math500NearMisses are wrong answers close to real MATH-500 answers (the gold answer second).
var math500NearMisses = []pair{
	{`(3, \pi)`, `\left( 3, \frac{\pi}{2} \right)`, ne},
	{`(\frac{\pi}{2}, 3)`, `\left( 3, \frac{\pi}{2} \right)`, ne},
	{`q - p`, `p - q`, ne},
	{`-\frac{14}{3}`, `\frac{14}{3}`, ne},
	{`\frac{3}{14}`, `\frac{14}{3}`, ne},
	{`x=6`, `x=5`, ne},
	{`1, 2`, `1,-2`, ne},
	{`3, 5`, `3, 5, 7`, ne},
	{`(6,31,1)`, `(6,31,-1)`, ne},
	{`(31,6,-1)`, `(6,31,-1)`, ne},
	{`1 + \sqrt{19}`, `1 \pm \sqrt{19}`, ne},
	{`\text{west}`, `\text{east}`, unsure},
	{`[3,4]`, `(3,4]`, ne},
	{`(3,4)`, `(3,4]`, ne},
	{`\frac{\sqrt{3}}{2}`, `\frac{\sqrt{3}}{3}`, ne},
	{`\frac{17}{51}`, `\dfrac{17}{50}`, ne},
	{`5x - 7y + 11z - 4 = 0`, `5x - 7y + 11z + 4 = 0`, ne},
	{`(1,\infty)`, `(2,\infty)`, ne},
	{`\begin{pmatrix} -2 \\ 14 \\ -7 \end{pmatrix}`, `\begin{pmatrix} -2 \\ -14 \\ -7 \end{pmatrix}`, ne},
	{`(\frac{3}{2}, 13)`, `\left( \frac{3}{2}, -13 \right)`, ne},
	{`11111111101`, `11,\! 111,\! 111,\! 100`, ne},
	{`\text{(D)}`, `\text{(C)}`, ne},
	{`\begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix}`, `\begin{pmatrix} -1 & 0 \\ 0 & -1 \end{pmatrix}`, ne},
	{`865`, `864 \mbox{ inches}^2`, ne},
	{`3 + 2\sqrt2`, `3 \pm 2 \sqrt{2}`, ne},
	{`(0,9) \cup (9,37)`, `(0,9) \cup (9,36)`, ne},
	{`(0,36)`, `(0,9) \cup (9,36)`, unsure},
	{`\frac{2000}{\pi}`, `\frac{20000}{\pi}`, ne},
	{`x \in [-2,8]`, `x \in [-2,7]`, ne},
	{`y = 2x - 3`, `y = 2x + 3`, ne},
	{`y = 2x`, `y = -2x`, ne},
	{`137`, `137 \frac{1}{2}`, ne},
	{`137\frac{1}{3}`, `137 \frac{1}{2}`, ne},
	{`8n^2 + 4n`, `8n^2 + 4n + 1`, ne},
	{`2516_7`, `2516_8`, ne},
	{`2 - 7i`, `-2 + 7i`, ne},
	{`0.34`, `\dfrac{33}{100}`, ne},
	{`\frac{1}{5}`, `\frac14`, ne},
	{`-13x-3`, `-13x+3`, ne},
	{`\tan x`, `\cot x`, ne},
	{`x^5 - x^4 + x^3 - x^2 + x + 1`, `x^5 - x^4 + x^3 - x^2 + x - 1`, ne},
	{`104^\circ`, `106^\circ`, ne},
	{`3.14`, `\pi`, ne},
	{`5.41`, `5.4 \text{ cents}`, ne},
	{`2,1`, `-2,1`, ne},
	{`0.33`, `\frac{1}{3}`, ne},
	{`\sqrt{53}`, `\sqrt{51}`, ne},
	{`(2,4]`, `(2,4)`, ne},
	{`x \ge 0`, `(-\infty, 0]`, ne},
	{`121`, `120`, ne},
	{`-120`, `120`, ne},
}

func TestMath500Rewrites(t *testing.T) {
	t.Parallel()
	require.GreaterOrEqual(t, len(math500Rewrites), 60)
	check(t, math500Rewrites)
	check(t, math500NearMisses)
	// every gold answer is a real MATH-500 answer
	answers := map[string]bool{}
	for _, r := range readMath500(t) {
		answers[r.Answer] = true
	}
	for _, c := range math500Rewrites {
		assert.True(t, answers[c.a], "%q is not a MATH-500 answer", c.a)
	}
	for _, c := range math500NearMisses {
		assert.True(t, answers[c.b], "%q is not a MATH-500 answer", c.b)
	}
}

// TestAIME24Solutions checks that the AIME 2024 answers agree with the last \boxed{} of their
// solutions, where the solution has one.
func TestAIME24Solutions(t *testing.T) {
	t.Parallel()
	checked := 0
	readJSONL(t, "../../benchmarks/aime24/test.jsonl", func(line []byte) {
		var r struct{ Solution, Answer string }
		require.NoError(t, json.Unmarshal(line, &r))
		if b, ok := lastBoxed(r.Solution); ok && strings.TrimSpace(b) != "" {
			checked++
			assert.True(t, Compare(r.Answer, b, Options{}).Equal, "%q vs boxed %q", r.Answer, b)
		}
	})
	assert.Greater(t, checked, 20)
}

// BenchmarkCompare compares the MATH-500 answers with the last \boxed{} of their solutions
// (mostly the normalised-string path) and with the next row's answer (the parse-and-compare
// path).
func BenchmarkCompare(b *testing.B) {
	rows := readMath500(b)
	boxed := make([][2]string, 0, len(rows))
	different := make([][2]string, 0, len(rows))
	for i, r := range rows {
		bx, _ := lastBoxed(r.Solution)
		boxed = append(boxed, [2]string{r.Answer, bx})
		different = append(different, [2]string{r.Answer, rows[(i+1)%len(rows)].Answer})
	}
	for _, bench := range []struct {
		name  string
		pairs [][2]string
	}{{"boxed", boxed}, {"different", different}} {
		b.Run(bench.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				p := bench.pairs[i%len(bench.pairs)]
				Compare(p[0], p[1], Options{})
			}
		})
	}
}

// farFuture is a deadline that tests do not reach.
func farFuture() time.Time { return time.Now().Add(time.Hour) }
