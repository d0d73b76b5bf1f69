// The app shell: picks the page for the current URL from the route registry.
import { useEffect, useState } from "react";
import { loadSession, useSession } from "./auth/session";
import { onNavigate } from "./navigation";
import { LoginPage } from "./pages/login/LoginPage";
import { matchRoute } from "./routes";

export function App() {
  const [pathname, setPathname] = useState(() => window.location.pathname);
  useEffect(() => onNavigate(() => setPathname(window.location.pathname)), []);
  const session = useSession((s) => s.status);
  const signedIn = useSession((s) => s.user !== null);
  useEffect(() => void loadSession(), []);
  const matched = matchRoute(pathname);
  if (session === "loading") return <div className="list-page" data-testid="session-loading" />;
  // Nobody signed in: the sign-in page takes this page's place, so the URL is kept.
  if (!signedIn && !matched?.route.public) return <LoginPage />;
  if (!matched) {
    return (
      <div className="list-page" data-testid="not-found">
        <main className="list-page__main">
          <h1>Page not found</h1>
          <p className="wf-muted">
            Nothing lives at <code>{pathname}</code>. <a href="/">Back to the workflows</a>.
          </p>
        </main>
      </div>
    );
  }
  return matched.route.render(matched.params);
}
