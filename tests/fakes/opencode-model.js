#!/usr/bin/env node
// A scripted model for the real OpenCode server: an OpenAI-compatible
// Chat Completions endpoint (POST /v1/chat/completions) that answers in
// streamed chunks (server-sent events), as OpenCode's openai-compatible
// provider requires. What it does is written in the user's prompt, on a
// line of its own:
//
//   FAKE-ACTION {"write": {"filePath": "/abs/file", "content": "..."},
//                "summary": "what I did"}
//       first answer: a `write` tool call with those arguments; once the
//       tool's result comes back: the summary as the final text
//   FAKE-ACTION {"stall": true}      headers and one chunk, then nothing
//   FAKE-ACTION {"fail": 400}        an error answer with that status
//
// Requests without tools (OpenCode's title generation) get a short title.
// Usage: opencode-model.js PORT_FILE LOG_FILE; every request is appended
// to LOG_FILE as a JSON line {path, tools, last_role, stream}.
'use strict';
const fs = require('fs');
const http = require('http');

const [portFile, logFile] = process.argv.slice(2);
let seq = 0;

function text(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p && p.text) || '').join('\n');
  return '';
}

function action(messages) {
  for (const m of messages) {
    if (m.role !== 'user') continue;
    const line = text(m.content).split('\n').find((l) => l.startsWith('FAKE-ACTION '));
    if (line) return JSON.parse(line.slice('FAKE-ACTION '.length));
  }
  return {};
}

function chunk(delta, finish) {
  return { id: `chatcmpl-${seq}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000),
    model: 'fake-model', choices: [{ index: 0, delta, finish_reason: finish || null }] };
}

function stream(res, chunks) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const c of chunks) res.write(`data: ${JSON.stringify(c)}\n\n`);
  res.write(`data: ${JSON.stringify({ id: `chatcmpl-${seq}`, object: 'chat.completion.chunk', created: 0,
    model: 'fake-model', choices: [], usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 } })}\n\n`);
  res.end('data: [DONE]\n\n');
}

function say(res, words) {
  stream(res, [chunk({ role: 'assistant', content: '' }), chunk({ content: words }), chunk({}, 'stop')]);
}

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    seq++;
    if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    let r;
    try { r = JSON.parse(body); } catch (e) { res.writeHead(400); res.end('{"error":{"message":"not JSON"}}'); return; }
    const messages = r.messages || [];
    const tools = (r.tools || []).map((t) => t.function && t.function.name);
    const last = messages[messages.length - 1] || {};
    fs.appendFileSync(logFile, JSON.stringify({ path: req.url, tools, last_role: last.role, stream: r.stream }) + '\n');
    if (!tools.includes('write')) return say(res, 'Bound the cache');
    let act;
    try { act = action(messages); } catch (e) { act = { fail: 400 }; }
    if (act.fail) {
      res.writeHead(act.fail, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `the fake model refuses (HTTP ${act.fail})`, type: 'invalid_request_error' } }));
      return;
    }
    if (act.stall) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: '' }))}\n\n`);
      // Never finishes; bounded all the same, so that nothing outlives a broken test.
      const t = setTimeout(() => res.destroy(), 120000);
      res.on('close', () => clearTimeout(t));
      return;
    }
    if (last.role === 'tool' || !act.write) return say(res, act.summary || 'Nothing to do.');
    stream(res, [
      chunk({ role: 'assistant', content: null }),
      chunk({ tool_calls: [{ index: 0, id: `call_${seq}`, type: 'function', function: { name: 'write', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: JSON.stringify(act.write) } }] }),
      chunk({}, 'tool_calls'),
    ]);
  });
});

server.listen(0, '127.0.0.1', () => fs.writeFileSync(portFile, String(server.address().port)));
process.on('SIGTERM', () => process.exit(0));
