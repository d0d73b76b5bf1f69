// The signed-in account in the header: who and which role, change password, sign out.
import { useEffect, useRef, useState } from "react";
import { PasswordDialog } from "./PasswordDialog";
import { ROLE_LABELS } from "./permissions";
import { signOut, useSession } from "./session";
import "./auth.css";

export function UserMenu() {
  const user = useSession((s) => s.user);
  const [open, setOpen] = useState(false);
  const [changing, setChanging] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    const escape = (event: KeyboardEvent) => event.key === "Escape" && setOpen(false);
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", escape);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", escape);
    };
  }, [open]);

  if (!user) return null;
  return (
    <div className="user-menu" ref={root}>
      <button type="button" className="user-menu__button" aria-haspopup="menu" aria-expanded={open}
        onClick={() => setOpen(!open)} data-testid="user-menu">
        <span className="user-menu__avatar" aria-hidden="true">{user.username.slice(0, 1).toUpperCase()}</span>
        <span className="user-menu__who">
          <span className="user-menu__name" data-testid="current-user">{user.username}</span>
          <span className="user-menu__role" data-testid="current-role">{ROLE_LABELS[user.role]}</span>
        </span>
      </button>
      {open && (
        <div className="user-menu__panel" role="menu">
          <div className="user-menu__heading">
            Signed in as <strong>{user.username}</strong>
            {user.agent_id && <div className="wf-muted">Works as agent <span className="mono">{user.agent_id}</span></div>}
          </div>
          <button type="button" role="menuitem" className="user-menu__item" data-testid="change-password"
            onClick={() => { setOpen(false); setChanging(true); }}>
            Change password
          </button>
          <button type="button" role="menuitem" className="user-menu__item" data-testid="sign-out"
            onClick={async () => {
              setOpen(false);
              await signOut();
              // A full load: no page state, store or live connection of this account survives.
              window.location.assign("/login");
            }}>
            Sign out
          </button>
        </div>
      )}
      {changing && <PasswordDialog onClose={() => setChanging(false)} />}
    </div>
  );
}
