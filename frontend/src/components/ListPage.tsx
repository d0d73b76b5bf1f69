// The frame of every list page: the app header, then a main column whose title bar
// holds the page's title, a badge beside it and actions pushed to the right; ``overlay``
// (a dialog) follows the main column.
import type { ReactNode } from "react";
import { AppHeader } from "./AppHeader";

export function ListPage({ testId, active, subtitle, title, badge, actions, mainClass, overlay, children }: {
  testId: string;
  active: string;
  subtitle?: string;
  title?: ReactNode;
  badge?: ReactNode;
  actions?: ReactNode;
  mainClass?: string;
  overlay?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="list-page" data-testid={testId}>
      <AppHeader active={active} subtitle={subtitle} />
      <main className={mainClass ? `list-page__main ${mainClass}` : "list-page__main"}>
        {title !== undefined && (
          <div className="list-page__titlebar">
            <h1>{title}</h1>
            {badge}
            {actions !== undefined && <><span className="toolbar__spacer" />{actions}</>}
          </div>
        )}
        {children}
      </main>
      {overlay}
    </div>
  );
}
