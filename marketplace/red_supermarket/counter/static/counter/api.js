// The counter's one way to the server: GraphQL over fetch, retried on a dropped or failed
// connection, with the operator's token; plus request ids that survive a retry (and a page
// reload) until the server has answered, so a retried submit is the same request.

const TOKEN = "counter.token";
const PENDING = "counter.request.";

export const session = {
  get token() { return sessionStorage.getItem(TOKEN); },
  set token(value) { value ? sessionStorage.setItem(TOKEN, value) : sessionStorage.removeItem(TOKEN); },
};

export class ApiError extends Error {
  constructor(message, code) { super(message); this.code = code; }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function gql(query, variables = {}, { retries = 4 } = {}) {
  let lastError;
  for (let attempt = 0; attempt <= retries; attempt += 1) {
    if (attempt) await sleep(Math.min(400 * 2 ** attempt, 5000));
    let response;
    try {
      response = await fetch("/graphql/", {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          ...(session.token ? { Authorization: `Bearer ${session.token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
    } catch (error) {
      lastError = new ApiError("网络不通，正在重试… / network down, retrying", "NETWORK");
      continue;
    }
    if (response.status >= 500) {
      lastError = new ApiError(`服务器错误 ${response.status}`, "SERVER");
      continue;
    }
    const body = await response.json();
    if (body.errors && body.errors.length) {
      const first = body.errors[0];
      throw new ApiError(first.message, first.extensions?.exception?.code || "GRAPHQL_ERROR");
    }
    return body.data;
  }
  throw lastError;
}

function freshId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "rq-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// The id of the submit `key` in flight: made on the first attempt, the same on every retry,
// forgotten once the server answered (`requestAnswered`).
export function requestIdFor(key) {
  let id = sessionStorage.getItem(PENDING + key);
  if (!id) {
    id = freshId();
    sessionStorage.setItem(PENDING + key, id);
  }
  return id;
}

export function requestAnswered(key) {
  sessionStorage.removeItem(PENDING + key);
}

// The same, for the mutations whose request id is a UUID (parcel dispatch).
export function requestUuidFor(key) {
  let id = sessionStorage.getItem(PENDING + key);
  if (!id) {
    const hex = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
    id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
    sessionStorage.setItem(PENDING + key, id);
  }
  return id;
}

// A pending request id belongs to what was typed when it was made: the same form again is
// a retry, other values are the next villager and get a new id.
export function forgetRequestIfRetyped(key, typed) {
  const value = JSON.stringify(typed);
  if (sessionStorage.getItem(`typed:${key}`) !== value) requestAnswered(key);
  sessionStorage.setItem(`typed:${key}`, value);
}

// Pages the counter's own server renders for the operator (receipts), with the token.
export async function fetchAuthorised(url) {
  const response = await fetch(url, { headers: { Authorization: `Bearer ${session.token}` } });
  if (!response.ok) throw new ApiError(`打不开 ${url} (${response.status})`, "HTTP");
  return response;
}

export const yuan = (money) => (money == null ? "" : `¥${Number(money.amount).toFixed(2)}`);

// A tiny bus so panels hear each other (a sale changes the till, a receipt appears).
const listeners = {};
export const bus = {
  on(event, fn) { (listeners[event] ||= []).push(fn); },
  emit(event, detail) { (listeners[event] || []).forEach((fn) => fn(detail)); },
};

export const counter = { supermarket: null };

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else if (value !== false && value != null) node.setAttribute(key, value);
  }
  for (const child of children.flat()) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}
