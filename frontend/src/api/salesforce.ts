// The Salesforce connection (designer/api/salesforce.py): its state (secrets only as
// set/unset), the connection test, an sObject's fields from describe, a sync on demand.
import { request } from "./client";

export type AuthMode = "password" | "jwt" | "session" | "none";

export interface SalesforceStream {
  workflow_id: string;
  sobject: string;
  soql_filter: string | null;
  active: boolean;
  watermark: string | null;
  backfilled: boolean;
  records_synced: number;
  last_poll_at: string | null;
  last_success_at: string | null;
  last_error: string | null;
}

export interface SalesforceConnection {
  configured: boolean;
  auth_mode: AuthMode;
  instance_url: string | null;
  login_domain: string;
  api_version: string;
  username: string | null;
  consumer_key_set: boolean;
  secrets: Record<"password" | "security_token" | "consumer_secret" | "private_key" | "session_id" | "private_key_file", boolean>;
  secrets_file: string | null;
  missing: string[];
  poll_interval_seconds: number;
  streams: SalesforceStream[];
}

export interface SalesforceTestResult {
  ok: boolean;
  elapsed_ms: number;
  instance: string | null;
  api_version: string | null;
  auth_mode: AuthMode | null;
  daily_api_requests_max: number | null;
  daily_api_requests_remaining: number | null;
  error_code: string | null;
  error: string | null;
}

export interface SalesforceField {
  name: string;
  label: string;
  type: string;
  updateable: boolean;
  picklist_values: string[];
}

export interface SalesforceSyncStream {
  workflow_id: string;
  sobject: string;
  created: number;
  updated: number;
  unchanged: number;
  pages: number;
  backfill: boolean;
  error: string | null;
}

const fieldCache = new Map<string, Promise<SalesforceField[]>>();

export const salesforceApi = {
  connection: () => request<SalesforceConnection>("GET", "/api/salesforce/connection"),
  test: () => request<SalesforceTestResult>("POST", "/api/salesforce/connection/test"),
  sync: () => request<{ streams: SalesforceSyncStream[] }>("POST", "/api/salesforce/sync").then((r) => r.streams),
  /** An sObject's fields; asked once per sObject and page load (describe is slow and rarely changes). */
  fields: (sobject: string): Promise<SalesforceField[]> => {
    let found = fieldCache.get(sobject);
    if (!found) {
      found = request<{ fields: SalesforceField[] }>("GET", `/api/salesforce/sobjects/${encodeURIComponent(sobject)}/fields`)
        .then((r) => r.fields);
      found.catch(() => fieldCache.delete(sobject));
      fieldCache.set(sobject, found);
    }
    return found;
  },
};

export const AUTH_MODE_LABELS: Record<AuthMode, string> = {
  password: "Username, password and security token",
  jwt: "OAuth JWT bearer (connected app)",
  session: "Session id",
  none: "Not configured",
};
