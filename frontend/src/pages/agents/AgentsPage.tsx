// Team admin: agents (skills, languages, capacity, availability, hours, out of office),
// queues (members and strategy), skills and business calendars.
// Each tab, and the pieces the tabs share, live in their own files beside this one.
import { useCallback, useEffect, useState } from "react";
import { routingApi, type Availability } from "../../api/routing";
import { ListPage } from "../../components/ListPage";
import { AgentsTab } from "./AgentsTab";
import { CalendarsTab } from "./CalendarsTab";
import { QueuesTab } from "./QueuesTab";
import { SkillsTab } from "./SkillsTab";
import type { Data } from "./TabParts";
import "./routing.css";

type Tab = "agents" | "queues" | "skills" | "calendars";

export function AgentsPage({ tab: initialTab = "agents" }: { tab?: Tab }) {
  const [tab, setTab] = useState<Tab>(initialTab);
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    try {
      const [agents, queues, skills, calendars] = await Promise.all([
        routingApi.agents(), routingApi.queues(), routingApi.skills(), routingApi.calendars(),
      ]);
      setData({ agents, queues, skills, calendars });
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => { void reload(); }, [reload]);
  const counts: Record<Tab, number | undefined> = {
    agents: data?.agents.length, queues: data?.queues.length, skills: data?.skills.length, calendars: data?.calendars.length,
  };
  return (
    <ListPage testId="agents-page" active="agents" title={<>Team &amp; routing</>} mainClass="rt-wide">
      <div className="rt-tabs" role="tablist">
        {(["agents", "queues", "skills", "calendars"] as Tab[]).map((t) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} data-testid={`tab-${t}`}
            className={`rt-tab${tab === t ? " rt-tab--active" : ""}`} onClick={() => setTab(t)}>
            {t.charAt(0).toUpperCase() + t.slice(1)}
            {counts[t] !== undefined && <span className="rt-tab__count">{counts[t]}</span>}
          </button>
        ))}
      </div>
      {error && <p className="banner banner--error rt-banner">{error}</p>}
      {!data && !error && <p className="wf-muted">Loading…</p>}
      {data && tab === "agents" && <AgentsTab data={data} reload={reload} />}
      {data && tab === "queues" && <QueuesTab data={data} reload={reload} />}
      {data && tab === "skills" && <SkillsTab data={data} reload={reload} />}
      {data && tab === "calendars" && <CalendarsTab data={data} reload={reload} />}
    </ListPage>
  );
}

export function AvailabilityDot({ value }: { value: Availability }) {
  return <><span className={`rt-dot rt-dot--${value}`} />{value}</>;
}
