// Accounts and API tokens (designer/api/accounts.py), for admins.
import type { Role } from "../auth/session";
import type * as Api from "../generated/api";
import { request } from "./client";

export type Account = Api.AccountInfo;
export type TokenInfo = Api.TokenInfo;

export interface NewAccount {
  username: string;
  role: Role;
  password?: string;
  display_name?: string;
  agent_id?: string | null;
}

export interface AccountChange {
  role?: Role;
  disabled?: boolean;
  agent_id?: string;
  clear_agent?: boolean;
}

const account = (username: string) => `/api/accounts/${encodeURIComponent(username)}`;

export const accountsApi = {
  list: () => request<{ accounts: Account[] }>("GET", "/api/accounts").then((r) => r.accounts),
  create: (body: NewAccount) => request<Account>("POST", "/api/accounts", body),
  update: (username: string, change: AccountChange) => request<Account>("PATCH", account(username), change),
  setPassword: (username: string, password: string) =>
    request<void>("PUT", `${account(username)}/password`, { password }),
  tokens: () => request<{ tokens: TokenInfo[] }>("GET", "/api/tokens").then((r) => r.tokens),
  createToken: (username: string, name: string, role: Role | null) =>
    request<{ token: string; info: TokenInfo }>("POST", "/api/tokens", { username, name, role }),
  revokeToken: (id: number) => request<TokenInfo>("DELETE", `/api/tokens/${id}`),
  agents: () => request<{ agents: { id: string; name: string }[] }>("GET", "/api/agents"),
};
