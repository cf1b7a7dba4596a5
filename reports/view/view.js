// The viewer of realx runs. It reads the page's data from a JSON script element and builds
// the page with DOM methods and textContent only: no text of the data is ever parsed as HTML,
// so nothing a model wrote can run (the page's Content-Security-Policy and Trusted Types
// forbid it besides). Samples are drawn a page at a time, their details on demand.
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('realx-data').textContent);
  var PAGE = 100;
  var IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp'];
  var HASH = /^[0-9a-f]{64}$/;

  // el makes an element of class cls holding kids: strings become text nodes.
  function el(tag, cls) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    for (var i = 2; i < arguments.length; i++) {
      var k = arguments[i];
      if (k === null || k === undefined || k === false) continue;
      e.append(typeof k === 'object' ? k : String(k));
    }
    return e;
  }

  function pre(text, cls) {
    return el('pre', cls || 'text', text);
  }

  function labelled(label, node, cls) {
    return el('div', 'labelled ' + (cls || ''), el('div', 'label', label), node);
  }

  function ms(n) {
    if (!n) return '0 s';
    return (n / 1000).toFixed(n < 10000 ? 2 : 1) + ' s';
  }

  function tokens(u) {
    if (!u) return '';
    return u.total + ' tokens (' + u.prompt + ' in, ' + u.completion + ' out)';
  }

  // Images are held in script elements of their own, read when first shown.
  var sources = new Map();

  function imageSource(hash) {
    if (!HASH.test(hash)) return null;
    if (sources.has(hash)) return sources.get(hash);
    var node = document.getElementById('img-' + hash);
    var src = null;
    if (node && IMAGE_TYPES.indexOf(node.dataset.type) >= 0) {
      src = 'data:' + node.dataset.type + ';base64,' + node.textContent.trim();
    }
    sources.set(hash, src);
    return src;
  }

  function image(hash, caption) {
    var src = imageSource(hash);
    if (!src) return el('figure', 'image missing', el('div', 'noimage', 'image not in this page'), el('figcaption', null, caption));
    var img = el('img', 'thumb');
    img.alt = caption;
    img.src = src;
    img.title = 'click to enlarge';
    img.addEventListener('click', function () { img.classList.toggle('full'); });
    return el('figure', 'image', img, el('figcaption', null, caption));
  }

  function images(hashes, caption) {
    var row = el('div', 'images');
    hashes.forEach(function (h, i) { row.append(image(h, caption + ' ' + (i + 1))); });
    return row;
  }

  function verdictOf(rec) {
    if (!rec) return 'none';
    if (!rec.graded) return 'error';
    return rec.verdict.pass ? 'correct' : 'wrong';
  }

  var VERDICT_TEXT = { correct: 'correct', wrong: 'wrong', error: 'error', none: 'no record' };

  // The header: title and runs.
  document.title = data.title || 'realx view';
  var app = document.getElementById('app');
  app.append(el('h1', null, data.title || 'realx view'));
  var runList = el('ul', 'runs');
  data.runs.forEach(function (r) {
    var parts = [r.label];
    if (r.model && r.model !== r.label) parts.push('model ' + r.model);
    if (r.suites && r.suites.length) parts.push('suites ' + r.suites.join(', '));
    if (r.run) parts.push('run ' + r.run);
    parts.push(r.path);
    runList.append(el('li', null, parts.join(' · ')));
  });
  app.append(runList);

  // The summary: tables and figures.
  var summary = el('details', 'summary-box');
  summary.open = true;
  summary.append(el('summary', null, 'Summary'));
  var figures = el('div', 'figures');
  data.figures.forEach(function (f) {
    if (f.src.indexOf('data:image/png;base64,') !== 0) return;
    var img = el('img', 'plot');
    img.alt = f.title;
    img.width = f.width;
    img.height = f.height;
    img.src = f.src;
    figures.append(el('figure', 'plot', img));
  });
  summary.append(figures);
  data.tables.forEach(function (t) {
    var table = el('table', 'grid');
    var head = el('tr');
    t.header.forEach(function (h, i) { head.append(el('th', i < t.left ? 'left' : 'right', h)); });
    table.append(el('thead', null, head));
    var body = el('tbody');
    t.rows.forEach(function (r) {
      var tr = el('tr');
      r.forEach(function (c, i) { tr.append(el('td', i < t.left ? 'left' : 'right', c)); });
      body.append(tr);
    });
    table.append(body);
    var box = el('section', 'table', el('h3', null, t.title), table);
    if (t.notes && t.notes.length) {
      var notes = el('ul', 'notes');
      t.notes.forEach(function (n) { notes.append(el('li', null, n)); });
      box.append(notes);
    }
    summary.append(box);
  });
  if (data.missing_images > 0) {
    summary.append(el('p', 'note', data.missing_images + ' images are not in this page (over the image budget, not in the run\'s blobs, or of a type a page does not show).'));
  }
  app.append(summary);

  // The filters.
  var state = { run: 0, cap: '', verdict: '', tool: '', vs: -1, flip: '', q: '' };

  function select(id, label, options, onChange) {
    var s = el('select');
    s.id = id;
    options.forEach(function (o) {
      var opt = el('option', null, o[1]);
      opt.value = o[0];
      s.append(opt);
    });
    s.addEventListener('change', function () { onChange(s.value); refresh(); });
    return el('label', 'filter', label + ' ', s);
  }

  var controls = el('div', 'controls');
  var runOptions = data.runs.map(function (r, i) { return [String(i), r.label]; });
  controls.append(select('f-run', 'run', runOptions, function (v) { state.run = Number(v); }));
  controls.append(select('f-cap', 'capability', [['', 'all']].concat(data.capabilities.map(function (c) { return [c, c || '(none)']; })),
    function (v) { state.cap = v; }));
  controls.append(select('f-verdict', 'verdict', [['', 'all'], ['correct', 'correct'], ['wrong', 'wrong'], ['error', 'error (no verdict)'], ['none', 'no record']],
    function (v) { state.verdict = v; }));
  var toolOptions = [['', 'any'], ['none', 'no tool call'], ['some', 'some tool call']];
  data.categories.forEach(function (c) { toolOptions.push(['cat:' + c.key, 'category: ' + c.title]); });
  data.tools.forEach(function (t) { toolOptions.push(['tool:' + t, 'tool: ' + t]); });
  controls.append(select('f-tool', 'tool', toolOptions, function (v) { state.tool = v; }));
  if (data.runs.length > 1) {
    var against = select('f-vs', 'against', [['-1', '(no other run)']].concat(runOptions), function (v) { state.vs = Number(v); });
    against.querySelector('select').value = '1';
    state.vs = 1;
    controls.append(against);
    controls.append(select('f-flip', 'flips', [['', 'all samples'], ['any', 'flipped either way'],
      ['gained', 'correct here, wrong there'], ['lost', 'wrong here, correct there']], function (v) { state.flip = v; }));
  }
  var search = el('input');
  search.id = 'f-q';
  search.type = 'search';
  search.placeholder = 'sample id';
  search.addEventListener('input', function () { state.q = search.value.toLowerCase(); refresh(); });
  controls.append(el('label', 'filter', 'id ', search));
  app.append(controls);

  var count = el('p', 'count');
  count.id = 'count';
  app.append(count);
  var list = el('ol', 'samples');
  list.id = 'samples';
  app.append(list);
  var more = el('button', 'more', 'show more');
  more.id = 'more';
  more.type = 'button';
  app.append(more);

  function usesTool(use, want) {
    var calls = use ? use.calls : 0;
    if (want === 'none') return calls === 0;
    if (want === 'some') return calls > 0;
    if (!use) return false;
    if (want.indexOf('cat:') === 0) return (use.categories || []).indexOf(want.slice(4)) >= 0;
    if (want.indexOf('tool:') === 0) return (use.tools || []).indexOf(want.slice(5)) >= 0;
    return true;
  }

  function matches(s) {
    var rec = s.records[state.run];
    if (state.cap && s.capability !== state.cap) return false;
    if (state.verdict && verdictOf(rec) !== state.verdict) return false;
    if (state.tool && !usesTool(rec && rec.use, state.tool)) return false;
    if (state.flip && state.vs >= 0 && state.vs !== state.run) {
      var here = verdictOf(rec);
      var there = verdictOf(s.records[state.vs]);
      var graded = function (v) { return v === 'correct' || v === 'wrong'; };
      if (!graded(here) || !graded(there) || here === there) return false;
      if (state.flip === 'gained' && here !== 'correct') return false;
      if (state.flip === 'lost' && here !== 'wrong') return false;
    }
    if (state.q && s.id.toLowerCase().indexOf(state.q) < 0) return false;
    return true;
  }

  var matched = [];
  var shown = 0;

  function refresh() {
    matched = data.samples.filter(matches);
    list.replaceChildren();
    shown = 0;
    count.textContent = matched.length + ' of ' + data.samples.length + ' samples';
    showMore();
  }

  function showMore() {
    var end = Math.min(shown + PAGE, matched.length);
    for (var i = shown; i < end; i++) list.append(row(matched[i]));
    shown = end;
    more.hidden = shown >= matched.length;
  }

  more.addEventListener('click', showMore);
  if ('IntersectionObserver' in window) {
    new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; }) && !more.hidden) showMore();
    }).observe(more);
  }

  function row(s) {
    var rec = s.records[state.run];
    var v = verdictOf(rec);
    var head = el('button', 'sample-head');
    head.type = 'button';
    head.setAttribute('aria-expanded', 'false');
    head.append(el('span', 'badge ' + v, VERDICT_TEXT[v]));
    head.append(el('span', 'id', s.suite + ' / ' + s.id + (s.repeat ? ' #' + s.repeat : '')));
    head.append(el('span', 'cap', s.capability));
    var use = rec && rec.use;
    if (use) head.append(el('span', 'calls', use.calls + (use.calls === 1 ? ' call' : ' calls')));
    if (use && use.sequence) head.append(el('span', 'sequence', use.sequence));
    var body = el('div', 'sample-body');
    body.hidden = true;
    head.addEventListener('click', function () {
      if (!body.hasChildNodes()) body.append(details(s));
      body.hidden = !body.hidden;
      head.setAttribute('aria-expanded', String(!body.hidden));
    });
    var li = el('li', 'sample ' + v, head, body);
    return li;
  }

  function details(s) {
    var box = el('div', 'details');
    box.append(labelled('gold', pre(s.gold), 'gold'));
    var order = [state.run];
    data.runs.forEach(function (_, i) { if (i !== state.run) order.push(i); });
    order.forEach(function (i) {
      var rec = s.records[i];
      if (rec) box.append(recordView(rec, data.runs[i].label, i === state.run));
    });
    return box;
  }

  function recordView(rec, label, open) {
    var v = verdictOf(rec);
    var d = el('details', 'record');
    d.open = open;
    d.append(el('summary', null, label + ': ' + VERDICT_TEXT[v]));
    var tr = rec.trajectory;
    var original = null;
    if (tr) {
      var turns = tr.turns || [];
      var start = 0;
      if (turns.length && turns[0].role === 'user') {
        var q = el('div', 'question', el('div', 'label', 'question'), pre(turns[0].text || ''));
        if (turns[0].images && turns[0].images.length) {
          q.append(images(turns[0].images, 'input image'));
          original = turns[0].images[0];
        }
        d.append(q);
        start = 1;
      }
      for (var i = start; i < turns.length; i++) d.append(turnView(turns[i], i, original));
      d.append(el('p', 'stop', 'stopped: ' + (tr.stop || '') + (tr.stop_detail ? ' (' + tr.stop_detail + ')' : '') +
        (tr.truncated ? ' · some text was cut to the record\'s caps' : '') +
        (tr.images_dropped ? ' · ' + tr.images_dropped + ' tool images not shown to the model' : '')));
    }
    d.append(labelled('final answer', pre(rec.output), 'answer'));
    var verdict = el('div', 'verdict ' + v);
    if (rec.graded) {
      verdict.append(el('div', null, (rec.verdict.pass ? 'correct' : 'wrong') + ' · score ' + rec.verdict.score));
      verdict.append(el('div', null, 'extracted: ', el('code', null, rec.verdict.extracted || '')));
    }
    if (rec.verdict.judge_step || rec.verdict.judge_id) {
      verdict.append(el('div', null, 'judge: ' + (rec.verdict.judge_step || '') + (rec.verdict.judge_id ? ' (' + rec.verdict.judge_id + ')' : '')));
    }
    if (rec.verdict.reason) verdict.append(labelled('judge\'s reasoning', pre(rec.verdict.reason)));
    if (rec.error) verdict.append(labelled('error (' + rec.error.class + ')', pre(rec.error.message), 'error'));
    d.append(verdict);
    var stats = [tokens(rec.tokens), 'model ' + ms(rec.latency_ms)];
    if (rec.use) {
      stats.push(rec.use.turns + ' turns', rec.use.calls + ' tool calls', 'tools ' + ms(rec.use.tool_ms + (rec.use.tool_open_ms || 0)));
      if (rec.use.wall_ms) stats.push('wall ' + ms(rec.use.wall_ms));
    }
    d.append(el('p', 'stats', stats.join(' · ')));
    if (rec.metadata) {
      d.append(el('details', 'metadata', el('summary', null, 'metadata'), pre(JSON.stringify(rec.metadata, null, 2))));
    }
    return d;
  }

  function turnView(t, i, original) {
    var assistant = t.role === 'assistant';
    var head = [t.role, 'turn ' + i];
    if (t.latency_ms) head.push(ms(t.latency_ms));
    if (t.usage) head.push(tokens(t.usage));
    if (t.finish) head.push('finish: ' + t.finish);
    if (t.cached) head.push('from the cache');
    if (t.truncated) head.push('cut to the record\'s caps');
    var box;
    if (assistant) {
      box = el('div', 'turn assistant', el('div', 'turn-head', head.join(' · ')));
    } else {
      box = el('details', 'turn observation', el('summary', 'turn-head', head.join(' · ') + ' (what the model was sent)'));
    }
    if (t.reasoning) box.append(el('details', 'reasoning', el('summary', null, 'reasoning'), pre(t.reasoning)));
    if (t.text) box.append(pre(t.text));
    if (t.images && t.images.length) box.append(images(t.images, 'image'));
    (t.calls || []).forEach(function (c) { box.append(callView(c, original)); });
    return box;
  }

  function callView(c, original) {
    var box = el('div', 'call' + (c.error ? ' failed' : ''));
    box.append(el('div', 'call-head', 'tool call: ', el('code', null, c.name || '(none)'),
      (c.kind && c.kind !== c.name ? ' (' + c.kind + ')' : '') + ' · ' + ms(c.duration_ms)));
    if (c.arguments && c.arguments.trim() !== '{}') {
      var args = null;
      try { args = JSON.parse(c.arguments); } catch (e) { args = null; }
      if (args && typeof args.code === 'string') {
        box.append(labelled('code', pre(args.code, 'code')));
      } else if (args && typeof args.query === 'string') {
        box.append(labelled('query', pre(args.query)));
      } else if (args !== null && typeof args === 'object') {
        box.append(labelled('arguments', pre(JSON.stringify(args, null, 2), 'code')));
      } else {
        box.append(labelled('arguments', pre(c.arguments, 'code')));
      }
    }
    if (c.output) box.append(labelled('output', pre(c.output)));
    if (c.error) box.append(labelled('error', pre(c.error), 'error'));
    if (c.images && c.images.length) {
      var row = el('div', 'images side');
      if (original) row.append(image(original, 'original'));
      c.images.forEach(function (h, k) { row.append(image(h, 'returned ' + (k + 1))); });
      box.append(row);
    }
    return box;
  }

  refresh();
  document.body.dataset.ready = 'true';
})();
