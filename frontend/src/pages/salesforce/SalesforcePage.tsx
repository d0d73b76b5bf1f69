// Settings > Salesforce: the connection's state (secrets only as set / not set), a
// "Test connection" button, the sync streams of Salesforce-triggered workflows, and a
// field browser for an sObject (what the trigger's field mapping offers).
import { useCallback, useEffect, useState } from "react";
import {
  AUTH_MODE_LABELS,
  salesforceApi,
  type SalesforceConnection,
  type SalesforceField,
  type SalesforceStream,
  type SalesforceSyncStream,
  type SalesforceTestResult,
} from "../../api/salesforce";
import { ListPage } from "../../components/ListPage";
import { useAsyncAction } from "../../hooks/useAsyncAction";
import { navigate } from "../../navigation";
import "./salesforce.css";

const SECRET_LABELS: Record<keyof SalesforceConnection["secrets"], string> = {
  password: "Password",
  security_token: "Security token",
  consumer_secret: "Consumer secret",
  private_key: "Private key",
  private_key_file: "Private key file",
  session_id: "Session id",
};

/** Which secrets matter for a login mode (the others are shown only when set). */
const WANTED: Record<string, (keyof SalesforceConnection["secrets"])[]> = {
  password: ["password", "security_token"],
  jwt: ["private_key"],
  session: ["session_id"],
  none: ["password", "security_token"],
};

export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return "never";
  const seconds = Math.round((now - new Date(iso).getTime()) / 1000);
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

function State({ connection, test }: { connection: SalesforceConnection; test: SalesforceTestResult | null }) {
  if (!connection.configured) return <span className="sf-pill sf-pill--off" data-testid="sf-state">Not configured</span>;
  if (test?.ok) return <span className="sf-pill sf-pill--ok" data-testid="sf-state">Connected</span>;
  if (test && !test.ok) return <span className="sf-pill sf-pill--bad" data-testid="sf-state">Connection failed</span>;
  const failing = connection.streams.some((s) => s.active && s.last_error);
  if (failing) return <span className="sf-pill sf-pill--bad" data-testid="sf-state">Sync failing</span>;
  return <span className="sf-pill sf-pill--idle" data-testid="sf-state">Configured</span>;
}

function ConnectionCard({ connection, onTested }: { connection: SalesforceConnection; onTested: (r: SalesforceTestResult) => void }) {
  const [result, setResult] = useState<SalesforceTestResult | null>(null);
  const { busy: testing, error, run: call } = useAsyncAction();
  const run = () => call(async () => {
    const r = await salesforceApi.test();
    setResult(r);
    onTested(r);
  });
  const wanted = WANTED[connection.auth_mode] ?? [];
  const secrets = (Object.keys(SECRET_LABELS) as (keyof SalesforceConnection["secrets"])[])
    .filter((name) => wanted.includes(name) || connection.secrets[name]);
  return (
    <section className="sf-card" data-testid="sf-connection">
      <header className="sf-card__header">
        <h2>Connection</h2>
        <button type="button" className="btn btn--primary" data-testid="sf-test" disabled={testing || !connection.configured}
          onClick={() => void run()}>{testing ? "Testing…" : "Test connection"}</button>
      </header>
      <dl className="sf-facts">
        <dt>Instance</dt><dd className="mono">{connection.instance_url ?? "—"}</dd>
        <dt>Login</dt><dd>{AUTH_MODE_LABELS[connection.auth_mode]}</dd>
        <dt>Username</dt><dd className="mono">{connection.username ?? "—"}</dd>
        <dt>Login domain</dt><dd className="mono">{connection.login_domain}.salesforce.com</dd>
        <dt>API version</dt><dd>v{connection.api_version}</dd>
        <dt>Polls every</dt><dd>{connection.poll_interval_seconds} s</dd>
        <dt>Secrets</dt>
        <dd className="sf-secrets">
          {secrets.map((name) => (
            <span key={name} className={`sf-secret${connection.secrets[name] ? " sf-secret--set" : ""}`} data-testid={`sf-secret-${name}`}>
              {connection.secrets[name] ? "✓" : "✗"} {SECRET_LABELS[name]} {connection.secrets[name] ? "set" : "missing"}
            </span>
          ))}
          {connection.consumer_key_set && <span className="sf-secret sf-secret--set">✓ Consumer key set</span>}
        </dd>
      </dl>
      <p className="sf-note">
        Secrets come from <code>BATON_SALESFORCE_*</code> environment variables
        {connection.secrets_file ? <> or the secrets file <code>{connection.secrets_file}</code></> : <> or a secrets file (<code>BATON_SALESFORCE_SECRETS_FILE</code>)</>}.
        Baton never stores them in its database, never shows them here and never writes them to its logs.
      </p>
      {!connection.configured && (
        <div className="sf-setup" data-testid="sf-setup">
          <strong>To connect, set:</strong>
          <pre>{[
            "BATON_SALESFORCE_INSTANCE_URL=https://yourcompany.my.salesforce.com",
            ...connection.missing.map((name) => `${name}=…`),
          ].join("\n")}</pre>
          <span className="wf-muted">or, for a connected app: BATON_SALESFORCE_CONSUMER_KEY and BATON_SALESFORCE_PRIVATE_KEY_FILE (JWT bearer). Restart Baton afterwards.</span>
        </div>
      )}
      {error && <p className="banner banner--error">{error}</p>}
      {result && (
        <div className={`sf-result${result.ok ? " sf-result--ok" : " sf-result--bad"}`} data-testid="sf-test-result" role="status">
          {result.ok ? (
            <>
              <strong>Connected to {result.instance}</strong> in {result.elapsed_ms} ms
              {result.daily_api_requests_max !== null && (
                <div className="sf-quota">
                  <span>API requests left today: {result.daily_api_requests_remaining?.toLocaleString()} of {result.daily_api_requests_max.toLocaleString()}</span>
                  <span className="sf-quota__bar"><span style={{ width: `${Math.round(100 * (result.daily_api_requests_remaining ?? 0) / Math.max(1, result.daily_api_requests_max))}%` }} /></span>
                </div>
              )}
            </>
          ) : (
            <>
              <strong>Could not connect</strong> <span className="mono sf-code">{result.error_code}</span>
              <div>{result.error}</div>
            </>
          )}
        </div>
      )}
    </section>
  );
}

function StreamsCard({ streams, configured, reload }: { streams: SalesforceStream[]; configured: boolean; reload: () => Promise<void> }) {
  const [summary, setSummary] = useState<SalesforceSyncStream[] | null>(null);
  const { busy: syncing, error, run } = useAsyncAction();
  const sync = () => run(async () => {
    setSummary(await salesforceApi.sync());
    await reload();
  });
  return (
    <section className="sf-card" data-testid="sf-streams">
      <header className="sf-card__header">
        <h2>Record triggers</h2>
        <button type="button" className="btn" data-testid="sf-sync" disabled={syncing || !configured || streams.length === 0}
          onClick={() => void sync()}>{syncing ? "Syncing…" : "Sync now"}</button>
      </header>
      {streams.length === 0 ? (
        <p className="wf-muted">No active workflow takes its cases from Salesforce yet. In a workflow's panel, set the
          trigger to start runs when a record changes, from Salesforce, and map its fields.</p>
      ) : (
        <table className="sf-table">
          <thead>
            <tr><th>Workflow</th><th>sObject</th><th>Filter</th><th className="num">Changes applied</th><th>Synced up to</th><th>Last poll</th><th>Status</th></tr>
          </thead>
          <tbody>
            {streams.map((s) => (
              <tr key={s.workflow_id} data-testid={`sf-stream-${s.workflow_id}`}>
                <td>
                  <a href={`/workflows/${encodeURIComponent(s.workflow_id)}`} onClick={(e) => { e.preventDefault(); navigate(`/workflows/${encodeURIComponent(s.workflow_id)}`); }}>
                    {s.workflow_id}
                  </a>
                  {!s.active && <span className="sf-tag">inactive</span>}
                </td>
                <td className="mono">{s.sobject}</td>
                <td className="mono sf-filter" title={s.soql_filter ?? ""}>{s.soql_filter || <span className="wf-muted">every record</span>}</td>
                <td className="num">{s.records_synced.toLocaleString()}</td>
                <td>{s.watermark ? new Date(s.watermark).toLocaleString() : s.backfilled ? "—" : <span className="wf-muted">backfill pending</span>}</td>
                <td>{ago(s.last_poll_at)}</td>
                <td>
                  {s.last_error ? <span className="sf-status sf-status--bad" title={s.last_error}>{s.last_error}</span>
                    : s.last_poll_at ? <span className="sf-status sf-status--ok">OK</span> : <span className="wf-muted">waiting for the first poll</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error && <p className="banner banner--error">{error}</p>}
      {summary && (
        <p className="sf-note" data-testid="sf-sync-summary" role="status">
          {summary.map((r) => `${r.workflow_id}: ${r.created} created, ${r.updated} updated${r.error ? ` — ${r.error}` : ""}`).join(" · ")}
        </p>
      )}
    </section>
  );
}

function FieldsCard({ configured }: { configured: boolean }) {
  const [sobject, setSobject] = useState("Case");
  const [fields, setFields] = useState<SalesforceField[] | null>(null);
  const { busy: loading, error, run } = useAsyncAction();
  const describe = async () => {
    if (!(await run(async () => setFields(await salesforceApi.fields(sobject.trim()))))) setFields(null);
  };
  return (
    <section className="sf-card" data-testid="sf-fields">
      <header className="sf-card__header">
        <h2>sObject fields</h2>
        <form className="sf-describe" onSubmit={(e) => { e.preventDefault(); void describe(); }}>
          <input className="input mono" value={sobject} onChange={(e) => setSobject(e.target.value)} aria-label="sObject" data-testid="sf-sobject" />
          <button type="submit" className="btn" disabled={!configured || loading || !sobject.trim()} data-testid="sf-describe">{loading ? "Reading…" : "Describe"}</button>
        </form>
      </header>
      {error && <p className="banner banner--error">{error}</p>}
      {!fields && !error && <p className="wf-muted">The fields a workflow can map from, read from Salesforce's describe.</p>}
      {fields && (
        <table className="sf-table sf-table--compact">
          <thead><tr><th>Label</th><th>API name</th><th>Type</th><th>Writable</th></tr></thead>
          <tbody>
            {fields.map((f) => (
              <tr key={f.name}>
                <td>{f.label}</td><td className="mono">{f.name}</td><td>{f.type}</td><td>{f.updateable ? "yes" : <span className="wf-muted">read-only</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function SalesforcePage() {
  const [connection, setConnection] = useState<SalesforceConnection | null>(null);
  const [test, setTest] = useState<SalesforceTestResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    try {
      setConnection(await salesforceApi.connection());
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => { void reload(); }, [reload]);
  return (
    <ListPage testId="salesforce-page" active="salesforce" title="Salesforce" mainClass="sf-page"
      badge={connection && <State connection={connection} test={test} />}>
      <p className="sf-lede">Cases from a Salesforce org run through Baton workflows; steps write their decisions back to the records.</p>
      {error && <p className="banner banner--error">{error}</p>}
      {!connection && !error && <p className="wf-muted">Loading…</p>}
      {connection && (
        <div className="sf-grid">
          <ConnectionCard connection={connection} onTested={setTest} />
          <StreamsCard streams={connection.streams} configured={connection.configured} reload={reload} />
          <FieldsCard configured={connection.configured} />
        </div>
      )}
    </ListPage>
  );
}
