import { describe, expect, it } from "vitest";
import { ago } from "./SalesforcePage";
import { fits } from "./SalesforceTriggerEditor";
import { CONVERSIONS, newSalesforceTrigger } from "./types";

describe("Salesforce field mapping", () => {
  it("flags a Salesforce type that does not fit the case field without a conversion", () => {
    expect(fits("double", "number")).toBe(true);
    expect(fits("string", "number")).toBe(false);
    expect(fits("boolean", "boolean")).toBe(true);
    expect(fits("datetime", "date-time")).toBe(true);
    expect(fits("picklist", "picklist")).toBe(true);
    expect(fits("currency", "picklist")).toBe(false);
    expect(fits("double", "string")).toBe(true);
    expect(fits("anything", undefined)).toBe(true);
  });

  it("starts a trigger on Case with the record Id in salesforce_id and a backfill", () => {
    expect(newSalesforceTrigger()).toEqual({
      sobject: "Case", soql_filter: null, field_mapping: [], id_field: "salesforce_id", backfill: true,
    });
    expect(CONVERSIONS.map((c) => c.value)).toEqual(["auto", "string", "number", "integer", "boolean", "date-time", "date"]);
  });
});

describe("ago", () => {
  const now = Date.parse("2026-03-02T10:00:00Z");
  it("says how long ago a poll was", () => {
    expect(ago(null, now)).toBe("never");
    expect(ago("2026-03-02T09:59:58Z", now)).toBe("just now");
    expect(ago("2026-03-02T09:59:30Z", now)).toBe("30s ago");
    expect(ago("2026-03-02T09:50:00Z", now)).toBe("10 min ago");
    expect(ago("2026-03-02T07:00:00Z", now)).toBe("3 h ago");
  });
});
