// Two pages: the workflow list at "/" and the editor at "/workflows/<id>" (history API;
// Flask serves index.html for every non-API path).
import { useEffect, useState } from "react";
import { Editor } from "./components/Editor";
import { WorkflowList } from "./components/WorkflowList";

function routeOf(pathname: string): { page: "list" } | { page: "editor"; id: string } {
  const match = /^\/workflows\/([^/]+)\/?$/.exec(pathname);
  return match ? { page: "editor", id: decodeURIComponent(match[1]) } : { page: "list" };
}

export function App() {
  const [route, setRoute] = useState(() => routeOf(window.location.pathname));
  useEffect(() => {
    const onPop = () => setRoute(routeOf(window.location.pathname));
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  const go = (path: string) => {
    window.history.pushState(null, "", path);
    setRoute(routeOf(path));
  };
  if (route.page === "editor") return <Editor id={route.id} onBack={() => go("/")} />;
  return <WorkflowList onOpen={(id) => go(`/workflows/${encodeURIComponent(id)}`)} />;
}
