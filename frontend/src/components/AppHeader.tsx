// The header of every page except the full-screen canvas: brand and the navigation
// built from the route registry, so a new page appears here by registering itself.
import { mayVisit } from "../auth/permissions";
import { useSession } from "../auth/session";
import { UserMenu } from "../auth/UserMenu";
import { navigate } from "../navigation";
import { routes } from "../routes";

export function AppHeader({ active, subtitle }: { active: string; subtitle?: string }) {
  const user = useSession((s) => s.user);
  return (
    <header className="list-page__header app-header" data-testid="app-header">
      <div className="brand">
        <span className="brand__mark">B</span> Baton {subtitle && <span className="brand__sub">{subtitle}</span>}
      </div>
      <nav className="app-header__nav" aria-label="Main">
        {routes
          .filter((route) => route.nav && mayVisit(user, route.name))
          .map((route) => (
            <a
              key={route.name}
              href={route.nav!.path}
              className={`app-header__link${route.name === active ? " app-header__link--active" : ""}`}
              aria-current={route.name === active ? "page" : undefined}
              data-testid={`nav-${route.name}`}
              onClick={(event) => {
                event.preventDefault();
                navigate(route.nav!.path);
              }}
            >
              {route.nav!.label}
            </a>
          ))}
      </nav>
      <UserMenu />
    </header>
  );
}
