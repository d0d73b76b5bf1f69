// The sign-in page. Shown at /login, and in place of any page while nobody is signed
// in, so that after signing in the person lands where they were going.
import { useEffect, useState, type FormEvent } from "react";
import { ApiError } from "../../api/client";
import { signIn, useSession } from "../../auth/session";
import { landingPath } from "../../auth/landing";
import { navigate } from "../../navigation";
import "./login.css";

export function LoginPage() {
  const notice = useSession((s) => s.notice);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [waitUntil, setWaitUntil] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    if (waitUntil === null) return;
    const timer = window.setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= waitUntil) setWaitUntil(null);
    }, 1000);
    return () => window.clearInterval(timer);
  }, [waitUntil]);

  const waiting = waitUntil !== null ? Math.max(0, Math.ceil((waitUntil - now) / 1000)) : 0;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const user = await signIn(username.trim(), password);
      const next = new URLSearchParams(window.location.search).get("next");
      const landing = landingPath(user.role, window.location.pathname, next);
      if (landing) navigate(landing);
    } catch (e) {
      setPassword("");
      if (e instanceof ApiError && e.status === 429) {
        const seconds = Number(e.details?.retry_after ?? 30);
        setWaitUntil(Date.now() + seconds * 1000);
        setNow(Date.now());
        setError("Too many failed attempts for this account. Wait before trying again.");
      } else {
        setError(e instanceof ApiError ? e.message : "The server could not be reached. Try again.");
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login" data-testid="login-page">
      <main className="login__card">
        <div className="login__brand">
          <span className="brand__mark">B</span>
          <span>Baton</span>
        </div>
        <h1 className="login__title">Sign in</h1>
        <p className="login__lead">Design workflows, work cases and watch them move.</p>
        {notice && <p className="login__notice" data-testid="login-notice">{notice}</p>}
        <form onSubmit={submit} noValidate>
          <label className="field">
            <span className="field__label">Username</span>
            <input className="input login__input" autoComplete="username" autoFocus value={username}
              onChange={(e) => setUsername(e.target.value)} data-testid="login-username" required />
          </label>
          <label className="field">
            <span className="field__label">Password</span>
            <input className="input login__input" type="password" autoComplete="current-password" value={password}
              onChange={(e) => setPassword(e.target.value)} data-testid="login-password" required />
          </label>
          {error && (
            <p className="login__error" role="alert" data-testid="login-error">
              {error}
              {waiting > 0 && <> Try again in <strong data-testid="login-wait">{waiting} s</strong>.</>}
            </p>
          )}
          <button type="submit" className="btn btn--primary login__submit"
            disabled={busy || waiting > 0 || !username.trim() || !password} data-testid="login-submit">
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
        <p className="login__help wf-muted">
          No account yet? An administrator creates one with <code>baton users create</code>.
        </p>
      </main>
    </div>
  );
}
