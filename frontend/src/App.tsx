// The app shell: picks the page for the current URL from the route registry.
import { useEffect, useState } from "react";
import { onNavigate } from "./navigation";
import { matchRoute } from "./routes";

export function App() {
  const [pathname, setPathname] = useState(() => window.location.pathname);
  useEffect(() => onNavigate(() => setPathname(window.location.pathname)), []);
  const matched = matchRoute(pathname);
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
