import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { CcmError } from "../errors.js";

/** `<project>/.ccm/config.yaml`: per-project settings, read each time a task of the project starts. */
export const projectConfigSchema = z.object({
  name: z.string().min(1).optional(),
  base_branch: z.string().min(1).optional(),
  agent: z.string().min(1).optional().describe("claude-code | gemini-cli | a custom agent's name"),
  mode: z.enum(["headless", "interactive", "hybrid"]).optional(),
  permission_mode: z.string().min(1).optional().describe("Passed to the agent, e.g. bypassPermissions"),
  verify: z.string().min(1).optional().describe("Shell command run in the worktree to verify, e.g. npm test"),
  setup: z.string().min(1).optional().describe("Shell command run in a new worktree first, e.g. npm ci"),
  stages: z
    .object({
      planning: z.boolean().default(true),
      reviewing: z.boolean().default(true),
      verifying: z.boolean().default(true),
    })
    .default({ planning: true, reviewing: true, verifying: true }),
  merge: z
    .object({
      strategy: z.enum(["merge", "squash", "rebase"]).default("merge"),
      delete_branch: z.boolean().default(false).describe("Delete ccm/task-<id> after a merge"),
    })
    .default({ strategy: "merge", delete_branch: false }),
});
export type ProjectConfig = z.output<typeof projectConfigSchema>;

/** Reads a project's .ccm/config.yaml; a missing file means all defaults. Invalid files are errors. */
export function loadProjectConfig(projectPath: string): ProjectConfig {
  const file = join(projectPath, ".ccm", "config.yaml");
  if (!existsSync(file)) return projectConfigSchema.parse({});
  const doc = parseDocument(readFileSync(file, "utf8"));
  if (doc.errors.length > 0) {
    throw new CcmError(
      "CONFIG_INVALID",
      `${file} is not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}`,
      {
        hint: "Fix the project's .ccm/config.yaml.",
      },
    );
  }
  const parsed = projectConfigSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`);
    throw new CcmError("CONFIG_INVALID", `${file} is invalid:\n  ${problems.join("\n  ")}`, {
      hint: "Fix the project's .ccm/config.yaml.",
      details: { file, problems },
    });
  }
  return parsed.data;
}

export function renderProjectConfig(opts: { name: string; baseBranch: string | null }): string {
  return `# ccm project settings for '${opts.name}'. See \`ccm --help\`.
name: ${JSON.stringify(opts.name)}
# Branch that task branches (ccm/task-<id>) start from and merge into.
${opts.baseBranch === null ? "# base_branch: main" : `base_branch: ${JSON.stringify(opts.baseBranch)}`}
# Agent that runs this project's tasks: claude-code | gemini-cli | <a custom agent from ~/.ccm/config.yaml>
# agent: claude-code
# headless (default) | interactive | hybrid
# mode: headless
# Permission mode given to the agent (Claude Code: default | acceptEdits | bypassPermissions | plan ...)
# permission_mode: bypassPermissions
# Command run in a new task worktree before the agent starts, e.g. npm ci
# setup: npm ci
# Command that verifies a task's work in its worktree, e.g. npm test
# verify: npm test
# Stages besides executing, each can be switched off:
# stages: { planning: true, reviewing: true, verifying: true }
# How approved work lands on the base branch, and whether the task branch is deleted after:
# merge: { strategy: merge, delete_branch: false }
`;
}
