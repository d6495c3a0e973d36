// The real OpenCode server for tests (opencode-ai's executable, pinned in
// tests/package-lock.json), isolated from the machine: its own HOME and XDG
// directories, auto-update, model list fetches, LSP downloads and sharing
// off, and one provider, `fake`, an OpenAI-compatible model on loopback
// (tests/fakes/opencode-model.js) whose baseURL the caller gives.
//
// Required by a node test: findOpencode(), isolatedEnv(), writeConfig(),
// startOpencode(). Run as a program (for shell tests):
//   node opencode.js PORT_FILE DIR MODEL_PORT [PASSWORD]
// starts `opencode serve` on a free loopback port with its home and config
// under DIR, writes the port to PORT_FILE, logs to DIR/opencode.log, and
// stops the server when it is itself stopped (SIGTERM, SIGINT) or exits.
'use strict';
const fs = require('fs');
const path = require('path');
const http = require('http');
const { spawn } = require('child_process');

// The executable npm installed: opencode-ai's platform package itself (the
// opencode-ai wrapper only picks one of these and copies it; its lock
// entries cannot be complete where the registry serves only this
// platform's package). The baseline build is for CPUs without AVX2, as the
// wrapper would choose. undefined when it is not installed.
function findOpencode() {
  const nm = path.join(__dirname, '..', 'node_modules');
  let avx2 = true;
  try { avx2 = /\bavx2\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8')); } catch (e) { /* not Linux */ }
  const names = [`opencode-${process.platform}-${process.arch}`, `opencode-${process.platform}-${process.arch}-baseline`];
  if (!avx2) names.reverse();
  return names.map((p) => path.join(nm, p, 'bin', 'opencode')).find((c) => {
    try { fs.accessSync(c, fs.constants.X_OK); return fs.statSync(c).size > 1e6; } catch (e) { return false; }
  });
}

// opencode.json under dir: the fake model only, edits allowed, shell and web denied.
function writeConfig(dir, modelPort) {
  const config = {
    $schema: 'https://opencode.ai/config.json',
    model: 'fake/fake-model', small_model: 'fake/fake-model',
    autoupdate: false, share: 'disabled', enabled_providers: ['fake'],
    provider: { fake: { npm: '@ai-sdk/openai-compatible', name: 'Fake local',
      options: { baseURL: `http://127.0.0.1:${modelPort}/v1`, apiKey: 'sk-fake-model-key' },
      models: { 'fake-model': { name: 'Fake Model', tool_call: true } } } },
    permission: { edit: 'allow', bash: 'deny', webfetch: 'deny' },
  };
  const file = path.join(dir, 'opencode.json');
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

// The server's environment: nothing of the machine's but PATH.
function isolatedEnv(home, configFile, password) {
  fs.mkdirSync(home, { recursive: true });
  const env = {
    PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'), XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'), OPENCODE_CONFIG: configFile,
    OPENCODE_DISABLE_AUTOUPDATE: '1', OPENCODE_DISABLE_MODELS_FETCH: '1', OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    OPENCODE_DISABLE_SHARE: '1',
  };
  if (password !== undefined) env.OPENCODE_SERVER_PASSWORD = password;
  return env;
}

// A port free now (opencode's --port 0 means its default, 4096, when that is free).
function freePort() {
  return new Promise((resolve) => {
    const s = http.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

const started = new Set();
process.on('exit', () => {
  for (const c of started) if (c.exitCode === null) { try { process.kill(c.pid, 'SIGKILL'); } catch (e) { /* gone */ } }
});

// Starts `opencode serve` in cwd (its log: cwd/opencode.log); resolves to
// {child, port} once it says where it listens, rejects after 60 s or when it exits.
async function startOpencode(bin, env, cwd) {
  const port = await freePort();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['serve', '--port', String(port), '--hostname', '127.0.0.1', '--pure', '--print-logs'],
      { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    started.add(child);
    const logFile = fs.createWriteStream(path.join(cwd, 'opencode.log'));
    child.stdout.pipe(logFile);
    child.stderr.pipe(logFile);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`opencode serve did not say where it listens within 60 s:\n${out}`)), 60000);
    const onData = (d) => {
      out += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, port: Number(m[1]) }); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, sig) => { clearTimeout(timer); reject(new Error(`opencode serve exited (${code ?? sig}):\n${out}`)); });
  });
}

module.exports = { findOpencode, writeConfig, isolatedEnv, startOpencode };

if (require.main === module) {
  const [portFile, dir, modelPort, password] = process.argv.slice(2);
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(1));
  const bin = findOpencode();
  if (!bin) {
    console.error('the opencode executable is not installed (make oracles installs tests/node_modules)');
    process.exit(2);
  }
  const env = isolatedEnv(path.join(dir, 'home'), writeConfig(dir, modelPort), password);
  startOpencode(bin, env, dir).then(({ child, port }) => {
    fs.writeFileSync(portFile, String(port));
    child.on('exit', () => process.exit(1));
  }, (e) => {
    console.error(String(e.message || e));
    process.exit(1);
  });
}
