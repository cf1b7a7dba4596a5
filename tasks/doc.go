// Package tasks owns the suite schema: strict YAML loading with every error at once and its
// position, the dataset loaders (JSONL, JSON, CSV), image references (and the fetching of
// image URLs), and prompt templates. It runs no model and grades nothing.
//
// # Loading
//
// LoadFile and LoadFS decode a suite strictly: an unknown key, a value of the wrong type, an
// out-of-range value and a template that does not parse are each reported at their line and
// column, all of them in one Errors value, as "suite.yaml:12:5: message". The suite is
// returned along with its problems whenever the YAML itself parses, so that other packages
// can check their own parts (judge kinds, agent protocols and tools, which this package leaves
// alone) through Suite.Errorf and everything is printed at once.
//
// Suite.Samples reads the data file; its problems are positioned in the data file
// ("test.jsonl:17: duplicate id "9" (first at line 3)"): a record that cannot be mapped, one
// with no gold answer or, when the suite maps image fields, no image, and one whose prompt
// cannot be rendered (the first few, then a count). When the suite file's data section has a
// problem itself, Suite.CanReadData is false and the data is best not read. Images are read
// only when a sample runs (ImageRef.Read; ImageRef.Check stats a file without reading it),
// and Suite.Render puts a sample into the prompt templates.
//
// # The suite file
//
// A suite is one YAML mapping; every key but name, data.path and judge.kind may be left out.
// An annotated example:
//
//	schema: 1                  # the schema version; 1 when left out
//	name: chartqa-mini         # required: lowercase letters, digits, '.', '_', '-'
//	version: "2"               # free text, recorded with each run
//	description: Charts and tables, with a zoom tool.
//
//	capabilities:              # the taxonomy reports group by; when declared, every
//	  - name: perception       # sample's capability must be one of these names, or a
//	    description: read a value off the chart    # "+" join of them ("perception+math")
//	  - name: math
//
//	data:
//	  path: data/test.jsonl    # required; relative to this file and beneath its directory
//	  format: jsonl            # jsonl | json | csv; taken from the extension when left out
//	  image_root: data/images  # relative image paths resolve here (relative to this file,
//	                           # beneath its directory); the data file's directory when left
//	                           # out; --image-root overrides
//	  capability: perception   # the capability of records that have none
//	  images_optional: false   # true lets a record's image fields be null or "" (otherwise an
//	                           # error: a lost image); a record without them has no image
//	  fields:                  # where a Sample's fields are in a record: dotted paths
//	    id: pid                # "id" when left out; the object key for a JSON object of
//	                           # records; "#" numbers the records 0, 1, … in file order
//	    question: query        # "question" when left out; required in every record
//	    answer: answer         # "answer" when left out; a string, a number (kept as written:
//	                           # 27.0 stays "27.0"), or a list (the first is the answer, the
//	                           # rest are alternatives); a record without one is an error.
//	                           # answer: "" says the records carry no gold answer (a warning)
//	    alternatives: aliases  # further acceptable answers: a string or a list (none when left out)
//	    choices: options       # the options of a multiple-choice question: a list (none when left out)
//	    images: [image, extra_images]  # fields holding an image reference or a list of them:
//	                           # a path, an http(s) URL, a data URL or bare base64 (see
//	                           # Files and URLs below)
//	    capability: meta.skill # a string, or a list joined with "+" (data.capability when left out)
//	    metadata: [meta, level]  # what the sample keeps as metadata: an object's keys are merged
//	                           # in, another value is kept under the path's last segment; when
//	                           # left out, every top-level field not mapped above, by its name
//
//	prompt:                    # Go text/template, seeing .ID, .Question, .Choices (.Letter,
//	                           # .Text), .Metadata, .Images (a count), .Capability; never the
//	                           # answer. When user is left out: the question, then a line
//	                           # "A. text" a choice. With no {{image N}}, images come first.
//	                           # A range goes over a field of the data, never inside another
//	                           # range; no define, block or template; at most 4 MiB rendered
//	  system: You are a careful analyst.     # no system message when left out
//	  user: |
//	    {{image 1}}
//	    {{.Question}}
//	    {{range .Choices}}{{.Letter}}. {{.Text}}
//	    {{end}}Answer with the option's letter.
//	  verbatim: false          # true sends the user text as rendered: blank lines and the space
//	                           # around it kept (DeepEyes' V* prompt ends with a blank line)
//
//	generation:                # sampling parameters; one left out is not sent
//	  temperature: 0           # ≥ 0
//	  top_p: 1                 # in (0, 1]
//	  max_tokens: 4096         # ≥ 1
//	  seed: 7
//	  stop: ["</answer>"]
//	  stream: false            # ask for a server-sent-event stream
//	  extra: {top_k: 20}       # merged into the request body as it is (what JSON can hold)
//
//	images:                    # how images are prepared before they are sent
//	  max_pixels: 1003520      # in [0, 67108864]; larger images are scaled down (0: no limit)
//	  min_pixels: 3136         # in [0, 67108864], and ≤ max_pixels when both are set
//	  factor: 28               # in [0, 256]; sides are rounded to a multiple of it
//	  detail: high             # low | high | auto, or left out
//	  filter: bicubic          # bicubic | bilinear: the resize's filter (deepeyesv2's default: bilinear)
//	  quality: 95              # in [0, 100]: a resized JPEG's quality (0: 95; deepeyesv2's default: 75)
//	  tools: sent              # sent | original: the image the tools work on (default: the one sent)
//
//	judge:                     # checked further by package judges; see Judging below
//	  kind: choice             # required, unless the judge is a cascade of steps
//	  extract: [answer_tag, boxed]
//	  rel_tol: 0.01            # ≥ 0
//	  abs_tol: 0               # ≥ 0
//	  pattern: ""              # the regex judge's expression
//	  threshold: 0.5           # the pass mark of scored judges
//	  case_sensitive: false
//
//	agent:                     # checked further by package runners; left out: one model turn
//	  protocol: deepeyes       # native | hermes | deepeyesv2 | deepeyes | r1v4
//	  tools: [image_zoom_in_tool]
//	  max_turns: 6             # in [0, 100] (0: the runner's default)
//	  max_tool_calls: 10       # in [0, 1000] (0: no limit)
//	  max_tokens: 32768        # in [0, 10000000]: prompt and completion tokens of all turns
//	  timeout: 5m              # a Go duration in [0s, 2h]: the wall time of a sample
//	  on_no_action: stop       # stop | reprompt | retry
//	  system: deepeyes         # a shipped template's name, or a template's text (empty: the protocol's)
//	  user: deepeyes           # wraps the question: a shipped template's name, or a template's text
//	  python:                  # the python tool (zero: its defaults)
//	    timeout: 60s           # one call's wall time, in [0s, 10m]
//	    memory_mb: 4096        # in [0, 16384]: 16 GiB at most
//	    max_images: 10         # images one call returns, in [0, 50]
//	    drop_blank_images: true  # drop all-white images (unset: deepeyesv2 drops them)
//	    mode: deepeyesv2       # deepeyesv2 | realx: how the sandbox behaves (default: the protocol's)
//	  on_call_error: stop      # continue | stop: after a failed call (default: the protocol's)
//	  crop: pil                # pil | clamp: how the image tools crop (default: the protocol's)
//
//	search:                    # how the search tools are answered (docs/search.md); the flags override it
//	  provider: serper         # serper | serpapi | brave | tavily | jina | searxng (empty: the corpus)
//	  corpus: corpus/c.jsonl   # an offline corpus: JSON Lines of {id, title, url, text, images}
//	  store: store             # a search store shipped with the suite, replayed read-only
//
//	repeats: 8                 # in [0, 10000]: run each sample 8 times (0 or left out: once);
//	                           # --repeats overrides
//
// YAML anchors, aliases and merge keys (<<: *defaults) may be used; top-level keys that start
// with "x-" are not read, so they can hold anchors. Aliases are expanded when the file is
// read: all of them together may copy at most 10000 values (more is an alias bomb), and an
// alias may not stand inside the value it names; either is an error at the alias. A key may
// appear once in a mapping.
//
// The upper bounds (MaxAgentTurns … MaxRepeats) are ones no real benchmark needs to exceed:
// a published suite cannot lift the sandbox's limits or the agent's budgets.
//
// # Files and URLs
//
// A suite reads files only beneath its own directory: data.path, data.image_root, a judge's
// template_file, search.corpus, search.store and relative image paths may not be absolute or climb above it with "../",
// and a symlink that leads out of it is not followed (os.Root). file: URLs are refused. The
// image root (--image-root, Suite.SetImageRoot), a directory the user names, is read from
// too: relative image paths resolve beneath it, and an absolute image path is read when it
// lies beneath the image root or the suite's directory. A refused path is an error whose
// cause is ErrOutside: in the suite file, or the data file, at its line and field when the
// path is refused whatever the image root (a "../" out of it, a file: URL), else when the
// image is read (an absolute path outside, a symlink out).
//
// Image URLs are fetched without a proxy, under the caller's context, with a timeout for the
// connection (10s), the TLS handshake (10s), the response headers (30s) and the whole
// request (2m), at most 5 redirects and 64 MiB (MaxImageBytes). Every address connected to
// is checked after DNS answered, the redirects' included, so a name rebound to 127.0.0.1 is
// caught: loopback, private (RFC 1918, fc00::/7), link-local (the 169.254.169.254 metadata
// service), unspecified, multicast, shared (100.64.0.0/10) and reserved addresses are refused
// unless the suite allows them (Suite.AllowPrivateURLs, realx run --allow-private-urls).
//
// # Judging
//
// The judge section names one judge (a kind and its parameters) or a cascade: a list of steps
// tried in order, each a judge of its own. A step decides when its verdict is confident (every
// pass, and a fail the rule can vouch for, such as a cleanly parsed wrong number); otherwise
// the next step is asked, and when no step is confident the last one's verdict stands. So rule
// steps come first and an LLM judge last, asked only about what the rules could not settle.
// Each verdict records the step that decided ("math", "llm:equivalence", or the step's name).
//
//	judge:
//	  extract: [strip_think, answer_tag, boxed]  # the extractors of every step that names none
//	  steps:
//	    - kind: math             # a rule judge, with its parameters (rel_tol …)
//	    - kind: llm              # an LLM judge on any OpenAI-compatible endpoint
//	      name: grader           # how verdicts and reports name the step (default: llm:TEMPLATE)
//	      template: equivalence  # a shipped prompt: equivalence (\boxed{Yes}/\boxed{No}),
//	                             # simpleqa (correct / incorrect / not attempted), option
//	                             # (the option a free answer chooses, or Z); or a seed
//	                             # system's own, verbatim: verify, vstar, simpleqa-official,
//	                             # vlmevalkit-option (docs/judges.md)
//	      model: Qwen2.5-72B-Instruct    # --judge-model overrides
//	      base_url: http://localhost:8000/v1   # --judge-base-url overrides
//	      api_key_env: JUDGE_API_KEY     # the variable's NAME, never the key; --judge-api-key-env
//	      max_tokens: 2048       # ≥ 1; the endpoint's default when left out
//	      retries: 3             # in [0, 20]: a failed request or a reply with no verdict is
//	                             # asked again
//
// Instead of template, an LLM step may give template_file: a Go text/template relative to
// this file, seeing .Question, .Answer (the model's answer, fenced between markers), .Response
// (the answer as it is), .Gold, .Alternatives, .Golds, .GoldOption ("B. text"), .Choices
// (.Letter, .Text), .Letters, .CJK and .Metadata, with verdict: the name of a shipped template
// saying how its reply is read (equivalence when left out). It follows the rules of prompt
// templates: a range over a field, none inside another, no define, block or template, at most
// 4 MiB rendered. So do the agent's system and user templates of the suite's own text. The
// judge is asked at temperature 0. A step may not hold steps of its own; kind may be left out
// of a cascade, or written as cascade.
//
// A cascade's strategy says how its steps are asked: confident (the default, above), or
// llm_recall, EvalScope's: the first step grades every answer, and each later step is asked
// whenever no step before it passed the answer (a confident fail too), the higher verdict kept
// (a pass over a fail, then the higher score). An LLM can recall a rule's fail, never fail what
// a rule passed; a reply with no verdict is a judge failure, left out of the scores.
//
//	judge:
//	  strategy: llm_recall
//	  steps:
//	    - kind: math
//	    - {kind: llm, template: equivalence, model: Qwen2.5-72B-Instruct}
//
// The mathvista kinds may end their extract list with llm, their LLM extraction step, and
// then read model, base_url, api_key_env, max_tokens and retries as an LLM step does:
//
//	judge:
//	  kind: mathvista            # or mathvista-vlmevalkit
//	  extract: [llm]             # MathVista's own extraction prompt, then its normalisation
//	  model: gpt-4-0613
package tasks
