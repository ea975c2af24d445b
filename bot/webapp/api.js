// The bot's /app/api. Every call carries "Authorization: tma <initData>": the raw string
// Telegram signed, which the server checks (no secret ever reaches the page).

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

/** The API's root: the folder the page was served from (/app/), whatever the host puts before it. */
function apiRoot() {
  return location.pathname.replace(/[^/]*$/, '') + 'api/';
}

export function createApi(initData) {
  // An admin opens the page with ?provider=ID to act for that provider; the server decides.
  const provider = new URLSearchParams(location.search).get('provider');

  async function call(method, path, { query = {}, body } = {}) {
    const url = new URL(apiRoot() + path, location.origin);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) url.searchParams.set(key, value);
    }
    if (provider) url.searchParams.set('provider', provider);
    const init = { method, headers: { Authorization: `tma ${initData}` } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch {
      throw new ApiError(0, null);
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  return {
    texts: (lang) => call('GET', 'texts', { query: { lang } }),
    week: (start) => call('GET', 'week', { query: { start } }),
    act: (id, action, reason) =>
      call('POST', `appointments/${id}/${action}`, { body: reason ? { reason } : {} }),
    setHours: (weekday, intervals) => call('PUT', `hours/${weekday}`, { body: { intervals } }),
    copyHours: (from, to) => call('POST', 'hours/copy', { body: { from, to } }),
    addBlock: (block) => call('POST', 'blocks', { body: block }),
    removeBlock: (id) => call('DELETE', `blocks/${id}`),
    setSpecial: (date, intervals) => call('POST', 'special', { body: { date, intervals } }),
    figures: (weeks) => call('GET', 'figures', { query: { weeks } }),
  };
}
