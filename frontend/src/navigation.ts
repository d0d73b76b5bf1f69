// Client-side navigation over the history API; Flask serves index.html for every
// non-API path, so each page has a real, reloadable URL.
type Listener = () => void;
const listeners = new Set<Listener>();

export function navigate(path: string): void {
  window.history.pushState(null, "", path);
  listeners.forEach((listener) => listener());
}

export function onNavigate(listener: Listener): () => void {
  listeners.add(listener);
  window.addEventListener("popstate", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("popstate", listener);
  };
}
