/**
 * The page shell and its style sheet, served as they are. Everything the page shows is built by
 * the scripts in client/ from the API's JSON, as DOM nodes with text content: never as markup.
 */

export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>qexp view</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/style.css">
<script type="module" src="/static/app.js"></script>
</head>
<body>
<header class="top"><a class="brand" href="#/">qexp view</a><nav id="crumbs"></nav><span id="store" class="muted"></span></header>
<div id="banner" hidden></div>
<main id="main"><p class="muted">Loading…</p></main>
<noscript><p>The viewer needs JavaScript: it renders the store's data in the page.</p></noscript>
</body>
</html>
`;

export const STYLE_CSS = `
:root {
  --fg: #1d2430; --muted: #667085; --line: #e4e7ec; --bg: #ffffff; --panel: #f8f9fb; --accent: #2458c6;
  --good: #16794c; --good-bg: #e7f6ee; --bad: #b42318; --bad-bg: #fdecea; --warn: #8a5a00; --warn-bg: #fff4d6;
  --info: #1d4ed8; --info-bg: #e8efff; --grey-bg: #eef0f3;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
main[inert] { opacity: 0.55; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.top { display: flex; align-items: baseline; gap: 18px; padding: 10px 24px; border-bottom: 1px solid var(--line); background: var(--panel); }
.brand { font-weight: 700; color: var(--fg); font-size: 15px; }
#crumbs { flex: 1; color: var(--muted); }
#crumbs a { margin: 0 2px; }
#store { font-size: 12px; max-width: 45%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#banner { padding: 8px 24px; background: var(--warn-bg); color: var(--warn); border-bottom: 1px solid #f3d58a; }
main { padding: 18px 24px 48px; max-width: 1440px; }
h1 { font-size: 21px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 26px 0 10px; }
h3 { font-size: 14px; margin: 18px 0 8px; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
.error { color: var(--bad); background: var(--bad-bg); padding: 10px 14px; border-radius: 6px; white-space: pre-wrap; }
.note { color: var(--warn); background: var(--warn-bg); padding: 8px 12px; border-radius: 6px; margin: 10px 0; }
.tabs { display: flex; gap: 4px; border-bottom: 1px solid var(--line); margin: 16px 0 14px; }
.tabs a { padding: 7px 14px; border: 1px solid transparent; border-bottom: none; border-radius: 6px 6px 0 0; color: var(--muted); }
.tabs a.on { color: var(--fg); border-color: var(--line); background: var(--bg); margin-bottom: -1px; font-weight: 600; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: baseline; }
td.nowrap, td.time { white-space: nowrap; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: none; background: var(--panel); position: sticky; top: 0; }
th.sort { cursor: pointer; user-select: none; white-space: nowrap; }
th.sort:hover { color: var(--fg); }
th.sorted::after { content: " ▾"; }
th.sorted.asc::after { content: " ▴"; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.click { cursor: pointer; }
tr.click:hover td { background: #f3f6fd; }
tr.open td { background: #f3f6fd; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.s-done { color: var(--good); background: var(--good-bg); }
.s-running { color: var(--info); background: var(--info-bg); }
.s-failed { color: var(--bad); background: var(--bad-bg); }
.s-interrupted, .s-waiting, .s-stale { color: var(--warn); background: var(--warn-bg); }
.s-pending { color: var(--muted); background: var(--grey-bg); }
.reasons { margin: 0; padding-left: 16px; color: var(--muted); font-size: 12.5px; overflow-wrap: anywhere; }
.controls { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; margin: 8px 0 14px; }
.controls label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 3px; }
select, input[type=search] { font: inherit; padding: 5px 8px; border: 1px solid #cfd4dc; border-radius: 6px; background: var(--bg); min-width: 140px; }
input[type=search] { min-width: 240px; }
.pager { display: flex; gap: 10px; align-items: center; margin: 12px 0; color: var(--muted); }
button { font: inherit; padding: 4px 12px; border: 1px solid #cfd4dc; border-radius: 6px; background: var(--bg); cursor: pointer; }
button:disabled { opacity: .45; cursor: default; }
.query-text { font-size: 18px; margin: 6px 0 2px; }
.cards { display: grid; gap: 14px; }
.card { border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
.card > .head { display: flex; gap: 10px; align-items: baseline; padding: 8px 12px; background: var(--panel); border-bottom: 1px solid var(--line); }
.card > .head .title { font-weight: 600; }
.exp { display: grid; grid-template-columns: minmax(0, 1fr) 190px; border-top: 1px solid var(--line); }
.exp:first-of-type { border-top: none; }
.text { margin: 0; padding: 10px 12px; white-space: pre-wrap; overflow-wrap: anywhere; font-family: inherit; font-size: 14px; line-height: 1.55; max-height: 340px; overflow: auto; }
.scores { padding: 10px 12px; border-left: 1px solid var(--line); background: #fcfcfd; font-size: 12.5px; }
.scores .v { font-size: 15px; font-weight: 600; font-variant-numeric: tabular-nums; }
.up { color: var(--good); }
.down { color: var(--bad); }
.same { color: var(--muted); }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.exp.unused { opacity: .6; }
.pair { display: grid; grid-template-columns: 1fr 1fr 120px; border-top: 1px solid var(--line); }
.pair > div { padding: 8px 12px; min-width: 0; }
.pair .text { padding: 6px 0 0; max-height: 200px; }
.pair .delta { border-left: 1px solid var(--line); text-align: right; font-weight: 600; font-variant-numeric: tabular-nums; }
.chosen { border-left: 3px solid var(--good); }
.rejected { border-left: 3px solid var(--bad); }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; overflow-wrap: anywhere; }
.summary { display: flex; gap: 22px; flex-wrap: wrap; margin: 6px 0 10px; }
.stat { min-width: 110px; }
.stat .v { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; }
.stat .k { font-size: 12px; color: var(--muted); }
.variants { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0 12px; }
.variants a { padding: 4px 10px; border: 1px solid var(--line); border-radius: 14px; font-size: 12.5px; color: var(--fg); }
.variants a.on { border-color: var(--accent); background: var(--info-bg); }
pre.json { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px; overflow: auto; max-height: 360px; font-size: 12px; }
svg.deltas { display: block; margin: 4px 0 6px; width: 100%; height: auto; max-height: 180px; }
svg text { font: 12px system-ui, sans-serif; fill: var(--muted); }
.pad { padding: 8px 12px; margin: 0; }
.nav-q { display: flex; gap: 12px; margin-left: auto; }
`;
