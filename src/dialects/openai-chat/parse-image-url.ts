import type { ImageSource } from '../../spec/chat-request.js';
import { invalidParam, type ParamPath } from './openai-chat-invalid-request.js';

const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*),/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Converts an OpenAI `image_url.url` into a canonical image source:
 * - `data:<image/*>;base64,<data>` → `{kind:'base64', mediaType, data}`
 * - `http://…` / `https://…`       → `{kind:'url', url}`
 * Anything else (a data URL that is not base64 or not an image, another scheme) is a 400 at `path`.
 */
export function parseImageUrl(url: string, path: ParamPath): ImageSource {
  if (url.startsWith('data:') || url.startsWith('DATA:')) return parseDataUrl(url, path);
  if (/^https?:\/\//i.test(url)) {
    try {
      new URL(url);
    } catch {
      throw invalidParam(path, `Invalid image URL '${truncate(url)}': not a valid http(s) URL.`);
    }
    return { kind: 'url', url };
  }
  throw invalidParam(path, `Invalid image URL '${truncate(url)}': expected an http(s) URL or a base64 data URL (data:image/png;base64,...).`);
}

function parseDataUrl(url: string, path: ParamPath): ImageSource {
  const match = DATA_URL.exec(url);
  const hint = 'expected data:image/<type>;base64,<data>';
  if (!match) throw invalidParam(path, `Malformed data URL: ${hint}.`);
  const mediaType = (match[1] ?? '').toLowerCase();
  const parameters = (match[2] ?? '').toLowerCase().split(';');
  if (!mediaType.startsWith('image/')) {
    throw invalidParam(path, `Malformed data URL: media type '${mediaType || '(none)'}' is not an image; ${hint}.`);
  }
  if (!parameters.includes('base64')) throw invalidParam(path, `Malformed data URL: the data is not base64-encoded; ${hint}.`);
  const data = url.slice(match[0].length);
  if (data.length === 0 || !BASE64.test(data)) {
    throw invalidParam(path, `Malformed data URL: the data is empty or not valid base64; ${hint}.`);
  }
  return { kind: 'base64', mediaType, data };
}

function truncate(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value;
}
