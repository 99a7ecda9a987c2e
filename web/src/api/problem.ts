import type { components } from './schema';

export type Problem = components['schemas']['Problem'];
export type FieldErrors = Record<string, string>;

/** An API call that answered with an error status (the body is a problem document when the server wrote one). */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;

  constructor(status: number, problem: Problem | null, fallback?: string) {
    super(problem?.detail || problem?.title || fallback || `The server answered ${status}.`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }

  /** Field name → reason, from the problem's errors[] (validation). */
  get fields(): FieldErrors {
    const out: FieldErrors = {};
    for (const e of this.problem?.errors ?? []) {
      out[e.field] = out[e.field] ? `${out[e.field]}; ${e.reason}` : e.reason;
    }
    return out;
  }
}

function asProblem(body: unknown): Problem | null {
  if (body && typeof body === 'object' && 'status' in body) return body as Problem;
  return null;
}

/**
 * Unwraps an openapi-fetch result: the data, or an ApiError. A 204 answer
 * resolves to undefined.
 */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new Error('Cannot reach the server. Check your connection and try again.');
  }
  const { data, error, response } = result;
  if (!response.ok) {
    throw new ApiError(response.status, asProblem(error), statusText(response.status));
  }
  return data as T;
}

function statusText(status: number): string {
  if (status === 401) return 'Please log in.';
  if (status === 403) return 'You are not allowed to do that.';
  if (status === 404) return 'Not found.';
  if (status === 429) return 'Too many attempts; wait a moment and try again.';
  if (status >= 500) return 'Something went wrong on the server. Try again.';
  return `The server answered ${status}.`;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}
