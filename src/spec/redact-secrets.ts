/**
 * Keeps credentials out of everything the gateway tells a client about an upstream failure.
 *
 * Upstreams echo what they were sent: a 401 that quotes the Authorization header, a SigV4
 * SignatureDoesNotMatch that prints the canonical request with `x-amz-security-token`, a proxy page
 * that dumps the request headers. `redactSecrets` scrubs a message twice:
 *
 * 1. every credential the gateway holds (registered with `registerSecret(s)` when providers are
 *    created, see src/config/config-secrets.ts), and every credential a call brought with it (a team's
 *    own key, registered with `registerCallSecret` by the adapter that uses it), also JSON- and
 *    URL-escaped, is replaced;
 * 2. anything shaped like a credential is replaced: `Bearer <token>` / `Basic <token>`, `sk-…` keys,
 *    AWS access key ids (AKIA…/ASIA…), GitHub/Slack/Google keys, `user:password@` in URLs, and the value
 *    after a credential name (`Authorization:`, `x-api-key:`, `api_key=`, `X-Amz-Security-Token=`,
 *    `Signature=`, `Credential=`, `password`, …; after the generic names `key`, `token` and `secret`
 *    only a long value with letters and digits).
 *
 * The upstream's other words stay, so "Invalid model: gpt-9" survives. The text is cut to a bounded
 * length before scanning, and every pattern is a literal prefix followed by single character-class
 * runs (no nested or adjacent ambiguous quantifiers), so scrubbing is linear in the message length.
 */

export const REDACTED = '[redacted]';

/** Longest message `redactSecrets` returns by default (longer ones are cut, with an ellipsis). */
export const MAX_REDACTED_MESSAGE_CHARS = 4096;

/** Registered secrets shorter than this are not matched literally (they would mangle ordinary words). */
export const MIN_REGISTERED_SECRET_LENGTH = 8;

/** Scanned beyond the output length, so a secret straddling the cut is still recognised whole. */
const SCAN_MARGIN_CHARS = 4096;

/**
 * The gateway's own credentials (configuration, master and client keys): a set bounded by the
 * configuration, kept for the life of the process.
 */
const registered = new Set<string>();
/**
 * Credentials that came with calls (a team's own key, a resolver's answer), most recently used last.
 * Teams bring keys without limit, so this set is bounded: past MAX_CALL_SECRETS the least recently
 * used one is forgotten (a call re-registers its secret on every use, so an in-flight call's secret is
 * only forgotten when MAX_CALL_SECRETS other call secrets were used since; shape-based scrubbing still
 * applies to it).
 */
const callSecrets = new Map<string, true>();

/** How many call-supplied secrets are remembered at most (each costs four needles per scrubbed message). */
export const MAX_CALL_SECRETS = 256;

/** Every registered secret and its escaped forms, longest first; rebuilt lazily after a registration. */
let needles: string[] | undefined;

/** Adds one credential the gateway holds (a provider key, an AWS secret, a client API key …). */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== 'string') return;
  const secret = value.trim();
  if (secret.length < MIN_REGISTERED_SECRET_LENGTH || registered.has(secret)) return;
  registered.add(secret);
  callSecrets.delete(secret);
  needles = undefined;
}

export function registerSecrets(values: Iterable<string | undefined | null>): void {
  for (const value of values) registerSecret(value);
}

/**
 * Adds (or marks as just used) one credential a call brought with it. Cheap when it is known already
 * (two map operations, no rebuild); the oldest call secret is forgotten past MAX_CALL_SECRETS.
 */
export function registerCallSecret(value: string | undefined | null): void {
  if (typeof value !== 'string') return;
  const secret = value.trim();
  if (secret.length < MIN_REGISTERED_SECRET_LENGTH || registered.has(secret)) return;
  if (callSecrets.delete(secret)) {
    callSecrets.set(secret, true);
    return;
  }
  callSecrets.set(secret, true);
  if (callSecrets.size > MAX_CALL_SECRETS) callSecrets.delete(callSecrets.keys().next().value as string);
  needles = undefined;
}

/**
 * Whether a value needs no call registration: it is one of the gateway's own registered credentials,
 * or too short to be matched literally anyway.
 */
export function isPermanentlyRedacted(value: string): boolean {
  const secret = value.trim();
  return secret.length < MIN_REGISTERED_SECRET_LENGTH || registered.has(secret);
}

/** How many secrets are registered, the gateway's own and the remembered call secrets (for startup logs and tests). */
export function registeredSecretCount(): number {
  return registered.size + callSecrets.size;
}

/** Forgets every registered secret (tests). */
export function clearRegisteredSecrets(): void {
  registered.clear();
  callSecrets.clear();
  needles = undefined;
}

/**
 * Scrubs registered and credential-shaped secrets from `text` (an upstream error message, a raw
 * error event, a network error description) and bounds its length. Safe on any input size.
 */
export function redactSecrets(text: string, maxChars = MAX_REDACTED_MESSAGE_CHARS): string {
  if (typeof text !== 'string' || text === '') return text;
  let out = text.length > maxChars + SCAN_MARGIN_CHARS ? text.slice(0, maxChars + SCAN_MARGIN_CHARS) : text;
  out = redactRegistered(out);
  out = redactShapes(out);
  if (out.length > maxChars) out = `${out.slice(0, maxChars)}…`;
  return out;
}

function redactRegistered(text: string): string {
  if (registered.size === 0 && callSecrets.size === 0) return text;
  needles ??= buildNeedles();
  let out = text;
  for (const needle of needles) {
    if (out.includes(needle)) out = out.split(needle).join(REDACTED);
  }
  return out;
}

function buildNeedles(): string[] {
  return needlesOf([...registered, ...callSecrets.keys()]);
}

/** Each secret raw, JSON-escaped (with and without escaped slashes) and URL-encoded; long enough ones only, longest first. */
function needlesOf(secrets: Iterable<string>): string[] {
  const all = new Set<string>();
  for (const secret of secrets) {
    all.add(secret);
    const jsonEscaped = JSON.stringify(secret).slice(1, -1);
    all.add(jsonEscaped);
    all.add(jsonEscaped.replaceAll('/', '\\/'));
    all.add(encodeURIComponent(secret));
  }
  return [...all].filter((needle) => needle.length >= MIN_REGISTERED_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

/**
 * Replaces every credential the gateway holds (registered secrets and remembered call secrets) and
 * every `extra` secret, in all their escaped forms, and nothing else: no shape-based scrubbing and no
 * length cut. For user content that is kept as it was sent (the request log), where a prompt's own
 * words ("password: hunter2", an `sk-…` example) stay but no credential of the gateway may be stored.
 * Linear in the text length times the number of secrets; the caller bounds the text.
 */
export function redactRegisteredSecrets(text: string, extra?: Iterable<string>): string {
  if (typeof text !== 'string' || text === '') return text;
  let out = redactRegistered(text);
  if (extra) {
    for (const needle of needlesOf([...extra].map((secret) => secret.trim()))) {
      if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    }
  }
  return out;
}

/**
 * Names whose value is a credential. Matched anywhere (so `x-goog-api-key`, `aws_secret_access_key`,
 * `X-Amz-Security-Token` are found through their tails); longer names first so the alternation
 * takes the most specific one.
 */
const EXPLICIT_NAMES = [
  'proxy-authorization',
  'authorization',
  'x-amz-security-token',
  'x-amz-credential',
  'x-amz-signature',
  'secret[-_]?access[-_]?key',
  'access[-_]?key[-_]?id',
  'client[-_]?secret',
  'private[-_]?key',
  'security[-_]?token',
  'session[-_]?token',
  'access[-_]?token',
  'refresh[-_]?token',
  'bearer[-_]?token',
  'auth[-_]?token',
  'id[-_]?token',
  'x-api-key',
  'api[-_ ]?key',
  'apikey',
  'signature',
  'credential',
  'password',
  'passwd',
];
/** Generic names: their value is redacted only when it looks like a key (long, letters and digits). */
const GENERIC_NAMES = ['secret', 'token', 'key'];

const EXPLICIT_NAME = new RegExp(`^(?:${EXPLICIT_NAMES.join('|')})$`, 'i');

/**
 * name, separator (`: `, `=`, `": "`, `\":\"`), an optional auth scheme, and the value (one run of
 * characters that cannot end a header value, query parameter or JSON string).
 */
const NAMED_VALUE = new RegExp(
  `(${[...EXPLICIT_NAMES, ...GENERIC_NAMES].join('|')})` +
    `([\\\\"']{0,3}[ \\t]*[:=][ \\t]*(?:[\\\\"']{1,3}[ \\t]*)?)` +
    `((?:bearer|basic|token|aws4-hmac-sha256)[ \\t]+)?` +
    `([^\\s"'\\\\,;&<>()\\[\\]{}]+)`,
  'gi',
);

const AUTH_SCHEME = /\b(bearer|basic)([ \t]+)([A-Za-z0-9._~+/=-]+)/gi;

/** Key formats that are recognisable on their own. */
const KEY_SHAPES: readonly RegExp[] = [
  /\bsk-[A-Za-z0-9][A-Za-z0-9_-]{10,}/g, // OpenAI sk-…, sk-proj-…, Anthropic sk-ant-…, the gateway's own sk-swy-…
  /\b(?:AKIA|ASIA|AIDA|AROA|AIPA|ANPA|ANVA|AGPA|APKA|ABIA|ACCA)[A-Z0-9]{16}\b/g, // AWS access key ids
  /\bAIza[0-9A-Za-z_-]{30,}/g, // Google API keys
  /\bgh[pousr]_[A-Za-z0-9]{30,}/g, // GitHub tokens
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, // Slack tokens
];

/** `scheme://user:password@` → `scheme://[redacted]@`. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]{0,15}:\/\/)[^\s/?#@:]+:[^\s/?#@]+@/gi;

/** Trailing sentence punctuation is not part of a value. */
const TRAILING_PUNCTUATION = /[.:!?]+$/;
/** A plain word ("missing", "Required", "null") is not a secret. */
const PLAIN_WORD = /^[A-Za-z][a-z]*$/;

function redactShapes(text: string): string {
  let out = text.replace(NAMED_VALUE, (match, name: string, separator: string, scheme: string | undefined, rawValue: string) => {
    const trailing = TRAILING_PUNCTUATION.exec(rawValue)?.[0] ?? '';
    const value = trailing ? rawValue.slice(0, -trailing.length) : rawValue;
    const secret = EXPLICIT_NAME.test(name) || scheme !== undefined ? looksLikeCredential(value) : looksLikeKey(value);
    return secret ? `${name}${separator}${scheme ?? ''}${REDACTED}${trailing}` : match;
  });
  out = out.replace(AUTH_SCHEME, (match, scheme: string, space: string, rawValue: string) => {
    const trailing = TRAILING_PUNCTUATION.exec(rawValue)?.[0] ?? '';
    const value = trailing ? rawValue.slice(0, -trailing.length) : rawValue;
    return value.length >= 8 && looksLikeCredential(value) ? `${scheme}${space}${REDACTED}${trailing}` : match;
  });
  for (const shape of KEY_SHAPES) out = out.replace(shape, REDACTED);
  return out.replace(URL_USERINFO, `$1${REDACTED}@`);
}

/** The value of an explicitly named credential: anything but a short or plain word. */
function looksLikeCredential(value: string): boolean {
  return value.length >= 4 && !PLAIN_WORD.test(value);
}

/** The value after a generic name (key, token, secret): long, with letters and digits. */
function looksLikeKey(value: string): boolean {
  return value.length >= 16 && /[0-9]/.test(value) && /[A-Za-z]/.test(value);
}
