import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, apiUrl, configureClient, request, toApiError } from "./client";
import { unwrapList } from "./endpoints";

afterEach(() => vi.unstubAllGlobals());

describe("api client", () => {
  it("builds URLs against the Worker and drops empty query values", () => {
    expect(apiUrl("/anomalies", { status: "open", severity: "", stream: undefined, limit: 50 })).toBe(
      "http://127.0.0.1:8787/anomalies?status=open&limit=50",
    );
  });

  it("reads the documented error body", async () => {
    const res = new Response(JSON.stringify({ error: { code: "quota_exceeded", message: "Plan limit reached", request_id: "r1" } }), {
      status: 402, headers: { "Retry-After": "30" },
    });
    const err = await toApiError(res);
    expect(err).toMatchObject({ status: 402, code: "quota_exceeded", message: "Plan limit reached", requestId: "r1", retryAfter: 30 });
  });

  it("falls back to the status and X-Request-Id for other bodies", async () => {
    const err = await toApiError(new Response("<html>", { status: 503, statusText: "Service Unavailable", headers: { "X-Request-Id": "r2" } }));
    expect(err).toMatchObject({ status: 503, code: "http_503", requestId: "r2" });
  });

  it("sends the bearer token and org, and reports 401", async () => {
    const fetchMock = vi.fn(async (_url: string, _init: RequestInit) =>
      new Response(JSON.stringify({ error: { code: "unauthorized", message: "expired" } }), { status: 401 }));
    vi.stubGlobal("fetch", fetchMock);
    const onUnauthorized = vi.fn();
    configureClient({ getToken: () => "tok", getOrgId: () => "org-1", onUnauthorized });
    await expect(request("GET", "/me")).rejects.toBeInstanceOf(ApiError);
    const headers = fetchMock.mock.calls[0][1].headers as Record<string, string>;
    expect(headers.Authorization).toBe("Bearer tok");
    expect(headers["X-Org-Id"]).toBe("org-1");
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it("turns a network failure into status 0", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => { throw new TypeError("Failed to fetch"); }));
    await expect(request("GET", "/me")).rejects.toMatchObject({ status: 0, code: "network" });
  });

  it("accepts bare and wrapped lists", () => {
    expect(unwrapList([1])).toEqual([1]);
    expect(unwrapList({ data: [2], next_cursor: null })).toEqual([2]);
    expect(unwrapList(null)).toEqual([]);
  });
});
