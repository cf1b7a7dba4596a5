// Package judges grades answers: answer extraction, rule judges (math equivalence, MathVista's
// official normalisation, multiple choice, exact match, token F1, numeric tolerance …), the LLM
// judge and the rule-first cascade. It owns nothing about running models or writing results.
//
// A suite's judge section (tasks.JudgeSpec) names a kind; New builds it, Check positions what
// is wrong with it, and ID gives it a stable identity that results record. Each rule judge
// first runs its extractors (Extract: strip_think, answer_tag, answer_is, boxed, latex,
// expression, last_number; DefaultExtract gives each kind's chain, the math one at
// Math-Verify's level), then grades the extracted answer the way the benchmark's official
// scorer does:
//
//   - mathvista: lupantech/MathVista calculate_score.py, with CPython's float(), int(),
//     round() and str() reproduced to the bit; with extract: [llm], MathVista's own LLM
//     extraction first (mathVistaLLM);
//   - mathvista-vlmevalkit: VLMEvalKit's MathVista path (mathVistaVLMEvalKit);
//   - choice: VLMEvalKit's can_infer, "Z" when no option is named;
//   - vstar: DeepEyes' V* rule (gradeVStar);
//   - mme-realworld: the letter rule of MME-RealWorld and TreeBench in VLMEvalKit
//     (gradeMMERealWorld);
//   - em, subem, f1: SQuAD normalisation, as MMSearch and MMSearch-R1 score;
//   - anls: DocVQA's ANLS; bleu1, rougeL: MMSearch's requery metrics (NLTK, pltrdy/rouge);
//   - math: mathequiv; numeric, exact, contains, regex: plain rules;
//   - llm: an LLM judge (below).
//
// docs/judges.md says how each follows its source, and where it departs from it on purpose.
//
// Every Verdict says whether its "no" can be trusted (Confident), so that a cascade asks an
// LLM judge only about the rest.
//
// The llm kind is an LLM judge on any OpenAI-compatible endpoint (its own model, base URL and
// key variable, never the model under test's): a prompt template shipped in prompts/ or a
// custom one, asked at temperature 0. realx's own templates (equivalence, simpleqa, option)
// have their verdict read from the last verdict token of the reply, the model's answer fenced
// between markers with anything in it that looks like a marker or a verdict neutralised; the
// seed systems' own (verify, vstar, simpleqa-official, vlmevalkit-option, webwatcher; see Templates) are
// verbatim, their replies read as their sources read them.
// Failed requests and replies with no verdict are asked again a bounded number of times; then
// the judge fails with an error, which callers record as a judge failure, never as a wrong
// answer. Verdicts are cached (Cache, FileCache) by the judge's identity, the question, the
// golds and the answer, so that grading again asks nobody.
//
// A spec with steps is a cascade (see tasks.JudgeSpec): the first confident verdict decides;
// under strategy llm_recall a later step is asked whenever no step before it passed, and the
// higher verdict is kept. An LLM judge whose replies hold no verdict fails with ErrNoVerdict.
// Every verdict carries the judge's ID (for a cascade, the whole cascade's) and the step that
// decided; ID hashes everything that decides verdicts, so a run can be graded again with only
// the samples whose judge changed (`realx rejudge`).
package judges
