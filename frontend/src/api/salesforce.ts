// The Salesforce connection (designer/api/salesforce.py): its state (secrets only as
// set/unset), the connection test, an sObject's fields from describe, a sync on demand.
import type * as Api from "../generated/api";
import { request } from "./client";

export type AuthMode = Api.SalesforceConnection["auth_mode"];
export type SalesforceStream = Api.SalesforceStream;
export type SalesforceConnection = Api.SalesforceConnection;
export type SalesforceTestResult = Api.SalesforceTestResult;
export type SalesforceField = Api.SalesforceFieldInfo;
export type SalesforceSyncStream = Api.SalesforceSyncStream;

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
