/**
 * The prompts ccm gives agents for each stage. Pure text; kept in one place so they can be read and
 * tuned together. The user's prompt is quoted as data, never as instructions about ccm itself.
 */

export interface PromptInput {
  taskId: number;
  title: string;
  prompt: string;
  branch: string;
  baseBranch: string;
  plan?: string;
}

export function planningPrompt(t: PromptInput): string {
  return `You are planning task #${t.taskId} in this git repository. Do not modify any files.

Task:
${t.prompt}

Read the code you need, then reply with a concise, numbered implementation plan: the files to change, the
changes, and how to verify them. Your reply is stored as the plan for the agent that will do the work.`;
}

export function executingPrompt(t: PromptInput): string {
  const plan = t.plan ? `\n\nA plan was made for this task; follow it where it is sound:\n${t.plan}` : "";
  return `${t.prompt}${plan}

(ccm: you are working on branch ${t.branch} in a dedicated git worktree. Commit your work with clear messages
when done. Do not push, switch branches, or change other branches.)`;
}

export function reviewingPrompt(t: PromptInput): string {
  return `You are reviewing the work done for task #${t.taskId} on branch ${t.branch}. Do not modify any files.

The task was:
${t.prompt}

Inspect the changes with \`git diff ${t.baseBranch}...HEAD\` and \`git log ${t.baseBranch}..HEAD\`. Reply with a
review report: a one-line verdict (APPROVE or REQUEST_CHANGES), then the problems you found (correctness,
missing tests, risky changes), most important first.`;
}
