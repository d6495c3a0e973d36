#!/usr/bin/env node
// The cost of a fix and of a healthy scan, as tables: runs bench/fix-cost
// (the whole job against the fakes, per scenario of tests/scenarios/ with
// findings, then a healthy project) and prints
//   - per finding: outcome, the prompt's tokens (autofix's estimate; the
//     fake LLM's reported input tokens), LLM calls, the agent's wall time,
//     the GitHub requests of the scenario's scan (shared by its findings);
//   - the healthy scan: wall time, CPU, peak RSS and the requests to each
//     service, GitHub by operation, with the goal's status (no GitHub
//     request that counts against the rate limit, or at most one
//     conditional request answered 304).
//
//   node bench/fix-cost.js [--record bench/RESULTS.md] [SCENARIO.json...]
//
// With --record the two tables replace the "Cost of a fix" and "Cost of a
// healthy scan" sections of the file (appended when missing).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
let record = null;
if (args[0] === '--record') { record = args[1]; args.splice(0, 2); }

const r = spawnSync(path.join(root, 'bench', 'fix-cost'), args, { encoding: 'utf8', timeout: 3600000, maxBuffer: 1 << 28 });
const out = r.stdout.trim().split('\n');
let fixes, healthy;
try {
  fixes = JSON.parse(out[0]).fixes;
  healthy = JSON.parse(out[1]).healthy;
} catch (e) {
  console.error(`fix-cost: bench/fix-cost failed (exit ${r.status}):\n${r.stderr.split('\n').slice(-10).join('\n')}`);
  process.exit(1);
}

const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};
const opened = (f) => /^pull request opened/.test(f.delivery || '');
const ms = (s) => (typeof s === 'number' ? `${Math.round(s * 1000)} ms` : '—');

const rows = [];
const lines = [
  '| scenario | finding | outcome | prompt tokens (estimated) | input tokens (fake LLM) | LLM calls | agent wall | GitHub requests (the scan) |',
  '|---|---|---|---|---|---|---|---|',
];
for (const s of fixes) {
  if (s.error || !s.findings) {
    lines.push(`| ${s.scenario} | — | ${s.error || `exit ${s.exit}`} | | | | | |`);
    continue;
  }
  s.findings.forEach((f, k) => {
    rows.push({ ...f, github: s.github_requests });
    const delivered = opened(f) ? ', PR opened' : f.delivery ? `, no PR: ${f.delivery}` : '';
    lines.push(`| ${k ? '' : s.scenario.replace(/\.json$/, '')} | ${f.finding} | ${f.outcome}${delivered} | ` +
      `${f.estimated_tokens} | ${f.reported_tokens} | ${f.llm_calls} | ${ms(f.agent_s)} | ${k ? '' : s.github_requests} |`);
  });
}
const planned = rows.filter((f) => f.llm_calls > 0);
const prs = rows.filter(opened).length;
const violations = fixes.reduce((n, s) => n + (s.github_violations || 0), 0);
const summary = `${fixes.length} scenarios, ${rows.length} findings, ${planned.length} planned, ${prs} pull requests opened; ` +
  `per planned finding (median): ${median(planned.map((f) => f.estimated_tokens))} prompt tokens estimated, ` +
  `${median(planned.map((f) => f.reported_tokens))} input tokens reported, ${median(planned.map((f) => f.llm_calls))} LLM call, ` +
  `agent ${ms(median(planned.map((f) => f.agent_s)))}; ` +
  `GitHub requests per scan (median) ${median(fixes.map((s) => s.github_requests))}, per pull request ` +
  `${prs ? (fixes.reduce((n, s) => n + (s.github_requests || 0), 0) / prs).toFixed(1) : '—'}; ` +
  `requests GitHub would refuse: ${violations}`;

const healthyRow = (label, h) => {
  const ops = Object.entries(h.github || {}).map(([op, n]) => `${op} × ${n}`).join(', ');
  return `| ${label} | ${h.wall_s.toFixed(2)} s | ${(h.user_s + h.sys_s).toFixed(2)} s | ` +
    `${(h.maxrss_kb / 1024).toFixed(1)} MiB | ${h.railway_requests} | ${h.llm_requests} | ` +
    `${h.github_requests}${ops ? ` (${ops})` : ''} |`;
};
const [first, next] = healthy;
const healthyTable = [
  '| scan | wall | CPU (user+sys) | peak RSS | Railway requests | LLM requests | GitHub requests |',
  '|---|---|---|---|---|---|---|',
  healthyRow('with a new journal (the first, then once a day)', first),
  healthyRow('the next ones (every 15 minutes)', next),
].join('\n');
const goal = `a healthy scan costs no GitHub request that counts against the rate limit, or at most one conditional ` +
  `request answered 304: ${next.github_requests === 0 ? 'met' : `NOT met (${next.github_requests} requests)`} ` +
  `(the scans after the first; the first with a new journal, and one a day, list the open upstream issues: ` +
  `${first.github_requests} requests)`;

console.log(lines.join('\n'));
console.log(`\n${summary}\n`);
console.log(healthyTable);
console.log(`\n${goal}`);

if (record) {
  const date = new Date().toISOString().slice(0, 10);
  const cpu = os.cpus();
  const machine = `Machine: ${cpu.length} × ${cpu[0] ? cpu[0].model.trim() : 'unknown CPU'}, ` +
    `${Math.round(os.totalmem() / 1073741824)} GiB, ${os.type()} ${os.release()}; shared with other work, so times are indicative.`;
  const fixSection = `## Cost of a fix (\`make bench\`), ${date}\n\n` +
    `Each scenario of \`tests/scenarios/\` with findings through the whole job (\`bench/fix-cost\`, the setup of ` +
    `\`tests/deliver/scan-pr.test\`): the fake Railway serving the scenario (a service without a deployment gets one three ` +
    `days before the window, so there are logs to read), the fake LLM (OpenAI's wire format; it reports a fixed 1200 ` +
    `input tokens, so the estimate is the figure to read), a script agent that edits one file, a git smart-HTTP server ` +
    `and GitHub's fake, fresh for each scenario. "Prompt tokens (estimated)" is autofix's own estimate of the prompt ` +
    `(\`prompt_sizes.estimated_tokens\`); the agent's wall time is the session as autofix measures it ` +
    `(\`fix.agent.wall_ms\`: starting the script, its prompt, waiting for it), the script itself taking a few ms, so ` +
    `it measures autofix's hand-over, not a real agent's work; GitHub requests are the whole scan's, shared by its findings (listings, labels, the PRs). ` +
    `${machine}\n\n${summary}.\n\n${lines.join('\n')}\n`;
  const healthySection = `## Cost of a healthy scan (\`make bench\`), ${date}\n\n` +
    `\`autofix scan\` (not a dry run: the full job, with GitHub configured) of \`tests/scenarios/healthy-many.json\` ` +
    `against the same fakes, as it runs every 15 minutes on every repository: twice, the first scan with a new ` +
    `journal, the second after it with the same journal (docs/plan.md: upstream issues are listed when one may be ` +
    `open, or once a day). ${machine}\n\n${healthyTable}\n\n` +
    `Goal: ${goal}.\n`;
  let text = fs.existsSync(record) ? fs.readFileSync(record, 'utf8') : '# Benchmark results\n';
  for (const [head, section] of [['Cost of a fix', fixSection], ['Cost of a healthy scan', healthySection]]) {
    const re = new RegExp(`## ${head} \\(\`make bench\`\\)[\\s\\S]*?(?=\\n## |$)`);
    text = re.test(text) ? text.replace(re, section.trimEnd() + '\n') : text.trimEnd() + '\n\n' + section;
  }
  fs.writeFileSync(record, text);
}
