import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** Shared pieces of the seeded fuzz tests (request-fuzz, response-fuzz): a PRNG, JSON walking, a request with a deadline. */

/** A seeded PRNG (mulberry32): the same seed gives the same cases, never Math.random. */
export class Rng {
  constructor(private state: number) {}
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A place in a JSON value: its container and its key there. */
export interface JsonSlot {
  parent: Json[] | { [key: string]: Json };
  key: string | number;
}

/** Every container slot in the value (depth first). */
export function jsonSlots(root: Json): JsonSlot[] {
  const out: JsonSlot[] = [];
  const stack: Json[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (Array.isArray(node)) node.forEach((child, i) => (out.push({ parent: node, key: i }), stack.push(child)));
    else if (node !== null && typeof node === 'object') for (const key of Object.keys(node)) (out.push({ parent: node, key }), stack.push(node[key]));
  }
  return out;
}

export interface FuzzAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  trailers: NodeJS.Dict<string>;
  text: string;
}

/** One request on its own connection; rejects when no complete answer arrives within `timeoutMs` (a hang). */
export function sendWithDeadline(url: URL, method: string, headers: Record<string, string>, body: Buffer | string | undefined, timeoutMs: number): Promise<FuzzAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, trailers: res.trailers, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}
