// REST calls with the session's key; any refusal becomes an ApiError carrying the problem+json's words.

export class ApiError extends Error {
  /** @param {{title?: string, detail?: string, code?: string, status?: number}} problem */
  constructor(problem, status) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.code = problem.code ?? `HTTP_${status}`;
    this.title = problem.title ?? `Request failed (HTTP ${status})`;
    this.detail = problem.detail ?? '';
  }

  /** What the operator reads: the problem's title, then its detail. */
  get words() {
    if (!this.detail) return this.title;
    // Titles are sentences ("… limits.") or labels ("Command not allowed in this state").
    return /[.!?]$/.test(this.title) ? `${this.title} ${this.detail}` : `${this.title}: ${this.detail}`;
  }
}

/** Requests go to /api/v1 on this origin. `getKey()` reads the key at call time (sign-out clears it). */
export function createApi(getKey) {
  async function request(method, path, body, init = {}) {
    const headers = { authorization: `Bearer ${getKey()}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response;
    try {
      response = await fetch(`/api/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        ...init,
      });
    } catch (error) {
      throw new ApiError(
        { title: 'Gateway unreachable', detail: String(error?.message ?? error), code: 'NETWORK' },
        0,
      );
    }
    if (response.ok) return response;
    let problem = {};
    try {
      problem = await response.json();
    } catch {
      // Not a problem document (a proxy's page): the status line is all there is.
    }
    throw new ApiError(problem, response.status);
  }
  return {
    async get(path) {
      return (await request('GET', path)).json();
    },
    async post(path, body, init) {
      const response = await request('POST', path, body, init);
      return response.status === 204 ? undefined : response.json();
    },
    /** For images: the raw response. */
    async fetchRaw(path) {
      return request('GET', path);
    },
  };
}
