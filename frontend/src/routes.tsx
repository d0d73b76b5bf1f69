// Every page of the app, once: its URL pattern, how it renders, and its entry in the
// header navigation. A new page adds one entry here and nothing else changes.
import { lazy, Suspense, type ReactElement } from "react";
import { Editor } from "./components/Editor";
import { WorkflowList } from "./components/WorkflowList";
import { navigate } from "./navigation";
import { CasePage } from "./pages/cases/CasePage";
import { CasesPage } from "./pages/cases/CasesPage";
import { AgentsPage } from "./pages/agents/AgentsPage";
import { LoginPage } from "./pages/login/LoginPage";
import { AccountsPage } from "./pages/accounts/AccountsPage";
import { SalesforcePage } from "./pages/salesforce/SalesforcePage";
import { MyWorkPage } from "./pages/work/MyWorkPage";
import { MonitorPage } from "./pages/monitor/MonitorPage";

// The metrics page brings the chart library: loaded when the page is first opened, so
// the other pages do not download it.
const MetricsPage = lazy(() => import("./pages/metrics/MetricsPage").then((m) => ({ default: m.MetricsPage })));

export interface RouteDef {
  /** Stable name, used by tests and the header's active link. */
  name: string;
  /** Matched against location.pathname; capture groups become params (URI-decoded). */
  pattern: RegExp;
  render: (params: string[]) => ReactElement;
  /** Shown in the header navigation when set. */
  nav?: { label: string; path: string };
  /** Pages that bring their own full-screen chrome (the canvas editor) hide the header. */
  fullScreen?: boolean;
  /** Shown without an account (the sign-in page); every other page needs one. */
  public?: boolean;
}

export const routes: RouteDef[] = [
  {
    name: "login",
    pattern: /^\/login\/?$/,
    render: () => <LoginPage />,
    fullScreen: true,
    public: true,
  },
  {
    name: "editor",
    pattern: /^\/workflows\/([^/]+)\/?$/,
    render: ([id]) => <Editor id={id} onBack={() => navigate("/")} />,
    fullScreen: true,
  },
  {
    name: "workflows",
    pattern: /^\/(?:workflows\/?)?$/,
    render: () => <WorkflowList onOpen={(id) => navigate(`/workflows/${encodeURIComponent(id)}`)} />,
    nav: { label: "Workflows", path: "/" },
  },
  {
    name: "case",
    pattern: /^\/cases\/([^/]+)\/?$/,
    render: ([runId]) => <CasePage key={runId} runId={runId} />,
  },
  {
    name: "cases",
    pattern: /^\/cases\/?$/,
    render: () => <CasesPage />,
    nav: { label: "Cases", path: "/cases" },
  },
  {
    name: "monitor",
    pattern: /^\/monitor(?:\/([^/]+))?\/?$/,
    render: ([workflowId]) => <MonitorPage key={workflowId || "none"} workflowId={workflowId || null} />,
    nav: { label: "Monitor", path: "/monitor" },
  },
  {
    name: "work",
    pattern: /^\/work(?:\/([^/]+))?\/?$/,
    render: ([agentId]) => <MyWorkPage key={agentId || "me"} agentId={agentId || undefined} />,
    nav: { label: "My work", path: "/work" },
  },
  {
    name: "agents",
    pattern: /^\/team\/?$/,
    render: () => <AgentsPage />,
    nav: { label: "Team", path: "/team" },
  },
  {
    name: "metrics",
    pattern: /^\/metrics\/?$/,
    render: () => <Suspense fallback={<div className="list-page" />}><MetricsPage /></Suspense>,
    nav: { label: "Metrics", path: "/metrics" },
  },
  {
    name: "salesforce",
    pattern: /^\/settings\/salesforce\/?$/,
    render: () => <SalesforcePage />,
    nav: { label: "Salesforce", path: "/settings/salesforce" },
  },
  {
    name: "accounts",
    pattern: /^\/settings\/accounts\/?$/,
    render: () => <AccountsPage />,
    nav: { label: "Accounts", path: "/settings/accounts" },
  },
];

export function matchRoute(pathname: string): { route: RouteDef; params: string[] } | null {
  for (const route of routes) {
    const match = route.pattern.exec(pathname);
    if (match) return { route, params: match.slice(1).map((p) => decodeURIComponent(p ?? "")) };
  }
  return null;
}
