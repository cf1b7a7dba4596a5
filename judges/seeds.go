package judges

import (
	"encoding/json"
	"hash/fnv"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"

	"github.com/realx-bench/realx/tasks"
)

// This file reads the replies to the seed systems' own judge prompts (prompts/verify.tmpl,
// vstar.tmpl, simpleqa-official.tmpl, vlmevalkit-option.tmpl, and the MathVista extraction
// prompts) the way their sources read them. An empty reply is asked again everywhere (the
// sources would read it as a "no"); otherwise each rule is its source's.

// parseVerify reads a reply to DeepEyesV2's verify.md as its judge_result does: the text after
// the last "<最终结果>" up to "<\最终结果>", then, if it holds "boxed", the text after the last
// "boxed" up to the first "}"; the answer passes when that holds "yes" in any case. Every
// reply but an empty one is a verdict.
func parseVerify(reply string, _ *tasks.Sample) (Verdict, bool) {
	r := strings.TrimSpace(reply)
	if r == "" {
		return Verdict{}, false
	}
	if i := strings.LastIndex(r, "<最终结果>"); i >= 0 {
		r = strings.TrimSpace(r[i+len("<最终结果>"):])
		r, _, _ = strings.Cut(r, `<\最终结果>`)
		r = strings.TrimSpace(r)
	}
	if i := strings.LastIndex(r, "boxed"); i >= 0 {
		r, _, _ = strings.Cut(strings.TrimSpace(r[i+len("boxed"):]), "}")
		r = strings.TrimSpace(r)
	}
	return consistency(strings.Contains(strings.ToLower(r), "yes")), true
}

// parseVStar reads a reply to DeepEyes' V* judge as its judge_result.py does: after the last
// "Judgement:", a 1 anywhere passes and else a 0 fails; a reply without "Judgement:" must be
// exactly 1 or 0. Anything else is no verdict (DeepEyes counts it a fail, with a warning).
func parseVStar(reply string, _ *tasks.Sample) (Verdict, bool) {
	r := strings.TrimSpace(reply)
	if i := strings.LastIndex(r, "Judgement:"); i >= 0 {
		r = strings.TrimSpace(r[i+len("Judgement:"):])
		switch {
		case strings.Contains(r, "1"):
			r = "1"
		case strings.Contains(r, "0"):
			r = "0"
		}
	}
	switch r {
	case "1":
		return Verdict{Pass: true, Score: 1, Confident: true, Reason: "Judgement: 1"}, true
	case "0":
		return Verdict{Confident: true, Reason: "Judgement: 0"}, true
	}
	return Verdict{}, false
}

// firstGradeRe finds simple-evals' grade: the first A, B or C anywhere in the reply.
var firstGradeRe = regexp.MustCompile(`A|B|C`)

// parseFirstGrade reads a reply to SimpleQA's published grader as simple-evals does: the first
// A, B or C anywhere in it (case matters: "CORRECT" is a C), and C, not attempted, when there
// is none.
func parseFirstGrade(reply string, s *tasks.Sample) (Verdict, bool) {
	if strings.TrimSpace(reply) == "" {
		return Verdict{}, false
	}
	letter := firstGradeRe.FindString(reply)
	if letter == "" {
		letter = "C"
	}
	return parseGrade(letter, s)
}

// parseExtraction reads the reply to MathVista's extraction prompt: the answer it extracted,
// trimmed, as GPT_Model.get_response returns it; an empty reply is asked again, as there.
func parseExtraction(reply string, _ *tasks.Sample) (Verdict, bool) {
	r := strings.TrimSpace(reply)
	return Verdict{Extracted: r, Reason: "extracted by the LLM"}, r != ""
}

// parseAnyReply reads the reply to VLMEvalKit's MathVista extraction prompt: whatever it is,
// as MathVista_auxeval takes it.
func parseAnyReply(reply string, _ *tasks.Sample) (Verdict, bool) {
	return Verdict{Extracted: reply, Reason: "extracted by the LLM"}, true
}

// vlmevalkitOption is VLMEvalKit's option matching (extract_answer_from_item in
// vlmeval/dataset/utils/multiple_choice.py, as DeepEyesV2 ships it): can_infer on the answer
// first, asking nobody when it names an option or "Z"; else the matcher prompt, whose reply
// can_infer reads, three tries; then a random option among the letters and Z. An option is a
// confident verdict; Z (no option) is a fail that is not confident, for DeepEyesV2's verify.md
// step to settle.
var vlmevalkitOption = verdictRule{
	parse: func(reply string, s *tasks.Sample) (Verdict, bool) {
		letter, _ := canInfer(reply, s.Choices)
		if letter == "" {
			return Verdict{}, false
		}
		return optionVerdict(s, letter, "option by the matcher"), true
	},
	needsChoices: true,
	prefetch: func(s *tasks.Sample, answer string) (Verdict, bool) {
		letter, how := canInfer(answer, s.Choices)
		if letter == "" {
			return Verdict{}, false
		}
		return optionVerdict(s, letter, "option by can_infer ("+how+")"), true
	},
	tries: 3,
	exhausted: func(s *tasks.Sample) Verdict {
		return optionVerdict(s, randomOption(s), "random option: the matcher named none in 3 tries")
	},
}

// optionVerdict is the verdict on the option letter chosen for s: a pass when it is a gold
// option, a confident fail for another option, and for Z a fail that is not confident.
func optionVerdict(s *tasks.Sample, letter, reason string) Verdict {
	if letter == noOption && len(s.Choices) < 26 {
		return verdict(false, false, noOption, reason)
	}
	gold, _ := goldLetters(s) // checked by the judge
	for _, g := range gold {
		if g == letter {
			return verdict(true, true, letter, reason)
		}
	}
	return verdict(false, true, letter, reason)
}

// randomSeed is the seed of the random option: VLMEvalKit's (rd.seed(2680) in
// vlmeval/utils/result_transfer.py).
const randomSeed = 2680

// randomOption draws VLMEvalKit's last-resort option for s: one of its letters, or Z when no
// option is called Z. The draw is seeded with randomSeed and the sample's ID and question, so
// that grading again draws the same option, whatever the order samples are graded in.
func randomOption(s *tasks.Sample) string {
	h := fnv.New64a()
	h.Write([]byte(s.ID))
	h.Write([]byte{0})
	h.Write([]byte(s.Question))
	r := rand.New(rand.NewPCG(randomSeed, h.Sum64()))
	options := make([]string, 0, len(s.Choices)+1)
	for i := range s.Choices {
		options = append(options, tasks.Letter(i))
	}
	if len(s.Choices) < 26 {
		options = append(options, noOption)
	}
	return options[r.IntN(len(options))]
}

// letterIndex returns the index of the option with letter l (tasks.Letter's inverse).
func letterIndex(l string) int {
	n := 0
	for _, c := range l {
		n = n*26 + int(c-'A') + 1
	}
	return n - 1
}

// webWatcherCorrectRe finds a "correct: yes" (or no) line, as HLE's judge replies without JSON.
var webWatcherCorrectRe = regexp.MustCompile(`(?im)^[\s*"]*correct[\s*"]*:[\s*"]*(yes|no)\b`)

// parseWebWatcher reads a reply to WebWatcher's judge as evaluate_hle_official.py does: the
// "correct" field of the JSON object it asks for (a fenced or bare object; the outermost
// braces), which passes when it is y, yes, true or positive; a reply without that object may
// give it as a "correct: yes" line, as HLE's judge does. Anything else is no verdict (the
// source asks again, up to 100 times).
func parseWebWatcher(reply string, _ *tasks.Sample) (Verdict, bool) {
	verdict := func(correct string) Verdict {
		c := strings.ToLower(strings.TrimSpace(correct))
		if slices.Contains([]string{"y", "yes", "true", "positive"}, c) {
			return Verdict{Pass: true, Score: 1, Confident: true, Reason: "correct: " + c}
		}
		return Verdict{Confident: true, Reason: "correct: " + c}
	}
	if i, j := strings.Index(reply, "{"), strings.LastIndex(reply, "}"); i >= 0 && j > i {
		var obj struct {
			Correct *string `json:"correct"`
		}
		if json.Unmarshal([]byte(reply[i:j+1]), &obj) == nil && obj.Correct != nil {
			return verdict(*obj.Correct), true
		}
	}
	if m := webWatcherCorrectRe.FindAllStringSubmatch(reply, -1); m != nil {
		return verdict(m[len(m)-1][1]), true
	}
	return Verdict{}, false
}
