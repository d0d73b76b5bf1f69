// Who is signed in, the session's CSRF token, and signing in and out. The server is the
// judge of every request (it answers 401/403 whatever the page shows); this store only
// lets pages show what the account can do and send the CSRF header with every change.
import { create } from "zustand";
import { ApiError } from "../api/client";
import type * as Api from "../generated/api";

export type Role = Api.Role;

export interface SessionUser {
  username: string;
  role: Role;
  agent_id: string | null;
  via: "session" | "token";
}

interface SessionInfo {
  user: SessionUser | null;
  csrf_token: string;
}

export interface SessionState {
  /** "loading" until the first GET /api/session has answered. */
  status: "loading" | "ready" | "error";
  user: SessionUser | null;
  csrf: string;
  /** Why the user sees the sign-in page again (their session ended), if so. */
  notice: string | null;
}

export const useSession = create<SessionState>()(() => ({
  status: "loading",
  user: null,
  csrf: "",
  notice: null,
}));

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The CSRF header for a request that changes something (none for reads). */
export function csrfHeaders(method: string): Record<string, string> {
  return SAFE_METHODS.has(method.toUpperCase()) ? {} : { "X-CSRF-Token": useSession.getState().csrf };
}

/** The server said 401: the session ended. The app shows the sign-in page in place. */
export function sessionEnded(): void {
  const { user } = useSession.getState();
  useSession.setState({
    user: null,
    notice: user ? "Your session has ended. Sign in again to continue." : null,
  });
  void loadSession();
}

async function call(method: string, body?: unknown): Promise<SessionInfo> {
  const url = method === "PASSWORD" ? "/api/session/password" : "/api/session";
  const verb = method === "PASSWORD" ? "POST" : method;
  const response = await fetch(url, {
    method: verb,
    headers: { "Content-Type": "application/json", ...csrfHeaders(verb) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = (await response.json().catch(() => null)) as
    | (SessionInfo & { error?: { code?: string; message?: string; details?: Record<string, unknown> } })
    | null;
  if (!response.ok) {
    const error = payload?.error;
    const retry = response.headers.get("Retry-After");
    throw new ApiError(
      response.status,
      error?.code ?? "http_error",
      error?.message ?? `${verb} ${url} failed with HTTP ${response.status}`,
      { ...(error?.details ?? {}), ...(retry ? { retry_after: Number(retry) } : {}) },
    );
  }
  return payload as SessionInfo;
}

function take(info: SessionInfo): SessionUser | null {
  useSession.setState({ status: "ready", user: info.user, csrf: info.csrf_token });
  return info.user;
}

/** Fetch the session's CSRF token again; whether it changed (a retry may then succeed). */
export async function refreshCsrf(): Promise<boolean> {
  const before = useSession.getState().csrf;
  await loadSession();
  return useSession.getState().csrf !== before;
}

/** Ask the server who is signed in (at start, and after a 401). */
export async function loadSession(): Promise<void> {
  try {
    take(await call("GET"));
  } catch {
    useSession.setState({ status: "error" });
  }
}

export async function signIn(username: string, password: string): Promise<SessionUser> {
  if (!useSession.getState().csrf) await loadSession();
  const user = take(await call("POST", { username, password }));
  useSession.setState({ notice: null });
  return user!;
}

export async function signOut(): Promise<void> {
  take(await call("DELETE"));
}

export async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  take(await call("PASSWORD", { current_password: currentPassword, new_password: newPassword }));
}
