// Package mathequiv owns the equivalence of mathematical answers: it decides whether a model's
// LaTeX or plain-text answer denotes the same mathematical object as a gold answer, following the
// conventions of the MATH benchmark's is_equiv (hendrycks/math) and of Math-Verify. It depends on
// the standard library only and knows nothing of models, runs or judges.
//
// Normalize does the string step alone: it unwraps \boxed{} and $…$, removes \left and \right,
// spacing commands, degree, percent and dollar signs, units (\text{ cm}, "125 miles") and
// thousands separators (1,000 and 10,\!080, but not inside (1,000) or \{1,000\}), rewrites
// \dfrac and \tfrac to \frac, braces \frac12 and \sqrt2, rewrites a/b to \frac{a}{b}, removes
// spaces and a short "x =" prefix.
//
// Compare then parses both sides into one of: a number or expression; a list "1, 3" (the MATH
// way of giving all solutions; "{1, 3}" in bare braces too; "p=5, q=2; p=7, q=2" is a list of
// two lists); a set \{1, 3\}; an ordered tuple (1, 3); an interval (0, 1] or a union of
// intervals and sets; a matrix or vector; a relation (x = 3, 2x + y = 1, -1 < x \le 2); or words
// (\text{Evelyn}, choice letters such as (C)). Answers with ± denote the set of their variants.
// A ratio 7:32 is a quotient; a sum \sum_{k=a}^{b} is added up when its bounds are integers, and
// otherwise compared with another sum by its bounds and summand. The parsed forms are compared
// as follows.
//
//   - Two lists of numbers are compared in order, as the MATH benchmark's is_equiv compares
//     them; the same numbers in another order are a fail that is not confident. Sets, lists of
//     tuples or relations, and a list against a set are compared as sets.
//   - Numbers written without decimals (integers, fractions, roots and powers that are rational)
//     are compared exactly, so 11111111100 ≠ 11111111101. Numbers with a decimal or scientific
//     literal, and irrational numbers, are compared within Options.RelTol (Options.AbsTol near 0).
//   - Expressions with variables are evaluated at seven seeded points per variable, drawn from
//     [0.35, 2.85] (positive reals), in complex arithmetic; they are equal when they agree at every
//     point where both are defined, at least three. i is the imaginary unit, e Euler's number.
//   - An equation equals another when the differences of their sides are proportional (y = 2x + 1
//     and 2x − y + 1 = 0); an inequality when they are positively proportional (x < 1 and
//     −x > −1). "x = 3" equals "3" when a side before the last names the unknown (x, f(x),
//     (p, q), or names alone such as AB, |AB|, \frac{NO}{BO}); a list on its last side is the
//     set of the unknown's values. With Options.ResultSide, an answer's chain of equalities
//     stands for its last side whatever its first. An inequality in one variable (or in f(x))
//     equals the interval it denotes, a ≤ |x| ≤ b the union of two.
//   - An integer followed by a proper fraction is a mixed number (137 \frac{1}{2} = 275/2), as in
//     the MATH data. 50\% equals 50 (percent signs are dropped, as is_equiv does), 30^\circ
//     equals 30 (degree signs are dropped, except inside trigonometric functions, where they are
//     π/180). 204_5 is the digits 204 in base 5: equal to 204_5 and to 204, not to 54.
//   - A row vector equals the column vector of the same entries, and a tuple.
//
// Outcome.Confident is true when both sides parsed cleanly, so that a false Equal means really
// different; it is false when either side fell back to normalised strings, when the kinds differ
// (a tuple against a set), for words other than choice letters, and at the time bound, so that an
// LLM judge may decide.
//
// Compare is safe on hostile input: answers longer than 10,000 bytes are not parsed; nesting,
// tokens, matrix sizes, ± signs, list lengths, exact-arithmetic sizes (bits, exponents,
// factorials) are bounded; floating point does the rest without allocation; and a deadline
// (Options.Timeout) and a step limit are checked in every loop. It never panics and starts no
// goroutine.
package mathequiv
