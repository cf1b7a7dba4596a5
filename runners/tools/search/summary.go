package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/search/provider"
	"github.com/realx-bench/realx/tasks"
)

// DefaultSummaryPrompt is the prompt a Summarizer sends when it has none of its own: {url},
// {title} and {text} are replaced by the page's. It is realx's own wording of what
// Skywork-R1V4 and MMSearch-R1 describe (a long page condensed by Qwen3-32B before the agent
// reads it); their prompts were not published.
const DefaultSummaryPrompt = `You are reading a web page for a researcher who is answering a question.
Summarize the page below in at most 400 words. Keep every fact that could answer a question
about it: names, dates, numbers, places, definitions, quotations and what they refer to. Add
nothing that is not on the page, and say so if the page is an error page or has no content.

URL: {url}
Title: {title}

Page:
{text}`

// Summarizer condenses long pages with a model, for web_visit. Its summaries are recorded like
// any other answer, keyed by the page's text, Name, Generation and Prompt: a replay needs the
// same Summarizer settings to find them (and a web_visit without a Summarizer cuts pages
// instead), but never calls its Model, which may then be nil.
type Summarizer struct {
	Model runners.Model
	// Name identifies the model in keys and records ("qwen3-32b"): never a URL or a key.
	Name string
	// Prompt is the template ({url}, {title}, {text}); "" is DefaultSummaryPrompt.
	Prompt string
	// Generation are the request's settings; nil fields are the endpoint's defaults.
	Generation tasks.Generation
	// MaxInputTokens cuts a page before it is sent (about); 0 means 24,000.
	MaxInputTokens int
}

// prompt returns the template in use.
func (s *Summarizer) prompt() string {
	if s.Prompt == "" {
		return DefaultSummaryPrompt
	}
	return s.Prompt
}

// Identity is the summarizer as keys and manifests hold it: its name and generation settings,
// "qwen3-32b {\"temperature\":0}".
func (s *Summarizer) Identity() string {
	g, _ := json.Marshal(s.Generation)
	return s.Name + " " + string(g)
}

var thinkRe = regexp.MustCompile(`(?s)<think>.*?</think>`)

// Summarize asks the model for a summary of p. A failed request is an error (the endpoint's,
// never the page's); an empty summary too.
func (s *Summarizer) Summarize(ctx context.Context, p *provider.Page) (string, error) {
	limit := s.MaxInputTokens
	if limit <= 0 {
		limit = 24000
	}
	text, _ := CutTokens(p.Text, limit)
	prompt := strings.NewReplacer("{url}", p.URL, "{title}", p.Title, "{text}", text).Replace(s.prompt())
	resp, err := s.Model.Chat(ctx, &runners.ChatRequest{
		Messages:   []runners.Message{runners.TextMessage(runners.RoleUser, prompt)},
		Generation: s.Generation,
	})
	if err != nil {
		return "", fmt.Errorf("page summary by %s: %w", s.Name, err)
	}
	out := resp.Content
	if i := strings.Index(out, "</think>"); i >= 0 && !strings.Contains(out[:i], "<think>") {
		out = out[i+len("</think>"):] // a server that strips the opening tag
	}
	out = strings.TrimSpace(thinkRe.ReplaceAllString(out, ""))
	if out == "" {
		return "", errors.New("page summary by " + s.Name + ": the model answered with no text")
	}
	return out, nil
}

// Tokens estimates how many tokens text is for a model: a CJK character and a punctuation mark
// count one each, a word one per four bytes, rounded (one at least). It runs within about a third
// of BPE tokenizers' counts on English and Chinese prose, and is the same on every machine.
func Tokens(text string) int {
	n := 0
	word := 0
	flush := func() {
		n += wordTokens(word)
		word = 0
	}
	for _, r := range text {
		switch {
		case unicode.IsSpace(r):
			flush()
		case isCJK(r) || unicode.IsPunct(r) || unicode.IsSymbol(r):
			flush()
			n++
		default:
			word += utf8.RuneLen(r)
		}
	}
	flush()
	return n
}

// wordTokens is the estimate of a word of n bytes.
func wordTokens(n int) int {
	if n == 0 {
		return 0
	}
	return max(1, (n+2)/4)
}

// isCJK reports whether r is a Han, Hiragana, Katakana or Hangul character.
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// CutTokens returns text cut to at most n tokens (Tokens), at a space when there is one near
// the end, and whether it cut.
func CutTokens(text string, n int) (string, bool) {
	count, word := 0, 0
	for i, r := range text {
		switch {
		case unicode.IsSpace(r):
			count += wordTokens(word)
			word = 0
		case isCJK(r) || unicode.IsPunct(r) || unicode.IsSymbol(r):
			count += wordTokens(word) + 1
			word = 0
		default:
			word += utf8.RuneLen(r)
		}
		if count+wordTokens(word) > n {
			cut := text[:i]
			if j := strings.LastIndexAny(cut, " \n\t"); j > len(cut)*9/10 {
				cut = cut[:j]
			}
			return strings.TrimRight(cut, " \n\t"), true
		}
	}
	return text, false
}
