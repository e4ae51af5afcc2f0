import { CcmError } from "../errors.js";
import type { Store } from "./db.js";

export interface Project {
  id: number;
  name: string;
  path: string;
  baseBranch: string | null;
  defaultAgent: string | null;
  verifyCommand: string | null;
  createdAt: number;
}

interface ProjectRow {
  id: number;
  name: string;
  path: string;
  base_branch: string | null;
  default_agent: string | null;
  verify_command: string | null;
  created_at: number;
}

const COLUMNS = "id, name, path, base_branch, default_agent, verify_command, created_at";

function toProject(row: ProjectRow): Project {
  return {
    id: row.id,
    name: row.name,
    path: row.path,
    baseBranch: row.base_branch,
    defaultAgent: row.default_agent,
    verifyCommand: row.verify_command,
    createdAt: row.created_at,
  };
}

export interface NewProject {
  name: string;
  path: string;
  baseBranch?: string | null;
}

export type AddProjectResult = { project: Project; created: boolean };

/**
 * Registers a project. Adding the same path under the same name again is a no-op (so `ccm init` is
 * idempotent); a clash of name or path with a different project is an error.
 */
export function addProject(store: Store, input: NewProject): AddProjectResult {
  return store.transaction(() => {
    const byPath = findActive(store, "path", input.path);
    const byName = findActive(store, "name", input.name);
    if (byPath && byPath.name === input.name) return { project: byPath, created: false };
    if (byPath) {
      throw new CcmError(
        "PROJECT_EXISTS",
        `${input.path} is already registered as project '${byPath.name}'`,
        {
          hint: `Use the name '${byPath.name}', or run \`ccm project remove ${byPath.name}\` first.`,
        },
      );
    }
    if (byName) {
      throw new CcmError(
        "PROJECT_EXISTS",
        `a project named '${input.name}' already exists (${byName.path})`,
        {
          hint: "Choose another name with --name.",
        },
      );
    }
    const now = store.clock();
    const row = store.db
      .prepare(
        `INSERT INTO projects (name, path, base_branch, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         RETURNING ${COLUMNS}`,
      )
      .get(input.name, input.path, input.baseBranch ?? null, now, now) as unknown as ProjectRow;
    return { project: toProject(row), created: true };
  });
}

function findActive(store: Store, column: "name" | "path", value: string): Project | undefined {
  const row = store.db
    .prepare(`SELECT ${COLUMNS} FROM projects WHERE ${column} = ? AND removed_at IS NULL`)
    .get(value) as ProjectRow | undefined;
  return row ? toProject(row) : undefined;
}

export function findProject(store: Store, name: string): Project | undefined {
  return findActive(store, "name", name);
}

export function getProject(store: Store, name: string): Project {
  const project = findProject(store, name);
  if (project) return project;
  const names = listProjects(store).map((p) => p.name);
  throw new CcmError("PROJECT_NOT_FOUND", `no project named '${name}'`, {
    hint:
      names.length > 0
        ? `Known projects: ${names.join(", ")}. Register a new one with \`ccm project add PATH\`.`
        : "No projects are registered yet: run `ccm init` in a git repository, or `ccm project add PATH`.",
  });
}

export function getProjectById(store: Store, id: number): Project | undefined {
  const row = store.db.prepare(`SELECT ${COLUMNS} FROM projects WHERE id = ?`).get(id) as
    | ProjectRow
    | undefined;
  return row ? toProject(row) : undefined;
}

export function listProjects(store: Store): Project[] {
  const rows = store.db
    .prepare(`SELECT ${COLUMNS} FROM projects WHERE removed_at IS NULL ORDER BY name`)
    .all() as unknown as ProjectRow[];
  return rows.map(toProject);
}

/** Unregisters a project. Its files and its tasks' history are kept; active tasks block removal. */
export function removeProject(store: Store, name: string): Project {
  return store.transaction(() => {
    const project = getProject(store, name);
    const active = store.db
      .prepare(
        `SELECT id, state FROM tasks WHERE project_id = ?
         AND state NOT IN ('merged', 'cancelled', 'failed', 'rejected') ORDER BY id`,
      )
      .all(project.id) as { id: number; state: string }[];
    if (active.length > 0) {
      const list = active.slice(0, 10).map((t) => `#${t.id} (${t.state})`);
      throw new CcmError(
        "INVALID_TRANSITION",
        `project '${name}' still has ${active.length} unfinished task(s): ${list.join(", ")}`,
        { hint: "Cancel, approve or reject them first (`ccm task cancel ID`); no files are ever deleted." },
      );
    }
    const now = store.clock();
    store.db
      .prepare("UPDATE projects SET removed_at = ?, updated_at = ? WHERE id = ?")
      .run(now, now, project.id);
    return project;
  });
}
