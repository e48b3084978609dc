import type { Problem } from './types.js';

/**
 * A name (of a header, a URL query parameter or a server's variable) that says it carries a
 * credential. By class, not by example: X-Auth-Token, X-Goog-Api-Key, Ocp-Apim-Subscription-Key…
 */
const CREDENTIAL_NAME = /key|token|secret|auth|passw|pwd|session|sig|cookie|credential/i;

/** What an environment variable's name looks like. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A value that is more likely a key than a variable's name: a vendor key prefix (sk-, sk_live_,
 * hf_, AIza…), or a long run of mixed letters and digits without the words of an UPPER_SNAKE name.
 */
export function looksLikeKey(value: string): boolean {
  if (/^(sk|pk|rk)[-_]|^hf_[A-Za-z0-9]{8}|^AIza|^gh[pousr]_|^xox[abp]-/.test(value)) return true;
  const letters = /[A-Za-z]/.test(value);
  const digits = (value.match(/[0-9]/g) ?? []).length;
  const words = value.split(/[_-]/).filter(Boolean);
  const longest = Math.max(0, ...words.map((w) => w.length));
  return letters && digits >= 4 && longest >= 20;
}

/** A problem with a variable's name, saying what is wrong without repeating the value (it may be a key). */
function variableNameProblem(key: string[], what: string, value: unknown): Problem[] {
  // an `${env:...}` left as written is reported where interpolation refuses it
  if (typeof value !== 'string' || value.includes('${env:')) return [];
  if (VARIABLE_NAME.test(value) && !looksLikeKey(value)) return [];
  const why = looksLikeKey(value) ? 'this looks like a key itself' : 'this is not a variable name (letters, digits and _)';
  return [
    {
      key,
      message: `${what} takes the NAME of an environment variable, not its value; ${why}. Export the key (export MY_KEY=...) and write its name (${what}: MY_KEY); the value given is not repeated here`,
    },
  ];
}

/** The URL with its user, password and credential query values replaced by `***`, or undefined when it carries none. */
export function maskedUrl(url: URL): string | undefined {
  const masked = new URL(url.href);
  let found = false;
  if (masked.username || masked.password) {
    found = true;
    if (masked.username) masked.username = '***';
    if (masked.password) masked.password = '***';
  }
  for (const name of new Set(masked.searchParams.keys()))
    if (CREDENTIAL_NAME.test(name) && masked.searchParams.get(name)) {
      found = true;
      masked.searchParams.set(name, '***');
    }
  return found ? masked.href : undefined;
}

/**
 * A `-S PATH=VALUE` setting as positions name it: the value is masked where it would be refused as
 * a credential (a credential setting of a model, a URL's user or credential query), so that the
 * error pointing at it does not print it.
 */
export function maskedSetting(text: string): string {
  const eq = text.indexOf('=');
  const path = text.slice(0, eq);
  if (eq > 0 && /(^|\.)(headers|serve\.env)\.[^.]+$/.test(path) && CREDENTIAL_NAME.test(path.slice(path.lastIndexOf('.') + 1)))
    return `${path}=***`;
  if (eq > 0 && /(^|\.)(api_key_env|headers_env\.[^.]+)$/.test(path)) return `${path}=***`;
  // a whole model, or its headers or server variables at once
  if (eq > 0 && /^models(\.[^.]+)?$|(^|\.)(headers|headers_env|env|serve)$/.test(path) && CREDENTIAL_NAME.test(text.slice(eq + 1)))
    return `${path}=***`;
  return text
    .replace(/(\/\/)[^/@\s]+@/g, '$1***@')
    .replace(/([?&][^=&\s]+=)([^&\s]*)/g, (all, name: string, value: string) => (CREDENTIAL_NAME.test(name) && value ? `${name}***` : all));
}

/**
 * Secrets reach a request only through variables named in `api_key_env` and `headers_env`: what
 * the YAML says is stored (experiments, stages, request keys) and printed, so a credential
 * written anywhere else in a model is refused, with the way to give it instead.
 */
export function credentialProblems(model: Record<string, unknown>): Problem[] {
  const out: Problem[] = [];
  const headers = model.headers;
  if (headers && typeof headers === 'object')
    for (const h of Object.keys(headers))
      if (CREDENTIAL_NAME.test(h))
        out.push({
          key: ['headers', h],
          message: `header '${h}' carries a credential: give it with headers_env (the variable's name) or api_key_env, never its value in the YAML`,
        });
  out.push(...variableNameProblem(['api_key_env'], 'api_key_env', model.api_key_env));
  const headersEnv = model.headers_env;
  if (headersEnv && typeof headersEnv === 'object')
    for (const [h, v] of Object.entries(headersEnv)) out.push(...variableNameProblem(['headers_env', h], `headers_env.${h}`, v));
  const urls = typeof model.base_url === 'string' ? [model.base_url] : Array.isArray(model.base_url) ? model.base_url : [];
  urls.forEach((u, i) => {
    if (typeof u !== 'string' || u === '') return;
    const key = Array.isArray(model.base_url) ? ['base_url', String(i)] : ['base_url'];
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      // not repeated: a malformed URL may still hold a key
      out.push({ key, message: 'base_url is not a URL: write http(s)://HOST[:PORT]/PATH, e.g. http://127.0.0.1:8000/v1' });
      return;
    }
    const masked = maskedUrl(url);
    if (masked)
      out.push({
        key,
        message: `base_url ${masked} carries a credential (a user or password, or a key in the query): give the key with api_key_env or a header with headers_env, never in the URL`,
      });
  });
  const serveEnv = (model.serve as { env?: unknown } | undefined)?.env;
  if (serveEnv && typeof serveEnv === 'object')
    for (const name of Object.keys(serveEnv))
      if (CREDENTIAL_NAME.test(name))
        out.push({
          key: ['serve', 'env', name],
          message: `serve.env.${name} carries a credential: export it in qexp's environment instead (the server inherits it), never its value in the YAML`,
        });
  return out;
}
