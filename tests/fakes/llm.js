// A fake LLM on 127.0.0.1 speaking both wire formats autofix uses:
//   POST /v1/chat/completions   OpenAI-compatible Chat Completions
//   POST /v1/messages           Anthropic Messages
// Requests are held to the formats' contracts (the fields, types and
// headers the official SDKs send; an unknown field or a wrong type is a
// 400 in the provider's error shape), and every request is appended as a
// JSON line ({path, headers, body}) to the log file, for the tests to
// inspect. Answers are in the shapes the official SDKs parse
// (tests/plan/llm-fake.test proves it with `openai` and
// `@anthropic-ai/sdk`).
//
// The model name scripts the case:
//   good              an object made from the request's schema
//   malformed-once    first a reply that breaks the schema, then a good one
//   malformed         always a reply that breaks the schema
//   not-json          content that is not JSON (OpenAI) / no tool_use (Anthropic)
//   refuse            a refusal
//   cut               cut off at the token limit
//   ratelimit-once    429 with retry-after: 1, then good
//   slow              answers after 10 s
//   no-json-schema    (OpenAI) 400 for response_format json_schema, good for json_object
//   overloaded        (Anthropic) 529 overloaded_error every time
//   echo:<text>       a good object whose first string field is <text>
//   scripted          the JSON object in REPLY_FILE, as it is (make demo's plan)
// Usage: node llm.js PORTFILE LOGFILE [REPLY_FILE]
'use strict';
const fs = require('fs');
const http = require('http');

const [portFile, logFile, replyFile] = process.argv.slice(2);
const seen = new Map(); // model -> calls

// A value valid under schema (the strict-outputs subset).
function instance(schema, text) {
  const t = Array.isArray(schema.type) ? schema.type.find((x) => x !== 'null') : schema.type;
  if (schema.enum) return schema.enum[0];
  switch (t) {
    case 'object': {
      const o = {};
      for (const k of schema.required || Object.keys(schema.properties || {}))
        o[k] = instance(schema.properties[k], text);
      return o;
    }
    case 'array': return [instance(schema.items || { type: 'string' }, text)];
    case 'string': return text !== undefined ? text : 'a fake answer';
    case 'number': return 0.5;
    case 'integer': return 1;
    case 'boolean': return true;
    default: return null;
  }
}

// The same with the first required member given the wrong type: breaks any object schema.
function broken(schema) {
  const o = instance(schema);
  const first = (schema.required || [])[0];
  if (first) o[first] = typeof o[first] === 'number' ? 'not a number' : 12345;
  else o.unexpected_member = true;
  return o;
}

// The scripted answer, read on each call (a test may change the file between calls).
function scripted() {
  return JSON.parse(fs.readFileSync(replyFile, 'utf8'));
}

const isStr = (x) => typeof x === 'string';
const isInt = (x) => Number.isInteger(x);
const isObj = (x) => x && typeof x === 'object' && !Array.isArray(x);

// What the OpenAI API would refuse in a chat completion request autofix sends.
function openaiProblem(req, b) {
  if (!/^Bearer \S+$/.test(req.headers.authorization || '')) return [401, 'missing or malformed Authorization: Bearer'];
  if (!isObj(b)) return [400, 'the body is not a JSON object'];
  const allowed = ['model', 'messages', 'response_format', 'max_completion_tokens', 'max_tokens', 'stream', 'temperature'];
  for (const k of Object.keys(b)) if (!allowed.includes(k)) return [400, `Unrecognized request argument supplied: ${k}`];
  if (!isStr(b.model)) return [400, "'model' must be a string"];
  if (!Array.isArray(b.messages) || !b.messages.length) return [400, "'messages' must be a non-empty array"];
  for (const m of b.messages) {
    if (!['system', 'developer', 'user', 'assistant'].includes(m.role)) return [400, `invalid role ${m.role}`];
    if (!isStr(m.content)) return [400, 'message content must be a string here'];
  }
  if (b.max_completion_tokens !== undefined && !isInt(b.max_completion_tokens)) return [400, "'max_completion_tokens' must be an integer"];
  if (b.stream !== undefined && typeof b.stream !== 'boolean') return [400, "'stream' must be a boolean"];
  const f = b.response_format;
  if (f !== undefined) {
    if (!isObj(f) || !['text', 'json_object', 'json_schema'].includes(f.type)) return [400, "invalid 'response_format.type'"];
    if (f.type === 'json_schema') {
      const js = f.json_schema;
      if (!isObj(js) || !/^[a-zA-Z0-9_-]{1,64}$/.test(js.name || '')) return [400, "'response_format.json_schema.name' is invalid"];
      if (js.strict !== undefined && typeof js.strict !== 'boolean') return [400, "'strict' must be a boolean"];
      if (!isObj(js.schema) || js.schema.type !== 'object') return [400, "'json_schema.schema' must be an object schema"];
      if (js.strict && js.schema.additionalProperties !== false) return [400, "strict schemas need 'additionalProperties': false"];
    }
  }
  return null;
}

function anthropicProblem(req, b) {
  if (!isStr(req.headers['x-api-key']) && !/^Bearer \S+$/.test(req.headers.authorization || ''))
    return [401, 'authentication_error', 'x-api-key header is required'];
  if (!/^\d{4}-\d{2}-\d{2}$/.test(req.headers['anthropic-version'] || ''))
    return [400, 'invalid_request_error', 'anthropic-version header is required'];
  if (!isObj(b)) return [400, 'invalid_request_error', 'the body is not a JSON object'];
  const allowed = ['model', 'max_tokens', 'system', 'messages', 'tools', 'tool_choice', 'stream', 'metadata'];
  for (const k of Object.keys(b)) if (!allowed.includes(k)) return [400, 'invalid_request_error', `${k}: Extra inputs are not permitted`];
  if (!isStr(b.model)) return [400, 'invalid_request_error', 'model: Field required'];
  if (!isInt(b.max_tokens) || b.max_tokens < 1) return [400, 'invalid_request_error', 'max_tokens: Field required'];
  if (b.system !== undefined && !isStr(b.system)) return [400, 'invalid_request_error', 'system: must be a string'];
  if (!Array.isArray(b.messages) || !b.messages.length || b.messages[0].role !== 'user')
    return [400, 'invalid_request_error', 'messages: the first message must use the "user" role'];
  for (const m of b.messages) if (!['user', 'assistant'].includes(m.role) || !(isStr(m.content) || Array.isArray(m.content)))
    return [400, 'invalid_request_error', 'messages: invalid message'];
  const names = [];
  for (const t of b.tools || []) {
    if (!/^[a-zA-Z0-9_-]{1,128}$/.test(t.name || '')) return [400, 'invalid_request_error', 'tools.name: invalid'];
    if (!isObj(t.input_schema) || t.input_schema.type !== 'object') return [400, 'invalid_request_error', 'tools.input_schema: type must be object'];
    names.push(t.name);
  }
  const c = b.tool_choice;
  if (c !== undefined) {
    if (!isObj(c) || !['auto', 'any', 'tool', 'none'].includes(c.type)) return [400, 'invalid_request_error', 'tool_choice: invalid'];
    if (c.type === 'tool' && !names.includes(c.name)) return [400, 'invalid_request_error', 'tool_choice.name: no such tool'];
  }
  return null;
}

function send(res, status, body, headers) {
  res.writeHead(status, Object.assign({ 'content-type': 'application/json', 'request-id': 'req_fake' }, headers || {}));
  res.end(JSON.stringify(body));
}

function openaiAnswer(model, content, extra) {
  return Object.assign({
    id: 'chatcmpl-fake', object: 'chat.completion', created: 1795856400, model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1200, completion_tokens: 300, total_tokens: 1500 },
  }, extra || {});
}

function anthropicAnswer(model, content, stop) {
  return {
    id: 'msg_fake', type: 'message', role: 'assistant', model, content,
    stop_reason: stop, stop_sequence: null, usage: { input_tokens: 1100, output_tokens: 280 },
  };
}

function schemaOf(b) {
  const f = b.response_format;
  if (f && f.type === 'json_schema') return f.json_schema.schema;
  // json_object: the schema is in the system message, after "JSON Schema (named ...):\n".
  const sys = (b.messages.find((m) => m.role === 'system') || {}).content || '';
  const m = /JSON Schema \(named [^)]*\):\n(.*)\n/.exec(sys);
  return m ? JSON.parse(m[1]) : { type: 'object', properties: {} };
}

function onOpenAI(req, res, b, calls) {
  const p = openaiProblem(req, b);
  if (p) return send(res, p[0], { error: { message: p[1], type: 'invalid_request_error', param: null, code: null } });
  const model = b.model;
  if (model === 'no-json-schema' && b.response_format && b.response_format.type === 'json_schema')
    return send(res, 400, { error: { message: "response_format 'json_schema' is not supported by this server", type: 'invalid_request_error', param: 'response_format', code: null } });
  if (model === 'ratelimit-once' && calls === 1)
    return send(res, 429, { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, { 'retry-after': '1' });
  const schema = schemaOf(b);
  if (model === 'refuse') return send(res, 200, openaiAnswer(model, null, { choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: "I can't help with that." }, logprobs: null, finish_reason: 'stop' }] }));
  if (model === 'cut') return send(res, 200, openaiAnswer(model, '{"summary": "cut o', { choices: [{ index: 0, message: { role: 'assistant', content: '{"summary": "cut o', refusal: null }, logprobs: null, finish_reason: 'length' }] }));
  if (model === 'not-json') return send(res, 200, openaiAnswer(model, 'Sure! Here is the plan: restart the service.'));
  if (model === 'malformed' || (model === 'malformed-once' && calls === 1))
    return send(res, 200, openaiAnswer(model, JSON.stringify(broken(schema))));
  if (model === 'scripted') return send(res, 200, openaiAnswer(model, JSON.stringify(scripted())));
  const echo = model.startsWith('echo:') ? model.slice(5) : undefined;
  return send(res, 200, openaiAnswer(model, JSON.stringify(instance(schema, echo))));
}

function onAnthropic(req, res, b, calls) {
  const p = anthropicProblem(req, b);
  if (p) return send(res, p[0], { type: 'error', error: { type: p[1], message: p[2] }, request_id: 'req_fake' });
  const model = b.model;
  const tool = (b.tools || [])[0];
  const schema = tool ? tool.input_schema : { type: 'object' };
  const use = (input) => [{ type: 'tool_use', id: 'toolu_fake', name: tool ? tool.name : 'x', input }];
  if (model === 'overloaded') return send(res, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_fake' });
  if (model === 'ratelimit-once' && calls === 1)
    return send(res, 429, { type: 'error', error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' }, request_id: 'req_fake' }, { 'retry-after': '1' });
  if (model === 'refuse') return send(res, 200, anthropicAnswer(model, [{ type: 'text', text: 'I cannot help with this request.' }], 'refusal'));
  if (model === 'cut') return send(res, 200, anthropicAnswer(model, use({ summary: 'cut' }), 'max_tokens'));
  if (model === 'not-json') return send(res, 200, anthropicAnswer(model, [{ type: 'text', text: 'Sure! Restart the service.' }], 'end_turn'));
  if (model === 'malformed' || (model === 'malformed-once' && calls === 1))
    return send(res, 200, anthropicAnswer(model, use(broken(schema)), 'tool_use'));
  if (model === 'scripted') return send(res, 200, anthropicAnswer(model, use(scripted()), 'tool_use'));
  const echo = model.startsWith('echo:') ? model.slice(5) : undefined;
  return send(res, 200, anthropicAnswer(model, use(instance(schema, echo)), 'tool_use'));
}

const server = http.createServer((req, res) => {
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (c) => { raw += c; });
  req.on('end', () => {
    let b;
    try { b = JSON.parse(raw); } catch (e) { b = raw; }
    if (logFile) fs.appendFileSync(logFile, JSON.stringify({ path: req.url, headers: req.headers, body: b }) + '\n');
    const model = (b && b.model) || '';
    const calls = (seen.get(`${req.url} ${model}`) || 0) + 1;
    seen.set(`${req.url} ${model}`, calls);
    const answer = () => {
      if (req.method === 'POST' && req.url === '/v1/chat/completions') return onOpenAI(req, res, b, calls);
      if (req.method === 'POST' && req.url === '/v1/messages') return onAnthropic(req, res, b, calls);
      return send(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
    };
    if (model === 'slow') setTimeout(answer, 10000); else answer();
  });
});
server.listen(0, '127.0.0.1', () => fs.writeFileSync(portFile, String(server.address().port)));
process.on('SIGTERM', () => process.exit(0));
