package mathequiv

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// verdict is what a comparison must decide.
type verdict int

const (
	eq     verdict = iota // Equal
	ne                    // not Equal, Confident: really different
	unsure                // not Equal, not Confident: an LLM judge may decide
)

func (v verdict) String() string {
	return [...]string{"eq", "ne", "unsure"}[v]
}

type pair struct {
	a, b string
	want verdict
}

// check compares a with b both ways and asserts the verdict, and that the comparison is
// symmetric.
func check(t *testing.T, cases []pair) {
	t.Helper()
	for _, c := range cases {
		got := Compare(c.a, c.b, Options{})
		var v verdict
		switch {
		case got.Equal:
			v = eq
		case got.Confident:
			v = ne
		default:
			v = unsure
		}
		assert.Equal(t, c.want, v, "Compare(%q, %q) = %+v", c.a, c.b, got)
		back := Compare(c.b, c.a, Options{})
		assert.Equal(t, got.Equal, back.Equal, "asymmetric: %q, %q", c.a, c.b)
		assert.Equal(t, got.Confident, back.Confident, "asymmetric: %q, %q", c.a, c.b)
	}
}

// ownCases covers every form the package handles, equal and not equal.
var ownCases = []pair{
	// fractions
	{`\frac{1}{2}`, `1/2`, eq},
	{`\frac{1}{2}`, `0.5`, eq},
	{`\frac{1}{2}`, `\dfrac12`, eq},
	{`\frac{1}{2}`, `\tfrac{1}{2}`, eq},
	{`\frac{1}{2}`, `\frac{2}{4}`, eq},
	{`\frac{1}{2}`, `\frac 12`, eq},
	{`\frac{1}{2}`, `(1)/(2)`, eq},
	{`\frac{1}{2}`, `2^{-1}`, eq},
	{`\frac{1}{2}`, `\frac{-1}{-2}`, eq},
	{`\frac{1}{2}`, `\cfrac{1}{2}`, eq},
	{`\frac{3}{4}`, `\frac{4}{3}`, ne},
	{`-\frac{1}{2}`, `\frac{-1}{2}`, eq},
	{`-\frac{1}{2}`, `-1/2`, eq},
	{`-\frac{1}{2}`, `-0.5`, eq},
	{`-\frac12`, `\frac12`, ne},
	{`\frac{1}{3}`, `0.3333333333`, eq},
	{`\frac{1}{3}`, `0.33`, ne},
	{`\frac{1}{3}`, `0.333`, ne},
	{`\frac{1}{3}`, `\frac{333}{1000}`, ne},
	{`\frac{14}{3}`, `4\frac{2}{3}`, eq},
	{`\frac{14}{3}`, `4 2/3`, eq},
	{`-\frac{14}{3}`, `-4\frac{2}{3}`, eq},
	{`\frac{14}{3}`, `4\frac{3}{2}`, ne}, // not a mixed number: 4 · 3/2
	{`\frac{a}{b}`, `a/b`, eq},
	{`\frac{x}{2}`, `0.5x`, eq},
	{`\frac9{19}`, `\frac{9}{19}`, eq},
	{`\frac{10}{9}`, `10/9`, eq},
	{`-10/9`, `-\frac{10}{9}`, eq},
	{`\frac{1}{12}`, `0.0833333333333333`, eq},
	// roots
	{`\sqrt{2}`, `\sqrt2`, eq},
	{`\sqrt{2}`, `2^{1/2}`, eq},
	{`\sqrt{2}`, `\sqrt[2]{2}`, eq},
	{`\sqrt{2}`, `1.41421356`, eq},
	{`\sqrt{2}`, `1.41`, ne},
	{`2\sqrt{3}`, `\sqrt{12}`, eq},
	{`3\sqrt{2}`, `\sqrt{18}`, eq},
	{`\sqrt{12}`, `3\sqrt{2}`, ne},
	{`\sqrt{8}`, `2\sqrt{3}`, ne},
	{`\sqrt[3]{8}`, `2`, eq},
	{`\sqrt[3]{-8}`, `-2`, eq},
	{`\sqrt[3]{x}`, `x^{1/3}`, eq},
	{`\frac{\sqrt{3}}{3}`, `\frac{1}{\sqrt{3}}`, eq},
	{`\frac{\sqrt2}{2}`, `\sqrt{2}/2`, eq},
	{`\sqrt{4}`, `2`, eq},
	{`\sqrt 2+\sqrt 5`, `\sqrt{2}+\sqrt{5}`, eq},
	{`1\sqrt{19}`, `1`, ne},
	// powers
	{`2^{10}`, `1024`, eq},
	{`2^10`, `1024`, eq}, // plain text: the whole number is the exponent
	{`x^2`, `x\cdot x`, eq},
	{`x^{2}`, `x^{3}`, ne},
	{`(x+1)^2`, `x^2+2x+1`, eq},
	{`10^{-3}`, `0.001`, eq},
	{`e^{i\pi}`, `-1`, eq},
	{`2^{3^2}`, `512`, eq},
	{`x**2`, `x^2`, eq},
	{`2^{40}`, `1099511627776`, eq},
	// π
	{`\pi`, `pi`, eq},
	{`\pi`, `π`, eq},
	{`2\pi`, `2π`, eq},
	{`2\pi`, `2*pi`, eq},
	{`2\pi`, `6.283185307`, eq},
	{`\frac{\pi}{2}`, `\pi/2`, eq},
	{`\frac{\pi}{2}`, `0.5\pi`, eq},
	{`\pi`, `3.14`, ne},
	{`12\pi`, `12 \pi`, eq},
	{`\frac{9}{4}\pi`, `\frac94\pi`, eq},
	{`\frac{20000}{\pi}`, `20000/\pi`, eq},
	// degrees
	{`30^\circ`, `30`, eq},
	{`30^\circ`, `30°`, eq},
	{`30^{\circ}`, `30`, eq},
	{`30^\circ`, `30 degrees`, eq},
	{`30^\circ`, `60^\circ`, ne},
	{`90^\circ`, `90`, eq},
	// percent
	{`50\%`, `50`, eq},
	{`50%`, `50`, eq},
	{`50`, `50\%`, eq},
	{`28\%`, `28 percent`, eq},
	{`50\%`, `0.5`, ne},
	// thousands separators
	{`1,000`, `1000`, eq},
	{`1{,}000`, `1000`, eq},
	{`1,000,000`, `10^6`, eq},
	{`10,\!080`, `10080`, eq},
	{`1,000.5`, `1000.5`, eq},
	{`7,425,000`, `7425000`, eq},
	{`\$32,\!348`, `32348`, eq},
	{`(1,2)`, `12`, unsure},
	{`1, 2`, `12`, ne},
	{`1,000`, `1001`, ne},
	// units and text
	{`5\text{ cm}`, `5`, eq},
	{`5 \text{cm}`, `5`, eq},
	{`5\mbox{ cm}^2`, `5`, eq},
	{`5 cm`, `5`, eq},
	{`125 miles`, `125`, eq},
	{`125\textnormal{ miles}`, `125`, eq},
	{`\$5.00`, `5`, eq},
	{`\text{5}`, `5`, eq},
	{`10\,\mathrm{cm}`, `10`, eq},
	{`5\text{ cm}`, `6`, ne},
	{`\text{(C)}`, `C`, eq},
	{`\text{(C)}`, `(C)`, eq},
	{`\textbf{(C)}`, `\text{(C)}`, eq},
	{`\text{(C)}`, `\text{(D)}`, ne},
	{`\text{Monday}`, `monday`, eq},
	{`\text{Monday}`, `\text{ Monday }`, eq},
	{`\text{Monday}`, `\text{Tuesday}`, unsure},
	{`\text{Evelyn}`, `Evelyn`, eq},
	{`\text{no solution}`, `no solution`, eq},
	// \left, \right, \boxed, delimiters
	{`\left(x-2\right)\left(x+2\right)`, `(x-2)(x+2)`, eq},
	{`\boxed{5}`, `5`, eq},
	{`$\boxed{\frac{1}{2}}$`, `0.5`, eq},
	{`The answer is $\boxed{7}$.`, `7`, eq},
	{`$5$`, `5`, eq},
	{`$$5$$`, `5`, eq},
	{`\(5\)`, `5`, eq},
	{`\[5\]`, `5`, eq},
	{`\boxed{5}`, `6`, ne},
	// intervals
	{`(0,1]`, `\left(0, 1\right]`, eq},
	{`(0,1]`, `[0,1]`, ne},
	{`(0,1]`, `(0,1)`, ne},
	{`[2,\infty)`, `[2, \infty)`, eq},
	{`[2,\infty)`, `x \ge 2`, eq},
	{`[2,\infty)`, `(2,\infty)`, ne},
	{`(-\infty, 3)`, `x<3`, eq},
	{`(-1, 2]`, `-1 < x \le 2`, eq},
	{`(-\infty,2)\cup(3,\infty)`, `(3,\infty)\cup(-\infty,2)`, eq},
	{`(-\infty,2)\cup(3,\infty)`, `(-\infty,2]\cup(3,\infty)`, ne},
	{`x \in [-2,7]`, `[-2,7]`, eq},
	{`(\frac{3}{5},\frac{8}{3}]`, `(0.6,2.6666666667]`, eq},
	{`[0,1)`, `[0,9)`, ne},
	{`(0,9)`, `[0,9)`, ne},
	// sets
	{`\{1,2\}`, `\{2,1\}`, eq},
	{`\{1,2\}`, `\{1,3\}`, ne},
	{`\{1,2\}`, `1, 2`, eq},
	{`\{1,2\}`, `(1,2)`, unsure},
	{`\emptyset`, `\{\}`, eq},
	{`\varnothing`, `\emptyset`, eq},
	{`\{3\}`, `3`, eq},
	{`\{-1\} \cup [0,7)`, `[0,7) \cup \{-1\}`, eq},
	// tuples
	{`(1,2)`, `(1, 2)`, eq},
	{`(1,2)`, `\left(1,2\right)`, eq},
	{`(1,2)`, `(2,1)`, ne},
	{`(1,2,3)`, `(1,2)`, ne},
	{`(3,\frac{\pi}{2})`, `(3, \pi/2)`, eq},
	{`(3, \pi)`, `(3,\frac{\pi}{2})`, ne},
	{`(0.5, 2)`, `(\frac12, 2)`, eq},
	{`(1,\frac{9}{2})`, `(1,4.5)`, eq},
	// lists of numbers in order, as is_equiv compares them; another order is not confident,
	// so that an LLM judge may accept it; sets and lists of tuples are unordered
	{`1, 3`, `3, 1`, unsure},
	{`-2, 1`, `1, -2`, unsure},
	{`\{1, 3\}`, `\{3, 1\}`, eq},
	{`1, 3`, `\{3, 1\}`, eq},
	{`{1, 3}`, `3, 1`, unsure},
	{`(1,2), (3,4)`, `(3,4), (1,2)`, eq},
	{`1, 2`, `1, 2, 3`, ne},
	{`1,2`, `1, 3`, ne},
	{`x = 1, 2`, `1, 2`, eq},
	{`1, 2`, `(1, 2)`, eq},
	// matrices and vectors
	{`\begin{pmatrix}1\\2\end{pmatrix}`, `\begin{bmatrix}1\\2\end{bmatrix}`, eq},
	{`\begin{pmatrix}1&0\\0&1\end{pmatrix}`, `\begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix}`, eq},
	{`\begin{pmatrix}1&2\\3&4\end{pmatrix}`, `\begin{pmatrix}1&2\\3&5\end{pmatrix}`, ne},
	{`\begin{pmatrix}1&2\\3&4\end{pmatrix}`, `\begin{pmatrix}1&3\\2&4\end{pmatrix}`, ne},
	{`\begin{pmatrix}1\\2\end{pmatrix}`, `(1,2)`, eq},
	{`\begin{pmatrix}1&2\end{pmatrix}`, `\begin{pmatrix}1\\2\end{pmatrix}`, eq},
	{`2\begin{pmatrix}1\\2\end{pmatrix}`, `\begin{pmatrix}2\\4\end{pmatrix}`, eq},
	{`\frac{1}{5}\begin{pmatrix}1\\-18\end{pmatrix}`, `\begin{pmatrix}1/5\\-18/5\end{pmatrix}`, eq},
	{`\begin{pmatrix}0.5\\1\end{pmatrix}`, `\begin{pmatrix}\frac12\\1\end{pmatrix}`, eq},
	{`\begin{pmatrix}1&2\\3&4\end{pmatrix}`, `\begin{pmatrix}1\\2\\3\end{pmatrix}`, ne},
	{`\left[\begin{array}{cc}1 & 2 \\3 & 4\end{array}\right]`, `\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix}`, eq},
	{`\begin{pmatrix}1&2\\3&4\end{pmatrix}+\begin{pmatrix}5&6\\7&8\end{pmatrix}`, `\begin{pmatrix}6&8\\10&12\end{pmatrix}`, eq},
	{`\begin{pmatrix}1&1\\0&1\end{pmatrix}\begin{pmatrix}1&1\\0&1\end{pmatrix}`, `\begin{pmatrix}1&2\\0&1\end{pmatrix}`, eq},
	// equations
	{`x = 3`, `3`, eq},
	{`x=3`, `x = 3`, eq},
	{`3`, `x=3`, eq},
	{`y = 2x+1`, `2x+1`, eq},
	{`y = 2x+1`, `2x - y + 1 = 0`, eq},
	{`y=2x+1`, `y = 2x - 1`, ne},
	{`x = 3`, `4`, ne},
	{`k = \frac{1}{3}`, `1/3`, eq},
	{`f(x) = x^2`, `x^2`, eq},
	{`7 = 11a + c`, `11a+c`, unsure},
	{`(p,q) = (1,2)`, `(1,2)`, eq},
	{`x^2/4 + y^2/3 = 1`, `x^2/16 + y^2/12 = 1/4`, eq},
	{`2x+4y-3=0`, `y=-\frac{1}{2}x+\frac{3}{4}`, eq},
	{`x+y=1`, `x-y=1`, ne},
	{`x = 5+5+1 = 11`, `x = 11`, eq},
	{`34x+45y-20z+100=0`, `-34x-45y+20z-100=0`, eq},
	{`x = 3`, `2x = 6`, eq},
	{`x^2 = 9`, `x = 3`, ne},
	// inequalities
	{`x > 5`, `5 < x`, eq},
	{`x \geq 5`, `x >= 5`, eq},
	{`x < 1`, `-x > -1`, eq},
	{`x < 1`, `x > -1`, ne},
	{`x \le 2`, `x < 2`, ne},
	{`x \ne 3`, `x != 3`, eq},
	{`x \leq 5`, `5 \geq x`, eq},
	{`x > 5`, `x < 5`, ne},
	// scientific notation
	{`1.5\times10^{3}`, `1500`, eq},
	{`1.5e3`, `1500`, eq},
	{`1.5 \cdot 10^3`, `1500`, eq},
	{`2.5E-3`, `0.0025`, eq},
	{`1e-3`, `0.001`, eq},
	{`3.0 \times 10^8`, `3e8`, eq},
	{`1.5\times10^{3}`, `1.5\times10^{4}`, ne},
	{`6.72\times10^{-5}`, `.0000672`, eq},
	// decimals and fractions
	{`0.25`, `1/4`, eq},
	{`0.125`, `\frac{1}{8}`, eq},
	{`0.75`, `\frac{2}{3}`, ne},
	{`.35625`, `\frac{57}{160}`, eq},
	{`0.1`, `.1`, eq},
	{`3.21`, `3.210`, eq},
	{`3.21`, `3.22`, ne},
	// negatives
	{`-5`, `- 5`, eq},
	{`-5`, `5`, ne},
	{`-(3)`, `-3`, eq},
	{`-\frac{35}{9}`, `-35/9`, eq},
	{`-\frac{35}{9}`, `\frac{35}{9}`, ne},
	{`-x`, `x`, ne},
	// \cdot, \times and implicit multiplication
	{`2\cdot 3`, `6`, eq},
	{`2\times 3`, `6`, eq},
	{`2*3`, `6`, eq},
	{`a\cdot b`, `ab`, eq},
	{`2x`, `2\cdot x`, eq},
	{`2\pi`, `\pi\cdot 2`, eq},
	{`3\sqrt{2}`, `\sqrt{18}`, eq},
	{`xy`, `yx`, eq},
	{`2(x+1)`, `2x+2`, eq},
	{`(x-2)(x+2)`, `x^2-4`, eq},
	{`(a+5)(b+2)`, `ab+2a+5b+10`, eq},
	{`(a+5)(b+2)`, `(a+2)(b+5)`, ne},
	{`\frac34i`, `\frac{3}{4}i`, eq},
	// expressions with variables
	{`\frac{x+1}{2}`, `\frac{1}{2}x+\frac12`, eq},
	{`x^2+2x+1`, `(x+1)^2`, eq},
	{`x^2-1`, `(x-1)^2`, ne},
	{`\sin^2 x + \cos^2 x`, `1`, eq},
	{`\tan^2(y)+1`, `\sec^2(y)`, eq},
	{`2\sin b\cos a`, `\sin(a+b)-\sin(a-b)`, eq},
	{`\cot x`, `\frac{\cos x}{\sin x}`, eq},
	{`6r^2-4r-24`, `2(3r^2-2r-12)`, eq},
	{`x+2n+1`, `x+1`, ne},
	{`8n^2+4n+1`, `8n^2+4n-1`, ne},
	{`\frac{x+2}{7}`, `\frac{x}{7}+\frac{2}{7}`, eq},
	{`\frac{\pi r}{h+r}`, `\pi r/(r+h)`, eq},
	{`x_1 + x_2`, `x_2 + x_1`, eq},
	{`x_1 + x_2`, `x_1 + x_3`, ne},
	{`\alpha + \beta`, `\beta+\alpha`, eq},
	{`p - q`, `-(q - p)`, eq},
	{`3R^2`, `3 R^{2}`, eq},
	{`\frac{\sqrt{\sqrt{11}+\sqrt{194}}}{15+2\sqrt{33}}`, `\frac{\sqrt{\sqrt{11}+\sqrt{194}}}{2\sqrt{33}+15}`, eq},
	// functions
	{`\log_2 8`, `3`, eq},
	{`\ln(e^2)`, `2`, eq},
	{`e^{\ln 5}`, `5`, eq},
	{`\sin\frac{\pi}{6}`, `\frac12`, eq},
	{`\cos(0)`, `1`, eq},
	{`\arctan 1`, `\frac{\pi}{4}`, eq},
	{`\tan^{-1} 1`, `\frac{\pi}{4}`, eq},
	{`|-3|`, `3`, eq},
	{`\left|x\right|`, `|x|`, eq},
	{`\lfloor 3.7 \rfloor`, `3`, eq},
	{`\lceil 3.2 \rceil`, `4`, eq},
	{`5!`, `120`, eq},
	{`\binom{5}{2}`, `10`, eq},
	{`\dbinom{5}{2}`, `\binom52`, eq},
	{`\exp(0)`, `1`, eq},
	{`sqrt(2)`, `\sqrt{2}`, eq},
	{`\sin 30^\circ`, `\frac12`, eq},
	{`\cos 60°`, `0.5`, eq},
	{`\tan 45^{\circ}`, `2`, ne},
	{`f^{-1}(x) = 2x`, `2x`, eq},
	{`P(x) = x^2 + 1`, `x^2+1`, eq},
	{`1000!`, `999!`, unsure}, // beyond floating point; no exact value
	{`300!`, `300!+1`, ne},
	// complex numbers
	{`-2 + 7i`, `7i - 2`, eq},
	{`1+2i`, `1-2i`, ne},
	{`i^2`, `-1`, eq},
	{`(1+i)^2`, `2i`, eq},
	{`i`, `\sqrt{-1}`, eq},
	{`\sqrt{-4}`, `2i`, eq},
	{`\sqrt{-4}`, `-2i`, ne},
	// ±
	{`1 \pm \sqrt{19}`, `1+\sqrt{19}, 1-\sqrt{19}`, eq},
	{`1\pm\sqrt{19}`, `\{1-\sqrt{19}, 1+\sqrt{19}\}`, eq},
	{`1 \pm \sqrt{19}`, `1+\sqrt{19}`, ne},
	{`\pm 2`, `2, -2`, eq},
	{`x = \pm 3`, `3, -3`, eq},
	{`3 \pm 2\sqrt{2}`, `3 \mp 2\sqrt2`, eq},
	// numbers in a base
	{`204_5`, `204_{5}`, eq},
	{`204_5`, `204_6`, ne},
	{`204_5`, `204`, eq},
	{`204_5`, `54`, unsure},
	// integers, exactly
	{`11111111100`, `11111111101`, ne},
	{`12345678901234567890`, `12345678901234567891`, ne},
	{`12345678901234567890`, `12,345,678,901,234,567,890`, eq},
	{`070`, `70`, eq},
	// unparsable answers fall back to strings, without confidence
	{`1, 2, \ldots`, `1,2,\dots`, eq},
	{`\mathcal{O}(n)`, `\mathcal{O}(n^2)`, ne},
	{`1, 2, \dots`, `1, 2, 3, \dots`, unsure},
	{`f(2) < f(1) < f(4)`, `f(2) < f(1) < f(4)`, eq},
	{`f(2) < f(1) < f(4)`, `f(1) < f(2) < f(4)`, ne},
	{``, `5`, unsure},
	{`2`, `AZYUK2A`, unsure}, // words, not a product of variables
	{`The final answer is 5`, `5`, unsure},
	{`odd`, `\text{odd}`, eq},
	{`Bob`, `bob`, eq},
	// sentences and stray words
	{`2 and 3`, `2, 3`, eq},
	{`12 \text{ and } 13`, `12, 13`, eq},
	{`x = 2 \text{ or } x = 3`, `3, 2`, eq},
	{`(A) 5`, `A`, eq},
	{`\textbf{(A) }5`, `(A)`, eq},
	{`(B) 5`, `(A)`, ne},
	{`\approx 3.14`, `3.14`, eq},
	{`= 5`, `5`, eq},
	{`x = 5.`, `5`, eq},
}

func TestCompareOwnCases(t *testing.T) {
	t.Parallel()
	require.GreaterOrEqual(t, len(ownCases), 200)
	check(t, ownCases)
}

// TestAIME checks the integer answers of AIME, where leading zeros and ".0" do not matter.
func TestAIME(t *testing.T) {
	t.Parallel()
	check(t, []pair{
		{"070", "70", eq},
		{"70.0", "70", eq},
		{"70", "71", ne},
		{"007", "7", eq},
		{"0", "000", eq},
		{"$\\boxed{204}$", "204", eq},
		{"204", "240", ne},
		{"999", "998", ne},
	})
	for _, name := range []string{"aime24", "aime25"} {
		for _, a := range readAnswers(t, "../../benchmarks/"+name+"/test.jsonl") {
			padded := fmt.Sprintf("%03s", a)
			assert.True(t, Compare(padded, a, Options{}).Equal, "%s: %q vs %q", name, padded, a)
			assert.True(t, Compare(a+".0", a, Options{}).Equal, "%s: %q.0", name, a)
			o := Compare(a+"1", a, Options{})
			assert.True(t, !o.Equal && o.Confident, "%s: %q1 vs %q: %+v", name, a, a, o)
		}
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{`\tfrac83`, `\frac{8}{3}`},
		{`\dfrac{1}{2}`, `\frac{1}{2}`},
		{`\frac1{72}`, `\frac{1}{72}`},
		{`\sqrt3`, `\sqrt{3}`},
		{`10\text{ units}`, `10`},
		{`\$10`, `10`},
		{`10\%`, `10`},
		{`.1`, `0.1`},
		{`0.5`, `\frac{1}{2}`},
		{`1/2`, `\frac{1}{2}`},
		{`k = 3`, `3`},
		{`\left( 3, \frac{\pi}{2} \right)`, `(3,\frac{\pi}{2})`},
		{`30^\circ`, `30`},
		{`10,\!080`, `10080`},
		{`\boxed{\frac{14}{3}}`, `\frac{14}{3}`},
		{`\cot x`, `\cot x`},
		{`x \in [-2,7]`, `[-2,7]`},
		{`(1,000)`, `(1,000)`},
		{`\text{Evelyn}`, `Evelyn`},
		{"a\nb", `ab`},
		{`\\frac{1}{2}`, `\frac{1}{2}`},
		{`\begin{pmatrix} 1 \\ 2 \end{pmatrix}`, `\begin{pmatrix}1\\2\end{pmatrix}`},
	} {
		assert.Equal(t, c.want, Normalize(c.in), "Normalize(%q)", c.in)
	}
}

func TestOutcomeFields(t *testing.T) {
	t.Parallel()
	o := Compare(`\boxed{\dfrac{1}{2}}`, `0.5`, Options{})
	assert.Equal(t, Outcome{Equal: true, Confident: true, Answer: `\frac{1}{2}`, Gold: `\frac{1}{2}`, Reason: "numeric"}, o)
	o = Compare(`(1,2)`, `(2,1)`, Options{})
	assert.Equal(t, "tuple", o.Reason)
	o = Compare(`x^2`, `x^3`, Options{})
	assert.Equal(t, "symbolic", o.Reason)
	o = Compare(`\frac{1}{3}`, `0.333`, Options{RelTol: 1e-2})
	assert.True(t, o.Equal, "a looser tolerance accepts 0.333: %+v", o)
}

// TestTimeout checks that pathological inputs return, within the time bound or at once, and
// never panic.
func TestTimeout(t *testing.T) {
	t.Parallel()
	tower := strings.Repeat("2^{", 90) + "2" + strings.Repeat("}", 90)
	o := Compare(tower, "3", Options{Timeout: time.Nanosecond})
	assert.Equal(t, "timeout", o.Reason)
	assert.False(t, o.Equal)
	assert.False(t, o.Confident)

	for _, in := range []string{
		tower,
		strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000),
		strings.Repeat("x+", 4000) + "x",
		strings.Repeat(`\sqrt{`, 200) + "2" + strings.Repeat("}", 200),
		strings.Repeat(`1\pm `, 20) + "1",
		strings.Repeat("1,", 3000) + "1",
		"9^{9^{9^{9^{9}}}}",
		"10^{100000000}",
		"1e999999999",
		"100000000!",
		`\binom{1000000}{500000}`,
		`\sqrt[12]{` + strings.Repeat("9", 399) + `}`,
		strings.Repeat(`\begin{pmatrix}`, 50) + "1" + strings.Repeat(`\end{pmatrix}`, 50),
		strings.Repeat("a", maxInputLen+1),
		strings.Repeat(`\text{`, 500) + "x" + strings.Repeat("}", 500),
	} {
		o := Compare(in, in+"+1", Options{Timeout: 200 * time.Millisecond})
		assert.False(t, o.Equal, "%.40q", in)
		o = Compare(in, "2", Options{})
		assert.False(t, o.Equal, "%.40q", in)
	}
	o = Compare("9^{9^{9^{9^{9}}}}", "9^{9^{9^{9^{9}}}}", Options{})
	assert.True(t, o.Equal)
	o = Compare(strings.Repeat("a", maxInputLen+1), "a", Options{})
	assert.Equal(t, "too long", o.Reason)
}

// TestNormalizeLarge runs Normalize on large inputs of shapes that would be slow were a pass
// quadratic; it only checks that the results are sane.
func TestNormalizeLarge(t *testing.T) {
	t.Parallel()
	n := 20000
	for _, in := range []string{
		strings.Repeat(`\frac{`, n) + "1" + strings.Repeat("}{2}", n),
		strings.Repeat("(", n) + strings.Repeat("1,000", n),
		strings.Repeat(`\,`, n) + strings.Repeat(`\text{ }`, n),
		strings.Repeat(`\text{a}`, n) + strings.Repeat(".", n),
		strings.Repeat("1 and ", n) + "1",
		strings.Repeat(`\operatorname{`, n) + "x" + strings.Repeat("}", n),
		strings.Repeat("x ", n),
	} {
		out := Normalize(in)
		assert.LessOrEqual(t, len(out), 2*len(in), "%.30q", in)
	}
}

// TestBudget checks the mechanism behind the time bound: past the deadline, or past the step
// limit, a step unwinds the comparison.
func TestBudget(t *testing.T) {
	t.Parallel()
	b := &budget{deadline: time.Now().Add(-time.Second)}
	assert.PanicsWithValue(t, timeoutSignal{}, func() {
		for range 1024 {
			b.tick()
		}
	})
	b = &budget{deadline: time.Now().Add(time.Hour), steps: maxSteps}
	assert.PanicsWithValue(t, timeoutSignal{}, func() {
		for range 1024 {
			b.tick()
		}
	})
}

// TestDeepButReasonable checks that nesting of a depth real answers have parses.
func TestDeepButReasonable(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat(`\sqrt{`, 30) + "2" + strings.Repeat("}", 30)
	o := Compare(deep, "1.0000000006", Options{RelTol: 1e-9})
	assert.True(t, o.Confident, "%+v", o)
	tower := "x^{" + strings.Repeat("1^{", 19) + "1" + strings.Repeat("}", 20) // x^1
	o = Compare(tower, "x", Options{})
	assert.True(t, o.Equal && o.Confident, "%+v", o)
	list := `\{` + strings.Repeat("1, ", 200) + `2\}`
	o = Compare(list, `\{2, 1\}`, Options{})
	assert.True(t, o.Equal, "%+v", o)
}

// extractedCases are the forms answers read out of whole outputs take, and golds written as
// Math-Verify's test cases write them.
var extractedCases = []pair{
	{`7:32`, `\frac{7}{32}`, eq},
	{`S_{MBCN}:S=7:32`, `7:32`, eq},
	{`12:00`, `1:00`, unsure}, // both divide by zero
	{`AB=4,CD=5`, `4, 5`, eq},
	{`|AB|=1`, `1`, eq},
	{`a^2 + b = 0`, `0`, unsure},
	{`0<f(x)<1`, `(0,1)`, eq},
	{`1\leq|z|\leq \frac{3}{2}`, `[-\frac{3}{2}, -1] \cup [1, \frac{3}{2}]`, eq},
	{`p=5,q=2;p=7,q=2`, `(5,2),(7,2)`, eq},
	{`(0;0;0),(0;-2;0)`, `(0,-2,0),(0,0,0)`, eq},
	{`{35, 4}`, `\{4, 35\}`, eq},
	{`a=4,\,-8,\,-10`, `-10,-8,4`, eq},
	{`19, 46, and 82`, `19, 46, \text{ and } 82`, eq},
	{`(11,7)or(7,11)`, `(7,11),\ (11,7)`, eq},
	{`x_{1}=2,\quadx_{2}=3`, `\{3, 2\}`, eq},
	{`14 {, }916`, `14916`, eq},
	{`F_n = \sum_{k=0}^{n-1} F_k F_{n-k-1}`, `F_n = \sum_{k=0}^{n-1} F_{n-k-1} F_k`, eq},
	{`F_n = \sum_{k=0}^{n-1} F_k F_{n-k-1}`, `F_n = \sum_{k=0}^{n-2} F_k F_{n-k-2}`, unsure},
	{`\sum_{k=1}^{4} k`, `10`, eq},
	{`1 = \zzz = x = 0`, `0`, eq},
}

func TestCompareExtractedForms(t *testing.T) {
	check(t, extractedCases)
}

func TestResultSide(t *testing.T) {
	opt := Options{ResultSide: true}
	assert.True(t, Compare(`\frac{1}{2} = \frac{10}{9}`, `10/9`, opt).Equal, "the answer's last side")
	assert.False(t, Compare(`\frac{1}{2} = \frac{10}{9}`, `10/9`, Options{}).Equal, "without it, a number is no name")
	assert.False(t, Compare(`11a+c`, `7 = 11a+c`, opt).Equal, "never the gold's")
	assert.True(t, Compare(`x = 5+5+1 = 7 = 11`, `x = 11`, opt).Equal)
}

func TestParsesAndNumber(t *testing.T) {
	for s, want := range map[string]bool{`x \geq 5`: true, `\frac{1}{2}`: true, `(3, \frac{\pi}{2})`: true,
		"The answer is 5": false, `\text{Evelyn}`: false, "": false, "It is 1/3 of 9 apples": false} {
		assert.Equal(t, want, Parses(s), s)
	}
	for s, want := range map[string]float64{`\frac{1}{2}`: 0.5, `2\sqrt{4}`: 4, "1,000": 1000, `50\%`: 50} {
		got, ok := Number(s)
		assert.True(t, ok, s)
		assert.InDelta(t, want, got, 1e-12, s)
	}
	for _, s := range []string{"x + 1", "1, 2", `\sqrt{-1}`, "words"} {
		_, ok := Number(s)
		assert.False(t, ok, s)
	}
}
