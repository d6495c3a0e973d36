// make demo: the pull request the scan opened, as the GitHub fake holds it
// (GET /_fake/state of tests/github/fake-github.mjs).
//
//   node show-pr.js STATE_JSON OUTDIR
//
// Prints its number, title, state, branch, labels and body; writes OUTDIR/
// branch and OUTDIR/body.md. Exits 1, saying why, unless there is exactly
// one pull request, open, on an autofix/api/ branch, whose body carries
// autofix's marker and which has the label autofix.
'use strict';
const fs = require('fs');
const path = require('path');

const [stateFile, outDir] = process.argv.slice(2);
const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
const name = (x) => (typeof x === 'string' ? x : x && (x.name || x.ref || x.login));
const pulls = state.pulls || (state.issues || []).filter((i) => i.pull || i.pull_request);
const problems = [];
if (pulls.length !== 1) problems.push(`${pulls.length} pull requests, not 1`);
const pr = pulls[0] || {};
const branch = name(pr.head) || '';
const labels = (pr.labels || []).map(name);
if (pulls.length === 1) {
  if (pr.state !== 'open') problems.push(`its state is '${pr.state}'`);
  if (!branch.startsWith('autofix/api/')) problems.push(`its branch '${branch}' is not autofix/api/...`);
  if (!/<!-- autofix:pr:[0-9a-f]+/.test(pr.body || '')) problems.push("its body has no marker '<!-- autofix:pr:FINGERPRINT'");
  if (!labels.includes('autofix')) problems.push(`its labels (${labels.join(', ') || 'none'}) lack 'autofix'`);
}
if (problems.length) {
  process.stderr.write(`the GitHub fake holds: ${problems.join('; ')}\n`);
  for (const p of pulls) process.stderr.write(`  #${p.number} ${p.state} ${name(p.head)}: ${p.title}\n`);
  process.exit(1);
}

// The labels' colours and descriptions, as the repository has them.
const known = new Map();
const all = Array.isArray(state.labels) ? state.labels : Object.values(state.labels || {});
for (const l of all) if (l && l.name) known.set(l.name, l);
const describe = (n) => {
  const l = known.get(n);
  return l ? `${n} (#${l.color}${l.description ? `, "${l.description}"` : ''})` : n;
};
const comments = (state.comments || []).filter((c) => c.issue === pr.number);

fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'branch'), branch);
fs.writeFileSync(path.join(outDir, 'body.md'), `# ${pr.title}\n\n${pr.body}\n`);
const lines = [
  `#${pr.number} ${pr.title}`,
  `  ${pr.state}${pr.draft ? ', draft' : ''}: ${branch} into ${name(pr.base) || 'main'}`,
  `  labels: ${labels.map(describe).join(', ')}`,
];
const reviewers = (pr.requested_reviewers || pr.reviewers || []).map(name);
if (reviewers.length) lines.push(`  reviewers: ${reviewers.join(', ')}`);
const assignees = (pr.assignees || []).map(name);
if (assignees.length) lines.push(`  assignees: ${assignees.join(', ')}`);
lines.push(`  comments: ${comments.length}`, '', '---- its body (the Markdown source; GitHub renders it and hides the <!-- markers -->):', pr.body);
process.stdout.write(lines.join('\n') + '\n');
