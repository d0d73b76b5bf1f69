// Routing and SLAs (designer/api/agents.py, metrics.py): agents, skills, queues,
// calendars, an agent's inbox and pull-next, reassignment with a reason, and metrics.
import { useEffect, useState } from "react";
import type * as Api from "../generated/api";
import { request } from "./client";
import type { SlaLevel } from "./runs";

export type Availability = Api.AgentOut["availability"];
export type Strategy = Api.RoutingStrategy;
export type SlaState = SlaLevel;
export type Hours = Record<string, [string, string][]>;

export const STRATEGY_LABELS: Record<Strategy, string> = {
  round_robin: "Round-robin",
  load_balanced: "Load-balanced",
  skills_based: "Skills-based",
  pull_next: "Pull-next",
};

/** An agent as listed (with load and availability) or edited (the figures left out). */
export type Agent = Omit<Api.AgentOut, "working_hours" | "open_items" | "load" | "available" | "why_unavailable" | "queues">
  & Partial<Pick<Api.AgentOut, "open_items" | "load" | "available" | "why_unavailable" | "queues">>
  & { working_hours: Hours };

export type Skill = Api.SkillInOutput;

/** A queue as listed (with its figures) or edited (without them). */
export type Queue = Omit<Api.QueueOut, "waiting" | "assigned"> & Partial<Pick<Api.QueueOut, "waiting" | "assigned">>;

/** A business calendar: its hours, the country and region whose public holidays it keeps,
 * its own extra holidays, and (as read) this year's public holidays. */
export interface Calendar extends Omit<Api.CalendarOut, "hours" | "public_holidays"> {
  hours: Hours;
  public_holidays?: Api.PublicHoliday[];
}
export type HolidayCountry = Api.HolidayCountry;

export type Sla = Api.SlaOut;

export type InboxItem = Api.InboxItem;
export type Inbox = Omit<Api.InboxOut, "agent"> & { agent: Agent };

/** An assignment decision; ``decision`` holds the candidates and why each was passed over. */
export type Assignment = Omit<Api.AssignmentOut, "decision"> & {
  decision: { candidates?: { agent: string; passed_over: string | null; load: number; match: number }[]; passed_over?: Record<string, number> };
};

export type RoutingOptions = Api.RoutingOptions;

export type Distribution = Api.Distribution;
export type DayPoint = Api.DayPoint;
export type Metrics = Api.MetricsOut;

const enc = encodeURIComponent;

export const routingApi = {
  options: () => request<RoutingOptions>("GET", "/api/routing/options"),
  agents: () => request<{ agents: Agent[] }>("GET", "/api/agents").then((r) => r.agents),
  saveAgent: (agent: Agent) => request<Agent>("PUT", `/api/agents/${enc(agent.id)}`, stripAgent(agent)),
  deleteAgent: (id: string) => request<void>("DELETE", `/api/agents/${enc(id)}`),
  setAvailability: (id: string, availability: Availability) =>
    request<Agent>("POST", `/api/agents/${enc(id)}/availability`, { availability }),
  skills: () => request<{ skills: Skill[] }>("GET", "/api/skills").then((r) => r.skills),
  saveSkill: (skill: Skill) => request<Skill>("PUT", `/api/skills/${enc(skill.name)}`, skill),
  deleteSkill: (name: string) => request<void>("DELETE", `/api/skills/${enc(name)}`),
  queues: () => request<{ queues: Queue[] }>("GET", "/api/queues").then((r) => r.queues),
  saveQueue: (queue: Queue) =>
    request<Queue>("PUT", `/api/queues/${enc(queue.name)}`, {
      name: queue.name, description: queue.description, strategy: queue.strategy, members: queue.members, calendar: queue.calendar,
    }),
  deleteQueue: (name: string) => request<void>("DELETE", `/api/queues/${enc(name)}`),
  calendars: () => request<{ calendars: Calendar[] }>("GET", "/api/calendars").then((r) => r.calendars),
  saveCalendar: ({ public_holidays: _shown, ...calendar }: Calendar) =>
    request<Calendar>("PUT", `/api/calendars/${enc(calendar.name)}`, calendar),
  holidayCountries: () =>
    request<{ countries: HolidayCountry[] }>("GET", "/api/calendars/countries").then((r) => r.countries),
  deleteCalendar: (name: string) => request<void>("DELETE", `/api/calendars/${enc(name)}`),
  inbox: (agentId: string) => request<Inbox>("GET", `/api/agents/${enc(agentId)}/inbox`),
  pull: (agentId: string) => request<InboxItem>("POST", `/api/agents/${enc(agentId)}/pull`),
  complete: (key: string, data: Record<string, unknown>) => request<unknown>("POST", `/api/work-items/${enc(key)}/complete`, { data }),
  reassign: (key: string, agent: string | null, reason: string, queue?: string | null) =>
    request<InboxItem>("POST", `/api/routing/work-items/${enc(key)}/reassign`, { agent, reason, ...(queue ? { queue } : {}) }),
  assignments: (key: string) =>
    request<{ assignments: Assignment[] }>("GET", `/api/routing/work-items/${enc(key)}/assignments`).then((r) => r.assignments),
  metrics: (query: { start: string; end: string; workflow_id?: string; queue?: string }) => {
    const params = new URLSearchParams({ start: query.start, end: query.end });
    if (query.workflow_id) params.set("workflow_id", query.workflow_id);
    if (query.queue) params.set("queue", query.queue);
    return request<Metrics>("GET", `/api/metrics?${params}`);
  },
};

function stripAgent(agent: Agent): Agent {
  const { open_items: _o, load: _l, available: _a, why_unavailable: _w, queues: _q, ...rest } = agent;
  return rest;
}

/** Routing choices for the canvas's pickers, fetched once per page. */
let optionsPromise: Promise<RoutingOptions> | null = null;
export function useRoutingOptions(): RoutingOptions | null {
  const [options, setOptions] = useState<RoutingOptions | null>(null);
  useEffect(() => {
    let alive = true;
    optionsPromise ??= routingApi.options().catch(() => {
      optionsPromise = null;
      return { strategies: [], skills: [], queues: [], calendars: [], agents: [] } as RoutingOptions;
    });
    void optionsPromise.then((o) => alive && setOptions(o));
    return () => { alive = false; };
  }, []);
  return options;
}

/** "in 2 h 5 min", "12 min late" for an SLA's minutes left. */
export function formatRemaining(minutes: number): string {
  const late = minutes < 0;
  const total = Math.round(Math.abs(minutes));
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const mins = total % 60;
  const text = days ? `${days} d ${hours} h` : hours ? `${hours} h ${mins} min` : `${mins} min`;
  return late ? `${text} late` : `${text} left`;
}


