// Runs a composite action's steps as GitHub's runner would, as far as a
// test on loopback can: each `run` step, in order, with bash as Actions
// starts it (`bash --noprofile --norc -eo pipefail FILE`), `${{ }}`
// expressions substituted from the contexts below, its GITHUB_OUTPUT read
// back into `steps.ID.outputs`. Steps that use GitHub's own actions
// (actions/*: the caches) are skipped, and said so; any other `uses:` is
// an error. Expressions are context references only (`inputs.x`,
// `steps.id.outputs.y`, `github.x`, `runner.x`, `env.x`), or `always()`
// and `hashFiles(...)` in a skipped step's `if:`: anything else is an
// error, which keeps the action simple enough to be read.
//
//   node run-steps.mjs ACTION_DIR WORKSPACE INPUTS_JSON OUT_JSON
//
// Environment: RUNNER_TEMP, GITHUB_* as a runner sets them (the caller's).
// Prints each step's name and output (as "# " lines for TAP); writes
// {steps: [{name, skipped, exit}], outputs} to OUT_JSON; exits 0 when every
// step ran, 1 when one failed (the steps after it are not run, as on GitHub).
import { readFileSync, writeFileSync, mkdtempSync, existsSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { parse } from "yaml";

const [actionDir, workspace, inputsJson, outJson] = process.argv.slice(2);
const action = parse(readFileSync(join(actionDir, "action.yml"), "utf8"));
const given = JSON.parse(inputsJson);
const temp = process.env.RUNNER_TEMP;

const inputs = {};
for (const [name, spec] of Object.entries(action.inputs || {})) inputs[name] = spec.default ?? "";
const github = {
  action_path: actionDir, workspace, token: process.env.GITHUB_TOKEN || "",
  repository: process.env.GITHUB_REPOSITORY, run_id: process.env.GITHUB_RUN_ID,
  run_attempt: process.env.GITHUB_RUN_ATTEMPT,
};
const ctx = { inputs, github, runner: { temp, os: "Linux" }, steps: {}, env: process.env };

function lookup(path) {
  const parts = path.split(".");
  let v = ctx;
  for (const p of parts) {
    if (v === undefined || v === null || typeof v !== "object" || !(p in v)) return "";
    v = v[p];
  }
  return v ?? "";
}

// ${{ context.path }} only.
function substitute(text, where) {
  return String(text).replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expr) => {
    if (!/^[a-z_]+(\.[A-Za-z0-9_-]+)+$/.test(expr)) throw new Error(`${where}: unsupported expression '${expr}'`);
    return String(lookup(expr));
  });
}

// Inputs: the defaults (which may refer to github.token), then the test's.
for (const [name, v] of Object.entries(inputs)) inputs[name] = substitute(v, `inputs.${name}`);
for (const [name, v] of Object.entries(given)) {
  if (!(name in inputs)) throw new Error(`the action has no input '${name}'`);
  inputs[name] = v;
}

function readOutputs(file) {
  const out = {};
  if (!existsSync(file)) return out;
  const lines = readFileSync(file, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    let m;
    if ((m = /^([^=<]+)<<(.+)$/.exec(line))) {
      const value = [];
      while (++i < lines.length && lines[i] !== m[2]) value.push(lines[i]);
      out[m[1]] = value.join("\n");
    } else if ((m = /^([^=]+)=(.*)$/.exec(line))) out[m[1]] = m[2];
    else throw new Error(`GITHUB_OUTPUT: cannot read '${line}'`);
  }
  return out;
}

const report = { steps: [], outputs: {} };
let failed = false;
const dir = mkdtempSync(join(temp, "steps-"));
action.runs.steps.forEach((step, k) => {
  if (failed) return;
  const name = step.name || step.id || `step ${k + 1}`;
  if (step.uses) {
    if (!/^actions\//.test(step.uses)) throw new Error(`${name}: uses ${step.uses}, not one of GitHub's own actions`);
    console.log(`# skipped: ${name} (uses ${step.uses}: GitHub's own action, not run here)`);
    report.steps.push({ name, skipped: true });
    return;
  }
  if (step.if !== undefined && step.if !== "always()") throw new Error(`${name}: unsupported if '${step.if}'`);
  if (step.shell !== "bash") throw new Error(`${name}: shell '${step.shell}', expected bash`);
  const script = join(dir, `step-${k}.sh`);
  const outputs = join(dir, `step-${k}.outputs`);
  writeFileSync(script, substitute(step.run, name));
  writeFileSync(outputs, "");
  const env = { ...process.env, GITHUB_ACTION_PATH: actionDir, GITHUB_WORKSPACE: workspace, GITHUB_OUTPUT: outputs };
  for (const [key, v] of Object.entries(step.env || {})) env[key] = substitute(v, `${name}: env.${key}`);
  const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], {
    cwd: workspace, env, encoding: "utf8", timeout: 600000,
  });
  console.log(`# == ${name}: exit ${r.status}`);
  for (const line of `${r.stdout}${r.stderr}`.split("\n")) if (line) console.log(`#    ${line}`);
  report.steps.push({ name, skipped: false, exit: r.status, stdout: r.stdout });
  if (step.id) ctx.steps[step.id] = { outputs: readOutputs(outputs) };
  if (r.status !== 0) failed = true;
});
for (const [name, spec] of Object.entries(action.outputs || {})) report.outputs[name] = substitute(spec.value, `outputs.${name}`);
writeFileSync(outJson, JSON.stringify(report, null, 2));
process.exit(failed ? 1 : 0);
