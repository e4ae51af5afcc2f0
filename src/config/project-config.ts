import { z } from "zod";

/** `<project>/.ccm/config.yaml`: per-project settings. Later issues add agent, stage and safety keys. */
export const projectConfigSchema = z.object({
  name: z.string().min(1).optional(),
  base_branch: z.string().min(1).optional(),
  agent: z.string().min(1).optional(),
  verify: z.string().min(1).optional(),
  setup: z.string().min(1).optional(),
});
export type ProjectConfig = z.output<typeof projectConfigSchema>;

export function renderProjectConfig(opts: { name: string; baseBranch: string | null }): string {
  return `# ccm project settings for '${opts.name}'. See \`ccm --help\`.
name: ${JSON.stringify(opts.name)}
# Branch that task branches (ccm/task-<id>) start from and merge into.
${opts.baseBranch === null ? "# base_branch: main" : `base_branch: ${JSON.stringify(opts.baseBranch)}`}
# Agent that runs this project's tasks: claude-code | gemini-cli | <a custom agent from ~/.ccm/config.yaml>
# agent: claude-code
# Command run in the task's worktree before the agent starts, e.g. npm ci
# setup: npm ci
# Command that verifies a task's work, e.g. npm test
# verify: npm test
`;
}
