namespace MillionX.Pipeline.Observability;

/// <summary>The status page's HTML and script: no framework, no CDN, every value put into the DOM as text.</summary>
internal static class StatusAssets
{
    public const string Html = """
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MillionX pipeline status</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d232a; }
h1 { font-size: 1.4em; margin: 0 0 .2em; }
h2 { font-size: 1.1em; margin: 1.4em 0 .4em; }
table { border-collapse: collapse; margin: .3em 0; }
th, td { border: 1px solid #c9d1d9; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f0f3f6; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.state-running { color: #1a7f37; font-weight: 600; }
.state-failed { color: #cf222e; font-weight: 600; }
.muted { color: #656d76; }
.example { margin: .2em 0 .6em 1em; padding: .3em .6em; background: #f6f8fa; border-left: 3px solid #d0d7de; }
.example code, pre { white-space: pre-wrap; word-break: break-all; }
#search-form input[type=text] { width: 28em; }
.level-Error, .level-Fatal { color: #cf222e; }
.level-Warning { color: #9a6700; }
</style>
</head>
<body>
<h1>MillionX pipeline</h1>
<div class="muted">health <b id="health">…</b> · total lag <b id="total-lag">…</b> · updated <span id="updated">…</span></div>

<h2>Stages</h2>
<table id="stages">
<thead><tr><th>stage</th><th>state</th><th>in</th><th>in/s</th><th>out</th><th>dead letters</th><th>lag</th><th>why it runs</th></tr></thead>
<tbody></tbody>
</table>

<h2>Search the vector store</h2>
<form id="search-form">
<input id="search-query" type="text" name="q" maxlength="500" placeholder="eid shari offer" autocomplete="off">
<select id="search-platform"><option value="">all platforms</option><option value="tiktok">tiktok</option><option value="facebook">facebook</option></select>
<button id="search-button" type="submit">Search</button>
</form>
<div id="search-status" class="muted"></div>
<table id="search-results" hidden>
<thead><tr><th>score</th><th>platform</th><th>engagement</th><th>time</th><th>post</th><th>content</th></tr></thead>
<tbody></tbody>
</table>

<h2>Dead letters</h2>
<div id="dlq-note" class="muted"></div>
<table id="dead-letters">
<thead><tr><th>reason</th><th>count</th><th>topics</th><th>failing stages</th></tr></thead>
<tbody></tbody>
</table>
<div id="dlq-examples"></div>
<h3>Written by this process</h3>
<table id="dead-letters-written">
<thead><tr><th>stage</th><th>reason</th><th>count</th></tr></thead>
<tbody></tbody>
</table>

<h2>Recent warnings and errors</h2>
<table id="recent-errors">
<thead><tr><th>time</th><th>level</th><th>source</th><th>message</th><th>trace</th></tr></thead>
<tbody></tbody>
</table>
<script src="/status.js"></script>
</body>
</html>
""";

    public const string Script = """
'use strict';
// Everything from the server goes into the page through textContent: dead-letter reasons and texts are hostile input.
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = c instanceof Node ? c : el('td', c);
    tr.appendChild(td);
  }
  return tr;
}
function num(v) { return el('td', v, 'n'); }
function fill(id, rows) {
  const body = document.querySelector('#' + id + ' tbody');
  body.replaceChildren(...rows);
}

function renderStages(r) {
  document.getElementById('health').textContent = r.health;
  document.getElementById('total-lag').textContent = r.total_lag;
  document.getElementById('updated').textContent = new Date(r.generated_at).toLocaleTimeString();
  fill('stages', r.stages.map(s => {
    const tr = row([el('td', s.name), el('td', s.state, 'state-' + s.state), num(s.records_in), num(s.in_per_second),
      num(s.records_out), num(s.dead_lettered), num(s.lag), el('td', s.error ? s.reason + ' — ' + s.error : s.reason)]);
    tr.dataset.stage = s.name;
    return tr;
  }));
}

function renderDeadLetters(d) {
  document.getElementById('dlq-note').textContent = d.monitored
    ? d.observed_total + ' dead letters observed on the dead-letter topics (dlq-monitor).'
    : 'dlq-monitor does not run in this process: only the dead letters this process wrote are counted.';
  fill('dead-letters', d.observed.map(r => {
    const tr = row([el('td', r.reason, 'reason'), num(r.count), el('td', r.topics.join(', ')), el('td', r.stages.join(', '))]);
    tr.dataset.reason = r.reason;
    return tr;
  }));
  const examples = document.getElementById('dlq-examples');
  examples.replaceChildren(...d.observed.filter(r => r.examples.length > 0).map(r => {
    const box = el('details');
    box.appendChild(el('summary', 'Recent examples of ' + r.reason + ' (' + r.examples.length + ')'));
    for (const x of r.examples) {
      const div = el('div', null, 'example');
      const where = x.source_topic + (x.source_partition !== null ? '[' + x.source_partition + ']' : '') +
        (x.source_offset !== null ? '@' + x.source_offset : '');
      div.appendChild(el('div', x.failed_at + ' · stage ' + x.stage + ' · ' + where +
        (x.key ? ' · key ' + x.key : '') + (x.origin ? ' · origin ' + x.origin : '') + ' · retries ' + x.retry_count));
      for (const e of x.errors) div.appendChild(el('div', e.path + ' ' + e.code + ': ' + e.message));
      if (x.payload_preview !== null) {
        div.appendChild(el('code', x.payload_preview));
      } else {
        div.appendChild(el('div', 'payload: ' + x.payload_bytes + ' bytes, ' + x.payload_encoding + ' (not shown)', 'muted'));
      }
      box.appendChild(div);
    }
    return box;
  }));
  fill('dead-letters-written', d.written.map(w => row([el('td', w.stage), el('td', w.reason), num(w.count)])));
}

function renderErrors(list) {
  fill('recent-errors', list.map(e => row([el('td', e.at), el('td', e.level, 'level-' + e.level), el('td', e.source),
    el('td', e.exception ? e.message + ' — ' + e.exception : e.message), el('td', e.trace_id || '')])));
}

function renderSearchAvailability(s) {
  const form = document.getElementById('search-form');
  const status = document.getElementById('search-status');
  if (!s.available) {
    for (const c of form.elements) c.disabled = true;
    status.textContent = 'Search is unavailable: ' + (s.reason || 'no vector store in this process') + '.';
  } else if (!status.dataset.used) {
    status.textContent = 'Searching the ' + s.store + ' vector store.';
  }
}

async function refresh() {
  try {
    const response = await fetch('/status.json', { cache: 'no-store' });
    const r = await response.json();
    renderStages(r);
    renderDeadLetters(r.dead_letters);
    renderErrors(r.recent_errors);
    renderSearchAvailability(r.search);
  } catch (e) {
    document.getElementById('health').textContent = 'unreachable (' + e.message + ')';
  }
}

document.getElementById('search-form').addEventListener('submit', async ev => {
  ev.preventDefault();
  const q = document.getElementById('search-query').value.trim();
  const platform = document.getElementById('search-platform').value;
  const status = document.getElementById('search-status');
  status.dataset.used = '1';
  if (!q) { status.textContent = 'Type something to search for.'; return; }
  status.textContent = 'Searching…';
  const url = '/search?q=' + encodeURIComponent(q) + (platform ? '&platform=' + encodeURIComponent(platform) : '');
  try {
    const response = await fetch(url, { cache: 'no-store' });
    const r = await response.json();
    const table = document.getElementById('search-results');
    if (r.error) {
      status.textContent = r.error;
      table.hidden = true;
      return;
    }
    status.textContent = r.hits.length + ' result(s) from the ' + r.store + ' vector store for "' + r.query + '"';
    fill('search-results', r.hits.map(h => row([num(h.score.toFixed(4)), el('td', h.platform), num(h.engagement_count),
      el('td', h.timestamp), el('td', h.post_id), el('td', h.content, 'content')])));
    table.hidden = false;
  } catch (e) {
    status.textContent = 'Search failed: ' + e.message;
  }
});

refresh();
setInterval(refresh, 2000);
""";
}
