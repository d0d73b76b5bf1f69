// The Salesforce part of a workflow's trigger (graphs/salesforce.py), as the canvas edits it.
export type SalesforceConvert = "auto" | "string" | "number" | "integer" | "boolean" | "date-time" | "date";

export interface SalesforceFieldMapping {
  sf_field: string;
  case_field: string;
  convert?: SalesforceConvert;
}

export interface SalesforceTrigger {
  sobject: string;
  soql_filter?: string | null;
  field_mapping: SalesforceFieldMapping[];
  id_field?: string;
  backfill?: boolean;
}

export const CONVERSIONS: { value: SalesforceConvert; label: string }[] = [
  { value: "auto", label: "as the case field" },
  { value: "string", label: "text" },
  { value: "number", label: "number" },
  { value: "integer", label: "whole number" },
  { value: "boolean", label: "yes/no" },
  { value: "date-time", label: "date-time" },
  { value: "date", label: "date" },
];

export function newSalesforceTrigger(): SalesforceTrigger {
  return { sobject: "Case", soql_filter: null, field_mapping: [], id_field: "salesforce_id", backfill: true };
}
