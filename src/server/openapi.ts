import type { Context, Hono } from "hono";
import { z } from "zod";
import { CcmError } from "../errors.js";

/**
 * Routes declared with their zod schemas: the same schemas validate the input at the edge and describe
 * it in the OpenAPI document (zod 4's `z.toJSONSchema`), so the document cannot drift from the code.
 */

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: "get" | "post";
  /** Hono path, e.g. `/api/tasks/:id`. */
  path: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** What a 2xx answer carries (documentation). */
  response?: z.ZodType;
  /** Answers with something other than JSON (text/event-stream, text/html ...). */
  contentType?: string;
  /** Needs the local token or a UI session. */
  mutation?: boolean;
}

export interface Input<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

export interface ApiRegistry {
  route<
    P extends z.ZodType = z.ZodObject<Record<string, never>>,
    Q extends z.ZodType = z.ZodObject<Record<string, never>>,
    B extends z.ZodType = z.ZodObject<Record<string, never>>,
  >(
    spec: RouteSpec<P, Q, B>,
    handler: (input: Input<z.output<P>, z.output<Q>, z.output<B>>, c: Context) => unknown,
  ): void;
  document(info: { version: string }): object;
}

const empty = z.object({});

function invalid(where: string, error: z.ZodError): CcmError {
  const issue = error.issues[0];
  const path = issue?.path.length ? issue.path.join(".") : where;
  return new CcmError("INVALID_ARGUMENT", `${where} ${path}: ${issue?.message ?? "invalid"}`, {
    hint: "See GET /api/openapi.json for what this endpoint accepts.",
    details: { issues: error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
  });
}

export function createRegistry(app: Hono): ApiRegistry {
  const specs: RouteSpec<z.ZodType, z.ZodType, z.ZodType>[] = [];
  return {
    route(spec, handler) {
      specs.push(spec as never);
      app[spec.method](spec.path, async (c) => {
        const params = (spec.params ?? empty).safeParse(c.req.param());
        if (!params.success) throw invalid("path parameter", params.error);
        const query = (spec.query ?? empty).safeParse(c.req.query());
        if (!query.success) throw invalid("query parameter", query.error);
        let raw: unknown = {};
        if (spec.body) {
          const text = await c.req.text();
          try {
            raw = text === "" ? {} : JSON.parse(text);
          } catch {
            throw new CcmError("INVALID_ARGUMENT", "the request body is not valid JSON", {
              hint: "Send a JSON object with Content-Type: application/json.",
            });
          }
        }
        const body = (spec.body ?? empty).safeParse(raw);
        if (!body.success) throw invalid("body", body.error);
        const result = await handler({ params: params.data, query: query.data, body: body.data } as never, c);
        return result instanceof Response ? result : c.json(result as object);
      });
    },
    document({ version }) {
      const paths: Record<string, Record<string, object>> = {};
      const schema = (s: z.ZodType, io: "input" | "output") =>
        z.toJSONSchema(s, { io, unrepresentable: "any", target: "openapi-3.0" });
      for (const spec of specs) {
        const path = spec.path.replace(/:([A-Za-z]+)/g, "{$1}");
        const parameters: object[] = [];
        for (const [where, s] of [
          ["path", spec.params],
          ["query", spec.query],
        ] as const) {
          if (!s) continue;
          const json = schema(s, "input") as { properties?: Record<string, object>; required?: string[] };
          for (const [name, prop] of Object.entries(json.properties ?? {})) {
            parameters.push({
              name,
              in: where,
              required: where === "path" || (json.required ?? []).includes(name),
              schema: prop,
            });
          }
        }
        paths[path] ??= {};
        paths[path]![spec.method] = {
          summary: spec.summary,
          tags: [spec.tag],
          ...(parameters.length > 0 ? { parameters } : {}),
          ...(spec.body
            ? {
                requestBody: {
                  required: true,
                  content: { "application/json": { schema: schema(spec.body, "input") } },
                },
              }
            : {}),
          ...(spec.mutation ? { security: [{ bearer: [] }, { session: [] }] } : {}),
          responses: {
            "200": {
              description: "OK",
              content: {
                [spec.contentType ?? "application/json"]: spec.response
                  ? { schema: schema(spec.response, "output") }
                  : {},
              },
            },
            default: {
              description: "Error",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
            },
          },
        };
      }
      return {
        openapi: "3.0.3",
        info: {
          title: "ccm-orchestrator local API",
          version,
          description:
            "The daemon's HTTP API on 127.0.0.1. Reads are open to loopback callers; mutations need " +
            "`Authorization: Bearer <CCM_HOME/token>` or the web UI session cookie (`ccm ui`).",
        },
        paths,
        components: {
          securitySchemes: {
            bearer: { type: "http", scheme: "bearer" },
            session: { type: "apiKey", in: "cookie", name: "ccm_session" },
          },
          schemas: {
            Error: {
              type: "object",
              required: ["error"],
              properties: {
                error: {
                  type: "object",
                  required: ["code", "message"],
                  properties: {
                    code: { type: "string" },
                    message: { type: "string" },
                    hint: { type: "string" },
                    details: { type: "object" },
                  },
                },
              },
            },
          },
        },
      };
    },
  };
}
