import { createServer } from 'node:http';

/** The answer text for a prompt and choice: deterministic, so tests can predict it. */
export function answerFor(prompt, choice) {
  return `A passage about ${prompt.replace(/^.*?: /, '')} (choice ${choice}).`;
}

/**
 * An OpenAI Chat Completions server on 127.0.0.1, written for the tests: `POST
 * /v1/chat/completions` answers after `latencyMs` the way `behave` says (rate limits with or
 * without retry-after, server errors, hangs, a body dripped a byte at a time, malformed JSON, no
 * choices, choices without text, content filtered, more choices than asked, no usage), and `GET
 * /v1/models` lists one model. With `draws`, a request that samples without a seed gets a text of
 * its own (as a real sampler would), so that tests can tell draws apart.
 */
export async function startChatServer(opts = {}) {
  const log = [];
  const seen = new Map();
  let draws = 0;
  const counts = { answered: 0 };
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.endsWith('/models')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'test-model', object: 'model' }] }));
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw);
      const repeat = seen.get(raw) ?? 0;
      seen.set(raw, repeat + 1);
      const users = body.messages.filter((m) => m.role === 'user');
      const r = {
        body,
        prompt: users[users.length - 1]?.content ?? '',
        repeat,
        authorization: req.headers.authorization,
        headers: req.headers,
      };
      log.push(r);
      const how = opts.behave?.(r) ?? 'ok';
      if (how === 'hang') return; // never answers: the client's timeout must end it
      const draw = opts.draws && body.seed === undefined && (body.temperature ?? 1) > 0 ? ++draws : undefined;
      setTimeout(() => answer(res, r, how, draw, opts, counts), opts.latencyMs ?? 0);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    log,
    get answered() {
      return counts.answered;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(res, r, how, draw, opts, counts) {
  const json = (status, value, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(value));
  };
  const error = (status, message, headers = {}) => json(status, { error: { message, type: 'test', code: status } }, headers);
  const completion = (choices, usage = { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 }) =>
    json(200, { id: 'x', object: 'chat.completion', created: 0, model: r.body.model, choices, usage });
  switch (how) {
    case '429':
      return error(429, 'rate limited');
    case '429-retry-after':
      return error(429, 'rate limited', { 'retry-after': '1' });
    case '429-retry-after-ms':
      return error(429, 'rate limited', { 'retry-after-ms': '50' });
    case '500':
      return error(500, 'internal error');
    case '400':
      return error(400, 'bad request: the model does not exist');
    case '401':
      return error(401, `Incorrect API key provided: ${r.authorization?.replace(/^Bearer /, '') ?? ''}`);
    case '401-echo':
      // a server that echoes every header it got, credentials included
      return error(401, `refused; you sent ${JSON.stringify(r.headers)}`);
    case '401-echo-own':
      // the same, with only the credential and custom headers (the client cuts a long message short)
      return error(
        401,
        `refused; you sent ${JSON.stringify(Object.entries(r.headers).filter(([h]) => h === 'authorization' || (h.startsWith('x-') && !h.startsWith('x-stainless'))))}`,
      );
    case 'malformed':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "x", "choices": [ {"index": 0, "message": ');
      return;
    case 'empty-choices':
      return json(200, { id: 'x', object: 'chat.completion', created: 0, model: r.body.model, choices: [] });
    case 'no-message':
      return completion([{ index: 0, finish_reason: 'stop' }]);
    case 'null-content':
      return completion([{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'stop' }]);
    case 'number-content':
      return completion([{ index: 0, message: { role: 'assistant', content: 123 }, finish_reason: 'stop' }]);
    case 'array-content':
      return completion([{ index: 0, message: { role: 'assistant', content: [{ type: 'text', text: 'x' }] }, finish_reason: 'stop' }]);
    case 'content-filter':
      return completion([{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'content_filter' }]);
    case 'refusal':
      return completion([
        { index: 0, message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' }, finish_reason: 'stop' },
      ]);
  }
  // more choices than asked (n + 3), as a broken endpoint may send
  const n = (r.body.n ?? 1) + (how === 'extra-choices' ? 3 : 0);
  const choices = Array.from({ length: n }, (_, i) => ({
    index: i,
    message: { role: 'assistant', content: answerFor(r.prompt, i) + (draw === undefined ? '' : ` [draw ${draw}]`) },
    finish_reason: 'stop',
  }));
  const completionTokens = choices.reduce((s, c) => s + Math.ceil(c.message.content.length / 4), 0);
  const usage = { prompt_tokens: Math.ceil(r.prompt.length / 4) + 8, completion_tokens: completionTokens, total_tokens: 0 };
  const text = JSON.stringify({
    id: 'x',
    object: 'chat.completion',
    created: 0,
    model: r.body.model,
    choices,
    ...(how === 'no-usage' ? {} : { usage }),
  });
  res.on('finish', () => {
    counts.answered++;
    r.answered = true;
  });
  if (how === 'drip') {
    // the headers at once, then a blank every dripMs (JSON allows leading blanks) for dripForMs, then the answer
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    const t0 = Date.now();
    const timer = setInterval(() => {
      if (Date.now() - t0 < (opts.dripForMs ?? 30_000)) res.write(' ');
      else {
        clearInterval(timer);
        res.end(text);
      }
    }, opts.dripMs ?? 300);
    res.on('close', () => clearInterval(timer));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(text);
}
