// Settings > Accounts, for admins: who may sign in and with which role, agent accounts
// tied to their routing agent, password resets, and API tokens (shown once, revocable).
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { accountsApi, type Account, type TokenInfo } from "../../api/accounts";
import { ApiError } from "../../api/client";
import { ROLE_LABELS } from "../../auth/permissions";
import { useSession, type Role } from "../../auth/session";
import { ListPage } from "../../components/ListPage";
import "./accounts.css";

const ROLES: Role[] = ["admin", "supervisor", "agent", "viewer"];
const ROLE_HINTS: Record<Role, string> = {
  admin: "Designs, publishes and activates workflows; manages agents, queues, accounts and settings.",
  supervisor: "Monitors cases; pauses, resumes, cancels runs; resolves incidents; reassigns work.",
  agent: "Works the items assigned to their agent, and the cases behind them; pulls the next item.",
  viewer: "Reads everything; changes nothing.",
};

function when(value: string | null): string {
  return value ? new Date(value).toLocaleString() : "never";
}

function message(error: unknown): string {
  return error instanceof ApiError ? error.message : String(error);
}

export function AccountsPage() {
  const me = useSession((s) => s.user);
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [tokens, setTokens] = useState<TokenInfo[]>([]);
  const [agents, setAgents] = useState<{ id: string; name: string }[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const [listed, minted] = await Promise.all([accountsApi.list(), accountsApi.tokens()]);
      setAccounts(listed);
      setTokens(minted);
    } catch (e) {
      setError(message(e));
    }
  }, []);

  useEffect(() => {
    void reload();
    accountsApi.agents().then((r) => setAgents(r.agents), () => setAgents([]));
  }, [reload]);

  const act = async (action: () => Promise<unknown>, done: string) => {
    setError(null);
    try {
      await action();
      setNotice(done);
      await reload();
    } catch (e) {
      setError(message(e));
    }
  };

  return (
    <ListPage testId="accounts-page" active="accounts" subtitle="Settings" title="Accounts"
      actions={<button type="button" className="btn btn--primary" onClick={() => setCreating(true)} data-testid="new-account">
        New account
      </button>}>
      {error && <p className="banner banner--error" data-testid="accounts-error">{error}</p>}
      {notice && !error && <p className="acc-notice" data-testid="accounts-notice">{notice}</p>}
      {creating && (
        <CreateAccount agents={agents} onCancel={() => setCreating(false)}
          onCreated={(name) => { setCreating(false); void act(async () => undefined, `Account ${name} created.`); }} />
      )}
      {resetting && (
        <ResetPassword username={resetting} onCancel={() => setResetting(null)}
          onDone={() => { const name = resetting; setResetting(null); void act(async () => undefined, `Password of ${name} set; their sessions have ended.`); }} />
      )}
      {accounts === null && !error && <p className="wf-muted">Loading…</p>}
      {accounts && (
        <table className="table" data-testid="accounts-table">
          <thead>
            <tr><th>Account</th><th>Role</th><th>Works as agent</th><th>Status</th><th>Last sign-in</th><th /></tr>
          </thead>
          <tbody>
            {accounts.map((account) => {
              const self = account.username === me?.username;
              return (
                <tr key={account.id} data-testid={`account-${account.username}`}>
                  <td>
                    <div className="table__name">{account.display_name}</div>
                    <div className="wf-muted mono">{account.username}{self && " · you"}</div>
                  </td>
                  <td>
                    <select className="input acc-select" value={account.role} disabled={self} aria-label={`Role of ${account.username}`}
                      title={self ? "You cannot change your own role" : ROLE_HINTS[account.role]}
                      data-testid={`role-${account.username}`}
                      onChange={(e) => void act(() => accountsApi.update(account.username, { role: e.target.value as Role }),
                        `${account.username} is now ${ROLE_LABELS[e.target.value as Role].toLowerCase()}; their sessions have ended.`)}>
                      {ROLES.map((role) => <option key={role} value={role}>{ROLE_LABELS[role]}</option>)}
                    </select>
                  </td>
                  <td>
                    {account.role === "agent" ? (
                      <select className="input acc-select" value={account.agent_id ?? ""} aria-label={`Agent of ${account.username}`}
                        data-testid={`agent-${account.username}`}
                        onChange={(e) => void act(() => accountsApi.update(account.username,
                          e.target.value ? { agent_id: e.target.value } : { clear_agent: true }), `Agent link of ${account.username} changed.`)}>
                        <option value="">Not linked</option>
                        {agents.map((agent) => <option key={agent.id} value={agent.id}>{agent.name} ({agent.id})</option>)}
                      </select>
                    ) : <span className="wf-muted">—</span>}
                  </td>
                  <td>
                    {account.disabled
                      ? <span className="tag tag--removed">disabled</span>
                      : account.has_password ? <span className="tag tag--active">active</span> : <span className="tag tag--changed">no password</span>}
                  </td>
                  <td className="wf-muted">{when(account.last_login_at)}</td>
                  <td className="acc-actions">
                    <button type="button" className="btn btn--small" onClick={() => setResetting(account.username)}
                      data-testid={`reset-${account.username}`}>Set password</button>
                    {!self && (
                      <button type="button" className={`btn btn--small${account.disabled ? "" : " btn--danger"}`}
                        data-testid={`toggle-${account.username}`}
                        onClick={() => void act(() => accountsApi.update(account.username, { disabled: !account.disabled }),
                          account.disabled ? `${account.username} is enabled.` : `${account.username} is disabled and signed out everywhere.`)}>
                        {account.disabled ? "Enable" : "Disable"}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Tokens accounts={accounts ?? []} tokens={tokens} onChange={reload} onError={setError} />
    </ListPage>
  );
}

function CreateAccount({ agents, onCancel, onCreated }: {
  agents: { id: string; name: string }[]; onCancel: () => void; onCreated: (username: string) => void;
}) {
  const [username, setUsername] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [agentId, setAgentId] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const made = await accountsApi.create({
        username: username.trim(), role, display_name: displayName.trim(),
        password: password || undefined, agent_id: role === "agent" && agentId ? agentId : null,
      });
      onCreated(made.username);
    } catch (e) {
      setError(message(e));
    }
  };
  return (
    <form className="create-form acc-form" onSubmit={submit} data-testid="create-account">
      <label className="field"><span className="field__label">Username</span>
        <input className="input" value={username} onChange={(e) => setUsername(e.target.value)} autoFocus required data-testid="new-username" /></label>
      <label className="field"><span className="field__label">Name</span>
        <input className="input" value={displayName} onChange={(e) => setDisplayName(e.target.value)} placeholder="Shown in the app" /></label>
      <label className="field"><span className="field__label">Role</span>
        <select className="input" value={role} onChange={(e) => setRole(e.target.value as Role)} data-testid="new-role">
          {ROLES.map((r) => <option key={r} value={r}>{ROLE_LABELS[r]}</option>)}
        </select></label>
      {role === "agent" && (
        <label className="field"><span className="field__label">Works as agent</span>
          <select className="input" value={agentId} onChange={(e) => setAgentId(e.target.value)} data-testid="new-agent">
            <option value="">Not linked yet</option>
            {agents.map((agent) => <option key={agent.id} value={agent.id}>{agent.name} ({agent.id})</option>)}
          </select></label>
      )}
      <label className="field"><span className="field__label">Password</span>
        <input className="input" type="password" autoComplete="new-password" value={password}
          onChange={(e) => setPassword(e.target.value)} placeholder="At least 10 characters" data-testid="new-password-admin" /></label>
      <p className="wf-muted acc-hint">{ROLE_HINTS[role]}</p>
      {error && <p className="banner banner--error acc-wide">{error}</p>}
      <div className="acc-buttons">
        <button type="button" className="btn" onClick={onCancel}>Cancel</button>
        <button type="submit" className="btn btn--primary" disabled={!username.trim()} data-testid="create-account-submit">Create account</button>
      </div>
    </form>
  );
}

function ResetPassword({ username, onCancel, onDone }: { username: string; onCancel: () => void; onDone: () => void }) {
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <form className="create-form acc-form" data-testid="reset-password"
      onSubmit={async (event) => {
        event.preventDefault();
        try {
          await accountsApi.setPassword(username, password);
          onDone();
        } catch (e) {
          setError(message(e));
        }
      }}>
      <label className="field"><span className="field__label">New password for {username}</span>
        <input className="input" type="password" autoComplete="new-password" value={password} autoFocus
          onChange={(e) => setPassword(e.target.value)} placeholder="At least 10 characters" data-testid="reset-password-input" /></label>
      {error && <p className="banner banner--error acc-wide">{error}</p>}
      <div className="acc-buttons">
        <button type="button" className="btn" onClick={onCancel}>Cancel</button>
        <button type="submit" className="btn btn--primary" disabled={!password}>Set password</button>
      </div>
    </form>
  );
}

function Tokens({ accounts, tokens, onChange, onError }: {
  accounts: Account[]; tokens: TokenInfo[]; onChange: () => Promise<void>; onError: (message: string) => void;
}) {
  const me = useSession((s) => s.user);
  const [name, setName] = useState("");
  const [owner, setOwner] = useState("");
  const [role, setRole] = useState<Role | "">("");
  const [shown, setShown] = useState<{ token: string; name: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const ownerName = owner || me?.username || "";

  const create = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const made = await accountsApi.createToken(ownerName, name.trim(), role || null);
      setShown({ token: made.token, name: made.info.name });
      setCopied(false);
      setName("");
      await onChange();
    } catch (e) {
      onError(message(e));
    }
  };

  return (
    <section className="acc-tokens">
      <div className="list-page__titlebar acc-subtitle">
        <h2>API tokens</h2>
        <span className="wf-muted">For integrations: send <code>Authorization: Bearer &lt;token&gt;</code>. A token acts as its account, with at most its role.</span>
      </div>
      {shown && (
        <div className="acc-secret" data-testid="new-token">
          <div><strong>Token “{shown.name}”</strong>: copy it now. It is not shown again, and Baton keeps only its hash.</div>
          <div className="acc-secret__row">
            <code className="acc-secret__value" data-testid="new-token-value">{shown.token}</code>
            <button type="button" className="btn btn--small" onClick={() => {
              void navigator.clipboard?.writeText(shown.token).then(() => setCopied(true), () => setCopied(false));
            }}>{copied ? "Copied" : "Copy"}</button>
            <button type="button" className="btn btn--small" onClick={() => setShown(null)}>Done</button>
          </div>
        </div>
      )}
      <form className="create-form acc-form" onSubmit={create} data-testid="create-token">
        <label className="field"><span className="field__label">Name</span>
          <input className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. nightly export" data-testid="token-name" /></label>
        <label className="field"><span className="field__label">Acts as</span>
          <select className="input" value={ownerName} onChange={(e) => setOwner(e.target.value)} data-testid="token-owner">
            {accounts.filter((a) => !a.disabled).map((a) => <option key={a.id} value={a.username}>{a.username} ({ROLE_LABELS[a.role]})</option>)}
          </select></label>
        <label className="field"><span className="field__label">Role</span>
          <select className="input" value={role} onChange={(e) => setRole(e.target.value as Role | "")} data-testid="token-role">
            <option value="">The account's</option>
            {ROLES.map((r) => <option key={r} value={r}>{ROLE_LABELS[r]}</option>)}
          </select></label>
        <div className="acc-buttons">
          <button type="submit" className="btn btn--primary" disabled={!name.trim() || !ownerName} data-testid="create-token-submit">Create token</button>
        </div>
      </form>
      {tokens.length > 0 && (
        <table className="table" data-testid="tokens-table">
          <thead><tr><th>Name</th><th>Acts as</th><th>Role</th><th>Token</th><th>Created</th><th>Last used</th><th /></tr></thead>
          <tbody>
            {tokens.map((token) => (
              <tr key={token.id} data-testid={`token-${token.id}`} className={token.revoked_at ? "acc-revoked" : undefined}>
                <td className="table__name">{token.name}</td>
                <td>{token.username}</td>
                <td>{ROLE_LABELS[token.role]}</td>
                <td className="mono">{token.prefix}…</td>
                <td className="wf-muted">{when(token.created_at)} by {token.created_by}</td>
                <td className="wf-muted">{when(token.last_used_at)}</td>
                <td className="acc-actions">
                  {token.revoked_at ? <span className="tag tag--removed">revoked</span> : (
                    <button type="button" className="btn btn--small btn--danger" data-testid={`revoke-${token.id}`}
                      onClick={async () => {
                        if (!window.confirm(`Revoke the token “${token.name}”? Integrations using it stop working at once.`)) return;
                        try {
                          await accountsApi.revokeToken(token.id);
                          await onChange();
                        } catch (e) {
                          onError(message(e));
                        }
                      }}>Revoke</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
