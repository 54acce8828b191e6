// The console's only way to the server: the same REST and GraphQL API every client uses, with the
// user's API key in an Authorization header. The key lives in this module and in sessionStorage (this
// tab only, gone when it closes); it is never put in an address, where logs and history would keep it.

const STORAGE_KEY = 'iris.console.apiKey';
let apiKey = sessionStorage.getItem(STORAGE_KEY) || null;
const unauthorizedListeners = new Set();

export const auth = {
  get key() { return apiKey; },
  set(key) {
    apiKey = key;
    sessionStorage.setItem(STORAGE_KEY, key);
  },
  clear() {
    apiKey = null;
    sessionStorage.removeItem(STORAGE_KEY);
    forgetThumbnails();
  },
  onUnauthorized(listener) { unauthorizedListeners.add(listener); },
};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function headers(extra) {
  const out = {...extra};
  // Without a key nothing is sent: a server without API keys refuses any token.
  if (apiKey) out.Authorization = `Bearer ${apiKey}`;
  return out;
}

function messageOf(body, text, status) {
  if (body && Array.isArray(body.error) && body.error[0]?.message) return body.error.map((e) => e.message).join('; ');
  if (body && typeof body.message === 'string') return body.message;
  if (body && Array.isArray(body.errors) && body.errors[0]?.message) return body.errors.map((e) => e.message).join('; ');
  return text ? `HTTP ${status}: ${text.slice(0, 300)}` : `HTTP ${status}`;
}

/** One API call; resolves to the parsed JSON body (null when empty), rejects with ApiError. */
export async function api(method, path, body) {
  const init = {method, headers: headers(body === undefined ? {} : {'Content-Type': 'application/json'})};
  if (body !== undefined) init.body = JSON.stringify(body);
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, `the server did not answer (${e.message})`);
  }
  const text = await response.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch { json = null; }
  }
  if (response.status === 401) {
    const error = new ApiError(401, messageOf(json, text, 401));
    error.withKey = 'Authorization' in init.headers;
    for (const listener of unauthorizedListeners) listener(error);
    throw error;
  }
  if (!response.ok) throw new ApiError(response.status, messageOf(json, text, response.status));
  return json;
}

/** POST /v1/graphql; resolves to the whole answer ({data, errors}). */
export function graphqlRaw(query) {
  return api('POST', '/v1/graphql', {query});
}

/** POST /v1/graphql; resolves to `data`, rejects when the answer has errors. */
export async function graphql(query) {
  const answer = await graphqlRaw(query);
  if (answer && Array.isArray(answer.errors) && answer.errors.length) {
    throw new ApiError(200, answer.errors.map((e) => e.message).join('; '));
  }
  return answer ? answer.data : null;
}

// Thumbnails come from GET /v1/console/thumbnail/{class}/{id}/{property}. An <img src> could not carry the
// key, so each one is fetched with it and shown through a blob: URL; the browser's HTTP cache still
// applies (ETag, Cache-Control), and this map keeps a page's URLs while it is shown.
const thumbnails = new Map();
const THUMBNAIL_LIMIT = 600;

export function thumbnailPath(className, id, property, size = 256) {
  const e = encodeURIComponent;
  return `/v1/console/thumbnail/${e(className)}/${e(id)}/${e(property)}?size=${size}`;
}

/** Resolves to a blob: URL of the thumbnail (rejects with ApiError). */
export function thumbnail(className, id, property, size = 256) {
  const path = thumbnailPath(className, id, property, size);
  let entry = thumbnails.get(path);
  if (!entry) {
    entry = fetch(path, {headers: headers()}).then(async (response) => {
      if (!response.ok) throw new ApiError(response.status, messageOf(null, await response.text(), response.status));
      return URL.createObjectURL(await response.blob());
    });
    entry.catch(() => thumbnails.delete(path));
    thumbnails.set(path, entry);
    while (thumbnails.size > THUMBNAIL_LIMIT) {
      const [oldest, promise] = thumbnails.entries().next().value;
      thumbnails.delete(oldest);
      promise.then((url) => URL.revokeObjectURL(url), () => {});
    }
  }
  return entry;
}

export function forgetThumbnails() {
  for (const promise of thumbnails.values()) promise.then((url) => URL.revokeObjectURL(url), () => {});
  thumbnails.clear();
}

/** An <img> element that shows the thumbnail once it has arrived (or a note if it cannot). */
export function thumbnailImage(className, id, property, size = 256, alt = '') {
  const img = document.createElement('img');
  img.alt = alt;
  img.decoding = 'async';
  img.dataset.state = 'loading';
  img.loaded = thumbnail(className, id, property, size).then(
    (url) => new Promise((resolve) => {
      img.addEventListener('load', () => { img.dataset.state = 'loaded'; resolve(true); }, {once: true});
      img.addEventListener('error', () => { img.dataset.state = 'failed'; resolve(false); }, {once: true});
      img.src = url;
    }),
    (error) => {
      img.dataset.state = 'failed';
      img.title = error.message;
      return false;
    });
  return img;
}
